/*
 * fuzz_csv.c - the CSV reader (common/csvin.c over libcsv).
 *
 * The first byte picks the options (encoding, delimiter, a small record
 * limit so the too-long path is reached); the rest is the file. The
 * callback checks what csvin.h promises of every row. The file is then
 * read again in blocks of a few bytes (1 to 13, by the input's size), so that
 * every record crosses block ends, and the two readings must agree. Line
 * accounting: LF, CRLF and a lone CR each end a physical line; one line
 * starts one record at most, records never overlap, and none ends past
 * the file's last line (a runaway quote is one row, not millions).
 */
#include <string.h>

#include "csvin.h"
#include "fuzzlib.h"
#include "kset.h"

struct seen {
	long last_line;
	long lines;          /* physical lines of a plain input; -1: gzip */
	size_t max_record;
	uint64_t digest;     /* of every row seen, in order */
	long rows;
};

static void mix(struct seen *s, const void *p, size_t n)
{
	s->digest = rs_hash(p, n) ^ (s->digest * 0x100000001B3ULL);
}

static int on_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct seen *s = ctx;
	size_t i, total = 0;

	(void)err;
	/* A lone CR ends a physical line too: each line starts one record
	 * at most, and records never overlap. */
	if (row->line < 1 || row->nlines < 1 || row->line <= s->last_line)
		fuzz_fail("row line %ld (%ld lines) after line %ld", row->line,
			  row->nlines, s->last_line);
	s->last_line = row->line + row->nlines - 1;
	if (s->lines >= 0 && s->last_line > s->lines)
		fuzz_fail("row line %ld (%ld lines) ends past the file's %ld lines",
			  row->line, row->nlines, s->lines);
	if (!row->raw || strlen(row->raw) != row->raw_len)
		fuzz_fail("raw text length %zu is not its string length", row->raw_len);
	if (row->too_long && row->n)
		fuzz_fail("a too-long row has %zu fields", row->n);
	for (i = 0; i < row->n; i++) {
		if (!row->f[i].p || strlen(row->f[i].p) != row->f[i].len)
			fuzz_fail("field %zu: length %zu is not its string length",
				  i, row->f[i].len);
		total += row->f[i].len + 1;
	}
	if (total > s->max_record)
		fuzz_fail("row of %zu bytes passed max_record %zu", total,
			  s->max_record);
	{
		long head[6] = { row->line, row->nlines, row->bad_encoding,
				 row->bad_col, row->too_long, row->unterminated };
		mix(s, head, sizeof(head));
		mix(s, &row->n, sizeof(row->n));
		for (i = 0; i < row->n; i++)
			mix(s, row->f[i].p, row->f[i].len + 1);
		mix(s, row->raw, row->raw_len);
	}
	s->rows++;
	return 0;
}

/* Lines of a plain file (LF, CRLF, lone CR), the last one unended too;
 * -1 for what csvin would inflate (gzip's magic). */
static long physical_lines(const uint8_t *p, size_t n)
{
	long lines = 0;
	size_t i;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')))
			lines++;
	}
	if (n && p[n - 1] != '\n' && p[n - 1] != '\r')
		lines++;
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rs_encoding enc[] = {
		RS_ENC_AUTO, RS_ENC_UTF8, RS_ENC_UTF8_SIG, RS_ENC_GB18030
	};
	static const unsigned char delim[] = { ',', '\t', ';', '|' };
	struct csvin_opts o;
	struct rs_error err;
	struct seen s = { 0, 0, 0, 0, 0 }, t;
	const char *path;
	unsigned sel;
	int r1, r2;

	if (!size)
		return 0;
	sel = data[0];
	memset(&o, 0, sizeof(o));
	o.encoding = enc[sel & 3];
	o.delim = delim[(sel >> 2) & 3];
	o.max_record = (sel & 0x10) ? 64 + (size_t)(sel >> 5) * 64 : 0;
	s.max_record = o.max_record ? o.max_record : (size_t)1 << 20;
	path = fuzz_file(0, data + 1, size - 1);
	s.lines = physical_lines(data + 1, size - 1);
	r1 = csvin_read(path, &o, on_row, &s, &err);
	t = s;
	t.last_line = 0;
	t.digest = 0;
	t.rows = 0;
	o.block = 1 + size % 13;
	r2 = csvin_read(path, &o, on_row, &t, &err);
	/* A read error (a gzip-looking input) may come after rows in small
	 * blocks and before any in one: then only the outcome must agree. */
	if (r1 != r2 || (!r1 && (s.rows != t.rows || s.digest != t.digest)))
		fuzz_fail("read in blocks of %zu bytes: %ld rows (returned %d), "
			  "in one: %ld rows (returned %d), or their rows differ",
			  o.block, t.rows, r2, s.rows, r1);
	return 0;
}
