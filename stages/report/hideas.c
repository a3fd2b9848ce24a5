/*
 * hideas.c - suppression consistent across reports published together.
 *
 * A report of several districts (a merged report, a city or province
 * roll-up) is published beside the districts' own reports. Each of its
 * cells is the sum of the same cell of those reports, so a cell that a
 * district hides and the merged report shows gives the district's value
 * back by subtraction (merged minus the other districts), and a township's
 * cell hidden in its district's table would simply reappear in the merged
 * one. So every report lists the cells it hides (OUTDIR/suppressed.csv:
 * table, period, row, column; positions only, no values), and a report
 * given those lists (--hide-as) treats each listed cell of its own tables
 * as sensitive from the start; its complementary suppression then runs as
 * usual. Hiding more in the merged report can only take figures away, so
 * it never exposes a district; and a cell the merged report hides that a
 * district shows gives nothing back. With every district's list given,
 * every cell the merged report shows is the sum of cells the districts
 * show, so it tells nothing they do not.
 *
 * Cells are named as a reader names them: the table (its file stem
 * without the year, "months"), the period of the tables, the row by its
 * label cells joined by " / " (a month as 2024年8月, whatever the table
 * shows), the column by its header. A report's 合计 row of the townships
 * table, when it covers one county, is also listed as that county's 小计,
 * the row that repeats it in a report of several counties. A listed cell
 * counts in every slice whose period overlaps the list's, so a district
 * reporting January to July still has its cells hidden in the year's
 * tables, which hold those months.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "fileio.h"
#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

/* The table kind: the file stem without a trailing -YYYY. */
static void table_kind(const struct table *t, char *buf, size_t n)
{
	size_t l = strlen(t->name);

	if (l > 5 && t->name[l - 5] == '-' &&
	    strspn(t->name + l - 4, "0123456789") == 4)
		l -= 5;
	snprintf(buf, n, "%.*s", (int)l, t->name);
}

/* The row's name: its label cells joined by " / " (empty ones left out),
 * a month row of the months table as "2024年8月". */
static void row_name(const struct table *t, const char *kind,
		     const struct slice *s, size_t row, char *buf, size_t n)
{
	size_t c, len = 0;
	int m, pos;

	buf[0] = '\0';
	if (!strcmp(kind, "months") && s->per.first / 12 == s->per.last / 12) {
		const char *txt = t->cells[row * t->ncols].text;

		pos = 0;
		if (txt && sscanf(txt, "%d月%n", &m, &pos) == 1 && pos > 0 &&
		    !txt[pos] && m >= 1 && m <= 12) {
			snprintf(buf, n, "%d年%s", s->per.first / 12, txt);
			return;
		}
	}
	for (c = 0; c < t->nleft && len + 1 < n; c++) {
		const char *txt = t->cells[row * t->ncols + c].text;

		if (!txt || !*txt)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " / " : "", txt);
		if (len >= n)
			len = n - 1;
	}
}

/* The slice's tables, in building order; returns how many. */
static size_t slice_tables(const struct sinfo *si, size_t ti[6])
{
	size_t n = 0;

	ti[n++] = si->tprog;
	ti[n++] = si->ttown;
	ti[n++] = si->tmon;
	if (si->tfund != (size_t)-1)
		ti[n++] = si->tfund;
	if (si->tpeople != (size_t)-1)
		ti[n++] = si->tpeople;
	ti[n++] = si->tspend;
	return n;
}

/* A townships table of one county: no 小计 rows, its 合计 is the county's. */
static int one_county(const struct table *t)
{
	size_t i;

	if (t->nrows < 2)
		return 0;
	for (i = 0; i < t->nrows; i++)
		if (t->rstyle[i] == ROW_SUB)
			return 0;
	return 1;
}

static void add_line(struct sbuf *sb, const char *kind, const char *per,
		     const char *row, const char *col)
{
	sbuf_add_csv(sb, kind, strlen(kind));
	sbuf_addc(sb, ',');
	sbuf_add_csv(sb, per, strlen(per));
	sbuf_addc(sb, ',');
	sbuf_add_csv(sb, row, strlen(row));
	sbuf_addc(sb, ',');
	sbuf_add_csv(sb, col, strlen(col));
	sbuf_addc(sb, '\n');
}

/*
 * The other names of a programs row: the same cell under the rows of a
 * report of several districts, whose rows are named by what they sum
 * there. A leaf paid as its root itself (特困人员救助供养, no 集中/分散 here)
 * is "（未细分）" where another district splits the root; the only leaf of
 * its root in an area is also that root's area row; the only leaf of its
 * root, or a 小计 over one area, is also the root's 小计 or area row.
 * Fills up to 3 names; returns how many.
 */
static size_t prog_aliases(const struct ptab *p, size_t i, const char *printed,
			   char out[3][1024])
{
	const char *u = "（未细分）";
	const char *rname, *area = NULL;
	size_t j, n = 0, nroot = 0, narea = 0, nareas = 0;
	int one_area = 1;

	if (i >= p->nrows || !p->root[i] || (p->kind[i] != PR_LEAF && p->kind[i] != PR_SUB))
		return 0;
	rname = p->root[i]->name_zh;
	for (j = 0; j < p->nrows; j++) {
		if (p->root[j] != p->root[i])
			continue;
		if (p->kind[j] == PR_LEAF) {
			nroot++;
			if (!area)
				area = p->area[j];
			else if (strcmp(area, p->area[j]))
				one_area = 0;
			if (p->kind[i] == PR_LEAF && !strcmp(p->area[j], p->area[i]))
				narea++;
		}
		if (p->kind[j] == PR_AREA)
			nareas++;
	}
	if (p->kind[i] == PR_SUB) {
		if (one_area && area)
			snprintf(out[n++], 1024, "%s / %s", rname, area_label(area));
		return n;
	}
	if (p->prog[i] == p->root[i])
		snprintf(out[n++], 1024, "%s%s / %s", rname, u, area_label(p->area[i]));
	if (narea == 1 && !nareas && p->prog[i] != p->root[i])
		snprintf(out[n++], 1024, "%s / %s", rname, area_label(p->area[i]));
	if (nroot == 1)
		snprintf(out[n++], 1024, "%s / 小计", rname);
	/* the printed name is no alias */
	for (j = 0; j < n; j++)
		if (!strcmp(out[j], printed)) {
			memmove(out[j], out[j + 1], (n - j - 1) * sizeof(out[0]));
			n--;
			j--;
		}
	return n;
}

/* The row names of a programs or people row besides its own; 0 for other
 * tables. */
static size_t row_aliases(const struct report *r, const struct sinfo *si,
			  const char *kind, const struct slice *s,
			  const char *name, char out[3][1024])
{
	const struct table *pt = &r->t[si->tprog];
	char pn[1024];
	size_t i;

	if (strcmp(kind, "programs") && strcmp(kind, "people"))
		return 0;
	for (i = 0; i < pt->nrows; i++) {
		row_name(pt, "programs", s, i, pn, sizeof(pn));
		if (!strcmp(pn, name))
			return prog_aliases(&si->p, i, name, out);
	}
	return 0;
}

/* A months column of a root paid as such, named as "（未细分）" where
 * another district splits the root (or plainly, where none does). */
static void col_alias(const struct sinfo *si, const char *kind,
		      const char *col, char *alias, size_t n)
{
	const struct ptab *p = &si->p;
	const char *u = "（未细分）";
	size_t i, l, ul = strlen(u);

	alias[0] = '\0';
	if (strcmp(kind, "months"))
		return;
	for (i = 0; i < p->nrows; i++) {
		const char *name, *rest;

		if (p->kind[i] != PR_LEAF || !p->prog[i] || p->prog[i] != p->root[i])
			continue;
		name = p->root[i]->name_zh;
		l = strlen(name);
		if (strncmp(col, name, l))
			continue;
		rest = col + l;
		if (!strncmp(rest, u, ul)) {
			if (!strcmp(rest + ul, "人次") || !strcmp(rest + ul, "支出（万元）"))
				snprintf(alias, n, "%s%s", name, rest + ul);
		} else if (!strcmp(rest, "人次") || !strcmp(rest, "支出（万元）")) {
			snprintf(alias, n, "%s%s%s", name, u, rest);
		}
		return;
	}
}

void hideas_csv(const struct report *r, struct sbuf *sb)
{
	size_t i, k, row, col, ti[6], nt;
	char kind[64], name[1024], alias[1024], per[24], a[8], b[8];
	char ralias[3][1024], calias[1024];
	size_t nra, a1;

	sbuf_adds(sb, "table,period,row,column\n");
	for (i = 0; i < r->nsi; i++) {
		const struct slice *s = r->si[i].s;

		month_fmt(s->per.first, a);
		month_fmt(s->per.last, b);
		snprintf(per, sizeof(per), "%s..%s", a, b);
		nt = slice_tables(&r->si[i], ti);
		for (k = 0; k < nt; k++) {
			const struct table *t = &r->t[ti[k]];
			int county = 0;

			table_kind(t, kind, sizeof(kind));
			if (!strcmp(kind, "towns") && one_county(t)) {
				snprintf(alias, sizeof(alias), "%s / 小计", t->cells[0].text);
				county = 1;
			}
			for (row = 0; row < t->nrows; row++) {
				row_name(t, kind, s, row, name, sizeof(name));
				nra = row_aliases(r, &r->si[i], kind, s, name, ralias);
				for (col = t->nleft; col < t->ncols; col++) {
					if (!t->cells[row * t->ncols + col].hidden)
						continue;
					col_alias(&r->si[i], kind, t->cols[col], calias, sizeof(calias));
					add_line(sb, kind, per, name, t->cols[col]);
					for (a1 = 0; a1 < nra; a1++)
						add_line(sb, kind, per, ralias[a1], t->cols[col]);
					if (*calias)
						add_line(sb, kind, per, name, calias);
					if (county && t->rstyle[row] == ROW_TOTAL)
						add_line(sb, kind, per, alias, t->cols[col]);
				}
			}
		}
	}
}

/* ---- reading the lists ---- */

static int hide_cmp(const void *x, const void *y)
{
	const struct hide_entry *a = x, *b = y;

	return strcmp(a->key, b->key);
}

struct hide_load {
	struct report *r;
	const char *path;
	long rows;
};

static int hide_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct hide_load *hl = ctx;
	struct report *r = hl->r;
	struct hide_entry *e;
	struct period per;
	struct sbuf key;
	size_t i;

	if (row->bad_encoding || row->too_long || row->unterminated)
		return rs_err(err, "unreadable line in the list of hidden cells '%s' at %ld:%ld (a file rs-report wrote as OUTDIR/suppressed.csv)",
			      hl->path, row->line, row->bad_col > 0 ? row->bad_col : 1);
	if (row->n != 4)
		return rs_err(err, "%zu fields where 4 belong (table,period,row,column) in the list of hidden cells '%s' at %ld:1",
			      row->n, hl->path, row->line);
	if (hl->rows++ == 0) {
		static const char *const want[4] = { "table", "period", "row", "column" };

		for (i = 0; i < 4; i++) {
			const char *f = row->f[i].p;

			if (i == 0 && !strncmp(f, "\xEF\xBB\xBF", 3))
				f += 3;
			if (strcmp(f, want[i]))
				return rs_err(err, "header '%s' where 'table,period,row,column' belongs in the list of hidden cells '%s' at %ld:1 (give --hide-as the suppressed.csv another report wrote)",
					      row->raw, hl->path, row->line);
		}
		return 0;
	}
	if (period_parse(row->f[1].p, &per))
		return rs_err(err, "bad period '%s' (want 2024-01..2024-12) in the list of hidden cells '%s' at %ld:2",
			      row->f[1].p, hl->path, row->line);
	sbuf_init(&key, 0);
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		sbuf_add(&key, row->f[i].p, row->f[i].len);
		sbuf_addc(&key, '\x1f');
	}
	if (r->nhide == r->hcap) {
		r->hcap = r->hcap ? 2 * r->hcap : 64;
		r->hide = xreallocarray(r->hide, r->hcap, sizeof(*r->hide));
	}
	e = &r->hide[r->nhide++];
	e->key = xstrdup(key.buf);
	e->per = per;
	sbuf_release(&key);
	return 0;
}

int hideas_load(struct report *r, struct rs_error *err)
{
	struct csvin_opts co;
	size_t i;

	memset(&co, 0, sizeof(co));
	co.encoding = RS_ENC_UTF8;
	for (i = 0; i < r->o->nhide_as; i++) {
		struct hide_load hl = { r, r->o->hide_as[i], 0 };

		if (csvin_read(hl.path, &co, hide_row, &hl, err))
			return -1;
		if (!hl.rows)
			return rs_err(err, "empty list of hidden cells '%s' (no header: give --hide-as the suppressed.csv another report wrote)",
				      hl.path);
	}
	if (r->nhide)
		qsort(r->hide, r->nhide, sizeof(*r->hide), hide_cmp);
	return 0;
}

void hideas_release(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nhide; i++)
		free(r->hide[i].key);
	free(r->hide);
	r->hide = NULL;
	r->nhide = r->hcap = 0;
}

/* 1 if a list names the cell for a period overlapping s's. */
static int listed(const struct report *r, const struct slice *s,
		  const char *key)
{
	size_t lo = 0, hi = r->nhide, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->hide[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < r->nhide && !strcmp(r->hide[i].key, key); i++)
		if (r->hide[i].per.first <= s->per.last &&
		    r->hide[i].per.last >= s->per.first)
			return 1;
	return 0;
}

/* The sdc unit a cell is hidden with, as the *_apply() functions hide
 * them, or (size_t)-1 (a label, a 同比 column: nothing of its own). */
static size_t cell_unit(const struct report *r, const struct hide_units *hu,
			size_t ti, size_t row, size_t col)
{
	const struct table *t = &r->t[ti];
	size_t j;

	if (ti == hu->p->ti) {
		if (row >= hu->p->nrows || col < PC_PERSONS || col >= PC_NCOLS)
			return (size_t)-1;
		if ((col == PC_STOCK_P || col == PC_STOCK_H) && hu->p->sunit[row] != (size_t)-1)
			return hu->p->sunit[row];
		return hu->p->unit[row];
	}
	if (ti == hu->m->ti) {
		if (row >= hu->m->nrow || col < 1 || (col - 1) / 2 >= hu->m->nc)
			return (size_t)-1;
		return hu->m->unit[row * hu->m->nc + (col - 1) / 2];
	}
	if (ti == hu->xt->ti || (hu->xf && ti == hu->xf->ti)) {
		const struct xgrid *x = ti == hu->xt->ti ? hu->xt : hu->xf;

		if (row >= x->nrow)
			return (size_t)-1;
		for (j = 0; j < x->nc; j++)
			if ((x->pcol && x->pcol[j] == col) || x->acol[j] == col ||
			    (j == x->tcol && x->share_col && col == x->share_col))
				return x->unit[row * x->nc + j];
		return (size_t)-1;
	}
	if (hu->q->ti != (size_t)-1 && ti == hu->q->ti) {
		const size_t *u;

		if (row >= hu->q->nrows)
			return (size_t)-1;
		u = &hu->q->unit[row * QU_PER_ROW];
		switch (col) {
		case QC_BEN: return hu->p->unit[hu->q->prow[row]];
		case QC_FEMALE: case QC_ELDERLY: case QC_MINORS: return u[col - QC_FEMALE];
		case QC_NEW_H: case QC_NEW_P: return u[3];
		case QC_EXIT_H: case QC_EXIT_P: return u[4];
		default: return (size_t)-1;
		}
	}
	if (ti == hu->sp->ti) {
		if (row >= hu->sp->nrows || col < 1 || col >= 4 || col >= t->ncols)
			return (size_t)-1;
		return hu->sp->unit[row];
	}
	return (size_t)-1;
}

size_t hideas_mark(struct report *r, const struct slice *s,
		   const struct hide_units *hu, struct sdc *sdc)
{
	size_t ti[6], nt, k, row, col, u, marked = 0;
	struct sinfo si;
	char kind[64], name[1024];
	struct sbuf key;

	if (!r->nhide)
		return 0;
	memset(&si, 0, sizeof(si));
	si.tprog = hu->p->ti;
	si.ttown = hu->xt->ti;
	si.tmon = hu->m->ti;
	si.tfund = hu->xf ? hu->xf->ti : (size_t)-1;
	si.tpeople = hu->q->ti;
	si.tspend = hu->sp->ti;
	nt = slice_tables(&si, ti);
	sbuf_init(&key, 0);
	for (k = 0; k < nt; k++) {
		const struct table *t = &r->t[ti[k]];

		table_kind(t, kind, sizeof(kind));
		for (row = 0; row < t->nrows; row++) {
			row_name(t, kind, s, row, name, sizeof(name));
			for (col = t->nleft; col < t->ncols; col++) {
				sbuf_reset(&key);
				sbuf_addf(&key, "%s\x1f%s\x1f%s\x1f", kind, name, t->cols[col]);
				if (!listed(r, s, key.buf))
					continue;
				u = cell_unit(r, hu, ti[k], row, col);
				/* zeros are not sensitive: a cell zero here
				 * is zero in every report it adds up */
				if (u == (size_t)-1 || u >= sdc->n || !sdc->nonzero[u] ||
				    sdc->primary[u])
					continue;
				sdc->primary[u] = 1;
				marked++;
			}
		}
	}
	sbuf_release(&key);
	r->hide_marked += marked;
	return marked;
}

void hideas_note(struct report *r, const struct sinfo *si)
{
	size_t ti[6], nt, k;

	if (!r->o->nhide_as)
		return;
	nt = slice_tables(si, ti);
	for (k = 0; k < nt; k++)
		table_note(&r->t[ti[k]], NOTE_PUBLISHED,
			   "本表与各区县报表一并公布，隐藏口径一致：凡在区县报表中以“*”代替的单元格，本表相应单元格一并以“*”代替，"
			   "以免由本表数值减去其他区县数值推算出被隐去的数据。");
}
