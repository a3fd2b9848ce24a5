/*
 * report.c - rs-report's flow: configuration, reading, tables, files.
 *
 * Output layout under OUTDIR:
 *   internal/  every value          published/  small cells hidden
 *     <table>.csv  <table>.md  report.md (all tables, in order)
 *     report.html  report.xlsx  bulletin.txt
 * Every file is written through rs_out, so it appears complete or not at
 * all, and nothing in it depends on the clock: reruns are byte-identical
 * (the workbook's one timestamp is fixed, see xlsx.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "fileio.h"
#include "regions.h"
#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

#define PATH_MAX_LEN 4096


size_t report_new_table(struct report *r)
{
	if (r->nt == r->tcap) {
		r->tcap = r->tcap ? r->tcap * 2 : 8;
		r->t = xreallocarray(r->t, r->tcap, sizeof(*r->t));
	}
	memset(&r->t[r->nt], 0, sizeof(r->t[r->nt]));
	return r->nt++;
}

/* The programs table's top row for root (its 小计, or its only row). */
static size_t top_row(const struct ptab *p, const struct program *root)
{
	size_t i;

	for (i = 0; i < p->nrows; i++)
		if (p->top[i] && p->root[i] == root)
			return i;
	return p->total;
}

/* The 合计 row of a towns or funding table repeats the programs table: a
 * root's cell is its top row, the 合计 cell is the 合计. */
static void link_grid(struct sdc *sdc, const struct xgrid *x,
		      const struct ptab *p)
{
	size_t j;

	for (j = 0; j < x->nc; j++) {
		sdc_line(sdc, x->unit[x->total * x->nc + j], SDC_ADDITIVE);
		sdc_member(sdc, p->unit[x->root[j] ? top_row(p, x->root[j]) : p->total]);
	}
}

/*
 * Table 5's flows of a monthly program add up, over its rows, to the
 * change of its monthly 人次 between the month before the period and its
 * last month: last = before + 新增 - 退出, exactly so for a program paid
 * per person (one person a payment) and for households whose size did not
 * change. The month before is the first month when the first month was not
 * judged (it then has no flows), else, with --by-year, the last month of
 * the previous year's months table, already suppressed: a unit of this
 * slice that stands for that cell, hidden if it is and never to be hidden
 * otherwise (it is published). Each line is added where the figures
 * satisfy it, in households or in persons (the flows' two counts are one
 * unit), as anyone reading the tables would find.
 */
static void link_flows(struct report *r, const struct slice *s, struct sdc *sdc,
		       const struct mtab *m, const struct peopletab *q,
		       const struct ptab *p)
{
	const struct table *mt = &r->t[m->ti], *qt, *pt = NULL;
	size_t last, j, i, c, pc = 0;
	int judged = r->acc.pay_first >= 0 && s->per.first > r->acc.pay_first &&
		     s->per.first <= r->acc.pay_last;
	int way;

	if (q->ti == (size_t)-1 || m->nrow < 2)
		return;
	/* the previous slice, when it ends the month before */
	if (judged && r->nsi && r->si[r->nsi - 1].s->per.last == s->per.first - 1)
		pt = &r->t[r->si[r->nsi - 1].tmon];
	qt = &r->t[q->ti];
	last = m->nrow - 2;
	/*
	 * Two months may stand before: the month before the slice (way 0,
	 * when the first month was judged) and the slice's first month (way
	 * 1: its flows were not counted). In a merged file a county without
	 * the month before has its first month not judged while the others'
	 * is (accum_flows), and a program paid only there then meets the
	 * second; each is added where the figures meet it.
	 */
	for (way = 0; way < 2; way++) {
		if (way == 0 && !pt)
			continue;
		if (way == 1 && m->nrow < 3)
			continue;
		for (j = 0; j < m->nc; j++) {
			int64_t dm, dh = 0, dp = 0, before;
			size_t nrows = 0, base;

			if (!m->prog[j])
				continue;
			if (way == 0) {
				const struct tcell *bc;

				for (pc = 1; pc < pt->ncols; pc += 2)
					if (!strcmp(pt->cols[pc], mt->cols[1 + 2 * j]))
						break;
				if (pc >= pt->ncols || pt->nrows < 2)
					continue;
				bc = &pt->cells[(pt->nrows - 2) * pt->ncols + pc];
				before = bc->v;
				base = (size_t)-1;
			} else {
				before = mt->cells[1 + 2 * j].v;
				base = m->unit[j];
			}
			dm = mt->cells[last * mt->ncols + 1 + 2 * j].v - before;
			for (i = 0; i < q->nrows; i++) {
				const struct tcell *row = &qt->cells[i * qt->ncols];

				if (p->prog[q->prow[i]] != m->prog[j])
					continue;
				nrows++;
				dh += row[QC_NEW_H].v - row[QC_EXIT_H].v;
				dp += row[QC_NEW_P].v - row[QC_EXIT_P].v;
			}
			if (!nrows || (dh != dm && dp != dm))
				continue;
			if (base == (size_t)-1) {
				int hid = pt->cells[(pt->nrows - 2) * pt->ncols + pc].hidden;

				/* published: a constant (no non-zero flag, so nothing
				 * hides it); hidden: an unknown from the start */
				base = sdc_unit(sdc, before, hid, hid);
			}
			sdc_line(sdc, m->unit[last * m->nc + j], SDC_PEOPLE);
			sdc_member(sdc, base);
			for (i = 0; i < q->nrows; i++) {
				const size_t *u = &q->unit[i * QU_PER_ROW];

				if (p->prog[q->prow[i]] != m->prog[j])
					continue;
				for (c = 3; c < QU_PER_ROW; c++) {
					if (c == 3)
						sdc_member(sdc, u[c]);
					else
						sdc_member_neg(sdc, u[c]);
				}
			}
		}
	}
}

int build_slice(struct report *r, const struct slice *s, struct rs_error *err)
{
	struct sinfo si;
	struct ptab *p = &si.p;
	struct mtab m;
	struct xgrid xt, xf;
	struct peopletab q;
	struct stab sp;
	struct sdc sdc;
	struct leaf *lv;
	size_t n, i, j;

	lv = report_leaves(r, s, &n, err);
	if (!lv)
		return -1;
	memset(&si, 0, sizeof(si));
	memset(&xf, 0, sizeof(xf));
	si.s = s;
	sdc_init(&sdc);
	build_programs(r, s, lv, n, &sdc, p, &si.rate);
	build_towns(r, s, lv, n, &sdc, &xt);
	build_months(r, s, lv, n, &sdc, &m);
	si.tprog = p->ti;
	si.ttown = xt.ti;
	si.tmon = m.ti;
	si.tfund = (size_t)-1;
	if (r->acc.has_funding) {
		build_funding(r, s, lv, n, &sdc, &xf);
		si.tfund = xf.ti;
	}
	build_people(r, s, lv, n, &sdc, p, &q);
	build_spending(r, s, lv, n, &sdc, p, &sp);
	si.tpeople = q.ti;
	si.tspend = sp.ti;
	/* The donated part of the public programs is the 合计 column of the
	 * funding table's donated sources. */
	if (si.tfund != (size_t)-1) {
		const struct table *ft = &r->t[xf.ti];

		sdc_line(&sdc, sp.unit[sp.don], SDC_ADDITIVE);
		for (i = 0; i < xf.nrow; i++)
			if (i != xf.total &&
			    catalog_other_funding(&r->cat, ft->cells[i * ft->ncols].text))
				sdc_member(&sdc, xf.unit[i * xf.nc + xf.tcol]);
	}
	/* The months table's 合计 row repeats the programs table: a program's
	 * cell is the sum of its rows (both areas), the 合计 cell is 合计. */
	for (j = 0; j < m.nc; j++) {
		sdc_line(&sdc, m.unit[(m.nrow - 1) * m.nc + j], SDC_ADDITIVE);
		if (!m.prog[j]) {
			sdc_member(&sdc, p->unit[p->total]);
			continue;
		}
		for (i = 0; i < p->nrows; i++)
			if (p->prog[i] == m.prog[j])
				sdc_member(&sdc, p->unit[i]);
	}
	/* A monthly program's 期末保障人数 is the persons of its payments in
	 * the period's last month: the months table's last-month 人次 of that
	 * program is the sum of its rows' stocks in the programs table (SPEC.md
	 * section 4). A stock line, so that hiding the 期末 cells can protect
	 * the month's cell and the audit solves it with the month's row. */
	for (j = 0; j < m.nc; j++) {
		size_t nmem = 0;

		if (!m.prog[j] || m.nrow < 2)
			continue;
		for (i = 0; i < p->nrows; i++)
			if (p->prog[i] == m.prog[j] && p->sunit[i] != (size_t)-1)
				nmem++;
		if (!nmem)
			continue;
		sdc_line(&sdc, m.unit[(m.nrow - 2) * m.nc + j], SDC_STOCK);
		for (i = 0; i < p->nrows; i++)
			if (p->prog[i] == m.prog[j] && p->sunit[i] != (size_t)-1)
				sdc_member(&sdc, p->sunit[i]);
	}
	link_flows(r, s, &sdc, &m, &q, p);
	link_grid(&sdc, &xt, p);
	if (si.tfund != (size_t)-1)
		link_grid(&sdc, &xf, p);
	if (r->nhide) {
		struct hide_units hu = { p, &xt, si.tfund != (size_t)-1 ? &xf : NULL,
					 &m, &q, &sp };

		hideas_mark(r, s, &hu, &sdc);
	}
	sdc_run(&sdc);
	programs_apply(r, p, &sdc, &si.rate);
	xgrid_apply(r, &xt, &sdc);
	months_apply(r, &m, &sdc);
	if (si.tfund != (size_t)-1)
		xgrid_apply(r, &xf, &sdc);
	people_apply(r, &q, p, &sdc);
	spending_apply(r, &sp, &sdc);
	/* 同比: against the same table of the year before, by row key, and
	 * only when that year covers the same counties (table 2's 合计 is a
	 * sum over them as table 1's is); else every 同比 cell is "—". */
	if (r->yoy) {
		const struct report *pr = r->prev;
		const struct sinfo *ps = pr && pr->nsi ? &pr->si[0] : NULL;
		const struct table *pt = ps && cover_yoy_same(r, s) ? &pr->t[ps->ttown] : NULL;
		struct table *tt = &r->t[xt.ti];
		size_t tp = xt.pcol[xt.tcol], ta = xt.acol[xt.tcol];

		programs_yoy(r, s, p, ps ? &pr->t[ps->tprog] : NULL);
		table_yoy(tt, pt, tp, xt.yoy_col, xt.yoy_col + 1);
		table_yoy(tt, pt, ta, xt.yoy_col + 2, xt.yoy_col + 3);
	}
	sdc_release(&sdc);
	xgrid_release(&xt);
	xgrid_release(&xf);
	peopletab_release(&q);
	stab_release(&sp);
	free(m.unit);
	free(m.prog);
	free(lv);
	hideas_note(r, &si);
	r->si = xreallocarray(r->si, r->nsi + 1, sizeof(*r->si));
	r->si[r->nsi++] = si;
	return 0;
}

const char *report_region_name(const struct report *r, const char *code,
			       size_t len)
{
	const struct region *reg;

	if (!r->rt.n || strlen(code) < len)
		return NULL;
	reg = regions_find(&r->rt, code, len);
	return reg ? reg->name : NULL;
}

char *report_heading(const struct report *r, const struct slice *s,
		     const char *name)
{
	char label[64] = "", buf[1024];

	if (s)
		period_label(&s->per, label, sizeof(label));
	snprintf(buf, sizeof(buf), "%s%s%s", r->title, label, name);
	return xstrdup(buf);
}

char *report_stem(const struct report *r, const struct slice *s,
		  const char *name)
{
	char buf[256];

	if (r->o->by_year && s)
		snprintf(buf, sizeof(buf), "%s-%d", name, s->year);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	return xstrdup(buf);
}

int report_init(struct report *r, const struct report_opts *o,
		struct rs_error *err)
{
	char main_cat[PATH_MAX_LEN], local_cat[PATH_MAX_LEN];
	const char *paths[REPORT_MAX_FILES];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->title = xstrdup(o->title ? o->title : "");
	accum_init(&r->acc, o->k);
	r->acc.by_year = o->by_year;
	r->acc.have_period = o->have_period;
	r->acc.per = o->per;
	if (o->ncatalogs) {
		memcpy(paths, o->catalogs, o->ncatalogs * sizeof(*paths));
		n = o->ncatalogs;
	} else {
		rs_data_path("programs.yaml", main_cat, sizeof(main_cat));
		rs_data_path("programs-local.yaml", local_cat, sizeof(local_cat));
		paths[n++] = main_cat;
		if (access(local_cat, F_OK) == 0)
			paths[n++] = local_cat;
	}
	if (catalog_load(&r->cat, paths, n, err))
		return -1;
	r->have_cat = 1;
	return 0;
}

void report_release(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nt; i++)
		table_release(&r->t[i]);
	free(r->t);
	for (i = 0; i < r->nsi; i++)
		ptab_release(&r->si[i].p);
	free(r->si);
	if (r->prev) {
		report_release(r->prev);
		free(r->prev);
	}
	if (r->have_cat)
		catalog_release(&r->cat);
	if (r->have_rt)
		regions_release(&r->rt);
	accum_release(&r->acc);
	hideas_release(r);
	free(r->loss_note);
	free(r->title);
	if (r->hidden_open)
		rs_out_abort(&r->hidden);
	report_unstage(r);
	memset(r, 0, sizeof(*r));
}

/*
 * The region table names the townships of table 2 and, without --title,
 * gives the title. A --regions file that cannot be read is an error; the
 * default one is optional: without it, codes stand in for names.
 */
static int load_regions(struct report *r, struct rs_error *err)
{
	char path[PATH_MAX_LEN];
	struct rs_error e2;

	if (r->o->regions)
		snprintf(path, sizeof(path), "%s", r->o->regions);
	else
		rs_data_path("regions.csv", path, sizeof(path));
	if (regions_load(&r->rt, path, &e2)) {
		if (r->o->regions) {
			*err = e2;
			return -1;
		}
		rs_warn("no region names: %s (give --regions%s)", e2.msg,
			r->o->title ? "" : " or --title");
		return 0;
	}
	r->have_rt = 1;
	return 0;
}

/* More counties than this and a part of a city or province is titled
 * 各地合计: the bulletin names them. */
#define TITLE_NAMES 3

/* 1 when every slice covers every county of the region prefix[0..len). */
static int whole_region(const struct report *r, size_t len)
{
	struct cover c;
	size_t i;
	int whole = 1;

	for (i = 0; i < r->acc.ns && whole; i++) {
		cover_init(&c, r->acc.s[i]);
		whole = !c.n || cover_whole(r, &c, r->acc.region_prefix, len);
		cover_release(&c);
	}
	return whole;
}

/* 沈阳市（和平区、浑南区）: a part of reg, its counties named (with
 * their cities' names under a province); 各地合计 for more than a few. */
static void part_title(struct report *r, const struct region *reg, size_t len)
{
	struct cover c;
	struct sbuf sb;
	size_t i;

	cover_init_all(&c, r);
	free(r->title);
	if (c.n > TITLE_NAMES) {
		r->title = xstrdup("各地合计");
		r->title_pooled = 1;
		cover_release(&c);
		return;
	}
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s（", reg->name);
	for (i = 0; i < c.n; i++) {
		const char *county = report_region_name(r, c.code[i], 6);

		if (i)
			sbuf_adds(&sb, "、");
		if (len >= 4)
			sbuf_adds(&sb, county ? county : c.code[i]);
		else
			cover_county_name(r, c.code[i], &sb);
	}
	sbuf_adds(&sb, "）");
	r->title = xstrdup(sb.buf);
	sbuf_release(&sb);
	cover_release(&c);
}

/*
 * Without --title (or with an empty one, as a pipeline passes when its
 * sources file names no title for the merged report), the title is the
 * name of the smallest region holding every row (同安区 for one county's
 * file, 福建省 for all the counties of one province). A city or province
 * only part of whose counties the data covers is that part, named:
 * 沈阳市（和平区、浑南区）, or 各地合计 when many. Rows of several
 * provinces have no such region: the title is then 各地合计 (the sum of
 * the places the bulletin names), never a name such as 全国 that the data
 * does not cover.
 */
static void default_title(struct report *r)
{
	static const size_t digits[] = { 12, 9, 6, 4, 2 };
	size_t i;

	if ((r->o->title && *r->o->title) || !r->have_rt)
		return;
	for (i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
		const struct region *reg;

		if (digits[i] > r->acc.region_len)
			continue;
		reg = regions_find(&r->rt, r->acc.region_prefix, digits[i]);
		if (reg && !whole_region(r, digits[i])) {
			part_title(r, reg, digits[i]);
			return;
		}
		if (reg) {
			free(r->title);
			r->title = xstrdup(reg->name);
			return;
		}
	}
	if (r->acc.region_len < 2 && r->acc.ns) {
		free(r->title);
		r->title = xstrdup("各地合计");
		r->title_pooled = 1;
	}
}

/*
 * The year before: the same months a year earlier, from --previous, built
 * and suppressed as that year's own report would be (same catalog, k and
 * regions), so that its published cells are known.
 */
static int load_previous(struct report *r, struct rs_error *err)
{
	struct report *pr;
	const struct slice *s = r->acc.s[0];

	if (r->acc.ns != 1)
		return rs_err(err, "--previous needs one reporting period, not %zu", r->acc.ns);
	pr = xcalloc(1, sizeof(*pr));
	r->prev = pr;
	pr->o = r->o;
	pr->cat = r->cat;                /* borrowed: have_cat stays 0 */
	pr->rt = r->rt;                  /* borrowed: have_rt stays 0 */
	pr->title = xstrdup(r->title);
	accum_init(&pr->acc, r->o->k);
	pr->acc.cat = &r->cat;
	pr->acc.have_period = 1;
	pr->acc.per.first = s->per.first - 12;
	pr->acc.per.last = s->per.last - 12;
	if (accum_read(&pr->acc, r->o->previous, err))
		return -1;
	if (!pr->acc.used) {
		char from[8], to[8];

		month_fmt(pr->acc.per.first, from);
		month_fmt(pr->acc.per.last, to);
		return rs_err(err, "no rows of the previous year's '%s' fall in %s..%s, the same months a year before",
			      r->o->previous, from, to);
	}
	if (accum_finish(&pr->acc, err) || build_slice(pr, pr->acc.s[0], err))
		return -1;
	r->yoy = 1;
	return 0;
}

static int make_dir(const char *path, struct rs_error *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return rs_err(err, "cannot create directory '%s': %s", path,
		      errno == EEXIST ? "a file is in the way" : strerror(errno));
}

int report_make_dir(const char *path, struct rs_error *err)
{
	return make_dir(path, err);
}

static int write_file(const char *dir, const char *name, const struct sbuf *sb,
		      struct rs_error *err)
{
	char path[PATH_MAX_LEN];
	struct rs_out out;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return rs_err(err, "output path too long: '%s/%s'", dir, name);
	if (rs_out_open(&out, path, 0644, err))
		return -1;
	rs_out_write(&out, sb->buf, sb->len);
	return rs_out_commit(&out, err);
}

/*
 * libxlsxwriter writes a file by name, not through our buffers: it is
 * given the temporary file of an rs_out for report.xlsx, which it
 * truncates and fills; committing then fsyncs and renames it into place
 * as any other output, and a kill or an out-of-memory death removes it.
 */
static int write_xlsx(const struct report *r, int published, const char *dir,
		      struct rs_error *err)
{
	char path[PATH_MAX_LEN];
	struct rs_out out;

	if ((size_t)snprintf(path, sizeof(path), "%s/report.xlsx", dir) >= sizeof(path))
		return rs_err(err, "output path too long: '%s/report.xlsx'", dir);
	if (rs_out_open(&out, path, 0644, err))
		return -1;
	if (xlsx_write(r, published, out.tmp, err)) {
		rs_out_abort(&out);
		return -1;
	}
	return rs_out_commit(&out, err);
}

static void report_md_head(const struct report *r, int published, struct sbuf *md)
{
	size_t i;

	sbuf_addf(md, "# %s社会救助统计报表\n\n", r->title);
	if (r->acc.ns) {
		sbuf_adds(md, "报告期：");
		for (i = 0; i < r->acc.ns; i++) {
			char label[64];
			period_label(&r->acc.s[i]->per, label, sizeof(label));
			sbuf_addf(md, "%s%s", i ? "、" : "", label);
		}
		sbuf_adds(md, "。");
	}
	if (published)
		sbuf_addf(md, "公开版：保障人数少于%d人的数据及可据以推算的数据以“*”代替。\n",
			  r->o->k);
	else
		sbuf_adds(md, "内部版：未作小数值隐藏，仅供内部使用，不得对外公布。\n");
}

static int write_version(struct report *r, int published, struct rs_error *err)
{
	char dir[PATH_MAX_LEN], name[300];
	struct sbuf sb, md;
	size_t i;
	int ret = -1;

	if (!report_dir(r, published ? RD_PUBLISHED : RD_INTERNAL, err))
		return -1;
	snprintf(dir, sizeof(dir), "%s", r->staged[published ? RD_PUBLISHED : RD_INTERNAL]);
	sbuf_init(&sb, 0);
	sbuf_init(&md, 0);
	report_md_head(r, published, &md);
	for (i = 0; i < r->nt; i++) {
		const struct table *t = &r->t[i];

		sbuf_reset(&sb);
		if (r->o->excel)
			sbuf_adds(&sb, "\xEF\xBB\xBF");
		table_csv(t, published, &sb);
		snprintf(name, sizeof(name), "%s.csv", t->name);
		if (write_file(dir, name, &sb, err))
			goto out;
		sbuf_reset(&sb);
		table_md(t, published, &sb);
		snprintf(name, sizeof(name), "%s.md", t->name);
		if (write_file(dir, name, &sb, err))
			goto out;
		sbuf_addc(&md, '\n');
		sbuf_add(&md, sb.buf, sb.len);
	}
	if (write_file(dir, "report.md", &md, err))
		goto out;
	sbuf_reset(&sb);
	bulletin_write(r, published, &sb);
	if (write_file(dir, "bulletin.txt", &sb, err))
		goto out;
	sbuf_reset(&sb);
	html_write(r, published, &sb);
	if (write_file(dir, "report.html", &sb, err) ||
	    write_xlsx(r, published, dir, err))
		goto out;
	ret = 0;
out:
	sbuf_release(&sb);
	sbuf_release(&md);
	return ret;
}

/*
 * OUTDIR/suppressed.csv: where the published set hides a cell, for a
 * report of several districts published beside this one (--hide-as). It
 * holds positions only, the "*" the published tables show, and lies
 * outside both sets: it is for the reports, not for readers. It is made
 * with the tables but committed only once the set it describes is in
 * place (main.c): a kill during the swap leaves the old list beside the
 * old set, never a new list beside it.
 */
static int stage_hidden(struct report *r, struct rs_error *err)
{
	char path[PATH_MAX_LEN];
	struct sbuf sb;
	int ret = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/suppressed.csv", r->o->outdir) >= sizeof(path))
		return rs_err(err, "output path too long: '%s/suppressed.csv'", r->o->outdir);
	sbuf_init(&sb, 0);
	hideas_csv(r, &sb);
	if (rs_out_open(&r->hidden, path, 0644, err))
		goto out;
	rs_out_write(&r->hidden, sb.buf, sb.len);
	/* on disk now, renamed by report_write_hidden */
	if (rs_out_finish(&r->hidden, err))
		goto out;
	r->hidden_open = 1;
	ret = 0;
out:
	sbuf_release(&sb);
	return ret;
}

int report_write_hidden(struct report *r, struct rs_error *err)
{
	char dir[PATH_MAX_LEN];
	int fd, ret = 0;

	if (!r->hidden_open)
		return 0;
	if (rename(r->hidden.tmp, r->hidden.path))
		ret = rs_err(err, "cannot write '%s': %s", r->hidden.path, strerror(errno));
	snprintf(dir, sizeof(dir), "%s", r->o->outdir);
	if (!ret && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd))
			ret = rs_err(err, "cannot sync directory '%s': %s", dir, strerror(errno));
		close(fd);
	}
	rs_out_abort(&r->hidden);   /* releases it; the file is in place */
	r->hidden_open = 0;
	return ret;
}

int report_run(struct report *r, struct rs_error *err)
{
	size_t i;

	r->acc.cat = &r->cat;
	if (accum_read(&r->acc, r->o->input, err) || accum_finish(&r->acc, err))
		return -1;
	if (load_regions(r, err))
		return -1;
	default_title(r);
	if (r->o->previous && load_previous(r, err))
		return -1;
	if (r->o->nhide_as && hideas_load(r, err))
		return -1;
	for (i = 0; i < r->acc.ns; i++)
		if (build_slice(r, r->acc.s[i], err))
			return -1;
	if (r->o->nquality && build_quality(r, err))
		return -1;
	if (make_dir(r->o->outdir, err) || write_version(r, 0, err) ||
	    write_version(r, 1, err) || returns_write(r, err) || stage_hidden(r, err))
		return -1;
	if (r->o->nhide_as)
		rs_info("%zu hidden cells read from %zu --hide-as lists; %zu more groups of cells hidden from the start because of them",
			r->nhide, r->o->nhide_as, r->hide_marked);
	rs_info("%ld rows read from '%s', %ld in the period; %zu tables written to '%s'",
		r->acc.rows, r->o->input, r->acc.used, r->nt, r->o->outdir);
	return 0;
}

void report_as_of(const struct report *r, char *buf, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int ym = -1, y, m, d;
	size_t i;

	if (r->o->as_of) {
		snprintf(buf, n, "%s", r->o->as_of);
		return;
	}
	for (i = 0; i < r->acc.ns; i++)
		if (r->acc.s[i]->per.last > ym)
			ym = r->acc.s[i]->per.last;
	if (ym < 0) {
		snprintf(buf, n, "—");
		return;
	}
	y = ym / 12;
	m = ym % 12;
	d = mdays[m] + (m == 1 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
	snprintf(buf, n, "%d年%d月%d日", y, m + 1, d);
}
