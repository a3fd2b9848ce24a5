/*
 * leaf.h - the leaf grain shared by aggregate.c and groups.c: one entry per
 * (region, program, area, month, funding, support mode, beneficiary).
 */
#ifndef RS_AGGREGATE_LEAF_H
#define RS_AGGREGATE_LEAF_H

#include <stddef.h>
#include <stdint.h>

#include "kset.h"

/* Strings that repeat on every row (programs, funding labels) are interned
 * once; keys hold their index. */
struct strtab {
	char **s;
	size_t n;
};

uint16_t strtab_intern(struct strtab *t, const char *s);
void strtab_release(struct strtab *t);

struct leaf_key {
	char region[12];
	uint16_t program, funding, mode;
	uint8_t area;         /* 0 rural, 1 urban: the order of the strings */
	int32_t ym;
	char bene[32];
} __attribute__((packed));

struct leaf_val {
	int64_t payments, persons, amount;
	int16_t age;
	char sex;
} __attribute__((packed));

struct leafset {
	struct kset leaves;   /* leaf_key -> leaf_val */
	struct strtab programs, funding, modes;
};

#endif
