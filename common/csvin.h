/*
 * csvin.h - streaming CSV reader over libcsv, with physical line numbers.
 *
 * This is the one place that talks to libcsv. It reads a file (plain or
 * gzip) in a declared encoding, converts each physical line to UTF-8,
 * parses RFC 4180 records and hands them one at a time to a callback.
 * Memory is bounded by the longest record (max_record), never by the file.
 *
 * Line numbers count physical lines from 1, so a quoted field holding a
 * newline never shifts the numbers of later records.
 */
#ifndef RS_CSVIN_H
#define RS_CSVIN_H

#include <stddef.h>

#include "error.h"

enum rs_encoding {
	RS_ENC_UTF8,       /* UTF-8; a BOM, if present, is skipped */
	RS_ENC_UTF8_SIG,   /* UTF-8 with a BOM expected (skipped) */
	RS_ENC_GB18030,
	RS_ENC_AUTO,       /* BOM -> UTF-8; else UTF-8 if the first 256 KiB
			      are valid UTF-8 but for a few stray bytes (at
			      most one invalid sequence per 20 valid
			      multi-byte characters); else GB18030 */
};

/* Parses "utf-8", "utf-8-sig", "gb18030", "auto". Returns 0 or -1. */
int rs_encoding_parse(const char *name, enum rs_encoding *enc);

struct csv_field {
	const char *p;   /* UTF-8, NUL-terminated */
	size_t len;
};

struct csv_row {
	const struct csv_field *f;
	size_t n;            /* number of fields */
	long line;           /* physical line where the record starts */
	long nlines;         /* physical lines it spans */
	int bad_encoding;    /* some byte was invalid in the encoding */
	long bad_col;        /* 1-based byte column of the first bad byte,
				in its physical line bad_line */
	long bad_line;
	long bad_bytes;      /* bytes invalid in the encoding (NULs too) */
	int gb18030;         /* the file is read as GB18030 (declared, or
				what RS_ENC_AUTO found); 0: UTF-8 */
	const char *raw;     /* the record's text as UTF-8, without the final
				line terminator (invalid bytes shown as U+FFFD) */
	size_t raw_len;
	const unsigned char *num; /* a workbook's row: num[i] is 1 when field i
				was a number cell (shown as rowsrc.h says);
				NULL for CSV, where every field is text */
	const void *pre;     /* a line csvscan split, in a block the caller's
				work looked at first (csvin_work): its
				result for this line; NULL otherwise */
	int too_long;        /* record exceeded max_record: fields are empty,
				raw holds its first bytes only */
	int unterminated;    /* a runaway quote: a quoted field opened on this
				line was still open at the end of the file
				or after max_lines lines. The record is this
				one line (raw), and the lines after it are
				read again as records of their own. */
	int no_eol;          /* the file ends in this record with no line
				terminator after it: either the export
				merely lacks its final newline, or it was
				cut short (still being copied) in the middle
				of this record. Set on the file's last
				record only (and on a runaway quote opened
				on the file's last line, which has no line
				end); never on a workbook's row. */
};

struct csvin_opts {
	enum rs_encoding encoding;
	unsigned char delim;     /* default ',' */
	size_t max_record;       /* bytes; default 1 MiB */
	size_t block;            /* bytes read at a time; 0: 1 MiB. Tests
				    set it small, so that records cross many
				    block ends (common/csvscan.h) */
	long max_lines;          /* physical lines a quoted field may span;
				    0: CSVIN_MAX_LINES */
	struct csvin_work *work; /* the caller's work on a second thread;
				    NULL: none */
};

struct scan_block;

/*
 * Work on the lines ahead of the callback, on threads of their own. Once
 * the callback sets armed (on csvin's thread, when it knows what to do
 * with a row: after the header, say), fn is called for every block after
 * the one being read, in order, before any of that block's records
 * reaches the callback. fn looks at the block's split lines
 * (csvscan.h) and may point b->work at an array of results, stride
 * bytes for each of the block's lines; the callback then finds line i's
 * at row->pre for each record csvin makes of a split line, and NULL for
 * every other record. What fn computes must not depend on which blocks
 * were worked: when no thread can be started nothing is worked (pre
 * stays NULL), and the callback must make the same of each row either
 * way. fn may keep memory in b->wmem from one use of the block's slot to
 * the next; release(ctx, wmem) frees it when the file is closed. fn runs
 * beside the callback: it may only call what is safe beside it.
 */
#define CSVIN_MAX_WORKERS 2
struct csvin_work {
	void (*fn)(void *ctx, struct scan_block *b);
	void (*release)(void *ctx, void *wmem);
	/* Up to CSVIN_MAX_WORKERS threads share the blocks in turn, thread k
	 * calling fn with ctx[k] (release has ctx[0]); as many as can be
	 * started of nworkers. */
	void *ctx[CSVIN_MAX_WORKERS];
	int nworkers;
	size_t stride;
	int armed;
};

/* A quote still open after this many lines is taken for a runaway. */
#define CSVIN_MAX_LINES 100

/*
 * Returns 0 to go on, -1 to stop (the callback fills err).
 */
typedef int (*csvin_fn)(const struct csv_row *row, void *ctx,
			struct rs_error *err);

/*
 * Reads every record of path (the header included: it is the first record
 * the callback sees) and calls fn for each. Returns 0 at end of input, or -1
 * with err filled: an I/O or gzip error, or the callback's error. Bad
 * records are handed to the callback, flagged, never dropped: a runaway
 * quote comes as its opening line with unterminated set (see csv_row), a
 * record longer than max_record with too_long set (the reader
 * resynchronises at the next physical line outside quotes: a quoted field
 * of any size is one record). Lines end at LF, CRLF or a lone CR.
 */
int csvin_read(const char *path, const struct csvin_opts *opts, csvin_fn fn,
	       void *ctx, struct rs_error *err);

#endif
