/*
 * published.c - what changed in the published tables between two runs.
 *
 * After every run that succeeds, the runner keeps the run's published set:
 * every file in a directory named "published" that holds an output of some
 * task. Files are stored by content, ${statedir}/objects/HASH (BLAKE2b-256),
 * so a file unchanged since an earlier run costs nothing; the run's list,
 * ${statedir}/runs/ID/published, has the magic line "reliefstat-published 1"
 * and then one "HASH PATH" line per file.
 *
 * Two runs are compared table by table (the CSV files of the set): a row is
 * named by its first columns, as few as make every row of both versions
 * unique; columns by their header. Every cell whose text differs is a
 * change (table, row, column, old, new); rows and tables only in one run
 * are added or removed. The inputs that caused a table's change are the
 * pipeline's own inputs (files no task writes) and params upstream of the
 * task writing it whose hashes differ between the two runs in the ledger.
 *
 * After a successful run the changes since the previous successful run are
 * written beside each report, REPORT/changes.csv (UTF-8 with BOM) and
 * REPORT/changes.html, and counted in the run's summary line.
 *
 * After a run that failed, the published HTML and text files (the bulletin)
 * of every report a failed, blocked or not run task writes get a notice,
 * 数据未能按时更新, with the date of the last run that succeeded. The
 * tasks writing those reports are forgotten in the state, so the next good
 * run reruns them and writes the files anew, byte for byte what it would
 * have written anyway.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "csvin.h"
#include "fileio.h"
#include "runner.h"
#include "xalloc.h"

#define PUB_MAGIC "reliefstat-published 1"
#define PUB_FILE_MAX ((size_t)256 << 20)

struct pfile {
	char *path;
	char hash[HASH_HEX];
};

struct pset {
	struct pfile *v;
	size_t n;
};

struct change {
	char *table, *row, *col, *old, *new, *kind, *cause, *dir;
	char *file;              /* the table's CSV */
};

struct changes {
	struct change *v;
	size_t n;
};

static void pset_release(struct pset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_pfile(const void *a, const void *b)
{
	return strcmp(((const struct pfile *)a)->path,
		      ((const struct pfile *)b)->path);
}

static const struct pfile *pset_find(const struct pset *s, const char *path)
{
	struct pfile key = { (char *)path, "" };

	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_pfile) : NULL;
}

static void hash_buf(const char *buf, size_t len, char out[HASH_HEX])
{
	unsigned char bin[32];

	crypto_generichash(bin, sizeof(bin), (const unsigned char *)buf, len,
			   NULL, 0);
	sodium_bin2hex(out, HASH_HEX, bin, sizeof(bin));
}

static char *object_path(const struct pipeline *pl, const char *hash)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/objects/%s", pl->statedir, hash);
	return sbuf_detach(&sb, NULL);
}

/* The directories named published/ that hold some task's output. */
static char **published_dirs(const struct pipeline *pl, size_t *n)
{
	char **v = NULL, *d, *slash;
	size_t k, i, j;

	*n = 0;
	for (k = 0; k < pl->ntasks; k++)
		for (i = 0; i < pl->tasks[k].outputs.n; i++) {
			d = xstrdup(pl->tasks[k].outputs.v[i].path);
			slash = strrchr(d, '/');
			if (!slash || slash - d < 9 ||
			    strncmp(slash - 9, "published", 9) ||
			    (slash - d > 9 && slash[-10] != '/')) {
				free(d);
				continue;
			}
			*slash = '\0';
			for (j = 0; j < *n && strcmp(v[j], d); j++)
				;
			if (j < *n) {
				free(d);
				continue;
			}
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = d;
		}
	return v;
}

/* Stores the file's content as an object (once) and adds it to set. */
static int keep_file(const struct pipeline *pl, const char *path,
		     struct pset *set, struct rs_error *err)
{
	struct rs_out o;
	struct stat sb;
	char *buf, *obj;
	size_t len;
	int ret = -1;

	if (rs_read_file(path, PUB_FILE_MAX, &buf, &len, err))
		return -1;
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	set->v[set->n].path = xstrdup(path);
	hash_buf(buf, len, set->v[set->n].hash);
	obj = object_path(pl, set->v[set->n].hash);
	set->n++;
	if (!lstat(obj, &sb) && S_ISREG(sb.st_mode)) {
		ret = 0;
		goto out;
	}
	if (rs_out_open(&o, obj, 0644, err))
		goto out;
	rs_out_write(&o, buf, len);
	ret = rs_out_commit(&o, err);
out:
	free(obj);
	free(buf);
	return ret;
}

static char *manifest_path(const struct pipeline *pl, long run)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/runs/%ld/published", pl->statedir, run);
	return sbuf_detach(&sb, NULL);
}

/* Reads run's published set; 1 when the run kept none. */
static int pset_load(const struct pipeline *pl, long run, struct pset *set,
		     struct rs_error *err)
{
	char *path = manifest_path(pl, run), *buf = NULL, *line, *nl, *sp;
	size_t len;
	int ret = -1;

	memset(set, 0, sizeof(*set));
	if (access(path, F_OK)) {
		ret = 1;
		goto out;
	}
	if (rs_read_file(path, PUB_FILE_MAX, &buf, &len, err))
		goto out;
	if (len < sizeof(PUB_MAGIC) || memcmp(buf, PUB_MAGIC "\n",
					      sizeof(PUB_MAGIC))) {
		rs_err(err, "'%s':1:1: not a list of published files (want "
		       "'%s'); remove the file", path, PUB_MAGIC);
		goto out;
	}
	for (line = buf + sizeof(PUB_MAGIC); line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			break;
		*nl = '\0';
		sp = strchr(line, ' ');
		if (!sp || sp - line != HASH_HEX - 1)
			continue;
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		memcpy(set->v[set->n].hash, line, HASH_HEX - 1);
		set->v[set->n].hash[HASH_HEX - 1] = '\0';
		set->v[set->n].path = xstrdup(sp + 1);
		set->n++;
	}
	if (set->n)
		qsort(set->v, set->n, sizeof(*set->v), cmp_pfile);
	ret = 0;
out:
	free(buf);
	free(path);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int published_keep(const struct pipeline *pl, struct rs_error *err)
{
	struct pset set = { 0 };
	struct rs_out o;
	struct dirent *e;
	struct sbuf sb;
	char **dirs, **names = NULL, *mpath = NULL;
	size_t ndirs, nnames, i, j;
	DIR *d;
	int ret = -1;

	if (!pl->run_id)
		return 0;
	dirs = published_dirs(pl, &ndirs);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/objects", pl->statedir);
	if (mkdir_p(sb.buf, err) || state_dir_ok(sb.buf, err))
		goto out;
	for (i = 0; i < ndirs; i++) {
		if (!(d = opendir(dirs[i])))
			continue;
		nnames = 0;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			names = xreallocarray(names, nnames + 1,
					      sizeof(*names));
			names[nnames++] = xstrdup(e->d_name);
		}
		closedir(d);
		if (nnames)
			qsort(names, nnames, sizeof(*names), cmp_str);
		for (j = 0; j < nnames; j++) {
			struct stat st;

			sbuf_reset(&sb);
			sbuf_addf(&sb, "%s/%s", dirs[i], names[j]);
			if (!lstat(sb.buf, &st) && S_ISREG(st.st_mode) &&
			    keep_file(pl, sb.buf, &set, err))
				goto out;
		}
		for (j = 0; j < nnames; j++)
			free(names[j]);
	}
	mpath = manifest_path(pl, pl->run_id);
	if (rs_out_open(&o, mpath, 0644, err))
		goto out;
	rs_out_puts(&o, PUB_MAGIC "\n");
	for (i = 0; i < set.n; i++) {
		rs_out_puts(&o, set.v[i].hash);
		rs_out_puts(&o, " ");
		rs_out_puts(&o, set.v[i].path);
		rs_out_puts(&o, "\n");
	}
	ret = rs_out_commit(&o, err);
out:
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(names);
	free(mpath);
	sbuf_release(&sb);
	pset_release(&set);
	return ret;
}

/* ---- tables ---- */

void ptable_release(struct ptable *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->ncol[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->ncol);
	memset(t, 0, sizeof(*t));
}

static int table_row(const struct csv_row *row, void *ctx,
		     struct rs_error *err)
{
	struct ptable *t = ctx;
	size_t i;

	(void)err;
	t->rows = xreallocarray(t->rows, t->n + 1, sizeof(*t->rows));
	t->ncol = xreallocarray(t->ncol, t->n + 1, sizeof(*t->ncol));
	t->rows[t->n] = xcalloc(row->n + 1, sizeof(**t->rows));
	for (i = 0; i < row->n; i++)
		t->rows[t->n][i] = xstrndup(row->f[i].p, row->f[i].len);
	t->ncol[t->n++] = row->n;
	return 0;
}

int ptable_load(const char *path, struct ptable *t, struct rs_error *err)
{
	struct csvin_opts o = { 0 };
	int ret;

	memset(t, 0, sizeof(*t));
	o.encoding = RS_ENC_UTF8;
	o.delim = ',';
	ret = csvin_read(path, &o, table_row, t, err);
	if (!ret && !t->n)
		ret = rs_err(err, "'%s' is an empty table", path);
	return ret;
}

static int table_load(const struct pipeline *pl, const char *hash,
		      struct ptable *t, struct rs_error *err)
{
	char *obj = object_path(pl, hash);
	int ret = ptable_load(obj, t, err);

	free(obj);
	return ret;
}

/* Row i's first k fields that are not empty, joined with " / ". */
char *ptable_row_key(const struct ptable *t, size_t i, size_t k)
{
	struct sbuf sb;
	size_t j;

	sbuf_init(&sb, 0);
	for (j = 0; j < k && j < t->ncol[i]; j++) {
		if (!*t->rows[i][j])
			continue;
		if (sb.len)
			sbuf_adds(&sb, " / ");
		sbuf_adds(&sb, t->rows[i][j]);
	}
	if (!sb.buf)
		sbuf_adds(&sb, "");
	return sbuf_detach(&sb, NULL);
}

static int keys_unique(const struct ptable *t, size_t k)
{
	char **keys = xcalloc(t->n + 1, sizeof(*keys));
	size_t i;
	int ok = 1;

	for (i = 1; i < t->n; i++)
		keys[i - 1] = ptable_row_key(t, i, k);
	qsort(keys, t->n ? t->n - 1 : 0, sizeof(*keys), cmp_str);
	for (i = 1; i + 1 < t->n; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			ok = 0;
	for (i = 0; i + 1 < t->n; i++)
		free(keys[i]);
	free(keys);
	return ok;
}

size_t ptable_key_width(const struct ptable *a, const struct ptable *b)
{
	size_t k, max = a->ncol[0] > b->ncol[0] ? a->ncol[0] : b->ncol[0];

	for (k = 1; k < max; k++)
		if (keys_unique(a, k) && keys_unique(b, k))
			return k;
	return max;
}

static void add_change(struct changes *c, const char *file, const char *table,
		       const char *row, const char *col, const char *old,
		       const char *new, const char *kind, const char *cause)
{
	struct change *x;

	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	x = &c->v[c->n++];
	x->file = xstrdup(file);
	x->dir = xstrdup(file);
	if (strrchr(x->dir, '/'))
		*strrchr(x->dir, '/') = '\0';
	x->table = xstrdup(table);
	x->row = xstrdup(row);
	x->col = xstrdup(col);
	x->old = xstrdup(old);
	x->new = xstrdup(new);
	x->kind = xstrdup(kind);
	x->cause = xstrdup(cause);
}

static void changes_release(struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].dir);
		free(c->v[i].file);
		free(c->v[i].table);
		free(c->v[i].row);
		free(c->v[i].col);
		free(c->v[i].old);
		free(c->v[i].new);
		free(c->v[i].kind);
		free(c->v[i].cause);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static long find_row(const struct ptable *t, size_t k, const char *key)
{
	size_t i;
	char *rk;

	for (i = 1; i < t->n; i++) {
		rk = ptable_row_key(t, i, k);
		if (!strcmp(rk, key)) {
			free(rk);
			return (long)i;
		}
		free(rk);
	}
	return -1;
}

static long find_col(const struct ptable *t, const char *name)
{
	size_t j;

	for (j = 0; j < t->ncol[0]; j++)
		if (!strcmp(t->rows[0][j], name))
			return (long)j;
	return -1;
}

static const char *cell(const struct ptable *t, size_t i, size_t j)
{
	return j < t->ncol[i] ? t->rows[i][j] : "";
}

/* Diffs table a (old) with b (new), appending to c. */
static void diff_tables(const struct ptable *a, const struct ptable *b,
			const char *file, const char *name, const char *cause,
			struct changes *c)
{
	size_t k = ptable_key_width(a, b), i, j;
	long r, col;
	char *key;

	for (j = 0; j < b->ncol[0]; j++)
		if (find_col(a, b->rows[0][j]) < 0)
			add_change(c, file, name, "", b->rows[0][j], "", "",
				   "增加列", cause);
	for (j = 0; j < a->ncol[0]; j++)
		if (find_col(b, a->rows[0][j]) < 0)
			add_change(c, file, name, "", a->rows[0][j], "", "",
				   "删除列", cause);
	for (i = 1; i < b->n; i++) {
		key = ptable_row_key(b, i, k);
		r = find_row(a, k, key);
		if (r < 0) {
			add_change(c, file, name, key, "", "", "", "增加行",
				   cause);
			free(key);
			continue;
		}
		for (j = k; j < b->ncol[0]; j++) {
			col = find_col(a, b->rows[0][j]);
			if (col < 0)
				continue;
			if (strcmp(cell(a, (size_t)r, (size_t)col),
				   cell(b, i, j)))
				add_change(c, file, name, key, b->rows[0][j],
					   cell(a, (size_t)r, (size_t)col),
					   cell(b, i, j), "变动", cause);
		}
		free(key);
	}
	for (i = 1; i < a->n; i++) {
		key = ptable_row_key(a, i, k);
		if (find_row(b, k, key) < 0)
			add_change(c, file, name, key, "", "", "", "删除行",
				   cause);
		free(key);
	}
}

/* ---- causes, from the ledger ---- */

/*
 * The hash the ledger gives path as an input or param of task at run (its
 * newest line up to run). When the task names no such path by then (a
 * source added since, a param added to the task) the path's hash in any
 * task's line up to run stands in: a key or program shared with the other
 * sources is no cause of the new source's figures unless it changed.
 * task NULL: any task. NULL when no line up to run names path.
 */
static const char *hash_at(json_t *ledger, const char *task, const char *path,
			   long run)
{
	const char *h = NULL, *key, *stage;
	json_t *o, *f;
	size_t i, j;
	int p;

	json_array_foreach(ledger, i, o) {
		json_t *r = json_object_get(o, "run");

		stage = json_string_value(json_object_get(o, "stage"));
		if (!json_is_integer(r) || json_integer_value(r) > run ||
		    (task && strcmp(stage ? stage : "", task)))
			continue;
		for (p = 0; p < 2; p++) {
			key = p ? "params" : "inputs";
			json_array_foreach(json_object_get(o, key), j, f)
				if (!strcmp(json_string_value(json_object_get(f,
					    "path")) ? json_string_value(
					    json_object_get(f, "path")) : "", path))
					h = json_string_value(json_object_get(f,
								"hash"));
		}
	}
	return h || !task ? h : hash_at(ledger, NULL, path, run);
}

static int written_by_task(const struct pipeline *pl, const char *path)
{
	size_t k, i;

	for (k = 0; k < pl->ntasks; k++)
		for (i = 0; i < pl->tasks[k].outputs.n; i++)
			if (!strcmp(pl->tasks[k].outputs.v[i].path, path))
				return 1;
	return 0;
}

static void add_cause(struct sbuf *sb, const char *path)
{
	if (sb->len && strstr(sb->buf, path))
		return;
	if (sb->len)
		sbuf_adds(sb, "; ");
	sbuf_adds(sb, path);
}

/* Adds the changed leaf inputs and params upstream of task k (seen marks
 * tasks visited). */
static void causes_of(const struct pipeline *pl, json_t *ledger, size_t k,
		      long ra, long rb, char *seen, struct sbuf *sb)
{
	const struct task *t = &pl->tasks[k];
	const struct pathv *pv;
	const char *ha, *hb;
	size_t i, p;

	if (seen[k])
		return;
	seen[k] = 1;
	for (p = 0; p < 2; p++) {
		pv = p ? &t->params : &t->inputs;
		for (i = 0; i < pv->n; i++) {
			if (written_by_task(pl, pv->v[i].path))
				continue;
			ha = hash_at(ledger, t->name, pv->v[i].path, ra);
			hb = hash_at(ledger, t->name, pv->v[i].path, rb);
			if (!ha || !hb || strcmp(ha, hb))
				add_cause(sb, pv->v[i].path);
		}
	}
	for (i = 0; i < t->ndeps; i++)
		causes_of(pl, ledger, t->deps[i], ra, rb, seen, sb);
}

/* The changed inputs behind the published directory dir. */
static char *causes_for(const struct pipeline *pl, json_t *ledger,
			const char *dir, long ra, long rb)
{
	char *seen = xcalloc(pl->ntasks + 1, 1);
	size_t k, i, n = strlen(dir);
	struct sbuf sb;

	sbuf_init(&sb, 0);
	for (k = 0; k < pl->ntasks; k++)
		for (i = 0; i < pl->tasks[k].outputs.n; i++) {
			const char *p = pl->tasks[k].outputs.v[i].path;

			if (!strncmp(p, dir, n) && p[n] == '/' &&
			    !strchr(p + n + 1, '/'))
				causes_of(pl, ledger, k, ra, rb, seen, &sb);
		}
	free(seen);
	if (!sb.len)
		sbuf_adds(&sb, "");
	return sbuf_detach(&sb, NULL);
}

/* The table's title: the first "# " heading of its .md beside it. */
static char *table_name(const struct pipeline *pl, const struct pset *set,
			const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const struct pfile *md;
	size_t plen = strlen(path);
	char *mdpath = xstrdup(path), *buf, *obj, *p, *nl, *name;
	struct rs_error err;
	size_t len;

	memcpy(mdpath + plen - 3, "md", 3);  /* ".csv" -> ".md" */
	md = pset_find(set, mdpath);
	free(mdpath);
	if (!md)
		return xstrdup(base);
	obj = object_path(pl, md->hash);
	if (rs_read_file(obj, PUB_FILE_MAX, &buf, &len, &err)) {
		free(obj);
		return xstrdup(base);
	}
	free(obj);
	p = buf;
	while (*p == '#')
		p++;
	while (*p == ' ')
		p++;
	nl = strchr(p, '\n');
	name = p == buf || !nl || nl == p ? xstrdup(base) :
	       xstrndup(p, (size_t)(nl - p));
	free(buf);
	return name;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/* Every change from run ra's published set to rb's. */
static int diff_runs(const struct pipeline *pl, long ra, long rb,
		     struct changes *c, struct rs_error *err)
{
	struct pset a, b;
	json_t *ledger = NULL;
	struct ptable ta, tb;
	size_t i;
	int ret = -1, r;
	char *name, *cause, *dir;

	memset(c, 0, sizeof(*c));
	if ((r = pset_load(pl, ra, &a, err)) != 0) {
		if (r > 0)
			rs_err(err, "run %ld kept no published set (it failed, "
			       "or its logs were pruned)", ra);
		return -1;
	}
	if ((r = pset_load(pl, rb, &b, err)) != 0) {
		if (r > 0)
			rs_err(err, "run %ld kept no published set (it failed, "
			       "or its logs were pruned)", rb);
		pset_release(&a);
		return -1;
	}
	ledger = ledger_read(pl);
	for (i = 0; i < b.n; i++) {
		const struct pfile *old;

		if (!ends_with(b.v[i].path, ".csv"))
			continue;
		old = pset_find(&a, b.v[i].path);
		if (old && !strcmp(old->hash, b.v[i].hash))
			continue;
		dir = dir_of(b.v[i].path);
		name = table_name(pl, &b, b.v[i].path);
		cause = causes_for(pl, ledger, dir, ra, rb);
		if (!old) {
			add_change(c, b.v[i].path, name, "", "", "", "", "增加表",
				   cause);
		} else if (!table_load(pl, old->hash, &ta, err)) {
			if (table_load(pl, b.v[i].hash, &tb, err)) {
				ptable_release(&ta);
				free(dir);
				free(name);
				free(cause);
				goto out;
			}
			diff_tables(&ta, &tb, b.v[i].path, name, cause, c);
			ptable_release(&ta);
			ptable_release(&tb);
		} else {
			free(dir);
			free(name);
			free(cause);
			goto out;
		}
		free(dir);
		free(name);
		free(cause);
	}
	for (i = 0; i < a.n; i++) {
		if (!ends_with(a.v[i].path, ".csv") ||
		    pset_find(&b, a.v[i].path))
			continue;
		dir = dir_of(a.v[i].path);
		name = table_name(pl, &a, a.v[i].path);
		cause = causes_for(pl, ledger, dir, ra, rb);
		add_change(c, a.v[i].path, name, "", "", "", "", "删除表",
			   cause);
		free(dir);
		free(name);
		free(cause);
	}
	ret = 0;
out:
	json_decref(ledger);
	pset_release(&a);
	pset_release(&b);
	return ret;
}

/* ---- output ---- */

static void csv_field(struct sbuf *sb, const char *s)
{
	const char *p;

	if (!strpbrk(s, ",\"\r\n")) {
		sbuf_adds(sb, s);
		return;
	}
	sbuf_addc(sb, '"');
	for (p = s; *p; p++) {
		if (*p == '"')
			sbuf_addc(sb, '"');
		sbuf_addc(sb, *p);
	}
	sbuf_addc(sb, '"');
}

static void html_text(struct sbuf *sb, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': sbuf_adds(sb, "&lt;"); break;
		case '>': sbuf_adds(sb, "&gt;"); break;
		case '&': sbuf_adds(sb, "&amp;"); break;
		case '"': sbuf_adds(sb, "&quot;"); break;
		default: sbuf_addc(sb, *s);
		}
}

static const char *const heads[] = {
	"表", "行", "列", "原值", "新值", "变动", "引起变动的输入"
};

static void change_fields(const struct change *x, const char *f[7])
{
	f[0] = x->table;
	f[1] = x->row;
	f[2] = x->col;
	f[3] = x->old;
	f[4] = x->new;
	f[5] = x->kind;
	f[6] = x->cause;
}

static int write_file(const char *path, const struct sbuf *sb,
		      struct rs_error *err)
{
	struct rs_out o;

	if (rs_out_open(&o, path, 0644, err))
		return -1;
	rs_out_write(&o, sb->buf, sb->len);
	return rs_out_commit(&o, err);
}

/* Writes REPORT/changes.csv and .html for the report whose published/ is
 * pdir, with the changes of c in it. */
static int write_changes(const char *pdir, const struct changes *c, long ra,
			 long rb, struct rs_error *err)
{
	struct sbuf csv, html, path;
	char *report = dir_of(pdir);
	const char *f[7];
	size_t i, j, n = 0;
	int ret = -1;

	sbuf_init(&csv, 0);
	sbuf_init(&html, 0);
	sbuf_init(&path, 0);
	sbuf_adds(&csv, "\xEF\xBB\xBF");
	for (j = 0; j < 7; j++) {
		sbuf_adds(&csv, j ? "," : "");
		sbuf_adds(&csv, heads[j]);
	}
	sbuf_adds(&csv, "\r\n");
	sbuf_adds(&html, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta "
		  "charset=\"utf-8\"><title>公开数据变动</title></head><body>\n");
	sbuf_addf(&html, "<h1>公开数据变动</h1>\n<p>与上一次成功运行（第%ld次）相比，"
		  "本次（第%ld次）", ra, rb);
	for (i = 0; i < c->n; i++)
		n += !strcmp(c->v[i].dir, pdir);
	if (!n)
		sbuf_adds(&html, "公开数据没有变动。</p>\n");
	else
		sbuf_addf(&html, "共有%zu处变动。</p>\n<table border=\"1\">"
			  "<tr>", n);
	for (j = 0; n && j < 7; j++)
		sbuf_addf(&html, "<th>%s</th>", heads[j]);
	sbuf_adds(&html, n ? "</tr>\n" : "");
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].dir, pdir))
			continue;
		change_fields(&c->v[i], f);
		sbuf_adds(&html, "<tr>");
		for (j = 0; j < 7; j++) {
			if (j)
				sbuf_addc(&csv, ',');
			csv_field(&csv, f[j]);
			sbuf_adds(&html, "<td>");
			html_text(&html, f[j]);
			sbuf_adds(&html, "</td>");
		}
		sbuf_adds(&csv, "\r\n");
		sbuf_adds(&html, "</tr>\n");
	}
	sbuf_adds(&html, n ? "</table>\n</body></html>\n" : "</body></html>\n");
	sbuf_addf(&path, "%s/changes.csv", report);
	if (write_file(path.buf, &csv, err))
		goto out;
	sbuf_reset(&path);
	sbuf_addf(&path, "%s/changes.html", report);
	ret = write_file(path.buf, &html, err);
out:
	sbuf_release(&csv);
	sbuf_release(&html);
	sbuf_release(&path);
	free(report);
	return ret;
}

/* The newest run before rb that kept a published set, or 0. */
static long previous_kept(const struct pipeline *pl, long rb)
{
	char *p;
	long r;

	for (r = rb - 1; r > 0; r--) {
		p = manifest_path(pl, r);
		if (!access(p, F_OK)) {
			free(p);
			return r;
		}
		free(p);
	}
	return 0;
}

long published_changes(const struct pipeline *pl, long *since, long *others,
		       struct rs_error *err)
{
	struct changes c;
	char **dirs;
	size_t n, i;
	long ra = previous_kept(pl, pl->run_id), figures = 0;
	int ret = 0;

	*since = ra;
	*others = 0;
	if (!ra || !pl->run_id)
		return -2;
	if (diff_runs(pl, ra, pl->run_id, &c, err))
		return -1;
	for (i = 0; i < c.n; i++)
		figures += !strcmp(c.v[i].kind, "变动");
	*others = (long)c.n - figures;
	dirs = published_dirs(pl, &n);
	for (i = 0; i < n; i++) {
		if (!ret && write_changes(dirs[i], &c, ra, pl->run_id, err))
			ret = -1;
		free(dirs[i]);
	}
	free(dirs);
	changes_release(&c);
	return ret ? -1 : figures;
}

/* The numbers of the runs that kept a published set, ascending. */
static long *kept_runs(const struct pipeline *pl, size_t *n)
{
	json_t *arr = ledger_read(pl), *o;
	long *v = xcalloc(json_array_size(arr) + 1, sizeof(*v)), id;
	size_t i;
	char *p;

	*n = 0;
	json_array_foreach(arr, i, o) {
		if (strcmp(json_string_value(json_object_get(o, "kind")) ?
			   json_string_value(json_object_get(o, "kind")) : "",
			   "run"))
			continue;
		id = (long)json_integer_value(json_object_get(o, "run"));
		p = manifest_path(pl, id);
		if (!access(p, F_OK) && (!*n || v[*n - 1] < id))
			v[(*n)++] = id;
		free(p);
	}
	json_decref(arr);
	return v;
}

static long parse_run(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < 1 ? -1 : v;
}

int history_diff(const struct pipeline *pl, const char *a, const char *b,
		 int json)
{
	struct rs_error err;
	struct changes c;
	size_t n, i;
	long *kept = kept_runs(pl, &n), ra, rb;
	const char *f[7];
	json_t *arr;
	char *s;
	int ret = 2;

	if (a) {
		ra = parse_run(a);
		rb = b ? parse_run(b) : -1;
		if (ra < 0 || rb < 0) {
			rs_warn("diff takes two run numbers ('%s', '%s'); "
				"'reliefstat runs %s' lists them", a,
				b ? b : "", pl->path);
			goto out;
		}
	} else if (n < 2) {
		rs_warn("diff needs two runs that succeeded, and '%s' has %zu; "
			"run the pipeline again after a change", pl->outdir, n);
		goto out;
	} else {
		ra = kept[n - 2];
		rb = kept[n - 1];
	}
	if (diff_runs(pl, ra, rb, &c, &err)) {
		rs_error_print(&err);
		goto out;
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < c.n; i++)
			json_array_append_new(arr, json_pack(
				"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "file",
				c.v[i].file, "table", c.v[i].table, "row",
				c.v[i].row, "column", c.v[i].col, "old",
				c.v[i].old, "new", c.v[i].new, "kind",
				c.v[i].kind, "inputs", c.v[i].cause));
		arr = json_pack("{s:I,s:I,s:o}", "from", (json_int_t)ra, "to",
				(json_int_t)rb, "changes", arr);
		s = json_dumps(arr, JSON_INDENT(1));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(arr);
	} else {
		for (i = n = 0; i < c.n; i++)
			n += !strcmp(c.v[i].kind, "变动");
		/* The run's summary line counts figures: say both. */
		printf("run %ld -> run %ld: %zu change%s (%zu figure%s changed, "
		       "%zu row%s, column%s or table%s added or removed)\n",
		       ra, rb, c.n, c.n == 1 ? "" : "s", n, n == 1 ? "" : "s",
		       c.n - n, c.n - n == 1 ? "" : "s", c.n - n == 1 ? "" : "s",
		       c.n - n == 1 ? "" : "s");
		for (i = 0; i < c.n; i++) {
			change_fields(&c.v[i], f);
			printf("%s | %s | %s | %s | %s | %s -> %s | %s\n",
			       f[5], c.v[i].dir, f[0], f[1], f[2], f[3], f[4],
			       *f[6] ? f[6] : "-");
		}
	}
	changes_release(&c);
	ret = 0;
out:
	free(kept);
	return ret;
}

void published_gc(const struct pipeline *pl)
{
	struct sbuf dir, sb;
	struct pset set;
	struct rs_error err;
	struct dirent *e;
	char **keep = NULL;
	size_t nkeep = 0, i;
	long v;
	DIR *d;

	sbuf_init(&dir, 0);
	sbuf_init(&sb, 0);
	sbuf_addf(&dir, "%s/runs", pl->statedir);
	if (!(d = opendir(dir.buf)))
		goto out;
	while ((e = readdir(d))) {
		v = parse_run(e->d_name);
		if (v < 1 || pset_load(pl, v, &set, &err))
			continue;
		for (i = 0; i < set.n; i++) {
			keep = xreallocarray(keep, nkeep + 1, sizeof(*keep));
			keep[nkeep++] = xstrdup(set.v[i].hash);
		}
		pset_release(&set);
	}
	closedir(d);
	if (nkeep)
		qsort(keep, nkeep, sizeof(*keep), cmp_str);
	sbuf_reset(&dir);
	sbuf_addf(&dir, "%s/objects", pl->statedir);
	if (!(d = opendir(dir.buf)))
		goto out;
	while ((e = readdir(d))) {
		char *name = e->d_name;

		if (strlen(name) != HASH_HEX - 1 ||
		    (nkeep && bsearch(&name, keep, nkeep, sizeof(*keep),
				      cmp_str)))
			continue;
		sbuf_reset(&sb);
		sbuf_addf(&sb, "%s/%s", dir.buf, name);
		unlink(sb.buf);
	}
	closedir(d);
out:
	for (i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	sbuf_release(&dir);
	sbuf_release(&sb);
}

/* ---- a failed night: published reports marked as not updated ---- */

#define STALE_MARK "数据未能按时更新"

/* The local date of the last run that succeeded, "2026年12月7日", or "". */
static void last_good_date(const struct pipeline *pl, char *out, size_t size)
{
	json_t *arr = ledger_read(pl), *o;
	const char *end = NULL;
	struct tm tm;
	time_t t;
	size_t i;
	int y, mo, d, h, mi;

	*out = '\0';
	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "kind")) ?
			    json_string_value(json_object_get(o, "kind")) : "",
			    "run") &&
		    json_integer_value(json_object_get(o, "exit")) == 0 &&
		    json_object_get(o, "exit"))
			end = json_string_value(json_object_get(o, "end"));
	if (end && sscanf(end, "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) == 5) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		t = timegm(&tm);
		localtime_r(&t, &tm);
		snprintf(out, size, "%d年%d月%d日", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
	}
	json_decref(arr);
}

/* Rewrites path with the notice: after <body> in HTML, first in text. */
static void mark_file(const char *path, const char *notice, int html)
{
	struct rs_error err;
	struct rs_out o;
	char *buf, *body, *gt;
	size_t len, at = 0;

	if (rs_read_file(path, PUB_FILE_MAX, &buf, &len, &err))
		return;
	if (memmem(buf, len, STALE_MARK, strlen(STALE_MARK))) {
		free(buf);
		return;
	}
	if (html) {
		body = memmem(buf, len, "<body", 5);
		gt = body ? memchr(body, '>', len - (size_t)(body - buf)) : NULL;
		if (!gt) {
			free(buf);
			return;
		}
		at = (size_t)(gt + 1 - buf);
	}
	if (rs_out_open(&o, path, 0644, &err)) {
		rs_warn("cannot mark '%s' as not updated: %s", path, err.msg);
		free(buf);
		return;
	}
	rs_out_write(&o, buf, at);
	if (html) {
		rs_out_puts(&o, "\n<p style=\"border:2px solid #c00;padding:6px;"
			    "color:#c00;font-weight:bold\">");
		rs_out_puts(&o, notice);
		rs_out_puts(&o, "</p>");
	} else {
		rs_out_puts(&o, "【");
		rs_out_puts(&o, notice);
		rs_out_puts(&o, "】\n\n");
	}
	rs_out_write(&o, buf + at, len - at);
	if (rs_out_commit(&o, &err))
		rs_warn("cannot mark '%s' as not updated: %s", path, err.msg);
	free(buf);
}

/* A task running rs-report --release: it publishes sets others made. */
static int is_release(const struct task *t)
{
	const char *b;
	size_t i;

	if (t->shell || !t->argc)
		return 0;
	b = strrchr(t->argv[0], '/');
	if (strcmp(b ? b + 1 : t->argv[0], "rs-report"))
		return 0;
	for (i = 1; i < t->argc; i++)
		if (!strcmp(t->argv[i], "--release"))
			return 1;
	return 0;
}

void published_mark_stale(const struct pipeline *pl, struct state *st)
{
	char date[64], **dirs;
	struct sbuf notice, sb;
	struct dirent *e;
	size_t n, i, k, j;
	DIR *d;

	dirs = published_dirs(pl, &n);
	last_good_date(pl, date, sizeof(date));
	sbuf_init(&notice, 0);
	sbuf_init(&sb, 0);
	if (*date)
		sbuf_addf(&notice, "本期%s，以下数据截至%s（上次成功更新）。",
			  STALE_MARK, date);
	else
		sbuf_addf(&notice, "本期%s，以下数据不是最新数据。", STALE_MARK);
	for (i = 0; i < n; i++) {
		int stale = 0;

		/* The report's folder (published/'s parent), where a report
		 * made with --hold keeps its set until a release task (rs-report
		 * --release) puts it in: a held set is not published. */
		size_t rl = strrchr(dirs[i], '/') ? (size_t)(strrchr(dirs[i], '/') - dirs[i]) : 0;
		struct stat hs;

		sbuf_reset(&sb);
		sbuf_addf(&sb, "%.*s/.held", (int)rl, dirs[i]);
		stale = rl && !lstat(sb.buf, &hs);
		/* Only the reports a failed, blocked or not run task writes
		 * (into the report's folder, a release task aside: it only
		 * swaps in what the report task made). */
		for (k = 0; k < pl->ntasks && !stale; k++) {
			const struct task *t = &pl->tasks[k];

			if (!t->selected || (t->st != T_FAILED &&
			    t->st != T_BLOCKED && t->st != T_NOTRUN &&
			    t->st != T_PENDING && t->st != T_RUNNING) ||
			    is_release(t))
				continue;
			for (j = 0; j < t->outputs.n && !stale; j++)
				stale = rl && !strncmp(t->outputs.v[j].path, dirs[i], rl) &&
					t->outputs.v[j].path[rl] == '/';
		}
		/* Whoever writes into a marked report runs next time, even
		 * where the files marked are not declared outputs: the report
		 * task too, so that its set is made and released anew. */
		for (k = 0; stale && k < pl->ntasks; k++)
			for (j = 0; j < pl->tasks[k].outputs.n; j++)
				if (!strncmp(pl->tasks[k].outputs.v[j].path,
					     dirs[i], rl) &&
				    pl->tasks[k].outputs.v[j].path[rl] == '/')
					state_forget(st, pl->tasks[k].name);
		if (stale && (d = opendir(dirs[i]))) {
			while ((e = readdir(d))) {
				if (e->d_name[0] == '.')
					continue;
				sbuf_reset(&sb);
				sbuf_addf(&sb, "%s/%s", dirs[i], e->d_name);
				if (ends_with(e->d_name, ".html"))
					mark_file(sb.buf, notice.buf, 1);
				else if (ends_with(e->d_name, ".txt"))
					mark_file(sb.buf, notice.buf, 0);
			}
			closedir(d);
		}
		free(dirs[i]);
	}
	free(dirs);
	sbuf_release(&notice);
	sbuf_release(&sb);
}
