/*
 * fileio.h - atomic outputs and gzip-transparent inputs.
 *
 * Outputs appear atomically (SPEC.md section 7): rs_out writes to a hidden
 * temporary file beside the target, and rs_out_commit() flushes, fsyncs and
 * renames it into place; rs_out_abort() (or a crash, or a kill) leaves the
 * previous file, if any, untouched. A path ending in ".gz" is written
 * gzip-compressed; any other path is written plainly.
 *
 * A target that exists and is not a regular file (/dev/null, a FIFO, a
 * terminal) is written in place: renaming a file over /dev/null as root
 * would replace the device.
 *
 * A gzip output over a block (1 MiB) is cut into blocks, each compressed
 * into a gzip member (by ISA-L at level 1, libdeflate at others) on one of
 * two threads while the caller goes on producing the next; members are
 * written in order, so the bytes do not depend on the threads, nor on
 * whether any could be started (without them the caller compresses the
 * same members itself). A smaller output is one zlib gzwrite stream. Errors are reported as before: by
 * rs_out_commit.
 *
 * Inputs are read through zlib, which reads plain files as they are, so
 * every stage accepts a compressed or an uncompressed file. A truncated or
 * corrupt gzip stream is an error naming the file. The gzip members our
 * own outputs are made of are decoded with ISA-L (libdeflate with
 * RS_GZIP_NO_ISAL=1) instead, which costs under half as much: the same
 * bytes, and the same errors, as zlib gives.
 */
#ifndef RS_FILEIO_H
#define RS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

#include "error.h"

/*
 * The data in each gzip member of an output over one block; also the read
 * size (rs_in_read's n) from which a member is decoded straight into the
 * caller's buffer rather than copied out of one of the input's own.
 */
#define RS_GZ_BLOCK (1024 * 1024)

struct rs_zwriter;

struct rs_out {
	char *path;     /* final path */
	char *tmp;      /* temporary path beside it */
	int fd;
	int gzip;       /* a gzip output (path ends in .gz) */
	gzFile gz;      /* its single stream, when written without threads
			   (opened with the first data) */
	int zw_used;    /* its blocks went to the compressing threads */
	char *buf;      /* write buffer (for gzip output: the block being
			   filled, compressed by the writer thread) */
	size_t len, cap;
	int failed;     /* a write failed; commit will fail */
	int direct;     /* the target is no regular file (/dev/null, a pipe):
			   written in place, never renamed over or removed */
	char why[256];
	struct rs_zwriter *zw;  /* gzip output's compressing threads, started
				   at its first full block; NULL before */
};

/* Compression level for intermediates (RS_GZIP_LEVEL overrides; default 1:
 * intermediates are read once by the next stage, so speed wins). */
int rs_gzip_level(void);

/*
 * Opens a new output for path with the given permission bits (0644 for
 * ordinary outputs, 0600 for reject files). On error fills err and returns
 * -1; nothing is created.
 */
int rs_out_open(struct rs_out *o, const char *path, mode_t mode,
		struct rs_error *err);
/* Buffered write. Errors are remembered and reported by rs_out_commit. */
void rs_out_write(struct rs_out *o, const void *p, size_t n);
void rs_out_puts(struct rs_out *o, const char *s);
/*
 * A text of n items, made by the caller's functions: len(ctx, i) is the
 * length of item i's text, at most max_len; fill(ctx, from, to, buf) writes
 * the text of items [from, to) into buf and returns its length, which must
 * be the sum of their lens. fill must be safe to call from several threads
 * at once (it only reads ctx); len is called on the caller's thread only,
 * in item order.
 */
struct rs_out_items {
	size_t n, max_len;
	size_t (*len)(void *ctx, size_t i);
	size_t (*fill)(void *ctx, size_t from, size_t to, char *buf);
	void *ctx;
};
/*
 * Writes the items' text, as rs_out_write of it would, to the byte: the
 * gzip members end at the same places. For a gzip output of more than a
 * block, the compressing threads make each block's whole items as they
 * take it, so making the text runs on both cores beside compression; the
 * caller's thread only sums lengths and makes the item cut by each block's
 * end. Returns when no thread can call fill any more.
 */
void rs_out_write_items(struct rs_out *o, const struct rs_out_items *it);
/*
 * Finishes the file: flush, fsync, rename over path, fsync the directory.
 * Returns 0, or -1 with err filled (disk full, I/O error) in which case the
 * temporary file is removed and the previous output stays intact. The
 * struct is released either way.
 */
int rs_out_commit(struct rs_out *o, struct rs_error *err);
/*
 * The first half of rs_out_commit: flush, fsync, close. The data is on
 * disk under the temporary name; the output is still open for
 * rs_out_abort (and the signal cleanup). Returns 0, or -1 with err filled,
 * the temporary file removed and the struct released.
 */
int rs_out_finish(struct rs_out *o, struct rs_error *err);
/*
 * Commits a stage's n outputs together (issue 26): all are finished
 * first, and only when every one is on disk are they renamed into place,
 * in order (put the summary last: it marks the set as whole). A failure
 * before the renames aborts them all and leaves every previous output as
 * it was. Returns 0, or -1 with err filled; the structs are released
 * either way.
 */
int rs_out_commit_set(struct rs_out *const *outs, size_t n, struct rs_error *err);
/*
 * A batch: for a stage with many outputs (rs-report's tables). After
 * rs_out_batch_begin, rs_out_commit finishes each output (on disk under
 * its temporary name) and queues its rename; rs_out_batch_commit renames
 * them all, in order, and rs_out_batch_abort removes them: all new or all
 * old. Both end the batch; commit returns 0 or -1 with err filled.
 */
void rs_out_batch_begin(void);
int rs_out_batch_commit(struct rs_error *err);
void rs_out_batch_abort(void);
/* Discards the temporary file and releases the struct. Safe to call twice,
 * and on a finished output. */
void rs_out_abort(struct rs_out *o);

/* Removes every output still open (for signal handlers and fatal exits). */
void rs_out_abort_all(void);
/* Installs SIGTERM/SIGINT/SIGHUP handlers that abort open outputs and exit
 * with 128+signal. */
void rs_out_install_signal_cleanup(void);

struct rs_gzmembers;

struct rs_in {
	char *path;
	gzFile gz;              /* zlib's reader: the file, or its rest when
				   members hand over to it */
	int eof;
	struct rs_gzmembers *gm; /* member decoder (ISA-L), or NULL */
};

/*
 * Opens path for reading. A regular file that begins with the gzip magic
 * is decoded member by member with ISA-L, whose buffers are allocated
 * here: 1.25 MiB of compressed bytes (less for a smaller file) and a block
 * of data, which a reader of RS_GZ_BLOCK or more never touches; zlib's
 * (0.8 MiB) are only allocated if it takes over. Anything else is read by
 * zlib alone. On error fills err and returns -1.
 */
int rs_in_open(struct rs_in *in, const char *path, struct rs_error *err);
/*
 * Reads up to n bytes. Returns bytes read (0 at end of file), or -1 with err
 * filled (truncated or corrupt gzip, I/O error). With n >= RS_GZ_BLOCK the
 * members are decoded into p with no copy. It allocates nothing of its own
 * (zlib allocates its buffers at its first read, as it always has), so any
 * one thread at a time may call it.
 */
long rs_in_read(struct rs_in *in, void *p, size_t n, struct rs_error *err);
void rs_in_close(struct rs_in *in);

/* For tests/csvdump only, not for stages: the member of in[0, n) that a
 * level 1 compressing slot makes, made with the slot's ISA-L region at
 * mem, which holds rs_gz_isal_mem_size() bytes, into out (cap bytes); its
 * length, or 0 when ISA-L does not make that block (libdeflate would). A
 * test moves mem about to see that the bytes do not move with it
 * (isal_place in fileio.c). */
size_t rs_gz_isal_mem_size(void);
size_t rs_gz_isal_member_at(const void *in, size_t n, unsigned char *out,
			    size_t cap, char *mem);

/* A companion path: out without its .csv.gz/.csv ending, plus suffix
 * ("x/records.csv.gz", ".rejects.csv.gz" -> "x/records.rejects.csv.gz").
 * Caller frees. */
char *rs_path_derive(const char *out, const char *suffix);

/* Reads a whole small file (config, key) into a NUL-terminated buffer. */
int rs_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct rs_error *err);

#endif
