/*
 * leaf.h - the leaf grain shared by aggregate.c and groups.c: one entry per
 * (region, program, area, month, funding, support mode, beneficiary).
 *
 * Leaves are packed 58-byte records in one array, not a hash table: the
 * beneficiary is kept as its 16 bytes (the pseudonym is 32 lowercase hex
 * digits), the strings that repeat on every row as small indices. The
 * array's key order is found and its equal keys combined whenever it
 * fills (the leaves themselves stay in order of arrival), so memory
 * is the number of distinct keys times 58 bytes, plus the sort's 16 bytes
 * a leaf (leafsort.c) while it runs and the 4-byte key order it leaves.
 */
#ifndef RS_AGGREGATE_LEAF_H
#define RS_AGGREGATE_LEAF_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Strings that repeat on every row (programs, funding labels) are interned
 * once; leaves hold their index. A small hash table (aggregate.c) finds a
 * string's index without a string comparison, as it is looked up on every
 * row. */
struct strtab_slot {
	uint64_t w[2];              /* the key (str_key) */
	size_t len;
	uint32_t idx1;              /* index + 1; 0: empty */
};

struct strtab {
	char **s;
	size_t n;
	struct strtab_slot *slot;
	size_t nslot;               /* a power of 2, or 0 */
	uint32_t last1;             /* the index + 1 interned last; 0: none */
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
 * Once the leaves are final, every key appears once and none is all zero;
 * leaves[order[0..n)] are in key order (region, program name, area, month,
 * funding label, support mode, beneficiary), or leaves[0..n) themselves
 * when order is NULL; the string tables are sorted too, so an index's
 * order is its string's order.
 */
struct leafset {
	struct leaf *leaves;
	size_t n, cap;
	size_t hint;                /* leaves to make room for first */
	uint32_t *order;            /* owned; NULL: leaves are in key order */
	struct strtab programs, funding, modes;
};

/* The region's 12 digits as two big-endian words: comparing them is
 * comparing the bytes, without a call. */
static inline uint64_t leaf_region_hi(const struct leaf *l)
{
	uint64_t v;

	memcpy(&v, l->region, 8);
	return be64toh(v);
}

static inline uint32_t leaf_region_lo(const struct leaf *l)
{
	uint32_t v;

	memcpy(&v, l->region + 8, 4);
	return be32toh(v);
}

/* Key order: <0, 0 or >0. */
static inline int leaf_cmp(const struct leaf *x, const struct leaf *y)
{
	uint64_t xh = leaf_region_hi(x), yh = leaf_region_hi(y);
	uint32_t xl, yl;

	if (xh != yh)
		return xh < yh ? -1 : 1;
	xl = leaf_region_lo(x);
	yl = leaf_region_lo(y);
	if (xl != yl)
		return xl < yl ? -1 : 1;
	if (x->program != y->program)
		return x->program < y->program ? -1 : 1;
	if (x->area != y->area)
		return x->area < y->area ? -1 : 1;
	if (x->ym != y->ym)
		return x->ym < y->ym ? -1 : 1;
	if (x->funding != y->funding)
		return x->funding < y->funding ? -1 : 1;
	if (x->mode != y->mode)
		return x->mode < y->mode ? -1 : 1;
	return memcmp(x->bene, y->bene, 16);
}

/*
 * leafsort.c: the leaves' key order without moving them. An entry holds a
 * leaf's key packed into the high bits of 128 (compared as the key is, but
 * cut short: two leaves whose packed bits are equal may still differ),
 * then the leaf's index, then 1 if the leaf is all zero.
 */
struct leaf_ent {
	uint64_t hi, lo;
};

struct leaf_order {
	struct leaf_ent *e;         /* owned: n entries in key order */
	size_t n;
	unsigned low;               /* bits of lo below the packed key */
	uint64_t mask;              /* those bits */
};

/*
 * Fills o with the order of ls->leaves[0..n): by key, equal keys by index
 * (so a sort by it is stable). When maps is not NULL, each leaf's program,
 * funding and mode index i first becomes maps[0..2][i] (the tables were
 * just put in order), in the pass that reads the leaves anyway. The string
 * tables must not change while o is used. Dies when out of memory; can't
 * fail otherwise. The caller frees o->e.
 */
void leaf_order_build(struct leaf_order *o, struct leafset *ls,
		      const uint16_t *const *maps);

static inline size_t leaf_ent_index(const struct leaf_order *o, const struct leaf_ent *e)
{
	return (size_t)((e->lo & o->mask) >> 1);
}

static inline int leaf_ent_zero(const struct leaf_ent *e)
{
	return (int)(e->lo & 1);
}

/* 0: the two leaves' keys differ; 1: they may be equal (leaf_cmp says). */
static inline int leaf_ent_prefix_eq(const struct leaf_order *o, const struct leaf_ent *a,
				     const struct leaf_ent *b)
{
	return a->hi == b->hi && !((a->lo ^ b->lo) >> o->low);
}

#endif
