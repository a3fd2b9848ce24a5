/*
 * fuzz_workbook.c - the workbook readers (common/xlsxin.c over libzip and
 * libxml2, common/xlsin.c over FreeXL) behind common/rowsrc.c.
 *
 * The input is the file itself: its first bytes pick the reader, as they
 * do for rs-ingest (.xls only in the replay: see below). The callback checks what rowsrc.h promises of every
 * row: lines are sheet rows that only go up, fields are NUL-terminated
 * strings of their length, raw is a string of its length.
 */
#include <string.h>

#include "fuzzlib.h"
#include "rowsrc.h"

struct seen {
	long last_line;
	long rows;
};

static int on_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct seen *s = ctx;
	size_t i;

	(void)err;
	if (row->line < 1 || row->line <= s->last_line)
		fuzz_fail("sheet row %ld after row %ld", row->line, s->last_line);
	s->last_line = row->line;
	if (!row->raw || strlen(row->raw) != row->raw_len)
		fuzz_fail("raw text length %zu is not its string length", row->raw_len);
	for (i = 0; i < row->n; i++)
		if (!row->f[i].p || strlen(row->f[i].p) != row->f[i].len)
			fuzz_fail("field %zu: length %zu is not its string length",
				  i, row->f[i].len);
	s->rows++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rowsrc_opts o;
	struct rs_error err;
	struct seen s = { 0, 0 };
	const char *path;

	if (size < 4 || (memcmp(data, "PK\3\4", 4) && memcmp(data, "\xD0\xCF\x11\xE0", 4)))
		return 0;
#ifdef RS_LIBFUZZER
	/* .xls: FreeXL runs in a child process (common/xlsin.c); under
	 * libFuzzer the child's death callback would report FreeXL's own
	 * faults as ours. The replay (make test) still reads .xls inputs. */
	if (!memcmp(data, "\xD0\xCF\x11\xE0", 4))
		return 0;
#endif
	path = fuzz_file(0, data, size);
	memset(&o, 0, sizeof(o));
	(void)rowsrc_read(path, &o, on_row, &s, NULL, &err);
	return 0;
}
