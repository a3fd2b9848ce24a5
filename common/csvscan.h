/*
 * csvscan.h - csvin's input in blocks, its lines found and split on a
 * second thread.
 *
 * Parsing a record costs csvin little; finding its line, checking the
 * line's UTF-8 and splitting it at the delimiter cost more (a third of
 * rs-report's time at 10 M rows). So a scanning thread reads the input in
 * blocks of about 1 MiB (rs_in_read: it inflates gzip there too), finds
 * every physical line of a block, and splits each line that csvin's fast
 * path would take whole (no quote, no CR before its terminator, valid
 * UTF-8 without NUL, shorter than max_record) into NUL-terminated fields.
 * csvin's own thread then walks the lines in order: it hands a split line
 * to its callback as it is, and feeds every other line to libcsv as
 * before.
 *
 * Blocks end where the reads end, not at line ends: a block's last line
 * may be cut (nl == 0), and the next block's first line is then the rest
 * of it. csvin joins the two.
 *
 * The thread also settles the encoding (RS_ENC_AUTO) on the first block
 * and skips a UTF-8 byte order mark. When no thread can be started, each
 * block is read and scanned when it is asked for: the same blocks, the
 * same lines.
 *
 * A caller can also have work done on each block ahead of its own thread
 * (csvscan_arm): working threads then take the scanned blocks in turn and
 * hand each to the caller's function before csvscan_next hands it out.
 * Which blocks are worked depends only on when the caller armed (the
 * blocks after the one it held then), never on the threads' timing.
 */
#ifndef RS_CSVSCAN_H
#define RS_CSVSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "error.h"

struct scan_line {
	uint32_t off;    /* where it starts in the block's data */
	uint32_t len;    /* bytes, its terminator included */
	uint32_t c;      /* split: bytes before its terminator */
	uint32_t ff;     /* split: its first field in f[] */
	uint32_t nf;     /* split: how many fields; 0: not split */
	int nl;          /* 1: ends with '\n' or a lone CR; 0: cut by the
			    end of the block */
};

struct scan_block {
	char *p;                 /* the data, as read */
	size_t n;
	struct scan_line *l;     /* its lines, in order */
	size_t nl;
	struct csv_field *f;     /* split lines' fields, into split */
	char *split;             /* split lines' text, cut with NULs */
	int end;                 /* the input ended with this block */
	int failed;              /* reading failed after this block's data: */
	struct rs_error err;     /* why */
	int oom;                 /* memory ran out while scanning it: the
				    lines after the last one listed are not
				    listed */
	void *work;              /* csvscan_arm's function's results for
				    this block, NULL when it was not worked
				    (set by that function) */
	void *wmem;              /* that function's own memory for this
				    block's slot, kept from one use of the
				    slot to the next; freed by csvscan_close
				    with the release function */

	/* the scanner's own */
	size_t cap, lcap, nf, fcap, nsplit;
};

struct csvscan;

/*
 * Opens path and starts the scanning thread. enc may be RS_ENC_AUTO;
 * split: 0 when the delimiter or encoding leaves nothing for the fast
 * path; fill: bytes a block holds at least (but at the end), 0 for the
 * default 1 MiB; workable: the caller may call csvscan_arm (one block
 * more turns between the threads for each working thread). Returns 0, or -1 with err filled (the
 * file cannot be opened).
 */
int csvscan_open(struct csvscan **sp, const char *path, enum rs_encoding enc,
		 unsigned char delim, int split, size_t max_record, size_t fill,
		 int workable, struct rs_error *err);
/*
 * Has w->fn called on every block after the one the caller holds (all of
 * them when it holds none yet), each before csvscan_next hands it out,
 * on w->nworkers threads of their own, which take the blocks in turn
 * (see csvin_work). w must stay valid until csvscan_close, which frees
 * each slot's wmem with w->release. Returns 0, or -1 when nothing will be
 * worked: the scan was opened without workable, every block was handed
 * out already, there is no scanning thread, or no working thread can be
 * started. The blocks are the same either way.
 */
int csvscan_arm(struct csvscan *s, const struct csvin_work *w);
/*
 * The next block, in order; NULL after the one with end, failed or oom
 * set. The block is the caller's, to read and write, until the next call.
 */
struct scan_block *csvscan_next(struct csvscan *s);
/* The input's encoding: what was asked for, or what RS_ENC_AUTO found.
 * Settled once the first block has been handed out. */
enum rs_encoding csvscan_encoding(const struct csvscan *s);
/* Stops the threads, waiting for a read it is in (on a pipe whose writer
 * stalls, that wait is the writer's), and frees s. */
void csvscan_close(struct csvscan *s);

/* RS_ENC_AUTO's choice for a file's first bytes buf[0..n) (only the
 * first 256 KiB are looked at): RS_ENC_UTF8_SIG for a byte order mark,
 * RS_ENC_UTF8 for UTF-8 but for a few stray bytes, else RS_ENC_GB18030.
 * rs-draft writes the same choice into the mapping. */
enum rs_encoding rs_encoding_detect(const char *buf, size_t n);
/* Length of the longest prefix of p[0..n) that is valid UTF-8 and holds
 * no NUL. */
size_t rs_utf8_prefix(const unsigned char *p, size_t n);
/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t rs_utf8_seq(const unsigned char *p, size_t n);

#endif
