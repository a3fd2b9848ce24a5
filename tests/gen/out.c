/*
 * out.c - rs-gen's outputs: written beside the target through a large
 * buffer, then fsynced and renamed into place, so a benchmark never picks
 * up a half-written export. A signal removes the temporary files.
 *
 * (common/fileio offers the same for the stages; the generator keeps its
 * own few lines so it formats rows straight into the write buffer.)
 *
 * A target that exists and is no regular file (/dev/null, a FIFO, a
 * terminal) is written in place, as common/fileio does: a rename over
 * /dev/null as root replaces the device with a plain file, which broke a
 * development machine's daemons.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"
#include "xalloc.h"

#define OUT_BUF ((size_t)1 << 20)
#define MAX_OPEN 4

/* Temporary paths to remove on a signal (async-signal-safe: unlink only). */
static char *volatile open_tmp[MAX_OPEN];

static void on_signal(int sig)
{
	int i;

	for (i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i])
			unlink(open_tmp[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void track(char *tmp, int on)
{
	static int installed;
	int i;

	if (!installed) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		installed = 1;
	}
	for (i = 0; i < MAX_OPEN; i++) {
		if (on && !open_tmp[i]) {
			open_tmp[i] = tmp;
			return;
		}
		if (!on && open_tmp[i] == tmp) {
			open_tmp[i] = NULL;
			return;
		}
	}
}

int gen_out_open(struct gen_out *o, const char *path, struct rs_error *err)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
	} else if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return rs_err(err, "cannot write '%s': it is a directory",
				      path);
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0)
			return rs_err(err, "cannot open '%s': %m", path);
		o->direct = 1;
	} else {
		char *d = xstrdup(path), *b = xstrdup(path);
		size_t n = strlen(path) + 16;
		mode_t um = umask(0);

		umask(um);
		o->tmp = xmalloc(n);
		snprintf(o->tmp, n, "%s/.%s.XXXXXX", dirname(d), basename(b));
		free(d);
		free(b);
		o->fd = mkstemp(o->tmp);
		if (o->fd < 0) {
			rs_err(err, "cannot create a file beside '%s': %m",
			       path);
			free(o->tmp);
			o->tmp = NULL;
			return -1;
		}
		track(o->tmp, 1);
		fchmod(o->fd, 0666 & ~um);
	}
	o->path = xstrdup(path);
	o->cap = OUT_BUF;
	o->buf = xmalloc(o->cap);
	return 0;
}

static void flush(struct gen_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n < 0) {
			if (errno != EINTR)
				o->err = errno;
			continue;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

char *gen_out_space(struct gen_out *o, size_t need)
{
	if (o->cap - o->len < need)
		flush(o);
	return o->buf + o->len;
}

void gen_out_write(struct gen_out *o, const void *p, size_t n)
{
	while (n) {
		size_t k;

		if (o->len == o->cap)
			flush(o);
		k = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p = (const char *)p + k;
		n -= k;
	}
}

static void release(struct gen_out *o)
{
	if (o->tmp) {
		track(o->tmp, 0);
		free(o->tmp);
	}
	free(o->path);
	free(o->buf);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int gen_out_commit(struct gen_out *o, struct rs_error *err)
{
	int ret = -1;

	flush(o);
	if (o->direct && close(o->fd) < 0 && !o->err)
		o->err = errno;
	if (!o->tmp) {
		if (o->err && o->direct)
			rs_err(err, "cannot write '%s': %s", o->path,
			       strerror(o->err));
		else if (o->err)
			rs_err(err, "cannot write to standard output: %s",
			       strerror(o->err));
		else
			ret = 0;
		release(o);
		return ret;
	}
	if (!o->err && fsync(o->fd) < 0)
		o->err = errno;
	if (close(o->fd) < 0 && !o->err)
		o->err = errno;
	o->fd = -1;
	if (!o->err && rename(o->tmp, o->path) < 0)
		o->err = errno;
	if (!o->err) {
		/* make the rename itself durable */
		char *d = xstrdup(o->path);
		int dfd = open(dirname(d), O_RDONLY | O_DIRECTORY);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(d);
	}
	if (o->err) {
		rs_err(err, "cannot write '%s': %s", o->path,
		       strerror(o->err));
		unlink(o->tmp);
	} else {
		ret = 0;
	}
	release(o);
	return ret;
}

void gen_out_abort(struct gen_out *o)
{
	if (o->direct && o->fd >= 0)
		close(o->fd);
	if (o->tmp) {
		if (o->fd >= 0)
			close(o->fd);
		unlink(o->tmp);
	}
	if (o->path)
		release(o);
}
