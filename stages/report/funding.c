/*
 * funding.c - table 4, 资金来源表: funding sources x programs.
 *
 * Written when the data names funding sources (the aggregate's funding
 * column is not empty everywhere). One row per source, in the order of
 * government level (中央, 省, 市, 区/县, others by name), payments with no
 * source last as 未注明, then the 合计. Per root program its 支出; the 合计
 * column covers the public programs, with each source's share of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "xalloc.h"
#include "xgrid.h"

static int level_rank(const char *s)
{
	static const char *const prefix[] = { "中央", "省", "市", "区", "县", "乡", "镇", "街道" };
	size_t i;

	if (!*s)
		return 100;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(s, prefix[i], strlen(prefix[i])))
			return (int)i;
	return 50;
}

static int fund_cmp(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	int c = level_rank(a) - level_rank(b);

	return c ? c : strcmp(a, b);
}

void build_funding(struct report *r, const struct slice *s,
		   const struct leaf *lv, size_t n, struct sdc *sdc,
		   struct xgrid *x)
{
	const struct xtab *xt = &s->fund;
	struct xspec sp;
	const char **names;
	size_t i, j;
	char key[600];
	struct table *t;

	memset(&sp, 0, sizeof(sp));
	sp.name = "资金来源表";
	sp.stem = "funding";
	sp.left[0] = "资金来源";
	sp.nleft = 1;
	sp.with_share = 1;
	sp.dim_row = xcalloc(xt->nname ? xt->nname : 1, sizeof(*sp.dim_row));
	names = xcalloc(xt->nname ? xt->nname : 1, sizeof(*names));
	for (i = 0; i < xt->nname; i++)
		names[i] = xt->name[i];
	qsort(names, xt->nname, sizeof(*names), fund_cmp);
	for (i = 0; i < xt->nname; i++) {
		snprintf(key, sizeof(key), "fund:%s", names[i]);
		xspec_add_row(&sp, *names[i] ? names[i] : "未注明", NULL, key, ROW_PLAIN, -1);
		for (j = 0; j < xt->nname; j++)
			if (xt->name[j] == names[i])
				sp.dim_row[j] = (long)i;
	}
	xspec_add_row(&sp, "合计", NULL, "total", ROW_TOTAL, -1);
	sp.total = sp.nrow - 1;
	for (i = 0; i < sp.total; i++)
		sp.rows[i].parent = (long)sp.total;

	xgrid_build(r, s, lv, n, xt, &sp, sdc, x);
	t = &r->t[x->ti];
	table_note(t, NOTE_BOTH,
		   "注：按每笔发放记录的资金来源汇总；未注明资金来源的发放列为“未注明”。合计列为财政社会救助各项目之和，"
		   "合计行等于分项目汇总表各项目支出；占比为该来源合计占全部合计的百分比（一位小数）。"
		   "支出按分精确汇总后四舍五入为万元（两位小数），合计由精确值计算。");
	if (x->tcol + 1 < x->nc)
		table_note(t, NOTE_BOTH, "合计列不含列于其后的非财政社会救助项目。");
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，报告期内领取人数少于%d人的单元格以“*”代替；为防止由行、列合计或分项目汇总表推算出被隐去的数值，"
		   "另有部分单元格一并以“*”代替（次级隐藏）。零值不属敏感数据，照常公布。",
		   r->o->k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");
	free(names);
	xspec_release(&sp);
}
