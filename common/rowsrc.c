/*
 * rowsrc.c - one entry for every export format (see rowsrc.h): the
 * format told from the first bytes, and the row builder the workbook
 * readers share.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rowsrc.h"
#include "xalloc.h"

#define WB_MAX_COLS 16384       /* XFD, a sheet's last column */

int rowsrc_sniff(const char *path, enum rs_format *fmt, struct rs_error *err)
{
	unsigned char b[4] = { 0 };
	struct stat st;
	FILE *f;
	size_t n;

	/* A pipe or FIFO is CSV: reading its first bytes would take them
	 * from the reader that comes after. */
	*fmt = RS_FMT_CSV;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return rs_err(err, "cannot open '%s': %s", path, strerror(errno));
	n = fread(b, 1, 4, f);
	fclose(f);
	if (n == 4 && !memcmp(b, "PK\3\4", 4))
		*fmt = RS_FMT_XLSX;
	else if (n == 4 && !memcmp(b, "\xD0\xCF\x11\xE0", 4))
		*fmt = RS_FMT_XLS;
	else
		*fmt = RS_FMT_CSV;
	return 0;
}

const char *rowsrc_format_name(enum rs_format fmt)
{
	return fmt == RS_FMT_XLSX ? "xlsx" : fmt == RS_FMT_XLS ? "xls" : "csv";
}

int rowsrc_read(const char *path, const struct rowsrc_opts *o, csvin_fn fn,
		void *ctx, enum rs_format *fmt_out, struct rs_error *err)
{
	enum rs_format fmt = RS_FMT_CSV;

	/* gzip and pipes are csvin's: only a file we can open and that
	 * starts like a workbook goes elsewhere. */
	if (rowsrc_sniff(path, &fmt, err))
		fmt = RS_FMT_CSV;
	if (fmt_out)
		*fmt_out = fmt;
	if (fmt == RS_FMT_XLSX)
		return xlsx_read(path, o ? o->sheet : NULL, fn, ctx, err);
	if (fmt == RS_FMT_XLS)
		return xls_read(path, o ? o->sheet : NULL, fn, ctx, err);
	return csvin_read(path, o ? &o->csv : NULL, fn, ctx, err);
}

int rowsrc_sheets(const char *path, enum rs_format fmt, struct sbuf *names,
		  size_t *n, struct rs_error *err)
{
	*n = 0;
	sbuf_reset(names);
	if (fmt == RS_FMT_XLSX)
		return xlsx_sheets(path, names, n, 0, err);
	if (fmt == RS_FMT_XLS)
		return xls_sheets(path, names, n, err);
	return 0;
}

int rowsrc_visible_sheets(const char *path, enum rs_format fmt,
			  struct sbuf *names, size_t *n, struct rs_error *err)
{
	*n = 0;
	sbuf_reset(names);
	if (fmt == RS_FMT_XLSX)
		return xlsx_sheets(path, names, n, 1, err);
	return rowsrc_sheets(path, fmt, names, n, err);
}

/* "4.5e+03" (from %.*e) -> plain "4500", or kept as "4.5E+17" from
 * 10^15 on, as a spreadsheet shows it. */
static void plain_decimal(const char *e, char *out, size_t outsz)
{
	char digits[32];
	const char *p = e, *x = strchr(e, 'e');
	size_t nd = 0, i, k = 0;
	int neg = 0, exp, point;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < x; p++)
		if (*p != '.' && nd < sizeof(digits) - 1)
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp = (int)strtol(x + 1, NULL, 10);
	if (exp >= 15 || exp < -20) {
		char *q;
		snprintf(out, outsz, "%s", e);
		if ((q = strchr(out, 'e')))
			*q = 'E';
		return;
	}
	point = exp + 1;          /* digits before the decimal point */
	if (neg && k + 1 < outsz)
		out[k++] = '-';
	if (point <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (i = 0; i < (size_t)-point && k + 1 < outsz; i++)
			out[k++] = '0';
		for (i = 0; i < nd && k + 1 < outsz; i++)
			out[k++] = digits[i];
	} else {
		for (i = 0; i < (size_t)point && k + 1 < outsz; i++)
			out[k++] = i < nd ? digits[i] : '0';
		if ((size_t)point < nd) {
			out[k++] = '.';
			for (i = (size_t)point; i < nd && k + 1 < outsz; i++)
				out[k++] = digits[i];
		}
	}
	out[k] = '\0';
}

char *rs_number_text(double v, char *out, size_t outsz)
{
	char e[40];
	int p;

	if (!isfinite(v)) {
		snprintf(out, outsz, "%s", "#NUM!");
		return out;
	}
	if (v == 0) {
		snprintf(out, outsz, "0");
		return out;
	}
	/* The fewest significant digits that read back to v: the decimal
	 * the person typed. No arithmetic on v itself. */
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	plain_decimal(e, out, outsz);
	return out;
}

void wbrow_init(struct wbrow *w)
{
	memset(w, 0, sizeof(*w));
	w->max = WB_MAX_ROW;
	sbuf_init(&w->arena, 0);
	sbuf_init(&w->raw, 0);
}

void wbrow_release(struct wbrow *w)
{
	sbuf_release(&w->arena);
	sbuf_release(&w->raw);
	free(w->off);
	free(w->f);
	free(w->num);
	memset(w, 0, sizeof(*w));
}

void wbrow_reset(struct wbrow *w)
{
	sbuf_reset(&w->arena);
	sbuf_reset(&w->raw);
	w->n = 0;
	w->too_long = 0;
	w->any = 0;
}

static void add_field(struct wbrow *w, const char *s, size_t n, int num)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		w->off = xreallocarray(w->off, w->cap, sizeof(*w->off));
		w->f = xreallocarray(w->f, w->cap, sizeof(*w->f));
		w->num = xreallocarray(w->num, w->cap, 1);
	}
	w->off[w->n] = w->arena.len;
	w->f[w->n].len = n;
	w->num[w->n] = (unsigned char)num;
	w->n++;
	sbuf_add(&w->arena, s, n);
	sbuf_addc(&w->arena, '\0');
}

static void put_cell(struct wbrow *w, long col, const char *s, size_t n,
		     int num)
{
	if (w->too_long || col < (long)w->n || col >= WB_MAX_COLS)
		return;
	if (!n)
		return;
	if (w->arena.len + n + (size_t)(col - (long)w->n) + 1 > w->max) {
		w->too_long = 1;
		return;
	}
	while ((long)w->n < col)
		add_field(w, "", 0, 0);
	add_field(w, s, n, num);
	w->any = 1;
}

void wbrow_cell(struct wbrow *w, long col, const char *s, size_t n)
{
	put_cell(w, col, s, n, 0);
}

void wbrow_cell_num(struct wbrow *w, long col, const char *s, size_t n)
{
	put_cell(w, col, s, n, 1);
}

int wbrow_emit(struct wbrow *w, long line, csvin_fn fn, void *ctx,
	       struct rs_error *err)
{
	struct csv_row row;
	size_t i;
	int ret;

	if (!w->any && !w->too_long) {
		wbrow_reset(w);
		return 0;
	}
	memset(&row, 0, sizeof(row));
	for (i = 0; i < w->n; i++) {
		w->f[i].p = w->arena.buf + w->off[i];
		if (i)
			sbuf_addc(&w->raw, ',');
		sbuf_add_csv(&w->raw, w->f[i].p, w->f[i].len);
	}
	row.f = w->f;
	row.num = w->num;
	row.n = w->too_long ? 0 : w->n;
	row.line = line;
	row.nlines = 1;
	row.raw = w->raw.buf ? w->raw.buf : "";
	row.raw_len = w->raw.len;
	row.too_long = w->too_long;
	ret = fn(&row, ctx, err);
	wbrow_reset(w);
	return ret;
}
