/*
 * bset.c - beneficiary sets (see bset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "xalloc.h"

/* Cache entries (a power of two): 320 KiB, which sits in a core's L2
 * and holds the people of a region while its months go by. */
#ifndef RECENT
#define RECENT 16384
#endif

/* Pseudonyms are keyed hashes, but a file may hold any 32 hex digits
 * (000...1, 000...2, ...): mix both words so neighbours spread. */
static uint64_t ben_hash(const unsigned char *ben)
{
	uint64_t w0, w1, h;

	memcpy(&w0, ben, 8);
	memcpy(&w1, ben + 8, 8);
	h = (w0 ^ 0x9E3779B97F4A7C15ULL) * 0xFF51AFD7ED558CCDULL;
	h ^= w1 + (h >> 29);
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 32;
	return h;
}

static struct benids_slot *slots_new(size_t cap)
{
	struct benids_slot *s = xcalloc(cap, sizeof(*s));

	/* walked at random: huge pages, so a probe does not miss the TLB too */
	advise_huge(s, cap * sizeof(*s));
	return s;
}

void benids_init(struct benids *b)
{
	b->cap = 65536;
	b->n = 0;
	b->slot = slots_new(b->cap);
	b->recent = xcalloc(RECENT, sizeof(*b->recent));
}

void benids_release(struct benids *b)
{
	free(b->slot);
	free(b->recent);
	memset(b, 0, sizeof(*b));
}

static void benids_rehash(struct benids *b)
{
	struct benids_slot *old = b->slot;
	size_t i, cap = b->cap * 2;

	b->slot = slots_new(cap);
	for (i = 0; i < b->cap; i++) {
		size_t j;

		if (!old[i].id1)
			continue;
		j = ben_hash(old[i].ben) & (cap - 1);
		while (b->slot[j].id1)
			j = (j + 1) & (cap - 1);
		b->slot[j] = old[i];
	}
	free(old);
	b->cap = cap;
}

uint64_t benids_hash(const unsigned char ben[BEN_LEN])
{
	return ben_hash(ben);
}

/* The cache entry of hash h. */
static struct benids_slot *recent_of(const struct benids *b, uint64_t h)
{
	return &b->recent[(h >> 40) & (RECENT - 1)];
}

/* Both ends of a slot: 20 bytes may straddle two cache lines. */
static void prefetch_slot(const struct benids_slot *s)
{
	__builtin_prefetch(s);
	__builtin_prefetch((const char *)(s + 1) - 1);
}

void benids_prefetch_recent(const struct benids *b, uint64_t h)
{
	prefetch_slot(recent_of(b, h));
}

int benids_peek(const struct benids *b, const unsigned char ben[BEN_LEN],
		uint64_t h, uint32_t *id)
{
	const struct benids_slot *r = recent_of(b, h);

	/* An id once given never changes: the cache's answer is final. */
	if (r->id1 && !memcmp(r->ben, ben, BEN_LEN)) {
		*id = r->id1 - 1;
		return 1;
	}
	/* The probe starts here and mostly ends here (load <= 70 %). */
	prefetch_slot(&b->slot[h & (b->cap - 1)]);
	return 0;
}

int benids_get(struct benids *b, const unsigned char ben[BEN_LEN],
	       uint32_t *id)
{
	return benids_get_hashed(b, ben, ben_hash(ben), id);
}

int benids_get_hashed(struct benids *b, const unsigned char ben[BEN_LEN],
		      uint64_t h, uint32_t *id)
{
	struct benids_slot *r = recent_of(b, h), *s;
	size_t i;

	if (r->id1 && !memcmp(r->ben, ben, BEN_LEN)) {
		*id = r->id1 - 1;
		return 0;
	}
	for (i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1)) {
		s = &b->slot[i];
		if (!s->id1 || !memcmp(s->ben, ben, BEN_LEN))
			break;
	}
	if (!s->id1) {
		/* id1 = n + 1 must fit, and stay nonzero */
		if (b->n >= UINT32_MAX - 1)
			return -1;
		memcpy(s->ben, ben, BEN_LEN);
		s->id1 = (uint32_t)++b->n;
	}
	*r = *s;
	*id = r->id1 - 1;
	/* At 70 % load, after the insert: r holds the answer. */
	if (b->n * 10 > b->cap * 7)
		benids_rehash(b);
	return 0;
}

void benbits_grow(struct benbits *s, uint32_t id)
{
	size_t n = s->n ? s->n : 4096;

	while (n <= id)
		n *= 2;
	s->b = xrealloc(s->b, n);
	memset(s->b + s->n, 0, n - s->n);
	s->n = n;
}

void benbits_clear(struct benbits *s, unsigned char mask)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->b[i] &= (unsigned char)~mask;
}

size_t benbits_union_count(const struct benbits *const *src,
			   const unsigned char *mask, size_t n)
{
	unsigned char *u;
	size_t i, j, len = 0, c = 0;

	if (n == 1) {
		for (j = 0; j < src[0]->n; j++)
			c += (src[0]->b[j] & mask[0]) != 0;
		return c;
	}
	for (i = 0; i < n; i++)
		if (src[i]->n > len)
			len = src[i]->n;
	u = xcalloc(len ? len : 1, 1);
	for (i = 0; i < n; i++)
		for (j = 0; j < src[i]->n; j++)
			u[j] |= src[i]->b[j] & mask[i];
	for (j = 0; j < len; j++)
		c += u[j] != 0;
	free(u);
	return c;
}

void benbits_release(struct benbits *s)
{
	free(s->b);
	s->b = NULL;
	s->n = 0;
}

/* capset_add of a set that is not full. */
void capset_add_new(struct capset *s, uint32_t id, int k)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->id[i] == id)
			return;
	if (!s->id)
		s->id = xreallocarray(NULL, (size_t)k, sizeof(*s->id));
	s->id[s->n++] = id;
}

void capset_union(struct capset *dst, const struct capset *src, int k)
{
	int i;

	for (i = 0; i < src->n && dst->n < k; i++)
		capset_add(dst, src->id[i], k);
}

void capset_release(struct capset *s)
{
	free(s->id);
	s->id = NULL;
	s->n = 0;
}

#if defined(__SSE2__) && !defined(RS_NO_SSE2)
#include <emmintrin.h>

/* Sixteen hex digits into eight bytes, one in each 16-bit lane of
 * *bytes, all sixteen at once in SSE2 registers (a branch per digit
 * mispredicts on random pseudonyms, and even a table load per digit was
 * a twentieth of rs-report's main thread at 10 M rows). A byte is a
 * digit or a letter by signed compares: bytes of 0x80 and above are
 * negative, so below '0'. Returns the mask of the bytes that are hex
 * digits, 0xFFFF when all are. */
static int hex16(const unsigned char *h, __m128i *bytes)
{
	__m128i x = _mm_loadu_si128((const __m128i *)h);
	__m128i low = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
				      _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
				       _mm_cmplt_epi8(low, _mm_set1_epi8('f' + 1)));
	__m128i v = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0F)),
				 _mm_and_si128(letter, _mm_set1_epi8(9)));

	/* lane = v[2i] | v[2i + 1] << 8 becomes v[2i] << 4 | v[2i + 1] */
	*bytes = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(v, 4),
					    _mm_set1_epi16(0x0FF0)),
			      _mm_srli_epi16(v, 8));
	return _mm_movemask_epi8(_mm_or_si128(digit, letter));
}

int ben_parse(const char *hex, size_t n, unsigned char out[BEN_LEN])
{
	const unsigned char *h = (const unsigned char *)hex;
	__m128i a, b;
	int ok;

	if (n != 2 * BEN_LEN)
		return -1;
	ok = hex16(h, &a) & hex16(h + 16, &b);
	/* Each lane holds one byte, below 0x100: pack them in order. */
	_mm_storeu_si128((__m128i *)out, _mm_packus_epi16(a, b));
	return ok == 0xFFFF ? 0 : -1;
}
#else
/* Hex digit values (0 for any other byte, which hexok rejects): one
 * load per digit instead of three range tests, whose branches a random
 * pseudonym mispredicts (the tests were a tenth of rs-report's time at
 * 10 M rows). */
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
#endif
