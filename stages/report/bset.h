/*
 * bset.h - beneficiaries as dense ids, and the sets the report keeps of them.
 *
 * A beneficiary is a 128-bit keyed pseudonym (32 hex digits in the
 * aggregate file), parsed into 16 raw bytes. The report only ever counts
 * beneficiaries, never prints them, so each distinct pseudonym is turned
 * once into a dense id (struct benids: 0, 1, 2, ... in order of first
 * appearance) and every set after that is over ids:
 *   - struct benbits, one byte per id for a group: which of its marks
 *     (paid in the slice, of which kind, in the stock month) the id has.
 *     Exact, O(1) per row, and a union of groups is a pass over arrays.
 *     It costs a byte per id of the file for each group that holds any
 *     high id, against about 27 bytes per member for a hash set: the
 *     groups are program x area x slice, a few dozen at most.
 *   - struct capset, which stops growing at k members: enough to decide
 *     "fewer than k beneficiaries" for a cell of the monthly table at a
 *     cost of k ids, however many people the cell counts.
 * Ids come in order of first appearance and the aggregate file is sorted
 * by region first, so a region's people hold nearby ids: the bytes a run
 * of rows touches stay in cache.
 */
#ifndef RS_REPORT_BSET_H
#define RS_REPORT_BSET_H

#include <stddef.h>
#include <stdint.h>

#define BEN_LEN 16

/* Parses 32 hex digits into 16 bytes. Returns 0 or -1. */
int ben_parse(const char *hex, size_t n, unsigned char out[BEN_LEN]);

/*
 * The map from pseudonym to id: an open-addressing table of (pseudonym,
 * id + 1) slots, and in front of it a small direct-mapped cache of
 * recent pseudonyms. A beneficiary's rows of one region lie close
 * together (one per month), so most lookups end in the cache and the
 * table, tens of megabytes at a million people, is probed about once per
 * beneficiary and region instead of once per row.
 */
struct benids_slot {
	unsigned char ben[BEN_LEN];
	uint32_t id1;            /* id + 1; 0: empty */
};

struct benids {
	struct benids_slot *slot;
	size_t cap, n;           /* n ids handed out: 0 .. n-1 */
	struct benids_slot *recent;
};

void benids_init(struct benids *b);
/* The id of ben, a new one (the next) if ben is new. Returns 0, or -1
 * when ben would be the 2^32-1'th distinct beneficiary (ids are 32-bit);
 * b is then unchanged. */
int benids_get(struct benids *b, const unsigned char ben[BEN_LEN],
	       uint32_t *id);

/*
 * The same lookup in steps, for a caller that learns of a pseudonym some
 * rows before it needs its id (accum.c's ring): benids_hash once, then
 * benids_prefetch_recent at once, benids_peek a few rows later (it reads
 * the cache entry, by then at hand: if that holds ben, its id is final
 * and *id gets it; if not, the table's slot is fetched), and
 * benids_get_hashed when the id is needed and the peek did not give it.
 * Prefetches are hints, and a peek changes nothing: ids come out as
 * benids_get's in the order of the benids_get_hashed calls. Only
 * benids_get_hashed can fail, as benids_get does.
 */
uint64_t benids_hash(const unsigned char ben[BEN_LEN]);
void benids_prefetch_recent(const struct benids *b, uint64_t h);
/* Returns 1 with *id set if the cache knows ben, else 0. */
int benids_peek(const struct benids *b, const unsigned char ben[BEN_LEN],
		uint64_t h, uint32_t *id);
int benids_get_hashed(struct benids *b, const unsigned char ben[BEN_LEN],
		      uint64_t h, uint32_t *id);
void benids_release(struct benids *b);

/*
 * One byte per id. A zeroed struct benbits is empty; entries past n are
 * zero. The meaning of the bits is the caller's (accum.h).
 */
struct benbits {
	unsigned char *b;
	size_t n;                /* bytes allocated */
};

void benbits_grow(struct benbits *s, uint32_t id);
/* The byte of id, growing s (zeroed) to hold it. Can't fail. */
static inline unsigned char *benbits_at(struct benbits *s, uint32_t id)
{
	if (id >= s->n)
		benbits_grow(s, id);
	return &s->b[id];
}
/* Clears the bits of mask in every byte. */
void benbits_clear(struct benbits *s, unsigned char mask);
/* How many ids have, in some src[i], a bit of mask[i]: the size of the
 * union of those sets. This function can't fail. */
size_t benbits_union_count(const struct benbits *const *src,
			   const unsigned char *mask, size_t n);
void benbits_release(struct benbits *s);

struct capset {
	uint32_t *id;
	int n;                   /* members held, at most k */
};

/* A zeroed capset is empty; k is passed at each call. */
void capset_add_new(struct capset *s, uint32_t id, int k);
/* Adds id unless s holds it or is full. Inline: a cell's set fills
 * after its first k people, and rs-report calls this four times a row,
 * so nearly every call ends at the first test. */
static inline void capset_add(struct capset *s, uint32_t id, int k)
{
	if (s->n < k)
		capset_add_new(s, id, k);
}
void capset_union(struct capset *dst, const struct capset *src, int k);
void capset_release(struct capset *s);

#endif
