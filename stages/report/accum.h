/*
 * accum.h - one pass over an aggregate file into report groups.
 *
 * The report needs, per slice (the reporting period, or each calendar year
 * with --by-year) and per (program, area):
 *   - additive sums: persons (人次), payments (户次), amount in fen;
 *   - the exact set of beneficiaries paid in the period (保障人数);
 *   - the beneficiaries paid in the slice's last month with the persons of
 *     their payments (期末 stock);
 *   - per month: persons, amount and up to k beneficiaries (for the
 *     monthly table and its small-cell test);
 *   - of the stock, the persons whose payment says 集中 (support_mode), for
 *     the 集中供养率 of a 特困 program not split by program code.
 *   - the 其中 lines of 保障人数: the distinct women, people 60 or over and
 *     children under 18 (age at any payment in the slice);
 *   - the part paid from other money (a funding label the catalog's
 *     other_money_funding names, such as 社会捐赠): its sums and up to k
 *     beneficiaries, and up to k beneficiaries of the rest;
 * and, per slice, two cross tables with the same sums and up to k
 * beneficiaries per cell: township (region code digits 1-9) x program, and
 * funding source x program.
 * For 当月新增 / 当月退出, per (program, area) of a monthly program and over
 * the whole file (a slice's first month is judged against the month before,
 * which may lie in another slice or before the period), the months each
 * beneficiary was paid in with the persons paid for (struct fset).
 * A row counts its beneficiary (保障人数, stock, 其中, flows) only when
 * something is left of it: a payment, or persons covered by a back-payment,
 * as rs-aggregate's groups do; a payment netted out by its reversal leaves
 * only its money, if any.
 * All of it is bounded by groups x months x distinct beneficiaries; rows
 * stream through csvin and are never kept.
 */
#ifndef RS_REPORT_ACCUM_H
#define RS_REPORT_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#include "bset.h"
#include "catalog.h"
#include "error.h"
#include "kset.h"
#include "period.h"

/* The bits of a beneficiary's byte in group.ben (struct benbits): its
 * 其中 kinds, bit 1 << i being kind i of group.nkind, which is how
 * people.c names them; set when any of its rows in the slice says so. */
#define BEN_FEMALE  1
#define BEN_ELDERLY 2
#define BEN_MINOR   4
#define BEN_PAID    8            /* counted in the slice (保障人数) */
#define BEN_STOCK   16           /* counted in stock_ym */
#define BEN_STOCK_C 32           /* of that, paid as 集中 (support_mode) */

/* How a program's payments map to people (the catalog's payment_grain):
 * per person (the ID is the person's), per household (the ID is the
 * household's, persons says how many it covers), or either (临时救助: a
 * household case covers more than one person). */
enum { GRAIN_PERSON, GRAIN_HOUSEHOLD, GRAIN_EITHER };

/* Per beneficiary id of a group not paid per person: the largest persons
 * of one of its rows in the slice, and the persons of its rows in the
 * stock month (SPEC.md section 4: 累计保障人数 of a household program). */
struct pmax {
	uint32_t max, stock;
};

struct mcell {
	int64_t persons, fen;
	struct capset ks;        /* up to k beneficiaries paid this month */
};

struct group {
	char *program, *area;
	int64_t persons, payments, fen;
	struct benbits ben;      /* per beneficiary id: BEN_* bits */
	size_t nben;             /* ids with BEN_PAID */
	int stock_ym;            /* month held in stock, -1 before any row */
	size_t nstock, nstock_c; /* ids with BEN_STOCK, BEN_STOCK_C */
	int64_t stock_persons;   /* the persons of the stock's payments: a
				    union of stocks adds them up, as the
				    payments are different ones */
	int64_t stock_c_persons; /* the same for the 集中 part */
	int has_mode;            /* some row had a support_mode */
	struct mcell *month;     /* month[ym - mbase], mcount entries */
	int mbase, mcount;
	int64_t nkind[3];        /* 其中: ids of ben with BEN_FEMALE,
				    BEN_ELDERLY, BEN_MINOR */
	int64_t oth_persons, oth_payments, oth_fen;  /* paid from other money */
	struct capset oth_ks;    /* up to k beneficiaries of that part */
	struct capset pub_ks;    /* up to k beneficiaries of the rest */
	size_t fl;               /* its flow set: accum.fl[fl] */
	int grain;               /* GRAIN_* */
	int64_t pay_fix;         /* the fen of every payment, when pay_n > 0
				    and !pay_varied: a fixed amount (户均) */
	int64_t pay_n;
	int pay_varied;
	struct pmax *pm;         /* pm[id], npm entries (zero past them);
				    NULL for GRAIN_PERSON */
	size_t npm;
};

/*
 * The months each beneficiary was paid in, for one (program, area) over
 * the whole file, with the persons paid for. Kept for monthly programs
 * only, and with --period for its months and the one before. While
 * reading, each counted row appends a mark (12 bytes: a beneficiary id,
 * not its 16-byte pseudonym); accum_finish orders them by beneficiary and
 * month (a counting sort on the dense ids, then a short insertion sort
 * per beneficiary, whose marks mostly come in month order already) and
 * sums the persons of marks that repeat (rows of one month in several
 * regions, fundings or modes), leaving one mark per (beneficiary, month).
 * Persons are int32 in a mark: a count that does not fit (never seen in
 * real data, but the file may say so) is FMARK_WIDE there, and its exact
 * int64 lives in the set's wide table under (beneficiary, month), so
 * every count stays exact.
 */
struct fmark {
	uint32_t id;             /* the beneficiary (struct benids) */
	int32_t ym;
	int32_t persons;         /* or FMARK_WIDE: see fset.wide */
};
#define FMARK_WIDE INT32_MIN
#define FMARK_KEY (sizeof(uint32_t) + sizeof(int32_t))

struct fset {
	char *program, *area;
	int monthly;             /* the catalog's recurrence is monthly */
	struct fmark *m;         /* marks; sorted and distinct after accum_finish */
	size_t n, cap;
	struct kset wide;        /* key id + int32 month, value int64 persons:
				    the persons of marks holding FMARK_WIDE
				    (before accum_finish, the sum over the
				    rows that did not fit) */
};

/*
 * A cross table: cells keyed by (dim, prog), dim a township code or a
 * funding source (names[dim]), prog an index into accum.prog. Each cell
 * holds the sums and up to k beneficiaries: enough for the tables and
 * their small-cell test at a cost of k keys per cell.
 */
struct xcell {
	int dim, prog;
	int64_t persons, payments, fen;
	struct capset ks;
};

struct xtab {
	char **name;             /* dims, in order of first appearance */
	size_t nname, namecap;
	struct xcell *c;
	size_t n, cap;
	struct kset idx;         /* (int32 dim, int32 prog) -> int32 cell */
	int last;                /* the dim found last, or -1 */
	size_t last_len;         /* its length */
	int last_dim, last_prog; /* the cell found last (last_cell), when */
	size_t last_cell;        /* last_dim >= 0 */
};

struct slice {
	int year;                /* --by-year: the calendar year, else -1 */
	struct period per;       /* final after accum_finish() */
	int min_ym, max_ym;      /* months seen in the data */
	struct group **g;
	size_t ng, gcap;
	struct xtab town;        /* township (9 digits) x program */
	struct xtab fund;        /* funding source ("" when absent) x program */
};

/* A county's months with a payment in the file (accum.cty). A merged
 * file need not hold every county for every month: a county's first
 * month is judged for flows only when the county has data the month
 * before, and the month after its last is no month of exits. */
struct cspan {
	char code[7];
	int first, last;         /* -1 when no row of it has a payment */
};
#define BCTY_MIXED 0xFFFF

struct accum {
	/* set by the caller before accum_read */
	int by_year;
	int have_period;
	struct period per;
	int k;
	const struct catalog *cat;   /* recurrence, other_money_funding */
	/* results */
	struct slice **s;        /* after accum_finish: sorted by year */
	size_t ns, scap;
	long rows;               /* data rows read */
	long used;               /* rows inside the period */
	int has_funding;         /* some row in the period names a funding source */
	char **prog;             /* program codes seen (xcell.prog) */
	size_t nprog, progcap;
	char region_prefix[13];  /* longest prefix common to all region codes */
	size_t region_len;
	int pay_first, pay_last; /* first and last month with a payment in the
				    file (any period), -1 when none */
	struct cspan *cty;       /* per county (region code digits 1-6): its
				    first and last month with a payment, in
				    order of first appearance */
	size_t ncty, ctycap;
	uint16_t *bcty;          /* per beneficiary id: 1 + the index of the
				    county of its payments, 0 none yet,
				    BCTY_MIXED paid in two (or county index
				    past the range); nbcty entries */
	size_t nbcty;
	struct fset *fl;         /* flow sets */
	size_t nfl, flcap;
	struct benids ids;       /* beneficiary ids of the counted rows */
	/* private */
	const char *path;
	int seen_header;
	struct slice *cur_s;
	struct group *cur_g;
	long cur_fl;
	long cur_cty;             /* the last row's county (accum.cty), or -1 */
	char *pa;                /* the last row's program, NUL, area */
	size_t pa_plen, pa_alen, pa_cap;
	int pa_prog;             /* its prog_index, -1 not yet asked */
	char *last_fund;         /* the funding label classified last */
	size_t last_fund_len;
	int last_other;
	struct accum_pend *ring;  /* rows waiting for an id (accum.c) */
	unsigned ring_head, ring_n;
	struct accum_last *last;  /* the last row's key (accum.c) */
};

void accum_init(struct accum *a, int k);
/* Reads path (gzip or plain). Returns 0, or -1 with err naming file and
 * line (missing file, wrong header, bad field). */
int accum_read(struct accum *a, const char *path, struct rs_error *err);
/* Fixes each slice's period (see report.h for the rules) and sorts slices
 * by year, and sorts each flow set's marks for accum_flows. Returns 0, or
 * -1 when no row falls in the reporting period. */
int accum_finish(struct accum *a, struct rs_error *err);
void accum_release(struct accum *a);

/* 1 if a support_mode value means 集中供养 (集中, 集中供养). */
int support_central(const char *mode);

/*
 * 当月新增 and 当月退出 of the groups gv[0..n) taken together (a row of
 * the tables: one program and area, or a roll-up), summed over the months
 * of slice s: a beneficiary enters in a month it is paid and was not the
 * month before, and exits in the month after its last paid month; persons
 * are those of that month. A month is judged when it lies in the slice's
 * period and both it and the month before lie within the file's first and
 * last month with a payment (pay_first, pay_last), so a report's first
 * month is judged only when the file holds the month before. In a
 * merged file the same holds per county (accum.cty): a beneficiary's
 * month is judged only when its county has data that month and the one
 * before, so a county without the month before counts no one as new in
 * its first month, and one whose data ends counts no one as leaving
 * after it (a beneficiary paid in two counties is judged by the file's
 * months). Call it only after accum_finish. This function can't fail.
 */
struct flows {
	int64_t new_households, new_persons, exit_households, exit_persons;
};
void accum_flows(const struct accum *a, const struct slice *s,
		 const struct group *const *gv, size_t n, struct flows *out);
/* The county span of code (its first six digits), or NULL when the file
 * has none. */
const struct cspan *accum_county(const struct accum *a, const char *code);

/*
 * 累计保障人数 of the groups gv[0..n) taken together (SPEC.md section 4):
 * the sum over their distinct beneficiaries of the persons each stands
 * for: 1 in a group paid per person, else the largest persons of one of
 * its payments in the slice; and never fewer than its persons in the
 * stock (stock[i]: group i's stock is the row's), so that 累计 >= 期末
 * holds in every row. This function can't fail.
 */
int64_t accum_cum_persons(const struct group *const *gv, const int *stock,
			  size_t n);

/* The cell of group g for month ym, or NULL if g has none. */
const struct mcell *group_month(const struct group *g, int ym);

#endif
