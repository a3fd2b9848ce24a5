/*
 * state.c - what each task looked like when it last succeeded, and the run
 * lock, both in the pipeline's output directory (${out}/.reliefstat/).
 *
 * A task is up to date when the hashes of its expanded command, its
 * program file, and the content of each input, param and output all match
 * the record written after it last succeeded. Decisions are by content,
 * hashed with XXH3-128 (libxxhash): change detection with no secret
 * involved needs no cryptographic hash, and XXH3 runs at memory speed
 * where BLAKE2b took 1.5 s of a 10 M-row export's rerun. (The keyed
 * pseudonyms stay BLAKE2b, in the stages; published tables are stored by
 * their BLAKE2b, published.c.)
 *
 * A stat cache, as git's index: a file's hash is kept with its size,
 * mtime, ctime (both to the nanosecond), inode and device, and with the
 * moment it was hashed, read from the coarse clock the kernel stamps files
 * with (CLOCK_REALTIME_COARSE) before the file was stat'ed and read. The
 * hash is trusted without reading the file only when all of them match
 * and both times are older than that moment: a file rewritten after it was
 * hashed has a time at least that moment (racy git's rule), even with the
 * same size in the same clock tick, and ctime catches an mtime set back
 * (touch -d, cp -p, tar). Where a file's times look like whole seconds (a
 * file system that keeps no more), seconds are compared. So touching a
 * file without changing it costs one hash and reruns nothing; a file just
 * written (a stage's output) is hashed once its times are a tick old, which
 * it waits for (a few milliseconds at most), so the next run's stat finds
 * the entry clean.
 *
 * The state file is text, rewritten atomically (rs_out) after each success:
 *
 *   reliefstat-state 2
 *   F HASH SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS INODE DEV HASHED_S HASHED_NS PATH
 *   T NAME                                             a task record...
 *   C HASH                                             its command
 *   X HASH PATH                                        its program
 *   I HASH PATH / P HASH PATH / O HASH PATH            inputs, params, outputs
 *
 * A state of format 1 (BLAKE2b-256, 64 hex digits; F lines without ctime)
 * is read: its file cache is dropped, and a record's old hash is compared
 * by hashing that file with BLAKE2b once more, in the same pass as XXH3,
 * so an upgrade reruns nothing that did not change; the state is written
 * back in format 2. Paths come last on a line and never hold a newline
 * (pipeline.c refuses them), so no quoting is needed. The run lock is in
 * lock.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
/* XXH3_state_t's layout, so a state can live on the stack (no allocation
 * to fail); the same libxxhash version as the header (Debian's package). */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "fileio.h"
#include "runner.h"
#include "xalloc.h"

#define STATE_MAGIC "reliefstat-state 2"
#define STATE_MAGIC_V1 "reliefstat-state 1"
#define STATE_MAX ((size_t)256 << 20)
#define NO_HASH "-"
/* XXH3-128 in hex, and format 1's BLAKE2b-256 */
#define XXH_HEX_LEN 32
#define OLD_HEX_LEN 64
#define HASH_BUF (256 * 1024)
/* Longest wait for a file's times to be a tick old before hashing it. */
#define FRESH_WAIT_NS 50000000LL

int mkdir_p(const char *dir, struct rs_error *err)
{
	char *p = xstrdup(dir), *s;
	int ret = -1;

	for (s = p + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			rs_err(err, "cannot create directory '%s': %s", p,
			       strerror(errno));
			goto out;
		}
		*s = c;
		if (!c)
			break;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

int mkdir_parent(const char *path, struct rs_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ret;

	if (!slash || slash == path)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	ret = mkdir_p(dir, err);
	free(dir);
	return ret;
}

/* A hash of format 1 (BLAKE2b-256), to be compared as such. */
static int is_old(const char *h)
{
	return strlen(h) == OLD_HEX_LEN;
}

static void xxh_hex(XXH128_hash_t h, char out[HASH_HEX])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	sodium_bin2hex(out, HASH_HEX, c.digest, sizeof(c.digest));
}

static struct fcache *cache_find(struct state *st, const char *path)
{
	size_t i;

	for (i = 0; i < st->nfiles; i++)
		if (!strcmp(st->files[i].path, path))
			return &st->files[i];
	return NULL;
}

/* XXH3-128 of fd's content into out; with old, its BLAKE2b-256 too. */
static int hash_fd(int fd, const char *path, char out[HASH_HEX],
		   char old[HASH_HEX], struct rs_error *err)
{
	crypto_generichash_state b2;
	XXH3_state_t x;
	unsigned char *buf = xmalloc(HASH_BUF), bin[32];
	ssize_t n;
	int ret = -1;

	memset(&x, 0, sizeof(x));
	XXH3_128bits_reset(&x);
	if (old)
		crypto_generichash_init(&b2, NULL, 0, sizeof(bin));
	while ((n = read(fd, buf, HASH_BUF)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rs_err(err, "cannot read '%s': %s", path,
			       strerror(errno));
			goto out;
		}
		XXH3_128bits_update(&x, buf, (size_t)n);
		if (old)
			crypto_generichash_update(&b2, buf, (size_t)n);
	}
	xxh_hex(XXH3_128bits_digest(&x), out);
	if (old) {
		crypto_generichash_final(&b2, bin, sizeof(bin));
		sodium_bin2hex(old, HASH_HEX, bin, sizeof(bin));
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static long long ts_ns(long long s, long long ns)
{
	return s * 1000000000LL + ns;
}

static long long coarse_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts))
		clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(ts.tv_sec, ts.tv_nsec);
}

/* A file system that keeps whole seconds (or a file whose both times
 * fall on one, one in a billion): compared by the second. */
static int whole_seconds(long long mtime_ns, long long ctime_ns)
{
	return !mtime_ns && !ctime_ns;
}

/* The later of the file's mtime and ctime, in ns. */
static long long stat_latest(const struct stat *sb)
{
	long long m = ts_ns(sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec);
	long long c = ts_ns(sb->st_ctim.tv_sec, sb->st_ctim.tv_nsec);

	return m > c ? m : c;
}

/*
 * 1 when fc's hash holds for a file that stat'ed as sb: the same file, the
 * same size and times, and times older than the moment fc was hashed (a
 * write since then would have a time at least that moment).
 */
static int cache_clean(const struct fcache *fc, const struct stat *sb)
{
	long long hashed = ts_ns(fc->hashed_s, fc->hashed_ns);

	if (fc->size != (long long)sb->st_size ||
	    fc->mtime_s != (long long)sb->st_mtim.tv_sec ||
	    fc->mtime_ns != (long long)sb->st_mtim.tv_nsec ||
	    fc->ctime_s != (long long)sb->st_ctim.tv_sec ||
	    fc->ctime_ns != (long long)sb->st_ctim.tv_nsec ||
	    fc->ino != (long long)sb->st_ino ||
	    fc->dev != (long long)sb->st_dev)
		return 0;
	if (whole_seconds(fc->mtime_ns, fc->ctime_ns))
		return fc->mtime_s < fc->hashed_s && fc->ctime_s < fc->hashed_s;
	return stat_latest(sb) < hashed;
}

/*
 * Waits, a few milliseconds at most, until the coarse clock has passed the
 * times of a file written a moment ago, so the hash taken next is one the
 * cache can trust (cache_clean). Returns the moment to record, read after
 * the wait and before the file's stat and content.
 */
static long long wait_fresh(const struct stat *sb)
{
	long long latest = stat_latest(sb), now = coarse_now();
	struct timespec ms = { 0, 1000000 };

	if (whole_seconds(sb->st_mtim.tv_nsec, sb->st_ctim.tv_nsec))
		return now;
	while (now <= latest && latest - now < FRESH_WAIT_NS) {
		nanosleep(&ms, NULL);
		now = coarse_now();
	}
	return now;
}

/*
 * Hashes a file's content (XXH3-128), through the cache. With old, also
 * its BLAKE2b-256 there, for comparing with a record of format 1: the file
 * is then read whatever the cache says. A missing file sets *missing and
 * returns 0; any other problem is an error.
 */
static int hash_file(struct state *st, const char *path, char out[HASH_HEX],
		     char old[HASH_HEX], int *missing, struct rs_error *err)
{
	struct stat sb;
	struct fcache *fc;
	long long hashed;
	int fd, ret;

	*missing = 0;
	if (stat(path, &sb)) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*missing = 1;
			return 0;
		}
		return rs_err(err, "cannot stat '%s': %s", path,
			      strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return rs_err(err, "'%s' is not a regular file", path);
	fc = cache_find(st, path);
	if (!old && fc && cache_clean(fc, &sb)) {
		memcpy(out, fc->hash, HASH_HEX);
		return 0;
	}
	hashed = wait_fresh(&sb);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rs_err(err, "cannot open '%s': %s", path,
			      strerror(errno));
	/* The times of what is about to be read: from the open file, after
	 * the moment recorded. */
	if (fstat(fd, &sb)) {
		ret = rs_err(err, "cannot stat '%s': %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	ret = hash_fd(fd, path, out, old, err);
	close(fd);
	if (ret)
		return -1;
	if (!fc) {
		st->files = xreallocarray(st->files, st->nfiles + 1,
					  sizeof(*st->files));
		fc = &st->files[st->nfiles++];
		fc->path = xstrdup(path);
	}
	fc->size = (long long)sb.st_size;
	fc->mtime_s = (long long)sb.st_mtim.tv_sec;
	fc->mtime_ns = (long long)sb.st_mtim.tv_nsec;
	fc->ctime_s = (long long)sb.st_ctim.tv_sec;
	fc->ctime_ns = (long long)sb.st_ctim.tv_nsec;
	fc->ino = (long long)sb.st_ino;
	fc->dev = (long long)sb.st_dev;
	fc->hashed_s = hashed / 1000000000LL;
	fc->hashed_ns = hashed % 1000000000LL;
	memcpy(fc->hash, out, HASH_HEX);
	st->dirty = 1;
	return 0;
}

/*
 * The file a task's argv[0] runs: a name with a slash as it is; else the
 * program of that name beside the runner's own executable (an installed
 * setup works under cron's PATH), else the one execvp() would find in
 * PATH. NULL when there is none.
 */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char self[4096], *slash;
	struct sbuf sb;
	struct stat s;
	ssize_t n;

	if (strchr(name, '/'))
		return xstrdup(name);
	sbuf_init(&sb, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			sbuf_addf(&sb, "%.*s/%s", (int)(slash - self), self,
				  name);
			if (!stat(sb.buf, &s) && S_ISREG(s.st_mode) &&
			    !access(sb.buf, X_OK))
				return sbuf_detach(&sb, NULL);
		}
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = colon + 1) {
		colon = strchrnul(p, ':');
		sbuf_reset(&sb);
		if (colon == p)
			sbuf_addc(&sb, '.');
		else
			sbuf_add(&sb, p, (size_t)(colon - p));
		sbuf_addf(&sb, "/%s", name);
		if (!stat(sb.buf, &s) && S_ISREG(s.st_mode) &&
		    !access(sb.buf, X_OK))
			return sbuf_detach(&sb, NULL);
		if (!*colon)
			break;
	}
	sbuf_release(&sb);
	return NULL;
}

/* The command's hash: XXH3-128 of its kind and arguments, each with its
 * NUL; with old, its BLAKE2b-256 too (format 1's). */
static void hash_cmd(const struct task *t, char out[HASH_HEX],
		     char old[HASH_HEX])
{
	const char *kind = t->shell ? "shell" : "argv";
	crypto_generichash_state h;
	XXH3_state_t x;
	unsigned char bin[32];
	size_t i;

	memset(&x, 0, sizeof(x));
	XXH3_128bits_reset(&x);
	XXH3_128bits_update(&x, kind, strlen(kind) + 1);
	for (i = 0; i < t->argc; i++)
		XXH3_128bits_update(&x, t->argv[i], strlen(t->argv[i]) + 1);
	xxh_hex(XXH3_128bits_digest(&x), out);
	if (!old)
		return;
	crypto_generichash_init(&h, NULL, 0, sizeof(bin));
	crypto_generichash_update(&h, (const unsigned char *)kind,
				  strlen(kind) + 1);
	for (i = 0; i < t->argc; i++)
		crypto_generichash_update(&h, (const unsigned char *)t->argv[i],
					  strlen(t->argv[i]) + 1);
	crypto_generichash_final(&h, bin, sizeof(bin));
	sodium_bin2hex(old, HASH_HEX, bin, sizeof(bin));
}

/*
 * Whether the hash h taken now (old: its BLAKE2b) matches the recorded
 * one, of either format. A record of format 1 that matches takes h, the
 * same content's XXH3, so the next run need not hash with BLAKE2b again.
 */
static int same_hash(struct state *st, char rec[HASH_HEX], const char *h,
		     const char *old)
{
	if (!is_old(rec))
		return !strcmp(rec, h);
	if (strcmp(rec, old))
		return 0;
	memcpy(rec, h, HASH_HEX);
	st->dirty = 1;
	return 1;
}

static struct srec *rec_find(struct state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nrecs; i++)
		if (!strcmp(st->recs[i].name, name))
			return &st->recs[i];
	return NULL;
}

const struct srec *state_find(struct state *st, const char *name)
{
	return rec_find(st, name);
}

static void rec_release(struct srec *r)
{
	size_t i;

	for (i = 0; i < r->nin; i++)
		free(r->in[i].path);
	for (i = 0; i < r->npar; i++)
		free(r->par[i].path);
	for (i = 0; i < r->nout; i++)
		free(r->out[i].path);
	free(r->in);
	free(r->par);
	free(r->out);
	free(r->prog);
	free(r->name);
}

void state_forget(struct state *st, const char *name)
{
	struct srec *r = rec_find(st, name);

	if (!r)
		return;
	rec_release(r);
	*r = st->recs[--st->nrecs];
	st->dirty = 1;
}

static void why(struct task *t, const char *fmt, const char *path)
{
	if (t->why.len)
		sbuf_addc(&t->why, '\n');
	sbuf_addf(&t->why, fmt, path);
	t->stale = 1;
}

static const struct frec *frec_find(const struct frec *v, size_t n,
				    const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, path))
			return &v[i];
	return NULL;
}

/* Hashes a list of files and compares them with the recorded ones. */
static int check_files(struct state *st, struct task *t, const char *what,
		       const struct pathv *pv, char (*hashes)[HASH_HEX],
		       const struct srec *r, struct frec *rv, size_t rn,
		       struct rs_error *err)
{
	char tmp[HASH_HEX], old[HASH_HEX], *h, fmt[64];
	struct frec *f;
	size_t i;
	int missing;

	for (i = 0; i < pv->n; i++) {
		h = hashes ? hashes[i] : tmp;
		f = r ? (struct frec *)frec_find(rv, rn, pv->v[i].path) : NULL;
		if (hash_file(st, pv->v[i].path, h,
			      f && is_old(f->hash) ? old : NULL, &missing, err))
			return -1;
		if (missing) {
			memcpy(h, NO_HASH, sizeof(NO_HASH));
			snprintf(fmt, sizeof(fmt), "%s %%s missing", what);
			if (r)
				why(t, fmt, pv->v[i].path);
			if (strcmp(what, "output") && !t->missing_input)
				t->missing_input = xstrdup(pv->v[i].path);
			continue;
		}
		if (!r)
			continue;
		snprintf(fmt, sizeof(fmt), "%s %%s %s", what,
			 f ? "changed" : "added");
		if (!f || !same_hash(st, f->hash, h, old))
			why(t, fmt, pv->v[i].path);
	}
	for (i = 0; r && i < rn; i++) {
		size_t j;

		for (j = 0; j < pv->n && strcmp(pv->v[j].path, rv[i].path); j++)
			;
		snprintf(fmt, sizeof(fmt), "%s %%s removed", what);
		if (j == pv->n)
			why(t, fmt, rv[i].path);
	}
	return 0;
}

static void stamp_all(struct state *st, struct task *t);

int state_check(struct state *st, struct task *t, struct rs_error *err)
{
	struct srec *r = rec_find(st, t->name);
	char old[HASH_HEX];
	int missing;

	sbuf_reset(&t->why);
	t->stale = 0;
	free(t->missing_input);
	t->missing_input = NULL;
	if (!t->in_hash)
		t->in_hash = xcalloc(t->inputs.n + 1, sizeof(*t->in_hash));
	if (!t->par_hash)
		t->par_hash = xcalloc(t->params.n + 1, sizeof(*t->par_hash));
	if (t->forced)
		why(t, "%s", "forced");
	/* Never run (or failed last: a failure forgets the record) says it
	 * all: the files are checked only for inputs missing, which stop it
	 * from starting. */
	if (!r)
		why(t, "%s", t->last_failure ? t->last_failure : "never run");
	hash_cmd(t, t->cmd_hash, r && is_old(r->cmd) ? old : NULL);
	if (r && !same_hash(st, r->cmd, t->cmd_hash, old))
		why(t, "%s", "command changed");
	memcpy(t->exe_hash, NO_HASH, sizeof(NO_HASH));
	free(t->prog);
	t->prog = t->shell ? NULL : find_program(t->argv[0]);
	memcpy(old, NO_HASH, sizeof(NO_HASH));
	if (t->prog) {
		if (hash_file(st, t->prog, t->exe_hash,
			      r && is_old(r->exe) ? old : NULL, &missing, err))
			return -1;
		if (missing) {
			memcpy(t->exe_hash, NO_HASH, sizeof(NO_HASH));
			memcpy(old, NO_HASH, sizeof(NO_HASH));
		}
	}
	if (r && !same_hash(st, r->exe, t->exe_hash, old))
		why(t, "program %s changed", t->argv[0]);
	if (check_files(st, t, "input", &t->inputs, t->in_hash, r,
			r ? r->in : NULL, r ? r->nin : 0, err) ||
	    check_files(st, t, "param", &t->params, t->par_hash, r,
			r ? r->par : NULL, r ? r->npar : 0, err) ||
	    check_files(st, t, "output", &t->outputs, NULL, r,
			r ? r->out : NULL, r ? r->nout : 0, err))
		return -1;
	stamp_all(st, t);
	t->checked = 1;
	return 0;
}

static void stamp_stat(struct fstamp *s, const struct stat *sb)
{
	memset(s, 0, sizeof(*s));
	s->size = (long long)sb->st_size;
	s->mtime_s = (long long)sb->st_mtim.tv_sec;
	s->mtime_ns = (long long)sb->st_mtim.tv_nsec;
	s->ctime_s = (long long)sb->st_ctim.tv_sec;
	s->ctime_ns = (long long)sb->st_ctim.tv_nsec;
	s->ino = (long long)sb->st_ino;
	s->dev = (long long)sb->st_dev;
}

static void stamp_now(struct fstamp *s, const char *path)
{
	struct stat sb;

	if (stat(path, &sb)) {
		memset(s, 0, sizeof(*s));
		s->missing = 1;
		return;
	}
	stamp_stat(s, &sb);
}

/* The path of t's input (i < inputs.n) or param i. */
static const char *in_path(const struct task *t, size_t i)
{
	return i < t->inputs.n ? t->inputs.v[i].path :
	       t->params.v[i - t->inputs.n].path;
}

/*
 * Keeps how each input and param stat'ed when hashed: the cache's entry
 * that hash_file() just filled or trusted, so a change after it (even
 * before the task starts) is seen by state_moved().
 */
static void stamp_all(struct state *st, struct task *t)
{
	size_t i, n = t->inputs.n + t->params.n;

	free(t->in_stamp);
	t->in_stamp = xcalloc(n + 1, sizeof(*t->in_stamp));
	for (i = 0; i < n; i++) {
		const struct fcache *fc = cache_find(st, in_path(t, i));
		struct fstamp *s = &t->in_stamp[i];
		struct stat sb;

		if (!fc || stat(in_path(t, i), &sb)) {
			stamp_now(s, in_path(t, i));
			continue;
		}
		s->size = fc->size;
		s->mtime_s = fc->mtime_s;
		s->mtime_ns = fc->mtime_ns;
		s->ctime_s = fc->ctime_s;
		s->ctime_ns = fc->ctime_ns;
		s->ino = fc->ino;
		s->dev = fc->dev;
	}
}

const char *state_moved(const struct task *t)
{
	size_t i, n = t->inputs.n + t->params.n;
	struct fstamp now;

	for (i = 0; t->in_stamp && i < n; i++) {
		stamp_now(&now, in_path(t, i));
		if (memcmp(&now, &t->in_stamp[i], sizeof(now)))
			return in_path(t, i);
	}
	return NULL;
}

static struct frec *frecs(const struct pathv *pv, char (*hashes)[HASH_HEX])
{
	struct frec *v = xcalloc(pv->n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < pv->n; i++) {
		v[i].path = xstrdup(pv->v[i].path);
		memcpy(v[i].hash, hashes[i], HASH_HEX);
	}
	return v;
}

int state_record(struct state *st, struct task *t, struct rs_error *err)
{
	char (*out)[HASH_HEX] = xcalloc(t->outputs.n + 1, sizeof(*out));
	struct srec r = { 0 };
	size_t i;
	int missing, ret = -1;

	for (i = 0; i < t->outputs.n; i++) {
		if (hash_file(st, t->outputs.v[i].path, out[i], NULL, &missing,
			      err))
			goto out;
		if (missing) {
			rs_err(err, "'%s' exited 0 but did not write '%s'",
			       t->name, t->outputs.v[i].path);
			goto out;
		}
	}
	r.name = xstrdup(t->name);
	memcpy(r.cmd, t->cmd_hash, HASH_HEX);
	memcpy(r.exe, t->exe_hash, HASH_HEX);
	r.prog = t->prog ? xstrdup(t->prog) : NULL;
	r.in = frecs(&t->inputs, t->in_hash);
	r.nin = t->inputs.n;
	r.par = frecs(&t->params, t->par_hash);
	r.npar = t->params.n;
	r.out = frecs(&t->outputs, out);
	r.nout = t->outputs.n;
	state_forget(st, t->name);
	st->recs = xreallocarray(st->recs, st->nrecs + 1, sizeof(*st->recs));
	st->recs[st->nrecs++] = r;
	st->dirty = 1;
	ret = 0;
out:
	free(out);
	return ret;
}

/* Splits off the next space-separated field of a line. */
static char *field(char **p)
{
	char *s = *p, *sp;

	if (!s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		*p = sp + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/*
 * "-", or a hash: XXH3-128, or format 1's BLAKE2b-256 (v1 set: the only
 * kind a format 1 state holds). A format 2 state may hold the latter in
 * records not checked since the upgrade (another task's --only run).
 */
static int is_hash(const char *s, int v1)
{
	size_t n = strspn(s, "0123456789abcdef");

	if (!strcmp(s, NO_HASH))
		return 1;
	return !s[n] && (n == OLD_HEX_LEN || (!v1 && n == XXH_HEX_LEN));
}

static int num(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static void frec_push(struct frec **v, size_t *n, const char *hash,
		      const char *path)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].path = xstrdup(path);
	memcpy((*v)[*n].hash, hash, strlen(hash) + 1);
	(*n)++;
}

static int parse_line(struct state *st, char *line, struct srec **cur,
		      int v1)
{
	char *rest = line, *tag = field(&rest), *h;
	struct fcache fc = { 0 };
	struct srec *r = *cur;

	if (!strcmp(tag, "T") && rest && *rest) {
		if (rec_find(st, rest))
			return -1;
		st->recs = xreallocarray(st->recs, st->nrecs + 1,
					 sizeof(*st->recs));
		r = &st->recs[st->nrecs++];
		memset(r, 0, sizeof(*r));
		r->name = xstrdup(rest);
		memcpy(r->cmd, NO_HASH, sizeof(NO_HASH));
		memcpy(r->exe, NO_HASH, sizeof(NO_HASH));
		*cur = r;
		return 0;
	}
	h = field(&rest);
	if (!h || !is_hash(h, v1))
		return -1;
	if (!strcmp(tag, "F") && v1) {
		/* Format 1's cache holds BLAKE2b: checked, then dropped. */
		long long skip;
		int k;

		for (k = 0; k < 5; k++)
			if (num(field(&rest), &skip))
				return -1;
		return rest && *rest ? 0 : -1;
	}
	if (!strcmp(tag, "F")) {
		if (strlen(h) != XXH_HEX_LEN ||
		    num(field(&rest), &fc.size) ||
		    num(field(&rest), &fc.mtime_s) ||
		    num(field(&rest), &fc.mtime_ns) ||
		    num(field(&rest), &fc.ctime_s) ||
		    num(field(&rest), &fc.ctime_ns) ||
		    num(field(&rest), &fc.ino) ||
		    num(field(&rest), &fc.dev) ||
		    num(field(&rest), &fc.hashed_s) ||
		    num(field(&rest), &fc.hashed_ns) || !rest || !*rest ||
		    cache_find(st, rest))
			return -1;
		fc.path = xstrdup(rest);
		memcpy(fc.hash, h, strlen(h) + 1);
		st->files = xreallocarray(st->files, st->nfiles + 1,
					  sizeof(*st->files));
		st->files[st->nfiles++] = fc;
		return 0;
	}
	if (!r)
		return -1;
	if (!strcmp(tag, "C") && !rest)
		memcpy(r->cmd, h, strlen(h) + 1);
	else if (!strcmp(tag, "X") && !r->prog) {
		memcpy(r->exe, h, strlen(h) + 1);
		r->prog = rest && strcmp(rest, "-") ? xstrdup(rest) : NULL;
	}
	else if (!strcmp(tag, "I") && rest)
		frec_push(&r->in, &r->nin, h, rest);
	else if (!strcmp(tag, "P") && rest)
		frec_push(&r->par, &r->npar, h, rest);
	else if (!strcmp(tag, "O") && rest)
		frec_push(&r->out, &r->nout, h, rest);
	else
		return -1;
	return 0;
}

void state_load(struct state *st, const struct pipeline *pl)
{
	struct rs_error err;
	struct srec *cur = NULL;
	char *buf = NULL, *line, *nl;
	size_t len, lineno = 0;
	struct sbuf sb;
	int v1 = 0;

	memset(st, 0, sizeof(*st));
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/state", pl->statedir);
	st->path = sbuf_detach(&sb, NULL);
	if (access(st->path, F_OK) && errno == ENOENT)
		return;
	if (rs_read_file(st->path, STATE_MAX, &buf, &len, &err)) {
		rs_warn("ignoring the run state: %s", err.msg);
		return;
	}
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			break;
		*nl = '\0';
		lineno++;
		if (lineno == 1) {
			v1 = !strcmp(line, STATE_MAGIC_V1);
			if (!v1 && strcmp(line, STATE_MAGIC))
				goto corrupt;
		} else if (parse_line(st, line, &cur, v1)) {
			goto corrupt;
		}
	}
	if (line != buf + len)
		goto corrupt;
	free(buf);
	/* Written back in format 2 at the end of the run, even if nothing
	 * runs. */
	st->dirty |= v1;
	return;
corrupt:
	rs_warn("ignoring corrupt run state '%s' (line %zu): every stage "
		"will run", st->path, lineno);
	free(buf);
	state_release(st);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/state", pl->statedir);
	st->path = sbuf_detach(&sb, NULL);
}

void state_release(struct state *st)
{
	size_t i;

	for (i = 0; i < st->nrecs; i++)
		rec_release(&st->recs[i]);
	free(st->recs);
	for (i = 0; i < st->nfiles; i++)
		free(st->files[i].path);
	free(st->files);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Paths the records mention, sorted, so the cache can be pruned. */
static char **referenced(const struct state *st, size_t *n)
{
	char **v = NULL;
	size_t i, j, k = 0, total = 0;
	const struct srec *r;

	for (i = 0; i < st->nrecs; i++)
		total += st->recs[i].nin + st->recs[i].npar +
			 st->recs[i].nout + 1;
	v = xcalloc(total + 1, sizeof(*v));
	for (i = 0; i < st->nrecs; i++) {
		r = &st->recs[i];
		if (r->prog)
			v[k++] = r->prog;
		for (j = 0; j < r->nin; j++)
			v[k++] = r->in[j].path;
		for (j = 0; j < r->npar; j++)
			v[k++] = r->par[j].path;
		for (j = 0; j < r->nout; j++)
			v[k++] = r->out[j].path;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = k;
	return v;
}

static void put_frecs(struct rs_out *o, const char *tag, const struct frec *v,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rs_out_puts(o, tag);
		rs_out_puts(o, v[i].hash);
		rs_out_puts(o, " ");
		rs_out_puts(o, v[i].path);
		rs_out_puts(o, "\n");
	}
}

int state_save(struct state *st, struct rs_error *err)
{
	struct rs_out o;
	struct sbuf sb;
	const struct fcache *f;
	const struct srec *r;
	char **refs, *p;
	size_t i, nrefs;
	int ret = -1;

	if (mkdir_parent(st->path, err) ||
	    rs_out_open(&o, st->path, 0644, err))
		return -1;
	refs = referenced(st, &nrefs);
	sbuf_init(&sb, 0);
	rs_out_puts(&o, STATE_MAGIC "\n");
	for (i = 0; i < st->nfiles; i++) {
		f = &st->files[i];
		p = f->path;
		/* Drop files no record mentions any more. */
		if (!bsearch(&p, refs, nrefs, sizeof(*refs), cmp_str))
			continue;
		sbuf_reset(&sb);
		sbuf_addf(&sb, "F %s %lld %lld %lld %lld %lld %lld %lld %lld %lld %s\n",
			  f->hash, f->size, f->mtime_s, f->mtime_ns, f->ctime_s,
			  f->ctime_ns, f->ino, f->dev, f->hashed_s, f->hashed_ns,
			  f->path);
		rs_out_puts(&o, sb.buf);
	}
	for (i = 0; i < st->nrecs; i++) {
		r = &st->recs[i];
		sbuf_reset(&sb);
		sbuf_addf(&sb, "T %s\nC %s\nX %s %s\n", r->name, r->cmd, r->exe,
			  r->prog ? r->prog : "-");
		rs_out_puts(&o, sb.buf);
		put_frecs(&o, "I ", r->in, r->nin);
		put_frecs(&o, "P ", r->par, r->npar);
		put_frecs(&o, "O ", r->out, r->nout);
	}
	if (rs_out_commit(&o, err))
		goto out;
	st->dirty = 0;
	ret = 0;
out:
	sbuf_release(&sb);
	free(refs);
	return ret;
}
