/*
 * check.c - reliefstat check PIPELINE, also run by `reliefstat run` before
 * any stage: loads every mapping, catalog, rules and region file the
 * pipeline's stage commands name (--mapping, --catalog, --rules,
 * --regions, after expansion) and reports what cannot be right, with
 * file:line:column and the fix: the files' own errors, a local program
 * leaving recurrence/payment_grain/public_money to a default
 * (common/catalog.c), codes the catalog lacks, region prefixes matching no
 * region, overlapping standards (stages/validate/rules.c), labels mapped to
 * unknown codes, a mapping lacking a required column (with the export's
 * header cell for it, as rs-ingest says) and an encoding the export's
 * first bytes contradict (stages/ingest/mapping.c). The stages refuse the same
 * things when run by hand; checking here stops a run before anything is
 * written, and names every problem at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "regions.h"
#include "runner.h"
#include "xalloc.h"
#include "../../stages/ingest/mapping.h"
#include "../../stages/validate/rules.h"

#define CHECK_MAX_CATALOGS 16

/* The configuration one stage command names. */
struct task_cfg {
	const char *mapping, *rules, *regions;
	const char *input;       /* rs-ingest: the export (its last argument) */
	const char *cat[CHECK_MAX_CATALOGS];
	size_t ncat;
	int validate;            /* rs-validate: default rules and regions */
};

/* "--name V" or "--name=V" (or the short form "-m V") at argv[*i]. */
static const char *opt(char **argv, size_t argc, size_t *i, const char *lng,
		       const char *shrt)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if (!strncmp(a, lng, n) && a[n] == '=')
		return a + n + 1;
	if ((!strcmp(a, lng) || (shrt && !strcmp(a, shrt))) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static void task_cfg(const struct task *t, struct task_cfg *c)
{
	const char *b, *v;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (t->shell || !t->argc)
		return;
	b = strrchr(t->argv[0], '/');
	b = b ? b + 1 : t->argv[0];
	c->validate = !strcmp(b, "rs-validate");
	/* rs-ingest's export is its one operand, last as the usage writes
	 * it: not an option, nor the value of one (a flag takes none) */
	if (!strcmp(b, "rs-ingest") && t->argc >= 2 && t->argv[t->argc - 1][0] != '-') {
		static const char *const flags[] = {
			"-q", "--quiet", "--unattributed", "--accept-loss", "--preview", "--", NULL
		};
		const char *prev = t->argv[t->argc - 2];
		int takes = prev[0] == '-' && !strchr(prev, '=');

		for (i = 0; takes && flags[i]; i++)
			if (!strcmp(prev, flags[i]))
				takes = 0;
		if (!takes || t->argc == 2)
			c->input = t->argv[t->argc - 1];
	}
	for (i = 1; i < t->argc; i++) {
		if (!strcmp(t->argv[i], "--"))
			break;
		if ((v = opt(t->argv, t->argc, &i, "--mapping", "-m")))
			c->mapping = v;
		else if ((v = opt(t->argv, t->argc, &i, "--rules", NULL)))
			c->rules = v;
		else if ((v = opt(t->argv, t->argc, &i, "--regions", NULL)))
			c->regions = v;
		else if ((v = opt(t->argv, t->argc, &i, "--catalog", NULL)) &&
			 c->ncat < CHECK_MAX_CATALOGS)
			c->cat[c->ncat++] = v;
	}
}

/* A set of strings seen, to check each combination of files once and
 * print each problem once. */
struct seen {
	char **v;
	size_t n;
};

static int seen_add(struct seen *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], key))
			return 0;
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrdup(key);
	return 1;
}

static void seen_release(struct seen *s)
{
	while (s->n)
		free(s->v[--s->n]);
	free(s->v);
}

/* Appends each line of text not printed before; returns how many. */
static int add_lines(struct seen *printed, const char *text, struct sbuf *out)
{
	const char *p = text, *nl;
	char *line;
	int n = 0;

	while (p && *p) {
		nl = strchrnul(p, '\n');
		line = xstrndup(p, (size_t)(nl - p));
		if (*line && seen_add(printed, line)) {
			sbuf_addf(out, "%s\n", line);
			n++;
		}
		free(line);
		p = *nl ? nl + 1 : nl;
	}
	return n;
}

/* Checks one stage command's files; appends problems, returns how many. */
static int check_cfg(const struct task_cfg *c, struct seen *printed, struct sbuf *out)
{
	struct rs_error err;
	struct catalog cat;
	struct regions rt;
	struct rules rules;
	struct mapping map;
	struct sbuf bad;
	char defs[2][4096];
	const char *rulesf = c->rules, *regionsf = c->regions;
	int n = 0, have_rt = 0;

	if (!c->mapping && !c->rules && !c->ncat && !c->validate && !c->regions)
		return 0;
	sbuf_init(&bad, 0);
	if (catalog_load_default(&cat, c->cat, c->ncat, &err))
		return add_lines(printed, err.msg, out);
	if (c->validate && !rulesf) {
		rs_data_path("rules.yaml", defs[0], sizeof(defs[0]));
		rulesf = defs[0];
	}
	if (c->validate && !regionsf) {
		rs_data_path("regions.csv", defs[1], sizeof(defs[1]));
		regionsf = defs[1];
	}
	if (regionsf) {
		if (regions_load(&rt, regionsf, &err))
			n += add_lines(printed, err.msg, out);
		else
			have_rt = 1;
	}
	if (rulesf) {
		if (rules_load(&rules, rulesf, &err)) {
			n += add_lines(printed, err.msg, out);
		} else {
			rules_check(&rules, &cat, have_rt ? &rt : NULL, &bad);
			rules_release(&rules);
		}
	}
	if (c->mapping) {
		int lacks;

		if (mapping_load_lax(&map, c->mapping, &lacks, &err)) {
			n += add_lines(printed, err.msg, out);
		} else if (lacks >= 0) {
			/* as rs-ingest says it: the export's own header cell
			 * for the missing key, when one is found */
			struct sbuf hint;

			sbuf_init(&hint, 0);
			if (c->input && ingest_suggest_column(&map, c->input, lacks, &hint)) {
				char *p = strstr(err.msg, ": add `");

				if (p)
					*p = '\0';
				snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
					 "; %s in '%s'", hint.buf, c->mapping);
			}
			n += add_lines(printed, err.msg, out);
			sbuf_release(&hint);
			mapping_release(&map);
		} else {
			mapping_check(&map, &cat, &bad);
			if (c->input)
				mapping_check_input(&map, c->input, &bad);
			mapping_release(&map);
		}
	}
	n += add_lines(printed, bad.buf, out);
	sbuf_release(&bad);
	if (have_rt)
		regions_release(&rt);
	catalog_release(&cat);
	return n;
}

int pipeline_check_config(const struct pipeline *pl, struct sbuf *out, size_t *nfiles)
{
	struct seen combos = { NULL, 0 }, printed = { NULL, 0 }, files = { NULL, 0 };
	struct task_cfg c;
	struct sbuf key;
	size_t k, i;
	int n = 0;

	sbuf_init(&key, 0);
	for (k = 0; k < pl->ntasks; k++) {
		task_cfg(&pl->tasks[pl->order[k]], &c);
		sbuf_reset(&key);
		sbuf_addf(&key, "%d|%s|%s|%s|%s", c.validate, c.mapping ? c.mapping : "",
			  c.rules ? c.rules : "", c.regions ? c.regions : "",
			  c.input ? c.input : "");
		for (i = 0; i < c.ncat; i++)
			sbuf_addf(&key, "|%s", c.cat[i]);
		if (!seen_add(&combos, key.buf))
			continue;
		if (c.mapping)
			seen_add(&files, c.mapping);
		if (c.rules)
			seen_add(&files, c.rules);
		if (c.regions)
			seen_add(&files, c.regions);
		for (i = 0; i < c.ncat; i++)
			seen_add(&files, c.cat[i]);
		n += check_cfg(&c, &printed, out);
	}
	if (nfiles)
		*nfiles = files.n;
	sbuf_release(&key);
	seen_release(&combos);
	seen_release(&printed);
	seen_release(&files);
	return n;
}
