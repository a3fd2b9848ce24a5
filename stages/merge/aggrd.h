/*
 * aggrd.h - a pull reader for aggregate files, one row at a time.
 *
 * rs-merge interleaves k sorted inputs, so it must ask each input for its
 * next row when it wants one; common/csvin only pushes rows to a callback.
 * This reader parses the small RFC 4180 dialect that rs-aggregate and
 * rs-merge write (comma, double quotes doubled inside quoted fields, LF or
 * CRLF line ends) over a gzip-transparent rs_in, and turns each record into
 * a struct agg_row with its numbers parsed exactly (amount in fen).
 *
 * Memory is one record: the row's strings point into the reader's buffer
 * and stay valid until the next aggrd_next() or aggrd_close().
 */
#ifndef RS_MERGE_AGGRD_H
#define RS_MERGE_AGGRD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fileio.h"
#include "sbuf.h"

/* Columns of an aggregate file; the first AGG_NKEY are the sort key. */
enum {
	AGG_REGION, AGG_PROGRAM, AGG_AREA, AGG_PERIOD, AGG_FUNDING,
	AGG_SUPPORT_MODE, AGG_BENEFICIARY, AGG_SEX, AGG_AGE, AGG_PAYMENTS,
	AGG_PERSONS, AGG_AMOUNT, AGG_NCOLS
};
#define AGG_NKEY 7
#define AGG_HEADER "region_code,program,area,period,funding,support_mode," \
	"beneficiary,sex,age,payments,persons,amount"

struct agg_row {
	const char *f[AGG_NCOLS];  /* NUL-terminated field text */
	size_t len[AGG_NCOLS];
	int64_t payments, persons, fen;
	long line;                 /* physical line where the row starts */
};

struct aggrd {
	const char *path;          /* borrowed from the caller */
	struct rs_in in;
	int open;
	char *buf;                 /* input chunk */
	size_t pos, have;
	int eof;
	long line;                 /* physical line of the next byte */
	struct sbuf rec;           /* field bytes, NUL-separated */
	size_t off[AGG_NCOLS + 1];
	size_t nf;                 /* fields seen, possibly > AGG_NCOLS */
};

/*
 * Opens path and checks its header line against AGG_HEADER. Returns 0, or
 * -1 with err naming the file (missing, unreadable, wrong header); the
 * reader is closed on failure.
 */
int aggrd_open(struct aggrd *r, const char *path, struct rs_error *err);
/*
 * Reads the next row into *row. Returns 1 for a row, 0 at end of file, or
 * -1 with err naming file and line (wrong field count, bad number,
 * unterminated quote, corrupt gzip).
 */
int aggrd_next(struct aggrd *r, struct agg_row *row, struct rs_error *err);
/* Compares the key columns of two rows bytewise, column by column. */
int agg_key_cmp(const struct agg_row *a, const struct agg_row *b);
void aggrd_close(struct aggrd *r);

#endif
