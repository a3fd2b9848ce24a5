/*
 * fileio.c - atomic outputs and gzip-transparent inputs (see fileio.h).
 *
 * An output is written to ".NAME.tmp.PID.N" beside its target. Commit
 * flushes zlib and the stdio-free write buffer, fsyncs the file, renames it
 * over the target and fsyncs the directory, so after a crash the target is
 * either the old file or the complete new one. Open outputs are kept on a
 * list so that a signal handler or a fatal exit can remove their temporary
 * files.
 *
 * A gzip output smaller than one block (GZ_BLOCK bytes) is one gzip stream
 * written with gzwrite at commit. A bigger one is compressed on two
 * threads beside the caller: each full block becomes a gzip member of its
 * own (RFC 1952 allows any number; gzip, zcat, zlib's gzread, Python and
 * DuckDB read them as one file), compressed by whichever thread is free
 * and written in order. On two cores deflate was the whole bottleneck of
 * stages that write as many bytes as they read (validate, aggregate):
 * now it runs on both while the caller parses. Blocks are cut at fixed
 * offsets, so the bytes of the file do not depend on thread timing (nor
 * on which slot's tables compressed the block before: ISA-L's output
 * does not depend on them, checked; nor on where ISA-L's stream lies in
 * memory, which it does depend on: isal_place). At level 1 ISA-L
 * compresses the members, at other levels (or with RS_GZIP_NO_ISAL=1, for
 * comparing) libdeflate (isal_member, deflate_member). A
 * member restarts the 32 KiB window, which costs under 1 % of size at a
 * 1 MiB block. If no thread can be started, the caller compresses each
 * block itself into the same member, in the same slot (zw_here): the
 * file is the same to the byte whatever threads it got (a single zlib
 * stream, as this once fell back to, made reruns differ on a machine out
 * of threads). A failed write is remembered by the thread and reported by
 * rs_out_commit. Only the calling thread counts fault points.
 *
 * In a fault-injection build (make FAULT=1, -DRS_FAULT_INJECTION) the
 * environment variable RS_FAIL_WRITE=N makes the Nth write operation on an
 * output fail with ENOSPC, as a full disk would: creating the temporary
 * file, each write(2) or gzwrite, the final gzip flush, fsync and rename
 * each count as one. tests/t_faults.sh walks them all in turn. Ordinary
 * builds ignore the variable.
 */
#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "xalloc.h"

#define OUT_BUFSZ (256 * 1024)
#define GZ_BLOCK RS_GZ_BLOCK
#define MAX_OPEN_OUTPUTS 64

static struct rs_out *open_outputs[MAX_OPEN_OUTPUTS];
static volatile sig_atomic_t nopen;

#ifdef RS_FAULT_INJECTION
/* Returns 1 (errno set to ENOSPC) when this write is the one to fail. */
static int fault_write(void)
{
	static long fail_at = -1, count;

	if (fail_at < 0) {
		const char *s = getenv("RS_FAIL_WRITE");
		fail_at = s ? strtol(s, NULL, 10) : 0;
	}
	if (fail_at > 0 && ++count == fail_at) {
		errno = ENOSPC;
		return 1;
	}
	return 0;
}
#else
#define fault_write() 0
#endif

/* ISA-L compresses level 1 and decodes members, unless RS_GZIP_NO_ISAL is
 * set (libdeflate then does both, for comparing). */
static int isal_wanted(void)
{
	return !getenv("RS_GZIP_NO_ISAL");
}

int rs_gzip_level(void)
{
	const char *s = getenv("RS_GZIP_LEVEL");

	if (s && s[0] >= '0' && s[0] <= '9' && s[1] == '\0')
		return s[0] - '0';
	return 1;
}

static int is_gz(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && !strcmp(path + n - 3, ".gz");
}

static void track(struct rs_out *o)
{
	if (nopen < MAX_OPEN_OUTPUTS)
		open_outputs[nopen++] = o;
}

static void untrack(struct rs_out *o)
{
	int i;

	for (i = 0; i < nopen; i++) {
		if (open_outputs[i] == o) {
			open_outputs[i] = open_outputs[--nopen];
			return;
		}
	}
}

static void fail(struct rs_out *o, const char *why)
{
	if (!o->failed) {
		o->failed = 1;
		snprintf(o->why, sizeof(o->why), "%s", why);
	}
}

#define ZW_THREADS 2
#define ZW_SLOTS 4

enum { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_DONE };

/* Items whose text a compressing thread makes into a block before it
 * compresses it (rs_out_write_items): [from, to), at in[at], want bytes. */
struct fill_job {
	const struct rs_out_items *it;   /* NULL: the block is all there */
	size_t from, to, at, want;
};

struct zslot {
	char *in;                /* a block of GZ_BLOCK bytes */
	size_t in_len;
	unsigned char *out;      /* its gzip member */
	size_t out_len, out_cap;
	unsigned long seq;       /* the block's place in the file */
	int state;
	struct libdeflate_compressor *c;  /* used by whichever thread holds
					     the slot */
	unsigned char *isal_buf;          /* ISA-L's level 1 tables (level 1
					     only), the same */
	char *isal_mem;          /* ISA-L's stream is put in it (isal_place) */
	struct fill_job job;     /* text still to make, first */
};

struct rs_zwriter {
	pthread_t thread[ZW_THREADS];
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* a slot changed state, or quit */
	int fd, level;
	struct zslot slot[ZW_SLOTS];
	unsigned long next_seq;  /* the next block the caller hands over */
	unsigned long next_out;  /* the next block to write to fd */
	int writing;             /* a thread is writing blocks in order */
	int quit;                /* no more blocks will come */
	int failed;              /* a block failed; later ones are dropped */
	char why[256];
};

/* gzwrites n bytes; on failure fills why and returns -1. Safe on any
 * thread (strerror_r, not strerror). */
static int gz_put(gzFile gz, const char *p, size_t n, char *why, size_t whysz)
{
	while (n) {
		unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
		if (gzwrite(gz, p, chunk) != (int)chunk) {
			int e;
			char eb[128];
			const char *msg = gzerror(gz, &e);
			if (e == Z_ERRNO)
				msg = strerror_r(errno, eb, sizeof(eb));
			snprintf(why, whysz, "%s", msg);
			return -1;
		}
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/* Writes all of p to fd; 0, or -1 with why filled. */
static int write_all(int fd, const unsigned char *p, size_t n, char *why,
		     size_t whysz)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			char eb[128];
			if (errno == EINTR)
				continue;
			snprintf(why, whysz, "%s", strerror_r(errno, eb, sizeof(eb)));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Where ISA-L's stream lies in memory chooses one hash bucket, and the
 * bucket can change the member's bytes; isal_place puts the stream where
 * it does not. ISA-L's level 1 deflate body (igzip_icf_body_h1_gr_bt.asm,
 * all its x86 versions; 2.30, and its master as of 2026-12), on the first
 * byte of a stream, computes the hash of offset 2 from a register that
 * still holds the stream's address, not from the data: offset 2 is looked
 * up in, and entered into, bucket G = crc32c((address >> 16) as 32 bits)
 * & mask instead of its own. With the stream on the compressing thread's
 * stack, G changed with each run's address layout (ASLR) and with the
 * thread that took the block, and when G was the bucket of the four bytes
 * at offset 0, 1 or 2 (h0, h1, h2), a match was found or missed that the
 * other runs did not: the same data, other bytes (a member in about one
 * file in 30 of 145 members; a match to offset 0, 6728 bytes on, taken in
 * one run and not in the other). Any other G holds what an unused bucket
 * holds (offset 0, then 2), which never starts a match there, as bytes
 * equal to those at 0 or 2 hash to h0 or h2: every such G gives the same
 * member (checked over many placements, tests/t_gzip.sh). So the stream
 * goes at one of four places 64 KiB apart whose address bits 16-17 are
 * 0-3 (a 256 KiB aligned region in the slot): crc32c is linear, so their
 * four G are G0 ^ {0, c1, c2, c1 ^ c2} with c1, c2 the crcs of 1 and 2,
 * which differ and are not 0 under every mask of 4 bits or more (ISA-L's
 * is 5 bits or more whenever the body runs, at 17 bytes or more), and at
 * most three of the four are unfit. A block that starts with eight equal
 * bytes 0 or 255 is not deflated from its offset 0 (ISA-L writes a run
 * first), so it goes to libdeflate instead, which has no such state.
 */
#define ISAL_PLACE_STEP (64 * 1024)
#define ISAL_PLACES 4
#define ISAL_MEM (ISAL_PLACES * ISAL_PLACE_STEP + \
		  (ISAL_PLACES - 1) * ISAL_PLACE_STEP + sizeof(struct isal_zstream))

/* The crc32c instruction's value from 0 for one 32-bit word, as ISA-L's
 * compute_hash takes it. */
static uint32_t crc32c_word(uint32_t v)
{
	for (int i = 0; i < 32; i++)
		v = (v & 1) ? (v >> 1) ^ 0x82f63b78u : v >> 1;
	return v;
}

static uint32_t load_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The place in mem (ISAL_MEM bytes) for the stream that compresses in[0,
 * n), or NULL when ISA-L had better not (the block starts with a run). */
static struct isal_zstream *isal_place(char *mem, const unsigned char *in, size_t n)
{
	uintptr_t base = ((uintptr_t)mem + ISAL_PLACES * ISAL_PLACE_STEP - 1) &
			 ~(uintptr_t)(ISAL_PLACES * ISAL_PLACE_STEP - 1);
	uint32_t mask = IGZIP_LVL1_HASH_SIZE - 1, h[3];
	int j;

	if (n >= 8 && ((in[0] == 0 || in[0] == 255) && !memcmp(in, in + 1, 7)))
		return NULL;
	if (n < 17)     /* the body never runs; any place will do */
		return (struct isal_zstream *)base;
	/* ISA-L's mask for a short input (isal_deflate_stateless) */
	if (mask > 2 * n)
		mask = (1u << (32 - __builtin_clz((uint32_t)n))) - 1;
	for (j = 0; j < 3; j++)
		h[j] = crc32c_word(load_le32(in + j)) & mask;
	for (j = 0; j < ISAL_PLACES; j++) {
		uintptr_t at = base + (uintptr_t)j * ISAL_PLACE_STEP;
		uint32_t g = crc32c_word((uint32_t)(at >> 16)) & mask;
		if (g != h[0] && g != h[1] && g != h[2])
			return (struct isal_zstream *)at;
	}
	return (struct isal_zstream *)base;    /* cannot happen (see above) */
}

/*
 * Level 1, the default, through ISA-L's igzip: on our leaf and records
 * files it deflates 2.3 times as fast as libdeflate's level 1 (645 against
 * 280 MB/s a thread on 10 M rows' leaves) to within 3 % of its size. The
 * member is the same gzip: the header libdeflate writes at level 1 (no
 * name, no time, XFL 4 as zlib marks its fastest level, OS 255), ISA-L's
 * raw deflate, then the CRC and length. Returns 1 when the data does not
 * fit out (only data that does not compress), for libdeflate to do that
 * block.
 */
static int isal_member(struct zslot *sl)
{
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255 };
	struct isal_zstream *st;
	unsigned char *t;
	uint32_t crc;

	if (sl->out_cap < 18 + 64)
		return 1;
	/* not on this thread's stack: where it lies changes the bytes */
	st = isal_place(sl->isal_mem, (const unsigned char *)sl->in, sl->in_len);
	if (!st)
		return 1;
	memcpy(sl->out, head, sizeof(head));
	memset(st, 0, sizeof(*st));
	isal_deflate_stateless_init(st);
	st->level = 1;
	st->level_buf = sl->isal_buf;
	st->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	st->gzip_flag = IGZIP_DEFLATE;
	st->end_of_stream = 1;
	st->flush = NO_FLUSH;
	st->next_in = (uint8_t *)sl->in;
	st->avail_in = (uint32_t)sl->in_len;
	st->next_out = sl->out + 10;
	st->avail_out = (uint32_t)(sl->out_cap - 18);
	if (isal_deflate_stateless(st) != COMP_OK)
		return 1;
	t = st->next_out;
	crc = crc32_gzip_refl(0, (const unsigned char *)sl->in, sl->in_len);
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(crc >> (8 * i));
		t[4 + i] = (unsigned char)((uint32_t)sl->in_len >> (8 * i));
	}
	sl->out_len = (size_t)(t + 8 - sl->out);
	return 0;
}

/* Makes a job's items; 0, or -1 with why filled when their text was not
 * as long as their lengths said (a bug in the caller's functions). */
static int fill_run(const struct fill_job *j, char *in, char *why, size_t whysz)
{
	size_t got = j->it->fill(j->it->ctx, j->from, j->to, in + j->at);

	if (got != j->want) {
		snprintf(why, whysz, "internal error: items %zu..%zu made %zu bytes, "
			 "their lengths said %zu", j->from, j->to, got, j->want);
		return -1;
	}
	return 0;
}

/*
 * One block as one gzip member. libdeflate compresses a whole buffer in
 * about half the time zlib's deflate takes at level 1, and a tenth
 * smaller (measured on our records and leaf files); ISA-L, at level 1,
 * in half libdeflate's time again (isal_member). Either way the member
 * is gzip, with the level in its header as zlib would mark it.
 */
static int deflate_member(struct zslot *sl, char *why, size_t whysz)
{
	if (sl->isal_buf && !isal_member(sl))
		return 0;
	sl->out_len = libdeflate_gzip_compress(sl->c, sl->in, sl->in_len,
					       sl->out, sl->out_cap);
	if (!sl->out_len) {
		/* cannot happen: out_cap is libdeflate's own bound */
		snprintf(why, whysz, "gzip error (compressed block too big)");
		return -1;
	}
	return 0;
}

/* For tests (fileio.h): a level 1 slot's member, the stream placed at mem. */
size_t rs_gz_isal_mem_size(void)
{
	return ISAL_MEM;
}

size_t rs_gz_isal_member_at(const void *in, size_t n, unsigned char *out,
			    size_t cap, char *mem)
{
	struct zslot sl;
	size_t len;

	memset(&sl, 0, sizeof(sl));
	sl.in = (char *)in;
	sl.in_len = n;
	sl.out = out;
	sl.out_cap = cap;
	sl.isal_mem = mem;
	sl.isal_buf = xcalloc(1, ISAL_DEF_LVL1_DEFAULT);
	len = isal_member(&sl) ? 0 : sl.out_len;
	free(sl.isal_buf);
	return len;
}

static void *zw_main(void *arg)
{
	struct rs_zwriter *z = arg;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct zslot *sl = NULL;
		char why[256];
		int i, rc = 0;

		/* the oldest block waiting */
		for (i = 0; i < ZW_SLOTS; i++)
			if (z->slot[i].state == SLOT_FILLED &&
			    (!sl || z->slot[i].seq < sl->seq))
				sl = &z->slot[i];
		if (!sl) {
			if (z->quit)
				break;
			pthread_cond_wait(&z->cv, &z->mu);
			continue;
		}
		sl->state = SLOT_BUSY;
		if (!z->failed) {
			pthread_mutex_unlock(&z->mu);
			if (sl->job.it)
				rc = fill_run(&sl->job, sl->in, why, sizeof(why));
			if (!rc)
				rc = deflate_member(sl, why, sizeof(why));
			pthread_mutex_lock(&z->mu);
		}
		/* the caller's items are no longer read here (fill_wait) */
		sl->job.it = NULL;
		if (rc && !z->failed) {
			z->failed = 1;
			memcpy(z->why, why, sizeof(z->why));
		}
		sl->state = SLOT_DONE;
		/* Write what is next in order, if no other thread is. */
		while (!z->writing) {
			struct zslot *w = &z->slot[z->next_out % ZW_SLOTS];
			if (w->state != SLOT_DONE || w->seq != z->next_out)
				break;
			z->writing = 1;
			rc = 0;
			if (!z->failed) {
				pthread_mutex_unlock(&z->mu);
				rc = write_all(z->fd, w->out, w->out_len, why, sizeof(why));
				pthread_mutex_lock(&z->mu);
			}
			if (rc && !z->failed) {
				z->failed = 1;
				memcpy(z->why, why, sizeof(z->why));
			}
			w->state = SLOT_FREE;
			z->next_out++;
			z->writing = 0;
		}
		pthread_cond_broadcast(&z->cv);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* Frees the buffers and compressors of z's first n slots. */
static void zw_free_slots(struct rs_zwriter *z, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(z->slot[i].in);
		free(z->slot[i].out);
		free(z->slot[i].isal_buf);
		free(z->slot[i].isal_mem);
		libdeflate_free_compressor(z->slot[i].c);
	}
}

/*
 * Starts o's compressing threads. When none can be started (clone fails
 * with EAGAIN on a machine out of threads or processes) the caller's
 * thread compresses each block itself, into the same members through the
 * same slots (zw_here): the bytes of a file never depend on how many
 * threads it got. Returns 0, or -1 with o failed when a compressor cannot
 * be had (out of memory).
 */
static int zw_start(struct rs_out *o)
{
	struct rs_zwriter *z = xcalloc(1, sizeof(*z));
	size_t bound = libdeflate_gzip_compress_bound(NULL, GZ_BLOCK);
	int i;

	z->fd = o->fd;
	z->level = rs_gzip_level();
	/* Every buffer is allocated here, before a thread runs: an
	 * allocation failure dies, and had best not die with a thread in
	 * the middle of a block. */
	for (i = 0; i < ZW_SLOTS; i++) {
		z->slot[i].in = xmalloc(GZ_BLOCK);
		z->slot[i].out = xmalloc(bound);
		z->slot[i].out_cap = bound;
		z->slot[i].c = libdeflate_alloc_compressor(z->level);
		if (z->level == 1 && isal_wanted()) {
			z->slot[i].isal_buf = xcalloc(1, ISAL_DEF_LVL1_DEFAULT);
			z->slot[i].isal_mem = xmalloc(ISAL_MEM);
		}
		if (!z->slot[i].c) {
			zw_free_slots(z, i + 1);
			free(z);
			fail(o, "cannot allocate a gzip compressor (out of memory)");
			return -1;
		}
	}
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	for (i = 0; i < ZW_THREADS; i++) {
		if (pthread_create(&z->thread[i], NULL, zw_main, z))
			break;
		z->nthreads++;
	}
	o->zw = z;
	o->zw_used = 1;
	return 0;
}

/*
 * Without threads: the block in o->buf (with its job's items still to
 * make) becomes its member here, in the slot a thread would have used
 * (slot seq % ZW_SLOTS, whose ISA-L tables have seen the same blocks
 * before), and is written at once; in order, since nothing else writes.
 */
static void zw_here(struct rs_out *o, const struct fill_job *j)
{
	struct rs_zwriter *z = o->zw;
	struct zslot *sl = &z->slot[z->next_seq % ZW_SLOTS];
	char why[256];
	char *p = sl->in;

	sl->in = o->buf;
	sl->in_len = o->len;
	o->buf = p;
	sl->seq = z->next_seq++;
	if ((j->it && fill_run(j, sl->in, why, sizeof(why))) ||
	    deflate_member(sl, why, sizeof(why)) ||
	    write_all(z->fd, sl->out, sl->out_len, why, sizeof(why))) {
		z->failed = 1;
		memcpy(z->why, why, sizeof(z->why));
		fail(o, why);
	}
	z->next_out++;
}

/* Opens the single gzip stream of an output that has no threads. */
static int gz_single(struct rs_out *o)
{
	char m[8];
	int dupfd;

	if (o->gz)
		return 0;
	snprintf(m, sizeof(m), "wb%d", rs_gzip_level());
	dupfd = dup(o->fd);
	o->gz = dupfd >= 0 ? gzdopen(dupfd, m) : NULL;
	if (!o->gz) {
		if (dupfd >= 0)
			close(dupfd);
		fail(o, "cannot start gzip stream");
		return -1;
	}
	gzbuffer(o->gz, OUT_BUFSZ);
	return 0;
}

/* Hands the block filled so far to the compressing threads and takes an
 * empty one; without threads, gzwrites it here. A full block starts the
 * threads; a last, partial block (at commit) goes the same way as the
 * blocks before it. With a job (j->it set), the threads make its items
 * into the block first; without threads, they are made here. */
static void zw_handoff(struct rs_out *o, int last, const struct fill_job *j)
{
	struct rs_zwriter *z;
	struct zslot *sl;
	char *p;

	if (!o->len || o->failed)
		goto out;
	/* An output of one block or less is one zlib stream, whatever the
	 * threads; a bigger one is members from its first full block on. */
	if (!o->zw && (last || o->gz)) {
		char why[256];
		if (j->it && fill_run(j, o->buf, why, sizeof(why)))
			fail(o, why);
		else if (!gz_single(o) && gz_put(o->gz, o->buf, o->len, why, sizeof(why)))
			fail(o, why);
		goto out;
	}
	if (!o->zw && zw_start(o))
		goto out;
	z = o->zw;
	if (!z->nthreads) {
		zw_here(o, j);
		goto out;
	}
	pthread_mutex_lock(&z->mu);
	sl = &z->slot[z->next_seq % ZW_SLOTS];
	while (sl->state != SLOT_FREE && !z->failed)
		pthread_cond_wait(&z->cv, &z->mu);
	if (z->failed) {
		fail(o, z->why);
	} else {
		p = sl->in;
		sl->in = o->buf;
		sl->in_len = o->len;
		sl->job = *j;
		sl->seq = z->next_seq++;
		sl->state = SLOT_FILLED;
		o->buf = p;
		pthread_cond_broadcast(&z->cv);
	}
	pthread_mutex_unlock(&z->mu);
out:
	o->len = 0;
}

static void zw_flush(struct rs_out *o, int last)
{
	static const struct fill_job none;

	zw_handoff(o, last, &none);
}

/* Waits for every block handed over to be written (or dropped after a
 * failure) and ends the threads; their failure, if any, becomes o's. */
static void zw_stop(struct rs_out *o)
{
	struct rs_zwriter *z = o->zw;
	int i;

	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->quit = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	for (i = 0; i < z->nthreads; i++)
		pthread_join(z->thread[i], NULL);
	pthread_mutex_destroy(&z->mu);
	pthread_cond_destroy(&z->cv);
	if (z->failed)
		fail(o, z->why);
	else if (z->next_out != z->next_seq)
		fail(o, "gzip blocks left unwritten");
	zw_free_slots(z, ZW_SLOTS);
	free(z);
	o->zw = NULL;
}

int rs_out_open(struct rs_out *o, const char *path, mode_t mode,
		struct rs_error *err)
{
	static unsigned long seq;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	size_t n = strlen(path) + 64;

	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return rs_err(err, "cannot write '%s': it is a directory", path);
		o->direct = 1;
		o->tmp = xstrdup(path);
	} else {
		o->tmp = xmalloc(n);
		snprintf(o->tmp, n, "%.*s.%s.tmp.%ld.%lu", (int)dirlen, path,
			 path + dirlen, (long)getpid(), seq++);
	}
	o->fd = fault_write() ? -1 :
		o->direct ? open(o->tmp, O_WRONLY | O_CLOEXEC) :
		open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		return rs_err(err, "cannot create '%s': %s", path, strerror(e));
	}
	/* Tracked from the moment it exists: an out-of-memory death in the
	 * allocations below must still find the file to remove it. */
	track(o);
	/* open() honours the umask, which may only narrow the mode. A private
	 * file (0600) is made exactly that, whatever the umask was. */
	if (!o->direct && (mode & 077) == 0 && fchmod(o->fd, mode)) {
		int e = errno;
		untrack(o);
		close(o->fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return rs_err(err, "cannot set mode of '%s': %s", path, strerror(e));
	}
	o->path = xstrdup(path);
	if (is_gz(path)) {
		/* The gzip stream (or the threads) start with the data. */
		o->gzip = 1;
		o->cap = GZ_BLOCK;
		o->buf = xmalloc(o->cap);
	} else {
		o->cap = OUT_BUFSZ;
		o->buf = xmalloc(o->cap);
	}
	return 0;
}

static void flush_plain(struct rs_out *o)
{
	size_t off = 0;

	while (off < o->len) {
		ssize_t w = fault_write() ? -1 :
			write(o->fd, o->buf + off, o->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail(o, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	o->len = 0;
}

void rs_out_write(struct rs_out *o, const void *p, size_t n)
{
	if (o->failed || !n)
		return;
	if (o->gzip) {
		/* One fault point per call, as when each call was a gzwrite. */
		if (fault_write()) {
			fail(o, strerror(errno));
			return;
		}
		while (n) {
			size_t k = o->cap - o->len < n ? o->cap - o->len : n;
			memcpy(o->buf + o->len, p, k);
			o->len += k;
			p = (const char *)p + k;
			n -= k;
			if (o->len == o->cap) {
				zw_flush(o, 0);
				if (o->failed)
					return;
			}
		}
		return;
	}
	if (o->len + n > o->cap) {
		flush_plain(o);
		if (n > o->cap) {
			o->len = n;
			memcpy(o->buf = xrealloc(o->buf, n), p, n);
			o->cap = n;
			flush_plain(o);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Items [from, n) made on the caller's thread, as many at a time as
 * surely fit a block, and written as any data. */
static void items_here(struct rs_out *o, const struct rs_out_items *it, size_t from)
{
	size_t max = it->max_len ? it->max_len : 1;
	size_t per = max >= GZ_BLOCK ? 1 : GZ_BLOCK / max, to;
	char *buf = xmalloc(per * max);

	for (; from < it->n && !o->failed; from = to) {
		to = it->n - from > per ? from + per : it->n;
		rs_out_write(o, buf, it->fill(it->ctx, from, to, buf));
	}
	free(buf);
}

/* Waits until no compressing thread holds a job: the items are the
 * caller's again. */
static void fill_wait(struct rs_out *o)
{
	struct rs_zwriter *z = o->zw;

	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	for (;;) {
		int i, held = 0;

		for (i = 0; i < ZW_SLOTS; i++)
			held |= z->slot[i].job.it != NULL;
		if (!held)
			break;
		pthread_cond_wait(&z->cv, &z->mu);
	}
	pthread_mutex_unlock(&z->mu);
}

/*
 * Block by block: the whole items that fit what is left of the block are
 * counted by their lengths; the item the block's end cuts is made here and
 * split, its head ending this block and its tail beginning the next; the
 * block goes to the threads with the whole items to make (zw_handoff). So
 * every block holds the bytes rs_out_write would have put there.
 */
void rs_out_write_items(struct rs_out *o, const struct rs_out_items *it)
{
	char why[256], *cut;
	size_t i = 0;

	if (o->failed || !it->n)
		return;
	if (!o->gzip) {
		items_here(o, it, 0);
		return;
	}
	cut = xmalloc(it->max_len ? it->max_len : 1);
	while (i < it->n && !o->failed) {
		struct fill_job j = { it, i, i, o->len, 0 };
		size_t room = o->cap - o->len, len = 0, head;

		for (; i < it->n; i++) {
			len = it->len(it->ctx, i);
			if (len > room - j.want)
				break;
			j.want += len;
		}
		j.to = i;
		if (i == it->n) {
			/* the rest fits in this block: made here */
			if (fill_run(&j, o->buf, why, sizeof(why))) {
				fail(o, why);
				break;
			}
			o->len += j.want;
			if (o->len == o->cap)
				zw_flush(o, 0);
			break;
		}
		{
			/* the item the block's end cuts, made here whole */
			struct fill_job c = { it, i, i + 1, 0, len };

			if (fill_run(&c, cut, why, sizeof(why))) {
				fail(o, why);
				break;
			}
		}
		head = room - j.want;
		memcpy(o->buf + o->len + j.want, cut, head);
		/* one fault point a block, as a write of it would be */
		if (fault_write()) {
			fail(o, strerror(errno));
			break;
		}
		o->len = o->cap;
		if (j.from == j.to)
			j.it = NULL;
		zw_handoff(o, 0, &j);
		rs_out_write(o, cut + head, len - head);
		i++;
	}
	free(cut);
	fill_wait(o);
}

void rs_out_puts(struct rs_out *o, const char *s)
{
	rs_out_write(o, s, strlen(s));
}

static void release(struct rs_out *o)
{
	untrack(o);
	free(o->path);
	free(o->tmp);
	free(o->buf);
	o->path = o->tmp = o->buf = NULL;
	o->gz = NULL;
	o->gzip = 0;
	o->fd = -1;
}

static int fsync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char buf[4096], *dir = buf;
	size_t n = slash ? (size_t)(slash - path + 1) : 0;
	int fd, ret = 0;

	/* no allocation for a path that fits: rs_out_commit_set calls this
	 * between renames, where dying of hunger would split the set */
	if (!slash)
		dir = (char *)".";
	else if (n < sizeof(buf)) {
		memcpy(buf, path, n);
		buf[n] = '\0';
	} else {
		dir = xstrndup(path, n);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) && errno != EINVAL)
			ret = -1;
		close(fd);
	}
	if (dir != buf && slash)
		free(dir);
	return ret;
}

static int publish(struct rs_out *o, int fault, struct rs_error *err);

/*
 * The batch (rs_out_batch_begin): finished outputs waiting for their
 * rename. The signal cleanup and rs_out_abort_all remove their temporary
 * files too.
 */
struct queued {
	char *path, *tmp;
};
static struct queued *batch;
static volatile sig_atomic_t nbatch;
static size_t batch_cap;
static int batching;

void rs_out_batch_begin(void)
{
	batching = 1;
}

int rs_out_commit(struct rs_out *o, struct rs_error *err)
{
	if (batching && !o->direct && nbatch == (sig_atomic_t)batch_cap) {
		/* room first: dying of hunger below would lose the entry */
		batch_cap = batch_cap ? 2 * batch_cap : 16;
		batch = xreallocarray(batch, batch_cap, sizeof(*batch));
	}
	if (rs_out_finish(o, err))
		return -1;
	if (batching && !o->direct) {
		batch[nbatch].path = o->path;
		batch[nbatch].tmp = o->tmp;
		nbatch++;
		o->path = o->tmp = NULL;
		release(o);
		return 0;
	}
	return publish(o, 1, err);
}

int rs_out_batch_commit(struct rs_error *err)
{
	sig_atomic_t i;
	int ret = 0;

	/* everything is on disk: renames only, in the order committed */
	for (i = 0; i < nbatch; i++) {
		if (!ret && rename(batch[i].tmp, batch[i].path)) {
			ret = rs_err(err, "cannot write '%s': %s%s", batch[i].path,
				     strerror(errno),
				     i ? "; outputs before it were replaced, rerun the stage" : "");
		}
		if (ret)
			unlink(batch[i].tmp);
	}
	for (i = 0; !ret && i < nbatch; i++)
		fsync_dir(batch[i].path);
	rs_out_batch_abort();
	return ret;
}

void rs_out_batch_abort(void)
{
	while (nbatch > 0) {
		nbatch--;
		unlink(batch[nbatch].tmp);
		free(batch[nbatch].path);
		free(batch[nbatch].tmp);
	}
	free(batch);
	batch = NULL;
	batch_cap = 0;
	batching = 0;
}

/* Renames a finished output into place (fault: the injected failures
 * apply) and fsyncs its directory; releases it. */
static int publish(struct rs_out *o, int fault, struct rs_error *err)
{
	if (!o->direct && ((fault && fault_write()) || rename(o->tmp, o->path))) {
		rs_err(err, "cannot write '%s': %s", o->path, strerror(errno));
		unlink(o->tmp);
		release(o);
		return -1;
	}
	if (!o->direct)
		fsync_dir(o->path);
	release(o);
	return 0;
}

int rs_out_commit_set(struct rs_out *const *outs, size_t n, struct rs_error *err)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		if (rs_out_finish(outs[i], err)) {
			for (k = 0; k < n; k++)
				rs_out_abort(outs[k]);
			return -1;
		}
	/* Every file is written and on disk: only renames are left, which
	 * need no room for data. Were one to fail all the same, the rest
	 * are removed and the error names the first output not renamed. */
	for (i = 0; i < n; i++)
		if (publish(outs[i], 0, err)) {
			for (k = i + 1; k < n; k++)
				rs_out_abort(outs[k]);
			if (i)
				rs_err_prefix(err, "outputs before it were replaced, rerun the stage");
			return -1;
		}
	return 0;
}

int rs_out_finish(struct rs_out *o, struct rs_error *err)
{
	if (!o->tmp)
		return rs_err(err, "output already closed");
	if (o->gzip) {
		int rc = Z_OK;
		zw_flush(o, 1);
		zw_stop(o);
		/* An output with no data, and no threads, is one empty stream. */
		if (!o->failed && !o->gz && !o->zw_used)
			gz_single(o);
		if (o->gz)
			rc = gzclose(o->gz);
		o->gz = NULL;
		if (fault_write())
			rc = Z_ERRNO;
		if (rc != Z_OK)
			fail(o, rc == Z_ERRNO ? strerror(errno) : "gzip error");
	} else {
		flush_plain(o);
	}
	if (!o->failed && !o->direct && (fault_write() || fsync(o->fd)))
		fail(o, strerror(errno));
	if (close(o->fd) && !o->failed)
		fail(o, strerror(errno));
	o->fd = -1;
	if (o->failed) {
		rs_err(err, "cannot write '%s': %s", o->path, o->why);
		if (!o->direct)
			unlink(o->tmp);
		release(o);
		return -1;
	}
	return 0;
}

void rs_out_abort(struct rs_out *o)
{
	if (!o->tmp)
		return;
	zw_stop(o);
	if (o->gz)
		gzclose(o->gz);
	if (o->fd >= 0)
		close(o->fd);
	if (!o->direct)
		unlink(o->tmp);
	release(o);
}

void rs_out_abort_all(void)
{
	while (nbatch > 0) {
		nbatch--;
		unlink(batch[nbatch].tmp);
	}
	while (nopen > 0) {
		struct rs_out *o = open_outputs[nopen - 1];
		/* Async-signal-safe part only: unlink; the process exits next. */
		if (!o->direct)
			unlink(o->tmp);
		nopen--;
	}
}

static void on_signal(int sig)
{
	rs_out_abort_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

void rs_out_install_signal_cleanup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * One read of the input, its outcome kept for rs_in_read to report: bytes
 * (> 0), end of file (0) or an error (-1, with zlib's error code and
 * message, or the system's for Z_ERRNO, taken on the thread that read).
 */
struct zblock {
	long got;
	int zerr;
	char msg[256];
};

static long gz_read_block(gzFile gz, char *p, size_t n, struct zblock *b)
{
	int got, e;
	const char *msg;
	char eb[128];

	got = gzread(gz, p, (unsigned)n);
	if (got > 0)
		return b->got = got;
	msg = gzerror(gz, &e);
	if (got == 0 && (e == Z_OK || e == Z_STREAM_END))
		return b->got = 0;
	b->zerr = e;
	if (e == Z_ERRNO)
		msg = strerror_r(errno, eb, sizeof(eb));
	snprintf(b->msg, sizeof(b->msg), "%s", msg ? msg : "");
	return b->got = -1;
}

/* Fills b with the system's error (errno) as gz_read_block would. */
static long errno_block(struct zblock *b)
{
	char eb[128];

	b->zerr = Z_ERRNO;
	snprintf(b->msg, sizeof(b->msg), "%s", strerror_r(errno, eb, sizeof(eb)));
	return b->got = -1;
}

/*
 * Gzip members through ISA-L (or libdeflate, with RS_GZIP_NO_ISAL=1).
 *
 * zlib's streaming inflate costs about twice what libdeflate's
 * whole-buffer decoder does, and ISA-L's igzip decodes our members a
 * quarter faster again. Our own outputs are gzip members of at most one
 * block of data each: a member's compressed bytes fit in one buffer and
 * its data in another, which is all that either asks. So a regular file
 * that begins with the gzip magic is read with read() and decoded member
 * after member. Whatever they do not decode - a
 * member of more than a block (a file made by gzip), header flags we
 * never write, corrupt or truncated data - is handed to zlib from that
 * member's first byte, for the rest of the file: zlib then reads the same
 * bytes, and fails with the same messages, as when it read all the file.
 *
 * The gzFile that rs_in_open made can take over at any point: zlib 1.2.13
 * reads nothing at gzdopen (gz_open only notes lseek(fd, 0, SEEK_CUR) as
 * the point gzrewind and gzseek go back to, and we call neither), and its
 * first gzread begins with what read(fd) returns. So once the fd has been
 * lseek'd to the member, zlib starts there, finds the magic and decodes
 * gzip as it would have there. It must start nowhere else: a gzFile that
 * has not seen gzip yet reads bytes without the magic as plain data,
 * where one that has decoded a member drops them as trailing garbage
 * (gz_look). So bytes after a member that do not start another are the
 * end of the data here too, and are never handed over.
 */

/* Compressed bytes held before a member is decoded: more than any member
 * of a block takes (libdeflate's bound for a block is the block and about
 * 1.1 KiB; zlib's deflateBound, the block and 345 bytes).
 * A member that needs more goes to zlib. */
#define ZIN_NEED (GZ_BLOCK + 4096)
/* The compressed buffer. Each refill moves what is left to the front and
 * reads at least a quarter block: at about a quarter of a block per
 * member, as level 1 makes them, that is a memmove of about a block per
 * member, which costs under 1 % of decoding it (2 MiB was no faster),
 * and an input with many open beside it (rs-merge) holds less. */
#define ZIN_CAP (GZ_BLOCK + GZ_BLOCK / 4)

struct rs_gzmembers {
	struct inflate_state *isal;          /* ISA-L's decoder, or NULL: */
	struct libdeflate_decompressor *d;   /* libdeflate's */
	int fd;
	unsigned char *in;       /* compressed bytes read ahead */
	size_t in_cap, in_len;
	size_t in_pos;           /* where the next member starts in in */
	off_t in_off;            /* the file offset of in[0] */
	int in_eof;              /* read() met the end: in holds the rest */
	char *out;               /* a member's data, for reads under a block */
	size_t out_pos, out_len;
	int end;                 /* no member follows: the data has ended */
	int zlib;                /* handed over: zlib reads the rest */
};

enum { GM_DATA, GM_END, GM_ZLIB };

static void gm_free(struct rs_gzmembers *m)
{
	if (!m)
		return;
	libdeflate_free_decompressor(m->d);
	free(m->isal);
	free(m->in);
	free(m->out);
	free(m);
}

/*
 * Sets up member decoding of fd when it is a regular file that begins
 * with the gzip magic: a pipe can not be gone back in to hand a member to
 * zlib, and zlib reads a plain file as it is. Every buffer is allocated
 * here, on the opening thread, so that reads allocate nothing. Otherwise,
 * or when libdeflate (RS_GZIP_NO_ISAL) has no memory, leaves in->gm NULL.
 */
static void gm_open(struct rs_in *in, int fd)
{
	struct rs_gzmembers *m;
	unsigned char magic[2];
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return;
	/* Reachable from in at once: an out-of-memory exit below leaks
	 * nothing a leak checker would see. */
	in->gm = m = xcalloc(1, sizeof(*m));
	m->fd = fd;
	m->in_cap = st.st_size < ZIN_CAP ? (size_t)st.st_size : ZIN_CAP;
	m->in = xmalloc(m->in_cap);
	m->out = xmalloc(GZ_BLOCK);
	if (isal_wanted()) {
		/* zeroed first, as isal_member's stream is: ISA-L's init
		 * functions leave some fields unset */
		m->isal = xcalloc(1, sizeof(*m->isal));
		return;
	}
	m->d = libdeflate_alloc_decompressor();
	if (!m->d) {
		gm_free(m);
		in->gm = NULL;
	}
}

/*
 * Tops up the compressed bytes so that a whole member is there to decode:
 * at least ZIN_NEED past in_pos, or all that is left of the file (or as
 * much as the buffer holds, when the file has grown since it was opened).
 * Returns 0, or -1 with b filled on a read error.
 */
static int gm_fill(struct rs_gzmembers *m, struct zblock *b)
{
	if (m->in_eof || m->in_len - m->in_pos >= ZIN_NEED)
		return 0;
	memmove(m->in, m->in + m->in_pos, m->in_len - m->in_pos);
	m->in_off += (off_t)m->in_pos;
	m->in_len -= m->in_pos;
	m->in_pos = 0;
	while (m->in_len < m->in_cap) {
		ssize_t r = read(m->fd, m->in + m->in_len, m->in_cap - m->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return (int)errno_block(b);
		if (r == 0) {
			m->in_eof = 1;
			break;
		}
		m->in_len += (size_t)r;
	}
	return 0;
}

/*
 * One whole gzip member from q (avail bytes) into dst, which has room for
 * a block, with ISA-L's igzip: on our members it decodes 1.2-1.5 GB of
 * data a second where libdeflate decodes 0.95-1.15 (10 M rows' records
 * and leaves). It checks the trailer's CRC and length (ISAL_GZIP). Returns
 * 0 with the bytes used and made, or -1 when the member is not all there,
 * is damaged, or holds more than a block: zlib takes it then.
 */
static int isal_member_decode(struct inflate_state *st, const unsigned char *q,
			      size_t avail, char *dst, size_t *used, size_t *got)
{
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	st->next_in = (uint8_t *)q;
	st->avail_in = avail > UINT32_MAX ? UINT32_MAX : (uint32_t)avail;
	st->next_out = (uint8_t *)dst;
	st->avail_out = GZ_BLOCK;
	if (isal_inflate(st) != ISAL_DECOMP_OK || st->block_state != ISAL_BLOCK_FINISH)
		return -1;
	*used = (size_t)(st->next_in - q);
	*got = st->total_out;
	return 0;
}

/*
 * Decodes the next member into dst, which has room for a block. Returns
 * GM_DATA with its length in *got (0 for an empty member), GM_END when no
 * member follows, GM_ZLIB when zlib must read from this member on, or -1
 * with b filled on a read error.
 */
static int gm_member(struct rs_gzmembers *m, char *dst, size_t *got,
		     struct zblock *b)
{
	const unsigned char *q;
	size_t avail, used;

	if (gm_fill(m, b))
		return -1;
	q = m->in + m->in_pos;
	avail = m->in_len - m->in_pos;
	if (avail < 2 || q[0] != 0x1f || q[1] != 0x8b)
		/* What zlib's gz_look takes for trailing garbage, but for a
		 * file changed since rs_in_open, which zlib reads as it is. */
		return m->in_off + (off_t)m->in_pos ? GM_END : GM_ZLIB;
	/* Our members have no header flags. Names and comments would do
	 * no harm, but zlib checks a header CRC that the others skip: all
	 * go to zlib, as does a header cut short. */
	if (avail < 4 || q[3] != 0)
		return GM_ZLIB;
	if (m->isal) {
		if (isal_member_decode(m->isal, q, avail, dst, &used, got))
			return GM_ZLIB;
	} else if (libdeflate_gzip_decompress_ex(m->d, q, avail, dst, GZ_BLOCK,
						 &used, got) != LIBDEFLATE_SUCCESS) {
		return GM_ZLIB;
	}
	m->in_pos += used;
	return GM_DATA;
}

/* Hands the rest of the file to zlib, from the member at in_pos. Returns
 * 0, or -1 with b filled. Frees the buffers (with free only: any thread
 * may do it). */
static int gm_to_zlib(struct rs_gzmembers *m, struct zblock *b)
{
	if (lseek(m->fd, m->in_off + (off_t)m->in_pos, SEEK_SET) < 0)
		return (int)errno_block(b);
	m->zlib = 1;
	free(m->in);
	free(m->out);
	m->in = NULL;
	m->out = NULL;
	return 0;
}

/*
 * Reads up to n bytes of members into p: those of a member decoded before
 * first, then whole members straight into p while a block fits, then one
 * more into out to hand out in part. Returns the bytes read (0 at the end
 * of the data, or when zlib has taken over before any byte was read), or
 * -1 with b filled.
 */
static long gm_read(struct rs_gzmembers *m, char *p, size_t n,
		    struct zblock *b)
{
	size_t got = 0, k;
	int rc;

	while (got < n && !m->end && !m->zlib) {
		if (m->out_pos < m->out_len) {
			k = m->out_len - m->out_pos < n - got ?
			    m->out_len - m->out_pos : n - got;
			memcpy(p + got, m->out + m->out_pos, k);
			m->out_pos += k;
			got += k;
			continue;
		}
		if (n - got >= GZ_BLOCK) {
			rc = gm_member(m, p + got, &k, b);
			if (rc == GM_DATA)
				got += k;
		} else {
			rc = gm_member(m, m->out, &k, b);
			if (rc == GM_DATA) {
				m->out_pos = 0;
				m->out_len = k;
			}
		}
		if (rc < 0)
			return -1;
		if (rc == GM_END)
			m->end = 1;
		else if (rc == GM_ZLIB && gm_to_zlib(m, b))
			return -1;
	}
	return (long)got;
}

/* One read, by members while they last and by zlib after; the outcome
 * as gz_read_block's. */
static long in_read_block(struct rs_gzmembers *m, gzFile gz, char *p,
			  size_t n, struct zblock *b)
{
	if (n > (1u << 30))
		n = 1u << 30;
	if (m && !m->zlib) {
		long got = gm_read(m, p, n, b);
		if (got || !m->zlib)
			return b->got = got;
	}
	return gz_read_block(gz, p, n, b);
}

int rs_in_open(struct rs_in *in, const char *path, struct rs_error *err)
{
	int fd;

	memset(in, 0, sizeof(*in));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rs_err(err, "cannot open '%s': %s", path, strerror(errno));
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		close(fd);
		return rs_err(err, "cannot read '%s'", path);
	}
	gzbuffer(in->gz, 256 * 1024);
	in->path = xstrdup(path);
	gm_open(in, fd);
	return 0;
}

static long block_error(const struct rs_in *in, const struct zblock *b,
			struct rs_error *err)
{
	if (b->zerr == Z_ERRNO)
		return rs_err(err, "cannot read '%s': %s", in->path, b->msg);
	if (b->zerr == Z_BUF_ERROR)
		return rs_err(err, "'%s' is truncated (unexpected end of gzip stream)",
			      in->path);
	return rs_err(err, "'%s' is corrupt: %s", in->path, b->msg);
}

long rs_in_read(struct rs_in *in, void *p, size_t n, struct rs_error *err)
{
	struct zblock b;
	long got;

	if (in->eof)
		return 0;
	got = in_read_block(in->gm, in->gz, p, n, &b);
	if (got > 0)
		return got;
	if (got == 0) {
		in->eof = 1;
		return 0;
	}
	return block_error(in, &b, err);
}

void rs_in_close(struct rs_in *in)
{
	gm_free(in->gm);
	if (in->gz)
		gzclose(in->gz);     /* closes the fd the members were read from */
	free(in->path);
	memset(in, 0, sizeof(*in));
}

char *rs_path_derive(const char *out, const char *suffix)
{
	static const char *const exts[] = { ".csv.gz", ".csv", ".json", NULL };
	size_t n = strlen(out), k;
	char *p;

	for (k = 0; exts[k]; k++) {
		size_t el = strlen(exts[k]);
		if (n > el && !strcmp(out + n - el, exts[k])) {
			n -= el;
			break;
		}
	}
	p = xmalloc(n + strlen(suffix) + 1);
	memcpy(p, out, n);
	memcpy(p + n, suffix, strlen(suffix) + 1);
	return p;
}

int rs_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct rs_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return rs_err(err, "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		size_t got;
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			fclose(f);
			free(buf);
			return rs_err(err, "'%s' is larger than %zu bytes", path, max);
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return rs_err(err, "cannot read '%s': %s", path, strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}
