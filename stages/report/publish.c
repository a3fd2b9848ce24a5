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
 * before the swap leaves every old folder as it was. A folder holds what
 * this run wrote: a table the run no longer makes is gone with the old
 * folder. A file of someone else's in an old folder (a name rs-report
 * never writes: a note a user put in published/) is kept, hard-linked into
 * the new folder before the swap, with a warning; a folder or anything
 * that cannot be linked stops the run before any swap, naming it: it is
 * never removed with the old folder. A rs-report killed before the swap leaves its .NAME.new.PID
 * folder; the next rs-report on that OUTDIR removes it once PID is no
 * live process.
 *
 * With --hold the new published/ is not swapped in but kept whole as
 * OUTDIR/.held (replacing an older held set in one exchange), and
 * rs-report --release swaps it in later, so that the public's reports of
 * one pipeline move together (README.md, "Publishing"). A release first
 * renames .held to .held.rel.INO, INO being that folder's own inode
 * number, and then exchanges it with published/: after the exchange the
 * name holds the old set, whose inode differs, so a release killed at any
 * point is told apart, finished or cleaned up by the next one.
 */
#include <dirent.h>
#include <inttypes.h>
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

/* PID of a ".NAME.new.PID" (or ".NAME.new.PID.old", the previous set
 * moved aside where the exchange is missing, or ".NAME.new.PID.gone", an
 * older held set moved aside) or a ".suppressed.csv.tmp.PID.N" of ours,
 * else 0. *folder is the NAME's index, -1 for the list; *aside is 1 for
 * ".old", 2 for ".gone". */
static long staged_owner(const char *name, int *folder, int *aside)
{
	size_t i, n;
	char *end;
	long pid;

	*folder = -1;
	*aside = 0;
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
	*folder = (int)i;
	pid = strtol(name + 1 + n + 5, &end, 10);
	if (!strcmp(end, ".old")) {
		end += 4;
		*aside = 1;
	} else if (!strcmp(end, ".gone")) {
		end += 5;
		*aside = 2;
	}
	return *end || pid <= 0 ? 0 : pid;
}

/*
 * Removes the new folders a killed rs-report left in outdir. One killed
 * between the two renames of the fallback (report_publish) left the
 * previous set as .NAME.new.PID.old and no NAME: that set goes back.
 */
static void sweep(const char *outdir)
{
	DIR *d = opendir(outdir);
	struct dirent *de;
	char path[4096], final[4096];
	struct stat st;
	long pid;
	int folder, aside;

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = staged_owner(de->d_name, &folder, &aside);
		/* a live PID may be another rs-report writing here */
		if (!pid || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir, de->d_name) >= sizeof(path))
			continue;
		if (aside == 1 &&
		    (size_t)snprintf(final, sizeof(final), "%s/%s", outdir, folders[folder]) < sizeof(final) &&
		    lstat(final, &st) && errno == ENOENT && !rename(path, final))
			continue;
		if (unlink(path))
			remove_tree(path);
	}
	closedir(d);
}

/* The tables' file names: STEM.csv, STEM.md, or by year STEM-YYYY.* */
static const char *const stems[] = {
	"programs", "towns", "months", "funding", "people", "spending", "quality", NULL
};

/* 1 if name is a file rs-report writes in folder v (in this run or an
 * earlier one: a table it no longer makes goes with the old folder), or a
 * temporary file of its own (.NAME.tmp.PID.N). */
static int ours(enum report_folder v, const char *name)
{
	static const char *const fixed[] = {
		"report.md", "report.html", "report.xlsx", "bulletin.txt", NULL
	};
	size_t i, n = strlen(name), k;
	const char *p;

	if (name[0] == '.' && strstr(name, ".tmp."))
		return 1;
	if (v == RD_RETURNS)
		return (n > 17 && !strcmp(name + n - 17, "-退回清单.csv")) ||
		       (n > 18 && !strcmp(name + n - 18, "-退回清单.xlsx"));
	for (i = 0; fixed[i]; i++)
		if (!strcmp(name, fixed[i]))
			return 1;
	for (i = 0; stems[i]; i++) {
		k = strlen(stems[i]);
		if (strncmp(name, stems[i], k))
			continue;
		p = name + k;
		if (p[0] == '-' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
		    p[3] >= '0' && p[3] <= '9' && p[4] >= '0' && p[4] <= '9')
			p += 5;
		if (!strcmp(p, ".csv") || !strcmp(p, ".md"))
			return 1;
	}
	return 0;
}

/*
 * The files of the old folder final that rs-report did not write are
 * hard-linked into the new folder staged, so the swap keeps them (a
 * name the new folder already holds is this run's file). Returns 0, or
 * -1 with err naming the first entry that cannot be kept (a folder, or a
 * failed link): then nothing has been swapped yet.
 */
static int keep_foreign(const char *final, const char *staged, struct rs_error *err)
{
	DIR *d = opendir(final);
	struct dirent *de;
	struct stat st;
	int sfd, ret = 0;
	enum report_folder v;
	const char *base = strrchr(final, '/');

	if (!d)
		return 0;   /* no old folder: nothing to keep */
	base = base ? base + 1 : final;
	for (v = 0; v < RD__COUNT && strcmp(base, folders[v]); v++)
		;
	sfd = open(staged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0) {
		closedir(d);
		return rs_err(err, "cannot open directory '%s': %s", staged, strerror(errno));
	}
	while (!ret && (de = readdir(d))) {
		const char *name = de->d_name;

		if (!strcmp(name, ".") || !strcmp(name, "..") || ours(v, name) ||
		    !fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW))
			continue;   /* gone meanwhile */
		if (S_ISDIR(st.st_mode))
			ret = rs_err(err, "cannot replace '%s': it holds the folder '%s', which rs-report did not write "
				     "and would lose with the old folder; move it out of '%s' and rerun",
				     final, name, final);
		else if (linkat(dirfd(d), name, sfd, name, 0))
			ret = rs_err(err, "cannot keep '%s/%s' (not a file rs-report writes) in the new '%s': %s; "
				     "move it out of '%s' and rerun",
				     final, name, final, strerror(errno), final);
		else
			rs_warn("kept '%s/%s': not a file rs-report writes", final, name);
	}
	close(sfd);
	closedir(d);
	return ret;
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

/*
 * Refuses a final folder that is a symbolic link (published/ linked to a
 * web root): the exchange would swap the link itself, and the folders
 * are staged beside OUTDIR, maybe on another file system than the link's
 * target. The link stays as the user made it.
 */
static int final_ok(const char *final, struct rs_error *err)
{
	char target[4096];
	struct stat st;
	ssize_t n;

	if (lstat(final, &st) || S_ISDIR(st.st_mode))
		return 0;
	if (!S_ISLNK(st.st_mode))
		return rs_err(err, "cannot create directory '%s': a file is in the way", final);
	n = readlink(final, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	return rs_err(err, "'%s' is a symbolic link (to '%s'): rs-report swaps the folder in whole and cannot do so through a link; remove the link (rm '%s'), rerun, and point the web root at the folder instead (ln -s /full/path/to/%s WEBROOT)",
		      final, target, final, final);
}

const char *report_dir(struct report *r, enum report_folder v, struct rs_error *err)
{
	char final[4096], path[4096];

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
	if (final_ok(final, err))
		return NULL;
	remove_tree(path);   /* a PID reused after a kill */
	if (mkdir(path, 0755)) {
		rs_err(err, "cannot create directory '%s': %s", path, strerror(errno));
		return NULL;
	}
	r->staged[v] = xstrdup(path);
	return r->staged[v];
}

int report_keep(struct report *r, struct rs_error *err)
{
	char final[4096];
	size_t i;

	for (i = 0; i < RD__COUNT; i++) {
		if (!r->staged[i])
			continue;
		snprintf(final, sizeof(final), "%s/%s", r->o->outdir, folders[i]);
		if (keep_foreign(final, r->staged[i], err))
			return -1;
	}
	return 0;
}

/*
 * Puts the complete folder staged in place of final in one exchange and
 * removes the old one (now at staged's name). Without the exchange: the
 * old folder aside as staged+aside, then the new one in; for a moment
 * there is no folder, never a half-new one. No final yet: a rename.
 */
static int swap_in(const char *staged, const char *final, const char *aside,
		   struct rs_error *err)
{
	char old[4096];

	if (!renameat2(AT_FDCWD, staged, AT_FDCWD, final, RENAME_EXCHANGE)) {
		remove_tree(staged);   /* the old folder, now */
		return 0;
	}
	if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
		if ((size_t)snprintf(old, sizeof(old), "%s%s", staged, aside) >= sizeof(old))
			return rs_err(err, "output path too long: '%s%s'", staged, aside);
		if (rename(final, old)) {
			if (errno != ENOENT)
				return rs_err(err, "cannot move '%s' aside: %s", final, strerror(errno));
			/* the first run: nothing to move aside */
		} else if (rename(staged, final)) {
			rs_err(err, "cannot rename '%s' to '%s': %s", staged, final, strerror(errno));
			rename(old, final);   /* the old one back */
			return -1;
		} else {
			remove_tree(old);
			return 0;
		}
	} else if (errno != ENOENT) {
		return rs_err(err, "cannot put '%s' in place of '%s': %s", staged, final,
			      strerror(errno));
	}
	/* the first run: no old folder to exchange with */
	if (rename(staged, final))
		return rs_err(err, "cannot rename '%s' to '%s': %s", staged, final, strerror(errno));
	return 0;
}

int report_publish(struct report *r, struct rs_error *err)
{
	/* published/ last: the public's folder moves once the rest has */
	static const enum report_folder order[RD__COUNT] = { RD_INTERNAL, RD_RETURNS, RD_PUBLISHED };
	char final[4096];
	size_t i;

	for (i = 0; i < RD__COUNT; i++) {
		enum report_folder v = order[i];

		/* with --hold, published/ is kept as .held (report_hold) */
		if (!r->staged[v] || (v == RD_PUBLISHED && r->o->hold))
			continue;
		snprintf(final, sizeof(final), "%s/%s", r->o->outdir, folders[v]);
		if (fsync_dir(r->staged[v], err) || swap_in(r->staged[v], final, ".old", err))
			return -1;
		free(r->staged[v]);
		r->staged[v] = NULL;
	}
	return fsync_dir(r->o->outdir, err);
}

/* ---- a published set held back, released later (--hold, --release) ---- */

/* 1 when name is ".held.rel.INO" (and, with old, ".held.rel.INO.old"),
 * INO then in *ino. */
static int rel_name(const char *name, uintmax_t *ino, int *old)
{
	char *end;

	if (strncmp(name, ".held.rel.", 10) || name[10] < '0' || name[10] > '9')
		return 0;
	*ino = strtoumax(name + 10, &end, 10);
	*old = !strcmp(end, ".old");
	return !*end || *old;
}

/*
 * Removes what releases left in outdir: every .held.rel.INO whose inode
 * is not INO (the old set an exchange put there) and every .old beside
 * it; with keep_pending 0 also the ones still to go in (superseded by a
 * newer .held or by a set published directly). Returns the path of the
 * one still to go in, which stays (malloc'd), or NULL.
 */
static char *rel_tidy(const char *outdir, int keep_pending)
{
	DIR *d = opendir(outdir);
	struct dirent *de;
	char path[4096], *pending = NULL;
	struct stat st;
	uintmax_t ino;
	int old;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (!rel_name(de->d_name, &ino, &old) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", outdir, de->d_name) >= sizeof(path) ||
		    lstat(path, &st))
			continue;
		if (keep_pending && !old && S_ISDIR(st.st_mode) && (uintmax_t)st.st_ino == ino && !pending) {
			pending = xstrdup(path);
			continue;
		}
		if (unlink(path))
			remove_tree(path);
	}
	closedir(d);
	return pending;
}

int report_hold(struct report *r, struct rs_error *err)
{
	char held[4096];
	const char *staged = r->staged[RD_PUBLISHED];

	if (!staged)
		return 0;
	if ((size_t)snprintf(held, sizeof(held), "%s/.held", r->o->outdir) >= sizeof(held))
		return rs_err(err, "output path too long: '%s/.held'", r->o->outdir);
	if (fsync_dir(staged, err) || swap_in(staged, held, ".gone", err))
		return -1;
	free(r->staged[RD_PUBLISHED]);
	r->staged[RD_PUBLISHED] = NULL;
	return fsync_dir(r->o->outdir, err);
}

void report_drop_held(const char *outdir)
{
	char held[4096];

	if ((size_t)snprintf(held, sizeof(held), "%s/.held", outdir) < sizeof(held))
		remove_tree(held);
	free(rel_tidy(outdir, 0));
}

int report_release_dir(const char *outdir, struct rs_error *err)
{
	char held[4096], final[4096], rel[4096], *pending;
	struct stat st;
	int ret = -1;

	sweep(outdir);
	if ((size_t)snprintf(held, sizeof(held), "%s/.held", outdir) >= sizeof(held) ||
	    (size_t)snprintf(final, sizeof(final), "%s/published", outdir) >= sizeof(final))
		return rs_err(err, "output path too long: '%s'", outdir);
	if (final_ok(final, err))
		return -1;
	/* a newer .held supersedes a set a killed release did not put in */
	pending = rel_tidy(outdir, lstat(held, &st));
	if (!lstat(held, &st)) {
		if (!S_ISDIR(st.st_mode))
			return rs_err(err, "'%s' is no folder: remove it and rerun the report", held);
		if ((size_t)snprintf(rel, sizeof(rel), "%s/.held.rel.%ju", outdir,
				     (uintmax_t)st.st_ino) >= sizeof(rel))
			return rs_err(err, "output path too long: '%s'", rel);
		if (rename(held, rel))
			return rs_err(err, "cannot rename '%s' to '%s': %s", held, rel, strerror(errno));
		if (fsync_dir(outdir, err))
			return -1;
	} else if (pending) {
		snprintf(rel, sizeof(rel), "%s", pending);
	} else {
		return 0;
	}
	if (swap_in(rel, final, ".old", err) || fsync_dir(outdir, err))
		goto out;
	free(rel_tidy(outdir, 0));
	ret = 1;
out:
	free(pending);
	return ret;
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
