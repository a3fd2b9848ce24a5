/*
 * aggregate.c - build the leaf-grain aggregate (see aggregate.h).
 *
 * Records are appended to a packed array of leaves (leaf.h). When the
 * array fills, it is sorted and equal keys are combined; it grows only
 * when that frees little, so memory is bounded by the distinct keys, not
 * the rows. At the end the string tables are put in order, the leaves
 * sorted by key for the last time and the reversals netted against them.
 * The same records always give the same file, and rs-merge of any split
 * gives that file too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <endian.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "groups.h"
#include "leaf.h"
#include "canon.h"
#include "fileio.h"
#include "kset.h"
#include "money.h"
#include "period.h"
#include "xalloc.h"

#define LEAVES_FIRST (1u << 20)     /* entries (58 MiB) before the first sort */
#define LEAVES_HINT_MAX (1u << 24)  /* the most the input's size may reserve */
#define LEAVES_MAX 0xFFFFFFFFu      /* indices are uint32 */

/*
 * A string's lookup key: up to 16 bytes as two words, zero padded, and its
 * length; a longer string is keyed by a hash of its bytes instead, and
 * strcmp decides. Short strings, the usual case, are found with one
 * strlen, one copy and two word comparisons.
 */
static void str_key(const char *s, size_t len, uint64_t w[2])
{
	w[0] = w[1] = 0;
	if (len <= 16) {
		memcpy(w, s, len);
		return;
	}
	for (; *s; s++)
		w[0] = (w[0] << 7 | w[0] >> 57) ^ (unsigned char)*s;
}

static inline size_t str_slot(const uint64_t w[2], size_t len, size_t nslot)
{
	uint64_t h = (w[0] ^ (w[1] << 17 | w[1] >> 47) ^ len) * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 32) & (nslot - 1);
}

/* Puts index i in the first free slot of its chain. */
static void strtab_slot_put(struct strtab *t, size_t i)
{
	size_t len = strlen(t->s[i]), j;
	uint64_t w[2];

	str_key(t->s[i], len, w);
	for (j = str_slot(w, len, t->nslot); t->slot[j].idx1; j = (j + 1) & (t->nslot - 1))
		;
	t->slot[j].w[0] = w[0];
	t->slot[j].w[1] = w[1];
	t->slot[j].len = len;
	t->slot[j].idx1 = (uint32_t)i + 1;
}

uint16_t strtab_intern(struct strtab *t, const char *s)
{
	size_t len, i, j;
	uint64_t w[2];

	/* Rows in a row often share a funding label or support mode (most
	 * have none): the string interned last is tried first. */
	if (t->last1 && !strcmp(t->s[t->last1 - 1], s))
		return (uint16_t)(t->last1 - 1);
	len = strlen(s);
	str_key(s, len, w);
	if (t->nslot)
		for (j = str_slot(w, len, t->nslot); t->slot[j].idx1; j = (j + 1) & (t->nslot - 1)) {
			const struct strtab_slot *sl = &t->slot[j];
			if (sl->len == len && sl->w[0] == w[0] && sl->w[1] == w[1] &&
			    (len <= 16 || !strcmp(t->s[sl->idx1 - 1], s))) {
				t->last1 = sl->idx1;
				return (uint16_t)(sl->idx1 - 1);
			}
		}
	t->s = xreallocarray(t->s, t->n + 1, sizeof(*t->s));
	t->s[t->n] = xstrdup(s);
	/* at most half full */
	if (2 * (t->n + 1) > t->nslot) {
		free(t->slot);
		t->nslot = t->nslot ? 2 * t->nslot : 16;
		t->slot = xcalloc(t->nslot, sizeof(*t->slot));
		for (i = 0; i < t->n; i++)
			strtab_slot_put(t, i);
	}
	strtab_slot_put(t, t->n);
	t->last1 = (uint32_t)t->n + 1;
	return (uint16_t)t->n++;
}

void strtab_release(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

/*
 * A reversal nets against the leaf of the payment it cancels: the leaf of
 * its own key when that has a payment left, otherwise the first leaf (in
 * key order) of the same beneficiary, program and month that has one, as
 * when the export gave the reversal another funding label, support mode,
 * area or region. Reversals are kept aside until all payments are read.
 */
struct pending {
	struct leaf key;          /* the reversal's own key, age and sex */
	int32_t covers_first, covers_last;
	int64_t persons, amount;
};

struct ctx {
	struct leafset ls;
	const struct catalog *cat;  /* with --groups: programs must be in it */
	const char *path;           /* the input being read */
	long rows;
	struct pending *pend;
	size_t npend, pendcap;
};

/* The reader has checked: 32 lowercase hex digits. Eight at a time: each
 * byte to its value ('a'..'f' have bit 6 set: add 9), then pairs of values
 * to bytes (SWAR). */
static void bene_pack(unsigned char *out, const char *hex)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t v;
		uint32_t b;
		memcpy(&v, hex + 8 * i, 8);
		v = le64toh(v);
		v = (v & 0x0F0F0F0F0F0F0F0Full) + ((v >> 6) & 0x0101010101010101ull) * 9;
		/* each 16-bit lane: first digit's value << 4 | second's */
		v = ((v & 0x00FF00FF00FF00FFull) << 4) | ((v >> 8) & 0x00FF00FF00FF00FFull);
		v = (v | v >> 8) & 0x0000FFFF0000FFFFull;
		v = (v | v >> 16) & 0xFFFFFFFFull;
		b = htole32((uint32_t)v);
		memcpy(out + 4 * i, &b, 4);
	}
}

/* a + b into *sum when it fits an int32 (leaf fields are packed, so
 * callers pass values, not their addresses) */
static int add32(int32_t a, int64_t b, int32_t *sum)
{
	int64_t s = (int64_t)a + b;

	if (s > INT32_MAX || s < INT32_MIN)
		return -1;
	*sum = (int32_t)s;
	return 0;
}

/*
 * Packs the leaves marked in live at the front, in the order they were, and
 * renumbers ord[0..m) (indices of live leaves) to match. Moving leaves in
 * order of arrival reads and writes them front to back; moving them into
 * key order would read each at random.
 */
static void leaves_squeeze(struct leafset *ls, const uint64_t *live,
			   uint32_t *ord, size_t m)
{
	size_t nw = (ls->n + 63) / 64, i, w = 0;
	uint32_t *before = xreallocarray(NULL, nw ? nw : 1, sizeof(*before));

	for (i = 0; i < nw; i++) {
		uint64_t bits = live[i];
		before[i] = (uint32_t)w;
		while (bits) {
			size_t r = i * 64 + (size_t)__builtin_ctzll(bits);
			if (w != r)
				ls->leaves[w] = ls->leaves[r];
			w++;
			bits &= bits - 1;
		}
	}
	for (i = 0; ord && i < m; i++) {
		uint32_t x = ord[i];
		ord[i] = before[x >> 6] + (uint32_t)__builtin_popcountll(
			live[x >> 6] & (((uint64_t)1 << (x & 63)) - 1));
	}
	ls->n = w;
	free(before);
}

/* Drops the leaves left all zero (a payment and its reversal). */
static void leaves_drop_zero(struct leafset *ls)
{
	uint64_t *live = xcalloc((ls->n + 63) / 64 + 1, sizeof(*live));
	size_t p, m = 0;

	for (p = 0; p < ls->n; p++) {
		size_t x = ls->order ? ls->order[p] : p;
		const struct leaf *l = &ls->leaves[x];
		if (!l->payments && !l->persons && !l->amount)
			continue;
		live[x >> 6] |= (uint64_t)1 << (x & 63);
		if (ls->order)
			ls->order[m] = (uint32_t)x;
		m++;
	}
	if (m < ls->n)
		leaves_squeeze(ls, live, ls->order, m);
	free(live);
}

/*
 * Combines equal keys and drops leaves left all zero. A combined leaf
 * keeps the age and sex of its first row, as rs-merge keeps the first
 * file's: rows combined earlier stand before rows appended since, and the
 * order (leaf_order_build) puts equal keys by index. The leaves are not
 * put in key order: those left stay in their order of arrival and, when
 * keep_order, ls->order lists them in key order (only the last compaction
 * needs it; it costs 4 bytes a leaf). maps, when not NULL, renumbers the
 * leaves' strings first (leaf_order_build).
 */
static int leaves_compact(struct leafset *ls, int keep_order,
			  const uint16_t *const *maps, struct rs_error *err)
{
	struct leaf_order o;
	struct leaf_ent prev = { 0, 0 };
	uint32_t *ord;
	uint64_t *live;
	size_t i, m = 0, n = ls->n, head = 0;
	int head_zero = 0, combined = 0, ret = -1;

	free(ls->order);
	ls->order = NULL;
	leaf_order_build(&o, ls, maps);
	/* The order is written over the entries as they are read: ord[m]
	 * lies before entry m, which lies before the entry being read. */
	ord = (uint32_t *)(void *)o.e;
	live = xcalloc((n + 63) / 64 + 1, sizeof(*live));
	for (i = 0; i <= n; i++) {
		struct leaf_ent cur = { 0, 0 };
		size_t x = 0;
		if (i < n) {
			cur = o.e[i];
			x = leaf_ent_index(&o, &cur);
			if (i && leaf_ent_prefix_eq(&o, &prev, &cur) &&
			    !leaf_cmp(&ls->leaves[head], &ls->leaves[x])) {
				struct leaf *to = &ls->leaves[head];
				const struct leaf *in = &ls->leaves[x];
				int32_t pay, per;
				int64_t amt;
				if (add32(to->payments, in->payments, &pay) ||
				    add32(to->persons, in->persons, &per)) {
					rs_err(err, "region %.12s, %s: more than 2^31 payments or persons in one month for one beneficiary",
					       to->region, ls->programs.s[to->program]);
					goto out;
				}
				to->payments = pay;
				to->persons = per;
				amt = to->amount;
				if (money_add(&amt, in->amount)) {
					rs_err(err, "region %.12s, %s: one beneficiary's amount in one month overflows a 64-bit integer; the input holds impossible amounts",
					       to->region, ls->programs.s[to->program]);
					goto out;
				}
				to->amount = amt;
				combined = 1;
				prev = cur;
				continue;
			}
		}
		/* the group of head ends here */
		if (i) {
			const struct leaf *h = &ls->leaves[head];
			if (combined ? h->payments || h->persons || h->amount : !head_zero) {
				ord[m++] = (uint32_t)head;
				live[head >> 6] |= (uint64_t)1 << (head & 63);
			}
		}
		if (i == n)
			break;
		head = x;
		head_zero = leaf_ent_zero(&cur);
		combined = 0;
		prev = cur;
	}
	if (m < n)
		leaves_squeeze(ls, live, keep_order ? ord : NULL, m);
	if (keep_order) {
		ls->order = xreallocarray(ord, m ? m : 1, sizeof(*ord));
		o.e = NULL;
	}
	ret = 0;
out:
	free(o.e);
	free(live);
	return ret;
}

/* Moves the leaves into key order (for groups_write), along the cycles of
 * the order, so the extra memory is the order alone. */
static void leaves_apply_order(struct leafset *ls)
{
	uint32_t *idx = ls->order;
	size_t i, j, k;
	struct leaf tmp;

	if (!idx)
		return;
	/* idx[j] is where the leaf that belongs at j is now */
	for (i = 0; i < ls->n; i++) {
		if (idx[i] == i)
			continue;
		tmp = ls->leaves[i];
		for (j = i;; j = k) {
			k = idx[j];
			idx[j] = (uint32_t)j;
			if (k == i) {
				ls->leaves[j] = tmp;
				break;
			}
			ls->leaves[j] = ls->leaves[k];
		}
	}
	free(idx);
	ls->order = NULL;
}


static int leaves_grow(struct leafset *ls, struct rs_error *err)
{
	size_t cap = ls->cap ? ls->n * 2 : ls->hint;

	if (cap > LEAVES_MAX)
		cap = LEAVES_MAX;
	if (cap <= ls->n)
		return rs_err(err, "more than %lu distinct leaf keys", (unsigned long)LEAVES_MAX);
	/* Large blocks are their own mapping: growing moves no bytes and
	 * pages not yet written cost nothing. */
	ls->leaves = xreallocarray(ls->leaves, cap, sizeof(*ls->leaves));
	ls->cap = cap;
	/* read in key order, at random: huge pages, so a read of a large
	 * set does not also miss the TLB (advise_huge, xalloc.h) */
	advise_huge(ls->leaves, cap * sizeof(*ls->leaves));
	return 0;
}

/*
 * How many leaves to make room for before the first sort: the rows the
 * inputs' sizes suggest (a records file is about 37 bytes a row
 * compressed; 32 errs on the side of room), at most 16 M. Room not yet
 * written costs no memory, and the usual input, with few repeated keys,
 * is then sorted once.
 */
static size_t leaves_hint(const struct aggregate_opts *ao)
{
	size_t i, rows = 0;
	struct stat sb;
	const char *room = getenv("RS_AGGREGATE_ROOM");

	/* for the tests: a tiny first room makes every row go through the
	 * sort-and-combine path */
	if (room && *room) {
		long v = strtol(room, NULL, 10);
		return v >= 1 && v <= (long)LEAVES_HINT_MAX ? (size_t)v : LEAVES_FIRST;
	}

	for (i = 0; i < ao->ninputs; i++) {
		size_t n = strlen(ao->inputs[i]);
		if (stat(ao->inputs[i], &sb) || !S_ISREG(sb.st_mode))
			continue;
		rows += (size_t)sb.st_size /
			(n > 3 && !strcmp(ao->inputs[i] + n - 3, ".gz") ? 32 : 120);
	}
	if (rows < LEAVES_FIRST)
		return LEAVES_FIRST;
	return rows > LEAVES_HINT_MAX ? LEAVES_HINT_MAX : rows + rows / 16;
}

/* Room for one more leaf: when full, combine what is there first; when
 * that leaves it more than half full, make room for twice the leaves left.
 * So the array holds at most twice the distinct keys (or the first room). */
static struct leaf *leaf_add(struct leafset *ls, int compact, struct rs_error *err)
{
	if (ls->n == ls->cap) {
		if (compact && ls->n && leaves_compact(ls, 0, NULL, err))
			return NULL;
		if ((ls->n > ls->cap / 2 || !ls->cap) && leaves_grow(ls, err))
			return NULL;
	}
	return &ls->leaves[ls->n++];
}

static int on_record(const struct record *r, const struct csv_row *row,
		     void *vctx, struct rs_error *err)
{
	struct ctx *c = vctx;
	struct leaf k, *l;
	size_t nprog = c->ls.programs.n;
	int ym;

	if (c->ls.programs.n >= 65535 || c->ls.funding.n >= 65535 || c->ls.modes.n >= 65535)
		return rs_err(err, "more than 65535 distinct programs or funding labels");
	memset(&k, 0, sizeof(k));
	memcpy(k.region, r->region, 12);
	k.program = strtab_intern(&c->ls.programs, r->program);
	/* A program's first row is where it is checked, so the message
	 * can name the file and line (grouping needs the catalog's entry). */
	if (c->cat && c->ls.programs.n > nprog && !catalog_find(c->cat, r->program))
		return rs_err(err, "program '%s' in '%s' at line %ld is not in the catalog (add it with --catalog)",
			      r->program, c->path, row->line);
	k.funding = strtab_intern(&c->ls.funding, r->funding);
	k.mode = strtab_intern(&c->ls.modes, r->support_mode);
	k.area = r->area[0] == 'u';   /* the reader has checked: urban or rural */
	k.ym = r->ym;
	bene_pack(k.bene, r->beneficiary);
	k.age = (int16_t)r->age;
	k.sex = r->sex;
	c->rows++;
	if (r->persons > INT32_MAX || r->persons < -INT32_MAX)
		return rs_err(err, "%s line %ld: persons out of range", r->source, r->line);
	switch (r->kind) {
	case RK_REVERSAL: {
		struct pending *p;
		if (c->npend == c->pendcap) {
			c->pendcap = c->pendcap ? c->pendcap * 2 : 64;
			c->pend = xreallocarray(c->pend, c->pendcap, sizeof(*c->pend));
		}
		p = &c->pend[c->npend++];
		p->key = k;
		p->covers_first = r->covers_first;
		p->covers_last = r->covers_last;
		p->persons = r->persons;
		p->amount = r->amount;
		break;
	}
	case RK_BACKPAY:
		/* the money and the payment in the month it was paid, the
		 * persons in each month it covers */
		if (!(l = leaf_add(&c->ls, 1, err)))
			return -1;
		*l = k;
		l->payments = 1;
		l->amount = r->amount;
		for (ym = r->covers_first; ym <= r->covers_last; ym++) {
			if (!(l = leaf_add(&c->ls, 1, err)))
				return -1;
			*l = k;
			l->ym = ym;
			l->persons = (int32_t)r->persons;
		}
		break;
	default:
		if (!(l = leaf_add(&c->ls, 1, err)))
			return -1;
		*l = k;
		l->payments = 1;
		l->persons = (int32_t)r->persons;
		l->amount = r->amount;
	}
	return 0;
}

static struct strtab *rank_tab;

static int cmp_rank(const void *a, const void *b)
{
	return strcmp(rank_tab->s[*(const uint16_t *)a], rank_tab->s[*(const uint16_t *)b]);
}

/* Puts a string table in order and returns old index -> new index. */
static uint16_t *strtab_rank(struct strtab *t)
{
	uint16_t *order = xcalloc(t->n + 1, sizeof(*order));
	uint16_t *map = xcalloc(t->n + 1, sizeof(*map));
	char **s = xcalloc(t->n + 1, sizeof(*s));
	size_t i;

	for (i = 0; i < t->n; i++)
		order[i] = (uint16_t)i;
	rank_tab = t;
	qsort(order, t->n, sizeof(*order), cmp_rank);
	for (i = 0; i < t->n; i++) {
		map[order[i]] = (uint16_t)i;
		s[i] = t->s[order[i]];
	}
	free(t->s);
	t->s = s;
	free(order);
	/* the slots hold old indices; nothing is interned after ranking */
	free(t->slot);
	t->slot = NULL;
	t->nslot = 0;
	t->last1 = 0;
	return map;
}

static void leaf_rank(struct leaf *l, const uint16_t *const maps[3])
{
	l->program = maps[0][l->program];
	l->funding = maps[1][l->funding];
	l->mode = maps[2][l->mode];
}

/* The index of the leaf at position p of the key order. */
static inline size_t leaf_at(const struct leafset *ls, size_t p)
{
	return ls->order ? ls->order[p] : p;
}

/* The index of the leaf with key k among the first n in key order, or -1. */
static long leaf_find(const struct leafset *ls, size_t n, const struct leaf *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = leaf_cmp(&ls->leaves[leaf_at(ls, mid)], k);
		if (!d)
			return (long)leaf_at(ls, mid);
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct match_key {
	unsigned char bene[16];
	uint16_t program;
	int32_t ym;
} __attribute__((packed));

static void match_of(const struct leaf *l, struct match_key *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->bene, l->bene, 16);
	m->program = l->program;
	m->ym = l->ym;
}

static const struct leafset *match_set;

/* Candidates are positions in key order. */
static int cmp_match(const void *a, const void *b)
{
	const struct leaf *x = &match_set->leaves[leaf_at(match_set, *(const uint32_t *)a)];
	const struct leaf *y = &match_set->leaves[leaf_at(match_set, *(const uint32_t *)b)];
	int d;

	if ((d = memcmp(x->bene, y->bene, 16)))
		return d;
	if (x->program != y->program)
		return x->program < y->program ? -1 : 1;
	if (x->ym != y->ym)
		return x->ym < y->ym ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 :
	       *(const uint32_t *)a > *(const uint32_t *)b;
}

/* Subtracts persons from the leaf of key at in month ym, adding one when
 * there is none among the sorted leaves [0, sorted). */
static int take_persons(struct leafset *ls, size_t sorted, const struct leaf *at,
			int ym, int64_t persons, struct rs_error *err)
{
	struct leaf k = *at, *l;
	long i;

	k.ym = ym;
	i = leaf_find(ls, sorted, &k);
	if (i >= 0) {
		int32_t per;
		if (add32(ls->leaves[i].persons, -persons, &per))
			return rs_err(err, "region %.12s, %s: persons out of range",
				      k.region, ls->programs.s[k.program]);
		ls->leaves[i].persons = per;
		return 0;
	}
	if (!(l = leaf_add(ls, 0, err)))
		return -1;
	*l = k;
	l->payments = 0;
	l->amount = 0;
	l->persons = (int32_t)-persons;
	return 0;
}

/* Among the candidates (positions in key order, sorted by beneficiary,
 * program, month, then position), the index of the first leaf of k's
 * beneficiary, program and month that has a payment left, or -1. */
static long first_with_payment(const struct leafset *ls, const uint32_t *cand,
			       size_t ncand, const struct leaf *k)
{
	size_t lo = 0, hi = ncand;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct leaf *l = &ls->leaves[leaf_at(ls, cand[mid])];
		int d = memcmp(l->bene, k->bene, 16);
		if (!d)
			d = l->program != k->program ? (l->program < k->program ? -1 : 1) :
			    l->ym != k->ym ? (l->ym < k->ym ? -1 : 1) : 0;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ncand; lo++) {
		const struct leaf *l = &ls->leaves[leaf_at(ls, cand[lo])];
		if (memcmp(l->bene, k->bene, 16) || l->program != k->program || l->ym != k->ym)
			break;
		if (l->payments > 0)
			return (long)leaf_at(ls, cand[lo]);
	}
	return -1;
}

/* Nets reversal p against leaf at, or, when at < 0 (unmatched), keeps it
 * at its own key: one payment less, its money, its persons (in the months
 * it covers, for a back-payment's reversal). */
static int net(struct leafset *ls, size_t sorted, const struct pending *p,
	       long at, struct rs_error *err)
{
	struct leaf target;
	int64_t amt;
	int32_t per;
	int ym;

	if (at < 0) {
		struct leaf *l = leaf_add(ls, 0, err);
		if (!l)
			return -1;
		*l = p->key;
		l->payments = 0;
		l->persons = 0;
		l->amount = 0;
		at = (long)(ls->n - 1);
	}
	target = ls->leaves[at];
	ls->leaves[at].payments--;
	amt = ls->leaves[at].amount;
	if (money_add(&amt, p->amount))
		return rs_err(err, "region %.12s, %s: one beneficiary's amount in one month overflows a 64-bit integer; the input holds impossible amounts",
			      target.region, ls->programs.s[target.program]);
	ls->leaves[at].amount = amt;
	if (p->covers_first < 0) {
		if (add32(ls->leaves[at].persons, -p->persons, &per))
			return rs_err(err, "region %.12s, %s: persons out of range",
				      target.region, ls->programs.s[target.program]);
		ls->leaves[at].persons = per;
		return 0;
	}
	for (ym = p->covers_first; ym <= p->covers_last; ym++)
		if (take_persons(ls, sorted, &target, ym, p->persons, err))
			return -1;
	return 0;
}

/* Nets every reversal; leaves it adds (an unmatched reversal, persons of
 * covered months with no leaf) are combined by one more sort. */
static int settle_pending(struct ctx *c, struct rs_error *err)
{
	struct leafset *ls = &c->ls;
	size_t sorted = ls->n, i, ncand = 0, candcap;
	uint32_t *cand = NULL;
	uint8_t *done = NULL;
	struct kset want;
	long at;
	int pass;

	if (!c->npend)
		return 0;
	/* the leaves that could take a reversal whose own key has none */
	kset_init(&want, sizeof(struct match_key), 1, c->npend);
	for (i = 0; i < c->npend; i++) {
		struct match_key m;
		int added;
		match_of(&c->pend[i].key, &m);
		kset_put(&want, &m, &added);
	}
	candcap = c->npend + 1;
	cand = xreallocarray(NULL, candcap, sizeof(*cand));
	for (i = 0; i < sorted; i++) {
		struct match_key m;
		match_of(&ls->leaves[leaf_at(ls, i)], &m);
		if (!kset_get(&want, &m))
			continue;
		if (ncand == candcap) {
			candcap *= 2;
			cand = xreallocarray(cand, candcap, sizeof(*cand));
		}
		cand[ncand++] = (uint32_t)i;
	}
	kset_release(&want);
	match_set = ls;
	qsort(cand, ncand, sizeof(*cand), cmp_match);

	/* Two passes: a reversal whose own key has a payment takes it first,
	 * so no other reversal can take that payment from it. */
	done = xcalloc(c->npend, 1);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->npend; i++) {
			const struct pending *p = &c->pend[i];
			if (done[i])
				continue;
			at = leaf_find(ls, sorted, &p->key);
			if (at >= 0 && ls->leaves[at].payments <= 0)
				at = -1;
			if (at < 0 && !pass)
				continue;
			if (at < 0)
				at = first_with_payment(ls, cand, ncand, &p->key);
			if (net(ls, sorted, p, at, err))
				goto fail;
			done[i] = 1;
		}
	free(cand);
	free(done);
	if (ls->n > sorted)
		return leaves_compact(ls, 1, NULL, err);
	leaves_drop_zero(ls);
	return 0;
fail:
	free(cand);
	free(done);
	return -1;
}

/* Orders the string tables, then sorts and combines for the last time. */
static int leaves_finish(struct ctx *c, struct rs_error *err)
{
	const uint16_t *maps[3];
	size_t i;
	int ret;

	maps[0] = strtab_rank(&c->ls.programs);
	maps[1] = strtab_rank(&c->ls.funding);
	maps[2] = strtab_rank(&c->ls.modes);
	for (i = 0; i < c->npend; i++)
		leaf_rank(&c->pend[i].key, maps);
	/* the leaves are ranked as they are read for the sort */
	ret = leaves_compact(&c->ls, 1, maps, err);
	for (i = 0; i < 3; i++)
		free((void *)maps[i]);
	if (!ret)
		ret = settle_pending(c, err);
	return ret;
}

/* Strings as they appear in a row: the CSV field text and its length. */
struct field_text {
	char **s;
	size_t *len;
};

static void field_text_init(struct field_text *ft, const struct strtab *t, int csv)
{
	struct sbuf sb;
	size_t i;

	ft->s = xcalloc(t->n + 1, sizeof(*ft->s));
	ft->len = xcalloc(t->n + 1, sizeof(*ft->len));
	sbuf_init(&sb, 0);
	for (i = 0; i < t->n; i++) {
		sbuf_reset(&sb);
		if (csv)
			sbuf_add_csv(&sb, t->s[i], strlen(t->s[i]));
		else
			sbuf_adds(&sb, t->s[i]);
		ft->s[i] = sbuf_detach(&sb, &ft->len[i]);
	}
	sbuf_release(&sb);
}

static void field_text_release(struct field_text *ft, const struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(ft->s[i]);
	free(ft->s);
	free(ft->len);
}

/* v in decimal, as sbuf_add_int writes it; returns the end. */
static inline char *put_int(char *p, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *d = e;
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (v >= 0 && v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	do {
		*--d = (char)('0' + a % 10);
		a /= 10;
	} while (a);
	if (v < 0)
		*--d = '-';
	memcpy(p, d, (size_t)(e - d));
	return p + (e - d);
}

static inline char *put(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PREFETCH_AHEAD 16         /* leaves read ahead of the one made */

/* The leaves and their strings' text, read by the threads that make the
 * rows (leaves_fill) and by leaves_len. */
struct leaf_text {
	const struct leafset *ls;
	struct field_text prog, fund, mode;
};

/* The digits put_int writes for v. */
static inline size_t int_len(int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 1 + (v < 0);

	while (a >= 10) {
		a /= 10;
		n++;
	}
	return n;
}

/* The length of the row leaves_fill makes for leaf i in key order: 68
 * bytes of fixed fields and separators, and the rest. */
static size_t leaves_len(void *ctx, size_t i)
{
	const struct leaf_text *t = ctx;
	const struct leafset *ls = t->ls;
	const struct leaf *l = &ls->leaves[leaf_at(ls, i)];
	uint64_t yuan = l->amount < 0 ? (uint64_t)0 - (uint64_t)l->amount : (uint64_t)l->amount;

	if (ls->order && i + PREFETCH_AHEAD < ls->n) {
		const char *a = (const char *)&ls->leaves[ls->order[i + PREFETCH_AHEAD]];
		__builtin_prefetch(a);
		__builtin_prefetch(a + sizeof(struct leaf) - 1);
	}
	return 68 + t->prog.len[l->program] + t->fund.len[l->funding] +
		t->mode.len[l->mode] + (l->sex != 0) +
		(l->age >= 0 ? int_len(l->age) : 0) + int_len(l->payments) +
		int_len(l->persons) + (l->amount < 0) + int_len((int64_t)(yuan / 100)) + 3;
}

/*
 * The rows of leaves [from, to) in key order, into buf, as the loop of
 * sbuf calls it replaces wrote them, byte for byte; returns their length.
 * The leaves are read through ls->order, at random, so each is asked for
 * well before it is made.
 */
static size_t leaves_fill(void *ctx, size_t from, size_t to, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	const struct leaf_text *t = ctx;
	const struct leafset *ls = t->ls;
	char *p = buf, month[8];
	int last_ym = 0, have_ym = 0;
	size_t i, k;

	for (i = from; i < to; i++) {
		const struct leaf *l = &ls->leaves[leaf_at(ls, i)];
		char money[32];

		if (ls->order && i + PREFETCH_AHEAD < to) {
			const char *a = (const char *)&ls->leaves[ls->order[i + PREFETCH_AHEAD]];
			__builtin_prefetch(a);
			__builtin_prefetch(a + sizeof(struct leaf) - 1);
		}
		if (!have_ym || l->ym != last_ym) {
			month_fmt(l->ym, month);
			last_ym = l->ym;
			have_ym = 1;
		}
		p = put(p, l->region, 12);
		*p++ = ',';
		p = put(p, t->prog.s[l->program], t->prog.len[l->program]);
		p = put(p, l->area ? ",urban," : ",rural,", 7);
		p = put(p, month, 7);
		*p++ = ',';
		p = put(p, t->fund.s[l->funding], t->fund.len[l->funding]);
		*p++ = ',';
		p = put(p, t->mode.s[l->mode], t->mode.len[l->mode]);
		*p++ = ',';
		for (k = 0; k < 16; k++) {
			*p++ = hex[l->bene[k] >> 4];
			*p++ = hex[l->bene[k] & 15];
		}
		*p++ = ',';
		if (l->sex)
			*p++ = l->sex;
		*p++ = ',';
		if (l->age >= 0)
			p = put_int(p, l->age);
		*p++ = ',';
		p = put_int(p, l->payments);
		*p++ = ',';
		p = put_int(p, l->persons);
		*p++ = ',';
		money_fmt_yuan(l->amount, money);
		p = put(p, money, strlen(money));
		*p++ = '\n';
	}
	return (size_t)(p - buf);
}

/* The longest string of a table's text. */
static size_t field_text_max(const struct field_text *ft, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		m = ft->len[i] > m ? ft->len[i] : m;
	return m;
}

/*
 * Writes the leaves in key order, one row each. The rows are made by the
 * threads that compress them, a block at a time (rs_out_write_items): at
 * 10 M rows, making the text of 9.9 M leaves, reading each at random, took
 * this thread as long as compressing it took the two. This thread only
 * sums the rows' lengths, to cut the blocks where rs_out_write would, so
 * the file is the same, to the byte, as rs-merge's of the same leaves.
 */
static void leaves_write(const struct leafset *ls, struct rs_out *o)
{
	struct leaf_text t;
	struct rs_out_items it;

	t.ls = ls;
	field_text_init(&t.prog, &ls->programs, 0);
	field_text_init(&t.fund, &ls->funding, 1);
	field_text_init(&t.mode, &ls->modes, 1);
	it.n = ls->n;
	/* the fixed fields, separators and numbers take at most 128 bytes */
	it.max_len = 128 + field_text_max(&t.prog, ls->programs.n) +
		field_text_max(&t.fund, ls->funding.n) +
		field_text_max(&t.mode, ls->modes.n);
	it.len = leaves_len;
	it.fill = leaves_fill;
	it.ctx = &t;
	rs_out_write_items(o, &it);
	field_text_release(&t.prog, &ls->programs);
	field_text_release(&t.fund, &ls->funding);
	field_text_release(&t.mode, &ls->modes);
}

int aggregate_run(const struct aggregate_opts *ao, struct aggregate_stats *st,
		  struct rs_error *err)
{
	struct ctx c;
	struct rs_out o;
	size_t i;
	int ret = 1;

	memset(&c, 0, sizeof(c));
	c.ls.hint = leaves_hint(ao);
	c.cat = ao->groups ? ao->cat : NULL;
	for (i = 0; i < ao->ninputs; i++) {
		c.path = ao->inputs[i];
		if (record_read(ao->inputs[i], on_record, &c, NULL, err))
			goto out;
	}
	if (leaves_finish(&c, err))
		goto out;
	if (ao->groups) {
		leaves_apply_order(&c.ls);
		if (groups_write(&c.ls, ao->cat, ao->spec, ao->groups, &st->groups, err))
			goto out;
	}
	if (rs_out_open(&o, ao->out, 0644, err))
		goto out;
	rs_out_puts(&o, AGG_HEADER "\n");
	leaves_write(&c.ls, &o);
	if (rs_out_commit(&o, err))
		goto out;
	st->rows_read = c.rows;
	st->keys = (long)c.ls.n;
	ret = 0;
out:
	free(c.pend);
	free(c.ls.leaves);
	free(c.ls.order);
	strtab_release(&c.ls.programs);
	strtab_release(&c.ls.funding);
	strtab_release(&c.ls.modes);
	return ret;
}
