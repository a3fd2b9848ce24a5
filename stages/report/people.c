/*
 * people.c - table 5, 保障对象情况表: who the monthly programs' people are
 * and how many came and went.
 *
 * One row per row of table 1 whose leaves are all monthly programs (the
 * same labels, areas and roll-ups, so the two tables read side by side),
 * with: 保障人数（累计） as table 1 shows it; the 其中 lines of 保障人数 for
 * 低保 and 特困 (distinct women, people 60 or over and children under 18,
 * by age at any payment in the period; "—" for other programs); and
 * 当月新增 / 当月退出 households and persons summed over the period's
 * months (accum_flows), headed 新增户数（报告期内合计） and so on, since
 * they are not one month's. A roll-up counts its union again: a person in two
 * children is one person in their parent, and a move between them is no
 * flow of the parent, as in rs-aggregate's groups.
 *
 * Suppression: each count is a unit of its own (the flows' households and
 * persons together), sensitive when it counts 1 to k-1 beneficiaries;
 * along table 1's roll-ups, parent = children is treated as a relation,
 * as distinct counts are in table 1 (people rarely sit in two children),
 * so a hidden child is never left alone under its parent. 保障人数 repeats
 * table 1 and is hidden with its row there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

static const char *const cols[QC_NCOLS] = {
	"项目", "城乡", "累计保障人数", "其中：女性", "其中：老年人（60岁及以上）",
	"其中：未成年人（18岁以下）", "新增户数（报告期内合计）", "新增人数（报告期内合计）",
	"退出户数（报告期内合计）", "退出人数（报告期内合计）",
};
#define DASH "—"
#define NO_UNIT ((size_t)-1)

/* 1 if every leaf of table 1's row i is a monthly program. */
static int row_monthly(const struct ptab *p, const struct leaf *lv, size_t i)
{
	size_t j;

	if (!p->nleaf[i])
		return 0;
	for (j = 0; j < p->nleaf[i]; j++)
		if (lv[p->leaf[i][j]].prog->recurrence != REC_MONTHLY)
			return 0;
	return 1;
}

/* The 其中 lines are those of 低保 and 特困 (DOMAIN.md section 1). */
static int has_of_which(const struct program *root)
{
	return root && (!strcmp(root->code, "dibao") || !strcmp(root->code, "tekun"));
}

/* 1 if some leaf of table 1's row i is paid per household or either way:
 * its IDs are households', so the 其中 lines, derived from the ID, would
 * describe household heads, not the persons covered (SPEC.md section 4). */
static int row_household(const struct ptab *p, const struct leaf *lv, size_t i)
{
	size_t j;

	for (j = 0; j < p->nleaf[i]; j++)
		if (lv[p->leaf[i][j]].g->grain != GRAIN_PERSON)
			return 1;
	return 0;
}

/* Distinct members of one set (which: 0 女性, 1 老年人, 2 未成年人) over
 * the row's leaves. */
static int64_t union_count(const struct leaf *lv, const size_t *idx, size_t n,
			   int which)
{
	const struct benbits **src;
	unsigned char *mask;
	size_t i;
	int64_t c;

	if (n == 1)
		return lv[idx[0]].g->nkind[which];
	src = xcalloc(n, sizeof(*src));
	mask = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		src[i] = &lv[idx[i]].g->ben;
		mask[i] = (unsigned char)(1 << which);
	}
	c = (int64_t)benbits_union_count(src, mask, n);
	free(src);
	free(mask);
	return c;
}

static size_t count_unit(struct sdc *sdc, int64_t n, int k)
{
	return sdc_unit(sdc, n, n != 0, n < k);
}

/* The counties of cover c whose data (accum.cty) starts in month ym,
 * into sel. Returns how many. */
static size_t counties_from(const struct report *r, const struct cover *c,
			    int ym, struct cover *sel)
{
	size_t i;

	memset(sel, 0, sizeof(*sel));
	sel->code = xcalloc(c->n ? c->n : 1, sizeof(*sel->code));
	for (i = 0; i < c->n; i++) {
		const struct cspan *sp = accum_county(&r->acc, c->code[i]);

		if (sp && sp->first == ym)
			sel->code[sel->n++] = xstrdup(c->code[i]);
	}
	return sel->n;
}

/*
 * The slice's first month is judged against the month before, which the
 * file holds. In a merged file it may hold it for some counties only: a
 * county whose data starts with this slice has no month to compare its
 * first with, so, as in a report of that county alone, its flows of that
 * month are not counted (accum_flows) and the note says which counties.
 */
static void first_month_note(struct report *r, const struct slice *s,
			     struct table *t, const char *first,
			     const char *month_before)
{
	struct cover now, miss;

	cover_init(&now, s);
	if (counties_from(r, &now, s->per.first, &miss)) {
		struct sbuf w;

		sbuf_init(&w, 1 << 16);
		cover_words(r, &miss, NULL, &w);
		table_note(t, NOTE_BOTH,
			   "%s的新增、退出与%s比较；%s无%s数据（期初未知），其%s的新增、退出未计算，自次月起计。",
			   first, month_before, w.buf, month_before, first);
		sbuf_release(&w);
	} else {
		table_note(t, NOTE_BOTH, "%s的新增、退出与%s比较。", first, month_before);
	}
	cover_release(&miss);
	cover_release(&now);
}

/* Appends "NAME自M起" (which 'F': its first month) or "NAME至M止" ('L':
 * its last) for each county of c whose data starts after the slice's
 * first month, or ends before its last; returns how many. */
static size_t span_words(const struct report *r, const struct slice *s,
			 const struct cover *c, int which, struct sbuf *w)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++) {
		const struct cspan *sp = accum_county(&r->acc, c->code[i]);
		struct period p;
		char m[64];

		if (!sp || sp->first < 0)
			continue;
		if (which == 'F' ? !(sp->first > s->per.first && sp->first <= s->per.last) :
		    !(sp->last < s->per.last && sp->last >= s->per.first))
			continue;
		p.first = p.last = which == 'F' ? sp->first : sp->last;
		period_label(&p, m, sizeof(m));
		if (n++)
			sbuf_adds(w, "、");
		cover_county_name(r, c->code[i], w);
		sbuf_addf(w, which == 'F' ? "自%s起" : "至%s止", m);
	}
	return n;
}

/*
 * Counties whose data starts after the slice's first month, or ends
 * before its last: their first month's flows, and the exits after their
 * last month, are not counted (accum_flows); said here, so that no
 * county's missing months read as everyone coming or going.
 */
static void county_span_notes(struct report *r, const struct slice *s,
			      struct table *t)
{
	struct cover now;
	struct sbuf w;

	cover_init(&now, s);
	sbuf_init(&w, 1 << 16);
	if (span_words(r, s, &now, 'F', &w))
		table_note(t, NOTE_BOTH, "%s有数据，其首月的新增、退出未计算（期初未知）。", w.buf);
	sbuf_reset(&w);
	if (span_words(r, s, &now, 'L', &w))
		table_note(t, NOTE_BOTH, "%s有数据，其后各月的退出未计算。", w.buf);
	sbuf_release(&w);
	cover_release(&now);
}

void build_people(struct report *r, const struct slice *s,
		  const struct leaf *lv, size_t n, struct sdc *sdc,
		  const struct ptab *p, struct peopletab *q)
{
	const struct table *t1;
	struct table *t;
	char *heading, *stem, **label, **area;
	const struct group **gv;
	size_t i, j, row;
	int64_t ben;
	int any_hh = 0;

	memset(q, 0, sizeof(*q));
	q->ti = (size_t)-1;
	q->prow = xcalloc(p->nrows ? p->nrows : 1, sizeof(*q->prow));
	for (i = 0; i < p->nrows; i++)
		if (i != p->total && row_monthly(p, lv, i))
			q->prow[q->nrows++] = i;
	if (!q->nrows)
		return;
	/* Table 1's labels, copied before a new table may move r->t. */
	t1 = &r->t[p->ti];
	label = xcalloc(q->nrows, sizeof(*label));
	area = xcalloc(q->nrows, sizeof(*area));
	for (i = 0; i < q->nrows; i++) {
		label[i] = xstrdup(t1->cells[q->prow[i] * t1->ncols + PC_NAME].text);
		area[i] = xstrdup(t1->cells[q->prow[i] * t1->ncols + PC_AREA].text);
	}
	heading = report_heading(r, s, "保障对象情况表");
	stem = report_stem(r, s, "people");
	q->ti = report_new_table(r);
	t = &r->t[q->ti];
	table_init(t, stem, heading, cols, QC_NCOLS, 2);
	free(heading);
	free(stem);
	q->unit = xcalloc(q->nrows * QU_PER_ROW, sizeof(*q->unit));
	gv = xcalloc(n + 1, sizeof(*gv));
	for (i = 0; i < q->nrows; i++) {
		size_t pr = q->prow[i], *u = &q->unit[i * QU_PER_ROW];
		const struct program *root = p->root[pr];
		struct flows fl;

		row = table_add_row(t);
		table_set(t, row, QC_NAME, label[i]);
		table_set(t, row, QC_AREA, area[i]);
		table_set_style(t, row, p->kind[pr] == PR_LEAF ? ROW_PLAIN : ROW_SUB);
		{
			char key[600];
			snprintf(key, sizeof(key), "%s\t%s", label[i], area[i]);
			table_set_key(t, row, key);
		}
		ben = r->t[p->ti].cells[pr * r->t[p->ti].ncols + PC_BEN].v;
		table_set_count(t, row, QC_BEN, ben);
		for (j = 0; j < 3; j++) {
			if (!has_of_which(root) || row_household(p, lv, pr)) {
				if (has_of_which(root))
					any_hh = 1;
				table_set(t, row, QC_FEMALE + j, DASH);
				u[j] = NO_UNIT;
				continue;
			}
			int64_t c = union_count(lv, p->leaf[pr], p->nleaf[pr], (int)j);
			table_set_count(t, row, QC_FEMALE + j, c);
			u[j] = count_unit(sdc, c, r->o->k);
		}
		for (j = 0; j < p->nleaf[pr]; j++)
			gv[j] = lv[p->leaf[pr][j]].g;
		accum_flows(&r->acc, s, gv, p->nleaf[pr], &fl);
		table_set_count(t, row, QC_NEW_H, fl.new_households);
		table_set_count(t, row, QC_NEW_P, fl.new_persons);
		table_set_count(t, row, QC_EXIT_H, fl.exit_households);
		table_set_count(t, row, QC_EXIT_P, fl.exit_persons);
		u[3] = sdc_unit(sdc, fl.new_households, fl.new_households || fl.new_persons,
				fl.new_households < r->o->k);
		u[4] = sdc_unit(sdc, fl.exit_households, fl.exit_households || fl.exit_persons,
				fl.exit_households < r->o->k);
	}
	/* Along table 1's roll-ups: each column's parent against its
	 * children (see the head of this file). */
	for (i = 0; i < q->nrows; i++) {
		for (j = 0; j < QU_PER_ROW; j++) {
			size_t c, nk = 0;

			if (q->unit[i * QU_PER_ROW + j] == NO_UNIT)
				continue;
			for (c = 0; c < q->nrows; c++)
				if (p->parent[q->prow[c]] == (long)q->prow[i] &&
				    q->unit[c * QU_PER_ROW + j] != NO_UNIT)
					nk++;
			if (!nk)
				continue;
			sdc_line(sdc, q->unit[i * QU_PER_ROW + j], SDC_PEOPLE);
			for (c = 0; c < q->nrows; c++)
				if (p->parent[q->prow[c]] == (long)q->prow[i] &&
				    q->unit[c * QU_PER_ROW + j] != NO_UNIT)
					sdc_member(sdc, q->unit[c * QU_PER_ROW + j]);
		}
	}
	{
		char first[64], second[64], month_before[64];
		struct period f = { s->per.first, s->per.first };
		struct period f2 = { s->per.first + 1, s->per.first + 1 };
		struct period b = { s->per.first - 1, s->per.first - 1 };
		int judged_first = r->acc.pay_first >= 0 && s->per.first > r->acc.pay_first &&
				   s->per.first <= r->acc.pay_last;

		period_label(&f, first, sizeof(first));
		period_label(&f2, second, sizeof(second));
		period_label(&b, month_before, sizeof(month_before));
		table_note(t, NOTE_BOTH,
			   "注：本表列按月发放的项目。累计保障人数同分项目汇总表；其中女性、老年人（60岁及以上）、未成年人（18岁以下）"
			   "为报告期内领取过待遇的不重复人员，按身份证号码判断性别，年龄按各次发放当月月末计算，报告期内曾满足即计入；仅列特困人员等按人发放的项目。");
		if (any_hh)
			table_note(t, NOTE_BOTH,
				   "按户发放的项目（如最低生活保障）以户主身份证号码登记，发放数据未列出家庭成员，无法按成员统计性别和年龄，其中各项以“—”表示。");
		/* The columns hold sums over the period's months, not one
		 * month's flow: the headings say so, and this says of what. */
		table_note(t, NOTE_BOTH,
			   "新增户数、人数为报告期内各月当月新增之和，退出户数、人数为各月当月退出之和：当月新增为某月领取待遇而上月未领取的对象，"
			   "当月退出为上月领取而某月未领取的对象，户数为对象数，人数为该月（退出为上月）发放覆盖的人数。"
			   "上级项目和小计按不重复对象重新计算，对象在下级项目之间转移不计新增、退出。");
		/* Said of what the flows were computed from (this report's
		 * data), which stays true when a previous year was given for
		 * 同比 only: that year's data is not used for the flows. */
		if (judged_first)
			first_month_note(r, s, t, first, month_before);
		else if (s->per.first < s->per.last)
			table_note(t, NOTE_BOTH,
				   "%s的新增、退出未计算（未与%s比较），表中新增、退出自%s起计。",
				   first, month_before, second);
		else
			table_note(t, NOTE_BOTH, "%s的新增、退出未计算（未与%s比较）。",
				   first, month_before);
		county_span_notes(r, s, t);
	}
	table_note(t, NOTE_PUBLISHED,
		   "为保护个人隐私，涉及人数少于%d人的单元格以“*”代替；为防止由上级项目、小计推算出被隐去的数值，"
		   "另有部分单元格一并以“*”代替（次级隐藏）。零值不属敏感数据，照常公布。",
		   r->o->k);
	table_note(t, NOTE_INTERNAL, "内部版：未作小数值隐藏，仅供内部核对使用，不得对外公布。");
	for (i = 0; i < q->nrows; i++) {
		free(label[i]);
		free(area[i]);
	}
	free(label);
	free(area);
	free(gv);
}

void people_apply(struct report *r, const struct peopletab *q,
		  const struct ptab *p, const struct sdc *sdc)
{
	struct table *t;
	size_t i;

	if (q->ti == (size_t)-1)
		return;
	t = &r->t[q->ti];
	for (i = 0; i < q->nrows; i++) {
		const size_t *u = &q->unit[i * QU_PER_ROW];
		size_t j;

		if (sdc->hidden[p->unit[q->prow[i]]])
			table_hide(t, i, QC_BEN);
		for (j = 0; j < 3; j++)
			if (u[j] != NO_UNIT && sdc->hidden[u[j]])
				table_hide(t, i, QC_FEMALE + j);
		if (sdc->hidden[u[3]]) {
			table_hide(t, i, QC_NEW_H);
			table_hide(t, i, QC_NEW_P);
		}
		if (sdc->hidden[u[4]]) {
			table_hide(t, i, QC_EXIT_H);
			table_hide(t, i, QC_EXIT_P);
		}
	}
}

void peopletab_release(struct peopletab *q)
{
	free(q->prow);
	free(q->unit);
	memset(q, 0, sizeof(*q));
}
