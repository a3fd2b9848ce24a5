/*
 * xgrid.h - building a rows x root programs table from a cross table
 * (xgrid.c); used by towns.c and funding.c.
 *
 * A struct xspec lists the rows in display order. Leaf rows are fed by
 * dims of the cross table (dim_row[dim] = the row, -1 to leave a dim
 * out); every row with a parent adds into it, so a county's 小计 and the
 * 合计 are sums of exact values. The spec owns its strings.
 */
#ifndef RS_REPORT_XGRID_H
#define RS_REPORT_XGRID_H

#include "report.h"

struct xrow {
	char *label[2];          /* the left columns' texts (nleft of them) */
	char *key;               /* names the row across years */
	int style;               /* ROW_* */
	long parent;             /* the row it adds into, or -1 */
};

struct xspec {
	const char *name;        /* heading: "分地区汇总表" */
	const char *stem;        /* file stem: "towns" */
	const char *left[2];     /* left column headers */
	size_t nleft;            /* 1 or 2 */
	int with_persons;        /* 人次 and 支出 per program, else 支出 only */
	int with_share;          /* a 占比（%） column after the 合计 */
	int yoy;                 /* 同比 columns on the 合计 */
	struct xrow *rows;
	size_t nrow;
	long *dim_row;           /* per dim of the cross table */
	size_t total;            /* the 合计 row */
};

void xspec_add_row(struct xspec *sp, const char *l0, const char *l1,
		   const char *key, int style, long parent);
void xspec_release(struct xspec *sp);
/* Appends the table to r, its units and lines to sdc; fills x. */
void xgrid_build(struct report *r, const struct slice *s,
		 const struct leaf *lv, size_t n, const struct xtab *xt,
		 const struct xspec *sp, struct sdc *sdc, struct xgrid *x);

#endif
