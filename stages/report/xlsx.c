/*
 * xlsx.c - report.xlsx through libxlsxwriter: the one file that knows it.
 *
 * A sheet per table (分项目汇总表, 分地区汇总表 ...; with --by-year the year
 * follows the name): the heading in A1, the column headers in row 2, the
 * rows, then the notes. Cells hold what the CSV holds: a figure as a
 * number with the format that shows exactly its text (counts "#,##0",
 * 万元 and 元 "0.00", per cent "0.0"), anything else ("—", "*" for a hidden
 * cell, names) as text. Headers are frozen, 小计 and 合计 rows bold.
 * A column is as wide as its longest cell (a CJK character counting as
 * two), its header wrapping onto up to HEAD_LINES lines, so that a column
 * of short figures under a long header stays narrow. The page prints on
 * A4 landscape, headers and label columns repeated, page numbers in the
 * footer, at a fixed scale (recorded in the file, so it can be checked):
 * the largest that fits the sheet's width on one page, and never below
 * SCALE_MIN: a wider sheet continues on a second page across.
 *
 * Reruns must be byte-identical: libxlsxwriter 1.1.4 stamps the zip
 * entries with a fixed date, and the one clock it reads, the document's
 * creation time, is set here: $SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the first moment after the
 * report's last month, in UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

#include "report.h"

#define WIDTH_MIN 6
#define WIDTH_MAX 60
#define HEAD_LINES 3
#define SCALE_MIN 60
/* A4 landscape less the default margins (0.7 in a side), in mm */
#define PRINT_WIDTH_MM 261.0

enum { F_TEXT, F_TEXT_RIGHT, F_DEC0, F_DEC1, F_DEC2, F_DEC3, F_DEC4, F_NKIND };

struct xfmt {
	lxw_workbook *wb;
	lxw_format *cell[F_NKIND][2];    /* [kind][bold] */
	lxw_format *title, *head, *note;
};

static lxw_format *new_cell_format(lxw_workbook *wb, int kind, int bold)
{
	/* one number style: thousands separated, whatever the decimals */
	static const char *const num[] = { NULL, NULL, "#,##0", "#,##0.0", "#,##0.00",
					   "#,##0.000", "#,##0.0000" };
	lxw_format *f = workbook_add_format(wb);

	format_set_border(f, LXW_BORDER_THIN);
	format_set_font_size(f, 10);
	if (num[kind])
		format_set_num_format(f, num[kind]);
	if (kind != F_TEXT)
		format_set_align(f, LXW_ALIGN_RIGHT);
	if (bold)
		format_set_bold(f);
	return f;
}

static void formats_init(struct xfmt *x, lxw_workbook *wb)
{
	int k, b;

	x->wb = wb;
	for (k = 0; k < F_NKIND; k++)
		for (b = 0; b < 2; b++)
			x->cell[k][b] = new_cell_format(wb, k, b);
	x->title = workbook_add_format(wb);
	format_set_bold(x->title);
	format_set_font_size(x->title, 14);
	x->head = workbook_add_format(wb);
	format_set_bold(x->head);
	format_set_font_size(x->head, 10);
	format_set_border(x->head, LXW_BORDER_THIN);
	format_set_bg_color(x->head, 0xDDE5F0);
	format_set_align(x->head, LXW_ALIGN_CENTER);
	format_set_align(x->head, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(x->head);
	x->note = workbook_add_format(wb);
	format_set_font_size(x->note, 9);
	format_set_text_wrap(x->note);
	format_set_align(x->note, LXW_ALIGN_VERTICAL_TOP);
}

/* Decimals of a plain decimal number ("-12", "0.55"), or -1 if s is not
 * one (names, "—", "*"). */
static int decimals(const char *s)
{
	const char *p = s, *dot = NULL;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p; p++) {
		if (*p == '.' && !dot && p[1])
			dot = p;
		else if (*p < '0' || *p > '9')
			return -1;
	}
	return dot ? (int)(p - dot - 1) : 0;
}

/* The sheet's name: the table's Chinese name, and the year of a
 * --by-year stem ("programs-2024" -> "分项目汇总表2024"). */
static void sheet_name(const struct table *t, char *out, size_t n)
{
	static const char *const map[][2] = {
		{ "programs", "分项目汇总表" }, { "towns", "分地区汇总表" },
		{ "months", "分月情况表" }, { "funding", "资金来源表" },
		{ "quality", "数据质量表" }, { "people", "保障对象情况表" },
		{ "spending", "财政与其他资金支出表" },
	};
	const char *dash = strchr(t->name, '-');
	size_t len = dash ? (size_t)(dash - t->name) : strlen(t->name), i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i][0]) == len && !strncmp(t->name, map[i][0], len)) {
			snprintf(out, n, "%s%s", map[i][1], dash ? dash + 1 : "");
			return;
		}
	snprintf(out, n, "%.31s", t->name);
}

struct note_ctx {
	lxw_worksheet *ws;
	lxw_format *f;
	lxw_row_t row;
	lxw_col_t last;          /* the table's last column */
	size_t chars;            /* its width in characters */
};

/* A note wraps within the table's width (merged across its columns), so
 * that it prints on the table's pages, not on pages of its own. */
static void write_note(const char *note, void *ctx)
{
	struct note_ctx *c = ctx;
	size_t lines = c->chars ? utf8_width(note) * 10 / 9 / c->chars + 1 : 1;

	if (c->last > 0)
		worksheet_merge_range(c->ws, c->row, 0, c->row, c->last, note, c->f);
	else
		worksheet_write_string(c->ws, c->row, 0, note, c->f);
	worksheet_set_row(c->ws, c->row, 12.5 * (double)lines, NULL);
	c->row++;
}

/* Appends s to the page header text, '&' doubled (a code there). */
static void header_text(struct sbuf *h, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			sbuf_addc(h, '&');
		sbuf_addc(h, *s);
	}
}

static int write_sheet(lxw_workbook *wb, struct xfmt *fx, const struct report *rp,
		       const struct table *t, int published, struct rs_error *err)
{
	char name[64];
	lxw_worksheet *ws;
	struct note_ctx nc;
	size_t r, c, head_lines = 1, chars = 0;
	double width_mm = 0;
	int scale;

	sheet_name(t, name, sizeof(name));
	ws = workbook_add_worksheet(wb, name);
	if (!ws)
		return rs_err(err, "xlsx: cannot add the sheet '%s'", name);
	worksheet_write_string(ws, 0, 0, t->heading, fx->title);
	worksheet_set_row(ws, 0, 22, NULL);
	for (c = 0; c < t->ncols; c++) {
		size_t hw = utf8_width(t->cols[c]), w = (hw + HEAD_LINES - 1) / HEAD_LINES;
		size_t lines;

		worksheet_write_string(ws, 1, (lxw_col_t)c, t->cols[c], fx->head);
		for (r = 0; r < t->nrows; r++) {
			size_t cw = utf8_width(table_text(t, r, c, published));
			if (cw > w)
				w = cw;
		}
		/* a CJK character is two: never split one across lines */
		w += 2 + (w & 1);
		if (w < WIDTH_MIN)
			w = WIDTH_MIN;
		if (w > WIDTH_MAX)
			w = WIDTH_MAX;
		lines = (hw + w - 3) / (w - 2);
		if (lines > head_lines)
			head_lines = lines;
		/* Pixels of a width: Excel draws 7 a character, LibreOffice's
		 * default font up to 9; reckon with 9, and 5 of padding */
		width_mm += (9.0 * ((double)w + 0.71) + 5.0) * 25.4 / 96.0;
		chars += w;
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w, NULL);
	}
	worksheet_set_row(ws, 1, 14.0 * (double)(head_lines ? head_lines : 1), NULL);
	for (r = 0; r < t->nrows; r++) {
		int bold = t->rstyle[r] != ROW_PLAIN;

		for (c = 0; c < t->ncols; c++) {
			const char *s = table_text(t, r, c, published);
			int d = t->right[c] ? decimals(s) : -1;
			lxw_row_t xr = (lxw_row_t)(r + 2);

			if (d >= 0 && d <= F_DEC4 - F_DEC0)
				worksheet_write_number(ws, xr, (lxw_col_t)c, strtod(s, NULL),
						       fx->cell[F_DEC0 + d][bold]);
			else
				worksheet_write_string(ws, xr, (lxw_col_t)c, s,
						       fx->cell[t->right[c] ? F_TEXT_RIGHT : F_TEXT][bold]);
		}
	}
	nc.ws = ws;
	nc.f = fx->note;
	nc.row = (lxw_row_t)(t->nrows + 3);
	nc.last = (lxw_col_t)(t->ncols ? t->ncols - 1 : 0);
	nc.chars = chars;
	table_notes(t, published, write_note, &nc);
	worksheet_freeze_panes(ws, 2, (lxw_col_t)t->nleft);
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);              /* A4 */
	scale = (int)(PRINT_WIDTH_MM * 100.0 / width_mm);
	if (scale > 100)
		scale = 100;
	if (scale < SCALE_MIN)
		scale = SCALE_MIN;
	worksheet_set_print_scale(ws, (uint16_t)scale);
	worksheet_repeat_rows(ws, 1, 1);
	if (t->nleft)
		worksheet_repeat_columns(ws, 0, (lxw_col_t)(t->nleft - 1));
	worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
	{
		struct sbuf h;
		char as_of[64];

		/* 制表单位 left, 数据截至 and 制表日期 right, on every page */
		sbuf_init(&h, 0);
		report_as_of(rp, as_of, sizeof(as_of));
		if (rp->o->unit) {
			sbuf_adds(&h, "&L制表单位：");
			header_text(&h, rp->o->unit);
		}
		sbuf_adds(&h, "&R数据截至：");
		header_text(&h, as_of);
		if (rp->o->made) {
			sbuf_adds(&h, "　制表日期：");
			header_text(&h, rp->o->made);
		}
		/* Excel's limit is 255 characters: a longer text is left out */
		if (h.len < 255)
			worksheet_set_header(ws, h.buf);
		sbuf_release(&h);
	}
	return 0;
}

/* The document's creation time (see the top of this file). */
static time_t created_time(const struct report *r)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;
	int ym = 0;
	size_t i;

	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);

		if (!*end && v > 0)
			return (time_t)v;
		rs_warn("ignoring SOURCE_DATE_EPOCH '%s': not a positive whole number", e);
	}
	for (i = 0; i < r->acc.ns; i++)
		if (r->acc.s[i]->per.last > ym)
			ym = r->acc.s[i]->per.last;
	ym++;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = ym / 12 - 1900;
	tm.tm_mon = ym % 12;
	tm.tm_mday = 1;
	return timegm(&tm);
}

int xlsx_write(const struct report *r, int published, const char *path,
	       struct rs_error *err)
{
	lxw_doc_properties props;
	lxw_workbook *wb;
	lxw_error e;
	struct xfmt fx;
	char title[512];
	size_t i;

	wb = workbook_new(path);
	if (!wb)
		return rs_err(err, "xlsx: cannot create '%s'", path);
	snprintf(title, sizeof(title), "%s社会救助统计报表（%s）", r->title,
		 published ? "公开版" : "内部版");
	memset(&props, 0, sizeof(props));
	props.title = title;
	props.author = (char *)(r->o->unit ? r->o->unit : "");
	props.comments = (char *)(published ?
		"公开版：小数值已按规则隐藏" : "内部版：未作小数值隐藏，不得对外公布");
	props.created = created_time(r);
	workbook_set_properties(wb, &props);
	formats_init(&fx, wb);
	for (i = 0; i < r->nt; i++)
		if (write_sheet(wb, &fx, r, &r->t[i], published, err)) {
			workbook_close(wb);
			return -1;
		}
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR)
		return rs_err(err, "xlsx: cannot write '%s': %s", path, lxw_strerror(e));
	return 0;
}
