/*
 * bset.c - beneficiary sets (see bset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "xalloc.h"

void ben_set_init(struct kset *s, int with_persons)
{
	kset_init(s, BEN_LEN, with_persons ? sizeof(int64_t) : 0, 0);
}

void ben_set_union(struct kset *dst, const struct kset *src)
{
	const void *key;
	void *sv;
	size_t i = 0;

	/* src's keys come in its slot order: dst must be at least as wide
	 * (see kset_reserve), or a union of big sets goes quadratic. */
	kset_reserve(dst, dst->n + src->n, src->cap);
	while ((key = kset_next(src, &i, &sv))) {
		int added;
		void *dv = kset_put(dst, key, &added);

		if (dst->vsize == sizeof(int64_t) && src->vsize == sizeof(int64_t)) {
			int64_t a, b;

			memcpy(&a, dv, sizeof(a));
			memcpy(&b, sv, sizeof(b));
			/* the sources are disjoint payments: their persons add */
			a += b;
			memcpy(dv, &a, sizeof(a));
		}
	}
}

void ben_set_union_kind(struct kset *dst, const struct kset *src, int mask)
{
	const unsigned char *key;
	void *sv;
	size_t i = 0;

	/* Sized for all of src, as ben_set_union is: keys come in src's
	 * slot order. */
	kset_reserve(dst, dst->n + src->n, src->cap);
	while ((key = kset_next(src, &i, &sv)))
		if (*(const unsigned char *)sv & mask)
			kset_put(dst, key, NULL);
}

int64_t ben_set_sum(const struct kset *s)
{
	int64_t sum = 0, v;
	void *val;
	size_t i = 0;

	if (s->vsize != sizeof(int64_t))
		return 0;
	while (kset_next(s, &i, &val)) {
		memcpy(&v, val, sizeof(v));
		sum += v;
	}
	return sum;
}

void capset_add(struct capset *s, const unsigned char *key, int k)
{
	int i;

	if (s->n >= k)
		return;
	for (i = 0; i < s->n; i++)
		if (!memcmp(s->key[i], key, BEN_LEN))
			return;
	if (!s->key)
		s->key = xreallocarray(NULL, (size_t)k, BEN_LEN);
	memcpy(s->key[s->n++], key, BEN_LEN);
}

void capset_union(struct capset *dst, const struct capset *src, int k)
{
	int i;

	for (i = 0; i < src->n && dst->n < k; i++)
		capset_add(dst, src->key[i], k);
}

void capset_release(struct capset *s)
{
	free(s->key);
	s->key = NULL;
	s->n = 0;
}

/* Hex digit values (0 for any other byte, which hexok rejects): one load per digit instead of
 * three range tests, whose branches a random pseudonym mispredicts (the
 * test was a tenth of rs-report's time at 10 M rows). */
static const unsigned char hexval[256] = {
	['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4,
	['5'] = 5, ['6'] = 6, ['7'] = 7, ['8'] = 8, ['9'] = 9,
	['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15,
	['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};
static const unsigned char hexok[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

int ben_parse(const char *hex, size_t n, unsigned char out[BEN_LEN])
{
	const unsigned char *h = (const unsigned char *)hex;
	unsigned ok = 1;
	size_t i;

	if (n != 2 * BEN_LEN)
		return -1;
	/* No branch per digit: the validity of all 32 is folded into ok. */
	for (i = 0; i < BEN_LEN; i++) {
		unsigned char hi = h[2 * i], lo = h[2 * i + 1];

		ok &= (unsigned)hexok[hi] & hexok[lo];
		out[i] = (unsigned char)(hexval[hi] << 4 | hexval[lo]);
	}
	return ok ? 0 : -1;
}
