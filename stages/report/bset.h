/*
 * bset.h - beneficiary sets for distinct counts and small-cell tests.
 *
 * A beneficiary is a 128-bit keyed pseudonym (32 hex digits in the
 * aggregate file), held here as 16 raw bytes. Exact sets are common/kset
 * sets with 16-byte keys: with no value for "paid in the period", or with
 * an int64 value (the persons paid for) for the stock month. struct capset
 * stops growing at k members: enough to decide "fewer than k beneficiaries"
 * for a cell of the monthly table at a cost of k keys, however many people
 * the cell counts.
 */
#ifndef RS_REPORT_BSET_H
#define RS_REPORT_BSET_H

#include <stddef.h>
#include <stdint.h>

#include "kset.h"

#define BEN_LEN 16

/* An exact set of beneficiaries; with_persons adds an int64 value. */
void ben_set_init(struct kset *s, int with_persons);
/* Adds src to dst; with persons, a beneficiary in both gets the sum (the
 * sources hold different payments). */
void ben_set_union(struct kset *dst, const struct kset *src);
/* Adds to dst (made without persons) the members of src, a group's ben
 * set, whose kind byte has a bit of mask. */
void ben_set_union_kind(struct kset *dst, const struct kset *src, int mask);
/* Sum of the int64 values of a set made with_persons. */
int64_t ben_set_sum(const struct kset *s);

struct capset {
	unsigned char (*key)[BEN_LEN];
	int n;                 /* members held, at most k */
};

/* A zeroed capset is empty; k is passed at each call. */
void capset_add(struct capset *s, const unsigned char *key, int k);
void capset_union(struct capset *dst, const struct capset *src, int k);
void capset_release(struct capset *s);

/* Parses 32 hex digits into 16 bytes. Returns 0 or -1. */
int ben_parse(const char *hex, size_t n, unsigned char out[BEN_LEN]);

#endif
