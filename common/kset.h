/*
 * kset.h - an open-addressing hash set of fixed-size byte keys, each with a
 * fixed-size value.
 *
 * Used for the cross-row checks and for distinct counts: memory is the
 * number of distinct keys times (key + value) size, never the input size.
 * Slots are probed linearly; the table doubles at 70 % load, so tens of
 * millions of keys cost a handful of rehashes (size it up front with
 * kset_init's expected count to avoid them).
 */
#ifndef RS_KSET_H
#define RS_KSET_H

#include <stddef.h>
#include <stdint.h>

struct kset {
	unsigned char *slots;   /* cap * stride bytes */
	size_t ksize, vsize, stride;
	size_t voff, foff;      /* offsets of the value and the used flag */
	size_t cap, n;
};

/* The hash kset uses: eight bytes per multiply, then an avalanche. For
 * other small tables of keys (catalog indices, label memos) too. */
uint64_t rs_hash(const void *key, size_t n);

void kset_init(struct kset *s, size_t ksize, size_t vsize, size_t expect);
void kset_release(struct kset *s);
/*
 * Grows s, if need be, to hold expect keys without a rehash and to at least
 * cap slots. Call it before copying one set into another: keys read with
 * kset_next() come in slot order, which is hash order, and inserting them
 * into a smaller table of the same hash piles them into one run of slots
 * (each insert then probes the whole run). Keys and values are kept.
 */
void kset_reserve(struct kset *s, size_t expect, size_t cap);
/*
 * Finds key; if absent, inserts it with a zeroed value and sets *added.
 * Returns a pointer to the value bytes (valid until the next insert).
 * Values are stored aligned as their size allows (up to 8 bytes), so a
 * value of 4 or 8 bytes may be used in place as a uint32_t or int64_t.
 * Keys are not aligned: read one returned by kset_next() through a packed
 * struct or memcpy.
 */
void *kset_put(struct kset *s, const void *key, int *added);
/* Starts loading the slot where key's search begins into the cache, so a
 * kset_put or kset_get a little later does not wait for memory. A hint:
 * it changes nothing. */
void kset_prefetch(const struct kset *s, const void *key);
/* The value for key, or NULL. */
void *kset_get(const struct kset *s, const void *key);
/*
 * The same three with the key's hash computed once by the caller
 * (kset_hash), for a key that is prefetched, looked up and inserted in
 * turn: the hash does not depend on the table's size, so it stays valid
 * across inserts and growth. h must be kset_hash(s, key).
 */
uint64_t kset_hash(const struct kset *s, const void *key);
void *kset_put_h(struct kset *s, const void *key, uint64_t h, int *added);
void kset_prefetch_h(const struct kset *s, uint64_t h);
void *kset_get_h(const struct kset *s, const void *key, uint64_t h);
/* Iterates: start with *i = 0; returns the key of the next used slot or
 * NULL at the end, and points *val at its value. */
const void *kset_next(const struct kset *s, size_t *i, void **val);

#endif
