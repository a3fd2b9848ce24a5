/*
 * report.h - rs-report: from one aggregate file to year-end tables.
 *
 * The flow: load the catalog and the regions, read the aggregate once into
 * slices (accum.c), build the tables of each slice and suppress them
 * together (build_slice: programs.c 分项目汇总表, towns.c 分地区汇总表,
 * months.c 分月情况表, funding.c 资金来源表), add the data-quality table
 * (quality.c), then write everything twice, internal and published, in
 * every format from the same cells: CSV and Markdown per table, and
 * report.md, report.html (html.c), report.xlsx (xlsx.c) and bulletin.txt
 * (bulletin.c) per version (report.c). Tables are built once; suppression
 * only marks cells, so versions and formats cannot drift apart.
 *
 * Periods: with --period A..B the report covers exactly A..B; with
 * --by-year one slice per calendar year in the data, each from January to
 * its last month with data (cut to --period when both are given); with
 * neither, the data's first to last month. The stock (期末) month is the
 * slice's last month.
 *
 * With --previous, the previous year's aggregate is read for the same
 * months a year earlier and its tables are built and suppressed exactly as
 * a report of that year would be (r->prev); tables 1 and 2 then get
 * year-on-year (同比) columns from the exact values of both, hidden
 * wherever either year's published cell is hidden.
 */
#ifndef RS_REPORT_REPORT_H
#define RS_REPORT_REPORT_H

#include <stddef.h>

#include "accum.h"
#include "catalog.h"
#include "error.h"
#include "fileio.h"
#include "period.h"
#include "regions.h"
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
	const char *previous;        /* the previous year's aggregate, or NULL */
	int excel;                   /* CSV files start with a UTF-8 BOM */
	const char *quality[REPORT_MAX_FILES];
	size_t nquality;
	/* per --quality file: the --source label in force when it was given
	 * (NULL: none), and that source's --source-period (NULL: none); the
	 * files of one label are one source of the quality table */
	const char *quality_label[REPORT_MAX_FILES];
	const char *quality_period[REPORT_MAX_FILES];
	const char *catalogs[REPORT_MAX_FILES];
	size_t ncatalogs;            /* 0: the data directory's files */
	const char *regions;         /* NULL: the data directory's */
	/* the lines a signed table carries (HTML, XLSX): NULL when not given;
	 * as_of defaults to the period's last day */
	const char *unit;            /* 制表单位 */
	const char *as_of;           /* 数据截至 */
	const char *made;            /* 制表日期 */
	const char *rejects[REPORT_MAX_FILES];  /* reject files: 退回清单 */
	size_t nrejects;
	/* --hide-as: lists of the cells other reports hide (hideas.c) */
	const char *hide_as[REPORT_MAX_FILES];
	size_t nhide_as;
	int hold;                    /* --hold: published/ kept as .held */
};

/* Columns of the programs table; with --previous the 同比 ones follow. */
enum {
	PC_NAME, PC_AREA, PC_PERSONS, PC_PAYMENTS, PC_BEN, PC_BEN_H, PC_STOCK_P, PC_STOCK_H,
	PC_AMOUNT, PC_AVG_MONTHLY, PC_AVG_ONEOFF, PC_NCOLS,
	PC_YOY = PC_NCOLS
};

/* Row kinds of the programs table. */
enum { PR_LEAF, PR_AREA, PR_SUB, PR_TOTAL };

/*
 * Where the programs table's rows are (struct sdc units) and what they
 * are, for the links to the other tables, the year-on-year columns and
 * the bulletin.
 */
struct ptab {
	size_t ti;                       /* index of the table in r->t */
	size_t nrows;
	size_t *unit;                    /* per row: its sdc unit */
	size_t *sunit;                   /* per row: the unit of its stock
					    columns (期末), hidden with the row
					    and alone; (size_t)-1: none */
	unsigned char *kind;             /* per row: PR_* */
	const struct program **prog;     /* per row: a leaf row's program */
	const struct program **root;     /* per row: its root (NULL: 合计) */
	const char **area;               /* leaf and area rows: the area code */
	unsigned char *top;              /* 1: the root's top row */
	unsigned char *fixed_hh;         /* 1: a one-off program paid per
					    household, every payment of one
					    amount (the bulletin gives 户均) */
	size_t total;                    /* the 合计 row */
	size_t **leaf;                   /* per row: its leaves (indices into
					    the slice's leaf array) */
	size_t *nleaf;
	long *parent;                    /* per row: the row it adds into, -1 */
};

/* Table 5, 保障对象情况表 (people.c): per row of table 1 over monthly
 * programs, the 其中 lines and 当月新增 / 当月退出. */
enum { QC_NAME, QC_AREA, QC_BEN, QC_FEMALE, QC_ELDERLY, QC_MINORS,
       QC_NEW_H, QC_NEW_P, QC_EXIT_H, QC_EXIT_P, QC_NCOLS };
struct peopletab {
	size_t ti;                       /* (size_t)-1: no monthly program */
	size_t nrows;
	size_t *prow;                    /* per row: its table 1 row */
	size_t *unit;                    /* per row x 4: 女性, 老年人, 未成年人
					    (-1 when not shown), 新增, 退出 */
};
#define QU_PER_ROW 5

/* Table 6, 财政与其他资金支出表 (spending.c): public spending, other money
 * (programs outside public spending, and money of public programs whose
 * funding label is other money) and their sum. */
struct stab {
	size_t ti;
	size_t nrows;
	size_t *unit;                    /* per row */
	size_t don;                      /* the row of donated money */
};

struct mtab {
	size_t ti;
	size_t nrow, nc, tcol;           /* rows (months + 合计), programs +
					    the 合计 column at tcol */
	size_t *unit;                    /* nrow x nc */
	const struct program **prog;     /* per column; NULL for 合计 */
};

/*
 * A cross table of cells (rows x root programs, plus a 合计 column) with
 * one sdc unit per cell: the townships table and the funding table.
 */
struct xgrid {
	size_t ti;
	size_t nrow, nc, tcol;           /* tcol: the 合计 column */
	size_t *unit;                    /* nrow x nc */
	const struct program **root;     /* per column; NULL for 合计 */
	size_t total;                    /* the 合计 row */
	size_t *pcol, *acol;             /* per column: its 人次 (NULL when
					    none) and 支出 table columns */
	size_t share_col, yoy_col;       /* 0 when absent */
};

/* The 集中供养率 of 特困 (SPEC.md section 4), when the data splits it:
 * over the stock of the (program, area) groups whose source splits
 * 集中/分散 only; the rest of the stock (特困人员救助供养（未细分）) is
 * counted apart, so that the text can say what the rate is over. */
struct crate {
	int have;                        /* some stock is split into 集中/分散 */
	int64_t central, all;            /* stock persons of the split part */
	size_t ncentral, nall;           /* stock beneficiaries of it */
	int64_t unsplit;                 /* stock persons not split */
	size_t nunsplit;                 /* stock beneficiaries only there */
	int published;                   /* may be shown in published/ */
};

/* What was built for one slice. */
struct sinfo {
	const struct slice *s;
	struct ptab p;
	size_t tprog, ttown, tmon, tfund; /* table indices; tfund (size_t)-1
					     when the data has no funding */
	size_t tpeople, tspend;          /* tpeople (size_t)-1 when none */
	struct crate rate;
};

/* OUTDIR's folders, each written whole (publish.c). */
enum report_folder { RD_INTERNAL, RD_PUBLISHED, RD_RETURNS, RD__COUNT };

struct report {
	const struct report_opts *o;
	struct catalog cat;
	int have_cat;                /* cat is ours to release */
	struct regions rt;
	int have_rt;
	char *title;                 /* "" when unknown */
	int title_pooled;            /* the title is the default 各地合计: no
					region holds every row, so the bulletin
					says 上述地区 after naming them */
	struct accum acc;
	struct table *t;
	size_t nt, tcap;
	struct sinfo *si;
	size_t nsi;
	struct report *prev;         /* with --previous: the year before */
	char *loss_note;             /* with --quality: the losses a run was
					told to accept (--accept-loss), in
					Chinese, for the bulletin and the
					page; NULL when none */
	int yoy;                     /* tables 1 and 2 get 同比 columns */
	struct hide_entry *hide;     /* the --hide-as cells, sorted by key */
	size_t nhide, hcap;
	size_t hide_marked;          /* units they made sensitive */
	struct rs_out hidden;        /* OUTDIR/suppressed.csv, on disk under
					its temporary name (report_run) and
					renamed once the set it describes is
					in place (report_write_hidden) */
	int hidden_open;
	char *staged[RD__COUNT];     /* the new folders being written
					(report_dir), NULL until made and
					once swapped in */
	int swept;
};

/*
 * The folder this run writes folder v's files to: OUTDIR/.NAME.new.PID,
 * made empty at the first call (which also removes such folders a killed
 * rs-report left). NULL with err set when it cannot be made, or when a
 * file stands where the folder goes.
 */
const char *report_dir(struct report *r, enum report_folder v, struct rs_error *err);
/*
 * After every file is committed (rs_out_batch_commit): swaps each new
 * folder with the old one in one rename (RENAME_EXCHANGE) and removes the
 * old, published/ last. Returns 0, or -1 with err set; a folder not yet
 * swapped is then left to report_unstage.
 */
int report_publish(struct report *r, struct rs_error *err);
/*
 * Before anything is committed: the files of someone else's in the old
 * folders (names rs-report never writes) are linked into the new ones,
 * so that the swap keeps them, each with a warning. Returns 0, or -1 with
 * err naming an entry that cannot be kept (a folder): nothing is replaced.
 */
int report_keep(struct report *r, struct rs_error *err);
/* Removes the new folders not swapped in; the old ones stay. Can't fail. */
void report_unstage(struct report *r);
/*
 * With --hold, after report_publish: keeps the new published folder whole
 * as OUTDIR/.held, in place of an older held set in one exchange; the
 * public's published/ stays as it was. Returns 0, or -1 with err set (the
 * folder then left to report_unstage).
 */
int report_hold(struct report *r, struct rs_error *err);
/* Removes a held set of outdir (superseded by one published directly).
 * Can't fail. */
void report_drop_held(const char *outdir);
/*
 * rs-report --release: swaps outdir's held set in as published/, as
 * report_publish does, finishing a release that was killed. Returns 1
 * when a set went in, 0 when none was held, -1 with err set.
 */
int report_release_dir(const char *outdir, struct rs_error *err);
/*
 * Commits OUTDIR/suppressed.csv (written and fsynced by report_run) once
 * the set it describes is in place: published/, or .held with --hold; a
 * rename only, so nothing but the rename can fail after the swap.
 * Returns 0, or -1 with err set.
 */
int report_write_hidden(struct report *r, struct rs_error *err);

/*
 * Suppression consistent across reports published together (hideas.c).
 * A hide_entry is one cell another report hid: key is "table\x1frow\x1f
 * column\x1f" (hideas.c names them), per the period of its tables.
 */
struct hide_entry {
	char *key;
	struct period per;
};
/* Where a slice's cells are (build_slice's structs); xf NULL without a
 * funding table. */
struct hide_units {
	const struct ptab *p;
	const struct xgrid *xt, *xf;
	const struct mtab *m;
	const struct peopletab *q;
	const struct stab *sp;
};
/* Reads the --hide-as files into r->hide. Returns 0, or -1 with err set
 * (unreadable, or not a list rs-report wrote: the position is given). */
int hideas_load(struct report *r, struct rs_error *err);
void hideas_release(struct report *r);
/* Makes every unit of the slice's tables holding a cell that r->hide
 * lists (and that is not zero) sensitive, before sdc_run(). Returns how
 * many units it made so. This function can't fail. */
size_t hideas_mark(struct report *r, const struct slice *s,
		   const struct hide_units *hu, struct sdc *sdc);
/* With --hide-as, says in the published notes of the slice's tables that
 * they hide what the district reports hide. This function can't fail. */
void hideas_note(struct report *r, const struct sinfo *si);
/* Appends the list of the cells r hides (suppressed.csv: table, period,
 * row, column; no values) to sb. This function can't fail. */
void hideas_csv(const struct report *r, struct sbuf *sb);

/* Writes the 退回清单 of the --rejects files (returns.c): nothing without
 * them. Returns 0, or -1 with err set (a bad reject file, a write error;
 * no list is then left half-written). */
int returns_write(const struct report *r, struct rs_error *err);
/* mkdir that accepts an existing directory. Returns 0 or -1. */
int report_make_dir(const char *path, struct rs_error *err);

/* 数据截至: --as-of, else the last day of the latest period in words
 * (2024年12月31日). This function can't fail. */
void report_as_of(const struct report *r, char *buf, size_t n);

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
/* The distinct roots of the leaves, in table order; *npub gets how many
 * are public money (they come first). Caller frees. */
const struct program **report_roots(const struct leaf *lv, size_t n,
				    size_t *nroots, size_t *npub);

/*
 * The tables of a slice are suppressed together: each build_* appends its
 * table, adds its units and lines to one struct sdc and says where they
 * are; build_slice() adds the lines that tie the tables together (a
 * program's 合计 cell in the other tables is its top row in the programs
 * table), runs the suppression and marks the hidden cells with *_apply().
 */
void build_programs(struct report *r, const struct slice *s,
		    const struct leaf *lv, size_t n, struct sdc *sdc,
		    struct ptab *p, struct crate *rate);
void programs_apply(struct report *r, const struct ptab *p,
		    const struct sdc *sdc, struct crate *rate);
void ptab_release(struct ptab *p);
/* Fills table 1's 同比 columns of slice s from prev (NULL: "—"); "—"
 * too when the year before covers other counties than s. */
void programs_yoy(struct report *r, const struct slice *s,
		  const struct ptab *p, const struct table *prev);
void build_months(struct report *r, const struct slice *s,
		  const struct leaf *lv, size_t n, struct sdc *sdc,
		  struct mtab *m);
void months_apply(struct report *r, const struct mtab *m,
		  const struct sdc *sdc);
void build_towns(struct report *r, const struct slice *s,
		 const struct leaf *lv, size_t n, struct sdc *sdc,
		 struct xgrid *x);
void build_funding(struct report *r, const struct slice *s,
		   const struct leaf *lv, size_t n, struct sdc *sdc,
		   struct xgrid *x);
void build_people(struct report *r, const struct slice *s,
		  const struct leaf *lv, size_t n, struct sdc *sdc,
		  const struct ptab *p, struct peopletab *q);
void people_apply(struct report *r, const struct peopletab *q,
		  const struct ptab *p, const struct sdc *sdc);
void peopletab_release(struct peopletab *q);
void build_spending(struct report *r, const struct slice *s,
		    const struct leaf *lv, size_t n, struct sdc *sdc,
		    const struct ptab *p, struct stab *st);
void spending_apply(struct report *r, const struct stab *st,
		    const struct sdc *sdc);
void stab_release(struct stab *st);
/* Marks the hidden cells of a towns or funding table. */
void xgrid_apply(struct report *r, const struct xgrid *x,
		 const struct sdc *sdc);
void xgrid_release(struct xgrid *x);
int build_slice(struct report *r, const struct slice *s, struct rs_error *err);
int build_quality(struct report *r, struct rs_error *err);

/* The year-on-year columns of tables 1 and 2 (with --previous). */
#define YOY_NCOLS 4
extern const char *const yoy_cols[YOY_NCOLS];

/* "城市" for urban, "农村" for rural, else the code itself. */
const char *area_label(const char *area);
/* The table heading: title + period label + name. */
char *report_heading(const struct report *r, const struct slice *s,
		     const char *name);
/* The file stem: name, or name-YYYY with --by-year. */
char *report_stem(const struct report *r, const struct slice *s,
		  const char *name);
/* A region's name from the regions table, or NULL. */
const char *report_region_name(const struct report *r, const char *code,
			       size_t len);

/*
 * The counties a slice's data covers (cover.c): codes of six digits,
 * sorted and distinct. cover_init with s NULL gives none; release frees.
 */
struct cover {
	char **code;
	size_t n;
};
void cover_init(struct cover *c, const struct slice *s);
/* The counties of all of r's slices. */
void cover_init_all(struct cover *c, const struct report *r);
/* 1 when c holds every county the regions table lists under the region
 * code[0..len) (len 2 or 4); always 1 for len >= 6 (a county or finer). */
int cover_whole(const struct report *r, const struct cover *c,
		const char *code, size_t len);
void cover_release(struct cover *c);
/* 1 when a and b hold the same counties. */
int cover_same(const struct cover *a, const struct cover *b);
int cover_has(const struct cover *c, const char *code);
/* 1 unless the year before (--previous) covers other counties than s:
 * 同比 is then not made, in any table. 1 without --previous. */
int cover_yoy_same(const struct report *r, const struct slice *s);
/* The note under t that the year before covers other counties than now,
 * so its 同比 columns are "—". */
void cover_yoy_note(const struct report *r, struct table *t,
		    const struct cover *before, const struct cover *now);
/* Appends a county's name with its city's (厦门市同安区), or its code
 * when the regions table lacks it. */
void cover_county_name(const struct report *r, const char *code,
		       struct sbuf *out);
/* Appends c's counties not in except (NULL: all), joined by 、, the first
 * ten named and then 等N个县（市、区）. */
void cover_words(const struct report *r, const struct cover *c,
		 const struct cover *except, struct sbuf *out);

/* Outputs (each appends to out; nothing depends on the clock). */
void bulletin_write(const struct report *r, int published, struct sbuf *out);
void html_write(const struct report *r, int published, struct sbuf *out);
/* Writes the workbook to path (a temporary file the caller renames).
 * Returns 0, or -1 with err filled. */
int xlsx_write(const struct report *r, int published, const char *path,
	       struct rs_error *err);

#endif
