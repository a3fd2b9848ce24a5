/*
 * towns.c - table 2, 分地区汇总表: townships x programs.
 *
 * One row per township (乡镇、街道: region code digits 1-9) in code order,
 * named from the region table; when the slice spans several counties,
 * each county's townships are followed by its 小计; then the 合计. Per
 * root program (低保, 特困, ...) 人次 and 支出; the 合计 columns cover the
 * public programs and equal table 1's 合计. With --previous, 同比 columns
 * compare each row's 合计 with the same township a year earlier.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sbuf.h"
#include "xalloc.h"
#include "xgrid.h"

static int code_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void build_towns(struct report *r, const struct slice *s,
		 const struct leaf *lv, size_t n, struct sdc *sdc,
		 struct xgrid *x)
{
	const struct xtab *xt = &s->town;
	struct xspec sp;
	const char **codes;
	size_t i, j, ncounty = 0;
	char key[64];
	struct table *t;

	memset(&sp, 0, sizeof(sp));
	sp.name = "分地区汇总表";
	sp.stem = "towns";
	sp.left[0] = "区县";
	sp.left[1] = "乡镇（街道）";
	sp.nleft = 2;
	sp.with_persons = 1;
	sp.yoy = r->yoy;
	sp.dim_row = xcalloc(xt->nname ? xt->nname : 1, sizeof(*sp.dim_row));

	codes = xcalloc(xt->nname ? xt->nname : 1, sizeof(*codes));
	for (i = 0; i < xt->nname; i++)
		codes[i] = xt->name[i];
	qsort(codes, xt->nname, sizeof(*codes), code_cmp);
	for (i = 0; i < xt->nname; i++)
		if (i == 0 || strncmp(codes[i], codes[i - 1], 6))
			ncounty++;

	/* Rows are added with their parents fixed up afterwards: a county's
	 * 小计 comes after its townships, the 合计 last. */
	for (i = 0; i < xt->nname; i++) {
		const char *code = codes[i];
		const char *county = report_region_name(r, code, 6);
		const char *town = report_region_name(r, code, 9);
		char cc[7];

		snprintf(cc, sizeof(cc), "%.6s", code);
		snprintf(key, sizeof(key), "town:%s", code);
		xspec_add_row(&sp, county ? county : cc, town ? town : code, key,
			      ROW_PLAIN, -1);
		for (j = 0; j < xt->nname; j++)
			if (xt->name[j] == code)
				sp.dim_row[j] = (long)sp.nrow - 1;
		/* The county's 小计 after its last township. */
		if (ncounty > 1 && (i + 1 == xt->nname || strncmp(codes[i + 1], code, 6))) {
			size_t first = sp.nrow, m;

			while (first > 0 && sp.rows[first - 1].style == ROW_PLAIN &&
			       !strncmp(sp.rows[first - 1].key + 5, cc, 6))
				first--;
			snprintf(key, sizeof(key), "county:%s", cc);
			xspec_add_row(&sp, county ? county : cc, "小计", key, ROW_SUB, -1);
			for (m = first; m + 1 < sp.nrow; m++)
				sp.rows[m].parent = (long)sp.nrow - 1;
		}
	}
	xspec_add_row(&sp, "合计", "", "total", ROW_TOTAL, -1);
	sp.total = sp.nrow - 1;
	for (i = 0; i + 1 < sp.nrow; i++)
		if (sp.rows[i].parent < 0 && (ncounty == 1 || sp.rows[i].style == ROW_SUB))
			sp.rows[i].parent = (long)sp.total;

	xgrid_build(r, s, lv, n, xt, &sp, sdc, x);
	t = &r->t[x->ti];
	table_note(t, NOTE_BOTH,
		   "注：按发放对象所在村（社区）的统计用区划代码归入乡镇（街道）；人次为各笔发放覆盖人数之和，"
		   "各项目含城市、农村及其细分项目。合计列为财政社会救助各项目之和，合计行等于分项目汇总表合计。"
		   "支出按分精确汇总后四舍五入为万元（两位小数），合计由精确值计算。");
	if (ncounty > 1)
		table_note(t, NOTE_BOTH, "各区县小计为其所辖乡镇（街道）之和。");
	if (x->tcol + 1 < x->nc)
		table_note(t, NOTE_BOTH, "合计列不含列于其后的非财政社会救助项目。");
	if (r->yoy && cover_yoy_same(r, s))
		table_note(t, NOTE_BOTH,
			   "同比为合计人次、合计支出与上年同期同一乡镇（街道）比较，按精确值计算；上年无数据的为“—”。");
	else if (r->yoy) {
		struct cover now, before;

		/* build_slice() leaves the 同比 cells "—"; say why, as table 1 does. */
		cover_init(&now, s);
		cover_init(&before, r->prev->si[0].s);
		cover_yoy_note(r, t, &before, &now);
		cover_release(&now);
		cover_release(&before);
	}
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，报告期内领取人数少于%d人的单元格（人次和支出）以“*”代替；为防止由行、列合计或分项目汇总表推算出被隐去的数值，"
		   "另有部分单元格一并以“*”代替（次级隐藏）；同比数据在本年或上年相应数值被隐去时一并隐去。零值不属敏感数据，照常公布。",
		   r->o->k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");
	free(codes);
	xspec_release(&sp);
}
