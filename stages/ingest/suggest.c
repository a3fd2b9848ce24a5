/*
 * suggest.c - the export's header cell a mapping most likely forgot (see
 * ingest.h, ingest_suggest_column): a mapping without `amount:` is told
 * "add `amount: 发放金额（元）`", the header that is there, rather than
 * only that the key is missing.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "norm.h"
#include "rowsrc.h"
#include "xalloc.h"

/* Records looked at for the header, as ingest's header search does. */
#define SUGGEST_RECORDS 30

/* Common header names per required field, folded (Simplified, ASCII
 * brackets), best first; a name also matches as the head of a cell that
 * goes on with a bracket: 发放金额(元), 金额(万元). The same names
 * rs-draft matches (stages/draft/draft.c), for the fields ingest
 * requires. */
static const char *const n_region[] = { "行政区划代码", "区划代码", "统计用区划代码",
	"行政区划", "村(社区)代码", "村社区代码", "地区代码", "区域代码", NULL };
static const char *const n_id[] = { "身份证号码", "身份证号", "证件号码", "证件号",
	"公民身份号码", "身份证件号码", "户主身份证号码", "户主身份证号", "身份证", NULL };
static const char *const n_program[] = { "救助类别", "救助类型", "救助项目", "保障类别",
	"救助种类", "项目名称", "补贴类别", "补贴类型", "项目类别", "类别", NULL };
static const char *const n_area[] = { "城乡属性", "城乡类别", "城乡类型", "城乡",
	"户籍类别", "户籍性质", "城乡标识", NULL };
static const char *const n_persons[] = { "保障人数", "享受人数", "救助人数",
	"保障人口", "享受人口", "人数", NULL };
static const char *const n_period[] = { "发放年月", "所属年月", "发放月份", "发放月度",
	"救助年月", "年月", "发放时间", "发放日期", "所属期", "月份", NULL };
static const char *const n_amount[] = { "发放金额", "救助金额", "补助金额", "实发金额",
	"发放资金", "金额", NULL };

static const char *const *names_of(int field)
{
	switch (field) {
	case F_REGION: return n_region;
	case F_ID: return n_id;
	case F_PROGRAM: return n_program;
	case F_AREA: return n_area;
	case F_PERSONS: return n_persons;
	case F_PERIOD: return n_period;
	case F_AMOUNT: return n_amount;
	}
	return NULL;
}

struct sctx {
	const struct mapping *m;
	int field;
	long records;
	int best_named;          /* mapping columns in the best record */
	int best_rank;           /* its cell's rank: lower is better */
	char *cell;              /* that cell, as read */
	long col, line;
	struct sbuf fold;
};

/* The rank of a folded cell for the field (2 * the name's index, + 1 for
 * a name followed by a bracket), or -1. */
static int rank_of(const char *const *names, const char *cell)
{
	int j;

	for (j = 0; names[j]; j++) {
		size_t l = strlen(names[j]);

		if (!strcmp(cell, names[j]))
			return 2 * j;
		if (!strncmp(cell, names[j], l) && cell[l] == '(')
			return 2 * j + 1;
	}
	return -1;
}

static int on_record(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct sctx *s = vctx;
	const char *const *names = names_of(s->field);
	int named = 0, best = -1, f;
	size_t i, at = 0;

	if (!row->raw_len)
		return 0;
	for (i = 0; i < row->n; i++) {
		int taken = 0, r;

		sbuf_reset(&s->fold);
		if (norm_label(row->f[i].p, row->f[i].len, &s->fold, err))
			return -1;
		if (!s->fold.buf)
			continue;
		for (f = 0; f < F__COUNT; f++)
			if (s->m->column[f] && !strcmp(s->m->column[f], s->fold.buf))
				taken = 1;
		named += taken;
		r = taken ? -1 : rank_of(names, s->fold.buf);
		if (r >= 0 && (best < 0 || r < best)) {
			best = r;
			at = i;
		}
	}
	if (best >= 0 && (!s->cell || named > s->best_named ||
			  (named == s->best_named && best < s->best_rank))) {
		free(s->cell);
		s->cell = xstrndup(row->f[at].p, row->f[at].len);
		s->col = (long)at + 1;
		s->line = row->line;
		s->best_named = named;
		s->best_rank = best;
	}
	if (++s->records >= SUGGEST_RECORDS)
		return rs_err(err, "enough records");   /* stop reading */
	return 0;
}

int ingest_suggest_column(const struct mapping *m, const char *input, int field,
			  struct sbuf *out)
{
	struct rowsrc_opts ro;
	struct rs_error err;
	struct sctx s;
	int ret = 0;

	if (!names_of(field))
		return 0;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.field = field;
	sbuf_init(&s.fold, 0);
	memset(&ro, 0, sizeof(ro));
	ro.csv.encoding = m->encoding;
	ro.csv.delim = m->delim;
	ro.sheet = m->sheet ? m->sheet : m->nsheets ? m->sheets[0] : NULL;
	/* its error is "enough records", or the file unreadable: either
	 * way what was seen is all there is to go on */
	rowsrc_read(input, &ro, on_record, &s, NULL, &err);
	if (s.cell) {
		sbuf_addf(out, "the export's header (line %ld) has '%s' in column %ld: add `%s: %s` under `columns:`",
			  s.line, s.cell, s.col, field_names[field], s.cell);
		ret = 1;
	}
	free(s.cell);
	sbuf_release(&s.fold);
	return ret;
}
