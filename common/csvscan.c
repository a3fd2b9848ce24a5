/*
 * csvscan.c - reads csvin's input in blocks and indexes their lines on a
 * second thread (see csvscan.h).
 *
 * Three blocks turn between the threads: the scanner fills and scans one
 * while csvin parses another, and the third absorbs the difference in
 * their paces. A scan that may be worked (csvscan_arm) has one more for
 * each working thread between them. A block's arrays are sized up front on the calling thread;
 * the scanner grows them with plain realloc (not the dying x* wrappers,
 * which belong to the calling thread) and, if that fails, ends the block
 * early with oom set, which csvin reports.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "csvscan.h"
#include "fileio.h"
#include "xalloc.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define NBLK 3
/* and one more for each working thread */
#define NBLK_WORK (NBLK + CSVIN_MAX_WORKERS)
/* A block is filled to at least FILL bytes (or the end of the input) in
 * reads of FILL: as much as a gzip member of our own holds (RS_GZ_BLOCK),
 * so that the member is inflated straight into the block. */
#define FILL ((size_t)RS_GZ_BLOCK)
#define SAMPLE (256 * 1024)   /* bytes RS_ENC_AUTO looks at */

/* A block is free (the scanner's to fill), scanned, or worked (after
 * csvscan_arm); the caller takes it scanned when it comes before the
 * armed ones, worked after. */
enum { B_FREE, B_SCANNED, B_WORKED };

struct csvscan {
	struct rs_in in;
	enum rs_encoding enc;
	unsigned char delim;
	int split;
	size_t max_record;
	size_t fill;             /* FILL, or what a test asked for */
	int first;               /* the next block filled is the first */

	struct scan_block b[NBLK_WORK];
	int state[NBLK_WORK];
	long seq[NBLK_WORK];     /* each slot's place in the input, counted
				    in blocks from 0 */
	int nblk;                /* NBLK, or NBLK_WORK when workable */
	int filling;             /* the block the scanner fills next */
	long nfilled;            /* blocks filled so far */
	int take;                /* the block the caller takes next */
	long ntaken;             /* blocks handed out so far */
	int held;                /* the block the caller holds, or -1 */
	int finished;            /* the last block was handed out */
	int workable;
	const struct csvin_work *w;  /* armed: the work, NULL before */
	long arm_from;           /* the first block worked */
	int nwork;               /* working threads started; block arm_from
				    + k goes to thread k % nwork */
	int go;                  /* nwork is settled: they may start */
	pthread_t wthread[CSVIN_MAX_WORKERS];
	struct wstart {
		struct csvscan *s;
		int k;
	} wstart[CSVIN_MAX_WORKERS];
	uint32_t *dpos;          /* delimiter positions of the line being
				    scanned (scanner's scratch) */
	size_t dcap;
	char memo[64];           /* the last non-ASCII span found valid */
	size_t memo_len;

	int threaded;
	int quit;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

size_t rs_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0;
		if (c == 0xED && p[1] >= 0xA0)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0;
		if (c == 0xF4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

#ifdef __SSE2__
/*
 * Sixteen bytes v that start at a character: how many of the first are
 * ASCII (no NUL) or whole three-byte characters led by E1..EC, EE or EF
 * (those take any two continuation bytes: E0 and ED, which do not, are
 * left to rs_utf8_seq), cut before the first other byte and before a
 * character the sixteen do not hold whole; 0 for none. The CJK of a
 * line's labels is such, sixteen bytes a step.
 */
static size_t run3(__m128i v)
{
	unsigned hi = (unsigned)_mm_movemask_epi8(v);
	unsigned zero = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
	/* as signed bytes: 80..BF are below -64, E1..EF from -31 to -17 */
	unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(-64)));
	unsigned lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(
				_mm_cmpgt_epi8(v, _mm_set1_epi8(-32)),
				_mm_cmplt_epi8(v, _mm_set1_epi8(-16)))) &
			~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xED)));
	unsigned other = ~((~hi & ~zero & 0xFFFFu) | cont | lead) & 0xFFFFu;
	unsigned lim = other ? (unsigned)__builtin_ctz(other) : 16, m, l, late;

	for (;;) {
		m = lim >= 16 ? 0xFFFFu : (1u << lim) - 1;
		l = lead & m;
		/* a lead whose two bytes after it are past the window */
		late = lim >= 2 ? l & ~((1u << (lim - 2)) - 1) : l;
		if (!late)
			break;
		lim = (unsigned)__builtin_ctz(late);
	}
	/* each lead followed by two continuation bytes, and no other */
	if (!lim || (cont & m) != (((l << 1) | (l << 2)) & m))
		return 0;
	return lim;
}
#endif

/* Sixteen, then eight bytes at a time while they are ASCII: most of every
 * file is. Sixteen bytes that are not all ASCII still skip the ASCII
 * before the first that is not, and runs of ASCII and common three-byte
 * characters (run3): a line's labels are CJK between ASCII fields. */
size_t rs_utf8_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k;
#ifdef __SSE2__
		if (n - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			/* high bits and zero bytes of the sixteen */
			unsigned m = (unsigned)(_mm_movemask_epi8(v) |
				     _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())));

			if (!m) {
				i += 16;
				continue;
			}
			if (!(m & 1)) {
				i += (size_t)__builtin_ctz(m);
				continue;
			}
			if ((k = run3(v))) {
				i += k;
				continue;
			}
		} else
#endif
		if (n - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			/* no high bit and no zero byte in the word */
			if (!((w | ((w - ONES) & ~w)) & HIGHS)) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			if (!p[i])
				return i;
			i++;
			continue;
		}
		/* three bytes, as rs_utf8_seq judges them: the CJK of every
		 * label */
		if ((p[i] & 0xF0) == 0xE0 && n - i >= 3 &&
		    (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80 &&
		    (p[i] != 0xE0 || p[i + 1] >= 0xA0) &&
		    (p[i] != 0xED || p[i + 1] < 0xA0)) {
			i += 3;
			continue;
		}
		k = rs_utf8_seq(p + i, n - i);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

/* RS_ENC_AUTO: a byte order mark means UTF-8; else UTF-8 if the first
 * SAMPLE bytes are valid UTF-8 (a sequence cut by the sample's end is
 * ignored) but for a few stray bytes; else GB18030. GB18030 text read as
 * UTF-8 has several invalid sequences for each one that happens to be
 * valid (the samples: 6 to 7), while a UTF-8 export with a name typed in
 * another encoding has a handful among thousands of valid characters: a
 * sample with at most one invalid sequence per STRAY_RATIO valid
 * multi-byte characters is UTF-8, and its stray bytes become bad_encoding
 * rows named by line and column rather than every Chinese text garbled. */
#define STRAY_RATIO 20

enum rs_encoding rs_encoding_detect(const char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t back = 0, i = 0, bad = 0, multi = 0;

	if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		return RS_ENC_UTF8_SIG;
	if (n > SAMPLE)
		n = SAMPLE;
	while (back < 3 && back < n &&
	       ((unsigned char)buf[n - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back < n && ((unsigned char)buf[n - 1 - back] & 0xC0) == 0xC0)
		n -= back + 1;
	while (i < n) {
		size_t k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = rs_utf8_seq(p + i, n - i);
		if (k) {
			multi++;
			i += k;
		} else {
			bad++;
			i++;
		}
	}
	return bad * STRAY_RATIO <= multi ? RS_ENC_UTF8 : RS_ENC_GB18030;
}

/* Room for one more entry in an array the scanner grows; 0, or -1 when
 * memory ran out. */
static int grow(void **a, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;
	void *q;

	if (need <= n)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*a, n * size);
	if (!q)
		return -1;
	*a = q;
	*cap = n;
	return 0;
}

/*
 * 1 if p[0..n), a line's span from its first to its last byte that is
 * not ASCII (or is NUL), is valid UTF-8 without NUL: then so is the line,
 * whose other bytes are ASCII. The labels that make such spans (funding,
 * support mode) repeat from row to row, so the last valid span is kept
 * and a repeat of it is not checked again.
 */
static int span_valid(struct csvscan *s, const char *p, size_t n)
{
	if (n == s->memo_len && !memcmp(p, s->memo, n))
		return 1;
	if (rs_utf8_prefix((const unsigned char *)p, n) != n)
		return 0;
	if (n <= sizeof(s->memo)) {
		memcpy(s->memo, p, n);
		s->memo_len = n;
	}
	return 1;
}

/*
 * The first CR of p[0..n - 1) (each is followed by a byte that is no LF,
 * n being where the line's LF or the block's end is), or (size_t)-1;
 * look: 0 when the scan saw no CR there (nothing to look for).
 */
static size_t lone_cr(const char *p, size_t n, int look)
{
	const char *cr;

	if (!look || n < 2)
		return (size_t)-1;
	cr = memchr(p, '\r', n - 1);
	return cr ? (size_t)(cr - p) : (size_t)-1;
}

/*
 * The line of b at pos (up to the block's end). Finds its end, and when
 * the scanner splits and the line is one csvin's fast_record would take,
 * copies it into b->split cut at the delimiters and lists its fields.
 * Returns the line's length, or 0 when memory ran out.
 */
static size_t scan_line(struct csvscan *s, struct scan_block *b, size_t pos)
{
	const char *p = b->p + pos;
	size_t n = b->n - pos, i = 0, e, c, nd = 0, special = (size_t)-1, k, from;
	size_t hfirst = (size_t)-1, hlast = 0;   /* the non-ASCII span */
	int want = s->split;
	uint32_t *dpos = s->dpos;
	struct scan_line *l;
	struct csv_field *fp;
	char *q;

	/* Room for the line's entry, and for a chunk's delimiters (checked
	 * once a chunk, not once a delimiter). */
	if (b->nl == b->lcap && grow((void **)&b->l, &b->lcap, b->nl + 1, sizeof(*b->l)))
		return 0;
#ifdef __SSE2__
	{
		const __m128i vn = _mm_set1_epi8('\n'), vd = _mm_set1_epi8((char)s->delim);
		const __m128i vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
		const __m128i v0 = _mm_setzero_si128();

		for (; i + 16 <= n; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			unsigned nlm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn));
			unsigned before = nlm ? (nlm & -nlm) - 1 : 0xFFFFu, dm, sm, hm;

			if (want) {
				dm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd)) & before;
				sm = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vq),
									      _mm_cmpeq_epi8(v, vr))) & before;
				hm = ((unsigned)_mm_movemask_epi8(v) |
				      (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, v0))) & before;
				if (hm) {
					if (hfirst == (size_t)-1)
						hfirst = i + (size_t)__builtin_ctz(hm);
					hlast = i + 31 - (size_t)__builtin_clz(hm);
				}
				if (sm && special == (size_t)-1)
					special = i + (size_t)__builtin_ctz(sm);
				if (dm) {
					if (nd + 16 > s->dcap) {
						if (grow((void **)&s->dpos, &s->dcap, nd + 16,
							 sizeof(*s->dpos)))
							return 0;
						dpos = s->dpos;
					}
					for (; dm; dm &= dm - 1)
						dpos[nd++] = (uint32_t)(i + (size_t)__builtin_ctz(dm));
				}
			}
			if (nlm) {
				e = i + (size_t)__builtin_ctz(nlm);
				goto found;
			}
		}
	}
#endif
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\n') {
			e = i;
			goto found;
		}
		if (!want)
			continue;
		if (ch == s->delim) {
			if (nd == s->dcap) {
				if (grow((void **)&s->dpos, &s->dcap, nd + 1, sizeof(*s->dpos)))
					return 0;
				dpos = s->dpos;
			}
			dpos[nd++] = (uint32_t)i;
		}
		if ((ch == '"' || ch == '\r') && special == (size_t)-1)
			special = i;
		if (ch >= 0x80 || !ch) {
			if (hfirst == (size_t)-1)
				hfirst = i;
			hlast = i;
		}
	}
	/* No line end before the block's: the line goes on in the next,
	 * unless a lone CR ends it (one at the block's last byte may be
	 * half of a CRLF: csvin decides once it sees the next byte). */
	if ((e = lone_cr(p, n, !want || special != (size_t)-1)) != (size_t)-1)
		goto found_cr;
	l = &b->l[b->nl++];
	memset(l, 0, sizeof(*l));
	l->off = (uint32_t)pos;
	l->len = (uint32_t)n;
	return n;

found:
	/* A CR before the LF that is not its CRLF ends the line there:
	 * old Mac files, and a stray CR in a row, are line ends, so that
	 * one physical record is one row with its own number. */
	if ((k = lone_cr(p, e, !want || special < e)) != (size_t)-1) {
		e = k;
		goto found_cr;
	}
	l = &b->l[b->nl++];
	memset(l, 0, sizeof(*l));
	l->off = (uint32_t)pos;
	l->len = (uint32_t)(e + 1);
	l->nl = 1;
	c = e;
	if (c && p[c - 1] == '\r')
		c--;
	/* fast_record's test, and convert_line's: the whole line valid */
	if (!want || !c || special < c || e + 1 > s->max_record ||
	    c + 1 > s->max_record ||
	    (hfirst != (size_t)-1 && !span_valid(s, p + hfirst, hlast + 1 - hfirst)))
		return e + 1;
	if (b->nf + nd + 1 > b->fcap &&
	    grow((void **)&b->f, &b->fcap, b->nf + nd + 1, sizeof(*b->f))) {
		b->nl--;
		return 0;
	}
	q = b->split + b->nsplit;
	memcpy(q, p, c);
	l->c = (uint32_t)c;
	l->ff = (uint32_t)b->nf;
	l->nf = (uint32_t)(nd + 1);
	/* Locals only in the loop: a store through q (a char) could be to
	 * anything in memory, and would have b's members read again. */
	fp = b->f + b->nf;
	for (k = 0, from = 0; k < nd; k++) {
		size_t to = dpos[k];

		fp->p = q + from;
		fp->len = to - from;
		fp++;
		from = to + 1;
	}
	fp->p = q + from;
	fp->len = c - from;
	fp++;
	for (k = 0; k < nd; k++)
		q[dpos[k]] = '\0';
	q[c] = '\0';
	b->nf = (size_t)(fp - b->f);
	b->nsplit += c + 1;
	return e + 1;

found_cr:
	/* a line ended by a lone CR at e: csvin takes it whole, unsplit */
	l = &b->l[b->nl++];
	memset(l, 0, sizeof(*l));
	l->off = (uint32_t)pos;
	l->len = (uint32_t)(e + 1);
	l->nl = 1;
	return e + 1;
}

/* Reads the next block and lists its lines. */
static void produce(struct csvscan *s, struct scan_block *b)
{
	size_t pos = 0, k;

	/* The first block is the SAMPLE bytes that RS_ENC_AUTO looks at,
	 * and csvin reads them whole before its first record, whatever the
	 * encoding, as it always has. Only tests' small blocks (for an
	 * encoding named) make it smaller, three bytes at least for the
	 * byte order mark. */
	size_t want = s->fill, room;

	if (s->first && (s->enc == RS_ENC_AUTO || want >= SAMPLE))
		want = SAMPLE;
	if (s->first && want < 3)
		want = 3;
	b->n = b->nl = b->nf = b->nsplit = 0;
	b->end = b->failed = b->oom = 0;
	b->work = NULL;
	while (b->n < want) {
		long got;

		room = b->cap - b->n;
		if (room > want)
			room = want;
		got = rs_in_read(&s->in, b->p + b->n, room, &b->err);

		if (got < 0) {
			b->failed = 1;
			break;
		}
		if (!got) {
			b->end = 1;
			break;
		}
		b->n += (size_t)got;
	}
	if (s->first) {
		s->first = 0;
		if (s->enc == RS_ENC_AUTO)
			s->enc = rs_encoding_detect(b->p, b->n);
		if (s->enc == RS_ENC_GB18030)
			s->split = 0;
		else if (b->n >= 3 && !memcmp(b->p, "\xEF\xBB\xBF", 3))
			pos = 3;
	}
	while (pos < b->n) {
		k = scan_line(s, b, pos);
		if (!k) {
			b->oom = 1;
			break;
		}
		pos += k;
	}
}

static void *scan_main(void *arg)
{
	struct csvscan *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct scan_block *b = &s->b[s->filling];

		while (s->state[s->filling] != B_FREE && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		pthread_mutex_unlock(&s->mu);
		produce(s, b);
		pthread_mutex_lock(&s->mu);
		s->state[s->filling] = B_SCANNED;
		s->seq[s->filling] = s->nfilled++;
		pthread_cond_broadcast(&s->cv);
		if (b->end || b->failed || b->oom)
			break;       /* nothing follows */
		s->filling = (s->filling + 1) % s->nblk;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Working thread k: blocks arm_from + k, then every nwork-th, in order,
 * each as soon as it is scanned. A slot may still hold the block nblk
 * places before (not yet handed out), hence the check of its place. */
static void *work_main(void *arg)
{
	struct wstart *ws = arg;
	struct csvscan *s = ws->s;
	long seq = s->arm_from + ws->k;

	pthread_mutex_lock(&s->mu);
	while (!s->go && !s->quit)
		pthread_cond_wait(&s->cv, &s->mu);
	for (;;) {
		int i = (int)(seq % s->nblk);
		struct scan_block *b = &s->b[i];

		while (!(s->state[i] == B_SCANNED && s->seq[i] == seq) && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		pthread_mutex_unlock(&s->mu);
		s->w->fn(s->w->ctx[ws->k], b);
		pthread_mutex_lock(&s->mu);
		s->state[i] = B_WORKED;
		pthread_cond_broadcast(&s->cv);
		if (b->end || b->failed || b->oom)
			break;
		seq += s->nwork;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int csvscan_open(struct csvscan **sp, const char *path, enum rs_encoding enc,
		 unsigned char delim, int split, size_t max_record, size_t fill,
		 int workable, struct rs_error *err)
{
	struct csvscan *s = xcalloc(1, sizeof(*s));
	int i;

	if (rs_in_open(&s->in, path, err)) {
		free(s);
		return -1;
	}
	s->enc = enc;
	s->delim = delim;
	s->split = split;
	s->max_record = max_record;
	/* offsets in a block are 32-bit */
	s->fill = fill ? (fill < ((size_t)1 << 30) ? fill : (size_t)1 << 30) : FILL;
	s->first = 1;
	s->held = -1;
	s->workable = workable;
	s->nblk = workable ? NBLK_WORK : NBLK;
	s->dcap = 64;
	s->dpos = xmalloc(s->dcap * sizeof(*s->dpos));
	for (i = 0; i < s->nblk; i++) {
		struct scan_block *b = &s->b[i];

		/* one byte more: csvin cuts a split line's raw text at its
		 * terminator, which may be the block's last byte */
		b->cap = 2 * (s->fill > SAMPLE ? s->fill : SAMPLE);
		b->p = xmalloc(b->cap + 1);
		b->split = xmalloc(b->cap + 1);
		b->lcap = 8192;
		b->l = xmalloc(b->lcap * sizeof(*b->l));
		b->fcap = 65536;
		b->f = xmalloc(b->fcap * sizeof(*b->f));
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->threaded = !pthread_create(&s->thread, NULL, scan_main, s);
	*sp = s;
	return 0;
}

int csvscan_arm(struct csvscan *s, const struct csvin_work *w)
{
	int k, n = w->nworkers < CSVIN_MAX_WORKERS ? w->nworkers : CSVIN_MAX_WORKERS;

	if (!s->workable || !s->threaded || s->finished || s->w || n < 1)
		return -1;
	s->w = w;
	s->arm_from = s->ntaken;
	/* The threads that start share the blocks; they wait for go, so
	 * that the share is settled before any block is worked. */
	for (k = 0; k < n; k++) {
		s->wstart[k].s = s;
		s->wstart[k].k = k;
		if (pthread_create(&s->wthread[k], NULL, work_main, &s->wstart[k]))
			break;
	}
	pthread_mutex_lock(&s->mu);
	s->nwork = k;
	s->go = 1;
	if (!k)
		s->w = NULL;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return k ? 0 : -1;
}

struct scan_block *csvscan_next(struct csvscan *s)
{
	struct scan_block *b;

	if (s->held >= 0) {
		pthread_mutex_lock(&s->mu);
		s->state[s->held] = B_FREE;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		s->held = -1;
	}
	if (s->finished)
		return NULL;
	b = &s->b[s->take];
	if (s->threaded) {
		int want = s->w && s->ntaken >= s->arm_from ? B_WORKED : B_SCANNED;

		pthread_mutex_lock(&s->mu);
		while (s->state[s->take] != want)
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
	} else {
		produce(s, b);
	}
	s->held = s->take;
	s->take = (s->take + 1) % s->nblk;
	s->ntaken++;
	if (b->end || b->failed || b->oom)
		s->finished = 1;
	return b;
}

enum rs_encoding csvscan_encoding(const struct csvscan *s)
{
	return s->enc;
}

void csvscan_close(struct csvscan *s)
{
	int i;

	if (!s)
		return;
	if (s->threaded) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		for (i = 0; i < s->nwork; i++)
			pthread_join(s->wthread[i], NULL);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	for (i = 0; i < s->nblk; i++) {
		if (s->b[i].wmem && s->w)
			s->w->release(s->w->ctx[0], s->b[i].wmem);
		free(s->b[i].p);
		free(s->b[i].split);
		free(s->b[i].l);
		free(s->b[i].f);
	}
	free(s->dpos);
	rs_in_close(&s->in);
	free(s);
}
