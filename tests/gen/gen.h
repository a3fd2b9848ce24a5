/*
 * gen.h - rs-gen, a deterministic generator of realistic source exports
 * together with their own truth (see tests/gen/main.c for the command).
 *
 * The generator first builds a population of beneficiaries (memory in
 * proportion to the population, about rows/10 people), then streams the
 * export month by month, plants defect rows at positions chosen by
 * selection sampling, and accumulates the truth of the valid rows as it
 * goes. Every random choice comes from one xoshiro256** stream seeded from
 * --seed, so the same arguments give byte-identical files on any platform.
 */
#ifndef RS_GEN_H
#define RS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The largest --rows accepted: the ID space (birth date x sequence under
 * one address code) must stay sparse enough for unique IDs. */
#define GEN_MAX_ROWS 100000000ULL

/* xoshiro256** seeded through splitmix64. This can't fail. */
struct gen_rng {
	uint64_t s[4];
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* A uniform integer in [0, n) for n >= 1, without modulo bias (Lemire). */
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n);

/* The last three are paid only with --extras (their order keeps the
 * draws of the default export unchanged). */
enum gen_prog {
	GP_DIBAO_URBAN, GP_DIBAO_RURAL, GP_TEKUN, GP_GAOLING,
	GP_DISAB_LIVING, GP_LINSHI, GP_ORPHAN, GP_CHARITY, GP_HOLIDAY, GP_N
};
/* Catalog codes and the labels the export uses (catalog names/aliases). */
extern const char *const gen_prog_code[GP_N];
extern const char *const gen_prog_label[GP_N];
/* Paid monthly (the catalog's recurrence), so counted in the flows. */
int gen_prog_monthly(int prog);
/* Not 财政 spending (programs-local.yaml: public_money: false). */
int gen_prog_public(int prog);

enum gen_area { GA_URBAN, GA_RURAL, GA_N };
extern const char *const gen_area_code[GA_N];   /* urban, rural */
extern const char *const gen_area_label[GA_N];  /* 城镇, 农村 */

/* Planted defects, in the precedence order of SPEC.md section 3. */
enum gen_defect {
	GD_MALFORMED_LINE, GD_MISSING_FIELD, GD_BAD_ID, GD_BAD_AMOUNT,
	GD_NEGATIVE_AMOUNT, GD_BAD_PERIOD, GD_UNKNOWN_PROGRAM,
	GD_UNKNOWN_REGION, GD_PERIOD_OUT_OF_RANGE, GD_DUPLICATE_PAYMENT,
	GD_N
};
extern const char *const gen_defect_code[GD_N];

/* One village-level division the generator may pay in. */
struct gen_village {
	char code[13];
	/* A 12-digit code under the same township that the table lacks, for
	 * unknown_region rows. */
	char bad_code[13];
	const char *name;
	const char *township;   /* name of the parent township, "" if absent */
	uint32_t county;        /* index into gen_regions.county */
	int urban;              /* 社区/居委会 (1) or 村 (0) */
};

/* The villages under the chosen county (or all of them), sorted by code. */
struct gen_regions {
	struct gen_village *v;
	size_t nv;
	char (*county)[7];      /* distinct county codes of v, sorted */
	size_t ncounty;
	uint32_t *urban, *rural;/* indexes into v by kind */
	size_t nurban, nrural;
	char *text;             /* the file's bytes; names point into it */
};

/*
 * Loads regions.csv (code,name,level,parent_code) and keeps the
 * village-level codes under county ("all" for every county). Returns 0, or
 * -1 with err filled (unreadable file, no village under county); g is then
 * released.
 */
int gen_regions_load(struct gen_regions *g, const char *path,
		     const char *county, struct rs_error *err);
void gen_regions_release(struct gen_regions *g);

/* One beneficiary (the ID holder and head of the paid household). */
struct gen_person {
	char id[18];            /* not NUL-terminated */
	uint32_t village;       /* index into gen_regions.v */
	uint32_t amount;        /* fen per payment; 0 for gaoling (by age) */
	uint8_t prog, area;
	uint8_t start, dur;     /* paid in months start .. start+dur-1 */
	uint8_t hh, persons;    /* 家庭人口, 保障人数 */
	uint8_t funding;
	uint8_t sur, given1, given2;  /* name parts; given2 0xff for none */
	uint8_t seen;           /* counted in the truth's beneficiaries */
	/* --extras: what happens besides the monthly payments (months are
	 * 1..12, 0 for none) */
	uint8_t rev;            /* the month whose payment is reversed */
	uint8_t revfl;          /* GEN_REV_* */
	uint8_t bp, bpfirst;    /* back-pay paid in month bp for bpfirst..start-1 */
	uint8_t um;             /* a reversal with no payment to cancel */
	/* --extras truth: months (bit m-1) with a payment standing, with a
	 * back-payment paid, covered by a back-payment */
	uint16_t active, bpaid, covered;
};

#define GEN_REV_CORRECTED 1     /* a corrected payment follows the reversal */
#define GEN_REV_TWICE 2         /* reversed a second time (unmatched) */
#define GEN_REV_DELTA 10000     /* fen the reversed payment paid too much */

struct gen_population {
	struct gen_person *p;
	size_t n, alloc;
};

struct gen_opts {
	uint64_t rows;
	uint64_t seed;
	double defects;
	int year;
	const char *county;
	const char *regions;
	const char *truth;
	const char *out;
	int extras;             /* reversals, back-pay, charity, flows... */
};

/*
 * Builds the population whose payments make exactly `valid` valid rows:
 * monthly beneficiaries paid in consecutive months plus a few one-off
 * 临时救助 payments. There is always at least one person (a template for
 * defect rows). Returns 0, or -1 with err filled when the ID space is
 * exhausted.
 *
 * With o->extras, `valid` counts every row that is not a planted defect:
 * besides the payments, each person's reversals, corrected payments,
 * back-payments and unmatched reversals (see population.c); orphans,
 * 慈善救助 and 节日慰问 (a second entry sharing the ID of a 低保 or 特困
 * beneficiary) join the programs, and some 临时救助 is funded by donations.
 */
int gen_population_build(struct gen_population *pop,
			 const struct gen_regions *rg,
			 const struct gen_opts *o, uint64_t valid,
			 struct gen_rng *rng, struct rs_error *err);
void gen_population_release(struct gen_population *pop);

/* Age in whole years on the last day of month m of year y. */
int gen_person_age(const struct gen_person *p, int y, int m);
/* The amount in fen paid to p in month m of the reporting year y. */
int64_t gen_person_amount(const struct gen_person *p, int y, int m);
/* The GB 11643 check character of 17 digits. */
char gen_id_check(const char *id17);
/* Name parts. */
const char *gen_surname(unsigned i);
const char *gen_given(unsigned i);
extern const char *const gen_funding[4];
#define GEN_FUND_DONATION 3     /* 慈善捐赠, --extras only */

/*
 * An output file written beside its target and renamed into place by
 * gen_out_commit() after fsync; path "-" writes to standard output, and a
 * path that is no regular file (/dev/null, a FIFO) is written in place.
 */
struct gen_out {
	char *path;
	char *tmp;              /* NULL for standard output, or direct */
	int fd;
	int direct;             /* the target is no regular file (/dev/null,
				   a FIFO): written in place, never renamed */
	char *buf;
	size_t len, cap;
	int err;                /* errno of the first failed write, or 0 */
};

int gen_out_open(struct gen_out *o, const char *path, struct rs_error *err);
/* Returns room for at least need bytes at o->buf + o->len (flushing when
 * full); the caller adds what it wrote to o->len. need <= o->cap / 2. */
char *gen_out_space(struct gen_out *o, size_t need);
void gen_out_write(struct gen_out *o, const void *p, size_t n);
/* Flushes, fsyncs and renames into place. Returns 0, or -1 with err filled
 * and the temporary file removed. The struct is released either way. */
int gen_out_commit(struct gen_out *o, struct rs_error *err);
/* Removes the temporary file and releases the struct. Safe to call twice. */
void gen_out_abort(struct gen_out *o);

/* Writes the export (and the truth, when o->truth is set). Returns 0 or -1
 * with err filled; on failure no output file is replaced. */
int gen_run(const struct gen_opts *o, const struct gen_regions *rg,
	    struct rs_error *err);

#endif
