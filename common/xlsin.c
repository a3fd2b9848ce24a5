/*
 * xlsin.c - rows of an .xls (BIFF, Excel 97-2003) workbook through FreeXL
 * (see rowsrc.h). The one file that talks to FreeXL. FreeXL reads a sheet
 * into memory when it opens the file; an .xls sheet holds at most 65536
 * rows, so that is bounded by the format.
 *
 * FreeXL runs in a child process: on a damaged or crafted file FreeXL
 * 1.0.6 (Debian 12) overruns a stack buffer of its own (found by
 * tests/fuzz/fuzz_workbook.c), and what it breaks must not be our stack.
 * The child sends each row's cells over a pipe (a frame 'R': line, the
 * too-long flag, the number of cells, each cell's length, with CELL_NUM
 * set for a number cell, and bytes; then
 * 'E': the result and its message, or 'S': the sheet names); the parent
 * rebuilds the rows and calls back as before. A child that dies without
 * its 'E' frame is reported as a damaged workbook, naming the signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <freexl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rowsrc.h"
#include "xalloc.h"

/* in a cell's length word on the pipe: the cell was a number */
#define CELL_NUM 0x80000000u

/* A cell's text (rowsrc.h); returns 1 for a number cell, else 0. */
static int cell_text(const FreeXL_CellValue *v, char *buf, size_t bufsz,
		     const char **s)
{
	*s = buf;
	buf[0] = '\0';
	switch (v->type) {
	case FREEXL_CELL_INT:
		snprintf(buf, bufsz, "%d", v->value.int_value);
		return 1;
	case FREEXL_CELL_DOUBLE:
		rs_number_text(v->value.double_value, buf, bufsz);
		return 1;
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
	return 0;
}

static int xls_read_here(const char *path, const char *sheet, csvin_fn fn,
			 void *ctx, struct rs_error *err)
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
			if (cell_text(&v, buf, sizeof(buf), &s))
				wbrow_cell_num(&w, c, s, strlen(s));
			else
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

static int xls_sheets_here(const char *path, struct sbuf *names, size_t *n,
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

/* ---- the child process ---- */

static int put(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int get(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t k = read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* In the child: one 'R' frame per row. */
static int send_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	int fd = *(int *)ctx;
	uint32_t hdr[3] = { (uint32_t)row->line, (uint32_t)row->too_long,
			    (uint32_t)row->n };
	size_t i;

	if (put(fd, "R", 1) || put(fd, hdr, sizeof(hdr)))
		return rs_err(err, "the .xls reader's pipe closed");
	for (i = 0; i < row->n; i++) {
		uint32_t len = (uint32_t)row->f[i].len;
		uint32_t word = len | (row->num && row->num[i] ? CELL_NUM : 0);

		if (put(fd, &word, sizeof(word)) || put(fd, row->f[i].p, len))
			return rs_err(err, "the .xls reader's pipe closed");
	}
	return 0;
}

static void send_end(int fd, int rc, const struct rs_error *err)
{
	int32_t r = rc;
	uint32_t len = rc ? (uint32_t)strlen(err->msg) : 0;

	if (!put(fd, "E", 1) && !put(fd, &r, sizeof(r)) && !put(fd, &len, sizeof(len)))
		put(fd, err->msg, len);
}

/* Starts the child: job 0 reads the sheet, 1 lists the sheets. Returns
 * its pid with the pipe's read end in *fd, or -1 with err filled. */
static pid_t start(int job, const char *path, const char *sheet, int *fd,
		   struct rs_error *err)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return rs_err(err, "cannot read '%s': pipe: %s", path, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return rs_err(err, "cannot read '%s': fork: %s", path, strerror(errno));
	}
	if (pid == 0) {
		struct rs_error e;
		int rc;

		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		/* what the child has to say goes through the pipe; whatever
		 * FreeXL's faults make it print (a sanitizer's report) is not
		 * ours to show */
		{
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0) {
				dup2(nul, 2);
				close(nul);
			}
		}
		if (job == 0) {
			rc = xls_read_here(path, sheet, send_row, &p[1], &e);
		} else {
			struct sbuf names;
			size_t n = 0;
			uint32_t len;

			sbuf_init(&names, 0);
			rc = xls_sheets_here(path, &names, &n, &e);
			len = (uint32_t)names.len;
			if (!rc && (put(p[1], "S", 1) || put(p[1], &len, sizeof(len)) ||
				    put(p[1], names.buf ? names.buf : "", len)))
				_exit(3);
			sbuf_release(&names);
		}
		send_end(p[1], rc, &e);
		_exit(0);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* Waits for the child. Returns 0 when it ended normally after its 'E'
 * frame (ended), else -1 with err filled unless it already is. */
static int finish(pid_t pid, int fd, int ended, int have_err, const char *path,
		  struct rs_error *err)
{
	int status = 0;

	close(fd);
	if (!ended)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ended && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (have_err)
		return -1;
	if (WIFSIGNALED(status))
		return rs_err(err, "'%s': the .xls reader (FreeXL) stopped on signal %d: the workbook is damaged or of a kind it cannot read; save it from Excel as .xlsx, or export CSV with the ID column as text",
			      path, WTERMSIG(status));
	return rs_err(err, "'%s': the .xls reader (FreeXL) ended without reading the workbook (exit %d); save it from Excel as .xlsx, or export CSV with the ID column as text",
		      path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Reads the 'E' frame's result after its tag. */
static int read_end(int fd, struct rs_error *err, int *have_err)
{
	int32_t r;
	uint32_t len;
	char msg[sizeof(err->msg)];

	if (get(fd, &r, sizeof(r)) || get(fd, &len, sizeof(len)) ||
	    len >= sizeof(msg) || get(fd, msg, len))
		return -1;
	msg[len] = '\0';
	if (r) {
		rs_err(err, "%s", msg);
		*have_err = 1;
	}
	return 0;
}

int xls_read(const char *path, const char *sheet, csvin_fn fn, void *ctx,
	     struct rs_error *err)
{
	struct wbrow w;
	int fd, ended = 0, have_err = 0;
	pid_t pid = start(0, path, sheet, &fd, err);
	char tag;

	if (pid < 0)
		return -1;
	wbrow_init(&w);
	while (!ended && !have_err && !get(fd, &tag, 1)) {
		uint32_t hdr[3], len, i;

		if (tag == 'E') {
			if (read_end(fd, err, &have_err))
				break;
			ended = 1;
			break;
		}
		if (tag != 'R' || get(fd, hdr, sizeof(hdr)) || hdr[2] > 65536)
			break;
		for (i = 0; i < hdr[2]; i++) {
			char *buf;
			int num;

			if (get(fd, &len, sizeof(len)))
				break;
			num = (len & CELL_NUM) != 0;
			len &= ~CELL_NUM;
			if (len > WB_MAX_ROW)
				break;
			buf = xmalloc((size_t)len + 1);
			if (get(fd, buf, len)) {
				free(buf);
				break;
			}
			if (num)
				wbrow_cell_num(&w, (long)i, buf, len);
			else
				wbrow_cell(&w, (long)i, buf, len);
			free(buf);
		}
		if (i < hdr[2])
			break;
		if (hdr[1])
			w.too_long = 1;
		if (wbrow_emit(&w, (long)hdr[0], fn, ctx, err))
			have_err = 1;
	}
	wbrow_release(&w);
	if (finish(pid, fd, ended, have_err, path, err))
		return -1;
	return have_err ? -1 : 0;
}

int xls_sheets(const char *path, struct sbuf *names, size_t *n,
	       struct rs_error *err)
{
	int fd, ended = 0, have_err = 0;
	pid_t pid = start(1, path, NULL, &fd, err);
	char tag;
	uint32_t len;

	if (pid < 0)
		return -1;
	while (!ended && !have_err && !get(fd, &tag, 1)) {
		if (tag == 'E') {
			if (!read_end(fd, err, &have_err))
				ended = 1;
			break;
		}
		if (tag != 'S' || get(fd, &len, sizeof(len)) || len > (1u << 24))
			break;
		{
			char *buf = xmalloc((size_t)len + 1);
			size_t i;

			if (get(fd, buf, len)) {
				free(buf);
				break;
			}
			sbuf_add(names, buf, len);
			for (i = 0; i < len; i++)
				*n += buf[i] == '\0';
			free(buf);
		}
	}
	if (finish(pid, fd, ended, have_err, path, err))
		return -1;
	return have_err ? -1 : 0;
}
