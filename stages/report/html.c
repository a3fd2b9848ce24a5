/*
 * html.c - report.html: one self-contained page, for screen and print.
 *
 * The page holds the bulletin, per slice two inline SVG charts (spending
 * by program as bars, from table 1; the monthly trend of spending as a
 * line, from table 3's 合计 column), then every table with its notes. It
 * loads nothing: no scripts, no fonts, no images from anywhere (system
 * CJK fonts are named in the CSS), and a print style sheet lays it out
 * on A4 landscape with table headers repeated on each page.
 *
 * Everything shown is read from the same cells as the other formats, in
 * the version being written: a published chart draws no bar and no point
 * for a hidden figure, and marks it "*".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "report.h"
#include "sbuf.h"

static const char css[] =
":root{--ink:#1f2933;--muted:#5f6b7a;--line:#c5cfda;--head:#e6edf5;--accent:#2f6fb3;}\n"
"*{box-sizing:border-box}\n"
"body{margin:0 auto;max-width:1240px;padding:24px 32px 40px;color:var(--ink);background:#fff;"
"font:14px/1.6 \"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\","
"\"PingFang SC\",\"Hiragino Sans GB\",sans-serif}\n"
"h1{font-size:24px;margin:0 0 2px}\n"
"h2{font-size:17px;margin:30px 0 10px;padding-left:9px;border-left:4px solid var(--accent)}\n"
".meta{color:var(--muted);margin:0}\n"
".meta .ver{display:inline-block;padding:0 8px;margin-right:8px;border-radius:3px;color:#fff;background:var(--accent)}\n"
".meta .ver.int{background:#b7472a}\n"
".toc{margin:12px 0 0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:13px}\n"
".toc a{color:var(--accent);text-decoration:none}\n"
".bulletin{background:#f7f9fb;border:1px solid var(--line);border-radius:4px;padding:6px 18px}\n"
".bulletin p{margin:6px 0;text-indent:2em}\n"
".loss{border:2px solid #b3261e;color:#b3261e;padding:6px 10px;font-weight:bold}\n"
".bulletin p.note{text-indent:0;color:var(--muted);font-size:12px}\n"
".charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start;margin-top:18px}\n"
"figure{margin:0;flex:1 1 560px;border:1px solid var(--line);border-radius:4px;padding:8px 10px}\n"
"figcaption{font-size:13px;font-weight:600;margin-bottom:4px}\n"
"svg{display:block;width:100%;height:auto}\n"
"svg text{font-family:inherit}\n"
".wrap{overflow-x:auto}\n"
"table{border-collapse:collapse;font-size:12.5px}\n"
"th,td{border:1px solid var(--line);padding:4px 8px}\n"
"th{background:var(--head);font-weight:600;text-align:center;vertical-align:middle;min-width:4.5em}\n"
"td{white-space:nowrap}\n"
"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"td.h{color:#8a96a3;text-align:center}\n"
"tr.sub td{background:#f4f7fa;font-weight:600}\n"
"tr.total td{background:#e9eff6;font-weight:700}\n"
".notes p{margin:4px 0;color:var(--muted);font-size:12px}\n"
"footer{margin-top:32px;color:var(--muted);font-size:12px}\n"
".sign{display:flex;flex-wrap:wrap;gap:4px 28px;margin:4px 0 0;font-size:13px}\n"
"@page{size:A4 landscape;margin:12mm 12mm 14mm;"
"@bottom-center{content:\"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\";font-size:9px;color:#5f6b7a}}\n"
"@media print{\n"
"body{max-width:none;padding:0;font-size:11px}\n"
".toc{display:none}\n"
".wrap{overflow:visible}\n"
"table{font-size:9px}\n"
"th,td{padding:2px 4px}\n"
"td{white-space:normal}\n"
"td:not(.n){white-space:nowrap}\n"
"thead{display:table-header-group}\n"
"tr{break-inside:avoid}\n"
"h2{break-after:avoid}\n"
"figure,.bulletin{break-inside:avoid}\n"
"section.tbl{break-before:page}\n"
".bulletin,figure{background:none}\n"
"}\n";

static void esc_n(struct sbuf *o, const char *s, size_t n)
{
	const char *end = s + n;

	for (; s < end; s++) {
		switch (*s) {
		case '&': sbuf_adds(o, "&amp;"); break;
		case '<': sbuf_adds(o, "&lt;"); break;
		case '>': sbuf_adds(o, "&gt;"); break;
		case '"': sbuf_adds(o, "&quot;"); break;
		default: sbuf_addc(o, *s);
		}
	}
}

static void esc(struct sbuf *o, const char *s)
{
	esc_n(o, s, strlen(s));
}

/* A plain decimal number, parsed for drawing; 0 if s is not one. */
static int number(const char *s, double *v)
{
	char *end;

	if (!*s || !strcmp(s, "*") || !strcmp(s, "—"))
		return 0;
	*v = strtod(s, &end);
	return *end == '\0';
}

/* A "nice" axis step (1, 2, 2.5, 5 x 10^n) for about five ticks. */
static double nice_step(double max)
{
	static const double m[] = { 1, 2, 2.5, 5, 10 };
	double raw = max / 5, p;
	size_t i;

	if (raw <= 0)
		return 1;
	p = pow(10, floor(log10(raw)));
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i] * p >= raw)
			return m[i] * p;
	return 10 * p;
}

static int step_decimals(double step)
{
	int d = 0;

	while (d < 4 && fabs(step * pow(10, d) - floor(step * pow(10, d) + 0.5)) > 1e-9)
		d++;
	return d;
}

/* Bars: each program's top row of table 1 and its 支出. */
static void chart_bars(const struct report *r, const struct sinfo *si,
		       int published, struct sbuf *o)
{
	const struct table *t = &r->t[si->tprog];
	const struct ptab *p = &si->p;
	size_t i, n = 0, lw = 0;
	double max = 0, v;
	const double row_h = 40, top = 10, font = 15;
	double x0, bar_w, h;
	char label[64];

	for (i = 0; i < p->nrows; i++) {
		if (!p->top[i])
			continue;
		n++;
		if (utf8_width(table_text(t, i, PC_NAME, 0)) > lw)
			lw = utf8_width(table_text(t, i, PC_NAME, 0));
		if (number(table_text(t, i, PC_AMOUNT, published), &v) && v > max)
			max = v;
	}
	if (!n)
		return;
	x0 = (double)lw * font * 0.5 + 14;
	bar_w = 760 - x0 - 90;
	h = top * 2 + row_h * (double)n;
	period_label(&si->s->per, label, sizeof(label));
	sbuf_adds(o, "<figure><figcaption>");
	esc(o, label);
	sbuf_adds(o, "各项目支出（万元）</figcaption>\n");
	sbuf_addf(o, "<svg viewBox=\"0 0 760 %.0f\" role=\"img\" aria-label=\"各项目支出\">\n", h);
	sbuf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa5b1\"/>\n",
		  x0, top - 2, x0, h - top + 2);
	for (i = 0, n = 0; i < p->nrows; i++) {
		const char *amt;
		double y, w = 0;
		int have;

		if (!p->top[i])
			continue;
		y = top + row_h * (double)n++;
		amt = table_text(t, i, PC_AMOUNT, published);
		have = number(amt, &v);
		if (have && max > 0)
			w = v / max * bar_w;
		sbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"%.0f\" fill=\"#1f2933\">",
			  x0 - 8, y + row_h / 2 + 5, font);
		esc(o, table_text(t, i, PC_NAME, 0));
		sbuf_adds(o, "</text>\n");
		if (have)
			sbuf_addf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
				  x0, y + 7, w, row_h - 14,
				  p->root[i] && p->root[i]->public_money ? "#2f6fb3" : "#9aa5b1");
		sbuf_addf(o, "<text class=\"v\" x=\"%.1f\" y=\"%.1f\" font-size=\"14\" fill=\"#1f2933\">",
			  x0 + w + 6, y + row_h / 2 + 5);
		esc(o, amt);
		sbuf_adds(o, "</text>\n");
	}
	sbuf_adds(o, "</svg></figure>\n");
}

/* The months table's column of 合计 支出, or (size_t)-1. */
static size_t total_amount_col(const struct table *t)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], "合计支出（万元）"))
			return c;
	return (size_t)-1;
}

/* A line: spending per month (the months table's 合计 支出). */
static void chart_months(const struct report *r, const struct sinfo *si,
			 int published, struct sbuf *o)
{
	const struct table *t = &r->t[si->tmon];
	size_t col = total_amount_col(t), nm, i;
	const double W = 760, H = 320, L = 64, R = 24, T = 24, B = 40;
	double max = 0, v, step, top, xs, x, y;
	int d, open = 0;
	char label[64];

	if (col == (size_t)-1 || t->nrows < 2)
		return;
	nm = t->nrows - 1;                       /* the last row is 合计 */
	for (i = 0; i < nm; i++)
		if (number(table_text(t, i, col, published), &v) && v > max)
			max = v;
	step = nice_step(max);
	top = step * ceil(max / step);
	if (top <= 0)
		top = step;
	d = step_decimals(step);
	/* Each month at the middle of its slot, never on the axis: the first
	 * value label stays clear of the tick labels beside it. */
	xs = (W - L - R) / (double)nm;
	period_label(&si->s->per, label, sizeof(label));
	sbuf_adds(o, "<figure><figcaption>");
	esc(o, label);
	sbuf_adds(o, "分月支出（万元）</figcaption>\n");
	sbuf_addf(o, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"分月支出\">\n", W, H);
	for (v = 0; v <= top + step / 2; v += step) {
		y = T + (H - T - B) * (1 - v / top);
		sbuf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
			  L, y, W - R, y, v == 0 ? "#9aa5b1" : "#e3e8ee");
		sbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"13\" fill=\"#5f6b7a\">%.*f</text>\n",
			  L - 6, y + 4, d, v);
	}
	/* The line, broken where a month is hidden. */
	sbuf_adds(o, "<path fill=\"none\" stroke=\"#2f6fb3\" stroke-width=\"2\" d=\"");
	for (i = 0; i < nm; i++) {
		if (!number(table_text(t, i, col, published), &v)) {
			open = 0;
			continue;
		}
		x = L + xs * ((double)i + 0.5);
		y = T + (H - T - B) * (1 - v / top);
		sbuf_addf(o, "%s%.1f %.1f ", open ? "L" : "M", x, y);
		open = 1;
	}
	sbuf_adds(o, "\"/>\n");
	for (i = 0; i < nm; i++) {
		const char *s = table_text(t, i, col, published);
		int have = number(s, &v);

		x = L + xs * ((double)i + 0.5);
		y = have ? T + (H - T - B) * (1 - v / top) : H - B;
		if (have)
			sbuf_addf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#2f6fb3\"/>\n", x, y);
		sbuf_addf(o, "<text class=\"v\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" fill=\"%s\">",
			  x, y - 8, have ? "#1f2933" : "#8a96a3");
		esc(o, s);
		sbuf_adds(o, "</text>\n");
		sbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" fill=\"#5f6b7a\">",
			  x, H - B + 18);
		esc(o, table_text(t, i, 0, 0));
		sbuf_adds(o, "</text>\n");
	}
	sbuf_adds(o, "</svg></figure>\n");
}

static void note_p(const char *note, void *ctx)
{
	struct sbuf *o = ctx;

	sbuf_adds(o, "<p>");
	esc(o, note);
	sbuf_adds(o, "</p>\n");
}

static void html_table(const struct table *t, int published, struct sbuf *o)
{
	size_t r, c;

	sbuf_adds(o, "<section class=\"tbl\" id=\"");
	esc(o, t->name);
	sbuf_adds(o, "\">\n<h2>");
	esc(o, t->heading);
	sbuf_adds(o, "</h2>\n<div class=\"wrap\"><table>\n<thead><tr>");
	for (c = 0; c < t->ncols; c++) {
		sbuf_adds(o, "<th scope=\"col\">");
		esc(o, t->cols[c]);
		sbuf_adds(o, "</th>");
	}
	sbuf_adds(o, "</tr></thead>\n<tbody>\n");
	for (r = 0; r < t->nrows; r++) {
		sbuf_adds(o, t->rstyle[r] == ROW_TOTAL ? "<tr class=\"total\">" :
			  t->rstyle[r] == ROW_SUB ? "<tr class=\"sub\">" : "<tr>");
		for (c = 0; c < t->ncols; c++) {
			const char *s = table_text(t, r, c, published);
			int hidden = published && t->cells[r * t->ncols + c].hidden;

			sbuf_adds(o, hidden ? "<td class=\"n h\">" : t->right[c] ? "<td class=\"n\">" : "<td>");
			esc(o, s);
			sbuf_adds(o, "</td>");
		}
		sbuf_adds(o, "</tr>\n");
	}
	sbuf_adds(o, "</tbody>\n</table></div>\n<div class=\"notes\">\n");
	table_notes(t, published, note_p, o);
	sbuf_adds(o, "</div>\n</section>\n");
}

/* 制表单位, 数据截至 and 制表日期 (report_sign), one line. */
static void sign_lines(const struct report *r, struct sbuf *o)
{
	char as_of[64];

	report_as_of(r, as_of, sizeof(as_of));
	sbuf_adds(o, "<p class=\"sign\">");
	if (r->o->unit) {
		sbuf_adds(o, "<span>制表单位：");
		esc(o, r->o->unit);
		sbuf_adds(o, "</span>");
	}
	sbuf_adds(o, "<span>数据截至：");
	esc(o, as_of);
	sbuf_adds(o, "</span>");
	if (r->o->made) {
		sbuf_adds(o, "<span>制表日期：");
		esc(o, r->o->made);
		sbuf_adds(o, "</span>");
	}
	sbuf_adds(o, "</p>\n");
}

void html_write(const struct report *r, int published, struct sbuf *o)
{
	struct sbuf b;
	char label[64];
	const char *p, *nl;
	size_t i;

	sbuf_adds(o, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(o, r->title);
	sbuf_addf(o, "社会救助统计报表（%s）</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		  published ? "公开版" : "内部版", css);
	sbuf_adds(o, "<header>\n<h1>");
	esc(o, r->title);
	sbuf_adds(o, "社会救助统计报表</h1>\n<p class=\"meta\">");
	if (published)
		sbuf_addf(o, "<span class=\"ver\">公开版</span>保障人数少于%d人的数据及可据以推算的数据以“*”代替。",
			  r->o->k);
	else
		sbuf_adds(o, "<span class=\"ver int\">内部版</span>未作小数值隐藏，仅供内部使用，不得对外公布。");
	sbuf_adds(o, "报告期：");
	for (i = 0; i < r->acc.ns; i++) {
		period_label(&r->acc.s[i]->per, label, sizeof(label));
		sbuf_addf(o, "%s%s", i ? "、" : "", label);
	}
	sbuf_adds(o, "。</p>\n<ul class=\"toc\">\n<li><a href=\"#bulletin\">统计简报</a></li>\n");
	for (i = 0; i < r->nt; i++) {
		sbuf_adds(o, "<li><a href=\"#");
		esc(o, r->t[i].name);
		sbuf_adds(o, "\">");
		esc(o, r->t[i].heading);
		sbuf_adds(o, "</a></li>\n");
	}
	sbuf_adds(o, "</ul>\n");
	if (r->loss_note) {
		sbuf_adds(o, "<p class=\"loss\">");
		esc(o, r->loss_note);
		sbuf_adds(o, "</p>\n");
	}
	sign_lines(r, o);
	sbuf_adds(o, "</header>\n");

	/* The bulletin, line by line: its first line is its title. */
	sbuf_init(&b, 0);
	bulletin_write(r, published, &b);
	sbuf_adds(o, "<section class=\"bulletin\" id=\"bulletin\">\n<h2>统计简报</h2>\n");
	p = b.buf ? strchr(b.buf, '\n') : NULL;
	for (p = p ? p + 1 : ""; *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl == p)
			continue;
		sbuf_adds(o, !strncmp(p, "注：", strlen("注：")) ? "<p class=\"note\">" : "<p>");
		esc_n(o, p, (size_t)(nl - p));
		sbuf_adds(o, "</p>\n");
	}
	sbuf_adds(o, "</section>\n");
	sbuf_release(&b);

	for (i = 0; i < r->nsi; i++) {
		sbuf_adds(o, "<section class=\"charts\">\n");
		chart_bars(r, &r->si[i], published, o);
		chart_months(r, &r->si[i], published, o);
		sbuf_adds(o, "</section>\n");
	}
	for (i = 0; i < r->nt; i++)
		html_table(&r->t[i], published, o);
	sbuf_adds(o, "<footer>");
	sign_lines(r, o);
	sbuf_adds(o, "</footer>\n</body>\n</html>\n");
}
