/*
 * catalog.c - the program catalog (see catalog.h).
 *
 * Reads programs.yaml and any number of extension files of the same shape.
 * Every name and alias is folded with norm_label() and indexed, so a label
 * in either script, full- or half-width, finds its program. Aliases that
 * the catalog itself lists as ambiguous (低保 for the whole dibao family)
 * are not indexed: they need a second signal, which a mapping gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "catalog.h"
#include "kset.h"
#include "norm.h"
#include "xalloc.h"
#include "ydoc.h"

/* The hash of a code or a label (kset's). */
static uint64_t str_hash(const char *s)
{
	return rs_hash(s, strlen(s));
}

/*
 * Every row looks its program up by code (validate, several times a row)
 * or by label (ingest): a linear scan with strcmp was 8 % of both stages.
 * Once loading is done, both lookups go through open-addressing tables of
 * positions; while loading (the catalog still changes) they scan.
 */
static void index_add(uint32_t *idx, size_t cap, const char *key, size_t pos)
{
	size_t i = str_hash(key) & (cap - 1);

	while (idx[i])
		i = (i + 1) & (cap - 1);
	idx[i] = (uint32_t)pos + 1;
}

static void build_index(struct catalog *c)
{
	size_t cap = 16, i;

	while (cap < 2 * (c->n > c->nlabels ? c->n : c->nlabels))
		cap *= 2;
	c->idx_cap = cap;
	c->code_idx = xcalloc(cap, sizeof(*c->code_idx));
	c->label_idx = xcalloc(cap, sizeof(*c->label_idx));
	/* in reverse, so that of two equal keys the first is found first,
	 * as the scan found it */
	for (i = c->n; i-- > 0;)
		index_add(c->code_idx, cap, c->p[i].code, i);
	for (i = c->nlabels; i-- > 0;)
		index_add(c->label_idx, cap, c->labels[i], i);
}

static struct program *find_mut(struct catalog *c, const char *code)
{
	size_t i;

	if (c->code_idx) {
		for (i = str_hash(code) & (c->idx_cap - 1); c->code_idx[i];
		     i = (i + 1) & (c->idx_cap - 1))
			if (!strcmp(c->p[c->code_idx[i] - 1].code, code))
				return &c->p[c->code_idx[i] - 1];
		return NULL;
	}
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->p[i].code, code))
			return &c->p[i];
	return NULL;
}

const struct program *catalog_find(const struct catalog *c, const char *code)
{
	return find_mut((struct catalog *)c, code);
}

static int is_ambiguous(const struct ynode *entry, const char *alias)
{
	const struct ynode *amb = ynode_get(entry, "ambiguous_aliases");
	size_t i;

	if (!amb || amb->type != YNODE_SEQ)
		return 0;
	for (i = 0; i < amb->n; i++)
		if (amb->items[i]->type == YNODE_SCALAR &&
		    !strcmp(amb->items[i]->scalar, alias))
			return 1;
	return 0;
}

static int add_label(struct catalog *c, size_t prog, const char *label,
		     struct rs_error *err)
{
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb, 0);
	if (norm_label(label, strlen(label), &sb, err)) {
		sbuf_release(&sb);
		return -1;
	}
	for (i = 0; i < c->nlabels; i++) {
		if (!strcmp(c->labels[i], sb.buf ? sb.buf : "")) {
			/* A later file may move a label to another program. */
			c->label_prog[i] = prog;
			sbuf_release(&sb);
			return 0;
		}
	}
	if (c->nlabels == c->label_cap) {
		c->label_cap = c->label_cap ? c->label_cap * 2 : 128;
		c->labels = xreallocarray(c->labels, c->label_cap, sizeof(*c->labels));
		c->label_prog = xreallocarray(c->label_prog, c->label_cap,
					      sizeof(*c->label_prog));
	}
	c->labels[c->nlabels] = sbuf_detach(&sb, NULL);
	c->label_prog[c->nlabels++] = prog;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	if (!v)
		return;
	free(*dst);
	*dst = xstrdup(v);
}

/*
 * A program a later (local) file adds must say what its defaults would
 * otherwise decide silently: monthly recurrence gives it 期末 figures and a
 * 月人均补助水平, a missing grain counts its IDs as persons, and public
 * money puts it in 财政 spending.
 */
static int check_local(const struct ydoc *doc, const struct ynode *e,
		       const char *code, const char *rec, const char *grain,
		       int pub, struct rs_error *err)
{
	char miss[512] = "";
	size_t len = 0;

	if (!rec)
		len += (size_t)snprintf(miss + len, sizeof(miss) - len,
				"`recurrence: monthly|one_off|status|triggered` (else monthly: 期末 figures and a 月人均补助水平)");
	if (!grain && len < sizeof(miss))
		len += (size_t)snprintf(miss + len, sizeof(miss) - len, "%s`payment_grain: household|person`",
				len ? ", " : "");
	if (pub == -1 && len < sizeof(miss))
		snprintf(miss + len, sizeof(miss) - len, "%s`public_money: true|false` (else counted as 财政 spending)",
			 len ? ", " : "");
	if (!miss[0])
		return 0;
	return ynode_err(doc, e, err, "local program '%s' leaves to a default what changes its figures: add %s",
			 code, miss);
}

static int load_entry(struct catalog *c, const struct ydoc *doc,
		      const struct ynode *e, int local, struct rs_error *err)
{
	const char *code = NULL, *parent = NULL, *name = NULL, *hant = NULL;
	const char *area = NULL, *grain = NULL, *rec = NULL;
	static const char *const lists[] = { "aliases_zh", "aliases_zh_hant", NULL };
	struct program *p;
	long min_age = -2, max_age = -2;
	int pub = -1;
	size_t idx, i, j;

	if (e->type != YNODE_MAP)
		return ynode_err(doc, e, err, "a program entry must be a mapping");
	if (ynode_str(doc, e, "code", 1, &code, err) ||
	    ynode_str(doc, e, "parent", 0, &parent, err) ||
	    ynode_str(doc, e, "name_zh", 0, &name, err) ||
	    ynode_str(doc, e, "name_zh_hant", 0, &hant, err) ||
	    ynode_str(doc, e, "area", 0, &area, err) ||
	    ynode_str(doc, e, "payment_grain", 0, &grain, err) ||
	    ynode_str(doc, e, "recurrence", 0, &rec, err) ||
	    ynode_long(doc, e, "min_age", 0, 0, 150, &min_age, err) ||
	    ynode_long(doc, e, "max_age", 0, 0, 150, &max_age, err) ||
	    ynode_bool(doc, e, "public_money", 0, &pub, err))
		return -1;
	if (area && strcmp(area, "urban") && strcmp(area, "rural"))
		return ynode_err(doc, ynode_get(e, "area"), err,
				 "'area' must be urban or rural, not '%s'", area);
	p = find_mut(c, code);
	if (!p) {
		c->p = xreallocarray(c->p, c->n + 1, sizeof(*c->p));
		p = &c->p[c->n];
		memset(p, 0, sizeof(*p));
		p->code = xstrdup(code);
		p->recurrence = REC_MONTHLY;
		p->public_money = 1;
		p->min_age = p->max_age = -1;
		p->order = (int)c->n;
		c->n++;
		if (!name)
			return ynode_err(doc, e, err, "new program '%s' needs 'name_zh'", code);
		if (local && check_local(doc, e, code, rec, grain, pub, err))
			return -1;
	}
	idx = (size_t)(p - c->p);
	set_str(&p->parent, parent);
	set_str(&p->name_zh, name);
	set_str(&p->name_zh_hant, hant);
	set_str(&p->area, area);
	set_str(&p->grain, grain);
	if (rec) {
		if (!strcmp(rec, "monthly"))
			p->recurrence = REC_MONTHLY;
		else if (!strcmp(rec, "one_off"))
			p->recurrence = REC_ONE_OFF;
		else if (!strcmp(rec, "status"))
			p->recurrence = REC_STATUS;
		else if (!strcmp(rec, "triggered"))
			p->recurrence = REC_TRIGGERED;
		else
			return ynode_err(doc, ynode_get(e, "recurrence"), err,
					 "unknown recurrence '%s'", rec);
	}
	if (min_age != -2)
		p->min_age = (int)min_age;
	if (max_age != -2)
		p->max_age = (int)max_age;
	if (pub != -1)
		p->public_money = pub;
	if (add_label(c, idx, p->code, err) ||
	    (p->name_zh && add_label(c, idx, p->name_zh, err)) ||
	    (p->name_zh_hant && add_label(c, idx, p->name_zh_hant, err)))
		return -1;
	for (j = 0; lists[j]; j++) {
		const struct ynode *l = ynode_get(e, lists[j]);
		if (!l)
			continue;
		if (l->type != YNODE_SEQ)
			return ynode_err(doc, l, err, "'%s' must be a list", lists[j]);
		for (i = 0; i < l->n; i++) {
			const struct ynode *a = l->items[i];
			if (a->type != YNODE_SCALAR)
				return ynode_err(doc, a, err, "an alias must be a single value");
			if (is_ambiguous(e, a->scalar))
				continue;
			if (add_label(c, idx, a->scalar, err))
				return -1;
		}
	}
	return 0;
}

static void clear_other_funding(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->nother_funding; i++)
		free(c->other_funding[i]);
	free(c->other_funding);
	c->other_funding = NULL;
	c->nother_funding = 0;
}

/* other_money_funding: a list of non-empty strings; it replaces the list
 * of any earlier file, so a local file can narrow the rule as well as
 * widen it. */
static int load_other_funding(struct catalog *c, const struct ydoc *doc,
			      struct rs_error *err)
{
	const struct ynode *l = ynode_get(doc->root, "other_money_funding");
	size_t i;

	if (!l)
		return 0;
	if (l->type != YNODE_SEQ)
		return ynode_err(doc, l, err, "'other_money_funding' must be a list");
	clear_other_funding(c);
	c->have_other_funding = 1;
	for (i = 0; i < l->n; i++) {
		const struct ynode *a = l->items[i];
		if (a->type != YNODE_SCALAR || !*a->scalar)
			return ynode_err(doc, a, err, "an other_money_funding entry must be a non-empty text");
		c->other_funding = xreallocarray(c->other_funding, c->nother_funding + 1,
						 sizeof(*c->other_funding));
		c->other_funding[c->nother_funding++] = xstrdup(a->scalar);
	}
	return 0;
}

int catalog_other_funding(const struct catalog *c, const char *funding)
{
	static const char *const defaults[] = CATALOG_OTHER_FUNDING_DEFAULT;
	size_t i;

	if (!funding || !*funding)
		return 0;
	if (!c->have_other_funding) {
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			if (strstr(funding, defaults[i]))
				return 1;
		return 0;
	}
	for (i = 0; i < c->nother_funding; i++)
		if (strstr(funding, c->other_funding[i]))
			return 1;
	return 0;
}

int catalog_load(struct catalog *c, const char *const *paths, size_t npaths,
		 struct rs_error *err)
{
	size_t f, i;

	memset(c, 0, sizeof(*c));
	for (f = 0; f < npaths; f++) {
		struct ydoc doc;
		const struct ynode *list;

		if (ydoc_load(&doc, paths[f], err))
			goto fail;
		list = ynode_get(doc.root, "programs");
		if (!list || list->type != YNODE_SEQ) {
			ynode_err(&doc, doc.root, err, "a catalog needs a 'programs' list");
			ydoc_release(&doc);
			goto fail;
		}
		for (i = 0; i < list->n; i++) {
			if (load_entry(c, &doc, list->items[i], f > 0, err)) {
				ydoc_release(&doc);
				goto fail;
			}
		}
		if (load_other_funding(c, &doc, err)) {
			ydoc_release(&doc);
			goto fail;
		}
		ydoc_release(&doc);
	}
	for (i = 0; i < c->n; i++)
		if (c->p[i].parent && !find_mut(c, c->p[i].parent)) {
			rs_err(err, "program '%s' names unknown parent '%s'",
			       c->p[i].code, c->p[i].parent);
			goto fail;
		}
	build_index(c);
	return 0;
fail:
	catalog_release(c);
	return -1;
}

int catalog_load_default(struct catalog *c, const char *const *paths,
			 size_t npaths, struct rs_error *err)
{
	char main_cat[4096], local_cat[4096];
	const char *defs[2];
	size_t n = 0;

	if (npaths)
		return catalog_load(c, paths, npaths, err);
	rs_data_path("programs.yaml", main_cat, sizeof(main_cat));
	rs_data_path("programs-local.yaml", local_cat, sizeof(local_cat));
	defs[n++] = main_cat;
	if (!access(local_cat, R_OK))
		defs[n++] = local_cat;
	return catalog_load(c, defs, n, err);
}

void catalog_release(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->p[i].code);
		free(c->p[i].parent);
		free(c->p[i].name_zh);
		free(c->p[i].name_zh_hant);
		free(c->p[i].area);
		free(c->p[i].grain);
	}
	for (i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->p);
	free(c->labels);
	free(c->label_prog);
	free(c->code_idx);
	free(c->label_idx);
	clear_other_funding(c);
	memset(c, 0, sizeof(*c));
}

const struct program *catalog_lookup_label(const struct catalog *c,
					   const char *label)
{
	size_t i;

	if (c->label_idx) {
		for (i = str_hash(label) & (c->idx_cap - 1); c->label_idx[i];
		     i = (i + 1) & (c->idx_cap - 1))
			if (!strcmp(c->labels[c->label_idx[i] - 1], label))
				return &c->p[c->label_prog[c->label_idx[i] - 1]];
		return NULL;
	}
	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i], label))
			return &c->p[c->label_prog[i]];
	return NULL;
}

const struct program *catalog_root(const struct catalog *c,
				   const struct program *p)
{
	int guard = 0;

	while (p && p->parent && guard++ < 16) {
		const struct program *q = catalog_find(c, p->parent);
		if (!q)
			break;
		p = q;
	}
	return p;
}

/* Levenshtein distance, capped: strings of catalog codes are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

const struct program *catalog_nearest(const struct catalog *c, const char *code)
{
	const struct program *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < c->n; i++) {
		d = edit_distance(code, c->p[i].code);
		if (d < bestd) {
			bestd = d;
			best = &c->p[i];
		}
	}
	return best;
}
