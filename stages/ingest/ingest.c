/*
 * ingest.c - the ingest loop (see ingest.h).
 *
 * Each data row goes through SPEC.md section 3's ingest checks in rank
 * order and ends as a canonical record or a reject naming the first check
 * it failed. The raw ID is normalised, checked and replaced by its keyed
 * pseudonym here; nothing downstream ever sees it.
 *
 * Once the header is known, a CSV's plain rows are made on two more
 * threads (issue 25): working threads take the blocks of lines csvscan
 * cut, in turn (csvin_work), and each makes what it can of every split
 * line with memos and buffers of its own: a row that becomes a record and
 * is nothing else (no reject, no total or footer row, this partition's),
 * whose record text, sums and label it keeps for the block. This thread
 * still reads every row in order; it takes such a row's record as it
 * comes, and makes every other row itself, as before. So rejects, sums,
 * counters and the memo's order are what one thread makes of the file,
 * whichever blocks were worked.
 */
#include <iconv.h>
#include <pthread.h>
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
#include "rowsrc.h"
#include "csvscan.h"
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
	long misses;                /* rows rejected because res is NULL */
	long hits;                  /* rows resolved (res not NULL) */
	unsigned long wblk;         /* the working thread's: the block whose
				       label list holds this label, at wslot */
	size_t wslot;
};

struct memo {
	struct memo_ent *e;         /* 2 * MEMO_MAX slots, made on first use */
	size_t n;
	struct memo_ent spare;      /* the answer when the memo is full */
};

/* A footer-looking row, copied: it is a footer only if no data row
 * follows it on its sheet (see footer_label). */
struct pend_row {
	struct csv_row row;         /* f, raw and num point into the copies */
	struct csv_field *f;
	char *text;                 /* raw, then each field's bytes */
	unsigned char *num;
	const char *label;          /* the label it starts with */
};

struct wblock;

/*
 * What the working thread made of one line of a block (csvin_work): for a
 * plain row, its record's text after "source,line," (the line is not
 * known there: this thread writes it, in the room left before the text),
 * the amount and persons the export's totals add, and its program label
 * among the block's.
 */
struct pre_row {
	char *text;                 /* NULL: not plain, this thread reads it */
	size_t off, len;            /* text's place in the block's buffer */
	int64_t fen;                /* as add_to_sums adds it */
	long persons;
	struct wblock *wb;          /* the block's */
	size_t label;               /* in wb->labels */
	int paid, under_yuan;       /* a payment, one under 1 yuan */
};

/* Room before each record's text: the line's digits (at most 20), after
 * "source," and the "0," the working thread formats in their place. */
#define PRE_ROOM 24

/* A program label of the block's plain rows. Not every one of them
 * becomes a record there (csvin may read a line otherwise: one cut by the
 * block before, say), so this thread counts the label's rows as it takes
 * them: at the first, the label's entry in its own memo, as on_data would
 * have met it there. */
struct wlabel {
	int taken;                  /* a row with it was taken */
	struct memo_ent *me;        /* then: the entry to count it in, NULL
				       for none (the spare, or no program) */
};

/* The working thread's buffers for one block's slot, kept from block to
 * block: the lines' results, the records' text, the labels seen. */
struct wblock {
	struct pre_row *rows;
	size_t rcap;
	struct sbuf text;
	struct wlabel *labels;
	size_t nlabels, lcap;
};

struct ctx {
	const struct ingest_opts *o;
	struct ingest_stats *st;
	struct rs_out out;
	struct rejects rj;
	long ncols;                 /* fields in the header */
	long col[F__COUNT];         /* 0-based column of each field, -1 absent */
	long name_col;              /* 1-based column of 户主姓名 (masked in
				       rejects), 0: none */
	int have_header;
	long records_seen;          /* physical records seen, header included */
	struct sbuf line, tmp, tmp2;
	int config_error;
	int preview_done;           /* stopped after the preview's rows */
	struct memo kind, program, area, funding, mode;
	enum rs_format fmt;
	long header_record, header_line;
	/* header search (header.c's job, kept here): the record with the
	 * most of the mapping's names, for the message when none has all */
	long best_match;            /* the field it lacks */
	long best_record, best_line;
	int best_record_found;
	long empty_rows;
	struct sbuf best_raw, best_fold;
	int best_bad;
	int read_gb;                /* the CSV is read as GB18030 (row->gb18030) */
	char *hdr_err;              /* explicit header_row failed: its message,
				       held while later records are looked at */
	/* fields of the row being read, when some were changed (a leading
	 * apostrophe dropped, a workbook row padded to the header's width) */
	struct csv_field *fv;
	size_t fvcap;
	long apostrophes;
	/* total rows (合计/小计/总计) and what their rows sum to */
	long totals, total_mismatches;
	long paid, under_yuan;      /* payments > 0, those under 1 元 */
	int64_t sum_all, sum_section;
	long persons_all, persons_section;
	json_t *totals_json;     /* the listed total rows, an array */
	/* footer rows (制表人, 审核人, 填报日期, 说明 ...): those read since
	 * the last data row, held until the sheet ends (footers) or a data
	 * or total row follows (data rows after all, as before) */
	struct pend_row *pend;
	size_t npend, pend_bytes;
	long footers;
	json_t *footers_json;    /* the listed footer rows, an array */
	/* for the quality table: the last 合计/总计 row, else the 小计s */
	int have_grand, have_sub;
	int64_t grand_export, grand_computed, sub_export, sub_computed;
	/* a workbook read sheet after sheet: the sheet being read, the
	 * rejects' source naming it (NULL: one sheet, the file alone), the
	 * first sheet's header, which a later one must repeat */
	const char *sheet_now;      /* sheet_name's text, NULL: none yet */
	struct sbuf sheet_name, rj_source, hdr_raw, header_sheet;
	struct sbuf st_sheets;      /* the sheets read, for st->sheets */
	int seek_header;            /* a later sheet, before its header */
	long sheet_rows;            /* non-empty rows of the sheet so far */
	/* on_data's amount and persons, for add_to_sums: 0 not read, 1 read
	 * (the value), 2 not a number */
	int fen_state, persons_state;
	int64_t fen_val;
	long persons_val;
	/* the working threads (csvin_work); work.ctx[k] is thread k's own
	 * ctx, wc[k] */
	struct csvin_work work;
	struct ctx *wc[CSVIN_MAX_WORKERS];
	struct sbuf prefix;         /* "source," as records start */
	/* on the working thread's ctx */
	int worker;
	int wrejected;              /* the row was rejected: not plain */
	struct wblock *wb;          /* the block being worked */
	size_t wline;               /* the line of it being read */
	unsigned long wblk;         /* blocks worked so far */
};

/* norm_label keeps its cache, buffer and OpenCC's handle in statics: the
 * working thread and this one take turns with it. It runs for a label
 * not seen before, a total row's label cells and a footer's first cell:
 * the lock is rarely wanted by both. */
static pthread_mutex_t fold_mu = PTHREAD_MUTEX_INITIALIZER;

static int fold_label(const char *s, size_t n, struct sbuf *out, struct rs_error *err)
{
	int ret;

	pthread_mutex_lock(&fold_mu);
	ret = norm_label(s, n, out, err);
	pthread_mutex_unlock(&fold_mu);
	return ret;
}

/* Records looked at for the header (header_row: auto), and past an
 * explicit header_row that lacks a column. */
#define HEADER_SEARCH 30
/* Total rows described one by one in the summary. */
#define TOTALS_LISTED 100
/* Footer rows: described one by one up to FOOTERS_LISTED; a row with more
 * than FOOTER_CELLS non-empty cells is no footer; past FOOTER_PENDING
 * rows or FOOTER_PENDING_BYTES bytes held, the rows held are read as
 * data rows (the export does not end there). */
#define FOOTERS_LISTED 100
#define FOOTER_CELLS 4
#define FOOTER_PENDING 64
#define FOOTER_PENDING_BYTES ((size_t)256 << 10)
/* An unknown program label on this many rows is taken for a mapping
 * mistake (a whole program would vanish from the tables), not for stray
 * rows: the stage fails unless unknown_program's loss is accepted. So is
 * one near a catalog name on UNKNOWN_NEAR_ROWS rows or more when they are
 * UNKNOWN_NEAR_SHARE or more of that program's rows (a misspelt label that
 * takes 8 of a small program's 15 rows). */
#define UNKNOWN_LABEL_ROWS 10
#define UNKNOWN_NEAR_ROWS 3
#define UNKNOWN_NEAR_SHARE 0.05
/* Payments it takes before "most are under 1 元" says 万元 read as 元. */
#define IMPLAUSIBLE_MIN 20

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
	if (fold_label(f->p, f->len, tmp, err))
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

/*
 * Looks for the mapping's named columns in row: fills col[] (-1 where
 * absent) and returns how many of the named columns were found; *named
 * is how many the mapping names. Positions are not checked here.
 */
static int match_header(struct ctx *c, const struct csv_row *row, long col[F__COUNT],
			int *found, int *named, struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	struct sbuf h;
	size_t i;
	int f;

	sbuf_init(&h, 0);
	*found = *named = 0;
	for (f = 0; f < F__COUNT; f++) {
		col[f] = -1;
		if (!m->column[f])
			continue;
		(*named)++;
		for (i = 0; i < row->n; i++) {
			sbuf_reset(&h);
			if (fold_label(row->f[i].p, row->f[i].len, &h, err)) {
				sbuf_release(&h);
				return -1;
			}
			if (!strcmp(h.buf ? h.buf : "", m->column[f])) {
				col[f] = (long)i;
				(*found)++;
				break;
			}
		}
	}
	sbuf_release(&h);
	return 0;
}

/* A second header cell after column `after` whose folded text is name:
 * its index, -1 if none, -2 with err filled when folding fails. */
static long second_column(const struct csv_row *row, long after, const char *name,
			  struct rs_error *err)
{
	struct sbuf h;
	size_t i;
	long hit = -1;

	sbuf_init(&h, 0);
	for (i = (size_t)after + 1; i < row->n && hit < 0; i++) {
		sbuf_reset(&h);
		if (fold_label(row->f[i].p, row->f[i].len, &h, err)) {
			hit = -2;
			break;
		}
		if (!strcmp(h.buf ? h.buf : "", name))
			hit = (long)i;
	}
	sbuf_release(&h);
	return hit;
}

/* The header's cells as read and as folded, "a, b, c", at most about
 * 300 bytes each (cut at a character). */
static int header_lists(const struct csv_row *row, struct sbuf *raw,
			struct sbuf *fold, struct rs_error *err)
{
	struct sbuf h;
	size_t i;

	sbuf_init(&h, 0);
	sbuf_reset(raw);
	sbuf_reset(fold);
	for (i = 0; i < row->n; i++) {
		sbuf_reset(&h);
		if (fold_label(row->f[i].p, row->f[i].len, &h, err)) {
			sbuf_release(&h);
			return -1;
		}
		if (raw->len < 300) {
			if (i)
				sbuf_adds(raw, ", ");
			sbuf_add(raw, row->f[i].p, row->f[i].len);
		}
		if (fold->len < 300) {
			if (i)
				sbuf_addc(fold, '\n');
			sbuf_add(fold, h.buf ? h.buf : "", h.len);
		}
	}
	sbuf_release(&h);
	return 0;
}

/*
 * Text the wrong encoding made of a header: UTF-8 read as GB18030 gives
 * valid but strange Chinese (琛屾斂鍖哄垝浠ｇ爜), whose GB18030 bytes are
 * valid UTF-8 again; GB18030 read as UTF-8 gives invalid bytes. Returns
 * a hint, or NULL.
 */
static const char *encoding_hint(const struct ctx *c, const char *raw, int bad)
{
	enum rs_encoding enc = c->o->map->encoding;
	iconv_t cd;
	char in[1024], out[2048], *ip = in, *op = out;
	size_t il = 0, ol = sizeof(out) - 1, i, good = 0, nbad = 0;

	if (c->fmt != RS_FMT_CSV)
		return NULL;
	/* auto found UTF-8 with a few stray bytes, some in the header */
	if (enc == RS_ENC_AUTO && !c->read_gb && (bad || strstr(raw, "\xEF\xBF\xBD")))
		return "the header has bytes that are not valid UTF-8, though the file is UTF-8 but for a few bytes: retype the header's cells that show \xEF\xBF\xBD (or set the mapping's encoding to gb18030 if the export is GB18030)";
	if (enc != RS_ENC_GB18030 && enc != RS_ENC_AUTO && (bad || strstr(raw, "\xEF\xBF\xBD")))
		return "the header has bytes that are not valid UTF-8: the file looks like GB18030 (set the mapping's encoding to gb18030, or auto)";
	if (enc != RS_ENC_GB18030 && !(enc == RS_ENC_AUTO && c->read_gb))
		return NULL;
	/* re-encode what was decoded, without the replacement characters */
	for (i = 0; raw[i] && il < sizeof(in) - 4; i++) {
		if (!strncmp(raw + i, "\xEF\xBF\xBD", 3)) {
			i += 2;
			continue;
		}
		in[il++] = raw[i];
	}
	cd = iconv_open("GB18030", "UTF-8");
	if (cd == (iconv_t)-1)
		return NULL;
	iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
	for (i = 0; out + i < op; ) {
		unsigned char b = (unsigned char)out[i];
		size_t k;
		if (b < 0x80) {
			i++;
			continue;
		}
		k = rs_utf8_seq((const unsigned char *)out + i, (size_t)(op - out) - i);
		if (k > 1) {
			good += k;
			i += k;
		} else {
			nbad++;
			i++;
		}
	}
	if (good >= 6 && good > 2 * nbad)
		return "the header looks like UTF-8 text decoded as GB18030 (mojibake): set the mapping's encoding to utf-8, or auto";
	return NULL;
}

/* The "has no column" message, with what was found (#20): the header's
 * cells as read and folded, the nearest name, the record used, and what
 * the file's bytes suggest. */
static int missing_column(struct ctx *c, int f, long record, long line,
			  const char *raw, const char *fold, int bad, int searched,
			  struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	const char *p = fold, *best = NULL, *hint;
	size_t bestd = (size_t)-1, bestl = 0, limit;
	struct sbuf folded;
	char nearest[200] = "";

	sbuf_init(&folded, 0);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char name[256];
		size_t d;
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (folded.len)
			sbuf_adds(&folded, ", ");
		sbuf_adds(&folded, name);
		d = norm_distance(name, m->column[f]);
		/* 发放金额 for 发放金额(元): one name inside the other is near */
		if (strlen(name) >= 6 && (strstr(m->column[f], name) || strstr(name, m->column[f])))
			d = 1;
		if (*name && d < bestd) {
			bestd = d;
			best = p;
			bestl = n;
		}
		p = nl ? nl + 1 : NULL;
	}
	{
		unsigned cp[64];
		size_t nc = norm_codepoints(m->column[f], cp, 64);
		limit = nc / 3 > 1 ? nc / 3 : 1;
	}
	if (best && bestd <= limit)
		snprintf(nearest, sizeof(nearest), "; nearest: '%.*s'", (int)bestl, best);
	hint = encoding_hint(c, raw, bad);
	if (c->fmt != RS_FMT_CSV) {
		/* a workbook: the sheet read may not be the one with the data */
		struct sbuf names;
		struct rs_error e2;
		size_t n = 0, i;
		const char *p2;
		sbuf_init(&names, 0);
		if (!rowsrc_sheets(c->o->input, c->fmt, &names, &n, &e2) && n > 1) {
			sbuf_reset(&c->tmp2);
			sbuf_addf(&c->tmp2, "the sheet read is '%s'%s; the workbook's sheets: ",
				  c->sheet_now ? c->sheet_now : "?",
				  m->sheet || m->nsheets ? "" : " (the first visible one with rows)");
			for (i = 0, p2 = names.buf; i < n; i++, p2 += strlen(p2) + 1)
				sbuf_addf(&c->tmp2, "%s%s", i ? ", " : "", p2);
			sbuf_adds(&c->tmp2, " (set the mapping's sheet)");
			hint = c->tmp2.buf;
		}
		sbuf_release(&names);
	}
	rs_err(err, "'%s' has no column '%s' for the field '%s' (mapping '%s' line %ld); %s record %ld (line %ld; blank lines not counted); found: %s%s%s%s%s%s",
	       c->o->source, m->column[f], field_names[f], m->path, m->line[f],
	       searched ? "no record holds every column the mapping names: the closest is" :
	       "the header is", record, line, raw, strcmp(raw, folded.buf ? folded.buf : "") ?
	       "; folded: " : "", strcmp(raw, folded.buf ? folded.buf : "") ?
	       folded.buf : "", nearest, hint ? "; " : "", hint ? hint : "");
	sbuf_release(&folded);
	c->config_error = 1;
	return -1;
}

/* The unit an amount column's header names, width-folded: 发放金额（万元）,
 * 金额(元), 金额/元, 金额（分）. Returns an enum money_unit, or -1 when it
 * names none. */
static int header_unit(const char *s, size_t n, struct sbuf *tmp)
{
	const char *t;
	size_t l;

	sbuf_reset(tmp);
	norm_width(s, n, tmp);
	t = tmp->buf ? tmp->buf : "";
	l = tmp->len;
	if (strstr(t, "万元"))
		return MU_WAN;
	if (strstr(t, "(元)") || strstr(t, "/元") || strstr(t, "：元") ||
	    strstr(t, ":元") || (l >= 3 && !strcmp(t + l - 3, "元")))
		return MU_YUAN;
	if (strstr(t, "(分)") || strstr(t, "/分"))
		return MU_FEN;
	return -1;
}

static const char *unit_name(int u)
{
	return u == MU_WAN ? "万元" : u == MU_FEN ? "分" : "元";
}

static int find_columns(struct ctx *c, const struct csv_row *row,
			struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	int f, found, named;
	long col[F__COUNT];

	c->ncols = (long)row->n;
	if (match_header(c, row, col, &found, &named, err))
		return -1;
	for (f = 0; f < F__COUNT; f++) {
		c->col[f] = col[f];
		if (m->position[f]) {
			if (m->position[f] > c->ncols) {
				c->config_error = 1;
				return rs_err(err, "'%s' has %ld columns, but mapping '%s' line %ld puts '%s' in column %ld",
					      c->o->source, c->ncols, m->path, m->line[f],
					      field_names[f], m->position[f]);
			}
			c->col[f] = m->position[f] - 1;
			continue;
		}
		if (m->column[f] && c->col[f] < 0) {
			struct sbuf raw, fold;
			sbuf_init(&raw, 0);
			sbuf_init(&fold, 0);
			if (!header_lists(row, &raw, &fold, err))
				missing_column(c, f, c->records_seen, row->line,
					       raw.buf ? raw.buf : "", fold.buf ? fold.buf : "",
					       row->bad_encoding, 0, err);
			sbuf_release(&raw);
			sbuf_release(&fold);
			return -1;
		}
	}
	/* Two columns of one name: reading the first would be a guess (an
	 * empty or zero copy before the real column published 0.00万元). */
	for (f = 0; f < F__COUNT; f++) {
		long other;

		if (!m->column[f] || m->position[f] || c->col[f] < 0)
			continue;
		other = second_column(row, c->col[f], m->column[f], err);
		if (other == -2)
			return -1;
		if (other >= 0) {
			const struct csv_field *h = &row->f[c->col[f]];

			c->config_error = 1;
			return rs_err(err, "'%s' line %ld: the header has two columns '%.*s' (columns %ld and %ld), and mapping '%s' line %ld reads '%s' by that name, so which one holds it is a guess: rename the other column in the export, or give the column by its number under columns: in the mapping ('%s: %ld' or '%s: %ld')",
				      c->o->source, row->line, (int)h->len, h->p, c->col[f] + 1,
				      other + 1, m->path, m->line[f], field_names[f],
				      field_names[f], c->col[f] + 1, field_names[f], other + 1);
		}
	}
	/* A header that names its unit decides it: 0.05 read as 元 from a
	 * 发放金额（万元） column would publish a ten-thousandth of the money. */
	if (c->col[F_AMOUNT] >= 0 && (size_t)c->col[F_AMOUNT] < row->n) {
		const struct csv_field *h = &row->f[c->col[F_AMOUNT]];
		int u = header_unit(h->p, h->len, &c->tmp);

		if (u >= 0 && u != (int)m->unit) {
			c->config_error = 1;
			return rs_err(err, "'%s' line %ld: the amount column '%.*s' says its amounts are in %s, but mapping '%s' reads them in %s%s: set amount_unit: %s in '%s'",
				      c->o->source, row->line, (int)h->len, h->p,
				      unit_name(u), m->path, unit_name((int)m->unit),
				      m->unit_line ? "" : " (amount_unit is not set, so 元)",
				      unit_name(u), m->path);
		}
	}
	/* 户主姓名, 姓名, 戶主姓名: a name is masked in rejects (rejects_add) */
	for (size_t i = 0; i < row->n && !c->name_col; i++) {
		size_t l = row->f[i].len;

		if (l >= 6 && !memcmp(row->f[i].p + l - 6, "姓名", 6))
			c->name_col = (long)i + 1;
	}
	c->header_record = c->records_seen;
	c->header_line = row->line;
	c->st->header_line = row->line;
	if (c->o->pv) {
		for (f = 0; f < F__COUNT; f++) {
			if (c->col[f] < 0)
				continue;
			c->o->pv->header[f] = xstrndup(row->f[c->col[f]].p,
						       row->f[c->col[f]].len);
			c->o->pv->column[f] = c->col[f] + 1;
		}
		c->o->pv->header_record = c->records_seen;
	}
	return 0;
}

/* The lines a quoted field may span (--max-quoted-lines). */
static long o_max_lines(const struct ctx *c)
{
	return c->o->max_quoted_lines > 0 ? c->o->max_quoted_lines : CSVIN_MAX_LINES;
}

static void reject(struct ctx *c, const struct csv_row *row,
		   enum reject_code code, int field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void reject(struct ctx *c, const struct csv_row *row,
		   enum reject_code code, int field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->worker) {
		/* not plain: the caller's thread reads the row again */
		c->wrejected = 1;
		return;
	}
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
	c->rj.name = NULL;
	if (c->name_col && (size_t)c->name_col <= row->n) {
		c->rj.name = row->f[c->name_col - 1].p;
		c->rj.name_len = row->f[c->name_col - 1].len;
	}
	rejects_add(&c->rj, c->rj_source.len ? c->rj_source.buf : c->o->source,
		    row->line, code,
		    field >= 0 ? field_names[field] : "", msg, row->raw,
		    row->raw_len);
}

static const struct csv_field *fld(const struct ctx *c, const struct csv_row *row,
				   int f)
{
	static const struct csv_field empty = { "", 0 };

	return c->col[f] >= 0 ? &row->f[c->col[f]] : &empty;
}

/* A workbook's month stored as a number 2024.1: the person may have typed
 * 2024.1 or 2024.10, the cell keeps one value for both. Months 2..9 and
 * 11, 12 read one way only; text '2024.1' and CSV are what was typed. */
static int number_month_ambiguous(const struct ctx *c, const struct csv_row *row)
{
	const struct csv_field *f;
	int i;

	if (!row->num || c->col[F_PERIOD] < 0 || !row->num[c->col[F_PERIOD]])
		return 0;
	f = fld(c, row, F_PERIOD);
	if (f->len != 6 || f->p[4] != '.' || f->p[5] != '1')
		return 0;
	for (i = 0; i < 4; i++)
		if (f->p[i] < '0' || f->p[i] > '9')
			return 0;
	return 1;
}

/* A whole number of five digits (45306, or 45306.0 as some writers give a
 * number cell) that is a spreadsheet day number from 1980 to 2099 in the
 * 1900 system: a month column whose cells lost their date format. */
static int serial_like(const char *s)
{
	size_t n = strspn(s, "0123456789");
	long v;

	if (n != 5 || (s[n] && strspn(s + n, ".0") != strlen(s + n)) ||
	    (s[n] && s[n] != '.'))
		return 0;
	v = strtol(s, NULL, 10);
	return v >= 29221 && v <= 73050;
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

/* Drops n bytes at t->buf + at, and the spaces after them. */
static void cut(struct sbuf *t, size_t at, size_t n)
{
	while (at + n < t->len && t->buf[at + n] == ' ')
		n++;
	memmove(t->buf + at, t->buf + at + n, t->len - at - n + 1);
	t->len -= n;
}

/*
 * A currency sign or a unit written with the amount: ¥1,338.00, ￥1338,
 * -¥10.00, 1338.00元, 0.1338万元. A mark that agrees with the mapping's
 * amount_unit says nothing new and is dropped (¥ and 元 in a column read
 * in 元, 万元 in one read in 万元). One that does not is left in place, so
 * that the amount is a bad_amount, and returned for the message: a 万元
 * amount in a column read in 元 is never taken as 元, nor a yuan sign in
 * a column read in 万元 or 分. Returns NULL when nothing disagrees.
 */
static const char *amount_marks(struct sbuf *t, enum money_unit unit)
{
	size_t at = t->len && (t->buf[0] == '-' || t->buf[0] == '+') ? 1 : 0;
	size_t sign = 0, n;
	const char *odd = NULL;

	if (t->len >= at + 2 && !memcmp(t->buf + at, "\xC2\xA5", 2))
		sign = 2;                       /* ¥ U+00A5 */
	else if (t->len >= at + 3 && !memcmp(t->buf + at, "\xEF\xBF\xA5", 3))
		sign = 3;                       /* ￥ U+FFE5 */
	if (sign) {
		if (unit == MU_YUAN)
			cut(t, at, sign);
		else
			odd = "¥";
	}
	n = t->len;
	if (n >= 6 && !memcmp(t->buf + n - 6, "万元", 6)) {
		if (unit == MU_WAN && !sign)
			t->len = n - 6;
		else if (!odd)          /* ¥…万元 read in 万元: the ¥ disagrees */
			odd = "万元";
	} else if (n >= 3 && !memcmp(t->buf + n - 3, "元", 3)) {
		if (unit == MU_YUAN)
			t->len = n - 3;
		else if (!odd)
			odd = "元";
	}
	while (t->len && t->buf[t->len - 1] == ' ')
		t->len--;
	t->buf[t->len] = '\0';
	return odd;
}

/* Folds width, maps the mapping's decimal points to '.', drops spaces and
 * the currency marks that agree with the mapping's unit (amount_marks).
 * Returns the mark that disagrees, or NULL. */
static const char *number_text(const struct ctx *c, const struct csv_field *f,
			       struct sbuf *out)
{
	const struct mapping *m = c->o->map;
	struct sbuf *w = out;
	size_t i;

	sbuf_reset(w);
	norm_width(f->p, f->len, w);
	if (!w->buf)
		return NULL;
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
	return amount_marks(w, m->unit);
}

/* One to nine digits and nothing else, within [min, max]: 0 and *out
 * set, else -1. */
static int parse_count(const char *s, long min, long max, long *out)
{
	size_t i;
	long v = 0;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 9)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (!i || s[i] || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int trims(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * norm_width of f, NUL-terminated, *len its length: f's own bytes when
 * folding would change nothing (no byte that may start a full-width
 * character or U+3000, nothing to trim), else folded into t. Most fields
 * read as numbers (persons, month, region) are such, on every row.
 */
static const char *width_text(const struct csv_field *f, struct sbuf *t, size_t *len)
{
	const unsigned char *p = (const unsigned char *)f->p;
	size_t i, n = f->len;

	if (n && !trims(p[0]) && !trims(p[n - 1])) {
		for (i = 0; i < n && p[i] < 0xE3; i++)
			;
		if (i == n) {
			*len = n;
			return f->p;
		}
	}
	sbuf_reset(t);
	norm_width(f->p, n, t);
	*len = t->len;
	return t->buf ? t->buf : "";
}

static const struct program *resolve_program(struct ctx *c, const char *label)
{
	return mapping_program(c->o->map, c->o->cat, label);
}

static const char *resolve_area(struct ctx *c, const char *label)
{
	return mapping_area(c->o->map, label);
}

/* Months a back-payment covers: "2024-01..2024-03", "2024-01至2024-03",
 * "2024年1月至3月", "2024-01~2024-03" or one month. */
static int covers_parse(const char *s, struct period *p, int flags)
{
	static const char *const seps[] = { "..", "至", "~", "－", "—", NULL };
	const char *hit = NULL;
	size_t i, seplen = 0;

	for (i = 0; seps[i] && !hit; i++) {
		hit = strstr(s, seps[i]);
		seplen = strlen(seps[i]);
	}
	if (!hit) {
		p->first = p->last = month_parse_opt(s, strlen(s), flags);
		return p->first < 0 ? -1 : 0;
	}
	p->first = month_parse_opt(s, (size_t)(hit - s), flags);
	p->last = month_parse_opt(hit + seplen, strlen(hit + seplen), flags);
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
	const char *t;
	size_t i, tl;

	if (row->unterminated || row->too_long || (long)row->n != c->ncols ||
	    row->bad_encoding)
		return c->o->take_unattributed;
	f = fld(c, row, F_REGION);
	t = width_text(f, &c->tmp, &tl);
	if (tl != 12 || strspn(t, "0123456789") != 12)
		return c->o->take_unattributed;
	for (i = 0; i < c->o->nprefixes; i++)
		if (!strncmp(t, c->o->prefixes[i], strlen(c->o->prefixes[i])))
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

/*
 * The working thread's end of on_data for a row that became a record:
 * its text, after PRE_ROOM bytes and with line 0 in place of its line, to
 * the block's buffer, and the program label's row to the block's list.
 * A text past the buffer's ceiling leaves the row to the caller's thread.
 */
static void work_record(struct ctx *c, struct record *r, struct memo_ent *prog_me)
{
	static const char room[PRE_ROOM];
	struct wblock *wb = c->wb;
	struct pre_row *p = &wb->rows[c->wline];
	struct wlabel *lab;

	r->line = 0;
	sbuf_reset(&c->line);
	sbuf_add(&c->line, room, sizeof(room));
	record_format(r, &c->line);
	p->off = wb->text.len + PRE_ROOM + c->prefix.len + 2;
	p->len = c->line.len - PRE_ROOM - c->prefix.len - 2;
	if (sbuf_add(&wb->text, c->line.buf, c->line.len)) {
		c->wrejected = 1;
		return;
	}
	/* The same label, read from the same memo entry, is one label; the
	 * spare entry (a full memo) holds a new one each time. */
	if (prog_me == &c->program.spare || prog_me->wblk != c->wblk) {
		if (wb->nlabels == wb->lcap) {
			wb->lcap = wb->lcap ? 2 * wb->lcap : 16;
			wb->labels = xreallocarray(wb->labels, wb->lcap, sizeof(*wb->labels));
		}
		lab = &wb->labels[wb->nlabels];
		lab->taken = 0;
		lab->me = NULL;
		prog_me->wblk = c->wblk;
		prog_me->wslot = wb->nlabels++;
	}
	p->wb = wb;
	p->label = prog_me->wslot;
	p->fen = c->fen_val;
	p->persons = c->persons_val;
	p->paid = r->kind != RK_REVERSAL && r->amount > 0;
	p->under_yuan = p->paid && r->amount < 100;
	p->text = wb->text.buf;     /* set: plain (pointed at the text below) */
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
	struct memo_ent *me, *prog_me;
	int64_t fen = 0, m_max;
	long persons = 0, hh = 0;
	const char *t;
	size_t tl;
	int ym, reversal = 0, backpay = 0;
	struct period covers = { -1, -1 };
	size_t i;
	enum id_status ids;
	enum money_status ms;
	const char *mark;

	c->st->rows_read++;
	if (row->unterminated) {
		reject(c, row, RJ_MALFORMED_LINE, -1,
		       "a quoted field opened on line %ld is never closed; the lines after it are read as rows",
		       row->line);
		return 0;
	}
	if (row->too_long) {
		reject(c, row, RJ_MALFORMED_LINE, -1,
		       "record longer than 1 MiB or a quoted field over %ld lines: lines %ld to %ld are one reject",
		       o_max_lines(c), row->line, row->line + row->nlines - 1);
		return 0;
	}
	if ((long)row->n == c->ncols + 1 && is_blank(&row->f[row->n - 1])) {
		/* a delimiter at the end of the line that the header's lacks
		 * (or a comma unquoted in a field, which shifts the rest):
		 * not taken, but counted for the likely fix */
		c->st->trailing_empty++;
		reject(c, row, RJ_MALFORMED_LINE, -1,
		       "too many fields: %zu, the header has %ld; the last one is empty: the line ends in a delimiter that the header line (line %ld) lacks",
		       row->n, c->ncols, c->header_line);
		return 0;
	}
	if ((long)row->n != c->ncols) {
		reject(c, row, RJ_MALFORMED_LINE, -1, "too %s fields: %zu, the header has %ld",
		       (long)row->n > c->ncols ? "many" : "few", row->n, c->ncols);
		return 0;
	}
	if (row->bad_encoding) {
		if (!c->st->bad_bytes) {
			c->st->bad_line = row->bad_line;
			c->st->bad_col = row->bad_col;
		}
		c->st->bad_bytes += row->bad_bytes;
		c->st->bad_gb18030 = row->gb18030;
		reject(c, row, RJ_BAD_ENCODING, -1,
		       "%ld byte%s invalid in %s at %ld:%ld (byte column); the rest of the file reads as %s: retype the character there in the export",
		       row->bad_bytes, row->bad_bytes == 1 ? "" : "s",
		       row->gb18030 ? "GB18030" : "UTF-8", row->bad_line, row->bad_col,
		       row->gb18030 ? "GB18030" : "UTF-8");
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
	mark = number_text(c, fld(c, row, F_AMOUNT), &c->tmp);
	ms = money_parse(c->tmp.buf, c->tmp.len, m->unit, &fen);
	/* what add_to_sums would make of it */
	c->fen_state = ms == MONEY_OK ? 1 : 2;
	c->fen_val = fen;
	if (ms != MONEY_OK && mark) {
		c->st->unit_marks++;
		if (!c->st->unit_mark)
			c->st->unit_mark = mark;
		reject(c, row, RJ_BAD_AMOUNT, F_AMOUNT,
		       "amount '%s' is written in %s, but the column is read in %s: not taken either way",
		       c->tmp.buf, !strcmp(mark, "¥") ? "元 (a yuan sign)" : mark,
		       unit_name((int)m->unit));
		return 0;
	}
	if (ms != MONEY_OK) {
		if (ms == MONEY_TOO_PRECISE)
			c->st->too_precise++;
		reject(c, row, RJ_BAD_AMOUNT, F_AMOUNT, "amount '%s' %s", c->tmp.buf,
		       ms == MONEY_TOO_PRECISE ? "is more precise than a fen" :
		       ms == MONEY_TOO_LARGE ? "is too large" : "is not a number");
		return 0;
	}
	if ((fen < 0 ? -fen : fen) > (m_max = c->o->max_fen ? c->o->max_fen : INGEST_MAX_FEN)) {
		char cap[32];

		reject(c, row, RJ_BAD_AMOUNT, F_AMOUNT,
		       "amount '%s' is above the ceiling of %s yuan a payment (--max-amount)",
		       c->tmp.buf, money_fmt_yuan(m_max, cap));
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
	t = width_text(fld(c, row, F_PERIOD), &c->tmp, &tl);
	if (number_month_ambiguous(c, row)) {
		reject(c, row, RJ_BAD_PERIOD, F_PERIOD,
		       "the month is a number cell %s, which may have been %s0 (a spreadsheet drops the trailing 0 of %s0): format the column as text in the export, or give the month as %.4s%02d or %.4s10",
		       t, t, t, t, 1, t);
		return 0;
	}
	ym = month_parse_opt(t, tl, m->date_flags);
	if (ym < 0 && !(m->date_flags & (RS_DATE_SERIAL1900 | RS_DATE_SERIAL1904)) &&
	    serial_like(t)) {
		long v = strtol(t, NULL, 10);
		int y, mo, d;

		rs_serial_date((double)v, RS_DATE_SERIAL1900, &y, &mo, &d);
		if (!c->st->serial_months)
			c->st->serial_first = v;
		c->st->serial_months++;
		reject(c, row, RJ_BAD_PERIOD, F_PERIOD,
		       "'%s' is not a month: it looks like a spreadsheet day number, %04d-%02d-%02d in Excel's usual (1900) system, which the mapping's serial_dates reads",
		       t, y, mo, d);
		return 0;
	}
	if (ym < 0) {
		reject(c, row, RJ_BAD_PERIOD, F_PERIOD, "'%s' is not a month", t);
		return 0;
	}
	/* A back-payment names the months it covers; so does the reversal of
	 * one (a reversal without covers reverses a regular payment). */
	if (backpay || (reversal && c->col[F_COVERS] >= 0 &&
			!is_blank(fld(c, row, F_COVERS)))) {
		sbuf_reset(&c->tmp);
		norm_width(fld(c, row, F_COVERS)->p, fld(c, row, F_COVERS)->len, &c->tmp);
		if (covers_parse(c->tmp.buf, &covers, m->date_flags) || covers.last >= ym) {
			reject(c, row, RJ_BAD_PERIOD, F_COVERS,
			       "a back-payment must cover earlier months, like 2024-01..2024-03, not '%s'",
			       c->tmp.buf);
			return 0;
		}
	}
	me = prog_me = memo_fold(&c->program, fld(c, row, F_PROGRAM), 0, &c->tmp2, err);
	if (!me)
		return -1;
	if (!me->has_res) {
		me->res = resolve_program(c, me->norm);
		me->has_res = 1;
	}
	prog = me->res;
	if (prog && me != &c->program.spare)
		me->hits++;
	if (!prog) {
		me->misses++;
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
	t = width_text(fld(c, row, F_PERSONS), &c->tmp, &tl);
	c->persons_state = parse_count(t, 0, 100000, &persons) ? 2 : 1;
	c->persons_val = persons;
	if (c->persons_state == 2) {
		reject(c, row, RJ_PERSONS_OUT_OF_RANGE, F_PERSONS,
		       "persons '%s' is not a whole number", t);
		return 0;
	}
	if (c->col[F_HOUSEHOLD] >= 0 && !is_blank(fld(c, row, F_HOUSEHOLD))) {
		t = width_text(fld(c, row, F_HOUSEHOLD), &c->tmp, &tl);
		if (parse_count(t, 1, 100000, &hh)) {
			reject(c, row, RJ_PERSONS_OUT_OF_RANGE, F_HOUSEHOLD,
			       "household size '%s' is not a whole number", t);
			return 0;
		}
	}
	t = width_text(fld(c, row, F_REGION), &c->tmp, &tl);
	if (tl != 12 || strspn(t, "0123456789") != 12) {
		reject(c, row, RJ_UNKNOWN_REGION, F_REGION,
		       "region code '%s' is not 12 digits", t);
		return 0;
	}
	memcpy(region, t, 12);
	region[12] = '\0';

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
	if (!reversal && fen > 0) {
		c->paid++;
		c->under_yuan += fen < 100;
	}
	if (c->o->pv) {
		preview_parsed(c, &r, id);
		memset(id, 0, sizeof(id));
		return 0;
	}
	memset(id, 0, sizeof(id));
	if (c->worker) {
		work_record(c, &r, prog_me);
		return 0;
	}
	sbuf_reset(&c->line);
	record_format(&r, &c->line);
	rs_out_write(&c->out, c->line.buf, c->line.len);
	return 0;
}

/* The first named column the mapping has and row lacks; -1 if none, -2
 * with err filled when folding fails. */
static int first_missing(struct ctx *c, const struct csv_row *row,
			 struct rs_error *err)
{
	long col[F__COUNT];
	int f, found, named;

	if (match_header(c, row, col, &found, &named, err))
		return -2;
	for (f = 0; f < F__COUNT; f++)
		if (c->o->map->column[f] && col[f] < 0)
			return f;
	return -1;
}

static int header_not_found(struct ctx *c, struct rs_error *err)
{
	const char *fold = c->best_fold.buf ? c->best_fold.buf : "";
	int f = (int)c->best_match;

	return missing_column(c, f, c->best_record, c->best_line,
			      c->best_raw.buf ? c->best_raw.buf : "", fold, c->best_bad,
			      1, err);
}

/*
 * A record before the header is known. With header_row given, that record
 * is the header; if it lacks a column, the next HEADER_SEARCH records are
 * looked at so that the message can name the one that has them all. With
 * header_row: auto (the default), the first record holding every column
 * the mapping names is the header.
 */
static int on_header_candidate(struct ctx *c, const struct csv_row *row,
			       struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	long col[F__COUNT];
	int found, named, f;

	if (m->header_row && !c->hdr_err) {
		if (c->records_seen < m->header_row)
			return 0;
		c->have_header = 1;
		if (!find_columns(c, row, err))
			return 0;
		if (!c->config_error)
			return -1;
		c->have_header = 0;
		c->hdr_err = xstrdup(err->msg);
		return 0;
	}
	if (match_header(c, row, col, &found, &named, err))
		return -1;
	if (c->hdr_err) {
		if (named && found == named) {
			c->config_error = 1;
			return rs_err(err, "%s; record %ld (line %ld) holds every column the mapping names: set header_row: %ld, or auto",
				      c->hdr_err, c->records_seen, row->line,
				      c->records_seen);
		}
		if (c->records_seen >= m->header_row + HEADER_SEARCH) {
			c->config_error = 1;
			return rs_err(err, "%s", c->hdr_err);
		}
		return 0;
	}
	if (!named || found == named) {
		c->have_header = 1;
		return find_columns(c, row, err);
	}
	if (!c->best_record || found > c->best_record_found) {
		f = first_missing(c, row, err);
		if (f == -2)
			return -1;
		c->best_record_found = found;
		c->best_match = f;
		c->best_record = c->records_seen;
		c->best_line = row->line;
		c->best_bad = row->bad_encoding;
		if (header_lists(row, &c->best_raw, &c->best_fold, err))
			return -1;
	}
	if (c->records_seen >= HEADER_SEARCH)
		return header_not_found(c, err);
	return 0;
}

static int is_apostrophe(const struct csv_field *f)
{
	return (f->len && f->p[0] == '\'') ||
	       (f->len >= 3 && !memcmp(f->p, "\xEF\xBC\x87", 3));   /* ＇ */
}

/*
 * The row as the checks see it: a workbook row padded with empty cells to
 * the header's width (a sheet leaves trailing empty cells out), and the
 * leading apostrophe by which Excel users force text ('410103...) dropped
 * from every mapped field. row itself when nothing changes.
 */
static const struct csv_row *prepare(struct ctx *c, const struct csv_row *row,
				     struct csv_row *tmp)
{
	size_t n = row->n, i;
	int f, need = 0;

	if (row->too_long || row->unterminated)
		return row;
	if (c->fmt != RS_FMT_CSV && (long)n != c->ncols) {
		for (i = (size_t)c->ncols; i < n && !row->f[i].len; i++)
			;
		if ((long)n < c->ncols || i == n) {
			n = (size_t)c->ncols;
			need = 1;
		}
	}
	for (f = 0; f < F__COUNT && !need; f++)
		if (c->col[f] >= 0 && (size_t)c->col[f] < n &&
		    is_apostrophe(&row->f[c->col[f]]))
			need = 1;
	if (!need)
		return row;
	if (n > c->fvcap) {
		c->fvcap = n;
		c->fv = xreallocarray(c->fv, n, sizeof(*c->fv));
	}
	for (i = 0; i < n; i++) {
		if (i < row->n)
			c->fv[i] = row->f[i];
		else {
			c->fv[i].p = "";
			c->fv[i].len = 0;
		}
	}
	for (f = 0; f < F__COUNT; f++) {
		struct csv_field *x;
		if (c->col[f] < 0 || (size_t)c->col[f] >= n)
			continue;
		x = &c->fv[c->col[f]];
		if (is_apostrophe(x)) {
			size_t k = x->p[0] == '\'' ? 1 : 3;
			x->p += k;
			x->len -= k;
			c->apostrophes++;
		}
	}
	*tmp = *row;
	tmp->f = c->fv;
	tmp->n = n;
	return tmp;
}

/* A row whose label cells read 合计, 小计 or 总计 (either script, any
 * width, spaces and a colon ignored) and that has no ID: 2 for 小计
 * (closes the rows since the last 小计), 1 for the others (all rows so
 * far), 0 for a payment row. */
static int total_kind(struct ctx *c, const struct csv_row *row, struct rs_error *err)
{
	size_t i, j, k;

	if ((long)row->n != c->ncols || c->col[F_ID] < 0 ||
	    !is_blank(&row->f[c->col[F_ID]]))
		return 0;
	for (i = 0; i < row->n; i++) {
		const struct csv_field *fl = &row->f[i];
		if ((long)i == c->col[F_AMOUNT] || (long)i == c->col[F_PERSONS] ||
		    (long)i == c->col[F_HOUSEHOLD] || fl->len > 64 ||
		    (!memmem(fl->p, fl->len, "\xE8\xAE\xA1", 3) &&    /* 计 */
		     !memmem(fl->p, fl->len, "\xE8\xA8\x88", 3)))     /* 計 */
			continue;
		sbuf_reset(&c->tmp);
		if (fold_label(fl->p, fl->len, &c->tmp, err))
			return -1;
		for (j = k = 0; j < c->tmp.len; j++)
			if (c->tmp.buf[j] != ' ' && c->tmp.buf[j] != ':')
				c->tmp.buf[k++] = c->tmp.buf[j];
		c->tmp.buf[k] = '\0';
		if (!strcmp(c->tmp.buf, "小计"))
			return 2;
		if (!strcmp(c->tmp.buf, "合计") || !strcmp(c->tmp.buf, "总计"))
			return 1;
	}
	return 0;
}

/* A data row's amount and persons, as the export's totals would add them:
 * on_data's values when it read them (fen_state, persons_state), else
 * read here the same way. */
static void add_to_sums(struct ctx *c, const struct csv_row *row)
{
	if ((long)row->n != c->ncols || row->too_long)
		return;
	if (!c->fen_state) {
		number_text(c, fld(c, row, F_AMOUNT), &c->tmp);
		c->fen_state = money_parse(c->tmp.buf, c->tmp.len, c->o->map->unit,
					   &c->fen_val) == MONEY_OK ? 1 : 2;
	}
	if (c->fen_state == 1) {
		c->sum_all += c->fen_val;
		c->sum_section += c->fen_val;
	}
	if (!c->persons_state) {
		sbuf_reset(&c->tmp);
		norm_width(fld(c, row, F_PERSONS)->p, fld(c, row, F_PERSONS)->len, &c->tmp);
		c->persons_state = parse_count(c->tmp.buf, 0, 100000, &c->persons_val) ? 2 : 1;
	}
	if (c->persons_state == 1) {
		c->persons_all += c->persons_val;
		c->persons_section += c->persons_val;
	}
}

/* The catalog name or alias nearest to label, or NULL when none is near
 * (a third of its characters, at least one). */
static const char *nearest_program(const struct catalog *cat, const char *label)
{
	unsigned cp[64];
	size_t i, d, best = (size_t)-1, limit = norm_codepoints(label, cp, 64) / 3;
	const char *hit = NULL;

	if (limit < 1)
		limit = 1;
	for (i = 0; i < cat->nlabels; i++) {
		d = norm_distance(label, cat->labels[i]);
		if (d < best) {
			best = d;
			hit = cat->labels[i];
		}
	}
	return best <= limit ? hit : NULL;
}

/* Rows of the program label resolves to, over every label read that
 * resolved to it. */
static long program_rows(struct ctx *c, const char *label)
{
	const struct program *p = resolve_program(c, label);
	long n = 0;
	size_t i;

	for (i = 0; p && i < 2 * MEMO_MAX; i++)
		if (c->program.e[i].raw && c->program.e[i].res == p)
			n += c->program.e[i].hits;
	return n;
}

/*
 * Returns 1 when a program label that neither the catalog nor the mapping
 * knows is on UNKNOWN_LABEL_ROWS rows or more, or near a catalog name and
 * on a large share of that program's rows (UNKNOWN_NEAR_*), and that loss
 * is not accepted: a misspelt label under the loss gate would take a
 * program, or much of it, out of the tables without a word. what then
 * says what was found (the label, its rows, the near catalog name with
 * its code and rows, what would be missing), fix the mapping line to add.
 * Else 0, what and fix untouched.
 */
static int unknown_labels(struct ctx *c, struct sbuf *what, struct sbuf *fix)
{
	const struct ingest_opts *o = c->o;
	const struct memo_ent *worst = NULL;
	const char *worst_near = NULL;
	long n = 0, rows = 0, near_rows = 0;
	size_t i;

	if (!c->program.e || (o->gate && o->gate->accept[RJ_UNKNOWN_PROGRAM]))
		return 0;
	for (i = 0; i < 2 * MEMO_MAX; i++) {
		const struct memo_ent *e = &c->program.e[i];
		const char *near;
		long have = 0;

		if (!e->raw || e->res || !e->misses)
			continue;
		/* a label on fewer rows than either rule counts is passed
		 * over, near a catalog name or not: its distance to every
		 * name is not worth working out (a file's stray labels are
		 * many) */
		if (e->misses < UNKNOWN_LABEL_ROWS && e->misses < UNKNOWN_NEAR_ROWS)
			continue;
		near = nearest_program(o->cat, e->norm);
		if (near)
			have = program_rows(c, near);
		if (e->misses < UNKNOWN_LABEL_ROWS &&
		    !(near && e->misses >= UNKNOWN_NEAR_ROWS &&
		      (double)e->misses >= UNKNOWN_NEAR_SHARE * (double)(e->misses + have)))
			continue;
		n++;
		rows += e->misses;
		if (!worst || e->misses > worst->misses) {
			worst = e;
			worst_near = near;
			near_rows = have;
		}
	}
	if (!worst)
		return 0;
	{
		const struct program *p = worst_near ? resolve_program(c, worst_near) : NULL;
		char hint[256] = "", more[96] = "";

		if (p && near_rows)
			snprintf(hint, sizeof(hint), " (did you mean '%s', code %s? these are %.1f%% of its %ld rows)",
				 worst_near, p->code,
				 100.0 * (double)worst->misses / (double)(worst->misses + near_rows),
				 worst->misses + near_rows);
		else if (p)
			snprintf(hint, sizeof(hint), " (did you mean '%s', code %s?)",
				 worst_near, p->code);
		if (n > 1)
			snprintf(more, sizeof(more), ", nor are %ld other labels (%ld rows in all)",
				 n - 1, rows);
		sbuf_addf(what, "the program label '%s' on %ld rows is not in the catalog or the mapping's programs%s%s; %s would be missing from the tables",
			  worst->norm, worst->misses, hint, more,
			  near_rows ? "those payments" : "a whole program");
		sbuf_addf(fix, "map it under programs: in '%s' (e.g. '%s: %s')",
			  o->map->path, worst->norm, p ? p->code : "CODE");
		return 1;
	}
}

/* A total row: compared with the rows it closes, counted, never a record
 * or a reject. */
static void on_total(struct ctx *c, const struct csv_row *row, int kind)
{
	int64_t fen = 0, want = kind == 2 ? c->sum_section : c->sum_all;
	long persons = 0, pwant = kind == 2 ? c->persons_section : c->persons_all;
	int have_amount, have_persons;
	char a[32], b[32], d[32];
	const char *label = kind == 2 ? "小计" : "合计";

	c->totals++;
	number_text(c, fld(c, row, F_AMOUNT), &c->tmp);
	have_amount = money_parse(c->tmp.buf, c->tmp.len, c->o->map->unit, &fen) == MONEY_OK;
	sbuf_reset(&c->tmp);
	norm_width(fld(c, row, F_PERSONS)->p, fld(c, row, F_PERSONS)->len, &c->tmp);
	have_persons = !parse_count(c->tmp.buf, 0, 1000000000, &persons);
	if (c->o->nprefixes)
		have_amount = have_persons = 0;   /* the rows are not all here */
	if ((have_amount && fen != want) || (have_persons && persons != pwant)) {
		c->total_mismatches++;
		char p[24];

		snprintf(p, sizeof(p), "%ld", persons);
		rs_warn("'%s' line %ld: the export's %s does not match its rows: amount %s against %s computed (difference %s), persons %s against %ld",
			c->o->source, row->line, label,
			have_amount ? money_fmt_yuan(fen, a) : "-", money_fmt_yuan(want, b),
			money_fmt_yuan(have_amount ? fen - want : 0, d),
			have_persons ? p : "-", pwant);
	}
	if (have_amount && kind == 1) {
		c->have_grand = 1;
		c->grand_export = fen;
		c->grand_computed = want;
	} else if (have_amount) {
		c->have_sub = 1;
		c->sub_export += fen;
		c->sub_computed += want;
	}
	if (c->totals <= TOTALS_LISTED) {
		json_t *j = json_object();
		json_object_set_new(j, "line", json_integer(row->line));
		json_object_set_new(j, "label", json_text(label));
		if (have_amount) {
			json_object_set_new(j, "amount_export",
					    json_string(money_fmt_yuan(fen, a)));
			json_object_set_new(j, "amount_computed",
					    json_string(money_fmt_yuan(want, b)));
			json_object_set_new(j, "amount_difference",
					    json_string(money_fmt_yuan(fen - want, d)));
		}
		if (have_persons) {
			json_object_set_new(j, "persons_export", json_integer(persons));
			json_object_set_new(j, "persons_computed", json_integer(pwant));
		}
		json_array_append_new(c->totals_json, j);
	}
	c->sum_section = 0;
	c->persons_section = 0;
}

/*
 * The labels a signature or note line at the foot of an official export
 * starts with, Simplified (norm_label folds Traditional and width first).
 * "单位负责人" before "负责人" is not needed: a label must start the cell.
 */
static const char *const footer_labels[] = {
	"制表人", "审核人", "填报人", "单位负责人", "负责人", "填报日期",
	"制表日期", "填报单位", "联系电话", "说明", "注",
};

/* Does folded text (norm_label's) start with label, spaces between its
 * characters ignored, followed by the end, a colon (after a number, as
 * in 注1：) or a space and more text? Returns 1 or 0. */
static int starts_with_label(const char *s, size_t n, const char *label)
{
	size_t i = 0, spaces = 0;
	const char *l = label;

	while (*l) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n || s[i] != *l)
			return 0;
		i++;
		l++;
	}
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	while (i < n && s[i] == ' ') {
		i++;
		spaces++;
	}
	return i == n || s[i] == ':' || spaces;
}

/*
 * A footer row: a signature or note line (制表人：张三, 审核人, 填报日期：
 * 2025年1月5日, 说明：..., 注：...) with no ID and no amount, at most
 * FOOTER_CELLS non-empty cells, the first of which starts with one of
 * footer_labels (either script, any width, spaces ignored), and no more
 * fields than the header (a short one-cell line is one too). Returns the
 * label matched, NULL for a row to read as data, with *failed set when
 * folding failed (err filled). A row with an ID or an amount is a data
 * row whatever its first cell says.
 */
static const char *footer_label(struct ctx *c, const struct csv_row *row,
				int *failed, struct rs_error *err)
{
	const struct csv_field *first = NULL;
	size_t i, n, cells = 0;

	*failed = 0;
	if (row->too_long || row->unterminated || row->bad_encoding ||
	    (long)row->n > c->ncols)
		return NULL;
	if ((c->col[F_ID] >= 0 && (size_t)c->col[F_ID] < row->n &&
	     !is_blank(&row->f[c->col[F_ID]])) ||
	    (c->col[F_AMOUNT] >= 0 && (size_t)c->col[F_AMOUNT] < row->n &&
	     !is_blank(&row->f[c->col[F_AMOUNT]])))
		return NULL;
	for (i = 0; i < row->n; i++) {
		if (is_blank(&row->f[i]))
			continue;
		if (!first)
			first = &row->f[i];
		if (++cells > FOOTER_CELLS)
			return NULL;
	}
	if (!first)
		return NULL;
	/* a label starts the cell: its first bytes are enough, cut on a
	 * character's start */
	n = first->len;
	if (n > 96) {
		n = 96;
		while (n && ((unsigned char)first->p[n] & 0xC0) == 0x80)
			n--;
	}
	sbuf_reset(&c->tmp);
	if (fold_label(first->p, n, &c->tmp, err)) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < sizeof(footer_labels) / sizeof(*footer_labels); i++)
		if (starts_with_label(c->tmp.buf, c->tmp.len, footer_labels[i]))
			return footer_labels[i];
	return NULL;
}

/* Holds a footer-looking row until its sheet ends or a data row follows. */
static void pend_push(struct ctx *c, const struct csv_row *row, const char *label)
{
	struct pend_row *p;
	size_t i, len = row->raw_len;
	char *q;

	for (i = 0; i < row->n; i++)
		len += row->f[i].len;
	c->pend = xreallocarray(c->pend, c->npend + 1, sizeof(*c->pend));
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof(*p));
	p->row = *row;
	p->label = label;
	p->text = q = xmalloc(len + 1);
	memcpy(q, row->raw, row->raw_len);
	p->row.raw = q;
	q += row->raw_len;
	p->f = xcalloc(row->n ? row->n : 1, sizeof(*p->f));
	for (i = 0; i < row->n; i++) {
		memcpy(q, row->f[i].p, row->f[i].len);
		p->f[i].p = q;
		p->f[i].len = row->f[i].len;
		q += row->f[i].len;
	}
	*q = '\0';
	p->row.f = p->f;
	if (row->num) {
		p->num = xmalloc(row->n ? row->n : 1);
		memcpy(p->num, row->num, row->n);
		p->row.num = p->num;
	}
	c->pend_bytes += len;
}

static void pend_clear(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->npend; i++) {
		free(c->pend[i].text);
		free(c->pend[i].f);
		free(c->pend[i].num);
	}
	c->npend = 0;
	c->pend_bytes = 0;
}

static int data_row(struct ctx *c, const struct csv_row *row, struct rs_error *err);
static int take_plain(struct ctx *c, const struct csv_row *row,
		      const struct pre_row *p, struct rs_error *err);
static void arm_worker(struct ctx *c);
static struct ctx *worker_new(const struct ctx *c);

/* A data or total row follows the rows held: they were data rows after
 * all, read as they always were (a missing_field reject, most often). */
static int pend_as_data(struct ctx *c, struct rs_error *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < c->npend && !ret; i++)
		ret = data_row(c, &c->pend[i].row, err);
	pend_clear(c);
	return ret;
}

/* The sheet (or file) ended: the rows held are its footer, counted in
 * rows_read, neither records nor rejects, listed by line and label
 * only (the text after the label holds names). */
static void pend_as_footers(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->npend; i++) {
		if (c->o->nprefixes && !c->o->take_unattributed) {
			c->st->other_partitions++;
			continue;
		}
		c->st->rows_read++;
		if (++c->footers <= FOOTERS_LISTED)
			json_array_append_new(c->footers_json,
					      json_pack("{s:I,s:o}", "line",
							(json_int_t)c->pend[i].row.line, "label",
							json_text(c->pend[i].label)));
	}
	pend_clear(c);
}

/* A record of empty fields (",,,,": a blank spreadsheet row saved as CSV)
 * is skipped and not counted, as a blank line is. */
static int all_empty(const struct csv_row *row)
{
	size_t i;

	if (row->too_long || row->unterminated || row->bad_encoding)
		return 0;
	for (i = 0; i < row->n; i++)
		if (!is_blank(&row->f[i]))
			return 0;
	return 1;
}

/* A later sheet of the workbook holds rows but not the first sheet's
 * header: reading on would mix two tables, or drop one. */
static int other_header(struct ctx *c, struct rs_error *err)
{
	struct sbuf names;
	struct rs_error e2;
	size_t n = 0, i, hl;
	const char *p;
	int ret;

	/* the header, cut at 200 bytes on a character's start */
	hl = c->hdr_raw.len;
	if (hl > 200) {
		hl = 200;
		while (hl && ((unsigned char)c->hdr_raw.buf[hl] & 0xC0) == 0x80)
			hl--;
	}
	sbuf_init(&names, 0);
	sbuf_reset(&c->tmp2);
	if (!rowsrc_visible_sheets(c->o->input, c->fmt, &names, &n, &e2))
		for (i = 0, p = names.buf; i < n; i++, p += strlen(p) + 1)
			sbuf_addf(&c->tmp2, "%s%s", i ? ", " : "", p);
	c->config_error = 1;
	ret = rs_err(err, "workbook '%s': sheet '%s' has rows but not the header of the sheet read first (%s line %ld: %.*s%s): the sheets are not one table; set the mapping's sheet: to the one to read, or sheets: [...] to those with that header (the workbook's visible sheets: %s)",
		     c->o->source, c->sheet_now ? c->sheet_now : "?",
		     c->header_sheet.len ? c->header_sheet.buf : "its", c->header_line,
		     (int)hl, c->hdr_raw.buf ? c->hdr_raw.buf : "",
		     hl < c->hdr_raw.len ? "..." : "", c->tmp2.buf ? c->tmp2.buf : "");
	sbuf_release(&names);
	return ret;
}

/*
 * A short last row without its line end (a quoted field still open, or
 * fewer fields than the header, and no footer label): the file was cut
 * there, copied in part or still being copied, and the rows after it are
 * missing, not rejected. A data failure (exit 1): nothing is committed.
 */
static int cut_short(struct ctx *c, const struct csv_row *row, struct rs_error *err)
{
	char what[64];

	if (row->unterminated)
		snprintf(what, sizeof(what), "a quoted field still open");
	else
		snprintf(what, sizeof(what), "%zu fields of %ld", row->n, c->ncols);
	return rs_err(err, "'%s': the export ends in the middle of a row at line %ld (%s): it was cut short or is still being copied -- copy it again, whole",
		      c->o->source, row->line, what);
}

static int on_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct ctx *c = vctx;
	struct csv_row tmp;
	int kind;

	if (row->pre && ((const struct pre_row *)row->pre)->text)
		return take_plain(c, row, row->pre, err);
	c->read_gb = row->gb18030;
	if (all_empty(row)) {
		c->empty_rows++;
		return 0;
	}
	c->sheet_rows++;
	if (c->seek_header) {
		/* a later sheet: rows before its header are titles, as on
		 * the first; a header unlike the first's is another table */
		if (row->raw_len == c->hdr_raw.len &&
		    !memcmp(row->raw, c->hdr_raw.buf, row->raw_len)) {
			c->seek_header = 0;
			return 0;
		}
		if (c->sheet_rows >= HEADER_SEARCH)
			return other_header(c, err);
		return 0;
	}
	c->records_seen++;
	if (!c->have_header) {
		if (on_header_candidate(c, row, err))
			return -1;
		if (c->have_header) {
			sbuf_reset(&c->hdr_raw);
			sbuf_add(&c->hdr_raw, row->raw, row->raw_len);
			arm_worker(c);
		}
		return 0;
	}
	if (c->o->preview && c->st->rows_read >= c->o->preview) {
		c->preview_done = 1;	/* enough rows: stop reading */
		return rs_err(err, "preview done");
	}
	if (row->no_eol && row->unterminated && !row->too_long)
		return cut_short(c, row, err);
	row = prepare(c, row, &tmp);
	kind = total_kind(c, row, err);
	if (kind < 0)
		return -1;
	if (!kind) {
		int failed;
		const char *label = footer_label(c, row, &failed, err);

		if (failed)
			return -1;
		/* 制表人：张三 as the very last line, no line end after it, is a
		 * footer like any other, not a cut */
		if (!label && row->no_eol && !row->too_long && (long)row->n < c->ncols)
			return cut_short(c, row, err);
		if (label) {
			if (c->npend >= FOOTER_PENDING ||
			    c->pend_bytes + row->raw_len > FOOTER_PENDING_BYTES) {
				if (pend_as_data(c, err))
					return -1;
			}
			pend_push(c, row, label);
			return 0;
		}
	}
	/* a data or total row: what was held was no footer */
	if (c->npend && pend_as_data(c, err))
		return -1;
	if (kind) {
		if (c->o->nprefixes && !c->o->take_unattributed) {
			c->st->other_partitions++;
			return 0;
		}
		c->st->rows_read++;
		on_total(c, row, kind);
		return 0;
	}
	return data_row(c, row, err);
}

/* A payment row (or one that should have been): a record or a reject. */
static int data_row(struct ctx *c, const struct csv_row *row, struct rs_error *err)
{
	if (c->o->nprefixes && !mine(c, row)) {
		c->st->other_partitions++;
		return 0;
	}
	c->fen_state = c->persons_state = 0;
	if (on_data(c, row, err))
		return -1;
	add_to_sums(c, row);
	return 0;
}

/*
 * A row the working thread made a record of: what on_row, data_row and
 * on_data would do with it, from what that thread kept (pre_row). The
 * first row of each program label in the block looks the label up in
 * this thread's memo, where on_data would have (so that the memo fills
 * in the same order); the next ones count in the entry found.
 */
static int take_plain(struct ctx *c, const struct csv_row *row,
		      const struct pre_row *p, struct rs_error *err)
{
	struct wlabel *lab = &p->wb->labels[p->label];
	char *t = p->text, *q = t - 1;
	long v = row->line;

	c->sheet_rows++;
	c->records_seen++;
	if (c->npend && pend_as_data(c, err))
		return -1;
	c->st->rows_read++;
	if (!lab->taken) {
		struct memo_ent *me = memo_fold(&c->program, fld(c, row, F_PROGRAM), 0,
						&c->tmp2, err);
		if (!me)
			return -1;
		if (!me->has_res) {
			me->res = resolve_program(c, me->norm);
			me->has_res = 1;
		}
		lab->taken = 1;
		lab->me = me->res && me != &c->program.spare ? me : NULL;
	}
	if (lab->me)
		lab->me->hits++;
	c->st->records++;
	c->paid += p->paid;
	c->under_yuan += p->under_yuan;
	c->sum_all += p->fen;
	c->sum_section += p->fen;
	c->persons_all += p->persons;
	c->persons_section += p->persons;
	/* "source,LINE," into the room before the text ("0," ends at t) */
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	q -= c->prefix.len;
	memcpy(q, c->prefix.buf, c->prefix.len);
	rs_out_write(&c->out, q, (size_t)(t + p->len - q));
	return 0;
}

/*
 * The working thread's look at one split line, as on_row would read it
 * with the header known: a plain row is left in its pre_row (text set);
 * anything else, whatever it is, is left to the caller's thread.
 */
static void work_row(struct ctx *c, const struct csv_row *row)
{
	struct rs_error err;
	struct csv_row tmp;
	int failed;

	if (all_empty(row) || prepare(c, row, &tmp) != row ||
	    total_kind(c, row, &err) || footer_label(c, row, &failed, &err) || failed ||
	    (c->o->nprefixes && !mine(c, row)))
		return;
	c->wrejected = 0;
	c->fen_state = c->persons_state = 0;
	if (on_data(c, row, &err) || c->wrejected)
		c->wb->rows[c->wline].text = NULL;
}

/* csvin_work's fn: every split line of b, on the working thread. */
static void work_block(void *vctx, struct scan_block *b)
{
	struct ctx *c = vctx;
	struct wblock *wb = b->wmem;
	size_t i;

	if (!wb) {
		wb = b->wmem = xcalloc(1, sizeof(*wb));
		sbuf_init(&wb->text, 0);
	}
	if (b->nl > wb->rcap) {
		wb->rcap = b->nl;
		wb->rows = xreallocarray(wb->rows, wb->rcap, sizeof(*wb->rows));
	}
	sbuf_reset(&wb->text);
	wb->nlabels = 0;
	c->wb = wb;
	c->wblk++;
	for (i = 0; i < b->nl; i++) {
		const struct scan_line *l = &b->l[i];
		struct csv_row row;

		wb->rows[i].text = NULL;
		if (!l->nf)
			continue;
		/* the record split_record makes of it, but for its line */
		memset(&row, 0, sizeof(row));
		row.f = b->f + l->ff;
		row.n = l->nf;
		row.nlines = 1;
		row.raw = b->p + l->off;
		row.raw_len = l->c;
		c->wline = i;
		work_row(c, &row);
	}
	/* the buffer has its final place now */
	for (i = 0; i < b->nl; i++)
		if (wb->rows[i].text)
			wb->rows[i].text = wb->text.buf + wb->rows[i].off;
	b->work = wb->rows;
}

static void work_release(void *vctx, void *wmem)
{
	struct wblock *wb = wmem;

	free(wb->rows);
	free(wb->labels);
	sbuf_release(&wb->text);
	free(wb);
}

/*
 * The header is known: the blocks after this one are worked (csvin_work)
 * on a ctx of the working thread's own, which reads the header as this
 * one does. Not for a preview, a workbook, or GB18030 (csvscan splits no
 * line of it); RS_INGEST_WORKER=0 reads on this thread alone, to compare.
 */
static void arm_worker(struct ctx *c)
{
	const char *env = getenv("RS_INGEST_WORKER");
	int k;

	if (!c->work.fn || c->o->pv || c->o->preview || c->fmt != RS_FMT_CSV ||
	    c->read_gb || (env && !strcmp(env, "0")))
		return;
	for (k = 0; k < CSVIN_MAX_WORKERS; k++)
		c->work.ctx[k] = c->wc[k] = worker_new(c);
	c->work.nworkers = CSVIN_MAX_WORKERS;
	c->work.armed = 1;
}

static struct ctx *worker_new(const struct ctx *c)
{
	struct ctx *w = xcalloc(1, sizeof(*w));

	w->o = c->o;
	w->st = xcalloc(1, sizeof(*w->st));
	w->ncols = c->ncols;
	memcpy(w->col, c->col, sizeof(w->col));
	w->name_col = c->name_col;
	w->have_header = 1;
	w->fmt = c->fmt;
	w->header_record = c->header_record;
	w->header_line = c->header_line;
	w->worker = 1;
	sbuf_init(&w->line, 0);
	sbuf_init(&w->tmp, 0);
	sbuf_init(&w->tmp2, 0);
	sbuf_init(&w->prefix, 0);
	sbuf_add(&w->prefix, c->prefix.buf, c->prefix.len);
	return w;
}

static void worker_free(struct ctx *w)
{
	if (!w)
		return;
	sbuf_release(&w->line);
	sbuf_release(&w->tmp);
	sbuf_release(&w->tmp2);
	sbuf_release(&w->prefix);
	free(w->fv);
	memo_release(&w->kind);
	memo_release(&w->program);
	memo_release(&w->area);
	memo_release(&w->funding);
	memo_release(&w->mode);
	free(w->st);
	free(w);
}

/*
 * Reads the input through on_row: a CSV file, or the workbook's sheets.
 * Without a sheet named, every visible sheet is read in order, the first
 * with rows being where the header is found; each later sheet with rows
 * must repeat that header (other_header stops the stage when one does
 * not), and an empty one is passed over. sheet: NAME reads that sheet
 * alone, sheets: [..] those, sheets: all every visible one. Sets in the
 * object json "sheets":[names read],"sheet_rows":[rows read on each] for
 * a workbook, and c->st->sheets with the names for the stage's summary
 * line. Returns 0, or -1 with err filled.
 */
static int read_sheets(struct ctx *c, struct rowsrc_opts *ro, json_t *json,
		       struct rs_error *err)
{
	const struct mapping *m = c->o->map;
	struct sbuf list;
	json_t *names = json_array(), *rows = json_array();
	enum rs_format fmt = RS_FMT_CSV;
	struct rs_error e2;
	size_t n = 0, i, nread = 0;
	const char *p;
	int ret = -1;

	sbuf_init(&list, 0);
	if (rowsrc_sniff(c->o->input, &fmt, &e2))
		fmt = RS_FMT_CSV;
	c->fmt = fmt;
	if (fmt == RS_FMT_CSV) {
		ret = rowsrc_read(c->o->input, ro, on_row, c, &c->fmt, err);
		if (!ret)
			pend_as_footers(c);
		goto out;
	}
	if (m->sheet) {
		sbuf_adds(&list, m->sheet);
		sbuf_addc(&list, '\0');
		n = 1;
	} else if (m->nsheets) {
		for (i = 0; i < m->nsheets; i++) {
			sbuf_adds(&list, m->sheets[i]);
			sbuf_addc(&list, '\0');
		}
		n = m->nsheets;
	} else if (rowsrc_visible_sheets(c->o->input, fmt, &list, &n, err)) {
		c->config_error = 1;
		goto out;
	}
	if (!n) {
		/* no visible sheet: the reader says so */
		if (rowsrc_read(c->o->input, ro, on_row, c, &c->fmt, err))
			c->config_error = 1;
		goto out;
	}
	for (i = 0, p = list.buf; i < n; i++, p += strlen(p) + 1) {
		long before = c->st->rows_read;
		sbuf_reset(&c->sheet_name);
		sbuf_adds(&c->sheet_name, p);
		c->sheet_now = c->sheet_name.buf;
		if (n > 1) {
			sbuf_reset(&c->rj_source);
			sbuf_addf(&c->rj_source, "%s[%s]", c->o->source, p);
		}
		c->sheet_rows = 0;
		c->seek_header = c->have_header;
		ro->sheet = p;
		if (rowsrc_read(c->o->input, ro, on_row, c, &c->fmt, err)) {
			if (!c->config_error && !c->preview_done)
				c->config_error = 1;    /* not a workbook, no such sheet */
			goto out;
		}
		pend_as_footers(c);     /* a sheet's footer ends it */
		if (c->seek_header && c->sheet_rows) {
			other_header(c, err);
			goto out;
		}
		if (!c->have_header) {
			if (c->sheet_rows)
				break;          /* the caller says no header */
			continue;               /* an empty sheet first */
		}
		if (!c->header_sheet.len)
			sbuf_adds(&c->header_sheet, p);
		if (!c->sheet_rows)
			continue;               /* an empty later sheet */
		if (nread++)
			sbuf_adds(&c->st_sheets, ", ");
		json_array_append_new(names, json_text(p));
		json_array_append_new(rows, json_integer(c->st->rows_read - before));
		sbuf_adds(&c->st_sheets, p);
	}
	json_object_set(json, "sheets", names);
	json_object_set(json, "sheet_rows", rows);
	ret = 0;
out:
	sbuf_release(&list);
	json_decref(names);
	json_decref(rows);
	return ret;
}

int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err)
{
	struct ctx c;
	struct rowsrc_opts ropts;
	struct sbuf stop_what, stop_fix;
	json_t *extra = json_object(), *sheets_json = json_object();
	const char *stop = NULL;
	struct rs_out sum, *set[3];
	int i, ret = 1, label_over = 0;

	sbuf_init(&stop_what, 0);
	sbuf_init(&stop_fix, 0);
	memset(&c, 0, sizeof(c));
	memset(st, 0, sizeof(*st));
	c.o = o;
	c.st = st;
	sbuf_init(&c.line, 0);
	sbuf_init(&c.tmp, 0);
	sbuf_init(&c.tmp2, 0);
	sbuf_init(&c.best_raw, 0);
	sbuf_init(&c.best_fold, 0);
	c.totals_json = json_array();
	c.footers_json = json_array();
	sbuf_init(&c.rj_source, 0);
	sbuf_init(&c.sheet_name, 0);
	sbuf_init(&c.hdr_raw, 0);
	sbuf_init(&c.header_sheet, 0);
	sbuf_init(&c.st_sheets, 0);
	memset(&ropts, 0, sizeof(ropts));
	ropts.csv.encoding = o->map->encoding;
	ropts.csv.delim = o->map->delim;
	ropts.csv.max_lines = o->max_quoted_lines;
	ropts.sheet = o->map->sheet;
	sbuf_init(&c.prefix, 0);
	sbuf_add_csv(&c.prefix, o->source, strlen(o->source));
	sbuf_addc(&c.prefix, ',');
	{
		const char *blk = getenv("RS_INGEST_BLOCK");
		/* tests: small blocks, so that rows of every kind fall on
		 * either side of many block ends */
		if (blk)
			ropts.csv.block = (size_t)strtoul(blk, NULL, 10);
	}
	if (o->pv) {
		/* The preview opens no output: reject() and on_data() fill
		 * *o->pv instead of writing. */
		memset(o->pv, 0, sizeof(*o->pv));
		if (read_sheets(&c, &ropts, sheets_json, err) && !c.preview_done)
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
	c.work.fn = work_block;
	c.work.release = work_release;
	c.work.stride = sizeof(struct pre_row);
	ropts.csv.work = &c.work;
	if (rs_out_open(&c.out, o->out, 0644, err))
		goto out;
	if (rejects_open(&c.rj, o->rejects, err)) {
		rs_out_abort(&c.out);
		goto out;
	}
	rs_out_puts(&c.out, CANON_HEADER "\n");
	if (read_sheets(&c, &ropts, sheets_json, err))
		goto fail;
	if (!c.have_header) {
		c.config_error = 1;
		if (c.hdr_err)
			rs_err(err, "%s", c.hdr_err);
		else if (c.best_record)
			header_not_found(&c, err);
		else
			rs_err(err, "'%s' has no header row", o->source);
		goto fail;
	}
	if (c.st_sheets.len) {
		st->sheets = xstrdup(c.st_sheets.buf);
		st->nsheets = 1;
		for (const char *q = c.st_sheets.buf; (q = strstr(q, ", ")); q += 2)
			st->nsheets++;
	}
	if (c.header_record > 1 && !o->map->header_row)
		rs_info("%s: header found at record %ld (line %ld; blank lines not counted)",
			o->source, c.header_record, c.header_line);
	if (c.apostrophes)
		rs_info("%s: a leading apostrophe dropped from %ld fields", o->source,
			c.apostrophes);
	for (i = 0; i < RJ__COUNT; i++)
		st->counts[i] = c.rj.counts[i];
	st->totals = c.totals;
	st->footers = c.footers;
	st->total_mismatches = c.total_mismatches;
	if (st->rows_read != st->records + c.rj.total + c.totals + c.footers) {
		rs_err(err, "internal error: %ld rows read but %ld records, %ld rejects, %ld total rows and %ld footer rows",
		       st->rows_read, st->records, c.rj.total, c.totals, c.footers);
		goto fail;
	}
	json_object_set_new(extra, "format", json_string(rowsrc_format_name(c.fmt)));
	json_object_set_new(extra, "header_record", json_integer(c.header_record));
	json_object_set_new(extra, "header_line", json_integer(c.header_line));
	json_object_set_new(extra, "totals", json_integer(c.totals));
	json_object_set_new(extra, "footers", json_integer(c.footers));
	json_object_set_new(extra, "apostrophes_stripped", json_integer(c.apostrophes));
	json_object_set_new(extra, "empty_rows", json_integer(c.empty_rows));
	/* where each field was read: explain places a reject's raw row */
	json_object_update(extra, sheets_json);
	if (c.ncols > 0) {
		json_t *cols = json_object();
		int f;

		json_object_set_new(extra, "header_fields", json_integer(c.ncols));
		for (f = 0; f < F__COUNT; f++)
			if (c.col[f] >= 0)
				json_object_set_new(cols, field_names[f],
						    json_integer(c.col[f]));
		json_object_set_new(extra, "columns", cols);
	}
	if (c.totals) {
		json_object_set_new(extra, "total_mismatches",
				    json_integer(c.total_mismatches));
		json_object_set(extra, "total_rows", c.totals_json);
	}
	if (c.footers)
		json_object_set(extra, "footer_rows", c.footers_json);
	if (c.have_grand || c.have_sub) {
		char a[32], b[32], d[32];
		int64_t e = c.have_grand ? c.grand_export : c.sub_export;
		int64_t k = c.have_grand ? c.grand_computed : c.sub_computed;
		json_object_set_new(extra, "total_export", json_string(money_fmt_yuan(e, a)));
		json_object_set_new(extra, "total_computed", json_string(money_fmt_yuan(k, b)));
		json_object_set_new(extra, "total_difference",
				    json_string(money_fmt_yuan(e - k, d)));
	}
	if (o->nprefixes) {
		json_object_set_new(extra, "rows_in_file",
				    json_integer(st->rows_read + st->other_partitions));
		json_object_set_new(extra, "other_partitions",
				    json_integer(st->other_partitions));
	}
	label_over = unknown_labels(&c, &stop_what, &stop_fix);
	if (o->gate) {
		gate_judge(o->gate, st->rows_read - st->totals - st->footers, st->counts,
			   &st->verdict);
		if (label_over && !st->verdict.over) {
			/* the gate's over too: what --only's refusal reads */
			st->verdict.over = st->verdict.reason_gate = 1;
			st->verdict.top = RJ_UNKNOWN_PROGRAM;
			st->verdict.top_count = st->counts[RJ_UNKNOWN_PROGRAM];
		}
		gate_json(o->gate, st->counts, &st->verdict, extra);
		if (st->verdict.top >= 0 && c.rj.sample[st->verdict.top])
			st->sample = xstrdup(c.rj.sample[st->verdict.top]);
	}
	/* The stops under the gate, after the outputs are committed, in this
	 * order; the summary names the one taken ("stop"), for the runner's
	 * last line. */
	if (label_over) {
		stop = "unknown_label";
	} else if (!st->verdict.over && !o->map->unit_line && o->map->unit == MU_YUAN &&
		   c.paid >= IMPLAUSIBLE_MIN && c.under_yuan * 2 > c.paid) {
		/* amount_unit left to its default (元) and most payments under
		 * 1 元: 万元 read as 元 passes every amount check when it has
		 * two decimals */
		stop = "amount_unit";
		sbuf_addf(&stop_what, "%ld of %ld payments are under 1 元, read in 元 because mapping '%s' does not set amount_unit: the export is most likely in 万元",
			  c.under_yuan, c.paid, o->map->path);
		sbuf_addf(&stop_fix, "set amount_unit: 万元 in '%s' (or amount_unit: 元 if these really are yuan)",
			  o->map->path);
	} else if (c.total_mismatches && o->map->total_mismatch_fails) {
		stop = "total_mismatch";
		sbuf_addf(&stop_what, "%ld total row%s of the export disagree%s with the rows %s close%s",
			  c.total_mismatches, c.total_mismatches == 1 ? "" : "s",
			  c.total_mismatches == 1 ? "s" : "", c.total_mismatches == 1 ? "it" : "they",
			  c.total_mismatches == 1 ? "s" : "");
		sbuf_addf(&stop_fix, "export it again, whole; if the total row itself is known to be wrong, set total_mismatch: warn in '%s'",
			  o->map->path);
	}
	if (stop)
		stop_json(extra, stop, stop_what.buf, stop_fix.buf,
			  label_over ? reject_code_name(RJ_UNKNOWN_PROGRAM) : NULL);
	/* records, rejects and summary: all new or all old (issue 26) */
	set[0] = &c.out;
	set[1] = rejects_out(&c.rj);
	set[2] = &sum;
	if (o->summary && summary_prepare(&sum, o->summary, "ingest", o->source,
					  st->rows_read, st->records, st->counts,
					  extra, err))
		goto fail;
	if (rs_out_commit_set(set, o->summary ? 3 : 2, err))
		goto out;
	if (label_over) {
		rs_err(err, "'%s': %s: %s, or accept the loss with --accept-loss unknown_program",
		       o->source, stop_what.buf, stop_fix.buf);
		goto out;
	}
	if (stop && !strcmp(stop, "amount_unit")) {
		rs_err(err, "'%s': %s -- set amount_unit: 万元 there (or amount_unit: 元 if these really are yuan); outputs are written, nothing to publish",
		       o->source, stop_what.buf);
		goto out;
	}
	if (stop) {
		rs_err(err, "'%s': %s (see the warnings above): the export may be cut short or edited after its totals were made -- %s",
		       o->source, stop_what.buf, stop_fix.buf);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	rs_out_abort(&c.out);
	rejects_abort(&c.rj);
out:
	if (ret && c.config_error)
		ret = 2;
	for (i = 0; i < CSVIN_MAX_WORKERS; i++)
		worker_free(c.wc[i]);
	sbuf_release(&c.prefix);
	sbuf_release(&c.line);
	sbuf_release(&c.tmp);
	sbuf_release(&c.tmp2);
	sbuf_release(&c.best_raw);
	sbuf_release(&c.best_fold);
	json_decref(c.totals_json);
	json_decref(c.footers_json);
	pend_clear(&c);
	free(c.pend);
	sbuf_release(&c.rj_source);
	sbuf_release(&c.sheet_name);
	sbuf_release(&c.hdr_raw);
	sbuf_release(&c.header_sheet);
	sbuf_release(&c.st_sheets);
	json_decref(sheets_json);
	json_decref(extra);
	sbuf_release(&stop_what);
	sbuf_release(&stop_fix);
	free(c.hdr_err);
	free(c.fv);
	rejects_sample_release(&c.rj);
	memo_release(&c.kind);
	memo_release(&c.program);
	memo_release(&c.area);
	memo_release(&c.funding);
	memo_release(&c.mode);
	return ret;
}
