/*
 * ingest.c - the ingest loop (see ingest.h).
 *
 * Each data row goes through SPEC.md section 3's ingest checks in rank
 * order and ends as a canonical record or a reject naming the first check
 * it failed. The raw ID is normalised, checked and replaced by its keyed
 * pseudonym here; nothing downstream ever sees it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"
#include "ingest.h"
#include "kset.h"
#include "money.h"
#include "norm.h"
#include "period.h"
#include "xalloc.h"

/*
 * A column's labels repeat on millions of rows (a handful of programs,
 * funding labels, support modes): each distinct raw text is folded
 * (norm_label), masked and resolved once, and remembered here. The
 * free-text fields copied into the record (资金来源, 发放方式) are masked:
 * an ID a clerk typed there is starred as in a reject's raw text, so no
 * raw ID leaves ingest (SPEC.md section 5). Bounded:
 * past MEMO_MAX distinct texts a column's new ones are folded each time.
 */
#define MEMO_MAX 1024

struct memo_ent {
	char *raw;                  /* the field as read; NULL: empty slot */
	size_t raw_len;
	char *norm;                 /* folded (masked where the column is) */
	size_t norm_len;
	const void *res;            /* what the caller resolved it to */
	int has_res;
};

struct memo {
	struct memo_ent *e;         /* 2 * MEMO_MAX slots, made on first use */
	size_t n;
	struct memo_ent spare;      /* the answer when the memo is full */
};

struct ctx {
	const struct ingest_opts *o;
	struct ingest_stats *st;
	struct rs_out out;
	struct rejects rj;
	long ncols;                 /* fields in the header */
	long col[F__COUNT];         /* 0-based column of each field, -1 absent */
	int have_header;
	long records_seen;          /* physical records seen, header included */
	struct sbuf line, tmp, tmp2;
	int config_error;
	int preview_done;           /* stopped after the preview's rows */
	struct memo kind, program, area, funding, mode;
};

/*
 * The folded form of field f (masked if mask), from the memo when this
 * text was seen before. Returns NULL with err filled when folding fails.
 * The entry stays valid until the next call on the same memo.
 */
static struct memo_ent *memo_fold(struct memo *m, const struct csv_field *f,
				  int mask, struct sbuf *tmp, struct rs_error *err)
{
	struct memo_ent *e = NULL;
	size_t i = 0, cap = 2 * MEMO_MAX;

	if (!m->e)
		m->e = xcalloc(cap, sizeof(*m->e));
	for (i = rs_hash(f->p, f->len) & (cap - 1); m->e[i].raw;
	     i = (i + 1) & (cap - 1))
		if (m->e[i].raw_len == f->len && !memcmp(m->e[i].raw, f->p, f->len))
			return &m->e[i];
	sbuf_reset(tmp);
	if (norm_label(f->p, f->len, tmp, err))
		return NULL;
	if (m->n < MEMO_MAX) {
		e = &m->e[i];
		e->raw = xstrndup(f->p, f->len);
		e->raw_len = f->len;
		m->n++;
	} else {
		e = &m->spare;
		free(e->norm);
	}
	e->norm = xmalloc(tmp->len + 1);
	if (mask)
		id_mask_text(tmp->buf ? tmp->buf : "", tmp->len, e->norm);
	else
		memcpy(e->norm, tmp->buf ? tmp->buf : "", tmp->len + 1);
	e->norm[tmp->len] = '\0';
	e->norm_len = tmp->len;
	e->res = NULL;
	e->has_res = 0;
	return e;
}

static void memo_release(struct memo *m)
{
	size_t i;

	if (m->e)
		for (i = 0; i < 2 * MEMO_MAX; i++) {
			free(m->e[i].raw);
			free(m->e[i].norm);
		}
	free(m->e);
	free(m->spare.norm);
	memset(m, 0, sizeof(*m));
}

static int find_columns(struct ctx *c, const struct csv_row *row,
			struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	struct sbuf h;
	int f;
	size_t i;

	sbuf_init(&h, 0);
	c->ncols = (long)row->n;
	for (f = 0; f < F__COUNT; f++) {
		c->col[f] = -1;
		if (m->position[f]) {
			if (m->position[f] > c->ncols) {
				c->config_error = 1;
				sbuf_release(&h);
				return rs_err(err, "'%s' has %ld columns, but mapping '%s' line %ld puts '%s' in column %ld",
					      c->o->source, c->ncols, m->path, m->line[f],
					      field_names[f], m->position[f]);
			}
			c->col[f] = m->position[f] - 1;
			if (c->o->pv)
				c->o->pv->header[f] = xstrndup(row->f[c->col[f]].p,
							     row->f[c->col[f]].len),
				c->o->pv->column[f] = c->col[f] + 1;
			continue;
		}
		if (!m->column[f])
			continue;
		for (i = 0; i < row->n; i++) {
			sbuf_reset(&h);
			if (norm_label(row->f[i].p, row->f[i].len, &h, err)) {
				sbuf_release(&h);
				return -1;
			}
			if (!strcmp(h.buf ? h.buf : "", m->column[f])) {
				c->col[f] = (long)i;
				if (c->o->pv) {
					c->o->pv->header[f] = xstrndup(row->f[i].p, row->f[i].len);
					c->o->pv->column[f] = (long)i + 1;
				}
				break;
			}
		}
		if (c->col[f] < 0) {
			c->config_error = 1;
			sbuf_release(&h);
			return rs_err(err, "'%s' has no column '%s' for the required field '%s' (mapping '%s' line %ld)",
				      c->o->source, m->column[f], field_names[f],
				      m->path, m->line[f]);
		}
	}
	sbuf_release(&h);
	return 0;
}

static void reject(struct ctx *c, const struct csv_row *row,
		   enum reject_code code, int field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void reject(struct ctx *c, const struct csv_row *row,
		   enum reject_code code, int field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->o->pv) {
		struct ingest_preview *pv = c->o->pv;

		pv->counts[code]++;
		if (!pv->first[code]) {
			struct sbuf sb;
			char *masked = xmalloc(strlen(msg) + 1);

			id_mask_text(msg, strlen(msg), masked);
			sbuf_init(&sb, 0);
			sbuf_addf(&sb, "line %ld: %s", row->line, masked);
			pv->first[code] = sbuf_detach(&sb, NULL);
			free(masked);
		}
		return;
	}
	rejects_add(&c->rj, c->o->source, row->line, code,
		    field >= 0 ? field_names[field] : "", msg, row->raw,
		    row->raw_len);
}

static const struct csv_field *fld(const struct ctx *c, const struct csv_row *row,
				   int f)
{
	static const struct csv_field empty = { "", 0 };

	return c->col[f] >= 0 ? &row->f[c->col[f]] : &empty;
}

static int is_blank(const struct csv_field *f)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		if (f->p[i] != ' ' && f->p[i] != '\t' && f->p[i] != '\r' &&
		    f->p[i] != '\n')
			return 0;
	/* U+3000 and other exotic blanks are folded by norm_width first. */
	return 1;
}

/* Folds width, maps the mapping's decimal points to '.', drops spaces. */
static void number_text(const struct ctx *c, const struct csv_field *f,
			struct sbuf *out)
{
	const struct mapping *m = c->o->map;
	struct sbuf *w = out;
	size_t i;

	sbuf_reset(w);
	norm_width(f->p, f->len, w);
	if (m->ndecimal) {
		const char *dp = m->decimal_points;
		for (i = 0; i < m->ndecimal; i++, dp += strlen(dp) + 1) {
			size_t dl = strlen(dp);
			char *hit;
			if (dl == 1 && dp[0] == '.')
				continue;
			while ((hit = strstr(w->buf, dp))) {
				*hit = '.';
				memmove(hit + 1, hit + dl, strlen(hit + dl) + 1);
				w->len -= dl - 1;
			}
		}
	}
}

static int parse_count(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	v = strtol(s, &end, 10);
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const struct program *resolve_program(struct ctx *c, const char *label)
{
	const char *code = label_map_find(&c->o->map->programs, label);

	if (code)
		return catalog_find(c->o->cat, code);
	return catalog_lookup_label(c->o->cat, label);
}

static const char *resolve_area(struct ctx *c, const char *label)
{
	const char *a = label_map_find(&c->o->map->areas, label);

	if (a)
		return a;
	if (!strcmp(label, "城镇") || !strcmp(label, "城市") ||
	    !strcmp(label, "城区") || !strcmp(label, "urban"))
		return "urban";
	if (!strcmp(label, "农村") || !strcmp(label, "乡村") ||
	    !strcmp(label, "rural"))
		return "rural";
	return NULL;
}

/* Months a back-payment covers: "2024-01..2024-03", "2024-01至2024-03",
 * "2024年1月至3月", "2024-01~2024-03" or one month. */
static int covers_parse(const char *s, struct period *p)
{
	static const char *const seps[] = { "..", "至", "~", "－", "—", NULL };
	const char *hit = NULL;
	size_t i, seplen = 0;

	for (i = 0; seps[i] && !hit; i++) {
		hit = strstr(s, seps[i]);
		seplen = strlen(seps[i]);
	}
	if (!hit) {
		p->first = p->last = month_parse(s, strlen(s));
		return p->first < 0 ? -1 : 0;
	}
	p->first = month_parse(s, (size_t)(hit - s));
	p->last = month_parse(hit + seplen, strlen(hit + seplen));
	if (p->first >= 0 && p->last < 0) {
		/* "2024年1月至3月": the year carries over */
		char buf[48];
		const char *rest = hit + seplen;
		if (strlen(rest) < 20) {
			snprintf(buf, sizeof(buf), "%d年%s", p->first / 12, rest);
			p->last = month_parse(buf, strlen(buf));
		}
	}
	return p->first < 0 || p->last < p->first ? -1 : 0;
}

/* Is the row this partition's? By its region code when it can be read,
 * else by take_unattributed. */
static int mine(struct ctx *c, const struct csv_row *row)
{
	const struct csv_field *f;
	size_t i;

	if (row->unterminated || row->too_long || (long)row->n != c->ncols ||
	    row->bad_encoding)
		return c->o->take_unattributed;
	f = fld(c, row, F_REGION);
	sbuf_reset(&c->tmp);
	norm_width(f->p, f->len, &c->tmp);
	if (c->tmp.len != 12 || strspn(c->tmp.buf, "0123456789") != 12)
		return c->o->take_unattributed;
	for (i = 0; i < c->o->nprefixes; i++)
		if (!strncmp(c->tmp.buf, c->o->prefixes[i], strlen(c->o->prefixes[i])))
			return !c->o->exclude;
	return c->o->exclude;
}

/* Keeps text as the next distinct sample of slot (PREVIEW_SAMPLES). */
static void preview_keep(char **slot, const char *text, size_t len)
{
	char *masked;
	size_t i;

	for (i = 0; i < PREVIEW_SAMPLES && slot[i]; i++)
		if (strlen(slot[i]) == len && !memcmp(slot[i], text, len))
			return;
	if (i == PREVIEW_SAMPLES)
		return;
	masked = xmalloc(len + 1);
	id_mask_text(text, len, masked);
	masked[len] = '\0';
	slot[i] = masked;
}

static void preview_raw(struct ctx *c, const struct csv_row *row)
{
	int f;

	for (f = 0; f < F__COUNT; f++)
		if (c->col[f] >= 0)
			preview_keep(c->o->pv->raw[f], fld(c, row, f)->p,
				     fld(c, row, f)->len);
}

/* The record's fields as rs-ingest would write them; the ID as what was
 * read from it (never the number nor its pseudonym). */
static void preview_parsed(struct ctx *c, const struct record *r, const char *id)
{
	char buf[96], ym[8];
	struct ingest_preview *pv = c->o->pv;
	int64_t a = r->amount < 0 ? -r->amount : r->amount;

	(void)id;
#define KEEP(f, ...) do { snprintf(buf, sizeof(buf), __VA_ARGS__); \
		preview_keep(pv->parsed[f], buf, strlen(buf)); } while (0)
	KEEP(F_REGION, "%s", r->region);
	KEEP(F_ID, "valid: age %d, sex %c", r->age, r->sex ? r->sex : '?');
	KEEP(F_PROGRAM, "%s", r->program);
	KEEP(F_AREA, "%s", r->area);
	month_fmt(r->ym, ym);
	KEEP(F_PERIOD, "%s", ym);
	KEEP(F_PERSONS, "%ld", r->persons);
	if (c->col[F_HOUSEHOLD] >= 0)
		KEEP(F_HOUSEHOLD, "%ld", r->household_size);
	KEEP(F_AMOUNT, "%s%lld.%02lld 元", r->amount < 0 ? "-" : "",
	     (long long)(a / 100), (long long)(a % 100));
	if (c->col[F_FUNDING] >= 0)
		KEEP(F_FUNDING, "%s", r->funding);
	if (c->col[F_SUPPORT_MODE] >= 0)
		KEEP(F_SUPPORT_MODE, "%s", r->support_mode);
	if (c->col[F_KIND] >= 0)
		KEEP(F_KIND, "%s", r->kind == RK_REVERSAL ? "reversal" :
		     r->kind == RK_BACKPAY ? "backpay" : "payment");
#undef KEEP
}

void ingest_preview_release(struct ingest_preview *pv)
{
	int f, i;

	for (f = 0; f < F__COUNT; f++) {
		free(pv->header[f]);
		for (i = 0; i < PREVIEW_SAMPLES; i++) {
			free(pv->raw[f][i]);
			free(pv->parsed[f][i]);
		}
	}
	for (i = 0; i < RJ__COUNT; i++)
		free(pv->first[i]);
	memset(pv, 0, sizeof(*pv));
}

static int on_data(struct ctx *c, const struct csv_row *row, struct rs_error *err)
{
	static const int required[] = {
		F_REGION, F_ID, F_PROGRAM, F_AREA, F_PERSONS, F_PERIOD, F_AMOUNT
	};
	const struct mapping *m = c->o->map;
	struct record r;
	char id[19], bene[PSEUDO_HEX + 1], region[13];
	const struct program *prog;
	const char *area;
	const char *funding = NULL, *mode = NULL;
	struct memo_ent *me;
	int64_t fen;
	long persons, hh = 0;
	int ym, reversal = 0, backpay = 0;
	struct period covers = { -1, -1 };
	size_t i;
	enum id_status ids;
	enum money_status ms;

	if (c->o->nprefixes && !mine(c, row)) {
		c->st->other_partitions++;
		return 0;
	}
	c->st->rows_read++;
	if (row->unterminated) {
		reject(c, row, RJ_MALFORMED_LINE, -1,
		       "a quoted field opened on line %ld is never closed", row->line);
		return 0;
	}
	if (row->too_long) {
		reject(c, row, RJ_MALFORMED_LINE, -1, "record longer than the limit; skipped to the next line");
		return 0;
	}
	if ((long)row->n != c->ncols) {
		reject(c, row, RJ_MALFORMED_LINE, -1, "%zu fields, the header has %ld",
		       row->n, c->ncols);
		return 0;
	}
	if (row->bad_encoding) {
		reject(c, row, RJ_BAD_ENCODING, -1,
		       "bytes invalid in the declared encoding at column %ld",
		       row->bad_col);
		return 0;
	}
	if (c->o->pv)
		preview_raw(c, row);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (is_blank(fld(c, row, required[i]))) {
			reject(c, row, RJ_MISSING_FIELD, required[i], "'%s' is empty",
			       field_names[required[i]]);
			return 0;
		}
	}
	ids = id_check(fld(c, row, F_ID)->p, fld(c, row, F_ID)->len, c->o->today, id);
	if (ids != ID_OK) {
		reject(c, row, RJ_BAD_ID, F_ID, "ID number %s", id_status_text(ids));
		return 0;
	}
	if (c->col[F_KIND] >= 0 && (m->reversal_marker || m->backpay_marker)) {
		me = memo_fold(&c->kind, fld(c, row, F_KIND), 0, &c->tmp, err);
		if (!me)
			return -1;
		reversal = m->reversal_marker && me->norm_len &&
			   strstr(me->norm, m->reversal_marker);
		backpay = !reversal && m->backpay_marker && me->norm_len &&
			  strstr(me->norm, m->backpay_marker);
	}
	number_text(c, fld(c, row, F_AMOUNT), &c->tmp);
	ms = money_parse(c->tmp.buf, c->tmp.len, m->unit, &fen);
	if (ms != MONEY_OK) {
		if (ms == MONEY_TOO_PRECISE)
			c->st->too_precise++;
		reject(c, row, RJ_BAD_AMOUNT, F_AMOUNT, "amount '%s' %s", c->tmp.buf,
		       ms == MONEY_TOO_PRECISE ? "is more precise than a fen" :
		       ms == MONEY_TOO_LARGE ? "is too large" : "is not a number");
		return 0;
	}
	if (fen < 0 && !reversal) {
		reject(c, row, RJ_NEGATIVE_AMOUNT, F_AMOUNT,
		       "amount '%s' is below zero and the row is not marked as a reversal",
		       c->tmp.buf);
		return 0;
	}
	/* A reversal cancels an earlier payment: its amount is negative
	 * whichever sign the export gave it. */
	if (reversal && fen > 0)
		fen = -fen;
	sbuf_reset(&c->tmp);
	norm_width(fld(c, row, F_PERIOD)->p, fld(c, row, F_PERIOD)->len, &c->tmp);
	ym = month_parse(c->tmp.buf, c->tmp.len);
	if (ym < 0) {
		reject(c, row, RJ_BAD_PERIOD, F_PERIOD, "'%s' is not a month", c->tmp.buf);
		return 0;
	}
	/* A back-payment names the months it covers; so does the reversal of
	 * one (a reversal without covers reverses a regular payment). */
	if (backpay || (reversal && c->col[F_COVERS] >= 0 &&
			!is_blank(fld(c, row, F_COVERS)))) {
		sbuf_reset(&c->tmp);
		norm_width(fld(c, row, F_COVERS)->p, fld(c, row, F_COVERS)->len, &c->tmp);
		if (covers_parse(c->tmp.buf, &covers) || covers.last >= ym) {
			reject(c, row, RJ_BAD_PERIOD, F_COVERS,
			       "a back-payment must cover earlier months, like 2024-01..2024-03, not '%s'",
			       c->tmp.buf);
			return 0;
		}
	}
	me = memo_fold(&c->program, fld(c, row, F_PROGRAM), 0, &c->tmp2, err);
	if (!me)
		return -1;
	if (!me->has_res) {
		me->res = resolve_program(c, me->norm);
		me->has_res = 1;
	}
	prog = me->res;
	if (!prog) {
		reject(c, row, RJ_UNKNOWN_PROGRAM, F_PROGRAM,
		       "'%s' is not in the catalog or the mapping's programs", me->norm);
		return 0;
	}
	area = prog->area;
	if (!area) {
		me = memo_fold(&c->area, fld(c, row, F_AREA), 0, &c->tmp2, err);
		if (!me)
			return -1;
		if (!me->has_res) {
			me->res = resolve_area(c, me->norm);
			me->has_res = 1;
		}
		area = me->res;
		if (!area) {
			reject(c, row, RJ_UNKNOWN_AREA, F_AREA,
			       "'%s' is neither urban nor rural (add it to the mapping's areas)",
			       me->norm);
			return 0;
		}
	}
	sbuf_reset(&c->tmp);
	norm_width(fld(c, row, F_PERSONS)->p, fld(c, row, F_PERSONS)->len, &c->tmp);
	if (parse_count(c->tmp.buf, 0, 100000, &persons)) {
		reject(c, row, RJ_PERSONS_OUT_OF_RANGE, F_PERSONS,
		       "persons '%s' is not a whole number", c->tmp.buf);
		return 0;
	}
	if (c->col[F_HOUSEHOLD] >= 0 && !is_blank(fld(c, row, F_HOUSEHOLD))) {
		sbuf_reset(&c->tmp);
		norm_width(fld(c, row, F_HOUSEHOLD)->p, fld(c, row, F_HOUSEHOLD)->len,
			   &c->tmp);
		if (parse_count(c->tmp.buf, 1, 100000, &hh)) {
			reject(c, row, RJ_PERSONS_OUT_OF_RANGE, F_HOUSEHOLD,
			       "household size '%s' is not a whole number", c->tmp.buf);
			return 0;
		}
	}
	sbuf_reset(&c->tmp);
	norm_width(fld(c, row, F_REGION)->p, fld(c, row, F_REGION)->len, &c->tmp);
	if (c->tmp.len != 12 || strspn(c->tmp.buf, "0123456789") != 12) {
		reject(c, row, RJ_UNKNOWN_REGION, F_REGION,
		       "region code '%s' is not 12 digits", c->tmp.buf);
		return 0;
	}
	memcpy(region, c->tmp.buf, 13);

	if (c->o->key)
		pseudo_hash(c->o->key, id, 18, bene);
	else
		memset(bene, 0, sizeof(bene));
	if (c->col[F_FUNDING] >= 0) {
		me = memo_fold(&c->funding, fld(c, row, F_FUNDING), 1, &c->tmp, err);
		if (!me)
			return -1;
		funding = me->norm;
	}
	if (c->col[F_SUPPORT_MODE] >= 0) {
		me = memo_fold(&c->mode, fld(c, row, F_SUPPORT_MODE), 1, &c->tmp, err);
		if (!me)
			return -1;
		mode = me->norm;
	}
	memset(&r, 0, sizeof(r));
	r.source = c->o->source;
	r.line = row->line;
	r.region = region;
	r.program = prog->code;
	r.area = area;
	r.ym = ym;
	r.beneficiary = bene;
	r.household_size = hh;
	r.persons = persons;
	r.amount = fen;
	r.age = id_age_at(id, ym);
	r.sex = id_sex(id);
	r.funding = funding ? funding : "";
	r.support_mode = mode ? mode : "";
	r.kind = reversal ? RK_REVERSAL : backpay ? RK_BACKPAY : RK_PAYMENT;
	r.covers_first = covers.first;
	r.covers_last = covers.last;
	c->st->records++;
	if (c->o->pv) {
		preview_parsed(c, &r, id);
		memset(id, 0, sizeof(id));
		return 0;
	}
	sbuf_reset(&c->line);
	record_format(&r, &c->line);
	rs_out_write(&c->out, c->line.buf, c->line.len);
	memset(id, 0, sizeof(id));
	return 0;
}

static int on_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct ctx *c = vctx;

	c->records_seen++;
	if (!c->have_header) {
		if (c->records_seen < c->o->map->header_row)
			return 0;
		c->have_header = 1;
		if (c->o->pv)
			c->o->pv->header_record = c->records_seen;
		return find_columns(c, row, err);
	}
	if (c->o->preview && c->st->rows_read >= c->o->preview) {
		c->preview_done = 1;	/* enough rows: stop reading */
		return rs_err(err, "preview done");
	}
	return on_data(c, row, err);
}

int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err)
{
	struct ctx c;
	struct csvin_opts copts;
	struct sbuf extra;
	int i, ret = 1;

	sbuf_init(&extra, 0);
	memset(&c, 0, sizeof(c));
	memset(st, 0, sizeof(*st));
	c.o = o;
	c.st = st;
	sbuf_init(&c.line, 0);
	sbuf_init(&c.tmp, 0);
	sbuf_init(&c.tmp2, 0);
	memset(&copts, 0, sizeof(copts));
	copts.encoding = o->map->encoding;
	copts.delim = o->map->delim;
	if (o->pv) {
		/* The preview opens no output: reject() and on_data() fill
		 * *o->pv instead of writing. */
		memset(o->pv, 0, sizeof(*o->pv));
		if (csvin_read(o->input, &copts, on_row, &c, err) && !c.preview_done)
			goto out;
		if (!c.have_header) {
			rs_err(err, "'%s' has no header row", o->source);
			c.config_error = 1;
			goto out;
		}
		o->pv->rows = st->rows_read;
		o->pv->records = st->records;
		o->pv->too_precise = st->too_precise;
		ret = 0;
		goto out;
	}
	if (rs_out_open(&c.out, o->out, 0644, err))
		goto out;
	if (rejects_open(&c.rj, o->rejects, err)) {
		rs_out_abort(&c.out);
		goto out;
	}
	rs_out_puts(&c.out, CANON_HEADER "\n");
	if (csvin_read(o->input, &copts, on_row, &c, err))
		goto fail;
	if (!c.have_header) {
		rs_err(err, "'%s' has no header row", o->source);
		c.config_error = 1;
		goto fail;
	}
	for (i = 0; i < RJ__COUNT; i++)
		st->counts[i] = c.rj.counts[i];
	if (st->rows_read != st->records + c.rj.total) {
		rs_err(err, "internal error: %ld rows read but %ld records and %ld rejects",
		       st->rows_read, st->records, c.rj.total);
		goto fail;
	}
	if (rs_out_commit(&c.out, err)) {
		rejects_abort(&c.rj);
		goto out;
	}
	if (rejects_commit(&c.rj, err))
		goto out;
	if (o->nprefixes)
		sbuf_addf(&extra, "\"rows_in_file\":%ld,\"other_partitions\":%ld,",
			  st->rows_read + st->other_partitions, st->other_partitions);
	if (o->gate) {
		gate_judge(o->gate, st->rows_read, st->counts, &st->verdict);
		gate_json(o->gate, st->counts, &st->verdict, &extra);
		if (st->verdict.top >= 0 && c.rj.sample[st->verdict.top])
			st->sample = xstrdup(c.rj.sample[st->verdict.top]);
	}
	if (extra.len && extra.buf[extra.len - 1] == ',')
		extra.buf[--extra.len] = '\0';
	if (o->summary && summary_write(o->summary, "ingest", o->source,
					st->rows_read, st->records, st->counts,
					extra.buf, err))
		goto out;
	ret = 0;
	goto out;
fail:
	rs_out_abort(&c.out);
	rejects_abort(&c.rj);
out:
	if (ret && c.config_error)
		ret = 2;
	sbuf_release(&c.line);
	sbuf_release(&c.tmp);
	sbuf_release(&c.tmp2);
	sbuf_release(&extra);
	rejects_sample_release(&c.rj);
	memo_release(&c.kind);
	memo_release(&c.program);
	memo_release(&c.area);
	memo_release(&c.funding);
	memo_release(&c.mode);
	return ret;
}
