/*
 * rowsrc.h - the rows of a source export, whatever its format: CSV (plain
 * or gzip, through csvin), an .xlsx workbook (xlsxin.c: libzip and
 * libxml2's streaming reader) or an .xls workbook (xlsin.c: FreeXL).
 *
 * The format is told by the file's first bytes, never by its name: "PK\3\4"
 * is a zip (an .xlsx), D0 CF 11 E0 an OLE compound file (an .xls), anything
 * else CSV. Workbook rows reach the callback as CSV records do (struct
 * csv_row): fields are UTF-8 text, line is the sheet's row number, raw is
 * the row's cells joined as one CSV line. Empty rows are skipped as blank
 * lines are. A cell keeps its meaning in its text:
 *   - a text cell is its text, byte for byte (an ID stays intact);
 *   - a number is its shortest decimal form that reads back to the same
 *     binary value (2497.5, 0.0734), written as a spreadsheet shows a long
 *     number (4.101031990010112E+17) from 10^15 on, so that an ID stored
 *     as a number is seen to be mangled;
 *   - a date cell (a number with a date format) is YYYY-MM-DD;
 *   - a boolean is TRUE or FALSE, an error its code (#N/A).
 */
#ifndef RS_ROWSRC_H
#define RS_ROWSRC_H

#include "csvin.h"
#include "error.h"
#include "sbuf.h"

enum rs_format { RS_FMT_CSV, RS_FMT_XLSX, RS_FMT_XLS };

struct rowsrc_opts {
	struct csvin_opts csv;   /* for CSV input */
	const char *sheet;       /* workbook sheet by name; NULL: the first
				    visible one */
};

/* The format of path from its first bytes (anything but a regular file,
 * a pipe or a FIFO, is CSV, its bytes left unread). Returns 0, or -1 with
 * err filled when the file cannot be opened. */
int rowsrc_sniff(const char *path, enum rs_format *fmt, struct rs_error *err);
const char *rowsrc_format_name(enum rs_format fmt);

/*
 * Reads every row of path and calls fn for each, as csvin_read does
 * (csvin.h), the header included. Returns 0 at the end, or -1 with err
 * filled: the file cannot be read as the format its first bytes say (a
 * zip that is not a workbook, a damaged one), the sheet is not there, or
 * the callback's error. fmt_out, if not NULL, receives the format.
 */
int rowsrc_read(const char *path, const struct rowsrc_opts *o, csvin_fn fn,
		void *ctx, enum rs_format *fmt_out, struct rs_error *err);

/* The sheet names of a workbook, in order, NUL-separated into names;
 * *n is how many. Returns 0, or -1 with err filled. rowsrc_visible_sheets
 * leaves out the hidden ones (an .xlsx sheet with state hidden or
 * veryHidden; FreeXL does not tell, so an .xls lists them all): the
 * sheets a reader without a sheet name chooses from, the first one being
 * rowsrc_read's default. */
int rowsrc_sheets(const char *path, enum rs_format fmt, struct sbuf *names,
		  size_t *n, struct rs_error *err);
int rowsrc_visible_sheets(const char *path, enum rs_format fmt,
			  struct sbuf *names, size_t *n, struct rs_error *err);

/* Writes v's shortest round-trip decimal form into out (>= 32 bytes), as
 * described above. Returns out. */
char *rs_number_text(double v, char *out, size_t outsz);

/*
 * A workbook row being built, cell by cell, for the callback: used by
 * xlsxin.c and xlsin.c. Cells are placed by 0-based column; the gaps
 * between them are empty fields. Bounded: a row past max bytes is handed
 * over with too_long set, as csvin does.
 */
struct wbrow {
	struct sbuf arena;       /* field text, NUL-separated */
	size_t *off;
	size_t n, cap;           /* fields so far */
	struct csv_field *f;
	unsigned char *num;      /* per field: came from a number cell */
	struct sbuf raw;
	int too_long, any;       /* any: some cell is not empty */
	size_t max;
};
void wbrow_init(struct wbrow *w);
void wbrow_release(struct wbrow *w);
void wbrow_reset(struct wbrow *w);
/* Puts text in 0-based column col (a column left of the last one set is
 * ignored: cells come in order). */
void wbrow_cell(struct wbrow *w, long col, const char *s, size_t n);
/* The same, for a number cell's text (the row's num says so). */
void wbrow_cell_num(struct wbrow *w, long col, const char *s, size_t n);
/* Hands the row (if not empty) to fn as sheet row number line and resets
 * it. Returns fn's result, or 0. */
int wbrow_emit(struct wbrow *w, long line, csvin_fn fn, void *ctx,
	       struct rs_error *err);

/* The longest workbook row handed over whole (bytes of its cells). */
#define WB_MAX_ROW ((size_t)1 << 20)

/* The two readers behind rowsrc_read, and their sheet lists. */
int xlsx_sheets(const char *path, struct sbuf *names, size_t *n,
		int visible_only, struct rs_error *err);
int xls_sheets(const char *path, struct sbuf *names, size_t *n,
	       struct rs_error *err);
int xlsx_read(const char *path, const char *sheet, csvin_fn fn, void *ctx,
	      struct rs_error *err);
int xls_read(const char *path, const char *sheet, csvin_fn fn, void *ctx,
	     struct rs_error *err);

#endif
