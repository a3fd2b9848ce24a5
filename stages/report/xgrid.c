/*
 * xgrid.c - tables of rows x root programs from a cross table (accum.h
 * struct xtab): 分地区汇总表 (towns.c) and 资金来源表 (funding.c).
 *
 * The caller says what the rows are (struct xspec): leaf rows, each the
 * sum of some dims of the cross table, and roll-up rows (a county's 小计,
 * the 合计), each the sum of the rows whose parent it is. Columns are the
 * slice's root programs in table order, the 合计 over the public ones after
 * them, then the programs outside public spending; per program 人次 and
 * 支出, or 支出 only.
 *
 * Suppression works on cells, a cell being a (row, program) pair: it is
 * sensitive when fewer than k distinct beneficiaries were paid in it. Its
 * lines are the rows (合计 column = sum of the public programs) and the
 * roll-ups (a parent row = sum of its children, per column).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "money.h"
#include "report.h"
#include "xalloc.h"
#include "xgrid.h"

struct xval {
	int64_t persons, fen;
	struct capset ks;
};

void xspec_add_row(struct xspec *sp, const char *l0, const char *l1,
		   const char *key, int style, long parent)
{
	struct xrow *w;

	sp->rows = xreallocarray(sp->rows, sp->nrow + 1, sizeof(*sp->rows));
	w = &sp->rows[sp->nrow++];
	w->label[0] = xstrdup(l0);
	w->label[1] = xstrdup(l1 ? l1 : "");
	w->key = xstrdup(key);
	w->style = style;
	w->parent = parent;
}

void xspec_release(struct xspec *sp)
{
	size_t i;

	for (i = 0; i < sp->nrow; i++) {
		free(sp->rows[i].label[0]);
		free(sp->rows[i].label[1]);
		free(sp->rows[i].key);
	}
	free(sp->rows);
	free(sp->dim_row);
	memset(sp, 0, sizeof(*sp));
}

void xgrid_release(struct xgrid *x)
{
	free(x->unit);
	free(x->root);
	free(x->pcol);
	free(x->acol);
	memset(x, 0, sizeof(*x));
}

/* Adds v's values into row and each of its ancestors. */
static void add_up(struct xval *val, size_t nc, const struct xspec *sp,
		   long row, size_t j, const struct xcell *c, int k)
{
	for (; row >= 0; row = sp->rows[row].parent) {
		struct xval *v = &val[(size_t)row * nc + j];

		v->persons += c->persons;
		v->fen += c->fen;
		capset_union(&v->ks, &c->ks, k);
	}
}

void xgrid_build(struct report *r, const struct slice *s,
		 const struct leaf *lv, size_t n, const struct xtab *xt,
		 const struct xspec *sp, struct sdc *sdc, struct xgrid *x)
{
	const int k = r->o->k;
	const int per = sp->with_persons ? 2 : 1;
	const struct program **roots;
	size_t nroots, npub, nc, ncols, i, j, c, *acol, *pcol;
	size_t share_col = 0, yoy_col = 0;
	struct xval *val;
	struct table *t;
	const char **cols;
	char *heading, *stem, buf[64];

	/* Columns: the roots in table order, the 合计 after the public ones. */
	roots = report_roots(lv, n, &nroots, &npub);
	nc = nroots + 1;
	x->root = xcalloc(nc, sizeof(*x->root));
	for (j = 0, c = 0; j < nc; j++)
		x->root[j] = j == npub ? NULL : roots[c++];
	x->tcol = npub;
	x->nc = nc;
	x->nrow = sp->nrow;
	x->total = sp->total;
	free(roots);

	/* Table columns. */
	ncols = sp->nleft + per * nc + (sp->with_share ? 1 : 0) +
		(sp->yoy ? YOY_NCOLS : 0);
	cols = xcalloc(ncols, sizeof(*cols));
	pcol = xcalloc(nc, sizeof(*pcol));
	acol = xcalloc(nc, sizeof(*acol));
	for (i = 0; i < sp->nleft; i++)
		cols[i] = xstrdup(sp->left[i]);
	for (j = 0, c = sp->nleft; j < nc; j++) {
		const char *name = x->root[j] ? x->root[j]->name_zh : "合计";

		if (sp->with_persons) {
			snprintf(buf, sizeof(buf), "%s人次", name);
			pcol[j] = c;
			cols[c++] = xstrdup(buf);
			snprintf(buf, sizeof(buf), "%s支出（万元）", name);
		} else {
			snprintf(buf, sizeof(buf), "%s（万元）", name);
		}
		acol[j] = c;
		cols[c++] = xstrdup(buf);
		if (j == x->tcol && sp->with_share) {
			share_col = c;
			cols[c++] = xstrdup("占比（%）");
		}
	}
	if (sp->yoy) {
		yoy_col = c;
		for (i = 0; i < YOY_NCOLS; i++) {
			snprintf(buf, sizeof(buf), "合计%s", yoy_cols[i]);
			cols[c++] = xstrdup(buf);
		}
	}
	heading = report_heading(r, s, sp->name);
	stem = report_stem(r, s, sp->stem);
	x->ti = report_new_table(r);
	t = &r->t[x->ti];
	table_init(t, stem, heading, cols, ncols, sp->nleft);
	free(heading);
	free(stem);
	for (i = 0; i < ncols; i++)
		free((char *)cols[i]);
	free(cols);
	x->yoy_col = sp->yoy ? yoy_col : 0;
	x->share_col = share_col;
	x->acol = acol;
	x->pcol = sp->with_persons ? pcol : NULL;
	if (!sp->with_persons)
		free(pcol);

	/* Values: each cell of the cross table into its row and ancestors,
	 * in its root's column and, when public, the 合计 column. */
	val = xcalloc(sp->nrow * nc, sizeof(*val));
	for (i = 0; i < xt->n; i++) {
		const struct xcell *cell = &xt->c[i];
		const struct program *p = catalog_find(&r->cat, r->acc.prog[cell->prog]);
		const struct program *root = p ? catalog_root(&r->cat, p) : NULL;
		long row = sp->dim_row[cell->dim];

		if (!root || row < 0)
			continue;
		for (j = 0; j < nc; j++)
			if (x->root[j] == root)
				break;
		if (j == nc)
			continue;
		add_up(val, nc, sp, row, j, cell, k);
		if (root->public_money)
			add_up(val, nc, sp, row, x->tcol, cell, k);
	}

	x->unit = xcalloc(sp->nrow * nc, sizeof(*x->unit));
	for (i = 0; i < sp->nrow; i++) {
		size_t tr = table_add_row(t);
		const struct xval *tv = &val[i * nc + x->tcol];
		const struct xval *gv = &val[sp->total * nc + x->tcol];

		for (c = 0; c < sp->nleft; c++)
			table_set(t, tr, c, sp->rows[i].label[c]);
		table_set_key(t, tr, sp->rows[i].key);
		table_set_style(t, tr, sp->rows[i].style);
		for (j = 0; j < nc; j++) {
			const struct xval *v = &val[i * nc + j];

			if (sp->with_persons)
				table_set_count(t, tr, pcol[j], v->persons);
			table_set_wan(t, tr, acol[j], v->fen);
			x->unit[i * nc + j] = sdc_unit(sdc, v->persons,
						       v->ks.n || v->persons || v->fen,
						       v->ks.n < k);
		}
		if (sp->with_share)
			table_set(t, tr, share_col, gv->fen > 0 ?
				  fmt_pct1(tv->fen, gv->fen, buf) : "—");
	}
	/* Rows: the 合计 column is the sum of the public programs. */
	for (i = 0; i < sp->nrow; i++) {
		sdc_line(sdc, x->unit[i * nc + x->tcol], SDC_ADDITIVE);
		for (j = 0; j < x->tcol; j++)
			sdc_member(sdc, x->unit[i * nc + j]);
	}
	/* Roll-ups: a parent row is the sum of its children, per column. */
	for (i = 0; i < sp->nrow; i++) {
		size_t m, nkids = 0;

		for (m = 0; m < sp->nrow; m++)
			nkids += sp->rows[m].parent == (long)i;
		if (!nkids)
			continue;
		for (j = 0; j < nc; j++) {
			sdc_line(sdc, x->unit[i * nc + j], SDC_ADDITIVE);
			for (m = 0; m < sp->nrow; m++)
				if (sp->rows[m].parent == (long)i)
					sdc_member(sdc, x->unit[m * nc + j]);
		}
	}
	for (i = 0; i < sp->nrow * nc; i++)
		capset_release(&val[i].ks);
	free(val);
}

void xgrid_apply(struct report *r, const struct xgrid *x,
		 const struct sdc *sdc)
{
	struct table *t = &r->t[x->ti];
	size_t i, j;

	for (i = 0; i < x->nrow; i++)
		for (j = 0; j < x->nc; j++) {
			if (!sdc->hidden[x->unit[i * x->nc + j]])
				continue;
			if (x->pcol)
				table_hide(t, i, x->pcol[j]);
			table_hide(t, i, x->acol[j]);
			/* A share of a hidden 合计 would give it back. */
			if (j == x->tcol && x->share_col)
				table_hide(t, i, x->share_col);
		}
}
