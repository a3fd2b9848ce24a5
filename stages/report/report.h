/*
 * report.h - rs-report: from one aggregate file to year-end tables.
 *
 * The flow: load the catalog (and the regions, for a default title), read
 * the aggregate once into slices (accum.c), build the tables of each slice
 * (programs.c, months.c) and the data-quality table (quality.c), then write
 * every table twice, internal and published, as CSV and Markdown, plus a
 * report.md per version (report.c). Tables are built once; suppression
 * only marks cells, so the two versions cannot drift apart.
 *
 * Periods: with --period A..B the report covers exactly A..B; with
 * --by-year one slice per calendar year in the data, each from January to
 * its last month with data (cut to --period when both are given); with
 * neither, the data's first to last month. The stock (期末) month is the
 * slice's last month.
 */
#ifndef RS_REPORT_REPORT_H
#define RS_REPORT_REPORT_H

#include <stddef.h>

#include "accum.h"
#include "catalog.h"
#include "error.h"
#include "period.h"
#include "table.h"

#define REPORT_MAX_FILES 64

struct report_opts {
	const char *input;           /* the aggregate file */
	const char *outdir;
	const char *title;           /* NULL: from the regions table */
	int have_period;
	struct period per;
	int by_year;
	int k;                       /* suppression threshold */
	const char *quality[REPORT_MAX_FILES];
	size_t nquality;
	const char *catalogs[REPORT_MAX_FILES];
	size_t ncatalogs;            /* 0: the data directory's files */
	const char *regions;         /* NULL: the data directory's */
};

struct report {
	const struct report_opts *o;
	struct catalog cat;
	int have_cat;
	char *title;                 /* "" when unknown */
	struct accum acc;
	struct table *t;
	size_t nt, tcap;
};

/* Loads the catalog. Returns 0, or -1 (a configuration error: exit 2). */
int report_init(struct report *r, const struct report_opts *o,
		struct rs_error *err);
/* Reads, builds and writes everything. Returns 0, or -1 (exit 1). */
int report_run(struct report *r, struct rs_error *err);
void report_release(struct report *r);

/* Appends a new, zeroed table to r and returns its index (pointers into
 * r->t do not survive the next call). */
size_t report_new_table(struct report *r);

/*
 * A group of a slice with its catalog entries, in table order: public
 * programs before the others (charity and holiday payments are not public
 * spending and stay out of the totals), then by the root program's catalog
 * position, the program's, and the area (urban, rural, others).
 */
struct leaf {
	const struct group *g;
	const struct program *prog;
	const struct program *root;
	int monthly;                 /* stocks and 月人均 apply */
	int public_money;
};

/* The slice's groups as leaves, sorted; *n gets the count. Returns NULL
 * with err filled if a program is not in the catalog. */
struct leaf *report_leaves(const struct report *r, const struct slice *s,
			   size_t *n, struct rs_error *err);

/*
 * The tables of a slice are suppressed together: build_programs() and
 * build_months() append their table, add its units and lines to one
 * struct sdc and say where they are (struct ptab, struct mtab);
 * build_slice() links the two tables (a program's period cell in the
 * months table is the sum of its rows in the programs table), runs the
 * suppression and marks the hidden cells with *_apply().
 */
struct ptab {
	size_t ti;                       /* index of the table in r->t */
	size_t nrows;
	size_t *unit;                    /* per row: its sdc unit */
	const struct program **prog;     /* per row: a leaf row's program */
	size_t total;                    /* the 合计 row */
};

struct mtab {
	size_t ti;
	size_t nrow, nc, tcol;           /* rows (months + 合计), programs +
					    the 合计 column at tcol */
	size_t *unit;                    /* nrow x nc */
	const struct program **prog;     /* per column; NULL for 合计 */
};

void build_programs(struct report *r, const struct slice *s,
		    const struct leaf *lv, size_t n, struct sdc *sdc,
		    struct ptab *p);
void programs_apply(struct report *r, const struct ptab *p,
		    const struct sdc *sdc);
void build_months(struct report *r, const struct slice *s,
		  const struct leaf *lv, size_t n, struct sdc *sdc,
		  struct mtab *m);
void months_apply(struct report *r, const struct mtab *m,
		  const struct sdc *sdc);
int build_slice(struct report *r, const struct slice *s, struct rs_error *err);
int build_quality(struct report *r, struct rs_error *err);

/* "城市" for urban, "农村" for rural, else the code itself. */
const char *area_label(const char *area);
/* The table heading: title + period label + name. */
char *report_heading(const struct report *r, const struct slice *s,
		     const char *name);
/* The file stem: name, or name-YYYY with --by-year. */
char *report_stem(const struct report *r, const struct slice *s,
		  const char *name);

#endif
