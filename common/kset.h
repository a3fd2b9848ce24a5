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
	unsigned char *slots;   /* cap * (1 + ksize + vsize) bytes */
	size_t ksize, vsize, stride;
	size_t cap, n;
};

void kset_init(struct kset *s, size_t ksize, size_t vsize, size_t expect);
void kset_release(struct kset *s);
/*
 * Finds key; if absent, inserts it with a zeroed value and sets *added.
 * Returns a pointer to the value bytes (valid until the next insert).
 */
void *kset_put(struct kset *s, const void *key, int *added);
/* The value for key, or NULL. */
void *kset_get(const struct kset *s, const void *key);
/* Iterates: start with *i = 0; returns the key of the next used slot or
 * NULL at the end, and points *val at its value. */
const void *kset_next(const struct kset *s, size_t *i, void **val);

#endif
