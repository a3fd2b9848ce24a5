/*
 * spending.c - table 6, 财政与其他资金支出表: public spending against other
 * money, and their sum.
 *
 * Other money (not 财政 social-assistance spending) is:
 *   - every payment of a program outside public spending (public_money:
 *     false in the catalog: 慈善救助, 节日慰问), already shown after table
 *     1's 合计 and not in it;
 *   - the payments of public programs whose funding label (资金来源) the
 *     catalog's other_money_funding marks as donated (社会捐赠, 慈善捐赠 ...).
 * Rows: 财政社会救助支出 (table 1's 合计 less the donated part), 其他资金
 * 小计, its parts (each program outside public spending, as table 1 shows
 * it, then the donated part of the public programs), and 总计. Columns
 * 人次, 户次, 支出 as in table 1, from exact sums.
 *
 * Suppression: a row is a unit, sensitive when it counts 1 to k-1
 * beneficiaries; the lines are table 1's 合计 = 财政 + donated, 其他资金 =
 * its parts, 总计 = 财政 + 其他资金, and (in build_slice) the donated part =
 * the 合计 column of the funding table's donated sources. A program row
 * repeats table 1's top row of that program and shares its unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

static const char *const cols[] = { "项目", "人次", "户次", "支出（万元）" };

struct srow {
	int64_t persons, payments, fen;
	struct capset ks;
};

static void srow_add(struct srow *a, int64_t persons, int64_t payments,
		     int64_t fen)
{
	a->persons += persons;
	a->payments += payments;
	a->fen += fen;
}

static void srow_set(struct table *t, size_t row, const char *label,
		     const struct srow *v, int style)
{
	table_set(t, row, 0, label);
	table_set_count(t, row, 1, v->persons);
	table_set_count(t, row, 2, v->payments);
	table_set_wan(t, row, 3, v->fen);
	table_set_key(t, row, label);
	table_set_style(t, row, style);
}

static size_t srow_unit(struct sdc *sdc, const struct srow *v, int k)
{
	return sdc_unit(sdc, v->persons,
			v->persons || v->payments || v->fen || v->ks.n,
			v->ks.n < k);
}

/* The programs table's top row of root. */
static size_t top_of(const struct ptab *p, const struct program *root)
{
	size_t i;

	for (i = 0; i < p->nrows; i++)
		if (p->top[i] && p->root[i] == root)
			return i;
	return p->total;
}

/* The rule in words: the texts a funding label may hold. */
static void rule_note(const struct report *r, struct table *t)
{
	static const char *const defaults[] = CATALOG_OTHER_FUNDING_DEFAULT;
	const struct catalog *c = &r->cat;
	size_t i, n = c->have_other_funding ? c->nother_funding :
		      sizeof(defaults) / sizeof(defaults[0]);
	struct sbuf sb;

	if (!n) {
		table_note(t, NOTE_BOTH, "未将任何资金来源列为捐赠等其他资金。");
		return;
	}
	sbuf_init(&sb, 0);
	for (i = 0; i < n; i++)
		sbuf_addf(&sb, "%s“%s”", i == 0 ? "" : i + 1 == n ? "或" : "、",
			  c->have_other_funding ? c->other_funding[i] : defaults[i]);
	table_note(t, NOTE_BOTH, "资金来源含有%s字样的发放视为捐赠等其他资金。",
		   sb.buf);
	sbuf_release(&sb);
}

void build_spending(struct report *r, const struct slice *s,
		    const struct leaf *lv, size_t n, struct sdc *sdc,
		    const struct ptab *p, struct stab *st)
{
	struct srow pub, oth, don, all, *prog;
	const struct program **roots;
	struct table *t;
	size_t nroots, npub, i, j, row, u_pub, u_oth, u_don, u_all;
	char *heading, *stem;
	int k = r->o->k;

	memset(&pub, 0, sizeof(pub));
	memset(&oth, 0, sizeof(oth));
	memset(&don, 0, sizeof(don));
	memset(&all, 0, sizeof(all));
	roots = report_roots(lv, n, &nroots, &npub);
	prog = xcalloc(nroots ? nroots : 1, sizeof(*prog));
	for (i = 0; i < n; i++) {
		const struct group *g = lv[i].g;

		if (lv[i].public_money) {
			srow_add(&pub, g->persons - g->oth_persons,
				 g->payments - g->oth_payments, g->fen - g->oth_fen);
			capset_union(&pub.ks, &g->pub_ks, k);
			srow_add(&don, g->oth_persons, g->oth_payments, g->oth_fen);
			capset_union(&don.ks, &g->oth_ks, k);
		} else {
			for (j = npub; j < nroots && roots[j] != lv[i].root; j++)
				;
			srow_add(&prog[j], g->persons, g->payments, g->fen);
			capset_union(&prog[j].ks, &g->pub_ks, k);
			capset_union(&prog[j].ks, &g->oth_ks, k);
		}
	}
	for (j = npub; j < nroots; j++) {
		srow_add(&oth, prog[j].persons, prog[j].payments, prog[j].fen);
		capset_union(&oth.ks, &prog[j].ks, k);
	}
	srow_add(&oth, don.persons, don.payments, don.fen);
	capset_union(&oth.ks, &don.ks, k);
	srow_add(&all, pub.persons, pub.payments, pub.fen);
	srow_add(&all, oth.persons, oth.payments, oth.fen);
	capset_union(&all.ks, &pub.ks, k);
	capset_union(&all.ks, &oth.ks, k);

	heading = report_heading(r, s, "财政与其他资金支出表");
	stem = report_stem(r, s, "spending");
	st->ti = report_new_table(r);
	t = &r->t[st->ti];
	table_init(t, stem, heading, cols, 4, 1);
	free(heading);
	free(stem);
	st->nrows = 3 + (nroots - npub) + 1;
	st->unit = xcalloc(st->nrows, sizeof(*st->unit));

	row = table_add_row(t);
	srow_set(t, row, "财政社会救助支出", &pub, ROW_SUB);
	st->unit[row] = u_pub = srow_unit(sdc, &pub, k);
	row = table_add_row(t);
	srow_set(t, row, "其他资金", &oth, ROW_SUB);
	st->unit[row] = u_oth = srow_unit(sdc, &oth, k);
	for (j = npub; j < nroots; j++) {
		char label[300];

		row = table_add_row(t);
		snprintf(label, sizeof(label), "%s", roots[j]->name_zh);
		srow_set(t, row, label, &prog[j], ROW_PLAIN);
		st->unit[row] = p->unit[top_of(p, roots[j])];
	}
	row = table_add_row(t);
	srow_set(t, row, "财政救助项目中的捐赠等资金", &don, ROW_PLAIN);
	st->unit[row] = u_don = srow_unit(sdc, &don, k);
	st->don = row;
	row = table_add_row(t);
	srow_set(t, row, "总计", &all, ROW_TOTAL);
	st->unit[row] = u_all = srow_unit(sdc, &all, k);

	sdc_line(sdc, p->unit[p->total], SDC_ADDITIVE);
	sdc_member(sdc, u_pub);
	sdc_member(sdc, u_don);
	sdc_line(sdc, u_oth, SDC_ADDITIVE);
	for (j = npub; j < nroots; j++)
		sdc_member(sdc, p->unit[top_of(p, roots[j])]);
	sdc_member(sdc, u_don);
	sdc_line(sdc, u_all, SDC_ADDITIVE);
	sdc_member(sdc, u_pub);
	sdc_member(sdc, u_oth);

	table_note(t, NOTE_BOTH,
		   "注：财政社会救助支出为分项目汇总表合计（财政社会救助各项目）减去其中资金来源为捐赠等其他资金的发放；"
		   "其他资金为不属于财政社会救助的项目（如慈善救助、节日慰问）的全部发放，加上财政救助项目中资金来源为捐赠等其他资金的发放；"
		   "总计为两者之和。人次、户次、支出均按精确值汇总，支出四舍五入为万元（两位小数）。");
	rule_note(r, t);
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，涉及人数少于%d人的行以“*”代替；为防止由合计或其他各表推算出被隐去的数值，"
		   "另有部分行一并以“*”代替（次级隐藏）。零值不属敏感数据，照常公布。", k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");
	capset_release(&pub.ks);
	capset_release(&oth.ks);
	capset_release(&don.ks);
	capset_release(&all.ks);
	for (j = 0; j < nroots; j++)
		capset_release(&prog[j].ks);
	free(prog);
	free(roots);
}

void spending_apply(struct report *r, const struct stab *st,
		    const struct sdc *sdc)
{
	struct table *t = &r->t[st->ti];
	size_t i, j;

	for (i = 0; i < st->nrows; i++)
		if (sdc->hidden[st->unit[i]])
			for (j = 1; j < 4; j++)
				table_hide(t, i, j);
}

void stab_release(struct stab *st)
{
	free(st->unit);
	memset(st, 0, sizeof(*st));
}
