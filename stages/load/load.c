/*
 * load.c - reads a run's output files and writes them through dbw.h.
 *
 * Each file is read with csvin (gzip or plain) and its columns are found
 * by header name, so a column added to a file later is ignored and a
 * column it lacks is loaded as NULL. Report tables are loaded
 * generically, whatever their layout: one row per cell (table, row key,
 * column, value, status), the row key being the leading label columns.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "catalog.h"
#include "csvin.h"
#include "load.h"
#include "money.h"
#include "sbuf.h"
#include "xalloc.h"

enum col_type { C_TEXT, C_INT, C_FEN };

struct col {
	const char *db;      /* column in the database */
	const char *csv;     /* header in the file */
	enum col_type t;
};

static const struct col records_cols[] = {
	{ "source", "source", C_TEXT }, { "line", "line", C_INT },
	{ "region_code", "region_code", C_TEXT }, { "program", "program", C_TEXT },
	{ "area", "area", C_TEXT }, { "period", "period", C_TEXT },
	{ "beneficiary", "beneficiary", C_TEXT },
	{ "household_size", "household_size", C_INT },
	{ "persons", "persons", C_INT }, { "amount_fen", "amount", C_FEN },
	{ "age", "age", C_INT }, { "sex", "sex", C_TEXT },
	{ "funding", "funding", C_TEXT }, { "support_mode", "support_mode", C_TEXT },
	{ "kind", "kind", C_TEXT }, { "covers", "covers", C_TEXT },
};
static const struct col rejects_cols[] = {
	{ "source", "source", C_TEXT }, { "line", "line", C_INT },
	{ "reason", "reason", C_TEXT }, { "field", "field", C_TEXT },
	{ "message", "message", C_TEXT }, { "raw", "raw", C_TEXT },
};
static const struct col leaves_cols[] = {
	{ "region_code", "region_code", C_TEXT }, { "program", "program", C_TEXT },
	{ "area", "area", C_TEXT }, { "period", "period", C_TEXT },
	{ "funding", "funding", C_TEXT }, { "support_mode", "support_mode", C_TEXT },
	{ "beneficiary", "beneficiary", C_TEXT }, { "sex", "sex", C_TEXT },
	{ "age", "age", C_INT }, { "payments", "payments", C_INT },
	{ "persons", "persons", C_INT }, { "amount_fen", "amount", C_FEN },
};
static const struct col measures_cols[] = {
	{ "region_level", "region_level", C_TEXT },
	{ "region_code", "region_code", C_TEXT }, { "program", "program", C_TEXT },
	{ "area", "area", C_TEXT }, { "period", "period", C_TEXT },
	{ "funding", "funding", C_TEXT }, { "support_mode", "support_mode", C_TEXT },
	{ "person_times", "person_times", C_INT },
	{ "household_times", "household_times", C_INT },
	{ "beneficiaries", "beneficiaries", C_INT },
	{ "stock_persons", "stock_persons", C_INT },
	{ "stock_households", "stock_households", C_INT },
	{ "amount_fen", "amount", C_FEN }, { "female", "female", C_INT },
	{ "elderly", "elderly", C_INT }, { "minors", "minors", C_INT },
	{ "new_households", "new_households", C_INT },
	{ "new_persons", "new_persons", C_INT },
	{ "exit_households", "exit_households", C_INT },
	{ "exit_persons", "exit_persons", C_INT },
};
static const struct col regions_cols[] = {
	{ "code", "code", C_TEXT }, { "name", "name", C_TEXT },
	{ "level", "level", C_TEXT }, { "parent_code", "parent_code", C_TEXT },
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define MAXCOLS 32
#define NFIXED 3     /* run, dataset and one constant (stage) at most */

/* One file being copied into one table. */
struct tabload {
	struct dbw *db;
	const char *path;
	const struct col *cols;
	size_t ncols;
	struct dbv fixed[NFIXED];
	size_t nfixed;
	int idx[MAXCOLS];    /* file column of each col, -1 absent */
	long rows;
};

static int strip_bom(const char **p)
{
	if (!strncmp(*p, "\xEF\xBB\xBF", 3)) {
		*p += 3;
		return 1;
	}
	return 0;
}

static int tab_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct tabload *t = ctx;
	struct dbv v[NFIXED + MAXCOLS];
	size_t i, j;

	if (row->bad_encoding || row->too_long || row->unterminated)
		return rs_err(err, "load: unreadable record in '%s' at %ld",
			      t->path, row->line);
	if (t->idx[0] == -2) {   /* the header */
		for (i = 0; i < t->ncols; i++) {
			t->idx[i] = -1;
			for (j = 0; j < row->n; j++) {
				const char *h = row->f[j].p;
				strip_bom(&h);
				if (!strcmp(h, t->cols[i].csv))
					t->idx[i] = (int)j;
			}
		}
		return 0;
	}
	memcpy(v, t->fixed, t->nfixed * sizeof(*v));
	for (i = 0; i < t->ncols; i++) {
		struct dbv *d = &v[t->nfixed + i];
		const struct csv_field *f;
		d->t = DBV_NULL;
		if (t->idx[i] < 0 || (size_t)t->idx[i] >= row->n)
			continue;
		f = &row->f[t->idx[i]];
		if (!f->len)
			continue;
		if (t->cols[i].t == C_TEXT) {
			d->t = DBV_TEXT;
			d->s = f->p;
			d->n = f->len;
		} else if (t->cols[i].t == C_INT ? parse_int64(f->p, &d->i)
			   : money_parse(f->p, f->len, MU_YUAN, &d->i) != MONEY_OK) {
			return rs_err(err, "load: '%s' is not %s in '%s' at %ld, "
				      "column '%s'", f->p,
				      t->cols[i].t == C_INT ? "a whole number"
				      : "an amount in yuan", t->path, row->line,
				      t->cols[i].csv);
		} else {
			d->t = DBV_INT;
		}
	}
	t->rows++;
	return dbw_copy_row(t->db, v, err);
}

static void fix_text(struct dbv *v, const char *s)
{
	v->t = DBV_TEXT;
	v->s = s;
	v->n = strlen(s);
}

static int file_exists(const char *path)
{
	struct stat sb;
	return !stat(path, &sb) && S_ISREG(sb.st_mode);
}

/*
 * Copies path into table: fixed columns first (fixed_names), then cols.
 * A missing file loads nothing and sets *rows to 0.
 */
static int load_table(struct dbw *db, const char *path, const char *table,
		      const char *const *fixed_names, const char *const *fixed,
		      size_t nfixed, const struct col *cols, size_t ncols,
		      long *rows, struct rs_error *err)
{
	struct tabload t;
	struct csvin_opts co;
	const char *names[NFIXED + MAXCOLS];
	size_t i;

	*rows = 0;
	if (!file_exists(path))
		return 0;
	memset(&t, 0, sizeof(t));
	memset(&co, 0, sizeof(co));
	co.encoding = RS_ENC_UTF8;
	t.db = db;
	t.path = path;
	t.cols = cols;
	t.ncols = ncols;
	t.nfixed = nfixed;
	t.idx[0] = -2;       /* header not seen yet */
	for (i = 0; i < nfixed; i++) {
		names[i] = fixed_names[i];
		fix_text(&t.fixed[i], fixed[i]);
	}
	for (i = 0; i < ncols; i++)
		names[nfixed + i] = cols[i].db;
	if (dbw_copy_begin(db, table, names, nfixed + ncols, err))
		return -1;
	if (csvin_read(path, &co, tab_row, &t, err)) {
		struct rs_error e2;
		dbw_copy_end(db, &e2);
		return -1;
	}
	*rows = t.rows;
	return dbw_copy_end(db, err);
}

/* ---- report tables, one row per cell ---- */

struct cellload {
	struct dbw *db;
	const char *path;
	struct dbv fixed[4];     /* run, dataset, tableset, report */
	char **header;
	size_t ncol;
	long row_no;
	long cells;
	struct sbuf key;
};

/* A cell a label column holds: text that is not a number nor a mark, or
 * empty (合计 leaves 城乡 empty). */
static int is_label(const char *s)
{
	int64_t fen;

	if (!*s)
		return 1;
	if (!strcmp(s, "*") || !strcmp(s, "—"))
		return 0;
	if (*s == '+')
		s++;
	return money_parse(s, strlen(s), MU_FEN, &fen) != MONEY_OK &&
	       money_parse(s, strlen(s), MU_YUAN, &fen) != MONEY_OK;
}

static int cell_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct cellload *c = ctx;
	struct dbv v[10];
	size_t i, nkey = 0;

	if (row->bad_encoding || row->too_long || row->unterminated)
		return rs_err(err, "load: unreadable record in '%s' at %ld",
			      c->path, row->line);
	if (!c->header) {
		c->header = xcalloc(row->n + 1, sizeof(*c->header));
		for (i = 0; i < row->n; i++) {
			const char *h = row->f[i].p;
			strip_bom(&h);
			c->header[i] = xstrdup(h);
		}
		c->ncol = row->n;
		return 0;
	}
	c->row_no++;
	/* The row key: the leading label cells (项目 and 城乡; 区县 and
	 * 乡镇), at least the first and never the whole row. */
	while (nkey < row->n && (nkey == 0 || is_label(row->f[nkey].p)))
		nkey++;
	if (nkey == row->n && row->n > 1)
		nkey = 1;
	sbuf_reset(&c->key);
	for (i = 0; i < nkey; i++) {
		if (i)
			sbuf_adds(&c->key, "/");
		sbuf_add(&c->key, row->f[i].p, row->f[i].len);
	}
	sbuf_addc(&c->key, '\0');
	for (i = nkey; i < row->n; i++) {
		const char *s = row->f[i].p;
		memcpy(v, c->fixed, sizeof(c->fixed));
		v[4].t = DBV_INT; v[4].i = c->row_no;
		fix_text(&v[5], c->key.buf);
		v[6].t = DBV_INT; v[6].i = (int64_t)i + 1;
		fix_text(&v[7], i < c->ncol ? c->header[i] : "");
		if (!strcmp(s, "*")) {
			v[8].t = DBV_NULL;
			fix_text(&v[9], "suppressed");
		} else if (!*s || !strcmp(s, "—") || !strcmp(s, "-")) {
			v[8].t = DBV_NULL;
			fix_text(&v[9], "not_applicable");
		} else {
			fix_text(&v[8], s);
			fix_text(&v[9], "published");
		}
		if (dbw_copy_row(c->db, v, err))
			return -1;
		c->cells++;
	}
	return 0;
}

static int load_cells(struct dbw *db, const char *path, const char *run,
		      const char *dataset, const char *tableset,
		      const char *report, long *cells, struct rs_error *err)
{
	static const char *const names[] = { "run", "dataset", "tableset",
		"report", "row_no", "row_key", "col_no", "col", "value",
		"status" };
	struct cellload c;
	struct csvin_opts co;
	size_t i;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	memset(&co, 0, sizeof(co));
	co.encoding = RS_ENC_UTF8;
	c.db = db;
	c.path = path;
	fix_text(&c.fixed[0], run);
	fix_text(&c.fixed[1], dataset);
	fix_text(&c.fixed[2], tableset);
	fix_text(&c.fixed[3], report);
	sbuf_init(&c.key, 1 << 20);
	if (dbw_copy_begin(db, "cells", names, 10, err))
		goto out;
	if (csvin_read(path, &co, cell_row, &c, err)) {
		struct rs_error e2;
		dbw_copy_end(db, &e2);
		goto out;
	}
	if (dbw_copy_end(db, err))
		goto out;
	*cells += c.cells;
	ret = 0;
out:
	for (i = 0; c.header && i < c.ncol; i++)
		free(c.header[i]);
	free(c.header);
	sbuf_release(&c.key);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.csv of dir/report/{internal,published}, in name order. */
static int load_reports(struct dbw *db, const char *dir, const char *run,
			const char *dataset, long *cells, struct rs_error *err)
{
	static const char *const sets[] = { "internal", "published" };
	char path[4096];
	size_t s;

	for (s = 0; s < 2; s++) {
		char **names = NULL;
		size_t n = 0, i;
		struct dirent *de;
		DIR *d;
		int rc = 0;

		snprintf(path, sizeof(path), "%s/report/%s", dir, sets[s]);
		if (!(d = opendir(path)))
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l > 4 && !strcmp(de->d_name + l - 4, ".csv")) {
				names = xreallocarray(names, n + 1, sizeof(*names));
				names[n++] = xstrdup(de->d_name);
			}
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp_str);
		for (i = 0; i < n; i++) {
			if (!rc) {
				char report[256];
				snprintf(path, sizeof(path), "%s/report/%s/%s",
					 dir, sets[s], names[i]);
				snprintf(report, sizeof(report), "%.*s",
					 (int)(strlen(names[i]) - 4), names[i]);
				rc = load_cells(db, path, run, dataset, sets[s],
						report, cells, err);
			}
			free(names[i]);
		}
		free(names);
		if (rc)
			return -1;
	}
	return 0;
}

/* ---- labels and ledger ---- */

static int load_programs(struct dbw *db, const struct load_opts *o,
			 struct rs_error *err)
{
	static const char *const names[] = { "code", "name", "parent" };
	struct catalog cat;
	struct dbv v[3];
	size_t i;
	int ret = -1;

	memset(&cat, 0, sizeof(cat));
	if (catalog_load(&cat, o->catalogs, o->ncatalogs, err))
		goto out;
	if (dbw_exec(db, "DELETE FROM programs", err) ||
	    dbw_copy_begin(db, "programs", names, 3, err))
		goto out;
	for (i = 0; i < cat.n; i++) {
		fix_text(&v[0], cat.p[i].code);
		fix_text(&v[1], cat.p[i].name_zh ? cat.p[i].name_zh : cat.p[i].code);
		if (cat.p[i].parent)
			fix_text(&v[2], cat.p[i].parent);
		else
			v[2].t = DBV_NULL;
		if (dbw_copy_row(db, v, err)) {
			struct rs_error e2;
			dbw_copy_end(db, &e2);
			goto out;
		}
	}
	ret = dbw_copy_end(db, err);
out:
	catalog_release(&cat);
	return ret;
}

static void json_text(struct dbv *v, json_t *o, const char *key)
{
	json_t *x = json_object_get(o, key);
	if (json_is_string(x))
		fix_text(v, json_string_value(x));
	else
		v->t = DBV_NULL;
}

/* Each line of the ledger is one JSON object; fields we do not know are
 * kept in entry, the line as written. */
static int load_ledger(struct dbw *db, const char *run, const char *path,
		       long *rows, struct rs_error *err)
{
	static const char *const names[] = { "run", "line_no", "stage",
		"start_at", "end_at", "exit_code", "entry" };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long ln = 0;
	FILE *f;
	int ret = -1, copying = 0;

	if (!(f = fopen(path, "r")))
		return rs_err(err, "load: cannot open ledger '%s': %m", path);
	if (dbw_exec_params(db, "DELETE FROM ledger WHERE run = ?", &run, 1, err) ||
	    dbw_copy_begin(db, "ledger", names, 7, err))
		goto out;
	copying = 1;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct dbv v[7];
		json_error_t je;
		json_t *o, *x;
		ln++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		o = json_loadb(line, (size_t)len, 0, &je);
		if (!json_is_object(o)) {
			json_decref(o);
			rs_err(err, "load: ledger '%s' at %ld:%d is not a JSON "
			       "object: %s", path, ln, je.column, je.text);
			goto out;
		}
		fix_text(&v[0], run);
		v[1].t = DBV_INT; v[1].i = ln;
		json_text(&v[2], o, "stage");
		json_text(&v[3], o, "start");
		json_text(&v[4], o, "end");
		x = json_object_get(o, "exit");
		if (json_is_integer(x)) {
			v[5].t = DBV_INT;
			v[5].i = json_integer_value(x);
		} else {
			v[5].t = DBV_NULL;
		}
		v[6].t = DBV_TEXT; v[6].s = line; v[6].n = (size_t)len;
		ret = dbw_copy_row(db, v, err);
		json_decref(o);
		if (ret)
			goto out;
		ret = -1;
		(*rows)++;
	}
	if (ferror(f)) {
		rs_err(err, "load: cannot read ledger '%s': %m", path);
		goto out;
	}
	copying = 0;
	ret = dbw_copy_end(db, err);
out:
	if (copying) {
		struct rs_error e2;
		dbw_copy_end(db, &e2);
	}
	free(line);
	fclose(f);
	return ret;
}

/* ---- one dataset ---- */

static const char *base_name(const char *dir, char *buf, size_t n)
{
	size_t l = strlen(dir);
	const char *b;

	while (l > 1 && dir[l - 1] == '/')
		l--;
	snprintf(buf, n, "%.*s", (int)l, dir);
	b = strrchr(buf, '/');
	return b ? b + 1 : buf;
}

static int load_dataset(struct dbw *db, const char *run, const char *dir,
			struct load_stats *st, struct rs_error *err)
{
	static const char *const tables[] = { "records", "rejects", "leaves",
		"measures", "cells" };
	static const char *const fn2[] = { "run", "dataset" };
	static const char *const fn3[] = { "run", "dataset", "stage" };
	const char *fixed[3];
	char buf[4096], path[4096], sql[128];
	long n;
	size_t i;
	struct stat sb;

	/* A folder named wrong would replace the dataset with nothing. */
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
		return rs_err(err, "load: '%s' is not a dataset folder (a source's "
			      "out/NAME/ or out/all/)", dir);
	fixed[0] = run;
	fixed[1] = base_name(dir, buf, sizeof(buf));
	for (i = 0; i < 5; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run = ? AND "
			 "dataset = ?", tables[i]);
		if (dbw_exec_params(db, sql, fixed, 2, err))
			return -1;
	}
#define LOAD(file, table, names, nf, cols, counter) \
	snprintf(path, sizeof(path), "%s/%s", dir, file); \
	if (load_table(db, path, table, names, fixed, nf, cols, NCOLS(cols), \
		       &n, err)) \
		return -1; \
	st->counter += n;
	LOAD("valid.csv.gz", "records", fn2, 2, records_cols, records);
	fixed[2] = "ingest";
	LOAD("ingest-rejects.csv.gz", "rejects", fn3, 3, rejects_cols, rejects);
	fixed[2] = "validate";
	LOAD("validate-rejects.csv.gz", "rejects", fn3, 3, rejects_cols, rejects);
	LOAD("agg.csv.gz", "leaves", fn2, 2, leaves_cols, leaves);
	LOAD("groups.csv.gz", "measures", fn2, 2, measures_cols, measures);
#undef LOAD
	return load_reports(db, dir, run, fixed[1], &st->cells, err);
}

int load_run(struct dbw *db, const struct load_opts *o,
	     struct load_stats *st, struct rs_error *err)
{
	struct rs_error e2;
	size_t i;
	long n;

	memset(st, 0, sizeof(*st));
	if (dbw_exec(db, "BEGIN", err))
		return -1;
	if (dbw_exec(db, load_schema(dbw_kind(db)), err))
		goto fail;
	for (i = 0; i < o->ndirs; i++)
		if (load_dataset(db, o->run, o->dirs[i], st, err))
			goto fail;
	if (o->ncatalogs && load_programs(db, o, err))
		goto fail;
	if (o->regions) {
		if (dbw_exec(db, "DELETE FROM regions", err) ||
		    load_table(db, o->regions, "regions", NULL, NULL, 0,
			       regions_cols, NCOLS(regions_cols), &n, err))
			goto fail;
	}
	if (o->ledger && load_ledger(db, o->run, o->ledger, &st->ledger, err))
		goto fail;
	if (dbw_exec(db, "COMMIT", err))
		goto fail;
	return 0;
fail:
	dbw_exec(db, "ROLLBACK", &e2);
	return -1;
}
