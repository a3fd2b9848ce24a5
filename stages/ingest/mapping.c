/*
 * mapping.c - loads a mapping YAML (see mapping.h).
 *
 * Header names and labels are folded with norm_label() when loaded, and the
 * export's are folded when read, so a mapping written in Simplified matches
 * a Traditional export and （） matches ().
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "mapping.h"
#include "norm.h"
#include "period.h"
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
