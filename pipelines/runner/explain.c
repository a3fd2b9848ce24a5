/*
 * explain.c - `reliefstat explain`: the records behind one published cell.
 *
 * A cell is named as a statistician names it: the source (the pipeline's
 * item name, e.g. erqi-2024), the table (its title or part of it, e.g.
 * 分地区汇总表), the row (its first cells, "二七区 / 马寨镇", or one of
 * them, 马寨镇) and the column (its header or part of it, 临时救助人次).
 * The cell is turned into a filter on the source's valid records without
 * knowing any table's layout: each row cell and the column header is read
 * as a region (a name in the regions file), a program (the longest catalog
 * name it starts with, with its sub-programs), an area (城市, 农村), a month
 * (5月) or a total (合计, 小计, 总计: no filter); what the header has left
 * after a program's name is the measure: 人次 (Σ persons), 户次 (number of
 * payments), 支出 (Σ amount, 万元), or a count of beneficiaries as SPEC.md
 * section 4 defines it and the aggregate stage computes it: 累计保障户数
 * (distinct households of programs paid per household), 累计保障人数 (over
 * the beneficiaries, the persons each stands for: the largest of its
 * month's payments, at least its 期末 persons; 1 for a program paid per
 * person), 期末保障人数/户数 (the period's last month, monthly programs:
 * Σ persons, distinct beneficiaries). The period is the --period of the
 * task that aggregates the source. A cell the table shows as "—" is not
 * applicable and is said so. The catalog and regions files are those the
 * source's validate task was given (--catalog, --regions).
 *
 * The cell's value is read from the internal table (a suppressed "*" of
 * the published one is explained from it, for whoever holds the outputs);
 * the listed records sum to it exactly or the command says they do not and
 * exits 1. The source's rejects that fall in the same cell are listed with
 * their reason: what was left out. A validate reject carries its record;
 * an ingest reject carries the export's raw row, read back through the
 * columns ingest.json names and the mapping's labels; one whose region,
 * program, area or month cannot be read where the cell needs it is
 * counted as not placed, by reason.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

#include "canon.h"
#include "catalog.h"
#include "csvin.h"
#include "fileio.h"
#include "../../stages/ingest/mapping.h"
#include "../../stages/report/rjwords.h"
#include "money.h"
#include "norm.h"
#include "period.h"
#include "regions.h"
#include "runner.h"
#include "xalloc.h"

enum measure { M_NONE, M_PT, M_HT, M_AMT, M_BEN, M_CUM_P, M_CUM_H,
	       M_STOCK_P, M_STOCK_H, M_AVG };

struct filter {
	char region[13];         /* code prefix, "" for any */
	const struct program *prog;
	const char *area;        /* "urban", "rural" or NULL */
	int month;               /* 1-12, 0 for any */
	enum measure m;
};

struct xrow {
	const char *f[16];       /* the valid.csv columns explain uses */
};

/* Columns of valid.csv (and of a validate reject's raw text) by name. */
static const char *const cols[] = {
	"source", "line", "region_code", "program", "area", "period",
	"beneficiary", "persons", "amount", NULL
};
enum { C_SOURCE, C_LINE, C_REGION, C_PROGRAM, C_AREA, C_PERIOD, C_BEN,
       C_PERSONS, C_AMOUNT, C_N };

struct ben {
	char *id;
	int64_t persons;         /* the largest persons of one payment */
};

/* One matched record, for the counts of beneficiaries. */
struct mrec {
	char *ben;
	const struct program *prog;
	char area[8];
	int ym;                  /* year * 12 + month - 1, -1 unknown */
	int64_t persons;
};

struct ctx {
	const struct pipeline *pl;
	const struct catalog *cat;
	const struct regions *reg;
	struct filter flt;
	long idx[C_N];           /* column index in the header */
	int64_t persons, count, fen;
	struct ben *bens;
	size_t nbens;
	struct mrec *recs;
	size_t nrecs;
	json_t *stands;          /* 累计保障人数: what each beneficiary counts */
	int last_ym;             /* the period's last month, -1 unknown */
	json_t *records, *rejects;
	int header_done, rejects_file;
	const char *path;
	/* ingest rejects: the mapping, where ingest read each field
	 * (ingest.json), and those that could not be placed, by reason */
	const struct mapping *map;
	long header_fields, icol[F__COUNT];
	long unplaced[RJ__COUNT + 1];
	int ingest_header_done;
};

static int is_total(const char *s)
{
	return !strcmp(s, "合计") || !strcmp(s, "小计") || !strcmp(s, "总计") ||
	       !*s;
}

/* The catalog program whose name s starts with, longest first; *rest is
 * what follows. */
static const struct program *prog_prefix(const struct catalog *c,
					 const char *s, const char **rest)
{
	const struct program *best = NULL;
	size_t i, n, bn = 0;

	for (i = 0; i < c->n; i++) {
		if (!c->p[i].name_zh)
			continue;
		n = strlen(c->p[i].name_zh);
		if (n > bn && !strncmp(s, c->p[i].name_zh, n)) {
			best = &c->p[i];
			bn = n;
		}
	}
	*rest = s + bn;
	return best;
}

static enum measure measure_of(const char *s)
{
	if (strstr(s, "月人均补助水平") || strstr(s, "平均救助水平"))
		return M_AVG;
	if (strstr(s, "期末保障人数"))
		return M_STOCK_P;
	if (strstr(s, "期末保障户数"))
		return M_STOCK_H;
	if (strstr(s, "累计保障人数"))
		return M_CUM_P;
	if (strstr(s, "累计保障户数"))
		return M_CUM_H;
	if (strstr(s, "人次"))
		return M_PT;
	if (strstr(s, "户次"))
		return M_HT;
	if (strstr(s, "支出"))
		return M_AMT;
	if (strstr(s, "保障人数") || strstr(s, "保障户数"))
		return M_BEN;
	return M_NONE;
}

/* Reads one row cell into the filter. */
static int key_part(struct ctx *x, const char *s, struct rs_error *err)
{
	const char *rest;
	const struct program *p;
	size_t i;
	int mon;
	char tail[8];

	if (is_total(s))
		return 0;
	if (!strcmp(s, "城市") || !strcmp(s, "城镇")) {
		x->flt.area = "urban";
		return 0;
	}
	if (!strcmp(s, "农村")) {
		x->flt.area = "rural";
		return 0;
	}
	if (sscanf(s, "%d%7s", &mon, tail) == 2 && !strcmp(tail, "月") &&
	    mon >= 1 && mon <= 12) {
		x->flt.month = mon;
		return 0;
	}
	p = prog_prefix(x->cat, s, &rest);
	if (p && !*rest) {
		x->flt.prog = p;
		return 0;
	}
	/* A region: the first of that name within the prefix so far. */
	for (i = 0; i < x->reg->n; i++) {
		const struct region *r = &x->reg->r[i];
		size_t d = (size_t)region_level_digits(r->level);

		if (strcmp(r->name, s) ||
		    strncmp(r->code, x->flt.region, strlen(x->flt.region)))
			continue;
		memcpy(x->flt.region, r->code, d);
		x->flt.region[d] = '\0';
		return 0;
	}
	return rs_err(err, "row '%s' is not a region of the regions file, a "
		      "program of the catalog, 城市/农村, a month (5月) or a "
		      "total: explain cannot trace it", s);
}

static int in_program(const struct catalog *c, const char *code,
		      const struct program *want)
{
	const struct program *p = catalog_find(c, code);
	int depth;

	for (depth = 0; p && depth < 16; depth++) {
		if (p == want)
			return 1;
		p = p->parent ? catalog_find(c, p->parent) : NULL;
	}
	return 0;
}

static int matches(const struct ctx *x, const char *const *f)
{
	const struct filter *q = &x->flt;
	size_t n = strlen(f[C_PERIOD]);

	if (*q->region && strncmp(f[C_REGION], q->region, strlen(q->region)))
		return 0;
	if (q->prog && !in_program(x->cat, f[C_PROGRAM], q->prog))
		return 0;
	if (q->area && strcmp(f[C_AREA], q->area))
		return 0;
	if (q->month && (n < 2 || strtol(f[C_PERIOD] + n - 2, NULL, 10) !=
			 q->month))
		return 0;
	/* 期末 counts monthly programs only: a one-off payment (临时救助)
	 * of the last month is no part of it (a program the catalog does
	 * not know may be either, and is kept) */
	if (q->m == M_STOCK_P || q->m == M_STOCK_H) {
		const struct program *p = catalog_find(x->cat, f[C_PROGRAM]);

		if (p && p->recurrence != REC_MONTHLY)
			return 0;
	}
	return 1;
}

static void count_ben(struct ctx *x, const char *id, int64_t persons)
{
	size_t i;

	for (i = 0; i < x->nbens; i++)
		if (!strcmp(x->bens[i].id, id)) {
			if (persons > x->bens[i].persons)
				x->bens[i].persons = persons;
			return;
		}
	x->bens = xreallocarray(x->bens, x->nbens + 1, sizeof(*x->bens));
	x->bens[x->nbens].id = xstrdup(id);
	x->bens[x->nbens++].persons = persons;
}

/* Maps the header's names to cols[]; fails naming a missing column. */
static int take_header(struct ctx *x, const struct csv_row *row,
		       struct rs_error *err)
{
	size_t i, j;

	for (i = 0; i < C_N; i++) {
		x->idx[i] = -1;
		for (j = 0; j < row->n; j++)
			if (!strcmp(row->f[j].p, cols[i]))
				x->idx[i] = (long)j;
		if (x->idx[i] < 0)
			return rs_err(err, "'%s':1: no column '%s' in the "
				      "valid records", x->path, cols[i]);
	}
	x->header_done = 1;
	return 0;
}

static int on_valid(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct ctx *x = ctx;
	const struct program *p;
	const char *f[C_N];
	int64_t persons = 0, fen = 0;
	size_t i;

	if (!x->header_done)
		return take_header(x, row, err);
	for (i = 0; i < C_N; i++)
		f[i] = (size_t)x->idx[i] < row->n ? row->f[x->idx[i]].p : "";
	if (!matches(x, f))
		return 0;
	if (parse_int64(f[C_PERSONS], &persons) ||
	    money_parse(f[C_AMOUNT], strlen(f[C_AMOUNT]), MU_YUAN, &fen))
		return rs_err(err, "'%s':%ld: persons '%s' or amount '%s' is "
			      "not a number", x->path, row->line, f[C_PERSONS],
			      f[C_AMOUNT]);
	x->persons += persons;
	x->count++;
	x->fen += fen;
	count_ben(x, f[C_BEN], persons);
	p = catalog_find(x->cat, f[C_PROGRAM]);
	{
		struct mrec *m;
		char *end;
		long y = strtol(f[C_PERIOD], &end, 10), mo;

		x->recs = xreallocarray(x->recs, x->nrecs + 1, sizeof(*x->recs));
		m = &x->recs[x->nrecs++];
		m->ben = xstrdup(f[C_BEN]);
		m->prog = p;
		snprintf(m->area, sizeof(m->area), "%s", f[C_AREA]);
		m->persons = persons;
		mo = *end == '-' ? strtol(end + 1, NULL, 10) : 0;
		m->ym = mo >= 1 && mo <= 12 ? (int)(y * 12 + mo - 1) : -1;
	}
	json_array_append_new(x->records, json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "source", f[C_SOURCE],
		"line", f[C_LINE], "beneficiary", f[C_BEN], "program",
		f[C_PROGRAM], "program_name", p && p->name_zh ? p->name_zh :
		f[C_PROGRAM], "month", f[C_PERIOD], "persons",
		(json_int_t)persons, "amount", f[C_AMOUNT]));
	return 0;
}

/* libcsv's callbacks for a reject's raw text: its fields, in order. */
struct rawrec {
	char **f;
	size_t n;
};

static void raw_field(void *s, size_t len, void *data)
{
	struct rawrec *r = data;

	r->f = xreallocarray(r->f, r->n + 1, sizeof(*r->f));
	r->f[r->n++] = xstrndup(s ? s : "", s ? len : 0);
}

static int on_reject(const struct csv_row *row, void *ctx,
		     struct rs_error *err)
{
	struct ctx *x = ctx;
	struct csv_parser p;
	struct rawrec r = { NULL, 0 };
	const char *f[C_N];
	size_t i;

	(void)err;
	if (!x->rejects_file) {
		x->rejects_file = 1;   /* the header: source,line,reason,... */
		return 0;
	}
	if (row->n < 6 || csv_init(&p, CSV_APPEND_NULL))
		return 0;
	csv_parse(&p, row->f[5].p, row->f[5].len, raw_field, NULL, &r);
	csv_fini(&p, raw_field, NULL, &r);
	csv_free(&p);
	for (i = 0; i < C_N; i++)
		f[i] = (size_t)x->idx[i] < r.n ? r.f[x->idx[i]] : "";
	if (r.n > (size_t)x->idx[C_AMOUNT] && matches(x, f))
		json_array_append_new(x->rejects, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "stage", "validate",
			"source", row->f[0].p, "line", row->f[1].p, "reason",
			row->f[2].p, "field", row->f[3].p, "message", row->f[4].p, "beneficiary",
			f[C_BEN], "persons", f[C_PERSONS], "amount",
			f[C_AMOUNT]));
	for (i = 0; i < r.n; i++)
		free(r.f[i]);
	free(r.f);
	return 0;
}

/* One field of an ingest reject's raw row, width-folded, or "" when the
 * mapping names no such column. */
static void raw_field_text(const struct ctx *x, const struct rawrec *r,
			   int f, struct sbuf *out)
{
	sbuf_reset(out);
	if (x->icol[f] >= 0 && (size_t)x->icol[f] < r->n)
		norm_width(r->f[x->icol[f]], strlen(r->f[x->icol[f]]), out);
	sbuf_addc(out, '\0');
	out->len--;
}

/*
 * An ingest reject: its raw row read back as ingest read it (the columns
 * of ingest.json, the mapping's program and area labels, its date forms),
 * placed in the cell or not. The caller's filter decides which fields must
 * be readable: a row whose needed field is not is counted as not placed.
 */
static int on_ingest_reject(const struct csv_row *row, void *ctx,
			    struct rs_error *err)
{
	struct ctx *x = ctx;
	const struct filter *q = &x->flt;
	struct csv_parser p;
	struct rawrec r = { NULL, 0 };
	struct sbuf t, lab;
	const struct program *prog = NULL;
	const char *f[C_N], *area = NULL;
	char region[13] = "", ym_text[8] = "";
	int ym = -1, placed = 1;
	size_t i;

	(void)err;
	if (!x->ingest_header_done) {
		x->ingest_header_done = 1;
		return 0;
	}
	if (row->n < 6 || csv_init(&p, CSV_APPEND_NULL))
		return 0;
	csv_parse(&p, row->f[5].p, row->f[5].len, raw_field, NULL, &r);
	csv_fini(&p, raw_field, NULL, &r);
	csv_free(&p);
	sbuf_init(&t, 0);
	sbuf_init(&lab, 0);
	if ((long)r.n != x->header_fields) {
		placed = 0;       /* fields shifted: none can be trusted */
		goto done;
	}
	raw_field_text(x, &r, F_REGION, &t);
	if (t.len == 12 && strspn(t.buf, "0123456789") == 12)
		memcpy(region, t.buf, 13);
	raw_field_text(x, &r, F_PROGRAM, &t);
	if (t.len && !norm_label(t.buf, t.len, &lab, err) && lab.buf)
		prog = mapping_program(x->map, x->cat, lab.buf);
	area = prog && prog->area ? prog->area : NULL;
	if (!area) {
		raw_field_text(x, &r, F_AREA, &t);
		sbuf_reset(&lab);
		if (t.len && !norm_label(t.buf, t.len, &lab, err) && lab.buf)
			area = mapping_area(x->map, lab.buf);
	}
	raw_field_text(x, &r, F_PERIOD, &t);
	if (t.len && (ym = month_parse_opt(t.buf, t.len, x->map->date_flags)) >= 0)
		month_fmt(ym, ym_text);
	if ((*q->region && !*region) || (q->prog && !prog) ||
	    (q->area && !area) || (q->month && ym < 0)) {
		placed = 0;
		goto done;
	}
	for (i = 0; i < C_N; i++)
		f[i] = "";
	f[C_REGION] = region;
	f[C_PROGRAM] = prog ? prog->code : "";
	f[C_AREA] = area ? area : "";
	f[C_PERIOD] = ym_text;
	if (matches(x, f)) {
		struct sbuf ben, pers, amt;

		sbuf_init(&ben, 0);
		sbuf_init(&pers, 0);
		sbuf_init(&amt, 0);
		raw_field_text(x, &r, F_ID, &ben);
		raw_field_text(x, &r, F_PERSONS, &pers);
		raw_field_text(x, &r, F_AMOUNT, &amt);
		json_array_append_new(x->rejects, json_pack(
			"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "stage", "ingest",
			"source", row->f[0].p, "line", row->f[1].p, "reason",
			row->f[2].p, "field", row->f[3].p, "message", row->f[4].p, "beneficiary",
			ben.buf ? ben.buf : "", "persons", pers.buf ? pers.buf : "",
			"amount", amt.buf ? amt.buf : ""));
		sbuf_release(&ben);
		sbuf_release(&pers);
		sbuf_release(&amt);
	}
done:
	if (!placed) {
		int rc = reject_code_lookup(row->f[2].p, row->f[2].len);

		x->unplaced[rc < 0 ? RJ__COUNT : rc]++;   /* last: 其他原因 */
	}
	sbuf_release(&t);
	sbuf_release(&lab);
	for (i = 0; i < r.n; i++)
		free(r.f[i]);
	free(r.f);
	return 0;
}

/* Reads where ingest took each field from its summary. Returns 0, or -1
 * when the summary is not there or predates the columns (ingest's rejects
 * are then left out, and said so). */
static int ingest_columns(struct ctx *x, const char *summary)
{
	json_t *j = summary ? json_load_file(summary, 0, NULL) : NULL;
	json_t *cols = j ? json_object_get(j, "columns") : NULL;
	int f;

	if (!json_is_object(cols)) {
		json_decref(j);
		return -1;
	}
	x->header_fields = (long)json_integer_value(json_object_get(j, "header_fields"));
	for (f = 0; f < F__COUNT; f++) {
		json_t *v = json_object_get(cols, field_names[f]);

		x->icol[f] = json_is_integer(v) ? (long)json_integer_value(v) : -1;
	}
	json_decref(j);
	return 0;
}

/* ---- finding the source's files ---- */

struct srcfiles {
	char *valid, *rejects, *regions, *internal, *published;
	const char *mapping, *ingest_rejects, *ingest_summary;
	char **catalogs;
	size_t ncat;
	const char *period;      /* --period of the task reading valid */
};

static void srcfiles_release(struct srcfiles *s)
{
	free(s->valid);
	free(s->rejects);
	free(s->regions);
	free(s->internal);
	free(s->published);
	free(s->catalogs);
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

static int find_source(const struct pipeline *pl, const char *source,
		       struct srcfiles *sf, struct rs_error *err)
{
	struct sbuf dir, names;
	const struct task *t, *vt = NULL;
	const char *p, *base;
	size_t k, i;

	memset(sf, 0, sizeof(*sf));
	sbuf_init(&dir, 0);
	sbuf_init(&names, 0);
	sbuf_addf(&dir, "%s/%s", pl->outdir, source);
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[k];
		for (i = 0; i < t->outputs.n; i++) {
			p = t->outputs.v[i].path;
			base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
			if (!strcmp(base, "valid.csv.gz") && !under(p, dir.buf) &&
			    !strstr(names.buf ? names.buf : "", p)) {
				sbuf_addf(&names, "%s'%.*s'", names.len ? ", " :
					  "", (int)(base - p - 1 -
					  strlen(pl->outdir) - 1),
					  p + strlen(pl->outdir) + 1);
			}
			if (!under(p, dir.buf))
				continue;
			if (!strcmp(base, "valid.csv.gz")) {
				vt = t;
				free(sf->valid);
				sf->valid = xstrdup(p);
			}
			if (strstr(p, "/internal/") && !sf->internal) {
				sf->internal = xstrndup(p, (size_t)(base - p - 1));
				const char *in = strstr(sf->internal,
							"/internal");
				struct sbuf pb;

				sbuf_init(&pb, 0);
				sbuf_add(&pb, sf->internal,
					 (size_t)(in - sf->internal));
				sbuf_addf(&pb, "/published%s", in + 9);
				sf->published = sbuf_detach(&pb, NULL);
			}
		}
	}
	if (!vt && sf->internal && names.len) {
		/* a report of no source's own: the merged tables (all) */
		const char *q = strchr(names.buf + 1, '\'');

		rs_err(err, "'%s' is a merged report, not a source: explain lists "
		       "the records of one source; ask each source in turn with "
		       "the same --table, --row and --column (sources: %s), e.g. "
		       "--source %.*s: a year's merged 人次, 户次 and 支出 are the "
		       "sum of that year's sources'", source, names.buf,
		       q ? (int)(q - names.buf - 1) : 0, names.buf + 1);
		goto fail;
	}
	if (!vt) {
		rs_err(err, "no source '%s' in '%s' (no task writes '%s/"
		       "valid.csv.gz'); sources: %s", source, pl->path, dir.buf,
		       names.len ? names.buf : "none");
		goto fail;
	}
	for (i = 0; i + 1 < vt->argc; i++) {
		const char *a = vt->argv[i], *v = vt->argv[i + 1];

		if (!strcmp(a, "--catalog")) {
			sf->catalogs = xreallocarray(sf->catalogs, sf->ncat + 1,
						     sizeof(*sf->catalogs));
			sf->catalogs[sf->ncat++] = vt->argv[i + 1];
		} else if (!strcmp(a, "--regions")) {
			free(sf->regions);
			sf->regions = xstrdup(v);
		} else if (!strcmp(a, "--rejects")) {
			free(sf->rejects);
			sf->rejects = xstrdup(v);
		}
	}
	/* the ingest task: a --mapping, and outputs under the source's dir */
	for (k = 0; k < pl->ntasks && !sf->mapping; k++) {
		const char *m = NULL, *rj = NULL, *sm = NULL;
		int mine = 0;

		t = &pl->tasks[k];
		for (i = 0; i < t->outputs.n; i++)
			mine |= under(t->outputs.v[i].path, dir.buf);
		for (i = 0; mine && i + 1 < t->argc; i++) {
			const char *a = t->argv[i];

			if (!strcmp(a, "--mapping") || !strcmp(a, "-m"))
				m = t->argv[i + 1];
			else if (!strcmp(a, "--rejects") || !strcmp(a, "-r"))
				rj = t->argv[i + 1];
			else if (!strcmp(a, "--summary") || !strcmp(a, "-s"))
				sm = t->argv[i + 1];
		}
		if (m) {
			sf->mapping = m;
			sf->ingest_rejects = rj;
			sf->ingest_summary = sm;
		}
	}
	for (k = 0; k < pl->ntasks && !sf->period; k++) {
		int reads = 0;

		t = &pl->tasks[k];
		for (i = 0; i < t->argc; i++)
			reads |= !strcmp(t->argv[i], sf->valid);
		for (i = 0; reads && i + 1 < t->argc; i++)
			if (!strcmp(t->argv[i], "--period"))
				sf->period = t->argv[i + 1];
	}
	if (!sf->regions || !sf->internal) {
		rs_err(err, "'%s': task '%s' has no --regions, or no report "
		       "writes an internal/ table under '%s'", pl->path,
		       vt->name, dir.buf);
		goto fail;
	}
	sbuf_release(&dir);
	sbuf_release(&names);
	return 0;
fail:
	sbuf_release(&dir);
	sbuf_release(&names);
	return -1;
}

/* ---- the table, row and column ---- */

/* The first heading of the .md beside a table's CSV, or NULL. */
static char *title_of(const char *csv)
{
	size_t n = strlen(csv), len;
	char *md = xstrdup(csv), *buf, *p, *nl, *t = NULL;
	struct rs_error err;

	memcpy(md + n - 3, "md", 3);
	if (!rs_read_file(md, (size_t)16 << 20, &buf, &len, &err)) {
		p = buf;
		while (*p == '#')
			p++;
		while (*p == ' ')
			p++;
		nl = strchr(p, '\n');
		if (p != buf && nl && nl != p)
			t = xstrndup(p, (size_t)(nl - p));
		free(buf);
	}
	free(md);
	return t;
}

/* Finds the table named want in dir: a CSV whose title or file name is
 * want, else the only one whose title holds it. */
static char *find_table(const char *dir, const char *want, char **title,
			struct rs_error *err)
{
	struct sbuf sb, all;
	struct dirent *e;
	char *found = NULL, *t, *exact = NULL;
	size_t n, hits = 0;
	DIR *d = opendir(dir);

	*title = NULL;
	if (!d) {
		rs_err(err, "cannot read '%s': %s (has the pipeline run?)", dir,
		       strerror(errno));
		return NULL;
	}
	sbuf_init(&sb, 0);
	sbuf_init(&all, 0);
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n < 5 ||
		    strcmp(e->d_name + n - 4, ".csv"))
			continue;
		sbuf_reset(&sb);
		sbuf_addf(&sb, "%s/%s", dir, e->d_name);
		t = title_of(sb.buf);
		sbuf_addf(&all, "%s%s", all.len ? ", " : "",
			  t ? t : e->d_name);
		if ((t && !strcmp(t, want)) || !strcmp(e->d_name, want) ||
		    (!strncmp(e->d_name, want, n - 4) && !want[n - 4])) {
			free(exact);
			exact = xstrdup(sb.buf);
			free(*title);
			*title = xstrdup(t ? t : e->d_name);
		} else if (t && strstr(t, want)) {
			hits++;
			free(found);
			found = xstrdup(sb.buf);
			if (!exact) {
				free(*title);
				*title = xstrdup(t);
			}
		}
		free(t);
	}
	closedir(d);
	if (exact) {
		free(found);
		found = exact;
	} else if (hits != 1) {
		rs_err(err, "%s table '%s' in '%s'; the tables are: %s",
		       hits ? "more than one" : "no", want, dir, all.buf ?
		       all.buf : "none");
		free(found);
		free(*title);
		*title = NULL;
		found = NULL;
	}
	sbuf_release(&sb);
	sbuf_release(&all);
	return found;
}

static long find_column(const struct ptable *t, const char *want,
			struct rs_error *err)
{
	size_t j, hits = 0;
	long got = -1;

	int pass;

	/* Exactly; without its unit, 支出 for 支出（万元）; by its start;
	 * by any part: the first pass with one match wins. */
	for (pass = 0; pass < 4; pass++) {
		hits = 0;
		for (j = 0; j < t->ncol[0]; j++) {
			const char *h = t->rows[0][j], *u = strstr(h, "（");
			size_t n = strlen(want);

			if (pass == 0 ? !strcmp(h, want) :
			    pass == 1 ? u && (size_t)(u - h) == n &&
					!strncmp(h, want, n) :
			    pass == 2 ? !strncmp(h, want, n) :
			    !!strstr(h, want)) {
				hits++;
				got = (long)j;
			}
		}
		if (hits == 1)
			return got;
		if (hits > 1)
			break;
	}
	rs_err(err, "%s column '%s'; the columns are: ", hits ? "more than one" :
	       "no", want);
	for (j = 0; j < t->ncol[0]; j++) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, "%s%s",
			 j ? ", " : "", t->rows[0][j]);
	}
	return -1;
}

/* want with every '/' between cells written as the tables' " / " (a
 * user types 高龄津贴/农村 as often as 高龄津贴 / 农村). */
static char *row_key_norm(const char *want)
{
	struct sbuf sb;
	const char *p = want, *slash;

	sbuf_init(&sb, 0);
	for (;;) {
		const char *a = p, *b;

		slash = strchr(p, '/');
		b = slash ? slash : p + strlen(p);
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		sbuf_add(&sb, a, (size_t)(b - a));
		if (!slash)
			break;
		sbuf_adds(&sb, " / ");
		p = slash + 1;
	}
	return sbuf_detach(&sb, NULL);
}

/* want's cells (" / " between them) with each one the catalog knows by
 * a name or an alias (城市低保) written as the tables name it (城市最低生活保障);
 * NULL when the catalog knows none, or there is no catalog. */
static char *catalog_names(const struct catalog *cat, const char *norm)
{
	struct sbuf sb, lab;
	struct rs_error err;
	const char *p = norm, *e;
	int any = 0;

	if (!cat)
		return NULL;
	sbuf_init(&sb, 0);
	sbuf_init(&lab, 0);
	for (;;) {
		const struct program *pr = NULL;

		e = strstr(p, " / ");
		if (!e)
			e = p + strlen(p);
		sbuf_reset(&lab);
		if (!norm_label(p, (size_t)(e - p), &lab, &err) && lab.buf)
			pr = catalog_lookup_label(cat, lab.buf);
		if (pr && pr->name_zh) {
			sbuf_adds(&sb, pr->name_zh);
			any |= strncmp(p, pr->name_zh, (size_t)(e - p)) ||
			       strlen(pr->name_zh) != (size_t)(e - p);
		} else {
			sbuf_add(&sb, p, (size_t)(e - p));
		}
		if (!*e)
			break;
		sbuf_adds(&sb, " / ");
		p = e + 3;
	}
	sbuf_release(&lab);
	if (!any) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

/* How far row i of t is from what was asked (norm, and alt: the catalog's
 * names for it, or NULL): the nearest of its key and each of its first k
 * cells, in characters; 1 for a cell that holds norm. */
static size_t row_distance(const struct ptable *t, size_t i, size_t k,
			   const char *key, const char *norm, const char *alt)
{
	size_t j, d = norm_distance(norm, key), e;

	if (alt && (e = norm_distance(alt, key)) < d)
		d = e;
	for (j = 0; j < k && j < t->ncol[i]; j++) {
		if ((e = norm_distance(norm, t->rows[i][j])) < d)
			d = e;
		/* 淮河路 for 淮河路街道: a cell holding what was asked is near */
		if (d > 1 && strlen(norm) >= 3 && strstr(t->rows[i][j], norm))
			d = 1;
		if (alt && (e = norm_distance(alt, t->rows[i][j])) < d)
			d = e;
	}
	return d;
}

#define NEAR_ROWS 4

/*
 * The message for a row label that names no row: the rows nearest to it
 * (by the table's cells, and by the catalog's names when it is a
 * program's alias), as "did you mean" when near (a third of its
 * characters, at least one), else as the nearest there are.
 */
static void no_row(const struct ptable *t, size_t k, const char *want,
		   const char *norm, const struct catalog *cat,
		   struct rs_error *err)
{
	char *alt = catalog_names(cat, norm), *key;
	size_t i, n = 0, best = (size_t)-1, d, limit;
	size_t pick[NEAR_ROWS], pd[NEAR_ROWS];
	unsigned cp[NORM_DISTANCE_MAX];
	struct sbuf sb;

	limit = norm_codepoints(norm, cp, NORM_DISTANCE_MAX) / 3;
	if (limit < 1)
		limit = 1;
	/* the NEAR_ROWS nearest rows, in table order among equals */
	for (i = 1; i < t->n; i++) {
		size_t at;

		if (!t->ncol[i])
			continue;
		key = ptable_row_key(t, i, k);
		d = *key ? row_distance(t, i, k, key, norm, alt) : (size_t)-1;
		free(key);
		if (d == (size_t)-1 || (n == NEAR_ROWS && d >= pd[n - 1]))
			continue;
		for (at = n < NEAR_ROWS ? n : NEAR_ROWS - 1; at > 0 && pd[at - 1] > d; at--) {
			pick[at] = pick[at - 1];
			pd[at] = pd[at - 1];
		}
		pick[at] = i;
		pd[at] = d;
		if (n < NEAR_ROWS)
			n++;
	}
	if (n)
		best = pd[0];
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "no row '%s'", want);
	/* the nearest only, when some are near: others would only distract */
	for (i = 0; i < n; i++) {
		if (best <= limit && pd[i] > best)
			break;
		key = ptable_row_key(t, pick[i], k);
		sbuf_addf(&sb, "%s'%s'", i == 0 ? (best <= limit ? "; did you mean " :
			  "; the nearest rows are ") : ", ", key);
		free(key);
	}
	if (n && best <= limit)
		sbuf_addc(&sb, '?');
	sbuf_adds(&sb, " (name a row by its first cells, as the table prints them)");
	rs_err(err, "%s", sb.buf);
	sbuf_release(&sb);
	free(alt);
}

/* The line of t whose row key (its first k cells) or one first cell is
 * want; -1 with err naming the nearest rows (cat, when not NULL, reads a
 * program's alias as its name) or the rows want fits more than once. */
static long find_line(const struct ptable *t, size_t k, const char *want,
		      const struct catalog *cat, struct rs_error *err)
{
	size_t i, j, hits = 0;
	long got = -1;
	char *key, *norm = row_key_norm(want);
	struct sbuf sb;

	for (i = 1; i < t->n; i++) {
		key = ptable_row_key(t, i, k);
		if (!strcmp(key, want) || !strcmp(key, norm)) {
			free(key);
			free(norm);
			return (long)i;
		}
		free(key);
	}
	for (i = 1; i < t->n; i++)
		for (j = 0; j < k && j < t->ncol[i]; j++)
			if (!strcmp(t->rows[i][j], want)) {
				hits++;
				got = (long)i;
				break;
			}
	if (hits == 1) {
		free(norm);
		return got;
	}
	if (!hits) {
		no_row(t, k, want, norm, cat, err);
		free(norm);
		return -1;
	}
	free(norm);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "more than one row '%s'; name one by its first cells: ", want);
	for (i = 1, hits = 0; i < t->n; i++)
		for (j = 0; j < k && j < t->ncol[i]; j++)
			if (!strcmp(t->rows[i][j], want)) {
				key = ptable_row_key(t, i, k);
				sbuf_addf(&sb, "%s'%s'", hits++ ? ", " : "", key);
				free(key);
				break;
			}
	rs_err(err, "%s", sb.buf);
	sbuf_release(&sb);
	return -1;
}

/* ---- the command ---- */

static int mrec_cmp(const void *a, const void *b)
{
	const struct mrec *x = a, *y = b;
	int c = strcmp(x->ben, y->ben);

	if (c)
		return c;
	if (x->prog != y->prog)
		return x->prog < y->prog ? -1 : 1;
	if ((c = strcmp(x->area, y->area)))
		return c;
	return (x->ym > y->ym) - (x->ym < y->ym);
}

/* 0 per person, 1 per household, 2 either (临时救助): as rs-aggregate. */
static int grain_of(const struct program *p)
{
	if (!p || !p->grain)
		return 0;
	if (!strcmp(p->grain, "household"))
		return 1;
	return !strncmp(p->grain, "household", 9) ? 2 : 0;
}

/*
 * The counts of beneficiaries over the matched records, as rs-aggregate
 * makes them (stages/aggregate/groups.c): a beneficiary's payments of one
 * program, area and month are one leaf; a beneficiary stands for the
 * persons of its largest leaf (1 when paid per person), and at least for
 * the persons of its leaves in the period's last month.
 */
static int64_t ben_counts(struct ctx *x, enum measure m)
{
	int64_t cum_p = 0, cum_h = 0, stock_p = 0, stock_h = 0;
	size_t i = 0, j;

	/* No records (a cell of none): no qsort of a null array (UBSan). */
	if (x->nrecs)
		qsort(x->recs, x->nrecs, sizeof(*x->recs), mrec_cmp);
	while (i < x->nrecs) {
		int64_t max = 0, stock = 0;
		int hh = 0, in_stock = 0;

		for (j = i; j < x->nrecs && !strcmp(x->recs[j].ben, x->recs[i].ben); ) {
			const struct mrec *r = &x->recs[j];
			int64_t leaf = 0, stands;
			int g = grain_of(r->prog);
			int last = x->last_ym >= 0 && r->ym == x->last_ym && r->prog &&
				   r->prog->recurrence == REC_MONTHLY;

			for (; j < x->nrecs && !mrec_cmp(&x->recs[j], r); j++)
				leaf += x->recs[j].persons;
			stands = g ? leaf : 1;
			if (stands > max)
				max = stands;
			hh |= g == 1;
			if (last) {
				stock += stands;
				stock_p += leaf;
				in_stock = 1;
			}
		}
		cum_p += max > stock ? max : stock;
		if (x->stands)
			json_array_append_new(x->stands, json_pack("{s:s,s:I}",
				"beneficiary", x->recs[i].ben, "persons",
				(json_int_t)(max > stock ? max : stock)));
		cum_h += hh;
		stock_h += in_stock;
		i = j;
	}
	switch (m) {
	case M_CUM_P:
		return cum_p;
	case M_CUM_H:
		return cum_h;
	case M_STOCK_P:
		return stock_p;
	default:
		return stock_h;
	}
}

/* The measure's value over what was matched, as the table prints it. */
static void value_text(struct ctx *x, const char *header, char *buf,
		       size_t size)
{
	(void)header;
	switch (x->flt.m) {
	case M_PT:
		snprintf(buf, size, "%" PRId64, x->persons);
		break;
	case M_HT:
		snprintf(buf, size, "%" PRId64, x->count);
		break;
	case M_AMT:
		money_fmt_wan(x->fen, buf);
		break;
	case M_AVG:
		/* 支出 ÷ 人次, half-up to the fen, as the tables print it */
		if (x->persons > 0) {
			char r[32];

			snprintf(buf, size, "%s", money_fmt_ratio(x->fen, x->persons, r));
		} else {
			snprintf(buf, size, "—");
		}
		break;
	case M_CUM_P:
	case M_CUM_H:
	case M_STOCK_P:
	case M_STOCK_H:
		snprintf(buf, size, "%" PRId64, ben_counts(x, x->flt.m));
		break;
	default:
		/* As the tables' note defines it: distinct beneficiaries
		 * paid in the period. */
		snprintf(buf, size, "%zu", x->nbens);
	}
}

static void print_text(const struct ctx *x, const char *title, const char *row,
		       const char *col, const char *internal,
		       const char *published, const char *got, int same)
{
	json_t *r;
	size_t i;
	char yuan[32];

	printf("%s | %s | %s = %s", title, row, col, internal);
	if (x->last_ym >= 0)
		printf("（期末：%d年%d月的记录）", x->last_ym / 12,
		       x->last_ym % 12 + 1);
	if (strcmp(published, internal))
		printf("（公开表：%s%s）", published,
		       !strcmp(published, "*") ? "，已隐去，据内部表说明" : "");
	printf("\n%-16s %6s  %-32s %-14s %-8s %4s %12s\n", "来源", "行号",
	       "对象（化名）", "项目", "月份", "人数", "金额（元）");
	json_array_foreach(x->records, i, r)
		printf("%-16s %6s  %-32s %-14s %-8s %4lld %12s\n",
		       json_string_value(json_object_get(r, "source")),
		       json_string_value(json_object_get(r, "line")),
		       json_string_value(json_object_get(r, "beneficiary")),
		       json_string_value(json_object_get(r, "program_name")),
		       json_string_value(json_object_get(r, "month")),
		       (long long)json_integer_value(json_object_get(r,
							"persons")),
		       json_string_value(json_object_get(r, "amount")));
	if (x->stands) {
		printf("累计保障人数按对象计：每个对象计其一次发放所含的最多人数"
		       "（按人发放的项目计1人），且不少于其期末人数\n");
		json_array_foreach(x->stands, i, r)
			printf("  %-32s %4lld\n",
			       json_string_value(json_object_get(r, "beneficiary")),
			       (long long)json_integer_value(json_object_get(r, "persons")));
	}
	if (!strcmp(internal, "—"))
		printf("合计：%zu条记录，%" PRId64 "人次，%s元；表中%s为“—”："
		       "此口径不适用于该行（%s）\n", json_array_size(x->records),
		       x->persons, money_fmt_yuan(x->fen, yuan), col,
		       x->flt.m == M_AVG ? "月人均补助水平只用于按月发放的项目，"
		       "平均救助水平只用于一次性救助项目" :
		       x->flt.m == M_CUM_H ? "按人发放的项目不计户数" :
		       "一次性救助没有期末数；按人发放的项目不计户数");
	else
		printf("合计：%zu条记录，%" PRId64 "人次，%s元：%s = %s，%s表中数字\n",
		       json_array_size(x->records), x->persons,
		       money_fmt_yuan(x->fen, yuan), col, got,
		       same ? "等于" : "不等于");
	printf("同一单元格中被剔除的记录：%zu条\n", json_array_size(x->rejects));
	json_array_foreach(x->rejects, i, r) {
		const char *code = json_string_value(json_object_get(r, "reason"));
		const char *zh = reject_code_zh(code);
		struct sbuf words;

		/* the message is ours, in English (kept in --json): the
		 * reader gets the 退回清单's words for it */
		sbuf_init(&words, 0);
		reject_words(code, json_string_value(json_object_get(r, "field")),
			     json_string_value(json_object_get(r, "message")), &words);
		printf("%-16s %6s  %s %s（%s）：%s（人数 %s，金额 %s 元）\n",
		       json_string_value(json_object_get(r, "source")),
		       json_string_value(json_object_get(r, "line")),
		       !strcmp(json_string_value(json_object_get(r, "stage")),
			       "ingest") ? "导入" : "校验",
		       zh ? zh : code, code, words.buf,
		       json_string_value(json_object_get(r, "persons")),
		       json_string_value(json_object_get(r, "amount")));
		sbuf_release(&words);
	}
	{
		long n = 0;
		struct sbuf why;

		sbuf_init(&why, 0);
		for (i = 0; i <= RJ__COUNT; i++) {
			const char *zh = i < RJ__COUNT ? reject_code_zh(
				reject_code_name((enum reject_code)i)) : "其他原因";

			if (!x->unplaced[i])
				continue;
			n += x->unplaced[i];
			sbuf_addf(&why, "%s%s %ld条", why.len ? "，" : "", zh,
				  x->unplaced[i]);
		}
		if (n)
			printf("另有%ld条导入时被剔除的记录无法确定是否属于该单元格"
			       "（地区、项目、城乡或月份读不出）：%s\n", n, why.buf);
		sbuf_release(&why);
	}
}

int explain_cell(const struct pipeline *pl, const char *source,
		 const char *table, const char *row, const char *column,
		 int json)
{
	struct catalog cat = { 0 };
	struct regions reg = { 0 };
	struct srcfiles sf;
	struct ptable it = { 0 }, pt = { 0 };
	struct rs_error err;
	struct ctx x;
	struct csvin_opts o = { 0 };
	struct mapping map = { 0 };
	char *csv = NULL, *title = NULL, *key = NULL, *pcsv = NULL;
	int ingest_skipped = 0;
	const char *rest, *internal, *published = "", *base;
	char got[64];
	const struct program *hp;
	long r, c, pr, pc;
	size_t k, j;
	int ret = 2, same;

	memset(&x, 0, sizeof(x));
	if (find_source(pl, source, &sf, &err))
		goto fail;
	if (catalog_load(&cat, (const char *const *)sf.catalogs, sf.ncat, &err) ||
	    regions_load(&reg, sf.regions, &err))
		goto fail;
	if (!(csv = find_table(sf.internal, table, &title, &err)) ||
	    ptable_load(csv, &it, &err))
		goto fail;
	k = ptable_key_width(&it, &it);
	if ((c = find_column(&it, column, &err)) < 0 ||
	    (r = find_line(&it, k, row, &cat, &err)) < 0)
		goto fail;
	if ((size_t)c < k) {
		rs_err(&err, "column '%s' names rows, it holds no figure",
		       it.rows[0][c]);
		goto fail;
	}
	internal = (size_t)c < it.ncol[r] ? it.rows[r][c] : "";
	key = ptable_row_key(&it, (size_t)r, k);
	base = strrchr(csv, '/') + 1;
	{
		struct sbuf pb;

		sbuf_init(&pb, 0);
		sbuf_addf(&pb, "%s/%s", sf.published, base);
		pcsv = sbuf_detach(&pb, NULL);
	}
	published = internal;
	if (!ptable_load(pcsv, &pt, &err)) {
		pc = find_column(&pt, it.rows[0][c], &err);
		pr = pc < 0 ? -1 : find_line(&pt, ptable_key_width(&pt, &pt),
					     key, NULL, &err);
		published = pr < 0 ? "" : (size_t)pc < pt.ncol[pr] ?
			    pt.rows[pr][pc] : "";
	}
	x.pl = pl;
	x.cat = &cat;
	x.reg = &reg;
	for (j = 0; j < k && j < it.ncol[r]; j++)
		if (key_part(&x, it.rows[r][j], &err))
			goto fail;
	hp = prog_prefix(&cat, it.rows[0][c], &rest);
	if (hp)
		x.flt.prog = hp;
	x.flt.m = measure_of(hp ? rest : it.rows[0][c]);
	if (x.flt.m == M_NONE) {
		rs_err(&err, "column '%s' is not a measure explain can trace: "
		       "人次, 户次, 支出, 累计保障人数/户数, 期末保障人数/户数, "
		       "月人均补助水平 or 平均救助水平",
		       it.rows[0][c]);
		goto fail;
	}
	x.last_ym = -1;
	if (x.flt.m == M_STOCK_P || x.flt.m == M_STOCK_H) {
		struct period per;

		if (!sf.period || period_parse(sf.period, &per)) {
			rs_err(&err, "'%s': the task aggregating '%s' has no "
			       "--period explain can read ('%s'), so the "
			       "period's last month (期末) is not known",
			       pl->path, source, sf.period ? sf.period : "");
			goto fail;
		}
		x.last_ym = per.last;
		/* the records and rejects of that month */
		x.flt.month = per.last % 12 + 1;
	}
	x.records = json_array();
	x.rejects = json_array();
	if (x.flt.m == M_CUM_P)
		x.stands = json_array();
	x.path = sf.valid;
	o.encoding = RS_ENC_UTF8;
	if (csvin_read(sf.valid, &o, on_valid, &x, &err))
		goto fail;
	if (sf.rejects && csvin_read(sf.rejects, &o, on_reject, &x, &err))
		goto fail;
	if (sf.mapping && sf.ingest_rejects) {
		if (mapping_load(&map, sf.mapping, &err))
			goto fail;
		x.map = &map;
		if (ingest_columns(&x, sf.ingest_summary))
			ingest_skipped = 1;
		else if (csvin_read(sf.ingest_rejects, &o, on_ingest_reject, &x, &err))
			goto fail;
	}
	value_text(&x, it.rows[0][c], got, sizeof(got));
	/* "—": the measure does not apply to the row (households of a
	 * program paid per person, 期末 of a one-off program) */
	if (!strcmp(internal, "—"))
		snprintf(got, sizeof(got), "—");
	same = !strcmp(got, internal);
	if (json) {
		json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:O,"
					"s:O}", "source", source, "table", title,
					"row", key, "column", it.rows[0][c],
					"value", internal, "published", published,
					"records_sum", got, "equal", same,
					"records", x.records, "rejects",
					x.rejects);
		json_t *un = json_object();
		char *s;

		for (j = 0; j <= RJ__COUNT; j++)
			if (x.unplaced[j])
				json_object_set_new(un, j < RJ__COUNT ?
					reject_code_name((enum reject_code)j) : "other",
					json_integer(x.unplaced[j]));
		json_object_set_new(out, "ingest_rejects_unplaced", un);
		if (x.stands)
			json_object_set(out, "beneficiaries", x.stands);
		json_object_set_new(out, "ingest_rejects_read",
				    json_boolean(sf.ingest_rejects && !ingest_skipped));
		s = json_dumps(out, JSON_INDENT(1));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(out);
	} else {
		print_text(&x, title, key, it.rows[0][c], internal, published,
			   got, same);
		if (ingest_skipped)
			printf("导入环节被剔除的记录未列出：'%s' 未记下各字段所在的列"
			       "（由旧版 rs-ingest 写成；重新运行 ingest 即可）\n",
			       sf.ingest_summary ? sf.ingest_summary : "ingest.json");
	}
	ret = same ? 0 : 1;
	goto out;
fail:
	rs_error_print(&err);
out:
	for (j = 0; j < x.nbens; j++)
		free(x.bens[j].id);
	free(x.bens);
	for (j = 0; j < x.nrecs; j++)
		free(x.recs[j].ben);
	free(x.recs);
	json_decref(x.records);
	json_decref(x.rejects);
	json_decref(x.stands);
	ptable_release(&it);
	ptable_release(&pt);
	if (x.map)
		mapping_release(&map);
	free(csv);
	free(pcsv);
	free(title);
	free(key);
	if (cat.p)
		catalog_release(&cat);
	if (reg.r)
		regions_release(&reg);
	srcfiles_release(&sf);
	return ret;
}
