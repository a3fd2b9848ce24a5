/*
 * tidy.c - remove what a killed stage left behind.
 *
 * common/fileio.c writes each output to ".NAME.tmp.PID.N" beside it and
 * renames it at commit; a stage killed with SIGKILL cannot remove that
 * file. Before the selected tasks run, the runner (holding the lock) looks
 * beside each of their outputs and in the state directory for such files
 * whose NAME is that output's and whose PID is no live process, and
 * removes them. A live PID is left alone: it may be a stage of someone
 * else writing there.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "xalloc.h"

/*
 * When name is ".BASE.tmp.PID.N" for the given base (or any base when base
 * is NULL), returns PID; else 0.
 */
static long temp_owner(const char *name, const char *base)
{
	const char *p = name, *tmp;
	char *end;
	long pid;

	if (*p++ != '.')
		return 0;
	if (base) {
		size_t n = strlen(base);

		if (strncmp(p, base, n) || strncmp(p + n, ".tmp.", 5))
			return 0;
		tmp = p + n;
	} else {
		tmp = strstr(p, ".tmp.");
		if (!tmp || tmp == p)
			return 0;
	}
	p = tmp + 5;
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || *end != '.' || !end[1] ||
	    strspn(end + 1, "0123456789") != strlen(end + 1))
		return 0;
	return pid;
}

static int pid_gone(long pid)
{
	return kill((pid_t)pid, 0) && errno == ESRCH;
}

/* Removes the stale temporaries of base (any, if NULL) in dir. */
static void tidy_dir(const char *dir, const char *base, size_t *n,
		     long long *bytes)
{
	struct sbuf sb;
	struct dirent *e;
	struct stat st;
	long pid;
	DIR *d = opendir(*dir ? dir : ".");

	if (!d)
		return;
	sbuf_init(&sb, 0);
	while ((e = readdir(d))) {
		pid = temp_owner(e->d_name, base);
		if (!pid || !pid_gone(pid))
			continue;
		sbuf_reset(&sb);
		sbuf_addf(&sb, "%s%s%s", dir, *dir ? "/" : "", e->d_name);
		if (lstat(sb.buf, &st) || !S_ISREG(st.st_mode))
			continue;
		if (unlink(sb.buf)) {
			rs_warn("cannot remove stale temporary file '%s': %s",
				sb.buf, strerror(errno));
			continue;
		}
		(*n)++;
		*bytes += (long long)st.st_size;
	}
	closedir(d);
	sbuf_release(&sb);
}

void tidy_stale_temps(const struct pipeline *pl)
{
	long long bytes = 0;
	size_t n = 0, i, k;
	const struct task *t;
	char *dir, *slash;

	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[k];
		if (!t->selected)
			continue;
		for (i = 0; i < t->outputs.n; i++) {
			dir = xstrdup(t->outputs.v[i].path);
			slash = strrchr(dir, '/');
			if (slash) {
				*slash = '\0';
				tidy_dir(dir, slash + 1, &n, &bytes);
			} else {
				tidy_dir("", dir, &n, &bytes);
			}
			free(dir);
		}
	}
	tidy_dir(pl->statedir, NULL, &n, &bytes);
	if (n)
		rs_info("removed %zu stale temporary file%s (%lld bytes) that "
			"killed stages left beside their outputs", n,
			n == 1 ? "" : "s", bytes);
}
