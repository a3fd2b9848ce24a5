/*
 * pipeline.c - load a pipeline YAML file and expand it into tasks.
 *
 * The file has two top-level maps, vars and stages (and, for the Slurm
 * executor, executor and resources: see Executors below), and may say
 * where its relative paths start:
 *
 *   vars:
 *     sources: {file: sources.yaml}   # a variable's list in a YAML file
 *                                     # of its own, beside the pipeline
 *     title: {file: sources.yaml, key: merged_title, default: ""}
 *                                     # one key of such a file's map
 *   root: ..                       # relative to the pipeline file's own
 *                                  # directory, which is the default: the
 *                                  # runner works there (chdir), so the
 *                                  # pipeline runs the same from cron, from
 *                                  # / or from anywhere else
 *
 *   vars:                          # name: string, or name: list
 *     out: out                     # the output directory (default "out");
 *                                  # the runner keeps its state, lock, logs
 *                                  # and ledger in ${out}/.reliefstat/
 *     key: samples/keys/demo.key
 *     sources:                     # a list: items are strings or maps
 *       - {name: tongan, file: samples/exports/tongan-2024.csv}
 *       - {name: erqi, file: samples/exports/erqi-2024.csv}
 *   stages:                        # name: stage, in the order to prefer
 *     ingest:
 *       foreach: sources           # a list variable, or an inline list
 *       run: [bin/rs-ingest, --key, "${key}",
 *             -o, "${out}/${item.name}/r.csv.gz", "${item.file}"]
 *       inputs: ["${item.file}", "${key}"]     # files it reads
 *       outputs: ["${out}/${item.name}/r.csv.gz"]
 *       params: [samples/rules/default.yaml]  # read like inputs: config
 *       timeout: 600               # seconds; the stage fails when it is over
 *       retries: 0                 # extra attempts after a failure
 *       shell: false               # true: run is one string for /bin/sh -c
 *       resources: {time: "10", mem: 2G, cpus: 1}   # Slurm only (below)
 *     merge:
 *       run:
 *         - bin/rs-merge
 *         - -o
 *         - ${out}/all/r.csv.gz
 *         - {each: sources, value: "${out}/${item.name}/r.csv.gz"}
 *       inputs: [{each: sources, value: "${out}/${item.name}/r.csv.gz"}]
 *       outputs: ["${out}/all/r.csv.gz"]
 *
 * Substitution. In every string of run, inputs, outputs and params, ${name}
 * is the variable's value, ${item} the current item when it is a string and
 * ${item.field} a field of it when it is a map; $${ is a literal "${".
 * Variables may use other variables. `reliefstat run --var name=value`
 * overrides or adds a string variable, taken literally. An unknown name is
 * an error naming the file, line and column.
 *
 * Each substitution becomes part of exactly one argv element: a value
 * holding "; rm -rf x" is passed as that one harmless argument. With
 * shell: true, substituted values are shell-quoted when they need it, so
 * write ${x} unquoted in shell strings.
 *
 * foreach. A stage with foreach becomes one task per item, named
 * "stage@item" (a string item) or "stage@NAME" (a map item's "name" field).
 *
 * each. A list element written {each: LIST, value: TEMPLATE} expands to one
 * element per item of LIST (a list variable or an inline list), with ${item}
 * bound to that item: this is how a stage takes the outputs of all of an
 * earlier stage's foreach tasks. The value may be a list of templates, for
 * several elements per item: {each: LIST, value: [--quality, "${item}"]}.
 * {each: LIST, where: {year: "2024"}, value: ...} takes only the map items
 * whose fields have those values (at least one must); where's values are
 * expanded outside the each, so ${item} there is the stage's foreach item.
 *
 * An item's field may itself be a list, {name: t1, select: [--region-prefix,
 * "3502120"]}, and {each: item.select, value: "${item}"} expands to one
 * element per entry of the current foreach item's list (none for []): this
 * is how a stage passes options that only some items have.
 *
 * Executors. A top-level "executor: local" (the default) runs each task as
 * a child process; "executor: slurm" submits it as a Slurm batch job
 * (slurm.c); `reliefstat run --executor NAME` overrides the file. The
 * top-level "resources:" map gives every stage's defaults and a stage's own
 * "resources:" overrides them key by key (extra adds to them):
 *
 *   resources:
 *     partition: batch             # sbatch --partition
 *     time: "30"                   # --time: minutes, or D-HH:MM:SS etc.
 *     mem: 2G                      # --mem
 *     cpus: 1                      # --cpus-per-task
 *     extra: [--qos=normal]        # more sbatch options, each --name[=value]
 *
 * Values are expanded like run's (${var}, ${item.field}); resources are
 * ignored by the local executor and are not part of what makes a task
 * stale, so a run started on Slurm can be resumed locally and the reverse.
 *
 * Paths are relative to the directory the runner is started in. A task
 * depends on another when one of its inputs or params is one of the other's
 * outputs (graph.c); an input no stage writes must exist. A task reruns when
 * its command, its program file, or the content of an input, param or
 * output changed since it last succeeded (state.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "runner.h"
#include "xalloc.h"

#define VALUE_MAX ((size_t)1 << 20)

static const char *const top_keys[] = {
	"vars", "stages", "executor", "resources", "root", NULL
};
static const char *const stage_keys[] = {
	"foreach", "run", "inputs", "outputs", "params", "timeout", "retries",
	"shell", "resources", NULL
};
static const char *const resource_keys[] = {
	"partition", "time", "mem", "cpus", "extra", NULL
};
static const char *const each_keys[] = { "each", "where", "value", NULL };

struct scope {
	struct pipeline *pl;
	const struct ynode *item;    /* the foreach or each item, or NULL */
};

static char *join_logical(const char *dir, const char *rel);

static int holds(const struct ynode *n, const struct ynode *want)
{
	size_t i;

	if (!n)
		return 0;
	if (n == want)
		return 1;
	if (n->type == YNODE_SCALAR)
		return 0;
	for (i = 0; i < (n->type == YNODE_MAP ? 2 * n->n : n->n); i++)
		if (holds(n->items[i], want))
			return 1;
	return 0;
}

/* The document a node is in: the pipeline's, or a file a variable
 * loaded (vars: {x: {file: F}}), so that errors name the right file. */
static const struct ydoc *doc_of(const struct pipeline *pl,
				 const struct ynode *n)
{
	size_t i;

	for (i = 0; i < pl->nxdocs; i++)
		if (holds(pl->xdocs[i].root, n))
			return &pl->xdocs[i];
	return &pl->doc;
}

static int valid_name(const char *s, const char *extra)
{
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			continue;
		if (extra && strchr(extra, *p))
			continue;
		return 0;
	}
	return 1;
}

/* An item name becomes part of a task and a log file name. */
static int valid_item_name(const char *s)
{
	const unsigned char *p;

	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == '@' || *p == 0x7f)
			return 0;
	return 1;
}

void path_norm(char *p)
{
	char *r = p, *w = p;

	while (r[0] == '.' && r[1] == '/') {
		r += 2;
		while (*r == '/')
			r++;
	}
	while (*r) {
		if (r[0] == '/' && r[1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || !r[2])) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	if (w > p + 1 && w[-1] == '/')
		w--;
	*w = '\0';
}

static struct var *var_find(struct pipeline *pl, const char *name)
{
	size_t i;

	for (i = 0; i < pl->nvars; i++)
		if (!strcmp(pl->vars[i].name, name))
			return &pl->vars[i];
	return NULL;
}

static int expand(struct scope *sc, const struct ynode *at, const char *s,
		  int quote, char **out, struct rs_error *err);

/* Expands a scalar found in an item (no item of its own). */
static int expand_item_value(struct pipeline *pl, const struct ynode *v,
			     const char *what, char **out, struct rs_error *err)
{
	struct scope sc = { pl, NULL };

	if (v->type != YNODE_SCALAR)
		return ynode_err(doc_of(pl, v), v, err, "%s must be a string", what);
	return expand(&sc, v, v->scalar, 0, out, err);
}

static int var_value(struct pipeline *pl, const struct ynode *at,
		     const char *name, char **out, struct rs_error *err)
{
	struct scope sc = { pl, NULL };
	struct var *v = var_find(pl, name);
	int ret;

	if (!v)
		return ynode_err(doc_of(pl, at), at, err, "unknown variable '%s'", name);
	if (!v->value) {
		if (v->node->type != YNODE_SCALAR)
			return ynode_err(doc_of(pl, at), at, err,
				"variable '%s' is a list: use it as foreach: %s "
				"or {each: %s, value: ...}", name, name, name);
		if (v->busy)
			return ynode_err(doc_of(pl, v->node), v->node, err,
					 "variable '%s' is defined in terms of "
					 "itself", name);
		v->busy = 1;
		ret = expand(&sc, v->node, v->node->scalar, 0, &v->value, err);
		v->busy = 0;
		if (ret)
			return -1;
	}
	*out = xstrdup(v->value);
	return 0;
}

static int lookup(struct scope *sc, const struct ynode *at, const char *name,
		  char **out, struct rs_error *err)
{
	struct pipeline *pl = sc->pl;
	const struct ynode *it = sc->item, *v;

	if (strcmp(name, "item") && strncmp(name, "item.", 5))
		return var_value(pl, at, name, out, err);
	if (!it)
		return ynode_err(doc_of(pl, at), at, err,
			"unknown variable '%s': ${item} is only defined under "
			"foreach or each", name);
	if (!name[4]) {
		if (it->type == YNODE_MAP)
			return ynode_err(doc_of(pl, at), at, err,
				"${item} is a map (item at '%s':%ld:%ld): use "
				"${item.FIELD}", doc_of(pl, it)->path, it->line,
				it->col);
		return expand_item_value(pl, it, "an item", out, err);
	}
	if (it->type != YNODE_MAP)
		return ynode_err(doc_of(pl, at), at, err,
			"unknown variable '%s': the item at '%s':%ld:%ld is not "
			"a map", name, doc_of(pl, it)->path, it->line, it->col);
	v = ynode_get(it, name + 5);
	if (!v)
		return ynode_err(doc_of(pl, at), at, err,
			"unknown variable '%s': the item at '%s':%ld:%ld has no "
			"'%s' (add '%s: VALUE' to it)", name,
			doc_of(pl, it)->path, it->line, it->col, name + 5,
			name + 5);
	return expand_item_value(pl, v, "an item field", out, err);
}

/*
 * Expands ${...} in s (from node at, for positions) into a new string.
 * With quote, each substituted value is shell-quoted.
 */
static int expand(struct scope *sc, const struct ynode *at, const char *s,
		  int quote, char **out, struct rs_error *err)
{
	struct sbuf sb;
	const char *p = s, *end;
	char *name = NULL, *val = NULL;
	int ret = -1;

	sbuf_init(&sb, VALUE_MAX);
	while (*p) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			if (sbuf_adds(&sb, "${"))
				goto toolong;
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			if (sbuf_addc(&sb, *p++))
				goto toolong;
			continue;
		}
		end = strchr(p + 2, '}');
		if (!end) {
			ynode_err(doc_of(sc->pl, at), at, err,
				  "unterminated '${' in '%s'", s);
			goto out;
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		if (!valid_name(name, ".")) {
			ynode_err(doc_of(sc->pl, at), at, err,
				  "bad variable name '%s' in '%s'", name, s);
			goto out;
		}
		if (lookup(sc, at, name, &val, err))
			goto out;
		if (quote ? shell_quote(&sb, val) : sbuf_adds(&sb, val))
			goto toolong;
		free(name);
		free(val);
		name = val = NULL;
		p = end + 1;
	}
	if (!sb.buf)
		sbuf_adds(&sb, "");
	*out = sbuf_detach(&sb, NULL);
	ret = 0;
	goto out;
toolong:
	ynode_err(doc_of(sc->pl, at), at, err, "value longer than %zu bytes",
		  VALUE_MAX);
out:
	free(name);
	free(val);
	sbuf_release(&sb);
	return ret;
}

/*
 * The list an each: or foreach: names: a list variable, inline, or (each
 * only: item is the enclosing foreach item) item.FIELD, a list field of
 * that item.
 */
static int resolve_list(struct pipeline *pl, const struct ynode *item,
			const struct ynode *n, const char *what,
			const struct ynode **list, struct rs_error *err)
{
	const struct ynode *f;
	struct var *v;

	if (n->type == YNODE_SEQ) {
		*list = n;
		return 0;
	}
	if (n->type != YNODE_SCALAR)
		return ynode_err(doc_of(pl, n), n, err,
			"%s must name a list variable or be a list", what);
	if (!strncmp(n->scalar, "item.", 5)) {
		if (!item || item->type != YNODE_MAP)
			return ynode_err(doc_of(pl, n), n, err,
				"%s: '%s' needs a foreach item that is a map",
				what, n->scalar);
		f = ynode_get(item, n->scalar + 5);
		if (!f || f->type != YNODE_SEQ)
			return ynode_err(doc_of(pl, n), n, err,
				"%s: the item at '%s':%ld:%ld has no list '%s'%s%s%s",
				what, doc_of(pl, item)->path, item->line,
				item->col, n->scalar + 5,
				f ? "" : " (add '", f ? "" : n->scalar + 5,
				f ? "" : ": []' to it for none)");
		*list = f;
		return 0;
	}
	v = var_find(pl, n->scalar);
	if (!v)
		return ynode_err(doc_of(pl, n), n, err, "unknown variable '%s'",
				 n->scalar);
	if (!v->node || v->node->type != YNODE_SEQ)
		return ynode_err(doc_of(pl, n), n, err,
				 "%s: variable '%s' is not a list", what,
				 n->scalar);
	*list = v->node;
	return 0;
}

struct strv {
	char **v;
	const struct ynode **at;
	size_t n, alloc;
};

static void strv_push(struct strv *sv, char *s, const struct ynode *at)
{
	if (sv->n + 1 >= sv->alloc) {
		sv->alloc = sv->alloc ? 2 * sv->alloc : 8;
		sv->v = xreallocarray(sv->v, sv->alloc, sizeof(*sv->v));
		sv->at = xreallocarray(sv->at, sv->alloc, sizeof(*sv->at));
	}
	sv->at[sv->n] = at;
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

/*
 * Where a value expanded from template node tmpl was written: a template
 * that is exactly "${item.FIELD}" takes the whole value from the item, so
 * the item's field (in the sources file, say) is where a wrong path is to
 * be fixed; anything else is the template's.
 */
static const struct ynode *origin(const struct ynode *item,
				  const struct ynode *tmpl)
{
	const struct ynode *f;
	size_t n;

	if (!item || item->type != YNODE_MAP || tmpl->type != YNODE_SCALAR ||
	    strncmp(tmpl->scalar, "${item.", 7))
		return tmpl;
	n = strlen(tmpl->scalar);
	if (n < 9 || tmpl->scalar[n - 1] != '}' ||
	    strchr(tmpl->scalar + 7, '}') != tmpl->scalar + n - 1)
		return tmpl;
	for (f = NULL, n = 0; n < item->n; n++) {
		const struct ynode *k = item->items[2 * n];

		if (k->type == YNODE_SCALAR &&
		    strlen(k->scalar) == strlen(tmpl->scalar) - 8 &&
		    !strncmp(k->scalar, tmpl->scalar + 7, strlen(k->scalar)))
			f = item->items[2 * n + 1];
	}
	return f && f->type == YNODE_SCALAR ? f : tmpl;
}

static void strv_release(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	free(sv->at);
	memset(sv, 0, sizeof(*sv));
}

/*
 * Sets *match when item has every FIELD: VALUE of where. The values are
 * expanded in the enclosing scope sc, so there ${item} is the stage's own
 * foreach item.
 */
static int item_matches(struct scope *sc, const struct ynode *where,
			const struct ynode *item, int *match,
			struct rs_error *err)
{
	struct pipeline *pl = sc->pl;
	const struct ynode *k, *f, *v;
	char *a = NULL, *b = NULL;
	size_t i;
	int ret = 0;

	if (where->type != YNODE_MAP)
		return ynode_err(doc_of(pl, where), where, err,
				 "'where' must be a map of FIELD: VALUE");
	if (item->type != YNODE_MAP)
		return ynode_err(doc_of(pl, item), item, err,
				 "'where' needs list items that are maps");
	*match = 1;
	for (i = 0; i < where->n && *match && !ret; i++) {
		k = ynode_key(where, i);
		f = ynode_get(item, k->scalar);
		if (!f)
			return ynode_err(doc_of(pl, item), item, err,
					 "item has no '%s' (see 'where' at "
					 "%ld:%ld)", k->scalar, k->line, k->col);
		v = ynode_val(where, i);
		if (v->type != YNODE_SCALAR)
			return ynode_err(doc_of(pl, v), v, err,
					 "a 'where' value must be a string");
		ret = expand_item_value(pl, f, "an item field", &a, err) ||
		      expand(sc, v, v->scalar, 0, &b, err);
		if (!ret)
			*match = !strcmp(a, b);
		free(a);
		free(b);
		a = b = NULL;
	}
	return ret ? -1 : 0;
}

/*
 * Expands a list of strings and {each: LIST, where: {FIELD: VALUE},
 * value: TEMPLATE} elements (where is optional).
 */
static int expand_list(struct scope *sc, const struct ynode *seq,
		       const char *what, struct strv *sv, struct rs_error *err)
{
	struct pipeline *pl = sc->pl;
	const struct ynode *e, *each, *val, *list, *where, *v;
	size_t i, j, k, before;
	int match = 1;
	char *s;

	if (seq->type != YNODE_SEQ)
		return ynode_err(doc_of(pl, seq), seq, err, "'%s' must be a list", what);
	for (i = 0; i < seq->n; i++) {
		e = seq->items[i];
		if (e->type == YNODE_SCALAR) {
			if (expand(sc, e, e->scalar, 0, &s, err))
				return -1;
			strv_push(sv, s, origin(sc->item, e));
			continue;
		}
		if (e->type != YNODE_MAP)
			return ynode_err(doc_of(pl, e), e, err,
				"an element of '%s' must be a string or "
				"{each: LIST, value: TEMPLATE}", what);
		if (ynode_check_keys(doc_of(pl, e), e, each_keys, err))
			return -1;
		each = ynode_get(e, "each");
		val = ynode_get(e, "value");
		where = ynode_get(e, "where");
		if (!each || !val || val->type == YNODE_MAP)
			return ynode_err(doc_of(pl, e), e, err,
				"an each element needs 'each: LIST' and "
				"'value: TEMPLATE' (a string or a list)");
		if (resolve_list(pl, sc->item, each, "each", &list, err))
			return -1;
		before = sv->n;
		for (j = 0; j < list->n; j++) {
			struct scope inner = { pl, list->items[j] };

			if (where && item_matches(sc, where, list->items[j],
						  &match, err))
				return -1;
			if (where && !match)
				continue;
			if (val->type == YNODE_SCALAR) {
				if (expand(&inner, val, val->scalar, 0, &s, err))
					return -1;
				strv_push(sv, s, origin(list->items[j], val));
				continue;
			}
			for (k = 0; k < val->n; k++) {
				v = val->items[k];
				if (v->type != YNODE_SCALAR)
					return ynode_err(doc_of(pl, v), v, err,
						"a 'value' list holds strings");
				if (expand(&inner, v, v->scalar, 0, &s, err))
					return -1;
				strv_push(sv, s, origin(list->items[j], v));
			}
		}
		/* An item's own list may be empty: that is how an item
		 * says it has none of these arguments. */
		if (sv->n == before &&
		    (where || each->type != YNODE_SCALAR ||
		     strncmp(each->scalar, "item.", 5)))
			return ynode_err(doc_of(pl, e), e, err,
					 "each: no item matches 'where'");
	}
	return 0;
}

static int paths_from(struct scope *sc, const struct ynode *stage,
		      const char *key, struct pathv *pv, struct rs_error *err)
{
	const struct ynode *seq = ynode_get(stage, key);
	struct strv sv = { 0 };
	size_t i;
	int ret = -1;

	if (!seq)
		return 0;
	if (expand_list(sc, seq, key, &sv, err))
		goto out;
	pv->v = xcalloc(sv.n + 1, sizeof(*pv->v));
	for (i = 0; i < sv.n; i++) {
		path_norm(sv.v[i]);
		if (!*sv.v[i] || strchr(sv.v[i], '\n')) {
			ynode_err(doc_of(sc->pl, sv.at[i]), sv.at[i], err,
				  "bad path '%s' in '%s'", sv.v[i], key);
			goto out;
		}
		pv->v[pv->n].path = sv.v[i];
		pv->v[pv->n].file = doc_of(sc->pl, sv.at[i])->path;
		pv->v[pv->n].line = sv.at[i]->line;
		pv->v[pv->n].col = sv.at[i]->col;
		pv->n++;
		sv.v[i] = NULL;
	}
	ret = 0;
out:
	strv_release(&sv);
	return ret;
}

static int task_command(struct scope *sc, const struct ynode *stage,
			const struct ynode *key, struct task *t,
			struct rs_error *err)
{
	struct pipeline *pl = sc->pl;
	const struct ynode *run = ynode_get(stage, "run");
	struct strv sv = { 0 };
	char *s;

	if (!run)
		return ynode_err(doc_of(pl, key), key, err, "stage '%s' has no 'run'",
				 key->scalar);
	if (t->shell) {
		if (run->type != YNODE_SCALAR)
			return ynode_err(doc_of(pl, run), run, err,
				"with shell: true, 'run' must be one string");
		if (expand(sc, run, run->scalar, 1, &s, err))
			return -1;
		t->argv = xcalloc(4, sizeof(*t->argv));
		t->argv[0] = xstrdup("/bin/sh");
		t->argv[1] = xstrdup("-c");
		t->argv[2] = s;
		t->argc = 3;
		return 0;
	}
	if (run->type == YNODE_SCALAR)
		return ynode_err(doc_of(pl, run), run, err,
			"'run' must be a list of arguments (or set shell: true)");
	if (expand_list(sc, run, "run", &sv, err)) {
		strv_release(&sv);
		return -1;
	}
	if (!sv.n || !*sv.v[0]) {
		strv_release(&sv);
		return ynode_err(doc_of(pl, run), run, err, "'run' names no program");
	}
	t->argv = sv.v;
	t->argc = sv.n;
	free(sv.at);
	return 0;
}

/* Expands one resources value: a non-empty string on one line. */
static int resource_str(struct scope *sc, const struct ynode *v,
			const char *key, char **out, struct rs_error *err)
{
	char *s;

	if (v->type != YNODE_SCALAR)
		return ynode_err(doc_of(sc->pl, v), v, err,
				 "resources: '%s' must be a string", key);
	if (expand(sc, v, v->scalar, 0, &s, err))
		return -1;
	if (!*s || strpbrk(s, "\n\r")) {
		free(s);
		return ynode_err(doc_of(sc->pl, v), v, err,
				 "resources: bad value for '%s'", key);
	}
	free(*out);
	*out = s;
	return 0;
}

/*
 * Applies a resources: map over res: each key given replaces the value
 * there, extra's options are added after those already there.
 */
static int load_resources(struct scope *sc, const struct ynode *n,
			  struct resources *res, struct rs_error *err)
{
	struct pipeline *pl = sc->pl;
	const struct ynode *v;
	struct strv sv = { 0 };
	size_t i;
	int ret = -1;

	if (!n)
		return 0;
	if (n->type != YNODE_MAP)
		return ynode_err(doc_of(pl, n), n, err, "'resources' must be a map "
				 "of partition, time, mem, cpus, extra");
	if (ynode_check_keys(&pl->doc, n, resource_keys, err))
		return -1;
	if (((v = ynode_get(n, "partition")) &&
	     resource_str(sc, v, "partition", &res->partition, err)) ||
	    ((v = ynode_get(n, "time")) &&
	     resource_str(sc, v, "time", &res->time, err)) ||
	    ((v = ynode_get(n, "mem")) &&
	     resource_str(sc, v, "mem", &res->mem, err)) ||
	    ynode_long(&pl->doc, n, "cpus", 0, 1, 4096, &res->cpus, err))
		return -1;
	v = ynode_get(n, "extra");
	if (!v)
		return 0;
	if (expand_list(sc, v, "extra", &sv, err))
		goto out;
	for (i = 0; i < sv.n; i++) {
		/* One element, one option: "--qos=x", never "-q" "x", so
		 * nothing can be taken for the job script's path. */
		if (strncmp(sv.v[i], "--", 2) || !sv.v[i][2] ||
		    strpbrk(sv.v[i], "\n\r")) {
			ynode_err(doc_of(pl, sv.at[i]), sv.at[i], err, "resources: extra "
				  "takes sbatch options written --name or "
				  "--name=value, not '%s'", sv.v[i]);
			goto out;
		}
		res->extra = xreallocarray(res->extra, res->nextra + 2,
					   sizeof(*res->extra));
		res->extra[res->nextra++] = sv.v[i];
		res->extra[res->nextra] = NULL;
		sv.v[i] = NULL;
	}
	ret = 0;
out:
	strv_release(&sv);
	return ret;
}

static void resources_release(struct resources *res)
{
	size_t i;

	free(res->partition);
	free(res->time);
	free(res->mem);
	for (i = 0; i < res->nextra; i++)
		free(res->extra[i]);
	free(res->extra);
	memset(res, 0, sizeof(*res));
}

static int add_task(struct pipeline *pl, const struct ynode *key,
		    const struct ynode *stage, const struct ynode *item,
		    size_t *alloc, struct rs_error *err)
{
	struct scope sc = { pl, item };
	struct task *t;
	char *iname = NULL;
	const struct ynode *n;
	size_t i;
	int ret = -1;

	if (item) {
		n = item->type == YNODE_MAP ? ynode_get(item, "name") : item;
		if (!n)
			return ynode_err(doc_of(pl, item), item, err,
				"a foreach item that is a map needs a 'name'");
		if (expand_item_value(pl, n, "a foreach item's name", &iname,
				      err))
			return -1;
		if (!valid_item_name(iname)) {
			ynode_err(doc_of(pl, n), n, err,
				  "bad foreach item name '%s'", iname);
			goto out;
		}
	}
	if (pl->ntasks == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 16;
		pl->tasks = xreallocarray(pl->tasks, *alloc, sizeof(*pl->tasks));
	}
	t = &pl->tasks[pl->ntasks++];
	memset(t, 0, sizeof(*t));
	sbuf_init(&t->why, 64 * 1024);
	t->stage = xstrdup(key->scalar);
	t->line = key->line;
	t->col = key->col;
	if (iname) {
		struct sbuf nb;

		sbuf_init(&nb, 0);
		sbuf_addf(&nb, "%s@%s", key->scalar, iname);
		t->name = sbuf_detach(&nb, NULL);
	} else {
		t->name = xstrdup(key->scalar);
	}
	for (i = 0; i + 1 < pl->ntasks; i++)
		if (!strcmp(pl->tasks[i].name, t->name)) {
			ynode_err(doc_of(pl, item ? item : key), item ? item : key, err,
				  "two tasks named '%s'", t->name);
			goto out;
		}
	if (ynode_bool(&pl->doc, stage, "shell", 0, &t->shell, err) ||
	    ynode_long(&pl->doc, stage, "timeout", 0, 1, 100L * 86400,
		       &t->timeout, err) ||
	    ynode_long(&pl->doc, stage, "retries", 0, 0, 100, &t->retries, err))
		goto out;
	if (task_command(&sc, stage, key, t, err) ||
	    paths_from(&sc, stage, "inputs", &t->inputs, err) ||
	    paths_from(&sc, stage, "params", &t->params, err) ||
	    paths_from(&sc, stage, "outputs", &t->outputs, err) ||
	    load_resources(&sc, ynode_get(pl->doc.root, "resources"), &t->res,
			   err) ||
	    load_resources(&sc, ynode_get(stage, "resources"), &t->res, err))
		goto out;
	ret = 0;
out:
	free(iname);
	return ret;
}

static int load_stage(struct pipeline *pl, const struct ynode *key,
		      const struct ynode *stage, size_t *alloc,
		      struct rs_error *err)
{
	const struct ynode *fe, *list;
	size_t i;

	if (key->type != YNODE_SCALAR || !valid_name(key->scalar, NULL))
		return ynode_err(doc_of(pl, key), key, err,
			"a stage name is letters, digits, '_' and '-'");
	if (stage->type != YNODE_MAP)
		return ynode_err(doc_of(pl, stage), stage, err,
				 "stage '%s' must be a map", key->scalar);
	if (ynode_check_keys(&pl->doc, stage, stage_keys, err))
		return -1;
	fe = ynode_get(stage, "foreach");
	if (!fe)
		return add_task(pl, key, stage, NULL, alloc, err);
	if (resolve_list(pl, NULL, fe, "foreach", &list, err))
		return -1;
	if (!list->n)
		return ynode_err(doc_of(pl, fe), fe, err, "foreach list is empty");
	for (i = 0; i < list->n; i++)
		if (add_task(pl, key, stage, list->items[i], alloc, err))
			return -1;
	return 0;
}

/*
 * A variable written {file: F}: its value (a list, or a string) is the
 * YAML file F, relative to the pipeline file's directory. Written {file: F,
 * key: K}, it is the value of K in that file's top-level map, so that one
 * file holds several variables (sources.yaml: the sources and the merged
 * report's title and unit); {file: F, key: K, default: V} takes the string
 * V when K is absent, or when F is a bare list (a sources file written
 * before it had keys). Replaces *v with that node; the document is loaded
 * once per file and kept in pl->xdocs.
 */
static int load_var_file(struct pipeline *pl, const struct ynode *k,
			 const struct ynode **v, struct rs_error *err)
{
	const struct ynode *f = ynode_get(*v, "file");
	const struct ynode *key = ynode_get(*v, "key");
	const struct ynode *def = ynode_get(*v, "default");
	const struct ynode *got;
	struct ydoc *d = NULL;
	char *path, *shown, *buf = NULL;
	size_t len, i;
	int ret;

	if ((*v)->n != (size_t)(1 + !!key + !!def) || !f || f->type != YNODE_SCALAR ||
	    !*f->scalar || (key && (key->type != YNODE_SCALAR || !*key->scalar)) ||
	    (def && (!key || def->type != YNODE_SCALAR)))
		return ynode_err(doc_of(pl, *v), *v, err, "variable '%s' must "
				 "be a string, a list, {file: FILE} (a YAML "
				 "file holding the list) or {file: FILE, key: KEY"
				 "[, default: TEXT]} (KEY of the file's map)",
				 k->scalar);
	/* Read from where the runner now is (the root), named in messages
	 * as the user would reach it from where they started it. */
	path = join_logical(pl->filedir, f->scalar);
	shown = *pl->showdir ? join_logical(pl->showdir, f->scalar) :
		xstrdup(f->scalar);
	for (i = 0; i < pl->nxdocs && !d; i++)
		if (!strcmp(pl->xdocs[i].path, shown))
			d = &pl->xdocs[i];
	if (!d) {
		pl->xdocs = xreallocarray(pl->xdocs, pl->nxdocs + 1,
					  sizeof(*pl->xdocs));
		d = &pl->xdocs[pl->nxdocs];
		memset(d, 0, sizeof(*d));
		ret = rs_read_file(path, YDOC_MAX_FILE, &buf, &len, err);
		if (ret && access(path, R_OK))
			rs_err(err, "cannot open '%s': %s", shown, strerror(errno));
		if (!ret)
			ret = ydoc_load_mem(d, shown, buf, len, err);
		free(buf);
		if (ret) {
			ydoc_release(d);
			free(path);
			free(shown);
			return rs_err_prefix(err, "variable '%s' ('%s':%ld:%ld)",
					     k->scalar, pl->path, f->line, f->col);
		}
		pl->nxdocs++;
	}
	free(path);
	free(shown);
	if (!key) {
		if (!d->root || d->root->type == YNODE_MAP)
			return rs_err(err, "'%s': variable '%s' must hold a list or a "
				      "string, not %s (or name its key: {file: %s, "
				      "key: KEY})", d->path, k->scalar,
				      d->root ? "a map" : "nothing", f->scalar);
		*v = d->root;
		return 0;
	}
	got = d->root && d->root->type == YNODE_MAP ?
	      ynode_get(d->root, key->scalar) : NULL;
	if (!got && def) {
		*v = def;
		return 0;
	}
	if (!d->root || d->root->type != YNODE_MAP)
		return rs_err(err, "'%s': variable '%s' is its key '%s', but the "
			      "file holds %s, not a map (write '%s:' on the line "
			      "before its list)", d->path, k->scalar, key->scalar,
			      d->root ? "a list or a string" : "nothing", key->scalar);
	if (!got)
		return ynode_err(d, d->root, err, "variable '%s': no key '%s' "
				 "here (add '%s: ...')", k->scalar, key->scalar,
				 key->scalar);
	if (got->type == YNODE_MAP)
		return ynode_err(d, got, err, "variable '%s' ('%s') must be a "
				 "list or a string, not a map", k->scalar,
				 key->scalar);
	*v = got;
	return 0;
}

static int load_vars(struct pipeline *pl, const struct ynode *vars,
		     char *const *overrides, size_t n, struct rs_error *err)
{
	const struct ynode *k, *v;
	struct var *var;
	const char *eq;
	char *name;
	size_t i, alloc;

	if (vars && vars->type != YNODE_MAP)
		return ynode_err(doc_of(pl, vars), vars, err, "'vars' must be a map");
	alloc = (vars ? vars->n : 0) + n + 1;
	pl->vars = xcalloc(alloc, sizeof(*pl->vars));
	for (i = 0; vars && i < vars->n; i++) {
		k = ynode_key(vars, i);
		v = ynode_val(vars, i);
		if (k->type != YNODE_SCALAR || !valid_name(k->scalar, NULL) ||
		    !strcmp(k->scalar, "item"))
			return ynode_err(doc_of(pl, k), k, err,
				"a variable name is letters, digits, '_' and "
				"'-' (and not 'item')");
		if (v->type == YNODE_MAP && load_var_file(pl, k, &v, err))
			return -1;
		if (var_find(pl, k->scalar))
			return ynode_err(doc_of(pl, k), k, err,
					 "variable '%s' defined twice", k->scalar);
		var = &pl->vars[pl->nvars++];
		var->name = xstrdup(k->scalar);
		var->node = v;
	}
	for (i = 0; i < n; i++) {
		eq = strchr(overrides[i], '=');
		if (!eq)
			return rs_err(err, "--var '%s': expected NAME=VALUE",
				      overrides[i]);
		name = xstrndup(overrides[i], (size_t)(eq - overrides[i]));
		var = var_find(pl, name);
		if (!valid_name(name, NULL) || !strcmp(name, "item") ||
		    (var && var->node && var->node->type != YNODE_SCALAR)) {
			rs_err(err, "--var '%s': cannot set '%s'", overrides[i],
			       name);
			free(name);
			return -1;
		}
		if (!var) {
			var = &pl->vars[pl->nvars++];
			var->name = name;
		} else {
			free(name);
			free(var->value);
		}
		var->node = NULL;
		var->value = xstrdup(eq + 1);
	}
	return 0;
}

/* executor: local | slurm (a string that may use variables). */
static int load_executor(struct pipeline *pl, const struct ynode *n,
			 struct rs_error *err)
{
	struct scope sc = { pl, NULL };

	if (!n) {
		pl->executor = xstrdup("local");
		return 0;
	}
	if (n->type != YNODE_SCALAR)
		return ynode_err(doc_of(pl, n), n, err,
				 "'executor' must be local or slurm");
	if (expand(&sc, n, n->scalar, 0, &pl->executor, err))
		return -1;
	if (strcmp(pl->executor, "local") && strcmp(pl->executor, "slurm"))
		return ynode_err(doc_of(pl, n), n, err, "unknown executor '%s': "
				 "local or slurm", pl->executor);
	return 0;
}

/*
 * Joins dir and rel as the shell's cd does: ".." drops dir's last
 * component (not following a link that component may be), so root: .. of
 * pipelines/p.yaml is the directory holding pipelines/, even when
 * pipelines is a symbolic link.
 */
static char *join_logical(const char *dir, const char *rel)
{
	struct sbuf sb;
	const char *p = rel, *e;
	char *slash;
	size_t n;

	sbuf_init(&sb, 0);
	sbuf_adds(&sb, rel[0] == '/' ? "/" : dir);
	for (; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (!n || (n == 1 && *p == '.'))
			continue;
		slash = sb.len ? strrchr(sb.buf, '/') : NULL;
		if (n == 2 && !strncmp(p, "..", 2) && sb.len &&
		    strcmp(slash ? slash + 1 : sb.buf, "..") &&
		    strcmp(slash ? slash + 1 : sb.buf, ".")) {
			if (slash && slash == sb.buf)
				sb.len = 1;         /* "/x" -> "/" */
			else
				sb.len = slash ? (size_t)(slash - sb.buf) : 0;
			sb.buf[sb.len] = '\0';
			continue;
		}
		if (sb.len && sb.buf[sb.len - 1] != '/')
			sbuf_addc(&sb, '/');
		sbuf_add(&sb, p, n);
	}
	if (!sb.len)
		sbuf_adds(&sb, rel[0] == '/' ? "/" : ".");
	return sbuf_detach(&sb, NULL);
}

/* Changes to the directory the pipeline's paths are relative to. */
static int enter_root(struct pipeline *pl, const struct ynode *n,
		      struct rs_error *err)
{
	const char *slash = strrchr(pl->path, '/');
	char *dir = slash ? xstrndup(pl->path, (size_t)(slash - pl->path)) :
		    xstrdup("");
	char *to;
	int ret = 0;

	if (slash == pl->path) {
		free(dir);
		dir = xstrdup("/");
	}
	if (n && (n->type != YNODE_SCALAR || !*n->scalar)) {
		free(dir);
		return ynode_err(doc_of(pl, n), n, err, "'root' must be a directory "
				 "(relative to the pipeline file's, e.g. ..)");
	}
	to = join_logical(dir, n ? n->scalar : ".");
	free(pl->showdir);
	pl->showdir = xstrdup(dir);
	{
		char cwd[4096];

		free(pl->filedir);
		pl->filedir = dir[0] == '/' || !getcwd(cwd, sizeof(cwd)) ?
			      xstrdup(*dir ? dir : ".") :
			      join_logical(cwd, *dir ? dir : ".");
	}
	if (chdir(to))
		ret = n ? ynode_err(doc_of(pl, n), n, err, "cannot change to root "
				    "'%s': %s", to, strerror(errno)) :
			  rs_err(err, "cannot change to '%s', the directory of "
				 "'%s': %s", to, pl->path, strerror(errno));
	free(to);
	free(dir);
	return ret;
}

int pipeline_load(struct pipeline *pl, const char *path, char *const *overrides,
		  size_t n, struct rs_error *err)
{
	const struct ynode *root, *stages;
	struct sbuf sb;
	size_t i, alloc = 0;

	memset(pl, 0, sizeof(*pl));
	pl->path = xstrdup(path);
	if (ydoc_load(&pl->doc, path, err))
		return -1;
	root = pl->doc.root;
	if (!root || root->type != YNODE_MAP)
		return rs_err(err, "'%s': a pipeline is a map with 'stages'",
			      path);
	if (ynode_check_keys(&pl->doc, root, top_keys, err) ||
	    enter_root(pl, ynode_get(root, "root"), err))
		return -1;
	if (load_vars(pl, ynode_get(root, "vars"), overrides, n, err))
		return -1;
	if (load_executor(pl, ynode_get(root, "executor"), err))
		return -1;
	stages = ynode_get(root, "stages");
	if (!stages || stages->type != YNODE_MAP || !stages->n)
		return ynode_err(doc_of(pl, stages ? stages : root), stages ? stages : root, err,
				 "'stages' must be a map of stages");
	for (i = 0; i < stages->n; i++)
		if (load_stage(pl, ynode_key(stages, i), ynode_val(stages, i),
			       &alloc, err))
			return -1;
	if (var_find(pl, "out")) {
		if (var_value(pl, root, "out", &pl->outdir, err))
			return -1;
	} else {
		pl->outdir = xstrdup("out");
	}
	path_norm(pl->outdir);
	if (!*pl->outdir)
		return rs_err(err, "'%s': variable 'out' is empty", path);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/.reliefstat", pl->outdir);
	pl->statedir = sbuf_detach(&sb, NULL);
	pl->keep_runs = 30;
	if (var_find(pl, "keep_runs")) {
		struct var *v = var_find(pl, "keep_runs");
		char *s, *end;
		long k;

		if (var_value(pl, root, "keep_runs", &s, err))
			return -1;
		errno = 0;
		k = strtol(s, &end, 10);
		if (errno || end == s || *end || k < 1 || k > 100000) {
			if (v->node)
				ynode_err(doc_of(pl, v->node), v->node, err, "variable "
					  "'keep_runs' must be a number of runs "
					  "from 1 to 100000, not '%s'", s);
			else
				rs_err(err, "--var keep_runs must be a number "
				       "of runs from 1 to 100000, not '%s'", s);
			free(s);
			return -1;
		}
		free(s);
		pl->keep_runs = k;
	}
	if (var_find(pl, "mark_stale")) {
		char *v;

		if (var_value(pl, root, "mark_stale", &v, err))
			return -1;
		pl->mark_stale = !strcmp(v, "yes") || !strcmp(v, "true");
		free(v);
	}
	return 0;
}

static void pathv_release(struct pathv *pv)
{
	size_t i;

	for (i = 0; i < pv->n; i++)
		free(pv->v[i].path);
	free(pv->v);
}

void pipeline_release(struct pipeline *pl)
{
	size_t i, j;
	struct task *t;

	for (i = 0; i < pl->ntasks; i++) {
		t = &pl->tasks[i];
		free(t->name);
		free(t->stage);
		for (j = 0; j < t->argc; j++)
			free(t->argv[j]);
		free(t->argv);
		free(t->accept_loss);
		pathv_release(&t->inputs);
		pathv_release(&t->params);
		pathv_release(&t->outputs);
		free(t->deps);
		free(t->rdeps);
		free(t->in_hash);
		free(t->par_hash);
		free(t->in_stamp);
		free(t->missing_input);
		free(t->last_failure);
		free(t->prog);
		resources_release(&t->res);
		sbuf_release(&t->why);
	}
	free(pl->tasks);
	for (i = 0; i < pl->nvars; i++) {
		free(pl->vars[i].name);
		free(pl->vars[i].value);
	}
	free(pl->vars);
	free(pl->order);
	free(pl->outdir);
	free(pl->statedir);
	free(pl->rundir);
	free(pl->filedir);
	free(pl->showdir);
	for (i = 0; i < pl->nxdocs; i++)
		ydoc_release(&pl->xdocs[i]);
	free(pl->xdocs);
	free(pl->executor);
	ydoc_release(&pl->doc);
	free(pl->path);
	memset(pl, 0, sizeof(*pl));
}
