/*
 * bulletin.c - the Chinese bulletin (统计简报), bulletin.txt.
 *
 * The figures of table 1 in the words of a civil-affairs news item:
 *   2021年1—7月，成都市郫都区共发放各类救助资金2213.91万元，惠及166910人次。
 *   全区救助低保对象9418人次、667.46万元，城乡低保月人均补助水平分别达734元、695元……
 * Every figure is read from the built table's cells: counts and 万元 as
 * the table shows them, per-person averages in whole 元, half-up from the
 * exact fen and persons behind the cells (SPEC.md section 4). The
 * published bulletin reads the published cells: a clause whose figure is
 * hidden is left out, so it never states a suppressed value, and the
 * 集中供养率 appears only where table 1's published note shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "report.h"
#include "sbuf.h"

struct bctx {
	const struct table *t;
	int published;
};

/* A cell's text, or NULL when the version hides it or it has no value. */
static const char *fig(const struct bctx *b, size_t row, size_t col)
{
	const struct tcell *c;

	if (row == (size_t)-1 || col >= b->t->ncols)
		return NULL;
	c = &b->t->cells[row * b->t->ncols + col];
	if ((b->published && c->hidden) || !c->text || !strcmp(c->text, "—"))
		return NULL;
	return c->text;
}

/* Whole 元 per person (amount / 人次), half-up; 0 when hidden. */
static int per_person(const struct bctx *b, size_t row, long long *yuan)
{
	const struct tcell *p, *a;

	if (!fig(b, row, PC_PERSONS) || !fig(b, row, PC_AMOUNT))
		return 0;
	p = &b->t->cells[row * b->t->ncols + PC_PERSONS];
	a = &b->t->cells[row * b->t->ncols + PC_AMOUNT];
	if (p->v <= 0)
		return 0;
	*yuan = (long long)div_half_up(a->v, p->v * 100);
	return 1;
}

/* The row of root in area (its area roll-up, or its only leaf there). */
static size_t area_row(const struct ptab *p, const struct program *root,
		       const char *area)
{
	size_t i, found = (size_t)-1, nleaf = 0;

	for (i = 0; i < p->nrows; i++) {
		if (p->root[i] != root || !p->area[i] || strcmp(p->area[i], area))
			continue;
		if (p->kind[i] == PR_AREA)
			return i;
		if (p->kind[i] == PR_LEAF) {
			found = i;
			nleaf++;
		}
	}
	return nleaf == 1 ? found : (size_t)-1;
}

/*
 * "全区" (全县, 全市, ...) when every row lies in one district (county,
 * city, province): the ending of the name of the smallest region holding
 * them all, in the regions table (a township's or village's gives none).
 * A city or province is 全市 or 全省 only when the slice covers all its
 * counties; a part of one is 上述地区 (the title or the coverage line
 * has named them). Never from the title alone: a merged report of
 * several provinces titled 全部分区 is no 区. "" otherwise.
 */
static void scope(const struct report *r, const struct sinfo *si, char *out,
		  size_t n)
{
	static const char *const ends[] = { "区", "县", "市", "旗", "州", "省" };
	static const size_t digits[] = { 12, 9, 6, 4, 2 };
	const char *name = NULL;
	size_t i, len, d = 0;
	struct cover c;
	int whole;

	out[0] = '\0';
	for (i = 0; i < sizeof(digits) / sizeof(digits[0]) && !name; i++)
		if (r->acc.region_len >= digits[i]) {
			d = digits[i];
			name = report_region_name(r, r->acc.region_prefix, d);
		}
	if (!name)
		return;
	cover_init(&c, si->s);
	whole = !c.n || cover_whole(r, &c, r->acc.region_prefix, d);
	cover_release(&c);
	if (!whole) {
		snprintf(out, n, "上述地区");
		return;
	}
	len = strlen(name);
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t el = strlen(ends[i]);

		if (len >= el && !strcmp(name + len - el, ends[i])) {
			snprintf(out, n, "全%s", ends[i]);
			return;
		}
	}
}

static void dibao(const struct bctx *b, const struct ptab *p, size_t top,
		  const char *sc, struct sbuf *out)
{
	const struct program *root = p->root[top];
	long long u = 0, r = 0;
	int hu, hr;
	const char *hh = fig(b, top, PC_STOCK_H), *pp = fig(b, top, PC_STOCK_P);

	sbuf_addf(out, "%s救助低保对象%s人次、%s万元", sc,
		  fig(b, top, PC_PERSONS), fig(b, top, PC_AMOUNT));
	hu = per_person(b, area_row(p, root, "urban"), &u);
	hr = per_person(b, area_row(p, root, "rural"), &r);
	if (hu && hr)
		sbuf_addf(out, "，城乡低保月人均补助水平分别达%lld元、%lld元", u, r);
	else if (hu)
		sbuf_addf(out, "，城市低保月人均补助水平达%lld元", u);
	else if (hr)
		sbuf_addf(out, "，农村低保月人均补助水平达%lld元", r);
	{
		const char *ch = fig(b, top, PC_BEN_H), *cp = fig(b, top, PC_BEN);

		if (ch && cp)
			sbuf_addf(out, "；累计保障低保对象%s户%s人", ch, cp);
		if (hh && pp)
			sbuf_addf(out, "%s期末保障低保对象%s户%s人", ch && cp ? "，" : "；", hh, pp);
	}
	sbuf_adds(out, "。");
}

static void tekun(const struct bctx *b, const struct sinfo *si, size_t top,
		  const char *sc, struct sbuf *out)
{
	const struct crate *rt = &si->rate;
	const char *st = fig(b, top, PC_STOCK_P);
	char pct[32];

	sbuf_addf(out, "%s救助供养特困人员%s人次、%s万元", sc,
		  fig(b, top, PC_PERSONS), fig(b, top, PC_AMOUNT));
	if (st)
		sbuf_addf(out, "，期末特困人员%s人", st);
	if (st && rt->have && (!b->published || rt->published)) {
		money_fmt_ratio(rt->central * 10000, rt->all, pct);
		if (rt->unsplit)
			sbuf_addf(out, "，在区分集中、分散供养的%lld人中，集中供养%lld人，集中供养率%s%%",
				  (long long)rt->all, (long long)rt->central, pct);
		else
			sbuf_addf(out, "，其中集中供养%lld人，集中供养率%s%%",
				  (long long)rt->central, pct);
	}
	sbuf_adds(out, "。");
}

/* Whole 元 per household (amount / 户次), half-up; 0 when hidden. */
static int per_household(const struct bctx *b, size_t row, long long *yuan)
{
	const struct tcell *h, *a;

	if (!fig(b, row, PC_PAYMENTS) || !fig(b, row, PC_AMOUNT))
		return 0;
	h = &b->t->cells[row * b->t->ncols + PC_PAYMENTS];
	a = &b->t->cells[row * b->t->ncols + PC_AMOUNT];
	if (h->v <= 0)
		return 0;
	*yuan = (long long)div_half_up(a->v, h->v * 100);
	return 1;
}

static void program(const struct bctx *b, const struct ptab *p, size_t top,
		    const struct program *root, int monthly, const char *sc,
		    struct sbuf *out)
{
	const char *st = fig(b, top, PC_STOCK_P), *ppl = fig(b, top, PC_PERSONS);
	const char *wan = fig(b, top, PC_AMOUNT);
	int paid = b->t->cells[top * b->t->ncols + PC_AMOUNT].v != 0;
	long long avg;

	if (!root->public_money) {
		sbuf_addf(out, "另发放%s%s人次、%s万元", root->name_zh, ppl, wan);
		if (p->fixed_hh[top] && per_household(b, top, &avg))
			sbuf_addf(out, "，%s户次，户均%lld元", fig(b, top, PC_PAYMENTS), avg);
		sbuf_adds(out, "（不属于财政社会救助支出，未计入上述各类救助资金）。");
		return;
	}
	if (!strcmp(root->code, "linshi"))
		sbuf_addf(out, "%s实施临时救助%s户次、%s人次", sc,
			  fig(b, top, PC_PAYMENTS), ppl);
	else if (!strcmp(root->code, "liulang"))
		sbuf_addf(out, "%s救助生活无着的流浪乞讨人员%s人次", sc, ppl);
	else
		sbuf_addf(out, "%s%s%s%s人次", sc, monthly ? "发放" : "", root->name_zh, ppl);
	/* In-kind help (流浪乞讨人员救助, mostly) has no money to state. */
	if (paid)
		sbuf_addf(out, "、%s万元", wan);
	if (monthly && st)
		sbuf_addf(out, "，期末享受%s人", st);
	if (!monthly && paid && p->fixed_hh[top] && per_household(b, top, &avg))
		sbuf_addf(out, "，户均%lld元", avg);
	else if (!monthly && paid && per_person(b, top, &avg))
		sbuf_addf(out, "，平均救助水平%lld元/人次", avg);
	sbuf_adds(out, "。");
}

/* Public spending against other money (table 6), when there is other
 * money; a hidden figure leaves its clause out. */
static void spending(const struct report *r, const struct sinfo *si,
		     int published, struct sbuf *out)
{
	struct bctx b = { &r->t[si->tspend], published };
	size_t don = b.t->nrows - 2;
	const char *pub = fig(&b, 0, 3), *d = fig(&b, don, 3);

	/* One total in the bulletin, 各类救助资金 (table 1's 合计): this says
	 * what of it is donated money; programs outside public spending
	 * have their own sentences. */
	if (!b.t->cells[don * b.t->ncols + 3].v || (!pub && !d))
		return;
	sbuf_adds(out, "上述资金中");
	if (pub)
		sbuf_addf(out, "财政社会救助支出%s万元", pub);
	if (d)
		sbuf_addf(out, "%s社会捐赠等资金%s万元", pub ? "，" : "", d);
	sbuf_adds(out, "。\n");
}

/*
 * What the slice covers, when it matters: the report's data spans more
 * than one county (a merged report), or the year before given for 同比
 * covers other counties than this one. Two years side by side (by year)
 * that cover different counties are said not to compare.
 */
static void coverage(const struct report *r, const struct sinfo *si,
		     const char *label, struct sbuf *out)
{
	struct cover c, o;
	size_t i = (size_t)(si - r->si);
	char olabel[64];

	cover_init(&c, si->s);
	if (r->acc.region_len < 6 && c.n) {
		sbuf_addf(out, "%s数据涵盖", label);
		cover_words(r, &c, NULL, out);
		sbuf_adds(out, "。");
		if (i > 0) {
			cover_init(&o, r->si[i - 1].s);
			if (!cover_same(&c, &o)) {
				period_label(&r->si[i - 1].s->per, olabel, sizeof(olabel));
				sbuf_addf(out, "与%s涵盖地区不同，两期数据不宜直接比较。", olabel);
			}
			cover_release(&o);
		}
		sbuf_addc(out, '\n');
	}
	if (r->yoy && r->prev && r->prev->nsi) {
		cover_init(&o, r->prev->si[0].s);
		if (!cover_same(&c, &o)) {
			period_label(&r->prev->si[0].s->per, olabel, sizeof(olabel));
			sbuf_addf(out, "上年同期（%s）数据涵盖", olabel);
			cover_words(r, &o, NULL, out);
			sbuf_addf(out, "，与%s", label);
			if (r->acc.region_len >= 6 && c.n) {
				sbuf_adds(out, "（");
				cover_words(r, &c, NULL, out);
				sbuf_adds(out, "）");
			}
			sbuf_adds(out, "涵盖地区不同，不作同比比较。\n");
		}
		cover_release(&o);
	}
	cover_release(&c);
}

static void slice_text(const struct report *r, const struct sinfo *si,
		       int published, struct sbuf *out)
{
	struct bctx b = { &r->t[si->tprog], published };
	const struct ptab *p = &si->p;
	char label[64], sc[32];
	const char *amt, *per, *pct;
	size_t i, tot = p->total;

	period_label(&si->s->per, label, sizeof(label));
	scope(r, si, sc, sizeof(sc));
	coverage(r, si, label, out);
	amt = fig(&b, tot, PC_AMOUNT);
	per = fig(&b, tot, PC_PERSONS);
	sbuf_addf(out, "%s，%s", label, r->title_pooled ? "上述地区" : r->title);
	if (amt && per)
		sbuf_addf(out, "共发放各类救助资金%s万元，惠及%s人次", amt, per);
	else
		sbuf_adds(out, "社会救助总体数据涉及人数较少，不予公布");
	/* Table 1 gives no 同比 (its cells are "—") when the year before
	 * covers other counties; coverage() has said so. */
	pct = r->yoy ? fig(&b, tot, PC_YOY + 3) : NULL;
	if (amt && pct) {
		if (pct[0] == '-')
			sbuf_addf(out, "，支出同比下降%s%%", pct + 1);
		else if (strcmp(pct, "0.0"))
			sbuf_addf(out, "，支出同比增长%s%%", pct);
		else
			sbuf_adds(out, "，支出与上年同期持平");
	}
	sbuf_adds(out, "。\n");
	spending(r, si, published, out);
	for (i = 0; i < p->nrows; i++) {
		const struct program *root = p->root[i];
		size_t j;
		int monthly = 0;

		if (!p->top[i] || !root)
			continue;
		if (!fig(&b, i, PC_PERSONS) || !fig(&b, i, PC_AMOUNT)) {
			sbuf_addf(out, "%s：涉及人数较少，相关数据不予公布。\n", root->name_zh);
			continue;
		}
		for (j = 0; j < p->nrows; j++)
			if (p->root[j] == root && strcmp(b.t->cells[j * b.t->ncols + PC_STOCK_P].text, "—"))
				monthly = 1;
		if (!strcmp(root->code, "dibao"))
			dibao(&b, p, i, sc, out);
		else if (!strcmp(root->code, "tekun"))
			tekun(&b, si, i, sc, out);
		else
			program(&b, p, i, root, monthly, sc, out);
		sbuf_addc(out, '\n');
	}
}

void bulletin_write(const struct report *r, int published, struct sbuf *out)
{
	size_t i;

	sbuf_addf(out, "%s社会救助统计简报\n\n", r->title);
	/* Before any figure: they leave out the rows of an accepted loss. */
	if (r->loss_note)
		sbuf_addf(out, "%s\n\n", r->loss_note);
	for (i = 0; i < r->nsi; i++) {
		if (i)
			sbuf_addc(out, '\n');
		slice_text(r, &r->si[i], published, out);
	}
	sbuf_addf(out, "\n注：人次为各笔发放覆盖人数之和，户次为发放笔数；支出按分精确汇总后四舍五入为万元；"
		  "月人均补助水平、平均救助水平为支出 ÷ 人次，户均为支出 ÷ 户次，四舍五入到元；"
		  "累计保障户数、人数为报告期内领取过待遇的家庭及其覆盖人数。");
	if (published)
		sbuf_addf(out, "为保护个人隐私，涉及人数少于%d人的数据及可据以推算的数据不予公布。\n",
			  r->o->k);
	else
		sbuf_adds(out, "内部版：未作小数值隐藏，仅供内部使用，不得对外公布。\n");
}
