/*
 * leafsort.c - the leaves' order by key, found without moving them (see
 * leaf.h).
 *
 * Comparing 58-byte records through an index reads two records at random
 * per comparison; with millions of leaves nearly every read misses the
 * cache. So each leaf's key is first packed into 128 bits that compare as
 * the key does (the fields cut to the bits their range needs, then the
 * beneficiary, cut off where the leaf's index begins), and those 16-byte
 * entries are put in order by a radix sort, in place. Only entries whose
 * packed bits are equal go back to the leaves (leaf_cmp), and those are
 * few: the same key seen again, or beneficiaries that share their first
 * sixty-odd bits.
 *
 * A large set is packed and sorted on two threads: each packs half the
 * entries, then the top radix pass cuts the entries into buckets and the
 * two threads take buckets (disjoint ranges) from one list, the largest
 * first. The entries are distinct, so the sorted result is the same
 * whichever thread sorts which bucket, and the same when no second thread
 * could be started (the caller's thread then does it all).
 */
#include <endian.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "leaf.h"
#include "xalloc.h"

/* Buckets this small are sorted by insertion. */
#define ISORT_MAX 32
/* Runs of equal packed bits longer than this are sorted by qsort. */
#define TIE_ISORT_MAX 16
/* Sets smaller than this are packed and sorted on the caller's thread
 * alone: a thread costs more than it saves. RS_AGGREGATE_PAR_MIN, a test
 * knob, sets another (1: every set of more than one leaf). */
#define PAR_MIN 65536
/* The top pass's buckets are cut again while one holds more than a
 * quarter of the entries (so the two threads' shares can be even), into
 * at most this many pieces. */
#define PIECES_MAX 2048

static unsigned bits_for(uint64_t v)
{
	unsigned b = 0;

	while (v) {
		b++;
		v >>= 1;
	}
	return b;
}

/* 8 ASCII digits, the first in the lowest byte, as their number: pairs,
 * then fours, then eight, each step one multiply (SWAR). */
static inline uint64_t digits8(const char *s)
{
	uint64_t v;

	memcpy(&v, s, 8);
	v = le64toh(v) - 0x3030303030303030ull;
	v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
	v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
	return (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
}

static inline uint64_t digits4(const char *s)
{
	uint32_t v;

	memcpy(&v, s, 4);
	v = le32toh(v) - 0x30303030u;
	v = (v * 10 + (v >> 8)) & 0x00FF00FFu;
	return (v * 100 + (v >> 16)) & 0xFFFFu;
}

/* The region's 12 digits (the reader has checked them) as a number: its
 * order is the bytes' order. */
static inline uint64_t region_num(const struct leaf *l)
{
	return digits8(l->region) * 10000 + digits4(l->region + 8);
}

static inline uint64_t bene_word(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/* 128 bits filled from the top, to at most room bits. */
struct kbuild {
	uint64_t hi, lo;
	unsigned used, room;
};

/* Appends the low bits of v (v < 2^bits, bits <= 64); what passes room
 * is cut from v's low end. */
static inline void kput(struct kbuild *k, uint64_t v, unsigned bits)
{
	unsigned end;

	if (k->used + bits > k->room) {
		if (k->used >= k->room)
			return;
		v >>= k->used + bits - k->room;
		bits = k->room - k->used;
	}
	if (!bits)
		return;
	end = k->used + bits;
	if (end <= 64) {
		k->hi |= v << (64 - end);
	} else if (k->used >= 64) {
		k->lo |= v << (128 - end);
	} else {
		k->hi |= v >> (end - 64);
		k->lo |= v << (128 - end);
	}
	k->used = end;
}

static inline int ent_less(const struct leaf_ent *a, const struct leaf_ent *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

static inline unsigned ent_digit(const struct leaf_ent *e, unsigned shift)
{
	return (unsigned)((shift >= 64 ? e->hi >> (shift - 64) : e->lo >> shift) & 255);
}

static void ent_isort(struct leaf_ent *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct leaf_ent t = a[i];
		for (j = i; j > 0 && ent_less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/*
 * Most significant digit first, in place (American flag sort): count the
 * byte at shift, move each entry into its bucket by swaps, then sort each
 * bucket by the next byte down. A byte every entry shares costs one
 * counting pass and no moves. Entries are distinct (they hold their
 * index), so the result is one total order.
 *
 * ent_partition does one such pass: it moves a[0..n) into buckets by the
 * highest byte at or below *shift in which they differ, sets *shift to that
 * byte and count[] to the buckets' sizes, and returns 1; or returns 0 when
 * a[0..n) is in order already (small, sorted here by insertion, or all
 * bytes equal).
 */
static int ent_partition(struct leaf_ent *a, size_t n, unsigned *shiftp,
			 size_t count[256])
{
	size_t next[256], end[256];
	size_t i, b;
	unsigned shift = *shiftp;

	for (;;) {
		if (n <= ISORT_MAX) {
			ent_isort(a, n);
			return 0;
		}
		memset(count, 0, 256 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[ent_digit(&a[i], shift)]++;
		if (count[ent_digit(&a[0], shift)] == n) {
			if (!shift)
				return 0;
			shift -= 8;
			continue;
		}
		break;
	}
	for (i = 0, b = 0; b < 256; b++) {
		next[b] = i;
		i += count[b];
		end[b] = i;
	}
	for (b = 0; b < 256; b++) {
		while (next[b] < end[b]) {
			struct leaf_ent t = a[next[b]];
			unsigned d = ent_digit(&t, shift);
			while (d != b) {
				struct leaf_ent u = a[next[d]];
				a[next[d]++] = t;
				t = u;
				d = ent_digit(&t, shift);
			}
			a[next[b]++] = t;
		}
	}
	*shiftp = shift;
	return 1;
}

static void ent_radix(struct leaf_ent *a, size_t n, unsigned shift)
{
	size_t count[256];
	size_t i, b;

	if (!ent_partition(a, n, &shift, count) || !shift)
		return;
	for (i = 0, b = 0; b < 256; i += count[b], b++)
		if (count[b] > 1)
			ent_radix(a + i, count[b], shift - 8);
}

/* A range of entries left to sort from the byte below shift down. */
struct piece {
	size_t off, n;
	unsigned shift;
};

/* The work two threads share: pieces taken in turn from one list. */
struct sort_work {
	struct leaf_ent *a;
	struct piece *p;
	size_t np;
	size_t taken;               /* the next piece's place; atomic */
};

static void *sort_pieces(void *v)
{
	struct sort_work *w = v;
	size_t i;

	while ((i = __atomic_fetch_add(&w->taken, 1, __ATOMIC_RELAXED)) < w->np)
		ent_radix(w->a + w->p[i].off, w->p[i].n, w->p[i].shift);
	return NULL;
}

static int piece_larger(const void *x, const void *y)
{
	const struct piece *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* Appends the buckets of a pass over a[off..) at shift (counts in count)
 * that still need sorting. */
static void add_pieces(struct piece *p, size_t *np, size_t off,
		       const size_t count[256], unsigned shift)
{
	size_t b;

	for (b = 0; b < 256; off += count[b], b++)
		if (count[b] > 1 && shift) {
			p[*np].off = off;
			p[*np].n = count[b];
			p[*np].shift = shift - 8;
			(*np)++;
		}
}

/*
 * Runs f(a) on a second thread and f(b) on this one, then waits; or both
 * here, a first, when no thread can be started. f must not care which.
 */
static void run_two(void *(*f)(void *), void *a, void *b)
{
	pthread_t t;
	int started = !pthread_create(&t, NULL, f, a);

	f(b);
	if (started)
		pthread_join(t, NULL);
	else
		f(a);
}

static size_t par_min(void)
{
	const char *s = getenv("RS_AGGREGATE_PAR_MIN");
	long v;

	if (!s || !*s)
		return PAR_MIN;
	v = strtol(s, NULL, 10);
	return v >= 1 ? (size_t)v : PAR_MIN;
}

/* ent_radix(a, n, 120) on two threads (see the top of the file), when
 * n >= pmin. */
static void ent_sort(struct leaf_ent *a, size_t n, size_t pmin)
{
	struct sort_work w;
	size_t count[256], i, big;
	unsigned shift = 120;

	if (n < pmin || n < 2) {
		ent_radix(a, n, shift);
		return;
	}
	if (!ent_partition(a, n, &shift, count))
		return;
	w.a = a;
	w.p = xreallocarray(NULL, PIECES_MAX + 256, sizeof(*w.p));
	w.np = 0;
	w.taken = 0;
	add_pieces(w.p, &w.np, 0, count, shift);
	/* cut the largest piece again while it would hold one thread up */
	for (;;) {
		struct piece p;
		for (big = 0, i = 1; i < w.np; i++)
			if (w.p[i].n > w.p[big].n)
				big = i;
		if (!w.np || w.p[big].n <= n / 4 || w.np + 256 > PIECES_MAX)
			break;
		p = w.p[big];
		w.p[big] = w.p[--w.np];
		if (ent_partition(a + p.off, p.n, &p.shift, count))
			add_pieces(w.p, &w.np, p.off, count, p.shift);
	}
	qsort(w.p, w.np, sizeof(*w.p), piece_larger);
	run_two(sort_pieces, &w, &w);
	free(w.p);
}

static const struct leaf *tie_base;
static uint64_t tie_mask;

/* For runs of equal packed bits: the key, then the index. */
static int cmp_tie(const void *a, const void *b)
{
	const struct leaf_ent *x = a, *y = b;
	uint64_t xi = x->lo & tie_mask, yi = y->lo & tie_mask;
	int d = leaf_cmp(&tie_base[xi >> 1], &tie_base[yi >> 1]);

	return d ? d : xi < yi ? -1 : xi > yi;
}

/* Puts a run of entries with equal packed bits, now in index order, in key
 * order; equal keys keep their index order. */
static void sort_tie(struct leaf_ent *a, size_t n, const struct leaf *leaves,
		     uint64_t mask)
{
	size_t i, j;

	if (n > TIE_ISORT_MAX) {
		tie_base = leaves;
		tie_mask = mask;
		qsort(a, n, sizeof(*a), cmp_tie);
		return;
	}
	for (i = 1; i < n; i++) {
		struct leaf_ent t = a[i];
		const struct leaf *l = &leaves[(t.lo & mask) >> 1];
		for (j = i; j > 0 && leaf_cmp(l, &leaves[(a[j - 1].lo & mask) >> 1]) < 0; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/* How each leaf's key is packed, and the entries [lo, hi) to pack. */
struct pack_job {
	const struct leaf *lv;
	struct leaf_ent *e;
	size_t lo, hi;
	uint64_t rmin;
	int64_t ymin;
	unsigned rb, pb, yb, fb, mb, low;
};

static void *pack_entries(void *v)
{
	const struct pack_job *j = v;
	size_t i;

	for (i = j->lo; i < j->hi; i++) {
		const struct leaf *l = &j->lv[i];
		struct kbuild k = { 0, 0, 0, 128 - j->low };
		kput(&k, region_num(l) - j->rmin, j->rb);
		kput(&k, l->program, j->pb);
		kput(&k, l->area, 1);
		kput(&k, (uint64_t)((int64_t)l->ym - j->ymin), j->yb);
		kput(&k, l->funding, j->fb);
		kput(&k, l->mode, j->mb);
		kput(&k, bene_word(l->bene), 64);
		kput(&k, bene_word(l->bene + 8), 64);
		j->e[i].hi = k.hi;
		j->e[i].lo = k.lo | (uint64_t)i << 1 |
			     (!l->payments && !l->persons && !l->amount);
	}
	return NULL;
}

void leaf_order_build(struct leaf_order *o, struct leafset *ls,
		      const uint16_t *const *maps)
{
	struct pack_job job[2];
	size_t pmin = par_min();
	struct leaf *lv = ls->leaves;
	size_t i, j, n = ls->n;
	uint64_t rmin = UINT64_MAX, rmax = 0;
	int64_t ymin = INT64_MAX, ymax = INT64_MIN;
	unsigned low;
	struct leaf_ent *e;

	memset(o, 0, sizeof(*o));
	o->n = n;
	o->e = e = xreallocarray(NULL, n ? n : 1, sizeof(*e));
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		uint64_t r = region_num(&lv[i]);
		if (maps) {
			lv[i].program = maps[0][lv[i].program];
			lv[i].funding = maps[1][lv[i].funding];
			lv[i].mode = maps[2][lv[i].mode];
		}
		if (r < rmin)
			rmin = r;
		if (r > rmax)
			rmax = r;
		if (lv[i].ym < ymin)
			ymin = lv[i].ym;
		if (lv[i].ym > ymax)
			ymax = lv[i].ym;
	}
	/* the index, and below it whether the leaf is all zero */
	low = bits_for(n - 1) + 1;
	o->low = low;
	o->mask = ((uint64_t)1 << low) - 1;
	job[0].lv = lv;
	job[0].e = e;
	job[0].lo = 0;
	job[0].hi = n;
	job[0].rmin = rmin;
	job[0].ymin = ymin;
	job[0].rb = bits_for(rmax - rmin);
	job[0].pb = bits_for(ls->programs.n ? ls->programs.n - 1 : 0);
	job[0].yb = bits_for((uint64_t)(ymax - ymin));
	job[0].fb = bits_for(ls->funding.n ? ls->funding.n - 1 : 0);
	job[0].mb = bits_for(ls->modes.n ? ls->modes.n - 1 : 0);
	job[0].low = low;
	if (n < pmin || n < 2) {
		pack_entries(&job[0]);
	} else {
		/* each thread also takes the first writes to its half's
		 * fresh pages */
		job[1] = job[0];
		job[0].hi = job[1].lo = n / 2;
		run_two(pack_entries, &job[1], &job[0]);
	}
	ent_sort(e, n, pmin);
	/* runs of equal packed bits: the keys decide */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && leaf_ent_prefix_eq(o, &e[i], &e[j]); j++)
			;
		if (j - i > 1)
			sort_tie(e + i, j - i, lv, o->mask);
	}
}
