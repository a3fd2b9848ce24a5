/*
 * kset.c - open-addressing set of fixed-size keys (see kset.h).
 *
 * A slot is the key, the value, then a used flag. The value is aligned as
 * its size allows (at most 8) and the stride is a multiple of that:
 * callers read and write values in place as uint32_t or int64_t, which
 * must not be misaligned (undefined behaviour, and a fault on some
 * machines). Keys are not aligned (no padding for them): callers keep them
 * in packed structs or copy them out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kset.h"
#include "xalloc.h"

uint64_t rs_hash(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;

	/* Eight bytes per multiply, then a final avalanche. Keys here are
	 * mostly keyed hashes already, so this only has to be cheap and
	 * fair; byte-at-a-time FNV was a chain of one multiply per byte
	 * (16 for a beneficiary, 61 for an aggregate leaf). */
	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
	}
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 33;
	return h;
}

/* The alignment an object of n bytes may need: the largest power of two
 * dividing n, at most 8. */
static size_t align_of_size(size_t n)
{
	size_t a = 1;

	while (a < 8 && n && n % (a * 2) == 0)
		a *= 2;
	return a;
}

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/*
 * Slots for cap keys, zeroed. A big table is probed at random, one cache
 * miss a lookup and, with 4 KiB pages, one TLB miss too: at 10 M keys that
 * was 45 % of rs-validate's parsing thread. Huge pages on the table take
 * the TLB miss away. The memory still comes from calloc (large blocks are
 * fresh mappings, so pages not touched cost nothing).
 */
static unsigned char *slots_alloc(size_t cap, size_t stride)
{
	unsigned char *p = xcalloc(cap, stride);

	advise_huge(p, cap * stride);
	return p;
}

void kset_init(struct kset *s, size_t ksize, size_t vsize, size_t expect)
{
	size_t cap = 64, va = align_of_size(vsize);

	while (cap * 7 / 10 < expect)
		cap *= 2;
	s->ksize = ksize;
	s->vsize = vsize;
	s->voff = round_up(ksize, va);
	s->foff = s->voff + vsize;
	s->stride = round_up(s->foff + 1, va);
	s->cap = cap;
	s->n = 0;
	s->slots = slots_alloc(cap, s->stride);
}

void kset_release(struct kset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Key equality; the sizes used most (a 4-byte index and a month, a
 * 16-byte pseudonym) as word compares, not a call to memcmp. */
static inline int key_eq(const unsigned char *a, const void *b, size_t n)
{
	uint64_t x[2], y[2];

	if (n == 8 || n == 16) {
		memcpy(x, a, n);
		memcpy(y, b, n);
		return x[0] == y[0] && (n == 8 || x[1] == y[1]);
	}
	return !memcmp(a, b, n);
}

static unsigned char *probe_h(const struct kset *s, const void *key, uint64_t h)
{
	size_t i = h & (s->cap - 1);

	for (;;) {
		unsigned char *slot = s->slots + i * s->stride;
		if (!slot[s->foff] || key_eq(slot, key, s->ksize))
			return slot;
		i = (i + 1) & (s->cap - 1);
	}
}

static unsigned char *probe(const struct kset *s, const void *key)
{
	return probe_h(s, key, rs_hash(key, s->ksize));
}

static void rehash(struct kset *s, size_t cap)
{
	struct kset big;
	size_t i;

	kset_init(&big, s->ksize, s->vsize, 0);
	free(big.slots);
	big.cap = cap;
	big.slots = slots_alloc(big.cap, big.stride);
	for (i = 0; i < s->cap; i++) {
		unsigned char *old = s->slots + i * s->stride;
		if (old[s->foff])
			memcpy(probe(&big, old), old, s->stride);
	}
	big.n = s->n;
	free(s->slots);
	*s = big;
}

static void grow(struct kset *s)
{
	rehash(s, s->cap * 2);
}

void kset_reserve(struct kset *s, size_t expect, size_t cap)
{
	size_t want = s->cap;

	while (want < cap || want * 7 / 10 < expect)
		want *= 2;
	if (want != s->cap)
		rehash(s, want);
}

uint64_t kset_hash(const struct kset *s, const void *key)
{
	return rs_hash(key, s->ksize);
}

void *kset_put_h(struct kset *s, const void *key, uint64_t h, int *added)
{
	unsigned char *slot;

	if ((s->n + 1) * 10 > s->cap * 7)
		grow(s);
	slot = probe_h(s, key, h);
	if (slot[s->foff]) {
		if (added)
			*added = 0;
		return slot + s->voff;
	}
	slot[s->foff] = 1;
	memcpy(slot, key, s->ksize);
	s->n++;
	if (added)
		*added = 1;
	return slot + s->voff;
}

void *kset_put(struct kset *s, const void *key, int *added)
{
	return kset_put_h(s, key, rs_hash(key, s->ksize), added);
}

void kset_prefetch_h(const struct kset *s, uint64_t h)
{
	size_t i = h & (s->cap - 1);

	__builtin_prefetch(s->slots + i * s->stride);
	/* a search runs over a few slots: their next cache line too */
	__builtin_prefetch(s->slots + ((i + 2) & (s->cap - 1)) * s->stride);
}

void kset_prefetch(const struct kset *s, const void *key)
{
	kset_prefetch_h(s, rs_hash(key, s->ksize));
}

void *kset_get_h(const struct kset *s, const void *key, uint64_t h)
{
	unsigned char *slot = probe_h(s, key, h);

	return slot[s->foff] ? slot + s->voff : NULL;
}

void *kset_get(const struct kset *s, const void *key)
{
	return kset_get_h(s, key, rs_hash(key, s->ksize));
}

const void *kset_next(const struct kset *s, size_t *i, void **val)
{
	while (*i < s->cap) {
		unsigned char *slot = s->slots + (*i)++ * s->stride;
		if (slot[s->foff]) {
			if (val)
				*val = slot + s->voff;
			return slot;
		}
	}
	return NULL;
}
