/*
 * outside.c - keep a pipeline's writes inside the working directory.
 *
 * A pipeline file is configuration that may come from someone else: its
 * outputs (and ${out}/.reliefstat, where the runner keeps its state, logs
 * and ledger) must not land outside the directory the runner is started in
 * unless the user says so with --allow-outside. A path is judged by where
 * it really leads: made absolute, "." and ".." folded, and its longest
 * existing prefix resolved with realpath(3), so neither "../x" nor a
 * symbolic link inside the tree that points out of it gets past.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xalloc.h"

/* Folds ".", ".." and repeated slashes of an absolute path, in place. */
static void fold_dots(char *p)
{
	char *w = p, *r = p;

	while (*r) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		if (r[0] == '.' && (r[1] == '/' || !r[1])) {
			r++;
			continue;
		}
		if (r[0] == '.' && r[1] == '.' && (r[2] == '/' || !r[2])) {
			r += 2;
			while (w > p && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		while (*r && *r != '/')
			*w++ = *r++;
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

/* Where path really leads: a new absolute path (see above). */
static char *resolve(const char *cwd, const char *path)
{
	struct sbuf sb;
	char *abs, *cut, *real;

	sbuf_init(&sb, 0);
	if (path[0] != '/')
		sbuf_addf(&sb, "%s/", cwd);
	sbuf_adds(&sb, path);
	abs = sbuf_detach(&sb, NULL);
	fold_dots(abs);
	/* Resolve the longest prefix that exists; keep the rest as it is. */
	cut = abs + strlen(abs);
	for (;;) {
		char save = *cut;

		*cut = '\0';
		real = realpath(*abs ? abs : "/", NULL);
		*cut = save;
		if (real || cut == abs)
			break;
		while (cut > abs && *--cut != '/')
			;
	}
	if (!real)
		return abs;
	sbuf_init(&sb, 0);
	sbuf_adds(&sb, real);
	sbuf_adds(&sb, cut);
	free(real);
	free(abs);
	abs = sbuf_detach(&sb, NULL);
	fold_dots(abs);
	return abs;
}

static int inside(const char *root, const char *p)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return 1;
	return !strncmp(p, root, n) && (p[n] == '/' || !p[n]);
}

int pipeline_check_inside(const struct pipeline *pl, struct rs_error *err)
{
	char *cwd = getcwd(NULL, 0), *root, *p;
	const struct task *t;
	size_t i, j;
	int ret = 0;

	if (!cwd)
		return rs_err(err, "cannot find the working directory: %s",
			      strerror(errno));
	root = realpath(cwd, NULL);
	if (!root)
		root = xstrdup(cwd);
	p = resolve(root, pl->statedir);
	if (!inside(root, p))
		ret = rs_err(err, "'%s': the output directory '%s' is outside the "
			     "working directory '%s' (pass --allow-outside to "
			     "write there)", pl->path, pl->outdir, root);
	free(p);
	for (i = 0; !ret && i < pl->ntasks; i++) {
		t = &pl->tasks[i];
		for (j = 0; !ret && j < t->outputs.n; j++) {
			p = resolve(root, t->outputs.v[j].path);
			if (!inside(root, p))
				ret = rs_err(err, "'%s':%ld:%ld: output '%s' of "
					     "'%s' is outside the working "
					     "directory '%s' (pass "
					     "--allow-outside to write there)",
					     t->outputs.v[j].file,
					     t->outputs.v[j].line,
					     t->outputs.v[j].col,
					     t->outputs.v[j].path, t->name, root);
			free(p);
		}
	}
	free(root);
	free(cwd);
	return ret;
}
