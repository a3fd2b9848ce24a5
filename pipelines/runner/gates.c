/*
 * gates.c - the runner's side of the stages' loss gates: `run --accept-loss
 * SOURCE[:REASON]` hands --accept-loss to that source's gated stages
 * (rs-ingest, rs-validate; and rs-merge, whose gate is the overlap of its
 * inputs, when SOURCE is the merge task's name), and what stopped a
 * failed stage is read from its JSON summary (with jansson, as the runner
 * reads every JSON file): a stop the summary names ("stop": a misspelt
 * label, a total row that disagrees, 万元 read as 元, a merge's overlap)
 * or the reject gate ("gate":{"over":true}), so the runner's last line
 * names what the stage reported and how to accept it, if it can be.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xalloc.h"

/* A stage program with a loss gate: the basename of argv[0]. */
static int gated(const struct task *t)
{
	const char *b;

	if (t->shell || !t->argc)
		return 0;
	b = strrchr(t->argv[0], '/');
	b = b ? b + 1 : t->argv[0];
	return !strcmp(b, "rs-ingest") || !strcmp(b, "rs-validate") ||
	       !strcmp(b, "rs-merge");
}

/* Does task t belong to source src: "ingest@src", or the task's own name. */
static int of_source(const struct task *t, const char *src, size_t len)
{
	const char *at = strchr(t->name, '@');

	if (strlen(t->name) == len && !memcmp(t->name, src, len))
		return 1;
	return at && strlen(at + 1) == len && !memcmp(at + 1, src, len);
}

int pipeline_accept_loss(struct pipeline *pl, char **specs, size_t n,
			 struct rs_error *err)
{
	size_t i, k, len, hits;
	struct task *t;
	const char *colon;
	char *arg;

	for (i = 0; i < n; i++) {
		colon = strchr(specs[i], ':');
		len = colon ? (size_t)(colon - specs[i]) : strlen(specs[i]);
		if (!len || (colon && !colon[1]))
			return rs_err(err, "--accept-loss takes SOURCE or SOURCE:REASON, not '%s'",
				      specs[i]);
		hits = 0;
		for (k = 0; k < pl->ntasks; k++) {
			t = &pl->tasks[k];
			if (!gated(t) || !of_source(t, specs[i], len))
				continue;
			hits++;
			if (colon) {
				struct sbuf sb;

				sbuf_init(&sb, 0);
				sbuf_addf(&sb, "--accept-loss=%s", colon + 1);
				arg = sb.buf;
			} else {
				arg = xstrdup("--accept-loss");
			}
			t->argv = xreallocarray(t->argv, t->argc + 2, sizeof(*t->argv));
			t->argv[t->argc++] = arg;
			t->argv[t->argc] = NULL;
			free(t->accept_loss);
			t->accept_loss = xstrdup(colon ? colon + 1 : "all");
		}
		if (!hits)
			return rs_err(err, "--accept-loss: no ingest or validate stage of source '%.*s' in '%s' (give the name after '@' in a task name, e.g. tongan-2024, or the name of a merge task)",
				      (int)len, specs[i], pl->path);
	}
	return 0;
}

/* Copies the string member key of o into buf ("" when absent). */
static void copy_str(json_t *o, const char *key, char *buf, size_t bufsz)
{
	json_t *v = json_object_get(o, key);

	snprintf(buf, bufsz, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int task_stop_read(const struct task *t, struct task_stop *s,
		   struct rs_error *err)
{
	json_error_t je;
	json_t *sum, *gate, *stop;
	size_t i;
	const char *p;

	memset(s, 0, sizeof(*s));
	if (!gated(t))
		return 0;
	for (i = 0; i < t->outputs.n && s->kind == STOP_NONE; i++) {
		p = t->outputs.v[i].path;
		if (strlen(p) < 5 || strcmp(p + strlen(p) - 5, ".json"))
			continue;
		if (access(p, F_OK))
			continue;       /* the stage stopped before writing it */
		sum = json_load_file(p, 0, &je);
		if (!sum && je.line > 0)
			return rs_err(err, "cannot read the summary '%s' of stage '%s' at %d:%d: %s; rerun the stage (--only %s --force)",
				      p, t->name, je.line, je.column, je.text, t->name);
		if (!sum)       /* not opened or not read: no position */
			return rs_err(err, "cannot read the summary '%s' of stage '%s': %s",
				      p, t->name, je.text);
		stop = json_object_get(sum, "stop");
		gate = json_object_get(sum, "gate");
		if (json_is_object(stop)) {
			s->kind = STOP_OTHER;
			copy_str(stop, "what", s->what, sizeof(s->what));
			copy_str(stop, "fix", s->fix, sizeof(s->fix));
			copy_str(stop, "accept", s->reason, sizeof(s->reason));
		} else if (json_is_true(json_object_get(gate, "over"))) {
			s->kind = STOP_GATE;
			copy_str(gate, "top_reason", s->reason, sizeof(s->reason));
		}
		json_decref(sum);
	}
	return 0;
}

int task_stop_accept_cmd(const struct pipeline *pl, const struct task *t,
			 const struct task_stop *s, struct sbuf *sb)
{
	const char *at = strchr(t->name, '@');

	if (s->kind == STOP_NONE || (s->kind == STOP_OTHER && !*s->reason))
		return 0;
	sbuf_addf(sb, "reliefstat run %s --accept-loss %s", pl->path,
		  at ? at + 1 : t->name);
	if (at && *s->reason)
		sbuf_addf(sb, ":%s", s->reason);
	return 1;
}

int pipeline_preview_argv(const struct pipeline *pl, const char *source,
			  const char *rows, char ***out, struct rs_error *err)
{
	const struct task *t = NULL;
	const char *b;
	struct sbuf sb;
	char **v;
	size_t k, i, n = 0;

	for (k = 0; k < pl->ntasks && !t; k++) {
		const struct task *c = &pl->tasks[pl->order[k]];

		if (!gated(c) || !of_source(c, source, strlen(source)))
			continue;
		b = strrchr(c->argv[0], '/');
		if (!strcmp(b ? b + 1 : c->argv[0], "rs-ingest"))
			t = c;
	}
	if (!t)
		return rs_err(err, "no ingest stage of source '%s' in '%s' (give the name after '@' in a task name, e.g. tongan-2024)",
			      source, pl->path);
	v = xcalloc(t->argc + 3, sizeof(*v));
	v[n++] = xstrdup(t->argv[0]);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "--preview=%s", rows ? rows : "20");
	v[n++] = sbuf_detach(&sb, NULL);
	/* The mapping, catalogs and source name as the stage gives them, and
	 * its export: the last argument. */
	for (i = 1; i + 1 < t->argc; i++) {
		const char *a = t->argv[i];

		if (!strcmp(a, "--mapping") || !strcmp(a, "-m") ||
		    !strcmp(a, "--catalog") || !strcmp(a, "--source")) {
			v[n++] = xstrdup(a);
			v[n++] = xstrdup(t->argv[++i]);
		} else if (!strncmp(a, "--mapping=", 10) || !strncmp(a, "--catalog=", 10) ||
			   !strncmp(a, "--source=", 9)) {
			v[n++] = xstrdup(a);
		}
	}
	v[n++] = xstrdup(t->argv[t->argc - 1]);
	v[n] = NULL;
	*out = v;
	return 0;
}
