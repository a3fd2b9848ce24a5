/*
 * leaf.h - the leaf grain shared by aggregate.c and groups.c: one entry per
 * (region, program, area, month, funding, support mode, beneficiary).
 *
 * Leaves are packed 58-byte records in one array, not a hash table: the
 * beneficiary is kept as its 16 bytes (the pseudonym is 32 lowercase hex
 * digits), the strings that repeat on every row as small indices. The
 * array is sorted and its equal keys combined whenever it fills, so memory
 * is the number of distinct keys times 58 bytes, plus the sort's index.
 */
#ifndef RS_AGGREGATE_LEAF_H
#define RS_AGGREGATE_LEAF_H

#include <stddef.h>
#include <stdint.h>

/* Strings that repeat on every row (programs, funding labels) are interned
 * once; leaves hold their index. */
struct strtab {
	char **s;
	size_t n;
};

uint16_t strtab_intern(struct strtab *t, const char *s);
void strtab_release(struct strtab *t);

struct leaf {
	/* the key */
	char region[12];
	uint16_t program, funding, mode;
	uint8_t area;               /* 0 rural, 1 urban: the order of the strings */
	int32_t ym;
	unsigned char bene[16];
	/* the measures */
	int32_t payments, persons;
	int64_t amount;
	int16_t age;                /* -1 unknown */
	char sex;                   /* 'F', 'M' or 0 */
} __attribute__((packed));

/*
 * Once the leaves are final, leaves[0..n) are sorted by key (region,
 * program name, area, month, funding label, support mode, beneficiary),
 * every key appears once and none is all zero; the string tables are
 * sorted too, so an index's order is its string's order.
 */
struct leafset {
	struct leaf *leaves;
	size_t n, cap;
	size_t hint;                /* leaves to make room for first */
	struct strtab programs, funding, modes;
};

#endif
