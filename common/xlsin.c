/*
 * xlsin.c - rows of an .xls (BIFF, Excel 97-2003) workbook through FreeXL
 * (see rowsrc.h). The one file that talks to FreeXL. FreeXL reads a sheet
 * into memory when it opens the file; an .xls sheet holds at most 65536
 * rows, so that is bounded by the format.
 */
#include <freexl.h>
#include <stdio.h>
#include <string.h>

#include "rowsrc.h"
#include "xalloc.h"

static void cell_text(const FreeXL_CellValue *v, char *buf, size_t bufsz,
		      const char **s)
{
	*s = buf;
	buf[0] = '\0';
	switch (v->type) {
	case FREEXL_CELL_INT:
		snprintf(buf, bufsz, "%d", v->value.int_value);
		break;
	case FREEXL_CELL_DOUBLE:
		rs_number_text(v->value.double_value, buf, bufsz);
		break;
	case FREEXL_CELL_TEXT:
	case FREEXL_CELL_SST_TEXT:
		*s = v->value.text_value ? v->value.text_value : "";
		break;
	case FREEXL_CELL_DATE:
	case FREEXL_CELL_DATETIME:
		/* "YYYY-MM-DD" or "YYYY-MM-DD hh:mm:ss": keep the date */
		snprintf(buf, bufsz, "%.10s", v->value.text_value ? v->value.text_value : "");
		break;
	case FREEXL_CELL_TIME:
		snprintf(buf, bufsz, "%s", v->value.text_value ? v->value.text_value : "");
		break;
	default:
		break;
	}
}

int xls_read(const char *path, const char *sheet, csvin_fn fn, void *ctx,
	     struct rs_error *err)
{
	const void *h = NULL;
	unsigned int nsheets = 0, rows = 0, r;
	unsigned short cols = 0, c, idx = 0;
	struct wbrow w;
	struct sbuf names;
	int rc, ret = -1, found = sheet == NULL;
	char buf[64];

	wbrow_init(&w);
	sbuf_init(&names, 4096);
	rc = freexl_open(path, &h);
	if (rc != FREEXL_OK) {
		rs_err(err, "'%s' starts like an .xls workbook (an OLE file) but cannot be read as one (FreeXL error %d); save it from Excel as .xlsx or export CSV",
		       path, rc);
		goto out;
	}
	if (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &nsheets) != FREEXL_OK ||
	    !nsheets) {
		rs_err(err, "'%s' is an OLE file but holds no Excel sheet (a Word or other Office file?)", path);
		goto out;
	}
	for (r = 0; sheet && r < nsheets && r < 65535; r++) {
		const char *name = NULL;
		if (freexl_get_worksheet_name(h, (unsigned short)r, &name) != FREEXL_OK)
			continue;
		if (names.len)
			sbuf_adds(&names, ", ");
		sbuf_adds(&names, name ? name : "");
		if (!found && name && !strcmp(name, sheet)) {
			idx = (unsigned short)r;
			found = 1;
		}
	}
	if (!found) {
		rs_err(err, "workbook '%s' has no sheet '%s' (its sheets: %s); set the mapping's sheet to one of them",
		       path, sheet, names.len ? names.buf : "none");
		goto out;
	}
	if (freexl_select_active_worksheet(h, idx) != FREEXL_OK ||
	    freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK) {
		rs_err(err, "workbook '%s' is damaged: its sheet %u cannot be read", path,
		       idx + 1);
		goto out;
	}
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			FreeXL_CellValue v;
			const char *s;
			rc = freexl_get_cell_value(h, r, c, &v);
			if (rc != FREEXL_OK) {
				rs_err(err, "workbook '%s' is damaged at row %u column %u (FreeXL error %d)",
				       path, r + 1, c + 1u, rc);
				goto out;
			}
			cell_text(&v, buf, sizeof(buf), &s);
			wbrow_cell(&w, c, s, strlen(s));
		}
		if (wbrow_emit(&w, (long)r + 1, fn, ctx, err))
			goto out;
	}
	ret = 0;
out:
	if (h)
		freexl_close(h);
	wbrow_release(&w);
	sbuf_release(&names);
	return ret;
}

int xls_sheets(const char *path, struct sbuf *names, size_t *n,
	       struct rs_error *err)
{
	const void *h = NULL;
	unsigned int count = 0, i;

	if (freexl_open(path, &h) != FREEXL_OK) {
		if (h)
			freexl_close(h);
		return rs_err(err, "'%s' starts like an .xls workbook (an OLE file) but cannot be read as one",
			      path);
	}
	freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &count);
	for (i = 0; i < count && i < 65535; i++) {
		const char *name = NULL;
		if (freexl_get_worksheet_name(h, (unsigned short)i, &name) != FREEXL_OK)
			name = "";
		sbuf_adds(names, name ? name : "");
		sbuf_addc(names, '\0');
		(*n)++;
	}
	freexl_close(h);
	return 0;
}
