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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ben_parse(const char *hex, size_t n, unsigned char out[BEN_LEN])
{
	size_t i;

	if (n != 2 * BEN_LEN)
		return -1;
	for (i = 0; i < BEN_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
