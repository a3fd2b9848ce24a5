/*
 * csvin.c - streaming CSV input over libcsv (see csvin.h).
 *
 * The only file that includes <csv.h>. The input is split into physical
 * lines; each line is converted to UTF-8 (invalid bytes become U+FFFD and
 * flag the record) and fed to libcsv whole, so a record always ends at the
 * end of a fed line and its first line is known exactly. libcsv is run in
 * its lenient mode with no space trimming: fields arrive byte for byte and
 * normalisation is the caller's business.
 */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvin.h"
#include "csvscan.h"
#include "sbuf.h"
#include "xalloc.h"

#define DEFAULT_MAX_RECORD ((size_t)1 << 20)
#define RAW_KEEP 4096   /* bytes of raw text kept for a too-long record */
#define RUNAWAY_MAX 16  /* a file is read again after at most so many
			   runaway quotes */
/* libcsv's parser state for "inside a field" (libcsv.c, 3.0.x): with
 * p->quoted set, a quote was opened and not yet closed. */
#define LIBCSV_FIELD_BEGUN 2
/* ... and for "between records": nothing of a record parsed yet. */
#define LIBCSV_ROW_NOT_BEGUN 0

int rs_encoding_parse(const char *name, enum rs_encoding *enc)
{
	if (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8"))
		*enc = RS_ENC_UTF8;
	else if (!strcasecmp(name, "utf-8-sig") || !strcasecmp(name, "utf8-sig"))
		*enc = RS_ENC_UTF8_SIG;
	else if (!strcasecmp(name, "gb18030") || !strcasecmp(name, "gbk") ||
		 !strcasecmp(name, "gb2312"))
		*enc = RS_ENC_GB18030;
	else if (!strcasecmp(name, "auto"))
		*enc = RS_ENC_AUTO;
	else
		return -1;
	return 0;
}

struct reader {
	const char *path;
	struct csv_parser csv;
	csvin_fn fn;
	void *ctx;
	struct rs_error *err;
	size_t max_record;
	int gb;              /* input is GB18030 */
	iconv_t cd;

	struct sbuf utf8;    /* the current line, converted */
	struct sbuf arena;   /* field bytes of the current record, NUL-separated */
	size_t *offs, *lens; /* per field: offset into arena, length */
	size_t nfields, fcap;
	struct csv_field *fields;
	struct sbuf raw;     /* the current record's text */

	long line;           /* physical line being fed */
	long start;          /* line the current record started on, 0: none */
	int bad;             /* current record has a bad byte */
	long bad_col, bad_line, bad_bytes;
	int too_long;
	int stop;            /* the callback asked to stop */
	unsigned char delim;
	int fast;            /* the delimiter allows fast_record() */
	size_t head;         /* bytes of an overlong line kept as its raw */
	int pend_cr;         /* the last byte put in pending was a CR (kept
				or not: an overlong line keeps its head) */
	int pend_q;          /* quotes in the line pending holds, odd or
				even, counting the bytes an overlong line
				left out (skip_line needs them all) */
	long max_lines;      /* a quoted field spanning more is cut short */
	long skip_to;        /* reading again after a runaway quote: lines up
				to this one were delivered already */
	int skipq;           /* skipping a too-long record: 1 inside its
				quotes, 2 outside, 0 not skipping */
	int eof_line;        /* feeding the file's last line, which has no
				terminator: a record the fast path takes
				whole from it ends the file (no_eol) */
	int eof_fini;        /* ... and the record libcsv's fini completes */
	struct csvin_work *work;  /* the caller's, or NULL */
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* Makes room for one more field in the per-field arrays. */
static void fields_reserve(struct reader *r)
{
	if (r->nfields < r->fcap)
		return;
	r->fcap = r->fcap ? r->fcap * 2 : 32;
	r->offs = xreallocarray(r->offs, r->fcap, sizeof(*r->offs));
	r->lens = xreallocarray(r->lens, r->fcap, sizeof(*r->lens));
	r->fields = xreallocarray(r->fields, r->fcap, sizeof(*r->fields));
}

static void on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;

	if (r->too_long)
		return;
	if (r->arena.len + len + 1 > r->max_record) {
		r->too_long = 1;
		return;
	}
	fields_reserve(r);
	r->offs[r->nfields] = r->arena.len;
	r->lens[r->nfields] = len;
	r->nfields++;
	/* The arena's ceiling is above max_record, so these cannot fail. */
	sbuf_add(&r->arena, s, len);
	sbuf_addc(&r->arena, '\0');
}

static void end_record(struct reader *r, int unterminated)
{
	struct csv_row row;
	size_t i;

	memset(&row, 0, sizeof(row));
	if (r->too_long && r->raw.len > RAW_KEEP) {
		size_t k = RAW_KEEP;
		while (k && ((unsigned char)r->raw.buf[k] & 0xC0) == 0x80)
			k--;
		r->raw.len = k;
		r->raw.buf[k] = '\0';
	}
	while (r->raw.len && (r->raw.buf[r->raw.len - 1] == '\n' ||
			      r->raw.buf[r->raw.len - 1] == '\r'))
		r->raw.buf[--r->raw.len] = '\0';
	for (i = 0; i < r->nfields; i++) {
		r->fields[i].p = r->arena.buf + r->offs[i];
		r->fields[i].len = r->lens[i];
	}
	row.f = r->fields;
	row.n = r->too_long ? 0 : r->nfields;
	row.line = r->start ? r->start : r->line;
	row.nlines = r->line - row.line + 1;
	row.bad_encoding = r->bad;
	row.bad_col = r->bad_col;
	row.bad_line = r->bad_line;
	row.bad_bytes = r->bad_bytes;
	row.gb18030 = r->gb;
	row.raw = r->raw.buf ? r->raw.buf : "";
	row.raw_len = r->raw.len;
	row.too_long = r->too_long;
	row.unterminated = unterminated;
	row.no_eol = r->eof_fini;
	if (!r->stop && r->fn(&row, r->ctx, r->err))
		r->stop = 1;
	r->nfields = 0;
	sbuf_reset(&r->arena);
	sbuf_reset(&r->raw);
	r->start = 0;
	r->bad = 0;
	r->bad_col = r->bad_line = r->bad_bytes = 0;
	r->too_long = 0;
}

static void on_record(int c, void *data)
{
	(void)c;
	end_record(data, 0);
}

/* Appends U+FFFD for a bad byte and remembers where it was. */
static void mark_bad(struct reader *r, size_t col)
{
	if (!r->bad) {
		r->bad = 1;
		r->bad_col = (long)col + 1;
		r->bad_line = r->line;
	}
	r->bad_bytes++;
	sbuf_add(&r->utf8, "\xEF\xBF\xBD", 3);
}

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define ONES  0x0101010101010101ULL
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RS_LITTLE_ENDIAN 1
#else
#define RS_LITTLE_ENDIAN 0
#endif
#define HIGHS 0x8080808080808080ULL

/*
 * Converts one physical line to UTF-8 and points *out at the result. NUL
 * bytes count as bad. A UTF-8 line that is valid as it stands, which is
 * nearly every line, is not copied: *out is p itself. Otherwise the text
 * goes to r->utf8, whose valid runs are copied whole.
 */
static void convert_line(struct reader *r, char *p, size_t n, char **out,
			 size_t *outn)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;

	if (!r->gb) {
		i = rs_utf8_prefix(u, n);
		if (i == n) {
			*out = p;
			*outn = n;
			return;
		}
		sbuf_reset(&r->utf8);
		sbuf_add(&r->utf8, p, i);
		while (i < n) {
			size_t k;
			mark_bad(r, i);
			i++;
			k = rs_utf8_prefix(u + i, n - i);
			sbuf_add(&r->utf8, p + i, k);
			i += k;
		}
		*out = r->utf8.buf;
		*outn = r->utf8.len;
		return;
	}
	sbuf_reset(&r->utf8);
	while (i < n) {
		char buf[1024], *op = buf;
		size_t ol = sizeof(buf);
		char *ip = p + i;
		size_t il = n - i;
		size_t rc = iconv(r->cd, &ip, &il, &op, &ol);

		sbuf_add(&r->utf8, buf, (size_t)(op - buf));
		i = (size_t)(ip - p);
		if (rc == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ or EINVAL (a sequence cut by the line end) */
			iconv(r->cd, NULL, NULL, NULL, NULL);
			mark_bad(r, i);
			i++;
		}
	}
	/* GB18030 maps 0x00 to U+0000: a NUL is never valid text here. */
	if (memchr(r->utf8.buf, '\0', r->utf8.len)) {
		size_t j;
		for (j = 0; j < r->utf8.len; j++)
			if (r->utf8.buf[j] == '\0') {
				r->utf8.buf[j] = '?';
				if (!r->bad) {
					r->bad = 1;
					r->bad_col = (long)j + 1;
					r->bad_line = r->line;
				}
				r->bad_bytes++;
			}
	}
	*out = r->utf8.buf ? r->utf8.buf : p;
	*outn = r->utf8.len;
}

static int is_blank_line(const char *p, size_t n)
{
	return n == 0 || (n == 1 && (p[0] == '\n' || p[0] == '\r')) ||
	       (n == 2 && p[0] == '\r' && p[1] == '\n');
}

static void reset_parser(struct reader *r)
{
	csv_free(&r->csv);
	csv_init(&r->csv, CSV_APPEND_NULL);
	csv_set_space_func(&r->csv, no_space);
	/* csv_init sets the comma again. */
	csv_set_delim(&r->csv, r->delim);
}

/* High bit set in each byte of w equal to the byte repeated in pat, and
 * nowhere else (exact: no borrow runs between bytes). */
static inline uint64_t bytes_eq(uint64_t w, uint64_t pat)
{
	uint64_t x = w ^ pat;

	return ~(((x & ~HIGHS) + ~HIGHS) | x | ~HIGHS);
}

/* Field [from, to) of the line copied at s: cut with a NUL. */
static inline void add_field(struct reader *r, char *s, size_t from, size_t to)
{
	fields_reserve(r);
	r->fields[r->nfields].p = s + from;
	r->fields[r->nfields].len = to - from;
	r->nfields++;
	s[to] = '\0';
}

/*
 * The fast path: a record that starts on this line and holds no quote and
 * no bare CR is exactly this line split at the delimiter, which is what
 * libcsv would make of it (no quote to open a field, no CR to end the
 * record early, no space trimming). That is nearly every line of our own
 * intermediates and most of an export's. The line's content is copied
 * once into the arena and split there; raw is the line itself, cut before
 * its terminator. Returns 0 when the line is not such a line (nothing
 * done: it goes to libcsv).
 */
static int fast_record(struct reader *r, char *q, size_t m)
{
	struct csv_row row;
	size_t c = m, i, from = 0;
	uint64_t dd = ONES * r->delim, qq = ONES * '"', cr = ONES * '\r';
	char *s;

	if (c && q[c - 1] == '\n')
		c--;
	if (c && q[c - 1] == '\r')
		c--;
	if (m > r->max_record || c + 1 > r->max_record)
		return 0;
	sbuf_add(&r->arena, q, c);
	sbuf_addc(&r->arena, '\0');
	s = r->arena.buf;
	/* One pass, eight bytes a step (the lowest set bit is the first
	 * byte on a little-endian machine; others take the byte loop): a
	 * quote or a CR sends the line to libcsv; each delimiter ends a
	 * field. */
	i = 0;
#ifdef __SSE2__
	{
		const __m128i vd = _mm_set1_epi8((char)r->delim);
		const __m128i vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
		for (; i + 16 <= c; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned d;
			if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vq),
							   _mm_cmpeq_epi8(v, vr))))
				goto slow;
			for (d = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd)); d;
			     d &= d - 1) {
				size_t k = i + (size_t)__builtin_ctz(d);
				add_field(r, s, from, k);
				from = k + 1;
			}
		}
	}
#endif
	for (; RS_LITTLE_ENDIAN && i + 8 <= c; i += 8) {
		uint64_t w, d;
		memcpy(&w, s + i, 8);
		if (bytes_eq(w, qq) | bytes_eq(w, cr))
			goto slow;
		for (d = bytes_eq(w, dd); d; d &= d - 1) {
			size_t k = i + (size_t)(__builtin_ctzll(d) >> 3);
			add_field(r, s, from, k);
			from = k + 1;
		}
	}
	for (; i < c; i++) {
		if (s[i] == '"' || s[i] == '\r')
			goto slow;
		if ((unsigned char)s[i] == r->delim) {
			add_field(r, s, from, i);
			from = i + 1;
		}
	}
	add_field(r, s, from, c);
	q[c] = '\0';
	memset(&row, 0, sizeof(row));
	row.f = r->fields;
	row.n = r->nfields;
	row.line = r->line;
	row.nlines = 1;
	row.bad_encoding = r->bad;
	row.bad_col = r->bad_col;
	row.bad_line = r->bad_line;
	row.bad_bytes = r->bad_bytes;
	row.gb18030 = r->gb;
	row.raw = q;
	row.raw_len = c;
	row.no_eol = r->eof_line;
	if (!r->stop && r->fn(&row, r->ctx, r->err))
		r->stop = 1;
	r->nfields = 0;
	sbuf_reset(&r->arena);
	r->start = 0;
	r->bad = 0;
	r->bad_col = r->bad_line = r->bad_bytes = 0;
	return 1;
slow:
	r->nfields = 0;
	sbuf_reset(&r->arena);
	return 0;
}

/*
 * Adds the first r->head bytes of an overlong line to the record's raw
 * text, converted like any line; a UTF-8 sequence the cut would split is
 * left out. n is the line's length, or r->head + 4 of it (pend_add): the
 * same bytes decide either way.
 */
static void keep_head(struct reader *r, char *p, size_t n)
{
	size_t h = n < r->head ? n : r->head, k;
	char *q;
	size_t m;

	for (k = 0; !r->gb && h < n && k < 3 && h &&
	     ((unsigned char)p[h] & 0xC0) == 0x80; k++)
		h--;
	convert_line(r, p, h, &q, &m);
	sbuf_add(&r->raw, q, m);
}

static void feed_line(struct reader *r, char *p, size_t n, int overlong,
		      int odd);

/* Bytes of the physical line at t (LF, CRLF or a lone CR ends it). */
static size_t line_len(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i] == '\n')
			return i + 1;
		if (t[i] == '\r')
			return i + 1 < n && t[i + 1] == '\n' ? i + 2 : i + 1;
	}
	return n;
}

/* 1 when libcsv is inside a quoted field. */
static int in_quote(const struct reader *r)
{
	return r->csv.pstate == LIBCSV_FIELD_BEGUN && r->csv.quoted;
}

/* 1 when the n bytes at p hold an odd number of quotes. */
static int odd_quotes(const char *p, size_t n)
{
	int odd = 0;
	size_t i;

	for (i = 0; i < n; i++)
		odd ^= p[i] == '"';
	return odd;
}

/*
 * A line of a too-long record that ended inside quotes: its quotes are
 * followed here (libcsv would hold the field), and the record ends with
 * the first line that ends outside them. Whether a line ends inside or
 * outside depends on how many quotes it has, odd or even, and on nothing
 * else (a doubled quote inside is two of them): odd is that count for the
 * whole line, which for an overlong line cut by blocks is more than the
 * bytes kept of it.
 */
static void skip_line(struct reader *r, int odd)
{
	if (odd)
		r->skipq = r->skipq == 1 ? 2 : 1;
	if (r->skipq == 2) {
		r->skipq = 0;
		end_record(r, 0);
	}
}

/*
 * Feeds one complete physical line (with its terminator, if any). The line
 * is the caller's and may be written to (the fast path cuts it).
 * overlong: the line itself passed max_record and was cut. odd: the whole
 * line has an odd number of quotes, or -1 to count them in p (all of it).
 */
static void feed_line(struct reader *r, char *p, size_t n, int overlong,
		      int odd)
{
	char *q;
	size_t m;
	int begins = 0;

	if (r->skipq) {
		skip_line(r, odd >= 0 ? odd : odd_quotes(p, n));
		return;
	}
	if (!r->start) {
		if (is_blank_line(p, n) && !overlong)
			return;
		r->start = r->line;
		begins = 1;
	}
	if (overlong) {
		r->too_long = 1;
		if (r->raw.len < RAW_KEEP)
			keep_head(r, p, n);
		/* Resynchronise: a record this long ends where its last
		 * physical line ends, whatever its quotes said. */
		reset_parser(r);
		end_record(r, 0);
		return;
	}
	convert_line(r, p, n, &q, &m);
	/* A bare CR ends a record inside a line, so libcsv may be in the
	 * middle of one that began on the line before although r->start
	 * says none has: ask libcsv itself. */
	if (begins && r->fast && r->csv.pstate == LIBCSV_ROW_NOT_BEGUN &&
	    !r->nfields && !r->too_long && fast_record(r, q, m))
		return;
	if (r->raw.len + m > r->max_record)
		r->too_long = 1;
	else
		sbuf_add(&r->raw, q, m);
	csv_parse(&r->csv, q, m, on_field, on_record, r);
	if (r->too_long && r->start) {
		/* A quoted field past the limit: one record to where the
		 * field closes, however far (not a record per line). */
		int quoted = in_quote(r);
		reset_parser(r);
		if (quoted)
			r->skipq = 1;
		else
			end_record(r, 0);
	} else if (r->start && in_quote(r) &&
		   r->line - r->start + 1 >= r->max_lines) {
		/* A quoted field may span max_lines lines: past them the
		 * record is one reject to where the field closes. */
		r->too_long = 1;
		reset_parser(r);
		r->skipq = 1;
	}
}

/*
 * A line the scanner split: the record it holds, handed to the callback
 * as fast_record would hand it (the fields are the scanner's copy, raw is
 * the line itself, cut before its terminator).
 */
static void split_record(struct reader *r, struct scan_block *b,
			 const struct scan_line *l, size_t i)
{
	struct csv_row row;
	char *q = b->p + l->off;

	q[l->c] = '\0';
	memset(&row, 0, sizeof(row));
	if (b->work)
		row.pre = (const char *)b->work + i * r->work->stride;
	row.f = b->f + l->ff;
	row.n = l->nf;
	row.line = r->line;
	row.nlines = 1;
	row.raw = q;
	row.raw_len = l->c;
	if (!r->stop && r->fn(&row, r->ctx, r->err))
		r->stop = 1;
}

/*
 * Adds a piece of a line cut by a block's end to pending. A line longer
 * than pending's ceiling is overlong, wherever the blocks cut it: pending
 * then keeps its first r->head bytes only, for its raw text.
 */
static void pend_add(struct reader *r, struct sbuf *pending, const char *p,
		     size_t n, int *overlong)
{
	size_t keep = r->head + 4;   /* and the bytes keep_head looks at */

	if (n)
		r->pend_cr = p[n - 1] == '\r';
	r->pend_q ^= odd_quotes(p, n);
	if (*overlong || !sbuf_add(pending, p, n))
		return;
	*overlong = 1;
	if (pending->len < keep)
		sbuf_add(pending, p, n < keep - pending->len ? n : keep - pending->len);
	if (pending->len > keep) {
		pending->len = keep;
		pending->buf[pending->len] = '\0';
	}
}

/* Lines ahead whose fields and text are fetched into the cache: the
 * scanning thread wrote them on the other core. */
#define AHEAD 8

/*
 * The lines of one block, in order. A line cut by the block's end waits
 * in pending for the rest of it, which is the next block's first line;
 * pending's ceiling (max_record) turns a longer line into an overlong
 * one, of which RAW_KEEP bytes are kept.
 */
static void read_block(struct reader *r, struct scan_block *b,
		       struct sbuf *pending, int *overlong)
{
	size_t i;

	for (i = 0; i < b->nl && !r->stop; i++) {
		const struct scan_line *l = &b->l[i];
		char *p = b->p + l->off;

		if (i + AHEAD < b->nl) {
			const struct scan_line *a = &b->l[i + AHEAD];
			const struct csv_field *af = b->f + a->ff;
			if (a->nf) {
				__builtin_prefetch(af);
				__builtin_prefetch(af + a->nf / 2);
				__builtin_prefetch(af + a->nf - 1);
				__builtin_prefetch(af->p);
				__builtin_prefetch(af->p + 64);
			}
		}

		/* A line cut by the block's end after a CR: that CR was
		 * lone (a line end) unless this block goes on with its LF. */
		if ((pending->len || *overlong) && r->pend_cr && p[0] != '\n') {
			r->line++;
			if (r->line > r->skip_to)
				feed_line(r, pending->buf, pending->len, *overlong,
					  r->pend_q);
			sbuf_reset(pending);
			r->pend_q = 0;
			*overlong = 0;
			if (r->stop)
				break;
		}
		if (!l->nl) {
			pend_add(r, pending, p, l->len, overlong);
			continue;
		}
		r->line++;
		if (r->line <= r->skip_to) {
			/* read again after a runaway: delivered already */
			sbuf_reset(pending);
			r->pend_q = 0;
			*overlong = 0;
			continue;
		}
		if (pending->len || *overlong) {
			pend_add(r, pending, p, l->len, overlong);
			feed_line(r, pending->buf, pending->len, *overlong,
				  r->pend_q);
			sbuf_reset(pending);
			r->pend_q = 0;
			*overlong = 0;
		} else if (l->len > pending->max) {
			feed_line(r, p, l->len, 1, -1);
		} else if (l->nf && !r->start && r->csv.pstate == LIBCSV_ROW_NOT_BEGUN &&
			   !r->nfields && !r->too_long) {
			split_record(r, b, l, i);
		} else {
			feed_line(r, p, l->len, 0, -1);
		}
	}
}

int csvin_read(const char *path, const struct csvin_opts *opts, csvin_fn fn,
	       void *ctx, struct rs_error *err)
{
	struct reader r;
	struct csvscan *sc = NULL;
	struct scan_block *b;
	enum rs_encoding enc = opts ? opts->encoding : RS_ENC_UTF8;
	struct sbuf pending;       /* a line that spans blocks */
	int ret = -1, overlong = 0, first = 1, restarts = 0, noeol, armed;

	memset(&r, 0, sizeof(r));
	r.path = path;
	r.fn = fn;
	r.ctx = ctx;
	r.err = err;
	r.max_record = opts && opts->max_record ? opts->max_record : DEFAULT_MAX_RECORD;
	r.max_lines = opts && opts->max_lines > 0 ? opts->max_lines : CSVIN_MAX_LINES;
	r.line = 0;
	r.cd = (iconv_t)-1;
	sbuf_init(&r.utf8, 0);
	sbuf_init(&r.arena, 0);
	sbuf_init(&r.raw, 0);
	sbuf_init(&pending, r.max_record + 8);
	csv_init(&r.csv, CSV_APPEND_NULL);
	csv_set_space_func(&r.csv, no_space);
	r.delim = opts && opts->delim ? opts->delim : ',';
	csv_set_delim(&r.csv, r.delim);
	/* libcsv looks for a quote and a line end before the delimiter: a
	 * delimiter that is one of those is left to it. */
	r.fast = r.delim != '"' && r.delim != '\r' && r.delim != '\n';
	r.work = opts ? opts->work : NULL;

again:
	noeol = 0;
	armed = 0;
	if (csvscan_open(&sc, path, enc, r.delim, r.fast && enc != RS_ENC_GB18030,
			 r.max_record, opts ? opts->block : 0, r.work != NULL, err))
		goto out;
	for (;;) {
		/* The callback armed its work while reading the block before
		 * (or the file before it was read again): the blocks from
		 * here on are worked, if a thread can be had. */
		if (r.work && r.work->armed && !armed) {
			armed = 1;
			csvscan_arm(sc, r.work);
		}
		if (!(b = csvscan_next(sc)))
			break;
		if (first) {
			/* A read that fails in the first block (the
			 * encoding's sample) fails before any record, as it
			 * always did. */
			if (b->failed) {
				*err = b->err;
				goto out;
			}
			first = 0;
			if (csvscan_encoding(sc) == RS_ENC_GB18030) {
				r.gb = 1;
				r.cd = iconv_open("UTF-8", "GB18030");
				if (r.cd == (iconv_t)-1) {
					rs_err(err, "cannot convert from GB18030: %s",
					       strerror(errno));
					goto out;
				}
				/* GB18030 can take up to twice the bytes
				 * of its UTF-8: only a line past twice the
				 * limit is sure to be too long once
				 * converted. The rest is left to the
				 * converted length, as UTF-8 lines are. */
				pending.max = 2 * r.max_record + 8;
			}
			/* pending.max is at least 9 */
			r.head = pending.max - 4 < RAW_KEEP ? pending.max - 4 : RAW_KEEP;
		}
		read_block(&r, b, &pending, &overlong);
		if (r.stop)
			goto out;
		if (b->oom) {
			rs_err(err, "out of memory reading '%s' after line %ld",
			       path, r.line);
			goto out;
		}
		if (b->failed) {
			*err = b->err;
			goto out;
		}
	}
	if (pending.len || overlong) {
		/* the file's last line; it lacks a terminator unless it
		 * ends with a CR */
		noeol = r.eof_line = !r.pend_cr;
		r.line++;
		if (r.line > r.skip_to)
			feed_line(&r, pending.buf, pending.len, overlong, r.pend_q);
		r.eof_line = 0;
	}
	if (r.stop)
		goto out;
	if (r.line < r.skip_to) {
		rs_err(err, "'%s' changed while it was read again after line %ld (a quote opened there never closes)",
		       path, r.skip_to);
		goto out;
	}
	if (r.start && (r.skipq == 1 || (!r.skipq && in_quote(&r)))) {
		/*
		 * A runaway quote: a quoted field opened on r.start never
		 * closes. That line is the record (unterminated), and the
		 * file is read again from the line after it, so that the
		 * rows a stray quote swallowed are rows again. A file with
		 * many such quotes is read again RUNAWAY_MAX times at most;
		 * past that the record keeps every line to the end.
		 */
		long at = r.start, last = r.line;
		struct stat sb;
		/* only a regular file can be read again (not a pipe or FIFO) */
		int again = restarts < RUNAWAY_MAX && !stat(path, &sb) &&
			    S_ISREG(sb.st_mode);

		reset_parser(&r);
		r.nfields = 0;
		sbuf_reset(&r.arena);
		r.skipq = 0;
		if (again) {
			size_t k = line_len(r.raw.buf ? r.raw.buf : "", r.raw.len);
			r.raw.len = k;
			if (r.raw.buf)
				r.raw.buf[k] = '\0';
			r.too_long = 0;
			r.line = at;
		}
		/* a quote opened on the last line, which has no line end:
		 * the file was most likely cut there */
		r.eof_fini = noeol && at == last;
		end_record(&r, 1);
		r.eof_fini = 0;
		r.line = last;
		if (r.stop)
			goto out;
		if (again) {
			restarts++;
			csvscan_close(sc);
			sc = NULL;
			if (r.gb)
				iconv(r.cd, NULL, NULL, NULL, NULL);
			r.skip_to = at;
			r.line = 0;
			sbuf_reset(&pending);
			r.pend_q = 0;
			overlong = 0;
			goto again;
		}
	} else if (r.start) {
		/* The file ends inside a record: a last line with no
		 * newline, which libcsv's fini completes, or a too-long
		 * one still being skipped. */
		if (r.skipq) {
			r.skipq = 0;
			end_record(&r, 0);
		} else {
			r.eof_fini = noeol;
			csv_fini(&r.csv, on_field, on_record, &r);
			r.eof_fini = 0;
		}
		if (r.stop)
			goto out;
	}
	ret = 0;
out:
	csvscan_close(sc);
	if (r.cd != (iconv_t)-1)
		iconv_close(r.cd);
	csv_free(&r.csv);
	sbuf_release(&r.utf8);
	sbuf_release(&r.arena);
	sbuf_release(&r.raw);
	sbuf_release(&pending);
	free(r.offs);
	free(r.lens);
	free(r.fields);
	return ret;
}
