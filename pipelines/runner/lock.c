/*
 * lock.c - the run lock, ${out}/.reliefstat/lock.
 *
 * The lock is held with flock(2) on a file that holds the holder's pid and
 * start time. The kernel drops a flock when its holder dies, so a run killed
 * with SIGKILL never leaves the pipeline locked: the next run takes the lock
 * over and warns, naming the dead pid. The file is never unlinked (that
 * would let two runs lock two different files); a clean exit empties it.
 * The descriptor is close-on-exec so stages never inherit the lock.
 *
 * The state directory must be ours: a real directory (not a symbolic link)
 * owned by the user running, and the lock is opened with O_NOFOLLOW, so a
 * planted link can never make the runner write outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

int state_dir_ok(const char *dir, struct rs_error *err)
{
	struct stat sb;

	if (lstat(dir, &sb))
		return rs_err(err, "cannot stat state directory '%s': %s", dir,
			      strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return rs_err(err, "state directory '%s' is a symbolic link; "
			      "the runner keeps its lock, ledger and logs "
			      "there and does not follow links: remove it", dir);
	if (!S_ISDIR(sb.st_mode))
		return rs_err(err, "state directory '%s' is not a directory; "
			      "remove it", dir);
	if (sb.st_uid != geteuid())
		return rs_err(err, "state directory '%s' belongs to uid %ld, "
			      "not to us (uid %ld); run as its owner or remove "
			      "it", dir, (long)sb.st_uid, (long)geteuid());
	return 0;
}

/* A state file, when it exists, must be a regular file, not a link. */
static int state_file_ok(const char *dir, const char *name,
			 struct rs_error *err)
{
	struct stat sb;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &sb))
		return errno == ENOENT ? 0 : rs_err(err, "cannot stat '%s': %s",
						     path, strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return rs_err(err, "state file '%s' is a symbolic link; the "
			      "runner does not follow links where it keeps "
			      "its state: remove it", path);
	if (!S_ISREG(sb.st_mode))
		return rs_err(err, "state file '%s' is not a regular file; "
			      "remove it", path);
	return 0;
}

static void lock_holder(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int lock_take(const struct pipeline *pl, int *fdp, struct rs_error *err)
{
	char held[256], now[64], *sp;
	struct stat a, b;
	struct sbuf sb;
	struct tm tm;
	time_t t;
	int fd = -1, ret = -1;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/lock", pl->statedir);
	if (mkdir_p(pl->statedir, err) || state_dir_ok(pl->statedir, err) ||
	    state_file_ok(pl->statedir, "lock", err) ||
	    state_file_ok(pl->statedir, "ledger.jsonl", err) ||
	    state_file_ok(pl->statedir, "state", err))
		goto out;
	for (;;) {
		fd = open(sb.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0644);
		if (fd < 0) {
			rs_err(err, "cannot open lock '%s': %s%s", sb.buf,
			       strerror(errno), errno == ELOOP ?
			       " (it is a symbolic link: remove it)" : "");
			goto out;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			if (errno != EWOULDBLOCK) {
				rs_err(err, "cannot lock '%s': %s", sb.buf,
				       strerror(errno));
				goto out;
			}
			lock_holder(fd, held, sizeof(held));
			sp = strchr(held, ' ');
			if (sp)
				*sp++ = '\0';
			rs_err(err, "another run holds the lock: pid %s since "
			       "%s ('%s')", *held ? held : "?",
			       sp ? sp : "?", sb.buf);
			ret = 1;
			goto out;
		}
		/* The file we locked must still be the one at the path. */
		if (!fstat(fd, &a) && !stat(sb.buf, &b) &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(fd);
	}
	lock_holder(fd, held, sizeof(held));
	if (*held) {
		sp = strchr(held, ' ');
		if (sp)
			*sp++ = '\0';
		rs_warn("taking over the lock of pid %s (since %s), which is "
			"gone", held, sp ? sp : "?");
	}
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S%z", &tm);
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%ld %s\n", (long)getpid(), now);
	if (ftruncate(fd, 0) ||
	    pwrite(fd, sb.buf, sb.len, 0) != (ssize_t)sb.len) {
		rs_err(err, "cannot write the lock: %s", strerror(errno));
		goto out;
	}
	*fdp = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	sbuf_release(&sb);
	return ret;
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0))
		rs_warn("cannot clear the lock: %s", strerror(errno));
	close(fd);
}
