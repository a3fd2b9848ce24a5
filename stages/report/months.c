/*
 * months.c - table 2, 分月情况表: months x programs.
 *
 * One row per month of the slice and a 合计 row for the whole period;
 * for each program (areas together) two columns, 人次 and 支出（万元）,
 * then the 合计 over public programs, then programs outside public
 * spending. The 合计 row equals table 1's figures for the period.
 *
 * Suppression works on cells, a cell being a (month, program) pair of
 * 人次 and 支出: it is sensitive when fewer than k distinct beneficiaries
 * were paid in it. Its lines are the rows (合计 column = sum of the public
 * programs) and the columns (合计 row = sum of the months): the classic
 * two-way rule of struct sdc. build_slice() adds the lines that tie the
 * 合计 row to the programs table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "money.h"
#include "report.h"
#include "xalloc.h"

struct mval {
	int64_t persons, fen;
	struct capset ks;
};

/* Adds group g's month ym (or its whole slice: ym < 0) into v. */
static void add_group(struct mval *v, const struct group *g, int ym, int k)
{
	int m;

	for (m = 0; m < g->mcount; m++) {
		const struct mcell *c = &g->month[m];

		if (ym >= 0 && g->mbase + m != ym)
			continue;
		v->persons += c->persons;
		v->fen += c->fen;
		capset_union(&v->ks, &c->ks, k);
	}
}

static char *month_label(const struct slice *s, int ym)
{
	char buf[32];

	if (s->per.first / 12 == s->per.last / 12)
		snprintf(buf, sizeof(buf), "%d月", ym % 12 + 1);
	else
		snprintf(buf, sizeof(buf), "%d年%d月", ym / 12, ym % 12 + 1);
	return xstrdup(buf);
}

void build_months(struct report *r, const struct slice *s,
		  const struct leaf *lv, size_t n, struct sdc *sdc,
		  struct mtab *m)
{
	const int k = r->o->k;
	const struct program **prog;
	struct mval *val;
	struct table *t;
	size_t nc = 0, npub = 0, tcol, nm, nrow, i, j, l;
	const char **cols;
	char *heading, *stem;

	/* Columns: distinct programs in table order (public ones first),
	 * with the 合计 moved in after the public ones. */
	prog = xcalloc(n + 1, sizeof(*prog));
	for (i = 0; i < n; i++) {
		for (j = 0; j < nc; j++)
			if (prog[j] == lv[i].prog)
				break;
		if (j < nc)
			continue;
		prog[nc++] = lv[i].prog;
		if (lv[i].public_money)
			npub++;
	}
	memmove(prog + npub + 1, prog + npub, (nc - npub) * sizeof(*prog));
	prog[npub] = NULL;
	tcol = npub;
	nc++;

	nm = (size_t)(s->per.last - s->per.first + 1);
	nrow = nm + 1;
	val = xcalloc(nrow * nc, sizeof(*val));
	for (i = 0; i < nrow; i++) {
		int ym = i < nm ? s->per.first + (int)i : -1;

		for (j = 0; j < nc; j++) {
			struct mval *v = &val[i * nc + j];

			for (l = 0; l < n; l++) {
				if (prog[j] ? lv[l].prog != prog[j] : !lv[l].public_money)
					continue;
				add_group(v, lv[l].g, ym, k);
			}
		}
	}

	cols = xcalloc(1 + 2 * nc, sizeof(*cols));
	cols[0] = xstrdup("月份");
	for (j = 0; j < nc; j++) {
		const char *name = prog[j] ? prog[j]->name_zh : "合计";
		const char *undivided = "";
		size_t len = strlen(name) + 64;
		char *a = xmalloc(len), *b = xmalloc(len);

		/* A root program paid as such beside its subdivisions is named
		 * as in the programs table, apart from its roll-up. */
		for (l = 0; prog[j] && l < n; l++)
			if (lv[l].root == prog[j] && lv[l].prog != prog[j])
				undivided = "（未细分）";
		snprintf(a, len, "%s%s人次", name, undivided);
		snprintf(b, len, "%s%s支出（万元）", name, undivided);
		cols[1 + 2 * j] = a;
		cols[2 + 2 * j] = b;
	}
	heading = report_heading(r, s, "分月情况表");
	stem = report_stem(r, s, "months");
	m->ti = report_new_table(r);
	t = &r->t[m->ti];
	table_init(t, stem, heading, cols, 1 + 2 * nc, 1);
	free(heading);
	free(stem);
	for (j = 0; j < 1 + 2 * nc; j++)
		free((char *)cols[j]);
	free(cols);

	m->nrow = nrow;
	m->nc = nc;
	m->tcol = tcol;
	m->prog = prog;
	m->unit = xcalloc(nrow * nc, sizeof(*m->unit));
	for (i = 0; i < nrow; i++) {
		size_t tr = table_add_row(t);

		if (i < nm) {
			char *lab = month_label(s, s->per.first + (int)i);
			table_set(t, tr, 0, lab);
			free(lab);
		} else {
			table_set(t, tr, 0, "合计");
			table_set_style(t, tr, ROW_TOTAL);
		}
		for (j = 0; j < nc; j++) {
			const struct mval *v = &val[i * nc + j];

			table_set_count(t, tr, 1 + 2 * j, v->persons);
			table_set_wan(t, tr, 2 + 2 * j, v->fen);
			m->unit[i * nc + j] = sdc_unit(sdc, v->persons,
						       v->ks.n || v->persons || v->fen,
						       v->ks.n < k);
		}
	}
	/* Rows: the 合计 column is the sum of the public programs. */
	for (i = 0; i < nrow; i++) {
		sdc_line(sdc, m->unit[i * nc + tcol], SDC_ADDITIVE);
		for (j = 0; j < tcol; j++)
			sdc_member(sdc, m->unit[i * nc + j]);
	}
	/* Columns: the 合计 row is the sum of the months. */
	for (j = 0; j < nc; j++) {
		sdc_line(sdc, m->unit[nm * nc + j], SDC_ADDITIVE);
		for (i = 0; i < nm; i++)
			sdc_member(sdc, m->unit[i * nc + j]);
	}

	table_note(t, NOTE_BOTH,
		   "注：人次为各笔发放覆盖人数之和；各项目含城市、农村；合计行为整个报告期，等于分项目汇总表中该项目各行之和。"
		   "支出按分精确汇总后四舍五入为万元（两位小数），合计由精确值计算。");
	if (tcol + 1 < nc)
		table_note(t, NOTE_BOTH, "合计列不含列于其后的非财政社会救助项目。");
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，当月领取人数少于%d人的单元格（人次和支出）以“*”代替；为防止由行、列合计或分项目汇总表推算出被隐去的数值，"
		   "另有部分单元格一并以“*”代替（次级隐藏）。零值不属敏感数据，照常公布。", k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");

	for (i = 0; i < nrow * nc; i++)
		capset_release(&val[i].ks);
	free(val);
}

void months_apply(struct report *r, const struct mtab *m, const struct sdc *sdc)
{
	struct table *t = &r->t[m->ti];
	size_t i, j;

	for (i = 0; i < m->nrow; i++)
		for (j = 0; j < m->nc; j++)
			if (sdc->hidden[m->unit[i * m->nc + j]]) {
				table_hide(t, i, 1 + 2 * j);
				table_hide(t, i, 2 + 2 * j);
			}
}
