/*
 * publish.c - a report's folders appear whole: all new files or all old.
 *
 * rs-report writes each of OUTDIR's folders (internal/, published/,
 * returns/) into a new sibling, OUTDIR/.NAME.new.PID, and only once every
 * file of every folder is on disk (the rs_out batch committed, each file
 * fsynced, each folder too) swaps each new folder with its old one in one
 * step, renameat2(RENAME_EXCHANGE), and removes the old. A reader of
 * published/ therefore sees the whole previous set or the whole new one,
 * never new tables beside an old bulletin, and a full disk or any failure
 * before the swap leaves every old folder as it was. A folder holds only
 * what this run wrote: a table the run no longer makes is gone with the
 * old folder. A rs-report killed before the swap leaves its .NAME.new.PID
 * folder; the next rs-report on that OUTDIR removes it once PID is no
 * live process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "xalloc.h"

static const char *const folders[RD__COUNT] = { "internal", "published", "returns" };

/* Removes dir and the files in it (our folders hold no subfolders). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int fd;

	if (d) {
		fd = dirfd(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(fd, de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* PID of a ".NAME.new.PID" (or ".NAME.new.PID.old") or a
 * ".suppressed.csv.tmp.PID.N" of ours, else 0. */
static long staged_owner(const char *name)
{
	size_t i, n;
	char *end;
	long pid;

	if (name[0] != '.')
		return 0;
	/* the list of hidden cells beside the folders (hideas.c), written
	 * as fileio.c writes: .suppressed.csv.tmp.PID.N */
	if (!strncmp(name, ".suppressed.csv.tmp.", 20)) {
		pid = strtol(name + 20, &end, 10);
		return *end == '.' && pid > 0 ? pid : 0;
	}
	for (i = 0; i < RD__COUNT; i++) {
		n = strlen(folders[i]);
		if (!strncmp(name + 1, folders[i], n) && !strncmp(name + 1 + n, ".new.", 5))
			break;
	}
	if (i == RD__COUNT)
		return 0;
	pid = strtol(name + 1 + n + 5, &end, 10);
	if (!strcmp(end, ".old"))
		end += 4;
	return *end || pid <= 0 ? 0 : pid;
}

/* Removes the new folders a killed rs-report left in outdir. */
static void sweep(const char *outdir)
{
	DIR *d = opendir(outdir);
	struct dirent *de;
	char path[4096];
	long pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = staged_owner(de->d_name);
		/* a live PID may be another rs-report writing here */
		if (!pid || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir, de->d_name) < sizeof(path) &&
		    unlink(path))
			remove_tree(path);
	}
	closedir(d);
}

static int fsync_dir(const char *dir, struct rs_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0 || fsync(fd))
		ret = rs_err(err, "cannot sync directory '%s': %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

const char *report_dir(struct report *r, enum report_folder v, struct rs_error *err)
{
	char final[4096], path[4096];
	struct stat st;

	if (r->staged[v])
		return r->staged[v];
	if (!r->swept) {
		sweep(r->o->outdir);
		r->swept = 1;
	}
	if ((size_t)snprintf(final, sizeof(final), "%s/%s", r->o->outdir, folders[v]) >= sizeof(final) ||
	    (size_t)snprintf(path, sizeof(path), "%s/.%s.new.%ld", r->o->outdir, folders[v],
			     (long)getpid()) >= sizeof(path)) {
		rs_err(err, "output path too long: '%s/%s'", r->o->outdir, folders[v]);
		return NULL;
	}
	if (!lstat(final, &st) && !S_ISDIR(st.st_mode)) {
		rs_err(err, "cannot create directory '%s': a file is in the way", final);
		return NULL;
	}
	remove_tree(path);   /* a PID reused after a kill */
	if (mkdir(path, 0755)) {
		rs_err(err, "cannot create directory '%s': %s", path, strerror(errno));
		return NULL;
	}
	r->staged[v] = xstrdup(path);
	return r->staged[v];
}

int report_publish(struct report *r, struct rs_error *err)
{
	/* published/ last: the public's folder moves once the rest has */
	static const enum report_folder order[RD__COUNT] = { RD_INTERNAL, RD_RETURNS, RD_PUBLISHED };
	char final[4096];
	size_t i;

	for (i = 0; i < RD__COUNT; i++) {
		enum report_folder v = order[i];

		if (!r->staged[v])
			continue;
		snprintf(final, sizeof(final), "%s/%s", r->o->outdir, folders[v]);
		if (fsync_dir(r->staged[v], err))
			return -1;
		if (!renameat2(AT_FDCWD, r->staged[v], AT_FDCWD, final, RENAME_EXCHANGE)) {
			remove_tree(r->staged[v]);   /* the old folder, now */
		} else if (errno == ENOENT) {
			/* the first run: no old folder to exchange with */
			if (rename(r->staged[v], final))
				return rs_err(err, "cannot rename '%s' to '%s': %s",
					      r->staged[v], final, strerror(errno));
		} else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
			/* a file system without the exchange: the old folder
			 * aside, then the new one in. For a moment there is
			 * no folder, never a half-new one. */
			char old[4096];

			if ((size_t)snprintf(old, sizeof(old), "%s.old", r->staged[v]) >= sizeof(old) ||
			    rename(final, old))
				return rs_err(err, "cannot move '%s' aside: %s", final, strerror(errno));
			if (rename(r->staged[v], final)) {
				rs_err(err, "cannot rename '%s' to '%s': %s", r->staged[v], final,
				       strerror(errno));
				rename(old, final);   /* the old one back */
				return -1;
			}
			remove_tree(old);
		} else {
			return rs_err(err, "cannot put '%s' in place of '%s': %s",
				      r->staged[v], final, strerror(errno));
		}
		free(r->staged[v]);
		r->staged[v] = NULL;
	}
	return fsync_dir(r->o->outdir, err);
}

void report_unstage(struct report *r)
{
	size_t i;

	for (i = 0; i < RD__COUNT; i++) {
		if (r->staged[i])
			remove_tree(r->staged[i]);
		free(r->staged[i]);
		r->staged[i] = NULL;
	}
}
