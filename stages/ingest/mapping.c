/*
 * mapping.c - loads a mapping YAML (see mapping.h).
 *
 * Header names and labels are folded with norm_label() when loaded, and the
 * export's are folded when read, so a mapping written in Simplified matches
 * a Traditional export and （） matches ().
 *
 * Also what a mapping and its export tell together, for rs-ingest and the
 * runner's check alike: the header cell a mapping lacking a required
 * field most likely forgot (ingest_suggest_column), and an encoding the
 * export's first bytes contradict (mapping_check_input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "mapping.h"
#include "norm.h"
#include "period.h"
#include "rowsrc.h"
#include "xalloc.h"
#include "ydoc.h"

const char *const field_names[F__COUNT] = {
	"region_code", "id", "program", "area", "household_size", "persons",
	"period", "amount", "funding", "support_mode", "kind", "covers",
};

static char *fold(const char *s, struct rs_error *err)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (norm_label(s, strlen(s), &sb, err)) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

static int load_labels(const struct ydoc *doc, const struct ynode *map,
		       struct label_map *lm, const char *what,
		       int (*check)(const char *), struct rs_error *err)
{
	size_t i;

	if (!map)
		return 0;
	if (map->type != YNODE_MAP)
		return ynode_err(doc, map, err, "'%s' must map labels to codes", what);
	lm->from = xcalloc(map->n, sizeof(*lm->from));
	lm->to = xcalloc(map->n, sizeof(*lm->to));
	lm->line = xcalloc(map->n, sizeof(*lm->line));
	lm->col = xcalloc(map->n, sizeof(*lm->col));
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i), *v = ynode_val(map, i);
		if (v->type != YNODE_SCALAR)
			return ynode_err(doc, v, err, "the code for '%s' must be a single value",
					 k->scalar);
		if (check && check(v->scalar))
			return ynode_err(doc, v, err, "'%s' is not a valid %s code",
					 v->scalar, what);
		lm->from[lm->n] = fold(k->scalar, err);
		if (!lm->from[lm->n])
			return -1;
		lm->to[lm->n] = xstrdup(v->scalar);
		lm->line[lm->n] = v->line;
		lm->col[lm->n] = v->col;
		lm->n++;
	}
	return 0;
}

static int check_area(const char *s)
{
	return strcmp(s, "urban") && strcmp(s, "rural");
}

static int load_columns(struct mapping *m, const struct ydoc *doc,
			const struct ynode *cols, struct rs_error *err)
{
	size_t i;
	int f;

	if (!cols || cols->type != YNODE_MAP)
		return ynode_err(doc, cols ? cols : doc->root, err,
				 "'columns' must map canonical fields to header names or positions");
	for (i = 0; i < cols->n; i++) {
		const struct ynode *k = ynode_key(cols, i), *v = ynode_val(cols, i);
		for (f = 0; f < F__COUNT; f++)
			if (!strcmp(k->scalar, field_names[f]))
				break;
		if (!strcmp(k->scalar, "reversal"))   /* its earlier name */
			f = F_KIND;
		if (f == F__COUNT)
			return ynode_err(doc, k, err, "unknown canonical field '%s' (known: region_code, id, program, area, household_size, persons, period, amount, funding, support_mode, kind, covers)",
					 k->scalar);
		if (v->type != YNODE_SCALAR || !*v->scalar)
			return ynode_err(doc, v, err, "column for '%s' must be a header name or a number",
					 k->scalar);
		/* 'reversal' and 'kind' name one field: both given is a clash
		 * (and the first column's name would be lost) */
		if (m->line[f])
			return ynode_err(doc, k, err, "'%s' names the field 'kind' a second time ('reversal' is its earlier name); keep one",
					 k->scalar);
		m->line[f] = v->line;
		if (!v->quoted && strspn(v->scalar, "0123456789") == strlen(v->scalar)) {
			m->position[f] = strtol(v->scalar, NULL, 10);
			if (m->position[f] < 1 || m->position[f] > 10000)
				return ynode_err(doc, v, err, "column position must be from 1 to 10000");
		} else {
			m->column[f] = fold(v->scalar, err);
			if (!m->column[f])
				return -1;
		}
	}
	return 0;
}

/* sheets: all, or a list of sheet names (not with sheet:). */
static int parse_sheets(struct mapping *m, const struct ydoc *doc, int have_sheet,
			struct rs_error *err)
{
	const struct ynode *n = ynode_get(doc->root, "sheets");
	size_t i;

	if (!n)
		return 0;
	if (have_sheet)
		return ynode_err(doc, n, err,
				 "give sheet: (one sheet) or sheets: (several), not both");
	if (n->type == YNODE_SCALAR && !strcmp(n->scalar, "all")) {
		m->sheets_all = 1;
		return 0;
	}
	if (n->type != YNODE_SEQ || !n->n)
		return ynode_err(doc, n, err,
				 "sheets must be all (every visible sheet with the header) or a list of sheet names like [1月, 2月]");
	m->sheets = xcalloc(n->n, sizeof(*m->sheets));
	for (i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (it->type != YNODE_SCALAR || !*it->scalar)
			return ynode_err(doc, it, err,
					 "sheets must list sheet names, like [1月, 2月]");
		m->sheets[m->nsheets++] = xstrdup(it->scalar);
	}
	return 0;
}

int mapping_load(struct mapping *m, const char *path, struct rs_error *err)
{
	int lacks;

	if (mapping_load_lax(m, path, &lacks, err))
		return -1;
	if (lacks >= 0) {
		mapping_release(m);
		return -1;
	}
	return 0;
}

int mapping_load_lax(struct mapping *m, const char *path, int *lacks,
		     struct rs_error *err)
{
	static const char *const keys[] = {
		"source", "description", "encoding", "delimiter", "header_row",
		"amount_unit", "decimal_point", "columns", "programs", "areas",
		"reversal_marker", "backpay_marker", "sheet", "sheets", "date_order",
		"serial_dates", "total_mismatch", "max_reject_rate",
		"max_reject_rates", NULL
	};
	static const enum field_id required[] = {
		F_REGION, F_ID, F_PROGRAM, F_AREA, F_PERSONS, F_PERIOD, F_AMOUNT
	};
	struct ydoc doc;
	const char *enc = "auto", *delim = ",", *unit = "元", *marker = NULL,
		   *bmarker = NULL, *sheet = NULL, *order = "mdy", *serial = "none",
		   *mismatch = "fail";
	const struct ynode *hr;
	const struct ynode *dp;
	long header_row = 0;
	size_t i;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	*lacks = -1;
	gate_init(&m->gate);
	if (ydoc_load(&doc, path, err))
		return -1;
	if (!doc.root || doc.root->type != YNODE_MAP) {
		ynode_err(&doc, doc.root, err, "a mapping file must be a YAML mapping");
		goto out;
	}
	if (ynode_check_keys(&doc, doc.root, keys, err) ||
	    ynode_str(&doc, doc.root, "encoding", 0, &enc, err) ||
	    ynode_str(&doc, doc.root, "delimiter", 0, &delim, err) ||
	    ynode_str(&doc, doc.root, "sheet", 0, &sheet, err) ||
	    ynode_str(&doc, doc.root, "date_order", 0, &order, err) ||
	    ynode_str(&doc, doc.root, "serial_dates", 0, &serial, err) ||
	    ynode_str(&doc, doc.root, "total_mismatch", 0, &mismatch, err) ||
	    ynode_str(&doc, doc.root, "amount_unit", 0, &unit, err) ||
	    ynode_str(&doc, doc.root, "reversal_marker", 0, &marker, err) ||
	    ynode_str(&doc, doc.root, "backpay_marker", 0, &bmarker, err) ||
	    gate_parse(&m->gate, &doc, doc.root, err))
		goto out;
	m->path = xstrdup(path);
	hr = ynode_get(doc.root, "header_row");
	if (hr && !(hr->type == YNODE_SCALAR && !strcmp(hr->scalar, "auto"))) {
		char *end = NULL;
		if (hr->type == YNODE_SCALAR)
			header_row = strtol(hr->scalar, &end, 10);
		if (hr->type != YNODE_SCALAR || !*hr->scalar || *end ||
		    header_row < 1 || header_row > 1000) {
			ynode_err(&doc, hr, err,
				  "header_row must be auto or the header's record number from 1 to 1000 (blank lines not counted), not '%s'",
				  hr->type == YNODE_SCALAR ? hr->scalar : "a list");
			goto out;
		}
	}
	if (sheet)
		m->sheet = xstrdup(sheet);
	if (parse_sheets(m, &doc, sheet != NULL, err))
		goto out;
	if (!strcmp(order, "mdy"))
		m->date_flags = RS_DATE_MDY;
	else if (!strcmp(order, "dmy"))
		m->date_flags = RS_DATE_DMY;
	else if (strcmp(order, "ymd")) {
		ynode_err(&doc, ynode_get(doc.root, "date_order"), err,
			  "date_order must be mdy (3/1/2024 is 1 March), dmy (1 March is 1/3/2024) or ymd (neither form taken), not '%s'",
			  order);
		goto out;
	}
	if (!strcmp(serial, "1900"))
		m->date_flags |= RS_DATE_SERIAL1900;
	else if (!strcmp(serial, "1904"))
		m->date_flags |= RS_DATE_SERIAL1904;
	else if (strcmp(serial, "none")) {
		ynode_err(&doc, ynode_get(doc.root, "serial_dates"), err,
			  "serial_dates must be none, 1900 (Excel's usual system: 45352 is 2024-03-01) or 1904, not '%s'",
			  serial);
		goto out;
	}
	if (!strcmp(mismatch, "fail"))
		m->total_mismatch_fails = 1;
	else if (strcmp(mismatch, "warn")) {
		ynode_err(&doc, ynode_get(doc.root, "total_mismatch"), err,
			  "total_mismatch must be warn or fail, not '%s'", mismatch);
		goto out;
	}
	if (rs_encoding_parse(enc, &m->encoding)) {
		ynode_err(&doc, ynode_get(doc.root, "encoding"), err,
			  "unknown encoding '%s' (utf-8, utf-8-sig, gb18030, auto)", enc);
		goto out;
	}
	{
		const struct ynode *en = ynode_get(doc.root, "encoding");

		m->encoding_line = en ? en->line : 0;
		m->encoding_col = en ? en->col : 0;
	}
	if (!strcmp(delim, "\\t") || !strcmp(delim, "tab"))
		delim = "\t";
	if (strlen(delim) != 1) {
		ynode_err(&doc, ynode_get(doc.root, "delimiter"), err,
			  "the delimiter must be one ASCII character");
		goto out;
	}
	m->delim = (unsigned char)delim[0];
	m->header_row = header_row;
	if (ynode_get(doc.root, "amount_unit"))
		m->unit_line = ynode_get(doc.root, "amount_unit")->line;
	if (!strcmp(unit, "元") || !strcmp(unit, "yuan"))
		m->unit = MU_YUAN;
	else if (!strcmp(unit, "万元") || !strcmp(unit, "wan"))
		m->unit = MU_WAN;
	else if (!strcmp(unit, "分") || !strcmp(unit, "fen"))
		m->unit = MU_FEN;
	else {
		ynode_err(&doc, ynode_get(doc.root, "amount_unit"), err,
			  "amount_unit must be 元, 万元 or 分, not '%s'", unit);
		goto out;
	}
	dp = ynode_get(doc.root, "decimal_point");
	if (dp) {
		struct sbuf sb;
		size_t n = dp->type == YNODE_SEQ ? dp->n : 1;
		sbuf_init(&sb, 0);
		for (i = 0; i < n; i++) {
			const struct ynode *v = dp->type == YNODE_SEQ ? dp->items[i] : dp;
			if (v->type != YNODE_SCALAR || !*v->scalar) {
				sbuf_release(&sb);
				ynode_err(&doc, v, err, "decimal_point must be a character or a list of them");
				goto out;
			}
			sbuf_add(&sb, v->scalar, strlen(v->scalar) + 1);
		}
		m->ndecimal = n;
		m->decimal_points = sbuf_detach(&sb, NULL);
	}
	if (load_columns(m, &doc, ynode_get(doc.root, "columns"), err))
		goto out;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!m->column[required[i]] && !m->position[required[i]]) {
			ynode_err(&doc, ynode_get(doc.root, "columns"), err,
				  "'columns' lacks the required field '%s': add `%s: NAME` under `columns:`, NAME being the export's header for it",
				  field_names[required[i]], field_names[required[i]]);
			*lacks = (int)required[i];
			break;
		}
	}
	if (load_labels(&doc, ynode_get(doc.root, "programs"), &m->programs,
			"program", NULL, err) ||
	    load_labels(&doc, ynode_get(doc.root, "areas"), &m->areas, "area",
			check_area, err))
		goto out;
	if (marker && !(m->reversal_marker = fold(marker, err)))
		goto out;
	if (bmarker && !(m->backpay_marker = fold(bmarker, err)))
		goto out;
	if ((marker || bmarker) && !m->column[F_KIND] && !m->position[F_KIND]) {
		ynode_err(&doc, doc.root, err,
			  "a reversal_marker or backpay_marker needs the column that holds it: columns: {kind: ...}");
		goto out;
	}
	if (bmarker && !m->column[F_COVERS] && !m->position[F_COVERS]) {
		ynode_err(&doc, doc.root, err,
			  "a backpay_marker needs the column of the months a back-payment covers: columns: {covers: ...}");
		goto out;
	}
	ret = 0;
out:
	ydoc_release(&doc);
	if (ret)
		mapping_release(m);
	return ret;
}

static void label_map_release(struct label_map *lm)
{
	size_t i;

	for (i = 0; i < lm->n; i++) {
		free(lm->from[i]);
		free(lm->to[i]);
	}
	free(lm->from);
	free(lm->to);
	free(lm->line);
	free(lm->col);
}

void mapping_release(struct mapping *m)
{
	size_t i;
	int f;

	for (f = 0; f < F__COUNT; f++)
		free(m->column[f]);
	label_map_release(&m->programs);
	label_map_release(&m->areas);
	free(m->decimal_points);
	free(m->reversal_marker);
	free(m->backpay_marker);
	free(m->path);
	free(m->sheet);
	for (i = 0; i < m->nsheets; i++)
		free(m->sheets[i]);
	free(m->sheets);
	memset(m, 0, sizeof(*m));
}

const char *label_map_find(const struct label_map *lm, const char *label)
{
	size_t i;

	for (i = 0; i < lm->n; i++)
		if (!strcmp(lm->from[i], label))
			return lm->to[i];
	return NULL;
}

int mapping_check(const struct mapping *m, const struct catalog *cat,
		  struct sbuf *out)
{
	size_t i;
	int n = 0;

	for (i = 0; i < m->programs.n; i++) {
		if (catalog_find(cat, m->programs.to[i]))
			continue;
		const struct program *near = catalog_nearest(cat, m->programs.to[i]);

		sbuf_addf(out, "'%s':%ld:%ld: the label '%s' is mapped to program '%s', which is not in the catalog: its rows would be rejected as unknown_program; ",
			  m->path, m->programs.line[i], m->programs.col[i],
			  m->programs.from[i], m->programs.to[i]);
		if (near)
			sbuf_addf(out, "did you mean '%s'?\n", near->code);
		else
			sbuf_adds(out, "use a catalog code (or add the program with --catalog)\n");
		n++;
	}
	return n;
}

const struct program *mapping_program(const struct mapping *m,
				      const struct catalog *cat,
				      const char *label)
{
	const char *code = label_map_find(&m->programs, label);

	if (code)
		return catalog_find(cat, code);
	return catalog_lookup_label(cat, label);
}

const char *mapping_area(const struct mapping *m, const char *label)
{
	const char *a = label_map_find(&m->areas, label);

	if (a)
		return a;
	if (!strcmp(label, "城镇") || !strcmp(label, "城市") ||
	    !strcmp(label, "城区") || !strcmp(label, "urban"))
		return "urban";
	if (!strcmp(label, "农村") || !strcmp(label, "乡村") ||
	    !strcmp(label, "rural"))
		return "rural";
	return NULL;
}

/*
 * The export's header cell a mapping most likely forgot (mapping.h,
 * ingest_suggest_column): a mapping without `amount:` is told "add
 * `amount: 发放金额（元）`", the header that is there, rather than only
 * that the key is missing. Here, not in the stage, so that the runner's
 * check (which links this file, not the stage) says the same as
 * rs-ingest.
 */
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

int mapping_check_input(const struct mapping *m, const char *input, struct sbuf *out)
{
	unsigned char b[3];
	FILE *f;
	size_t got;

	if (m->encoding != RS_ENC_GB18030 || !(f = fopen(input, "rb")))
		return 0;
	got = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (got < 3 || b[0] != 0xEF || b[1] != 0xBB || b[2] != 0xBF)
		return 0;
	sbuf_addf(out, "'%s':%ld:%ld: the export '%s' starts with a UTF-8 byte order mark "
		  "(EF BB BF): it is UTF-8, not GB18030, and read as GB18030 its header "
		  "would not match; set `encoding: utf-8` (or auto)\n",
		  m->path, m->encoding_line, m->encoding_col, input);
	return 1;
}
