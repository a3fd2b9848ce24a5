/*
 * quality.c - table 3, 数据质量表, from the stage summaries.
 *
 * rs-ingest and rs-validate each write a JSON summary per source:
 *   {"stage":"ingest","source":"tongan-2024.csv","rows_read":5380,
 *    "records":5347,"rejects":{"bad_id":6,...},...}
 * This file reads them with jansson (unknown keys of any shape are
 * ignored; size capped; a syntax error gives file, line and column, a
 * wrong value names its key) and lays out one row per source: rows read, records,
 * rejects by reason in SPEC.md section 3's order, valid records, and a
 * check that every row is accounted for (rows read = valid + rejects).
 *
 * A source is what --source LABEL groups (its ingest and its validate
 * summary, whatever file names they carry: a pipeline names the export
 * one way and validate's --source another); without labels, summaries
 * naming the same file are one source. A source lacking either summary
 * is 无法核对, never 一致, and so is the 合计 then. The table names a
 * source as a statistician does: its label (with --source-period, the
 * period in words), else the report's title when it is the only one,
 * else 来源1, 来源2 ...; the file names go to the internal set's note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include <jansson.h>

#include "canon.h"
#include "fileio.h"
#include "money.h"
#include "period.h"
#include "report.h"
#include "sbuf.h"
#include "xalloc.h"

#define SUMMARY_MAX ((size_t)1 << 20)
#define NSPEC_CODES (RJ_CONFLICTING_PROGRAMS + 1)
#define DASH "—"

/* One summary file, as parsed. */
struct summary {
	char *stage, *source;
	long rows_read, records;
	int have_rows, have_records;
	long rej[RJ__COUNT];
	long totals;             /* ingest: the export's own total rows */
	int have_tot;            /* total_export / total_computed given */
	int64_t tot_export, tot_computed;   /* fen */
	long accepted;           /* rows of a loss accepted for this run */
	long acc[RJ__COUNT];     /* the same by reason */
	char **xcode;            /* reasons not in canon.h */
	long *xn;
	size_t nx;
};

static void summary_release(struct summary *sm)
{
	size_t i;

	free(sm->stage);
	free(sm->source);
	for (i = 0; i < sm->nx; i++)
		free(sm->xcode[i]);
	free(sm->xcode);
	free(sm->xn);
	memset(sm, 0, sizeof(*sm));
}

/* A count: a whole number >= 0 (1.0 and 1e3 are not). */
static int count_of(const char *path, const char *what, const char *key,
		    json_t *v, long *out, struct rs_error *err)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;

	if (n < 0 || n > LONG_MAX)
		return rs_err(err, "bad summary '%s': %s'%.100s' must be a whole number >= 0 -- the summary was edited by hand or cut short; run the stage again",
			      path, what, key);
	*out = (long)n;
	return 0;
}

/* "rejects":{"bad_id":6,...}: by reason; a reason canon.h does not know
 * is kept under its code. */
static int load_rejects(struct summary *sm, const char *path, json_t *o,
			struct rs_error *err)
{
	const char *key;
	json_t *v;
	long n = 0;
	size_t i;
	int rc;

	json_object_foreach(o, key, v) {
		if (count_of(path, "rejects: ", key, v, &n, err))
			return -1;
		if ((rc = reject_code_lookup(key, strlen(key))) >= 0) {
			sm->rej[rc] += n;
			continue;
		}
		for (i = 0; i < sm->nx && strcmp(sm->xcode[i], key); i++)
			;
		if (i == sm->nx) {
			sm->xcode = xreallocarray(sm->xcode, sm->nx + 1, sizeof(*sm->xcode));
			sm->xn = xreallocarray(sm->xn, sm->nx + 1, sizeof(*sm->xn));
			sm->xcode[sm->nx] = xstrdup(key);
			sm->xn[sm->nx++] = 0;
		}
		sm->xn[i] += n;
	}
	return 0;
}

/* "loss_accepted":{"bad_amount":8706}: the gate's record of a loss the
 * run was told to accept (common/gate.h). */
static int load_accepted(struct summary *sm, const char *path, json_t *o,
			 struct rs_error *err)
{
	const char *key;
	json_t *v;
	long n = 0;
	int rc;

	json_object_foreach(o, key, v) {
		if (count_of(path, "loss_accepted: ", key, v, &n, err))
			return -1;
		sm->accepted += n;
		if ((rc = reject_code_lookup(key, strlen(key))) >= 0)
			sm->acc[rc] += n;
	}
	return 0;
}

/* "total_export":"1234.56": an amount in quotes, to the fen. */
static int load_amount(const char *path, const char *key, json_t *v,
		       int64_t *fen, struct rs_error *err)
{
	const char *s = json_string_value(v);

	if (!s || money_parse(s, json_string_length(v), MU_YUAN, fen) != MONEY_OK)
		return rs_err(err, "bad summary '%s': '%s' must be an amount in quotes, as \"1234.56\"",
			      path, key);
	return 0;
}

/* Reads one stage summary with jansson. Keys the table does not use, of
 * any shape, are ignored; a key given twice is an error. */
static int summary_load(struct summary *sm, const char *path, struct rs_error *err)
{
	json_error_t je;
	json_t *doc = NULL, *v;
	char *buf = NULL;
	size_t len;
	int ret = -1;

	memset(sm, 0, sizeof(*sm));
	if (rs_read_file(path, SUMMARY_MAX, &buf, &len, err))
		return -1;
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		rs_err(err, "bad summary '%s' at %d:%d: %s -- the summary was edited by hand or cut short; run the stage again",
		       path, je.line, je.column, je.text);
		goto out;
	}
	if (!json_is_object(doc)) {
		rs_err(err, "bad summary '%s': not a JSON object", path);
		goto out;
	}
	if (!json_is_string(v = json_object_get(doc, "stage"))) {
		rs_err(err, "bad summary '%s': no 'stage' string", path);
		goto out;
	}
	sm->stage = xstrdup(json_string_value(v));
	if ((v = json_object_get(doc, "source"))) {
		if (!json_is_string(v)) {
			rs_err(err, "bad summary '%s': 'source' must be a string", path);
			goto out;
		}
		sm->source = xstrdup(json_string_value(v));
	}
	if ((v = json_object_get(doc, "rows_read"))) {
		sm->have_rows = 1;
		if (count_of(path, "", "rows_read", v, &sm->rows_read, err))
			goto out;
	}
	if ((v = json_object_get(doc, "records"))) {
		sm->have_records = 1;
		if (count_of(path, "", "records", v, &sm->records, err))
			goto out;
	}
	if ((v = json_object_get(doc, "totals")) &&
	    count_of(path, "", "totals", v, &sm->totals, err))
		goto out;
	if ((v = json_object_get(doc, "total_export"))) {
		if (load_amount(path, "total_export", v, &sm->tot_export, err) ||
		    load_amount(path, "total_computed", json_object_get(doc, "total_computed"),
				&sm->tot_computed, err))
			goto out;
		sm->have_tot = 1;
	} else if (json_object_get(doc, "total_computed")) {
		rs_err(err, "bad summary '%s': 'total_computed' without 'total_export'", path);
		goto out;
	}
	if ((v = json_object_get(doc, "rejects"))) {
		if (!json_is_object(v)) {
			rs_err(err, "bad summary '%s': 'rejects' must be an object of counts by reason", path);
			goto out;
		}
		if (load_rejects(sm, path, v, err))
			goto out;
	}
	if ((v = json_object_get(doc, "loss_accepted"))) {
		if (!json_is_object(v)) {
			rs_err(err, "bad summary '%s': 'loss_accepted' must be an object of counts by reason", path);
			goto out;
		}
		if (load_accepted(sm, path, v, err))
			goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	free(buf);
	if (ret)
		summary_release(sm);
	return ret;
}

/* What the table shows for one source. */
struct qsrc {
	char *source;            /* the key: label and period, or the file name */
	char *label;             /* the --source label in words, or NULL */
	char *file[2];           /* the file names the summaries give */
	int has[2];              /* 0 ingest, 1 validate */
	long rows[2], records[2], rejected[2];
	long rej[RJ__COUNT];
	long accepted;
	long acc[2][RJ__COUNT];  /* accepted rows by stage and reason */
	long *xn;                /* per extra reason (struct qtab.xcode) */
	long totals;             /* the export's total rows (ingest) */
	int have_tot;
	int64_t tot_export, tot_computed;
};

struct qtab {
	struct qsrc *src;
	size_t nsrc;
	char **xcode;
	size_t nx;
};

static size_t extra_index(struct qtab *q, const char *code)
{
	size_t i;

	for (i = 0; i < q->nx; i++)
		if (!strcmp(q->xcode[i], code))
			return i;
	q->xcode = xreallocarray(q->xcode, q->nx + 1, sizeof(*q->xcode));
	q->xcode[q->nx] = xstrdup(code);
	for (i = 0; i < q->nsrc; i++) {
		q->src[i].xn = xreallocarray(q->src[i].xn, q->nx + 1, sizeof(long));
		q->src[i].xn[q->nx] = 0;
	}
	return q->nx++;
}

static int qtab_add(struct qtab *q, const struct summary *sm, const char *path,
		    const char *label, const char *lperiod, struct rs_error *err)
{
	struct qsrc *s = NULL;
	char key[1024];
	int st;
	size_t i;

	if (!strcmp(sm->stage, "ingest"))
		st = 0;
	else if (!strcmp(sm->stage, "validate"))
		st = 1;
	else {
		rs_warn("'%s' is a '%s' summary: only ingest and validate summaries go in the quality table; skipped",
			path, sm->stage);
		return 0;
	}
	if (!sm->source || !sm->have_rows || !sm->have_records)
		return rs_err(err, "bad summary '%s': a %s summary needs 'source', 'rows_read' and 'records'",
			      path, sm->stage);
	/* A label's key cannot be a file name's: it starts with a tab. */
	if (label)
		snprintf(key, sizeof(key), "\t%s\t%s", label, lperiod ? lperiod : "");
	else
		snprintf(key, sizeof(key), "%s", sm->source);
	for (i = 0; i < q->nsrc; i++)
		if (!strcmp(q->src[i].source, key))
			s = &q->src[i];
	if (!s) {
		q->src = xreallocarray(q->src, q->nsrc + 1, sizeof(*q->src));
		s = &q->src[q->nsrc++];
		memset(s, 0, sizeof(*s));
		s->source = xstrdup(key);
		s->xn = xcalloc(q->nx ? q->nx : 1, sizeof(long));
		if (label) {
			char lab[64] = "";
			struct period per;

			if (lperiod && !period_parse(lperiod, &per))
				period_label(&per, lab, sizeof(lab));
			snprintf(key, sizeof(key), "%s%s", label, lab);
			s->label = xstrdup(key);
		}
	}
	if (s->has[st])
		return rs_err(err, "second %s summary for source '%s' in '%s' (give each source its own --source LABEL)",
			      sm->stage, label ? label : sm->source, path);
	s->file[st] = xstrdup(sm->source);
	s->has[st] = 1;
	s->rows[st] = sm->rows_read;
	s->records[st] = sm->records;
	if (st == 0) {
		s->totals = sm->totals;
		s->have_tot = sm->have_tot;
		s->tot_export = sm->tot_export;
		s->tot_computed = sm->tot_computed;
	}
	s->accepted += sm->accepted;
	for (i = 0; i < RJ__COUNT; i++)
		s->acc[st][i] += sm->acc[i];
	for (i = 0; i < RJ__COUNT; i++) {
		s->rej[i] += sm->rej[i];
		s->rejected[st] += sm->rej[i];
	}
	for (i = 0; i < sm->nx; i++) {
		/* extra_index() grows every source's xn, s's included. */
		size_t x = extra_index(q, sm->xcode[i]);

		s->xn[x] += sm->xn[i];
		s->rejected[st] += sm->xn[i];
	}
	return 0;
}

/* The 核对 of a source: both stages there and every row accounted for. */
enum { Q_OK, Q_BAD, Q_UNKNOWN };
static const char *const q_check[] = { "一致", "不一致", "无法核对（缺少导入或校验的汇总）" };

static int src_check(const struct qsrc *s);

static int src_balanced(const struct qsrc *s)
{
	int i;

	for (i = 0; i < 2; i++)
		if (s->has[i] && s->rows[i] != s->records[i] + s->rejected[i] +
		    (i == 0 ? s->totals : 0))
			return 0;
	if (s->has[0] && s->has[1] && s->records[0] != s->rows[1])
		return 0;
	return 1;
}

static int src_check(const struct qsrc *s)
{
	if (!src_balanced(s))
		return Q_BAD;
	return s->has[0] && s->has[1] ? Q_OK : Q_UNKNOWN;
}

/*
 * r->loss_note: what a run was told to accept (--accept-loss), source by
 * source, stage and reason, with its share of the rows the stage read, so
 * that the bulletin and the page, not only this table, say that their
 * figures leave those rows out. NULL when no accepted reason lost a row.
 */
static void loss_note(struct report *r, const struct qtab *q)
{
	static const char *const stage_zh[2] = { "导入", "校验" };
	struct sbuf sb;
	size_t j, i;
	int st, n = 0;

	sbuf_init(&sb, 0);
	for (j = 0; j < q->nsrc; j++) {
		const struct qsrc *s = &q->src[j];

		for (st = 0; st < 2; st++)
			for (i = 0; i < RJ__COUNT; i++) {
				const char *zh = reject_code_zh(reject_code_name((enum reject_code)i));
				char pct[48];

				if (!s->acc[st][i])
					continue;
				if (s->rows[st] > 0)
					fmt_pct1(s->acc[st][i], s->rows[st], pct);
				else
					snprintf(pct, sizeof(pct), "—");
				sbuf_addf(&sb, "%s%s%s时有%ld行（占读入%ld行的%s%%）因“%s”被拒绝",
					  n++ ? "；" : "", s->label, stage_zh[st], s->acc[st][i],
					  s->rows[st], pct, zh ? zh : "其他原因");
			}
	}
	if (n) {
		struct sbuf out;

		sbuf_init(&out, 0);
		sbuf_addf(&out, "特别说明：本期数据含经确认接受的数据损失，%s；这些行未计入本报告的任何数字，"
			  "本次发布未按拒绝比例上限停止，请核实后使用。", sb.buf);
		free(r->loss_note);
		r->loss_note = sbuf_detach(&out, NULL);
	}
	sbuf_release(&sb);
}

static void set_count(struct table *t, size_t r, size_t c, int have, long v)
{
	if (have)
		table_setf(t, r, c, "%ld", v);
	else
		table_set(t, r, c, DASH);
}

int build_quality(struct report *r, struct rs_error *err)
{
	struct qtab q;
	struct summary sm;
	struct qsrc total;
	struct table *t;
	const char **cols = NULL;
	char **names = NULL;
	struct sbuf codes;
	int nother = 0;
	unsigned char show[RJ__COUNT];
	size_t i, j, ncols = 0, ti;
	char *heading;
	int ret = -1, all_ok = Q_OK, any_tot = 0, any_totrows = 0;

	memset(&q, 0, sizeof(q));
	memset(&total, 0, sizeof(total));
	sbuf_init(&codes, 0);
	for (i = 0; i < r->o->nquality; i++) {
		if (summary_load(&sm, r->o->quality[i], err))
			goto out;
		if (qtab_add(&q, &sm, r->o->quality[i], r->o->quality_label[i],
			     r->o->quality_period[i], err)) {
			summary_release(&sm);
			goto out;
		}
		summary_release(&sm);
	}
	/* SPEC.md's fifteen reasons always; later ones only when used. */
	for (i = 0; i < RJ__COUNT; i++) {
		show[i] = i < NSPEC_CODES;
		for (j = 0; j < q.nsrc && !show[i]; j++)
			show[i] = q.src[j].rej[i] != 0;
	}
	for (j = 0; j < q.nsrc; j++) {
		any_tot |= q.src[j].have_tot;
		any_totrows |= q.src[j].totals > 0;
	}
	cols = xcalloc(10 + RJ__COUNT + q.nx, sizeof(*cols));
	cols[ncols++] = "来源";
	cols[ncols++] = "读入行数";
	/* an export's own 合计/小计 rows are read, and neither records nor
	 * rejects: shown, so that the row adds up */
	if (any_totrows)
		cols[ncols++] = "合计小计行";
	cols[ncols++] = "入库记录";
	/* Readers see the reasons by name; the internal set's note adds the
	 * codes. A code without a name is 其他原因 (numbered if several). */
	names = xcalloc(RJ__COUNT + q.nx + 1, sizeof(*names));
	for (i = 0; i < RJ__COUNT + q.nx; i++) {
		const char *code = i < RJ__COUNT ? reject_code_name((enum reject_code)i) : q.xcode[i - RJ__COUNT];
		const char *zh = reject_code_zh(code);

		if (i < RJ__COUNT && !show[i])
			continue;
		if (zh)
			names[i] = xstrdup(zh);
		else {
			char buf[64];

			if (nother++)
				snprintf(buf, sizeof(buf), "其他原因%d", nother);
			else
				snprintf(buf, sizeof(buf), "其他原因");
			names[i] = xstrdup(buf);
		}
		cols[ncols++] = names[i];
		sbuf_addf(&codes, "%s%s＝%s", codes.len ? "，" : "", names[i], code);
	}
	cols[ncols++] = "拒绝合计";
	cols[ncols++] = "有效记录";
	cols[ncols++] = "核对";
	if (any_tot) {
		/* the export's own 合计 row against the sum of its rows */
		cols[ncols++] = "导出合计（元）";
		cols[ncols++] = "计算合计（元）";
		cols[ncols++] = "差额（元）";
	}

	heading = report_heading(r, NULL, "数据质量表");
	/* report_new_table() may move r->t: index it after the call. */
	ti = report_new_table(r);
	t = &r->t[ti];
	table_init(t, "quality", heading, cols, ncols, 1);
	free(heading);

	/* The 合计 row is a source like the others: stage figures are summed
	 * only when every source has that stage. */
	total.source = (char *)"合计";
	total.xn = xcalloc(q.nx ? q.nx : 1, sizeof(long));
	total.has[0] = total.has[1] = q.nsrc > 0;
	for (j = 0; j < q.nsrc; j++) {
		const struct qsrc *s = &q.src[j];

		for (i = 0; i < 2; i++) {
			total.has[i] &= s->has[i];
			total.rows[i] += s->rows[i];
			total.records[i] += s->records[i];
			total.rejected[i] += s->rejected[i];
		}
		for (i = 0; i < RJ__COUNT; i++)
			total.rej[i] += s->rej[i];
		for (i = 0; i < q.nx; i++)
			total.xn[i] += s->xn[i];
		total.totals += s->totals;
		/* the export's own totals add up only when every source has
		 * them: one source's 合计 is not the sum of all */
		total.have_tot = (j == 0 || total.have_tot) && s->have_tot;
		if (s->have_tot) {
			total.tot_export += s->tot_export;
			total.tot_computed += s->tot_computed;
		}
		i = (size_t)src_check(s);
		if (i == Q_BAD || (i == Q_UNKNOWN && all_ok == Q_OK))
			all_ok = (int)i;
	}
	/* How a statistician names each source (see the head of this file). */
	for (j = 0, i = 0; j < q.nsrc; j++) {
		char buf[64];

		if (q.src[j].label)
			continue;
		if (q.nsrc == 1 && r->title && *r->title) {
			q.src[j].label = xstrdup(r->title);
			continue;
		}
		snprintf(buf, sizeof(buf), "来源%zu", ++i);
		q.src[j].label = xstrdup(buf);
	}
	for (j = 0; j <= q.nsrc; j++) {
		const struct qsrc *s = j < q.nsrc ? &q.src[j] : &total;
		size_t tr = table_add_row(t), c = 0;
		int ok = s == &total ? all_ok : src_check(s);

		table_set(t, tr, c++, s == &total ? "合计" : s->label);
		set_count(t, tr, c++, s->has[0], s->rows[0]);
		if (any_totrows)
			set_count(t, tr, c++, s->has[0], s->totals);
		set_count(t, tr, c++, s->has[0] || s->has[1],
			  s->has[0] ? s->records[0] : s->rows[1]);
		for (i = 0; i < RJ__COUNT; i++)
			if (show[i])
				table_setf(t, tr, c++, "%ld", s->rej[i]);
		for (i = 0; i < q.nx; i++)
			table_setf(t, tr, c++, "%ld", s->xn[i]);
		table_setf(t, tr, c++, "%ld", s->rejected[0] + s->rejected[1]);
		set_count(t, tr, c++, s->has[1], s->records[1]);
		table_set(t, tr, c++, q_check[ok]);
		if (any_tot) {
			char a[32], b[32], d[32];
			table_set(t, tr, c++, s->have_tot ? money_fmt_yuan(s->tot_export, a) : DASH);
			table_set(t, tr, c++, s->have_tot ? money_fmt_yuan(s->tot_computed, b) : DASH);
			table_set(t, tr, c++, s->have_tot ?
				  money_fmt_yuan(s->tot_export - s->tot_computed, d) : DASH);
		}
	}
	if (any_tot)
		table_note(t, NOTE_BOTH,
			   "注：导出合计为源文件自带的合计（小计）行所列金额，计算合计为其所合计各行金额之和；合计行不计入入库记录与拒绝。"
			   "合计一行的导出合计只在每个来源都带合计行时列出。");
	if (any_totrows)
		table_note(t, NOTE_BOTH,
			   "注：读入行数含源文件自带的合计（小计）行，其行数见合计小计行列；读入行数等于合计小计行、入库记录与导入拒绝之和。");
	table_note(t, NOTE_BOTH,
		   "注：读入行数为源文件的数据行数（不含表头），入库记录为通过导入检查的记录数，有效记录为通过校验的记录数；"
		   "每行源数据或成为一条有效记录，或按第一个未通过的检查计入一种拒绝原因，被拒绝的行见各来源的退回清单。"
		   "核对列检查读入行数是否等于有效记录与拒绝合计之和，以及导入与校验两步的行数是否衔接。");
	table_note(t, NOTE_INTERNAL, "内部版：拒绝原因的代码为%s。", codes.buf ? codes.buf : "");
	loss_note(r, &q);
	if (r->loss_note)
		table_note(t, NOTE_BOTH, "%s", r->loss_note);
	sbuf_reset(&codes);
	for (j = 0; j < q.nsrc; j++)
		sbuf_addf(&codes, "%s%s＝%s（导入）、%s（校验）", j ? "；" : "", q.src[j].label,
			  q.src[j].file[0] ? q.src[j].file[0] : "无", q.src[j].file[1] ? q.src[j].file[1] : "无");
	if (q.nsrc)
		table_note(t, NOTE_INTERNAL, "内部版：各来源的文件为%s。", codes.buf);
	ret = 0;
out:
	for (i = 0; i < q.nsrc; i++) {
		free(q.src[i].source);
		free(q.src[i].label);
		free(q.src[i].file[0]);
		free(q.src[i].file[1]);
		free(q.src[i].xn);
	}
	free(q.src);
	for (i = 0; i < q.nx; i++)
		free(q.xcode[i]);
	free(q.xcode);
	free(total.xn);
	free(cols);
	if (names)
		for (i = 0; i < RJ__COUNT + q.nx; i++)
			free(names[i]);
	free(names);
	sbuf_release(&codes);
	return ret;
}
