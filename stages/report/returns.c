/*
 * returns.c - the 退回清单: per source, the rows the stages rejected, in a
 * form a district can open in Excel or WPS and correct.
 *
 * Reads the reject files given with --rejects (rs-ingest's and
 * rs-validate's, `source,line,reason,field,message,raw`) and writes, per
 * source, OUTDIR/returns/STEM-退回清单.csv (UTF-8 with a BOM) and .xlsx,
 * both mode 0600 (the rows are personal data): 序号, 行号 (the physical
 * line of the export), 拒绝原因 and 说明 in Chinese, the masked ID number
 * and the row. An ingest reject's row is the export's own (its IDs masked
 * by the stage); a validate reject's is the canonical record, so it is
 * told in words (行政区划代码, 救助类别 ...), the pseudonym left out.
 * Rows stream through: both files are written as the rejects are read
 * (libxlsxwriter's constant-memory mode), in the order given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "canon.h"
#include "csvin.h"
#include "fileio.h"
#include "report.h"
#include "rjwords.h"
#include "sbuf.h"
#include "xalloc.h"

#define MAX_SOURCES 64
#define PATH_MAX_LEN 4096

static const char *const cols[] = {
	"序号", "行号", "拒绝原因", "说明", "身份证号码（已遮盖）", "原始数据",
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

struct sink {
	char *source;
	struct rs_out csv, xo;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head, *text;
	long n;
};

struct rctx {
	const struct report *r;
	const char *path;
	char dir[PATH_MAX_LEN];
	struct sink s[MAX_SOURCES];
	size_t ns;
	struct sbuf line, a, b;
};

/* The masked ID of a row: the first run of 15 to 18 digits, X and '*'
 * holding a '*' (510117********123X), or "—". */
static void masked_id(const char *raw, struct sbuf *out)
{
	const char *p = raw;

	while (*p) {
		const char *q = p;
		int star = 0;

		while ((*q >= '0' && *q <= '9') || *q == 'X' || *q == 'x' || *q == '*') {
			star |= *q == '*';
			q++;
		}
		if (star && q - p >= 15 && q - p <= 18) {
			sbuf_add(out, p, (size_t)(q - p));
			return;
		}
		p = q > p ? q : p + 1;
	}
	sbuf_adds(out, "—");
}

/* Splits one CSV line into at most max fields (quotes honoured) into
 * the NUL-separated buffer fb; returns the number of fields. */
static size_t split(const char *s, struct sbuf *fb, size_t *off, size_t max)
{
	size_t n = 0;
	int q = 0;

	sbuf_reset(fb);
	off[n++] = 0;
	for (; *s; s++) {
		if (q) {
			if (*s == '"' && s[1] == '"')
				sbuf_addc(fb, *s++);
			else if (*s == '"')
				q = 0;
			else
				sbuf_addc(fb, *s);
		} else if (*s == '"') {
			q = 1;
		} else if (*s == ',') {
			sbuf_addc(fb, '\0');
			if (n == max)
				break;
			off[n++] = fb->len;
		} else {
			sbuf_addc(fb, *s);
		}
	}
	sbuf_addc(fb, '\0');
	return n;
}

/* A canonical record (a validate reject's raw) in words. */
static int canonical_words(const struct report *r, const char *source, long line,
			   const char *raw, struct sbuf *fb, struct sbuf *out)
{
	size_t off[16], n = split(raw, fb, off, 16);
	const char *f[16];
	const struct program *p;
	size_t i;

	if (n < 10)
		return 0;
	for (i = 0; i < n; i++)
		f[i] = fb->buf + off[i];
	if (strcmp(f[0], source) || strtol(f[1], NULL, 10) != line)
		return 0;
	p = catalog_find(&r->cat, f[3]);
	sbuf_addf(out, "行政区划代码%s，%s，%s，%s，家庭人口%s，保障人数%s，发放金额%s元",
		  f[2], p ? p->name_zh : "（救助类别不明）",
		  !strcmp(f[4], "urban") ? "城镇" : !strcmp(f[4], "rural") ? "农村" : "（城乡不明）",
		  f[5], *f[7] ? f[7] : "—", f[8], f[9]);
	if (n > 12 && *f[12])
		sbuf_addf(out, "，资金来源%s", f[12]);
	return 1;
}

static void csv_field(struct sbuf *o, const char *s)
{
	sbuf_addc(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			sbuf_addc(o, '"');
		sbuf_addc(o, *s);
	}
	sbuf_addc(o, '"');
}

static int sink_open(struct rctx *c, struct sink *k, const char *source,
		     struct rs_error *err)
{
	char path[PATH_MAX_LEN], stem[256];
	lxw_workbook_options wo;
	lxw_doc_properties props;
	size_t i, n;

	memset(k, 0, sizeof(*k));
	snprintf(stem, sizeof(stem), "%s", source);
	n = strlen(stem);
	if (n > 4 && !strcmp(stem + n - 4, ".csv"))
		stem[n - 4] = '\0';
	for (i = 0; stem[i]; i++)
		if (stem[i] == '/' || (i == 0 && stem[i] == '.'))
			stem[i] = '_';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s-退回清单.csv", c->dir, stem) >= sizeof(path))
		return rs_err(err, "output path too long: '%s/%s'", c->dir, stem);
	if (rs_out_open(&k->csv, path, 0600, err))
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s-退回清单.xlsx", c->dir, stem) >= sizeof(path)) {
		rs_out_abort(&k->csv);
		return rs_err(err, "output path too long: '%s/%s'", c->dir, stem);
	}
	if (rs_out_open(&k->xo, path, 0600, err)) {
		rs_out_abort(&k->csv);
		return -1;
	}
	memset(&wo, 0, sizeof(wo));
	wo.constant_memory = LXW_TRUE;
	k->wb = workbook_new_opt(k->xo.tmp, &wo);
	if (!k->wb) {
		rs_out_abort(&k->csv);
		rs_out_abort(&k->xo);
		return rs_err(err, "xlsx: cannot create '%s'", path);
	}
	memset(&props, 0, sizeof(props));
	props.title = (char *)"退回清单";
	props.created = 315532800;   /* fixed: reruns are byte-identical */
	workbook_set_properties(k->wb, &props);
	k->ws = workbook_add_worksheet(k->wb, "退回清单");
	k->head = workbook_add_format(k->wb);
	format_set_bold(k->head);
	format_set_text_wrap(k->head);
	format_set_border(k->head, LXW_BORDER_THIN);
	format_set_bg_color(k->head, 0xDDE5F0);
	k->text = workbook_add_format(k->wb);
	format_set_text_wrap(k->text);
	format_set_border(k->text, LXW_BORDER_THIN);
	format_set_align(k->text, LXW_ALIGN_VERTICAL_TOP);
	worksheet_set_column(k->ws, 0, 0, 6, NULL);
	worksheet_set_column(k->ws, 1, 1, 8, NULL);
	worksheet_set_column(k->ws, 2, 2, 16, NULL);
	worksheet_set_column(k->ws, 3, 3, 40, NULL);
	worksheet_set_column(k->ws, 4, 4, 21, NULL);
	worksheet_set_column(k->ws, 5, 5, 70, NULL);
	worksheet_set_landscape(k->ws);
	worksheet_set_paper(k->ws, 9);
	worksheet_fit_to_pages(k->ws, 1, 0);
	worksheet_repeat_rows(k->ws, 0, 0);
	worksheet_freeze_panes(k->ws, 1, 0);
	worksheet_set_footer(k->ws, "&C第 &P 页，共 &N 页");
	sbuf_reset(&c->line);
	sbuf_adds(&c->line, "\xEF\xBB\xBF");
	for (i = 0; i < NCOLS; i++) {
		sbuf_addf(&c->line, "%s%s", i ? "," : "", cols[i]);
		worksheet_write_string(k->ws, 0, (lxw_col_t)i, cols[i], k->head);
	}
	sbuf_adds(&c->line, "\r\n");
	rs_out_write(&k->csv, c->line.buf, c->line.len);
	k->source = xstrdup(source);
	return 0;
}

static int on_reject(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct rctx *c = ctx;
	struct sink *k = NULL;
	const char *vals[NCOLS];
	char no[32], ln[32];
	size_t i;
	long line;

	if (row->line == 1) {
		if (row->n != 6 || strcmp(row->f[0].p, "source") || strcmp(row->f[2].p, "reason") ||
		    strcmp(row->f[5].p, "raw"))
			return rs_err(err, "wrong header in '%s' at line 1: want source,line,reason,field,message,raw "
				      "(a reject file of rs-ingest or rs-validate)", c->path);
		return 0;
	}
	if (row->n != 6)
		return rs_err(err, "%zu fields, not 6, in '%s' at line %ld", row->n, c->path, row->line);
	for (i = 0; i < c->ns; i++)
		if (!strcmp(c->s[i].source, row->f[0].p))
			k = &c->s[i];
	if (!k) {
		if (c->ns == MAX_SOURCES)
			return rs_err(err, "more than %d sources in the reject files, at '%s' line %ld",
				      MAX_SOURCES, c->path, row->line);
		if (sink_open(c, &c->s[c->ns], row->f[0].p, err))
			return -1;
		k = &c->s[c->ns++];
	}
	line = strtol(row->f[1].p, NULL, 10);
	sbuf_reset(&c->a);
	reject_words(row->f[2].p, row->f[3].p, row->f[4].p, &c->a);
	sbuf_addc(&c->a, '\0');
	sbuf_reset(&c->b);
	masked_id(row->f[5].p, &c->b);
	sbuf_addc(&c->b, '\0');
	{
		size_t id_end = c->b.len;
		struct sbuf fb;

		sbuf_init(&fb, 0);
		if (!canonical_words(c->r, row->f[0].p, line, row->f[5].p, &fb, &c->b))
			sbuf_adds(&c->b, row->f[5].p);
		sbuf_release(&fb);
		sbuf_addc(&c->b, '\0');
		vals[4] = c->b.buf;
		vals[5] = c->b.buf + id_end;
	}
	k->n++;
	snprintf(no, sizeof(no), "%ld", k->n);
	snprintf(ln, sizeof(ln), "%ld", line);
	vals[0] = no;
	vals[1] = ln;
	vals[2] = reject_code_zh(row->f[2].p) ? reject_code_zh(row->f[2].p) : "其他原因";
	vals[3] = c->a.buf;
	sbuf_reset(&c->line);
	for (i = 0; i < NCOLS; i++) {
		if (i)
			sbuf_addc(&c->line, ',');
		csv_field(&c->line, vals[i]);
		if (i < 2)
			worksheet_write_number(k->ws, (lxw_row_t)k->n, (lxw_col_t)i,
					       (double)strtol(vals[i], NULL, 10), k->text);
		else
			worksheet_write_string(k->ws, (lxw_row_t)k->n, (lxw_col_t)i, vals[i], k->text);
	}
	sbuf_adds(&c->line, "\r\n");
	rs_out_write(&k->csv, c->line.buf, c->line.len);
	return 0;
}

int returns_write(const struct report *r, struct rs_error *err)
{
	struct rctx c;
	struct csvin_opts o;
	size_t i;
	int ret = -1;

	if (!r->o->nrejects)
		return 0;
	memset(&c, 0, sizeof(c));
	c.r = r;
	sbuf_init(&c.line, 0);
	sbuf_init(&c.a, 0);
	sbuf_init(&c.b, 0);
	{
		const char *dir = report_dir((struct report *)r, RD_RETURNS, err);

		if (!dir)
			goto out;
		snprintf(c.dir, sizeof(c.dir), "%s", dir);
	}
	memset(&o, 0, sizeof(o));
	o.encoding = RS_ENC_UTF8;
	for (i = 0; i < r->o->nrejects; i++) {
		c.path = r->o->rejects[i];
		if (csvin_read(c.path, &o, on_reject, &c, err))
			goto out;
	}
	for (i = 0; i < c.ns; i++) {
		lxw_error e = workbook_close(c.s[i].wb);

		c.s[i].wb = NULL;
		if (e != LXW_NO_ERROR) {
			rs_err(err, "xlsx: cannot write the 退回清单 of '%s': %s",
			       c.s[i].source, lxw_strerror(e));
			goto out;
		}
		if (rs_out_commit(&c.s[i].csv, err) || rs_out_commit(&c.s[i].xo, err))
			goto out;
	}
	rs_info("退回清单 of %zu source%s written to '%s/returns'", c.ns, c.ns == 1 ? "" : "s",
		r->o->outdir);
	ret = 0;
out:
	for (i = 0; i < c.ns; i++) {
		if (ret) {
			if (c.s[i].wb)
				workbook_close(c.s[i].wb);
			rs_out_abort(&c.s[i].csv);
			rs_out_abort(&c.s[i].xo);
		}
		free(c.s[i].source);
	}
	sbuf_release(&c.line);
	sbuf_release(&c.a);
	sbuf_release(&c.b);
	return ret;
}
