/*
 * aggrd.c - pull reader for aggregate files (see aggrd.h).
 *
 * The parser is a byte-at-a-time state machine over a 256 KiB chunk: it
 * keeps one record's fields in an sbuf with a 1 MiB ceiling, so a corrupt
 * file with a runaway quote is an error naming its line, not a memory
 * blow-up. Physical lines are counted as bytes go by, so the line a row
 * starts on is exact even when a quoted field holds a newline.
 */
#include <stdlib.h>
#include <string.h>

#include "aggrd.h"
#include "money.h"
#include "xalloc.h"

#define CHUNK (256 * 1024)
#define MAX_RECORD ((size_t)1 << 20)

enum { GB_EOF = -1, GB_ERR = -2 };

static int getbyte(struct aggrd *r, struct rs_error *err)
{
	if (r->pos == r->have) {
		long got;

		if (r->eof)
			return GB_EOF;
		got = rs_in_read(&r->in, r->buf, CHUNK, err);
		if (got < 0)
			return GB_ERR;
		if (got == 0) {
			r->eof = 1;
			return GB_EOF;
		}
		r->have = (size_t)got;
		r->pos = 0;
	}
	return (unsigned char)r->buf[r->pos++];
}

/* Looks at the next byte without consuming it. */
static int peekbyte(struct aggrd *r, struct rs_error *err)
{
	int c = getbyte(r, err);

	if (c >= 0)
		r->pos--;
	return c;
}

static int add(struct aggrd *r, int c, struct rs_error *err, long line)
{
	if (sbuf_addc(&r->rec, (char)c))
		return rs_err(err, "record too long in '%s' at line %ld (over %zu bytes)",
			      r->path, line, MAX_RECORD);
	return 0;
}

/* A byte of a field's text: a NUL would end the field early for every
 * reader that takes it as a C string, so it is refused. */
static int add_text(struct aggrd *r, int c, struct rs_error *err, long line)
{
	if (!c)
		return rs_err(err, "NUL byte in '%s' at line %ld", r->path, line);
	return add(r, c, err, line);
}

static int end_field(struct aggrd *r, struct rs_error *err, long line)
{
	if (r->nf >= AGG_NCOLS) {
		/* Keep counting but drop the bytes: the row is refused anyway. */
		r->nf++;
		return 0;
	}
	if (add(r, '\0', err, line))
		return -1;
	r->nf++;
	r->off[r->nf] = r->rec.len;
	return 0;
}

/*
 * Reads one raw record into r->rec / r->off. Returns 1, 0 at a clean end
 * of file, or -1. *start gets the line the record starts on.
 */
static int read_record(struct aggrd *r, long *start, struct rs_error *err)
{
	int c;

	sbuf_reset(&r->rec);
	r->nf = 0;
	r->off[0] = 0;
	c = peekbyte(r, err);
	if (c == GB_ERR)
		return -1;
	if (c == GB_EOF)
		return 0;
	*start = r->line;
	for (;;) {
		/* at the start of a field */
		c = getbyte(r, err);
		if (c == GB_ERR)
			return -1;
		if (c == '"') {
			for (;;) {
				c = getbyte(r, err);
				if (c == GB_ERR)
					return -1;
				if (c == GB_EOF)
					return rs_err(err, "unterminated quote in '%s' starting at line %ld",
						      r->path, *start);
				if (c == '"') {
					int d = peekbyte(r, err);
					if (d == GB_ERR)
						return -1;
					if (d != '"')
						break;
					r->pos++;
				}
				if (c == '\n')
					r->line++;
				if (r->nf < AGG_NCOLS && add_text(r, c, err, *start))
					return -1;
			}
			c = getbyte(r, err);
			if (c == GB_ERR)
				return -1;
			if (c == '\r' && peekbyte(r, err) == '\n')
				c = getbyte(r, err);
			if (c != ',' && c != '\n' && c != GB_EOF)
				return rs_err(err, "unexpected character after a closing quote in '%s' at line %ld",
					      r->path, r->line);
		} else {
			while (c != ',' && c != '\n' && c != GB_EOF) {
				if (c == '\r') {
					int d = peekbyte(r, err);
					if (d == GB_ERR)
						return -1;
					if (d == '\n' || d == GB_EOF) {
						c = getbyte(r, err);
						continue;
					}
				}
				if (c == '"')
					return rs_err(err, "stray quote in an unquoted field in '%s' at line %ld",
						      r->path, r->line);
				if (r->nf < AGG_NCOLS && add_text(r, c, err, *start))
					return -1;
				c = getbyte(r, err);
				if (c == GB_ERR)
					return -1;
			}
		}
		if (end_field(r, err, *start))
			return -1;
		if (c == '\n')
			r->line++;
		if (c != ',')
			return 1;
	}
}

static const char *const colname[AGG_NCOLS] = {
	"region_code", "program", "area", "period", "funding", "support_mode",
	"beneficiary", "sex", "age", "payments", "persons", "amount",
};

int aggrd_open(struct aggrd *r, const char *path, struct rs_error *err)
{
	long start = 0;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->line = 1;
	if (rs_in_open(&r->in, path, err))
		return -1;
	r->open = 1;
	r->buf = xmalloc(CHUNK);
	sbuf_init(&r->rec, MAX_RECORD);
	rc = read_record(r, &start, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		rs_err(err, "'%s' is empty: no header line", path);
		goto fail;
	}
	if (r->nf != AGG_NCOLS)
		goto bad_header;
	for (i = 0; i < AGG_NCOLS; i++)
		if (strcmp(r->rec.buf + r->off[i], colname[i]))
			goto bad_header;
	return 0;
bad_header:
	rs_err(err, "wrong header in '%s' at line 1: want '%s'", path, AGG_HEADER);
fail:
	aggrd_close(r);
	return -1;
}

int aggrd_next(struct aggrd *r, struct agg_row *row, struct rs_error *err)
{
	long start = 0;
	size_t i;
	int rc = read_record(r, &start, err);

	if (rc <= 0)
		return rc;
	if (r->nf != AGG_NCOLS)
		return rs_err(err, "wrong number of fields in '%s' at line %ld: %zu, want %d",
			      r->path, start, r->nf, AGG_NCOLS);
	for (i = 0; i < AGG_NCOLS; i++) {
		row->f[i] = r->rec.buf + r->off[i];
		row->len[i] = r->off[i + 1] - r->off[i] - 1;
	}
	row->line = start;
	/* A beneficiary is a 32-hex-digit pseudonym: anything else (a raw ID
	 * above all) must not pass through into the merged file. */
	if (row->len[AGG_BENEFICIARY] != 32 ||
	    strspn(row->f[AGG_BENEFICIARY], "0123456789abcdef") != 32)
		return rs_err(err, "bad beneficiary in '%s' at line %ld (want 32 hex digits)",
			      r->path, start);
	if (parse_int64(row->f[AGG_PAYMENTS], &row->payments))
		return rs_err(err, "bad payments '%s' in '%s' at line %ld",
			      row->f[AGG_PAYMENTS], r->path, start);
	if (parse_int64(row->f[AGG_PERSONS], &row->persons))
		return rs_err(err, "bad persons '%s' in '%s' at line %ld",
			      row->f[AGG_PERSONS], r->path, start);
	if (money_parse(row->f[AGG_AMOUNT], row->len[AGG_AMOUNT], MU_YUAN,
			&row->fen) != MONEY_OK)
		return rs_err(err, "bad amount '%s' in '%s' at line %ld",
			      row->f[AGG_AMOUNT], r->path, start);
	return 1;
}

int agg_key_cmp(const struct agg_row *a, const struct agg_row *b)
{
	int i, c;

	for (i = 0; i < AGG_NKEY; i++) {
		c = strcmp(a->f[i], b->f[i]);
		if (c)
			return c;
	}
	return 0;
}

void aggrd_close(struct aggrd *r)
{
	if (r->open)
		rs_in_close(&r->in);
	r->open = 0;
	free(r->buf);
	r->buf = NULL;
	sbuf_release(&r->rec);
}
