/*
 * graph.c - the pipeline's DAG: which task feeds which, in what order, and
 * which tasks a command selects.
 *
 * Task B depends on task A when one of B's inputs or params is one of A's
 * outputs (compared as normalised path strings). The order is topological
 * with the YAML order breaking ties, so a run, a dry run and `dag` always
 * list tasks the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xalloc.h"

/* Output path -> writing task, open addressing. */
struct omap {
	const struct tpath **key;
	size_t *task;
	size_t cap;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t omap_slot(const struct omap *m, const char *path)
{
	size_t i = hash_str(path) & (m->cap - 1);

	while (m->key[i] && strcmp(m->key[i]->path, path))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int build_outputs(struct pipeline *pl, struct omap *m,
			 struct rs_error *err)
{
	size_t i, j, s, total = 0;
	const struct tpath *o;

	for (i = 0; i < pl->ntasks; i++)
		total += pl->tasks[i].outputs.n;
	for (m->cap = 16; m->cap < 2 * total; m->cap *= 2)
		;
	m->key = xcalloc(m->cap, sizeof(*m->key));
	m->task = xcalloc(m->cap, sizeof(*m->task));
	for (i = 0; i < pl->ntasks; i++) {
		for (j = 0; j < pl->tasks[i].outputs.n; j++) {
			o = &pl->tasks[i].outputs.v[j];
			s = omap_slot(m, o->path);
			if (m->key[s])
				return rs_err(err,
					"'%s':%ld:%ld: output '%s' is also "
					"written by '%s' ('%s':%ld:%ld)",
					o->file, o->line, o->col, o->path,
					pl->tasks[m->task[s]].name,
					m->key[s]->file, m->key[s]->line,
					m->key[s]->col);
			m->key[s] = o;
			m->task[s] = i;
		}
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts and deduplicates v[0..*n). */
static void uniq(size_t *v, size_t *n)
{
	size_t i, w = 0;

	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), cmp_size);
	for (i = 1; i < *n; i++)
		if (v[i] != v[w])
			v[++w] = v[i];
	*n = w + 1;
}

static int link_inputs(struct pipeline *pl, size_t ti, const struct pathv *pv,
		       const struct omap *m, struct rs_error *err)
{
	struct task *t = &pl->tasks[ti];
	const struct tpath *p;
	char cwd[4096];
	size_t j, s;

	for (j = 0; j < pv->n; j++) {
		p = &pv->v[j];
		s = omap_slot(m, p->path);
		if (m->key[s] && m->task[s] == ti)
			return rs_err(err, "'%s':%ld:%ld: cycle: '%s' reads "
				      "its own output '%s'", p->file, p->line,
				      p->col, t->name, p->path);
		if (m->key[s]) {
			t->deps[t->ndeps++] = m->task[s];
			continue;
		}
		if (access(p->path, F_OK)) {
			/* The runner works in the pipeline's root: a relative
			 * path is looked for there, which the message says. */
			if (p->path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
				cwd[0] = '\0';
			return rs_err(err, "'%s':%ld:%ld: %s: input '%s' does "
				      "not exist and no stage writes it%s%s%s",
				      p->file, p->line, p->col, t->name,
				      p->path, cwd[0] ? " (in '" : "", cwd,
				      cwd[0] ? "', the pipeline's root:)" : "");
		}
	}
	return 0;
}

static int report_cycle(struct pipeline *pl, const char *left,
			struct rs_error *err)
{
	size_t *walk = xcalloc(pl->ntasks + 1, sizeof(*walk));
	size_t n = 0, i, j, start = 0, cur;
	struct sbuf sb;
	struct task *t;

	for (cur = 0; !left[cur]; cur++)
		;
	for (;;) {
		for (i = 0; i < n && walk[i] != cur; i++)
			;
		if (i < n) {
			start = i;
			break;
		}
		walk[n++] = cur;
		t = &pl->tasks[cur];
		for (j = 0; !left[t->deps[j]]; j++)
			;
		cur = t->deps[j];
	}
	/* walk[k] depends on walk[k+1]: print in the direction data flows. */
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "'%s'", pl->tasks[walk[start]].name);
	for (i = n; i-- > start;)
		sbuf_addf(&sb, " -> '%s'", pl->tasks[walk[i]].name);
	t = &pl->tasks[walk[start]];
	rs_err(err, "'%s':%ld:%ld: cycle: %s", pl->path, t->line, t->col,
	       sb.buf);
	sbuf_release(&sb);
	free(walk);
	return -1;
}

static int topo_sort(struct pipeline *pl, struct rs_error *err)
{
	size_t n = pl->ntasks, *indeg = xcalloc(n, sizeof(*indeg));
	char *left = xcalloc(n, 1);
	size_t i, k, done = 0;
	struct task *t;
	int ret = -1;

	pl->order = xcalloc(n, sizeof(*pl->order));
	for (i = 0; i < n; i++) {
		indeg[i] = pl->tasks[i].ndeps;
		left[i] = 1;
	}
	while (done < n) {
		for (i = 0; i < n && !(left[i] && !indeg[i]); i++)
			;
		if (i == n) {
			report_cycle(pl, left, err);
			goto out;
		}
		left[i] = 0;
		pl->order[done++] = i;
		t = &pl->tasks[i];
		for (k = 0; k < t->nrdeps; k++)
			indeg[t->rdeps[k]]--;
	}
	ret = 0;
out:
	free(indeg);
	free(left);
	return ret;
}

int graph_build(struct pipeline *pl, struct rs_error *err)
{
	struct omap m = { 0 };
	struct task *t, *d;
	size_t i, j;
	int ret = -1;

	if (build_outputs(pl, &m, err))
		goto out;
	for (i = 0; i < pl->ntasks; i++) {
		t = &pl->tasks[i];
		t->deps = xcalloc(t->inputs.n + t->params.n + 1,
				  sizeof(*t->deps));
		if (link_inputs(pl, i, &t->inputs, &m, err) ||
		    link_inputs(pl, i, &t->params, &m, err))
			goto out;
		uniq(t->deps, &t->ndeps);
	}
	for (i = 0; i < pl->ntasks; i++) {
		t = &pl->tasks[i];
		for (j = 0; j < t->ndeps; j++) {
			d = &pl->tasks[t->deps[j]];
			d->rdeps = xreallocarray(d->rdeps, d->nrdeps + 1,
						 sizeof(*d->rdeps));
			d->rdeps[d->nrdeps++] = i;
		}
	}
	if (topo_sort(pl, err))
		goto out;
	ret = 0;
out:
	free(m.key);
	free(m.task);
	return ret;
}

static int task_matches(const struct task *t, const char *name)
{
	return !strcmp(t->name, name) || !strcmp(t->stage, name);
}

/* Marks in mark[] the tasks matching name and everything down- or
 * upstream of them. */
static int closure(const struct pipeline *pl, const char *name, int down,
		   char *mark, struct rs_error *err)
{
	size_t i, k, found = 0;
	const struct task *t;

	memset(mark, 0, pl->ntasks);
	/* The topological order visits every task after (or, going
	 * upstream, before) all it depends on, so one pass each way. */
	for (k = 0; k < pl->ntasks; k++) {
		i = pl->order[down ? k : pl->ntasks - 1 - k];
		t = &pl->tasks[i];
		if (task_matches(t, name)) {
			mark[i] = 1;
			found = 1;
		}
		if (!mark[i])
			continue;
		if (down)
			for (size_t j = 0; j < t->nrdeps; j++)
				mark[t->rdeps[j]] = 1;
		else
			for (size_t j = 0; j < t->ndeps; j++)
				mark[t->deps[j]] = 1;
	}
	if (!found)
		return rs_err(err, "no stage or task named '%s'", name);
	return 0;
}

static int match_any(const struct pipeline *pl, const char *name)
{
	size_t i;

	for (i = 0; i < pl->ntasks; i++)
		if (task_matches(&pl->tasks[i], name))
			return 1;
	return 0;
}

int graph_select(struct pipeline *pl, const struct selection *sel,
		 struct rs_error *err)
{
	char *mark = xcalloc(pl->ntasks + 1, 1);
	struct task *t;
	size_t i;
	char **s;
	int ret = -1;

	for (i = 0; i < pl->ntasks; i++)
		pl->tasks[i].selected = 1;
	for (s = sel->only; s && *s; s++)
		if (!match_any(pl, *s)) {
			rs_err(err, "no stage or task named '%s'", *s);
			goto out;
		}
	for (s = sel->force; s && *s; s++)
		if (!match_any(pl, *s)) {
			rs_err(err, "no stage or task named '%s'", *s);
			goto out;
		}
	if (sel->only && *sel->only) {
		for (i = 0; i < pl->ntasks; i++) {
			t = &pl->tasks[i];
			t->selected = 0;
			for (s = sel->only; *s; s++)
				t->selected |= task_matches(t, *s);
		}
	}
	if (sel->from) {
		if (closure(pl, sel->from, 1, mark, err))
			goto out;
		for (i = 0; i < pl->ntasks; i++)
			pl->tasks[i].selected &= mark[i];
	}
	if (sel->until) {
		if (closure(pl, sel->until, 0, mark, err))
			goto out;
		for (i = 0; i < pl->ntasks; i++)
			pl->tasks[i].selected &= mark[i];
	}
	for (i = 0; i < pl->ntasks; i++) {
		t = &pl->tasks[i];
		t->forced = sel->force_all;
		for (s = sel->force; s && *s; s++)
			t->forced |= task_matches(t, *s);
		t->forced &= t->selected;
		t->st = t->selected ? T_PENDING : T_UNSELECTED;
	}
	ret = 0;
out:
	free(mark);
	return ret;
}

static void dot_name(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void graph_print(const struct pipeline *pl, int dot)
{
	const struct task *t;
	size_t k, j;

	if (dot)
		printf("digraph reliefstat {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		if (dot) {
			putchar('\t');
			dot_name(t->name);
			printf(";\n");
			for (j = 0; j < t->ndeps; j++) {
				putchar('\t');
				dot_name(pl->tasks[t->deps[j]].name);
				printf(" -> ");
				dot_name(t->name);
				printf(";\n");
			}
			continue;
		}
		fputs(t->name, stdout);
		for (j = 0; j < t->ndeps; j++)
			printf("%s%s", j ? ", " : " <- ",
			       pl->tasks[t->deps[j]].name);
		putchar('\n');
	}
	if (dot)
		printf("}\n");
}
