/*
 * programs.c - table 1, 分项目汇总表: programs x area with roll-ups.
 *
 * Rows, for each root program of the catalog (低保, 特困, ...) present in
 * the slice: one row per (program, area); then, when the root has several
 * such rows, roll-ups: per area when it spans both areas and an area has
 * several rows (特困 城市 = 集中 城市 + 分散 城市), and a 小计 over all of
 * them. A 合计 line follows the public programs; programs outside public
 * spending (慈善救助, 节日慰问) come after it and are not in it.
 *
 * Additive measures of a roll-up are sums of exact values; distinct counts
 * and stocks are counted again over the union of the children's sets, so
 * a person in two programs is one person in their parent.
 *
 * Suppression works on whole rows: the rows form a tree (leaf -> area
 * roll-up -> 小计 -> 合计) and each internal row is the sum of its children,
 * which gives the lines for struct sdc.
 *
 * When 特困 is split into 集中 and 分散 (by program code, or by the records'
 * support_mode), a note gives the 集中供养率: 期末 集中供养 persons over 期末
 * 特困 persons. Published, it is shown only when every 特困 row is and
 * neither part counts fewer than k beneficiaries, so that it cannot give
 * back a hidden figure or a small group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "money.h"
#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

enum rkind { R_LEAF = PR_LEAF, R_AREA = PR_AREA, R_SUB = PR_SUB, R_TOTAL = PR_TOTAL };
#define PARENT_NONE (-1L)
#define PARENT_TOTAL (-2L)

static const char *const cols[PC_NCOLS + YOY_NCOLS] = {
	"项目", "城乡", "人次", "户次", "累计保障人数", "累计保障户数", "期末保障人数",
	"期末保障户数", "支出（万元）", "月人均补助水平（元）", "平均救助水平（元）",
	"人次同比增减", "人次同比增长（%）", "支出同比增减（万元）", "支出同比增长（%）",
};

const char *const yoy_cols[YOY_NCOLS] = {
	"人次同比增减", "人次同比增长（%）", "支出同比增减（万元）", "支出同比增长（%）",
};
#define DASH "—"

struct prow {
	enum rkind kind;
	char *label;
	const char *area;
	size_t *leaf;            /* indices into the leaf array */
	size_t nleaf;
	long parent;             /* row index, PARENT_NONE or PARENT_TOTAL */
};

struct pstats {
	int64_t persons, payments, fen;
	size_t nben;
	int nmonthly, noneoff;
	int64_t stock_persons;
	size_t stock_hh;
	int64_t cum_persons;     /* 累计保障人数 (accum_cum_persons) */
	size_t cum_hh;           /* 累计保障户数 */
	int nhh;                 /* leaves paid per household: 户数 apply */
};

static int area_rank(const char *a)
{
	return !strcmp(a, "urban") ? 0 : !strcmp(a, "rural") ? 1 : 2;
}

static int area_cmp(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	int c = area_rank(a) - area_rank(b);

	return c ? c : strcmp(a, b);
}

const char *area_label(const char *area)
{
	return !strcmp(area, "urban") ? "城市" : !strcmp(area, "rural") ? "农村" : area;
}

static int leaf_cmp(const void *x, const void *y)
{
	const struct leaf *a = x, *b = y;
	int c;

	if (a->public_money != b->public_money)
		return b->public_money - a->public_money;
	if (a->root->order != b->root->order)
		return a->root->order < b->root->order ? -1 : 1;
	if (a->prog->order != b->prog->order)
		return a->prog->order < b->prog->order ? -1 : 1;
	c = area_rank(a->g->area) - area_rank(b->g->area);
	return c ? c : strcmp(a->g->area, b->g->area);
}

struct leaf *report_leaves(const struct report *r, const struct slice *s,
			   size_t *n, struct rs_error *err)
{
	struct leaf *v = xcalloc(s->ng ? s->ng : 1, sizeof(*v));
	size_t i;

	for (i = 0; i < s->ng; i++) {
		const struct program *p = catalog_find(&r->cat, s->g[i]->program);

		if (!p) {
			free(v);
			rs_err(err, "program '%s' in '%s' is not in the catalog (add it with --catalog)",
			       s->g[i]->program, r->o->input);
			return NULL;
		}
		v[i].g = s->g[i];
		v[i].prog = p;
		v[i].root = catalog_root(&r->cat, p);
		v[i].monthly = p->recurrence == REC_MONTHLY || p->recurrence == REC_STATUS;
		v[i].public_money = v[i].root->public_money;
	}
	qsort(v, s->ng, sizeof(*v), leaf_cmp);
	*n = s->ng;
	return v;
}

const struct program **report_roots(const struct leaf *lv, size_t n,
				    size_t *nroots, size_t *npub)
{
	const struct program **v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i;

	*nroots = *npub = 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && lv[i - 1].root == lv[i].root)
			continue;
		v[(*nroots)++] = lv[i].root;
		if (lv[i].public_money)
			(*npub)++;
	}
	return v;
}

static void stats(const struct slice *s, const struct leaf *lv,
		  const size_t *idx, size_t n, struct pstats *st)
{
	const struct benbits **src;
	const struct group **gv;
	unsigned char *mask;
	int *stock;
	size_t i, nsrc;

	memset(st, 0, sizeof(*st));
	src = xcalloc(n ? n : 1, sizeof(*src));
	gv = xcalloc(n ? n : 1, sizeof(*gv));
	mask = xcalloc(n ? n : 1, 1);
	stock = xcalloc(n ? n : 1, sizeof(*stock));
	for (i = 0; i < n; i++) {
		const struct leaf *l = &lv[idx[i]];
		const struct group *g = l->g;

		st->persons += g->persons;
		st->payments += g->payments;
		st->fen += g->fen;
		if (l->monthly)
			st->nmonthly++;
		else
			st->noneoff++;
		if (g->grain == GRAIN_HOUSEHOLD)
			st->nhh++;
		gv[i] = g;
		stock[i] = l->monthly && g->stock_ym == s->per.last;
		/* A union's persons would be the sum of its sources' (a
		 * beneficiary in two leaves holds two payments), so only
		 * the distinct count needs a union. */
		if (stock[i])
			st->stock_persons += g->stock_persons;
	}
	st->cum_persons = accum_cum_persons(gv, stock, n);
	for (i = 0; i < n; i++) {
		src[i] = &lv[idx[i]].g->ben;
		mask[i] = BEN_PAID;
	}
	st->nben = n == 1 ? lv[idx[0]].g->nben : benbits_union_count(src, mask, n);
	/* 户数 count the beneficiaries of programs paid per household only:
	 * the ID of a program paid per person is a person's. */
	for (i = nsrc = 0; i < n; i++) {
		if (lv[idx[i]].g->grain != GRAIN_HOUSEHOLD)
			continue;
		src[nsrc] = &lv[idx[i]].g->ben;
		mask[nsrc++] = BEN_PAID;
	}
	st->cum_hh = nsrc ? benbits_union_count(src, mask, nsrc) : 0;
	for (i = nsrc = 0; i < n; i++) {
		const struct leaf *l = &lv[idx[i]];

		if (stock[i] && l->g->grain == GRAIN_HOUSEHOLD) {
			src[nsrc] = &l->g->ben;
			mask[nsrc++] = BEN_STOCK;
		}
	}
	st->stock_hh = nsrc ? benbits_union_count(src, mask, nsrc) : 0;
	free(src);
	free(gv);
	free(mask);
	free(stock);
}

static size_t add_row(struct prow **rows, size_t *nrows, size_t *cap,
		      enum rkind kind, const char *label, const char *area,
		      long parent)
{
	struct prow *p;

	if (*nrows == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*rows = xreallocarray(*rows, *cap, sizeof(**rows));
	}
	p = &(*rows)[*nrows];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->label = xstrdup(label);
	p->area = area;
	p->parent = parent;
	return (*nrows)++;
}

static void row_leaf(struct prow *p, size_t leaf)
{
	p->leaf = xreallocarray(p->leaf, p->nleaf + 1, sizeof(*p->leaf));
	p->leaf[p->nleaf++] = leaf;
}

/* Adds the rows of leaves [a, b), one root program; top: the parent of its
 * top row. */
static void add_root(struct prow **rows, size_t *nrows, size_t *cap,
		     const struct leaf *lv, size_t a, size_t b, long top)
{
	const struct program *root = lv[a].root;
	size_t first = *nrows, i, j, nareas = 0, sub;
	const char **areas;
	int mixed = 0, several = 0;
	char label[512];

	for (i = a; i < b; i++)
		if (lv[i].prog != root)
			mixed = 1;
	for (i = a; i < b; i++) {
		size_t row;

		if (mixed && lv[i].prog == root)
			snprintf(label, sizeof(label), "%s（未细分）", root->name_zh);
		else
			snprintf(label, sizeof(label), "%s", lv[i].prog->name_zh);
		row = add_row(rows, nrows, cap, R_LEAF, label,
			      area_label(lv[i].g->area), b - a > 1 ? PARENT_NONE : top);
		row_leaf(&(*rows)[row], i);
	}
	if (b - a < 2)
		return;
	/* Distinct areas, in area order. */
	areas = xcalloc(b - a, sizeof(*areas));
	for (i = a; i < b; i++) {
		for (j = 0; j < nareas; j++)
			if (!strcmp(areas[j], lv[i].g->area))
				break;
		if (j == nareas)
			areas[nareas++] = lv[i].g->area;
	}
	qsort(areas, nareas, sizeof(*areas), area_cmp);
	/* Per-area roll-ups when the root spans several areas and an area
	 * has several rows: then for every area, so that 城市 and 农村 read
	 * alike (a roll-up of one row repeats it). */
	for (j = 0; nareas >= 2 && j < nareas; j++) {
		size_t cnt = 0;

		for (i = a; i < b; i++)
			cnt += !strcmp(lv[i].g->area, areas[j]);
		if (cnt >= 2)
			several = 1;
	}
	for (j = 0; several && j < nareas; j++) {
		size_t row;

		row = add_row(rows, nrows, cap, R_AREA, root->name_zh,
			      area_label(areas[j]), PARENT_NONE);
		for (i = a; i < b; i++) {
			if (strcmp(lv[i].g->area, areas[j]))
				continue;
			row_leaf(&(*rows)[row], i);
			(*rows)[first + (i - a)].parent = (long)row;
		}
	}
	free(areas);
	sub = add_row(rows, nrows, cap, R_SUB, root->name_zh, "小计", top);
	for (i = a; i < b; i++)
		row_leaf(&(*rows)[sub], i);
	for (i = first; i < sub; i++)
		if ((*rows)[i].parent == PARENT_NONE)
			(*rows)[i].parent = (long)sub;
}

/* 1 if the row has a stock: some leaf under it is a monthly program. */
static int rows_monthly(const struct prow *p, const struct leaf *lv)
{
	size_t i;

	for (i = 0; i < p->nleaf; i++)
		if (lv[p->leaf[i]].monthly)
			return 1;
	return 0;
}

static void fill_row(struct table *t, size_t tr, const struct prow *p,
		     const struct pstats *st)
{
	char buf[32], key[600];
	/* The 合计 adds programs paid per person to those paid per household:
	 * it has no household count (and one would give back a hidden
	 * 户数 of the only household program). */
	int hh = st->nhh && p->kind != R_TOTAL;

	table_set(t, tr, PC_NAME, p->label);
	table_set(t, tr, PC_AREA, p->area);
	snprintf(key, sizeof(key), "%s\t%s", p->label, p->area);
	table_set_key(t, tr, key);
	table_set_style(t, tr, p->kind == R_TOTAL ? ROW_TOTAL :
			p->kind == R_LEAF ? ROW_PLAIN : ROW_SUB);
	table_set_count(t, tr, PC_PERSONS, st->persons);
	table_set_count(t, tr, PC_PAYMENTS, st->payments);
	table_set_count(t, tr, PC_BEN, st->cum_persons);
	if (hh)
		table_set_count(t, tr, PC_BEN_H, (int64_t)st->cum_hh);
	else
		table_set(t, tr, PC_BEN_H, DASH);
	if (st->nmonthly)
		table_set_count(t, tr, PC_STOCK_P, st->stock_persons);
	else
		table_set(t, tr, PC_STOCK_P, DASH);
	if (st->nmonthly && hh)
		table_set_count(t, tr, PC_STOCK_H, (int64_t)st->stock_hh);
	else
		table_set(t, tr, PC_STOCK_H, DASH);
	table_set_wan(t, tr, PC_AMOUNT, st->fen);
	if (st->nmonthly && !st->noneoff && st->persons > 0)
		table_set(t, tr, PC_AVG_MONTHLY, money_fmt_ratio(st->fen, st->persons, buf));
	else
		table_set(t, tr, PC_AVG_MONTHLY, DASH);
	if (st->noneoff && !st->nmonthly && st->persons > 0)
		table_set(t, tr, PC_AVG_ONEOFF, money_fmt_ratio(st->fen, st->persons, buf));
	else
		table_set(t, tr, PC_AVG_ONEOFF, DASH);
}

static void add_notes(struct report *r, const struct slice *s, struct table *t,
		      const struct leaf *lv, size_t n)
{
	char stock_month[64];
	struct period last = { s->per.last, s->per.last };
	struct sbuf others;
	size_t i;

	period_label(&last, stock_month, sizeof(stock_month));
	table_note(t, NOTE_BOTH,
		   "注：人次为各笔发放覆盖人数之和，户次为发放笔数。按人发放的项目，累计保障人数为报告期内领取过待遇的不重复人数；"
		   "按户发放的项目（如最低生活保障），累计保障户数为报告期内领取过待遇的不重复家庭数，累计保障人数为这些家庭各自在报告期内单笔发放覆盖的最多人数之和；"
		   "户数不适用于按人发放的项目，以“—”表示。"
		   "期末保障人数、户数为期末月（%s）领取待遇的对象及其覆盖人数，仅适用于按月发放的项目（一次性救助为“—”）。"
		   "上级项目、小计和合计的人次、户次、支出为各分项之和，保障人数和期末数按不重复对象计算，可能小于各分项之和。",
		   stock_month);
	table_note(t, NOTE_BOTH,
		   "支出按分精确汇总后四舍五入为万元（两位小数），合计由精确值计算，与分项四舍五入值之和可能略有出入。"
		   "月人均补助水平 = 支出 ÷ 人次（按月发放项目），平均救助水平 = 支出 ÷ 人次（一次性救助项目），单位元，四舍五入保留两位小数。");
	sbuf_init(&others, 0);
	for (i = 0; i < n; i++) {
		if (lv[i].public_money || (i > 0 && lv[i - 1].root == lv[i].root))
			continue;
		if (others.len)
			sbuf_adds(&others, "、");
		sbuf_adds(&others, lv[i].root->name_zh);
	}
	if (others.len)
		table_note(t, NOTE_BOTH, "%s不属于财政社会救助支出，列于合计之后，不计入合计。",
			   others.buf);
	sbuf_release(&others);
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，保障人数少于%d人的项目行以“*”代替；为防止由小计、合计或分地区、分月、资金来源各表推算出被隐去的数值，"
		   "另有部分行一并以“*”代替（次级隐藏）。零值不属敏感数据，照常公布。",
		   r->o->k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");
}

/*
 * The 集中供养率 of 特困 (root code "tekun"): a leaf is split when it is a
 * *_centralized or *_dispersed program, or its records carry a
 * support_mode. The rate is over the split leaves' stock only: a source
 * that does not tell 集中 from 分散 (特困人员救助供养（未细分）) would
 * otherwise count as all 分散 (DOMAIN.md: 集中供养 ÷ 特困, where the data
 * splits them). Its stock is kept in unsplit for the text. Stocks are
 * unions over the leaves paid in the last month.
 */
static void centralized_rate(const struct slice *s, const struct leaf *lv,
			     size_t n, struct crate *rate)
{
	const struct benbits **src, **every;
	unsigned char *all, *central, *mask;
	int64_t all_p = 0, central_p = 0, uns_p = 0;
	size_t i, nsrc = 0, nevery = 0;

	memset(rate, 0, sizeof(*rate));
	src = xcalloc(n ? n : 1, sizeof(*src));
	every = xcalloc(n ? n : 1, sizeof(*every));
	all = xcalloc(n ? n : 1, 1);
	central = xcalloc(n ? n : 1, 1);
	mask = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++) {
		const struct leaf *l = &lv[i];
		size_t len = strlen(l->prog->code);
		int is_c = len > 12 && !strcmp(l->prog->code + len - 12, "_centralized");
		int is_d = len > 10 && !strcmp(l->prog->code + len - 10, "_dispersed");

		if (strcmp(l->root->code, "tekun"))
			continue;
		if (!l->monthly || l->g->stock_ym != s->per.last)
			continue;
		every[nevery] = &l->g->ben;
		mask[nevery++] = BEN_STOCK;
		if (!is_c && !is_d && !l->g->has_mode) {
			uns_p += l->g->stock_persons;
			continue;
		}
		/* A union's persons are its sources' summed: they are
		 * different payments. */
		src[nsrc] = &l->g->ben;
		all[nsrc] = BEN_STOCK;
		central[nsrc++] = is_c ? BEN_STOCK : BEN_STOCK_C;
		all_p += l->g->stock_persons;
		central_p += is_c ? l->g->stock_persons : l->g->stock_c_persons;
	}
	if (nsrc && all_p > 0) {
		size_t nall = benbits_union_count(src, all, nsrc);

		if (nall) {
			rate->have = 1;
			rate->all = all_p;
			rate->central = central_p;
			rate->nall = nall;
			rate->ncentral = benbits_union_count(src, central, nsrc);
			rate->unsplit = uns_p;
			rate->nunsplit = benbits_union_count(every, mask, nevery) - nall;
		}
	}
	free(src);
	free(every);
	free(all);
	free(central);
	free(mask);
}

void build_programs(struct report *r, const struct slice *s,
		    const struct leaf *lv, size_t n, struct sdc *sdc,
		    struct ptab *pt, struct crate *rate)
{
	struct prow *rows = NULL;
	struct table *t;
	struct pstats st;
	size_t nrows = 0, cap = 0, i, j, a, total;
	char *heading, *stem;

	for (a = 0; a < n && lv[a].public_money; a = i) {
		for (i = a; i < n && lv[i].root == lv[a].root; i++)
			;
		add_root(&rows, &nrows, &cap, lv, a, i, PARENT_TOTAL);
	}
	total = add_row(&rows, &nrows, &cap, R_TOTAL, "合计", "", PARENT_NONE);
	for (j = 0; j < a; j++)
		row_leaf(&rows[total], j);
	for (i = 0; i < total; i++)
		if (rows[i].parent == PARENT_TOTAL)
			rows[i].parent = (long)total;
	for (; a < n; a = i) {
		for (i = a; i < n && lv[i].root == lv[a].root; i++)
			;
		add_root(&rows, &nrows, &cap, lv, a, i, PARENT_NONE);
	}

	heading = report_heading(r, s, "分项目汇总表");
	stem = report_stem(r, s, "programs");
	pt->ti = report_new_table(r);
	t = &r->t[pt->ti];
	table_init(t, stem, heading, cols, r->yoy ? PC_NCOLS + YOY_NCOLS : PC_NCOLS, 2);
	free(heading);
	free(stem);
	pt->nrows = nrows;
	pt->total = total;
	pt->unit = xcalloc(nrows, sizeof(*pt->unit));
	pt->sunit = xcalloc(nrows, sizeof(*pt->sunit));
	pt->kind = xcalloc(nrows, sizeof(*pt->kind));
	pt->prog = xcalloc(nrows, sizeof(*pt->prog));
	pt->root = xcalloc(nrows, sizeof(*pt->root));
	pt->area = xcalloc(nrows, sizeof(*pt->area));
	pt->top = xcalloc(nrows, sizeof(*pt->top));
	pt->fixed_hh = xcalloc(nrows, sizeof(*pt->fixed_hh));
	pt->leaf = xcalloc(nrows, sizeof(*pt->leaf));
	pt->nleaf = xcalloc(nrows, sizeof(*pt->nleaf));
	pt->parent = xcalloc(nrows, sizeof(*pt->parent));
	for (i = 0; i < nrows; i++) {
		const struct leaf *l0 = rows[i].nleaf ? &lv[rows[i].leaf[0]] : NULL;

		stats(s, lv, rows[i].leaf, rows[i].nleaf, &st);
		fill_row(t, table_add_row(t), &rows[i], &st);
		pt->unit[i] = sdc_unit(sdc, st.persons,
				       st.nben || st.persons || st.payments || st.fen,
				       st.nben < (size_t)r->o->k);
		/* The stock columns are a unit of their own: they equal the
		 * months table's last month (build_slice), so hiding them
		 * alone can protect a cell there. */
		pt->sunit[i] = (size_t)-1;
		if (rows_monthly(&rows[i], lv)) {
			pt->sunit[i] = sdc_unit(sdc, st.stock_persons,
						st.stock_persons || st.stock_hh,
						st.nben < (size_t)r->o->k);
			sdc_tie(sdc, pt->unit[i], pt->sunit[i]);
		}
		pt->kind[i] = (unsigned char)rows[i].kind;
		if (rows[i].kind == R_LEAF)
			pt->prog[i] = l0->prog;
		if (rows[i].kind != R_TOTAL && l0) {
			pt->root[i] = l0->root;
			pt->top[i] = rows[i].parent == (long)total ||
				     rows[i].parent == PARENT_NONE;
		}
		if ((rows[i].kind == R_LEAF || rows[i].kind == R_AREA) && l0)
			pt->area[i] = l0->g->area;
		pt->leaf[i] = xcalloc(rows[i].nleaf ? rows[i].nleaf : 1, sizeof(**pt->leaf));
		memcpy(pt->leaf[i], rows[i].leaf, rows[i].nleaf * sizeof(**pt->leaf));
		pt->nleaf[i] = rows[i].nleaf;
		pt->fixed_hh[i] = rows[i].nleaf > 0;
		for (j = 0; j < rows[i].nleaf; j++) {
			const struct leaf *l = &lv[rows[i].leaf[j]];

			if (l->monthly || l->g->grain == GRAIN_PERSON || l->g->pay_varied ||
			    !l->g->pay_n || l->g->pay_fix != l0->g->pay_fix)
				pt->fixed_hh[i] = 0;
		}
		pt->parent[i] = rows[i].parent >= 0 ? rows[i].parent : -1;
	}
	/*
	 * Each roll-up row is the sum of the rows just below it. The stock
	 * columns relate only the monthly rows ("—" for one-off ones), so
	 * they get a line of their own when that differs: 合计 = 低保 + 高龄
	 * with 高龄 hidden would give 高龄's stock back, whatever 临时救助
	 * shows. Distinct counts are not sums, but programs rarely share
	 * people, so they are protected as if they were.
	 */
	for (i = 0; i < nrows; i++) {
		size_t nkids = 0, nmonthly = 0;

		for (j = 0; j < nrows; j++) {
			if (rows[j].parent != (long)i)
				continue;
			nkids++;
			nmonthly += rows_monthly(&rows[j], lv);
		}
		if (!nkids)
			continue;
		sdc_line(sdc, pt->unit[i], SDC_ADDITIVE);
		for (j = 0; j < nrows; j++)
			if (rows[j].parent == (long)i)
				sdc_member(sdc, pt->unit[j]);
		if (nmonthly == 0)
			continue;
		sdc_line(sdc, pt->sunit[i], SDC_STOCK);
		for (j = 0; j < nrows; j++)
			if (rows[j].parent == (long)i && rows_monthly(&rows[j], lv))
				sdc_member(sdc, pt->sunit[j]);
	}
	add_notes(r, s, t, lv, n);
	centralized_rate(s, lv, n, rate);
	for (i = 0; i < nrows; i++) {
		free(rows[i].label);
		free(rows[i].leaf);
	}
	free(rows);
}

void programs_apply(struct report *r, const struct ptab *pt,
		    const struct sdc *sdc, struct crate *rate)
{
	struct table *t = &r->t[pt->ti];
	size_t i, j, k = (size_t)r->o->k;
	char pct[32], text[512];

	for (i = 0; i < pt->nrows; i++) {
		int row = sdc->hidden[pt->unit[i]];
		int stock = pt->sunit[i] != (size_t)-1 && sdc->hidden[pt->sunit[i]];

		/* "—" marks a measure that does not apply: nothing to hide. */
		for (j = PC_PERSONS; j < PC_NCOLS; j++)
			if ((row || (stock && (j == PC_STOCK_P || j == PC_STOCK_H))) &&
			    strcmp(t->cells[i * t->ncols + j].text, DASH))
				table_hide(t, i, j);
	}
	if (!rate->have)
		return;
	rate->published = (rate->ncentral == 0 || rate->ncentral >= k) &&
			  (rate->nall - rate->ncentral == 0 ||
			   rate->nall - rate->ncentral >= k) &&
			  (rate->nunsplit == 0 || rate->nunsplit >= k);
	for (i = 0; i < pt->nrows; i++)
		if (pt->root[i] && !strcmp(pt->root[i]->code, "tekun") &&
		    (sdc->hidden[pt->unit[i]] ||
		     (pt->sunit[i] != (size_t)-1 && sdc->hidden[pt->sunit[i]])))
			rate->published = 0;
	money_fmt_ratio(rate->central * 10000, rate->all, pct);
	if (rate->unsplit)
		snprintf(text, sizeof(text),
			 "特困人员集中供养率为%s%%（期末集中供养%lld人 ÷ 区分集中、分散供养的期末特困人员%lld人）；"
			 "另有期末特困人员%lld人未区分集中、分散供养，不计入集中供养率。",
			 pct, (long long)rate->central, (long long)rate->all,
			 (long long)rate->unsplit);
	else
		snprintf(text, sizeof(text),
			 "特困人员集中供养率为%s%%（期末集中供养%lld人 ÷ 期末特困人员%lld人）。",
			 pct, (long long)rate->central, (long long)rate->all);
	table_note(t, NOTE_INTERNAL, "%s", text);
	if (rate->published)
		table_note(t, NOTE_PUBLISHED, "%s", text);
	else
		table_note(t, NOTE_PUBLISHED,
			   "特困人员集中供养率：*（涉及人数较少或相关数据已隐藏，不予公布）。");
}

/*
 * 同比 compares the same places: when the year before covers other
 * counties (a district added to or missing from a merged file), a change
 * would mostly measure that, so the columns are "—" and a note names both.
 */
void programs_yoy(struct report *r, const struct slice *s,
		  const struct ptab *pt, const struct table *prev)
{
	struct table *t = &r->t[pt->ti];
	struct cover now, before;
	int same = 1;

	/* The slice being built, not the first: with --by-year each year
	 * covers its own counties. */
	cover_init(&now, s);
	cover_init(&before, r->prev && r->prev->nsi ? r->prev->si[0].s : NULL);
	if (prev && !cover_same(&now, &before))
		same = 0;
	table_yoy(t, same ? prev : NULL, PC_PERSONS, PC_YOY, PC_YOY + 1);
	table_yoy(t, same ? prev : NULL, PC_AMOUNT, PC_YOY + 2, PC_YOY + 3);
	if (!same) {
		cover_yoy_note(r, t, &before, &now);
	} else {
		table_note(t, NOTE_BOTH,
			   "同比为人次、支出与上年同期同一项目比较，按精确值计算，增长率保留一位小数；上年无此项目的为“—”。");
		table_note(t, NOTE_PUBLISHED,
			   "同比数据在本年或上年公开版中相应数值被隐去时一并以“*”代替。");
	}
	cover_release(&now);
	cover_release(&before);
}

void ptab_release(struct ptab *p)
{
	size_t i;

	for (i = 0; p->leaf && i < p->nrows; i++)
		free(p->leaf[i]);
	free(p->leaf);
	free(p->nleaf);
	free(p->parent);
	free(p->unit);
	free(p->sunit);
	free(p->kind);
	free(p->prog);
	free(p->root);
	free(p->area);
	free(p->top);
	free(p->fixed_hh);
	memset(p, 0, sizeof(*p));
}
