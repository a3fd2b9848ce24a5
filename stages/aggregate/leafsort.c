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
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "leaf.h"
#include "xalloc.h"

/* Buckets this small are sorted by insertion. */
#define ISORT_MAX 32
/* Runs of equal packed bits longer than this are sorted by qsort. */
#define TIE_ISORT_MAX 16

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
 */
static void ent_radix(struct leaf_ent *a, size_t n, unsigned shift)
{
	size_t count[256], next[256], end[256];
	size_t i, b;

	for (;;) {
		if (n <= ISORT_MAX) {
			ent_isort(a, n);
			return;
		}
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[ent_digit(&a[i], shift)]++;
		if (count[ent_digit(&a[0], shift)] == n) {
			if (!shift)
				return;
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
	if (!shift)
		return;
	for (i = 0, b = 0; b < 256; i += count[b], b++)
		if (count[b] > 1)
			ent_radix(a + i, count[b], shift - 8);
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

void leaf_order_build(struct leaf_order *o, struct leafset *ls,
		      const uint16_t *const *maps)
{
	struct leaf *lv = ls->leaves;
	size_t i, j, n = ls->n;
	uint64_t rmin = UINT64_MAX, rmax = 0;
	int64_t ymin = INT64_MAX, ymax = INT64_MIN;
	unsigned rb, pb, yb, fb, mb, low;
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
	rb = bits_for(rmax - rmin);
	pb = bits_for(ls->programs.n ? ls->programs.n - 1 : 0);
	yb = bits_for((uint64_t)(ymax - ymin));
	fb = bits_for(ls->funding.n ? ls->funding.n - 1 : 0);
	mb = bits_for(ls->modes.n ? ls->modes.n - 1 : 0);
	for (i = 0; i < n; i++) {
		const struct leaf *l = &lv[i];
		struct kbuild k = { 0, 0, 0, 128 - low };
		kput(&k, region_num(l) - rmin, rb);
		kput(&k, l->program, pb);
		kput(&k, l->area, 1);
		kput(&k, (uint64_t)((int64_t)l->ym - ymin), yb);
		kput(&k, l->funding, fb);
		kput(&k, l->mode, mb);
		kput(&k, bene_word(l->bene), 64);
		kput(&k, bene_word(l->bene + 8), 64);
		e[i].hi = k.hi;
		e[i].lo = k.lo | (uint64_t)i << 1 |
			  (!l->payments && !l->persons && !l->amount);
	}
	ent_radix(e, n, 120);
	/* runs of equal packed bits: the keys decide */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && leaf_ent_prefix_eq(o, &e[i], &e[j]); j++)
			;
		if (j - i > 1)
			sort_tie(e + i, j - i, lv, o->mask);
	}
}
