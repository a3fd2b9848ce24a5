/*
 * accum.c - reads an aggregate file into slices and groups (see accum.h).
 *
 * Aggregate rows arrive sorted by region, program, area, period, so runs of
 * rows share a group: the last group used is tried first, and the linear
 * search over a slice's groups (a few dozen at most) is rarely reached.
 */
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "csvin.h"
#include "money.h"
#include "xalloc.h"

static const char *const colname[] = {
	"region_code", "program", "area", "period", "funding", "support_mode",
	"beneficiary", "sex", "age", "payments", "persons", "amount",
};
enum { C_REGION, C_PROGRAM, C_AREA, C_PERIOD, C_FUNDING, C_SUPPORT,
       C_BEN, C_SEX, C_AGE, C_PAYMENTS, C_PERSONS, C_AMOUNT, NCOLS };

/*
 * The ring of rows waiting for their beneficiary's id. Finding a
 * pseudonym's id is a cache miss more often than not: the table is tens
 * of megabytes at a million people, and even its cache of recent ones
 * (bset.h) is pushed out of the core's cache by the CSV streaming
 * through. So a row that needs an id is parsed and summed as it arrives,
 * its cache entry is fetched at once and its table slot RING_LOOK rows
 * later (if the cache will not answer), and what needs the id is done
 * when it leaves the ring, RING rows later, with the memory at hand.
 * Rows leave in the order they came and ids are handed out as they
 * leave, so ids, stocks and capsets come out exactly as if each row were
 * done at once. An entry holds indices into the arrays that may grow
 * (flow sets, cross-table cells, a group's months), and pointers only to
 * groups and slices, which are allocated one by one and never move.
 */
#define RING 16
#define RING_LOOK 8

/*
 * The last row's key (its fields before the beneficiary: region,
 * program, area, period, funding, support_mode) and what was found for
 * it. The file is sorted by that key, and a run of rows holding one key
 * (a village's payments of one program and month from one fund: some
 * hundreds at 10 M rows) differs only in beneficiary, sex, age and the
 * numbers: after the first row of a run, the period parse, the region
 * prefix, and the searches for slice, group, flow set, cells and the
 * funding's kind are answered from here after one compare of the key.
 */
#define NKEY C_BEN

/* Where a row of the period goes: all of it follows from its key. */
struct row_place {
	struct slice *s;
	struct group *g;
	size_t cell[2];          /* s->town.c[cell[0]], s->fund.c[cell[1]] */
	unsigned char other;     /* paid from other money */
	unsigned char central;   /* support_mode says 集中 */
};

struct accum_pend {
	unsigned char ben[BEN_LEN];
	uint64_t h;              /* benids_hash(ben) */
	long line;               /* for the error of the 2^32nd id */
	size_t fl;               /* accum.fl[fl] */
	int ym;
	int64_t persons;
	unsigned char kinds;     /* BEN_FEMALE, BEN_ELDERLY, BEN_MINOR */
	unsigned char used;      /* in the period; else flows only */
	unsigned char known;     /* id is set (benids_peek) */
	uint32_t id;
	long cty;                /* accum.cty index of its county, or -1 */
	struct row_place pl;     /* if used */
};

struct accum_last {
	char *key;               /* the key fields, each ending in NUL */
	size_t len[NKEY], size, cap;
	int valid;               /* the key's row was taken in full */
	int ym;                  /* its period */
	int placed;              /* it was in the period: place is set */
	struct row_place place;
};

void accum_init(struct accum *a, int k)
{
	memset(a, 0, sizeof(*a));
	a->k = k;
	a->pay_first = a->pay_last = -1;
	a->cur_fl = -1;
	a->cur_cty = -1;
	a->pa_prog = -1;
	benids_init(&a->ids);
	a->ring = xcalloc(RING, sizeof(*a->ring));
	a->last = xcalloc(1, sizeof(*a->last));
}

static void group_free(struct group *g)
{
	int i;

	free(g->program);
	free(g->area);
	benbits_release(&g->ben);
	free(g->pm);
	capset_release(&g->oth_ks);
	capset_release(&g->pub_ks);
	for (i = 0; i < g->mcount; i++)
		capset_release(&g->month[i].ks);
	free(g->month);
	free(g);
}

static void xtab_init(struct xtab *x)
{
	memset(x, 0, sizeof(*x));
	kset_init(&x->idx, 2 * sizeof(int32_t), sizeof(int32_t), 0);
	x->last = -1;
	x->last_dim = -1;
}

static void xtab_release(struct xtab *x)
{
	size_t i;

	for (i = 0; i < x->nname; i++)
		free(x->name[i]);
	free(x->name);
	for (i = 0; i < x->n; i++)
		capset_release(&x->c[i].ks);
	free(x->c);
	kset_release(&x->idx);
	memset(x, 0, sizeof(*x));
}

/* The index of name (n bytes) among x's dims, added if new. Rows come
 * sorted by region, so the last dim found is tried first. */
static int xtab_dim(struct xtab *x, const char *name, size_t n)
{
	size_t i;

	if (x->last >= 0 && x->last_len == n &&
	    !memcmp(x->name[x->last], name, n))
		return x->last;
	for (i = 0; i < x->nname && (strlen(x->name[i]) != n ||
				     memcmp(x->name[i], name, n)); i++)
		;
	if (i == x->nname) {
		if (x->nname == x->namecap) {
			x->namecap = x->namecap ? x->namecap * 2 : 16;
			x->name = xreallocarray(x->name, x->namecap, sizeof(*x->name));
		}
		x->name[x->nname++] = xstrndup(name, n);
	}
	/* The name as kept (a NUL in the field ends it), so that the test
	 * above reads no further than it. */
	x->last_len = strlen(x->name[i]);
	return x->last = (int)i;
}

/* The index in x->c of the cell (dim, prog), added if new: an index, as
 * x->c moves when it grows. */
static size_t xtab_cell(struct xtab *x, int dim, int prog)
{
	int32_t key[2] = { dim, prog }, *v;
	int added;

	/* Runs of rows share a region, program and funding. */
	if (x->last_dim == dim && x->last_prog == prog)
		return x->last_cell;
	v = kset_put(&x->idx, key, &added);
	if (added) {
		if (x->n == x->cap) {
			x->cap = x->cap ? x->cap * 2 : 32;
			x->c = xreallocarray(x->c, x->cap, sizeof(*x->c));
		}
		memset(&x->c[x->n], 0, sizeof(x->c[x->n]));
		x->c[x->n].dim = dim;
		x->c[x->n].prog = prog;
		*v = (int32_t)x->n++;
	}
	x->last_dim = dim;
	x->last_prog = prog;
	x->last_cell = (size_t)*v;
	return x->last_cell;
}

static int prog_index(struct accum *a, const char *code)
{
	size_t i;

	for (i = 0; i < a->nprog; i++)
		if (!strcmp(a->prog[i], code))
			return (int)i;
	if (a->nprog == a->progcap) {
		a->progcap = a->progcap ? a->progcap * 2 : 16;
		a->prog = xreallocarray(a->prog, a->progcap, sizeof(*a->prog));
	}
	a->prog[a->nprog] = xstrdup(code);
	return (int)a->nprog++;
}

void accum_release(struct accum *a)
{
	size_t i, j;

	for (i = 0; i < a->ns; i++) {
		for (j = 0; j < a->s[i]->ng; j++)
			group_free(a->s[i]->g[j]);
		free(a->s[i]->g);
		xtab_release(&a->s[i]->town);
		xtab_release(&a->s[i]->fund);
		free(a->s[i]);
	}
	free(a->s);
	a->s = NULL;
	a->ns = a->scap = 0;
	for (i = 0; i < a->nprog; i++)
		free(a->prog[i]);
	free(a->prog);
	a->prog = NULL;
	a->nprog = a->progcap = 0;
	for (i = 0; i < a->nfl; i++) {
		free(a->fl[i].program);
		free(a->fl[i].area);
		free(a->fl[i].m);
		kset_release(&a->fl[i].wide);
	}
	free(a->fl);
	a->fl = NULL;
	a->nfl = a->flcap = 0;
	a->cur_fl = -1;
	free(a->last_fund);
	a->last_fund = NULL;
	free(a->pa);
	a->pa = NULL;
	a->pa_cap = 0;
	a->pa_prog = -1;
	benids_release(&a->ids);
	free(a->cty);
	a->cty = NULL;
	a->ncty = a->ctycap = 0;
	a->cur_cty = -1;
	free(a->bcty);
	a->bcty = NULL;
	a->nbcty = 0;
	free(a->ring);
	a->ring = NULL;
	a->ring_head = a->ring_n = 0;
	if (a->last)
		free(a->last->key);
	free(a->last);
	a->last = NULL;
}

/* The flow set of (program, area), added if new. */
static size_t get_fset(struct accum *a, const char *program, const char *area)
{
	const struct program *p;
	struct fset *f;
	size_t i;

	if (a->cur_fl >= 0 && !strcmp(a->fl[a->cur_fl].program, program) &&
	    !strcmp(a->fl[a->cur_fl].area, area))
		return (size_t)a->cur_fl;
	for (i = 0; i < a->nfl; i++)
		if (!strcmp(a->fl[i].program, program) && !strcmp(a->fl[i].area, area))
			return (size_t)(a->cur_fl = (long)i);
	if (a->nfl == a->flcap) {
		a->flcap = a->flcap ? a->flcap * 2 : 16;
		a->fl = xreallocarray(a->fl, a->flcap, sizeof(*a->fl));
	}
	f = &a->fl[a->nfl];
	memset(f, 0, sizeof(*f));
	f->program = xstrdup(program);
	f->area = xstrdup(area);
	/* Flows are those of monthly programs, as in rs-aggregate's groups. */
	p = a->cat ? catalog_find(a->cat, program) : NULL;
	f->monthly = p && p->recurrence == REC_MONTHLY;
	kset_init(&f->wide, FMARK_KEY, sizeof(int64_t), 0);
	return (size_t)(a->cur_fl = (long)a->nfl++);
}

/* 1 if the funding label (n bytes) is other money; rows come sorted by
 * funding within a group, so the last answer is kept. */
static int other_money(struct accum *a, const char *funding, size_t n)
{
	if (!n || !a->cat)
		return 0;
	if (a->last_fund && a->last_fund_len == n && !memcmp(a->last_fund, funding, n))
		return a->last_other;
	free(a->last_fund);
	a->last_fund = xstrndup(funding, n);
	a->last_fund_len = strlen(a->last_fund);
	a->last_other = catalog_other_funding(a->cat, a->last_fund);
	return a->last_other;
}

int support_central(const char *mode)
{
	return !strncmp(mode, "集中", strlen("集中"));
}

static struct slice *get_slice(struct accum *a, int year)
{
	struct slice *s;
	size_t i;

	if (a->cur_s && a->cur_s->year == year)
		return a->cur_s;
	/* The cached group belongs to the slice we are leaving. */
	a->cur_g = NULL;
	for (i = 0; i < a->ns; i++)
		if (a->s[i]->year == year)
			return a->cur_s = a->s[i];
	if (a->ns == a->scap) {
		a->scap = a->scap ? a->scap * 2 : 4;
		a->s = xreallocarray(a->s, a->scap, sizeof(*a->s));
	}
	s = xcalloc(1, sizeof(*s));
	s->year = year;
	s->min_ym = s->max_ym = -1;
	xtab_init(&s->town);
	xtab_init(&s->fund);
	a->s[a->ns++] = s;
	return a->cur_s = s;
}

static struct group *get_group(struct accum *a, struct slice *s,
			       const char *program, const char *area)
{
	struct group *g = a->cur_g;
	size_t i;

	/* cur_g is forgotten when the slice or the program and area change
	 * (get_slice, same_pa). */
	if (g)
		return g;
	for (i = 0; i < s->ng; i++) {
		g = s->g[i];
		if (!strcmp(g->program, program) && !strcmp(g->area, area))
			return a->cur_g = g;
	}
	if (s->ng == s->gcap) {
		s->gcap = s->gcap ? s->gcap * 2 : 16;
		s->g = xreallocarray(s->g, s->gcap, sizeof(*s->g));
	}
	g = xcalloc(1, sizeof(*g));
	g->program = xstrdup(program);
	g->area = xstrdup(area);
	g->fl = get_fset(a, program, area);
	g->stock_ym = -1;
	{
		const struct program *p = a->cat ? catalog_find(a->cat, program) : NULL;

		g->grain = !p || !p->grain ? GRAIN_PERSON :
			!strcmp(p->grain, "household") ? GRAIN_HOUSEHOLD :
			!strncmp(p->grain, "household", 9) ? GRAIN_EITHER : GRAIN_PERSON;
	}
	s->g[s->ng++] = g;
	return a->cur_g = g;
}

/* The month cell for ym, growing the group's month range to hold it. */
static struct mcell *month_cell(struct group *g, int ym)
{
	if (!g->mcount) {
		g->month = xcalloc(1, sizeof(*g->month));
		g->mbase = ym;
		g->mcount = 1;
	} else if (ym < g->mbase) {
		int add = g->mbase - ym;
		g->month = xreallocarray(g->month, (size_t)(g->mcount + add),
					 sizeof(*g->month));
		memmove(g->month + add, g->month, (size_t)g->mcount * sizeof(*g->month));
		memset(g->month, 0, (size_t)add * sizeof(*g->month));
		g->mbase = ym;
		g->mcount += add;
	} else if (ym >= g->mbase + g->mcount) {
		int add = ym - (g->mbase + g->mcount) + 1;
		g->month = xreallocarray(g->month, (size_t)(g->mcount + add),
					 sizeof(*g->month));
		memset(g->month + g->mcount, 0, (size_t)add * sizeof(*g->month));
		g->mcount += add;
	}
	return &g->month[ym - g->mbase];
}

const struct mcell *group_month(const struct group *g, int ym)
{
	if (ym < g->mbase || ym >= g->mbase + g->mcount)
		return NULL;
	return &g->month[ym - g->mbase];
}

static int check_header(struct accum *a, const struct csv_row *row,
			struct rs_error *err)
{
	size_t i;

	if (row->n != NCOLS)
		goto bad;
	for (i = 0; i < NCOLS; i++)
		if (strcmp(row->f[i].p, colname[i]))
			goto bad;
	a->seen_header = 1;
	return 0;
bad:
	return rs_err(err, "wrong header in '%s' at line %ld: not an aggregate file (want 'region_code,program,...,amount')",
		      a->path, row->line);
}

static void note_region(struct accum *a, const char *code, size_t n)
{
	size_t i;

	if (a->rows == 1) {
		a->region_len = n < 12 ? n : 12;
		memcpy(a->region_prefix, code, a->region_len);
		a->region_prefix[a->region_len] = '\0';
		return;
	}
	for (i = 0; i < a->region_len && i < n && code[i] == a->region_prefix[i]; i++)
		;
	a->region_len = i;
	a->region_prefix[i] = '\0';
}

/* The index of the county of a region code (its first six digits) in
 * a->cty, added if new; -1 for a code shorter than a county's. Rows come
 * sorted by region, so the last county found is asked first. */
static long county_index(struct accum *a, const char *code, size_t n)
{
	size_t i;

	if (n < 6)
		return -1;
	if (a->cur_cty >= 0 && !memcmp(a->cty[a->cur_cty].code, code, 6))
		return a->cur_cty;
	for (i = 0; i < a->ncty; i++)
		if (!memcmp(a->cty[i].code, code, 6))
			return (long)i;
	if (a->ncty == a->ctycap) {
		a->ctycap = a->ctycap ? 2 * a->ctycap : 16;
		a->cty = xreallocarray(a->cty, a->ctycap, sizeof(*a->cty));
	}
	memcpy(a->cty[a->ncty].code, code, 6);
	a->cty[a->ncty].code[6] = '\0';
	a->cty[a->ncty].first = a->cty[a->ncty].last = -1;
	return (long)a->ncty++;
}

const struct cspan *accum_county(const struct accum *a, const char *code)
{
	size_t i;

	if (strlen(code) < 6)
		return NULL;
	for (i = 0; i < a->ncty; i++)
		if (!memcmp(a->cty[i].code, code, 6))
			return &a->cty[i];
	return NULL;
}

/* Notes the county of beneficiary id's payment (county_index's cty). */
static void county_of(struct accum *a, uint32_t id, long cty)
{
	uint16_t c = cty < 0 || cty >= BCTY_MIXED - 1 ? BCTY_MIXED : (uint16_t)(cty + 1);

	if (id >= a->nbcty) {
		size_t n = a->nbcty ? a->nbcty : 1024;

		while (n <= id)
			n *= 2;
		a->bcty = xreallocarray(a->bcty, n, sizeof(*a->bcty));
		memset(a->bcty + a->nbcty, 0, (n - a->nbcty) * sizeof(*a->bcty));
		a->nbcty = n;
	}
	if (!a->bcty[id])
		a->bcty[id] = c;
	else if (a->bcty[id] != c)
		a->bcty[id] = BCTY_MIXED;
}

/* 1 if the row's program and area are the last row's. If not, they
 * become the last row's, and the group, flow set and program index found
 * for the last ones are forgotten: rows come in runs of one program and
 * area, so most rows skip the string compares of the searches. */
static int same_pa(struct accum *a, const struct csv_field *f)
{
	size_t pl = f[C_PROGRAM].len, al = f[C_AREA].len;

	if (a->pa && pl == a->pa_plen && al == a->pa_alen &&
	    !memcmp(a->pa, f[C_PROGRAM].p, pl) &&
	    !memcmp(a->pa + pl + 1, f[C_AREA].p, al))
		return 1;
	if (pl + al + 2 > a->pa_cap) {
		a->pa_cap = pl + al + 2;
		a->pa = xrealloc(a->pa, a->pa_cap);
	}
	memcpy(a->pa, f[C_PROGRAM].p, pl + 1);
	memcpy(a->pa + pl + 1, f[C_AREA].p, al + 1);
	a->pa_plen = pl;
	a->pa_alen = al;
	a->cur_g = NULL;
	a->cur_fl = -1;
	a->pa_prog = -1;
	return 0;
}

/* A data row's fields, parsed. */
struct arow {
	int ym;
	unsigned char ben[BEN_LEN];
	int64_t payments, persons, fen;
};

/* Adds a mark (id, ym, persons) to flow set f, if it keeps marks. */
static void fmark_add(struct fset *f, uint32_t id, int ym, int64_t persons)
{
	struct fmark *mk;
	int added;

	if (!f->monthly)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 1024;
		f->m = xreallocarray(f->m, f->cap, sizeof(*f->m));
	}
	mk = &f->m[f->n++];
	mk->id = id;
	mk->ym = ym;
	if (persons > INT32_MIN && persons <= INT32_MAX) {
		mk->persons = (int32_t)persons;
	} else {
		int64_t *w;

		mk->persons = FMARK_WIDE;
		w = kset_put(&f->wide, mk, &added);
		*w += persons;
	}
}

/* Marks id in g's byte set for a counted row of p: paid, its kinds, and
 * the stock when the row is of the group's latest month. */
static void group_mark(struct group *g, const struct accum_pend *p,
		       uint32_t id)
{
	unsigned char *b, add = BEN_PAID | p->kinds;
	int i;

	if (p->ym > g->stock_ym) {
		size_t j;

		/* A later month: the stock so far was not the last. */
		for (j = 0; j < g->npm; j++)
			g->pm[j].stock = 0;
		benbits_clear(&g->ben, BEN_STOCK | BEN_STOCK_C);
		g->nstock = g->nstock_c = 0;
		g->stock_persons = g->stock_c_persons = 0;
		g->stock_ym = p->ym;
	}
	/* SPEC.md section 4: the stock's persons are the sum of the
	 * persons of the last month's payments */
	if (p->ym == g->stock_ym) {
		add |= BEN_STOCK;
		g->stock_persons += p->persons;
		if (p->pl.central) {
			add |= BEN_STOCK_C;
			g->stock_c_persons += p->persons;
		}
	}
	if (g->grain != GRAIN_PERSON) {
		/* persons fit: pend_leave refused a row that does not */
		uint32_t np = (uint32_t)p->persons;

		if (id >= g->npm) {
			size_t n = g->npm ? g->npm : 1024;

			while (n <= id)
				n *= 2;
			g->pm = xreallocarray(g->pm, n, sizeof(*g->pm));
			memset(g->pm + g->npm, 0, (n - g->npm) * sizeof(*g->pm));
			g->npm = n;
		}
		if (np > g->pm[id].max)
			g->pm[id].max = np;
		if (p->ym == g->stock_ym)
			g->pm[id].stock += np;
	}
	b = benbits_at(&g->ben, id);
	add &= (unsigned char)~*b;
	*b |= add;
	g->nben += (add & BEN_PAID) != 0;
	g->nstock += (add & BEN_STOCK) != 0;
	g->nstock_c += (add & BEN_STOCK_C) != 0;
	for (i = 0; i < 3; i++)
		if (add & (1 << i))
			g->nkind[i]++;
}

/* The part of a counted row that needs its beneficiary's id: the row
 * leaves the ring. */
static int pend_leave(struct accum *a, const struct accum_pend *p,
		      struct rs_error *err)
{
	struct group *g = p->pl.g;
	uint32_t id;

	if (p->known)
		id = p->id;
	else if (benids_get_hashed(&a->ids, p->ben, p->h, &id))
		return rs_err(err, "too many distinct beneficiaries in '%s' at line %ld",
			      a->path, p->line);
	fmark_add(&a->fl[p->fl], id, p->ym, p->persons);
	if (a->fl[p->fl].monthly)
		county_of(a, id, p->cty);
	if (!p->used)
		return 0;
	if (g->grain != GRAIN_PERSON &&
	    (p->persons < 0 || p->persons > INT32_MAX / 2))
		return rs_err(err, "persons %lld of one payment out of range in '%s' at line %ld",
			      (long long)p->persons, a->path, p->line);
	capset_add(p->pl.other ? &g->oth_ks : &g->pub_ks, id, a->k);
	group_mark(g, p, id);
	capset_add(&g->month[p->ym - g->mbase].ks, id, a->k);
	capset_add(&p->pl.s->town.c[p->pl.cell[0]].ks, id, a->k);
	capset_add(&p->pl.s->fund.c[p->pl.cell[1]].ks, id, a->k);
	return 0;
}

/* Room for one more row in the ring: the oldest leaves if it is full.
 * Returns the entry to fill, or NULL with err set. */
static struct accum_pend *ring_slot(struct accum *a, struct rs_error *err)
{
	struct accum_pend *p;

	if (a->ring_n == RING) {
		p = &a->ring[a->ring_head];
		a->ring_head = (a->ring_head + 1) % RING;
		a->ring_n--;
		if (pend_leave(a, p, err))
			return NULL;
	}
	p = &a->ring[(a->ring_head + a->ring_n) % RING];
	a->ring_n++;
	return p;
}

/* p has been filled: fetch its cache entry; and peek at the cache for
 * the row RING_LOOK rows before it, which takes its id from there or
 * fetches its table slot. */
static void ring_fetch(struct accum *a, const struct accum_pend *p)
{
	struct accum_pend *q;

	benids_prefetch_recent(&a->ids, p->h);
	if (a->ring_n <= RING_LOOK)
		return;
	q = &a->ring[(a->ring_head + a->ring_n - 1 - RING_LOOK) % RING];
	q->known = (unsigned char)benids_peek(&a->ids, q->ben, q->h, &q->id);
}

/* Every row still in the ring leaves: at the end of the input, and
 * before an error of a later row is reported (an earlier row's error
 * comes first, as it would without the ring). */
static int ring_drain(struct accum *a, struct rs_error *err)
{
	while (a->ring_n) {
		struct accum_pend *p = &a->ring[a->ring_head];

		a->ring_head = (a->ring_head + 1) % RING;
		a->ring_n--;
		if (pend_leave(a, p, err))
			return -1;
	}
	return 0;
}

/*
 * Fast paths for the forms rs-aggregate writes ("2024-01", "3", "750.00"):
 * each gives the general parser's answer for the inputs it takes and
 * leaves every other input to it (they return -1 then), so a row is
 * accepted or refused exactly as before. At 10 M rows the general
 * parsers' loops were a tenth of the report's own work.
 */

/* n (at most 9) ASCII digits as a number, or -1 if some byte is not one. */
static int64_t digits_val(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

/* month_parse of a field: "YYYY-MM" at once. */
static int field_month(const struct csv_field *f)
{
	int64_t y, m;

	if (f->len == 7 && f->p[4] == '-' && (y = digits_val(f->p, 4)) >= 1900 &&
	    y <= 2999 && (m = digits_val(f->p + 5, 2)) >= 1 && m <= 12)
		return (int)(y * 12 + m - 1);
	return month_parse(f->p, f->len);
}

/* parse_int64 of a field: 1 to 9 digits at once. */
static int field_int64(const struct csv_field *f, int64_t *out)
{
	int64_t v;

	if (f->len && f->len <= 9 && (v = digits_val(f->p, f->len)) >= 0) {
		*out = v;
		return 0;
	}
	return parse_int64(f->p, out);
}

/* money_parse of a yuan field: up to 9 digits, a point and two digits
 * at once. */
static int field_fen(const struct csv_field *f, int64_t *fen)
{
	int64_t y, c;

	if (f->len >= 4 && f->len <= 12 && f->p[f->len - 3] == '.' &&
	    (y = digits_val(f->p, f->len - 3)) >= 0 &&
	    (c = digits_val(f->p + f->len - 2, 2)) >= 0) {
		*fen = y * 100 + c;
		return 0;
	}
	return money_parse(f->p, f->len, MU_YUAN, fen) == MONEY_OK ? 0 : -1;
}

/* The 其中 kinds of a counted row: its sex and age. */
static unsigned char row_kinds(const struct csv_field *f)
{
	unsigned char kinds = 0;
	int age = -1;

	if (f[C_SEX].len == 1 && f[C_SEX].p[0] == 'F')
		kinds |= BEN_FEMALE;
	if (f[C_AGE].len && f[C_AGE].len <= 3) {
		int64_t a64;
		if (!field_int64(&f[C_AGE], &a64))
			age = (int)a64;
	}
	if (age >= 60)
		kinds |= BEN_ELDERLY;
	if (age >= 0 && age < 18)
		kinds |= BEN_MINOR;
	return kinds;
}

/* 1 if the row's key is the last valid one, byte for byte. */
static int key_same(const struct accum_last *l, const struct csv_field *f)
{
	size_t i, at = 0;
	int joined = 1;

	if (!l->valid)
		return 0;
	for (i = 0; i < NKEY; i++) {
		if (f[i].len != l->len[i])
			return 0;
		joined &= i + 1 == NKEY || f[i + 1].p == f[i].p + f[i].len + 1;
	}
	/* Fields stored one after another, as csvin keeps them, are
	 * compared in one go; the lengths matched, so field for field. */
	if (joined)
		return !memcmp(l->key, f[0].p, l->size - 1);
	for (i = 0; i < NKEY; at += l->len[i++] + 1)
		if (memcmp(l->key + at, f[i].p, f[i].len))
			return 0;
	return 1;
}

/* Keeps the row's key as the last one; it is valid once the row is
 * taken (key_taken). */
static void key_keep(struct accum_last *l, const struct csv_field *f)
{
	size_t i, n = 0;

	for (i = 0; i < NKEY; i++)
		n += f[i].len + 1;
	if (n > l->cap) {
		l->cap = n;
		l->key = xrealloc(l->key, l->cap);
	}
	for (i = 0, n = 0; i < NKEY; n += f[i++].len + 1) {
		memcpy(l->key + n, f[i].p, f[i].len);
		l->key[n + f[i].len] = '\0';
		l->len[i] = f[i].len;
	}
	l->size = n;
	l->valid = 0;
	l->placed = 0;
}

/* Checks and parses a data row into r (rows counts it); *same says
 * whether its key is the last row's, whose checks it then passes.
 * Returns 0, or -1 with err naming the line. */
static int row_parse(struct accum *a, const struct csv_row *row,
		     struct arow *r, int *same, struct rs_error *err)
{
	const struct csv_field *f = row->f;

	if (row->n != NCOLS)
		return rs_err(err, "wrong number of fields in '%s' at line %ld: %zu, want %d",
			      a->path, row->line, row->n, NCOLS);
	a->rows++;
	if ((*same = key_same(a->last, f))) {
		r->ym = a->last->ym;
	} else {
		key_keep(a->last, f);
		r->ym = field_month(&f[C_PERIOD]);
		if (r->ym < 0 || f[C_PERIOD].len != 7)
			return rs_err(err, "bad period '%s' in '%s' at line %ld (want YYYY-MM)",
				      f[C_PERIOD].p, a->path, row->line);
	}
	if (ben_parse(f[C_BEN].p, f[C_BEN].len, r->ben))
		return rs_err(err, "bad beneficiary in '%s' at line %ld (want 32 hex digits)",
			      a->path, row->line);
	if (!f[C_PROGRAM].len || !f[C_AREA].len)
		return rs_err(err, "empty %s in '%s' at line %ld",
			      f[C_PROGRAM].len ? "area" : "program", a->path, row->line);
	if (field_int64(&f[C_PAYMENTS], &r->payments))
		return rs_err(err, "bad payments '%s' in '%s' at line %ld",
			      f[C_PAYMENTS].p, a->path, row->line);
	if (field_int64(&f[C_PERSONS], &r->persons))
		return rs_err(err, "bad persons '%s' in '%s' at line %ld",
			      f[C_PERSONS].p, a->path, row->line);
	if (field_fen(&f[C_AMOUNT], &r->fen))
		return rs_err(err, "bad amount '%s' in '%s' at line %ld",
			      f[C_AMOUNT].p, a->path, row->line);
	return 0;
}

/* Adds the row's sums to a cross-table cell. Returns 0, or -1 when a
 * sum would leave int64 (the cell is then unchanged but for its first
 * sums). */
static int xcell_add(struct xcell *c, const struct arow *r)
{
	return __builtin_add_overflow(c->persons, r->persons, &c->persons) ||
	       __builtin_add_overflow(c->payments, r->payments, &c->payments) ||
	       __builtin_add_overflow(c->fen, r->fen, &c->fen) ? -1 : 0;
}

/* Finds where a row of the period goes, from its key: its slice, group,
 * month and cells, made if new, and the kind of its money. */
static void row_place(struct accum *a, const struct csv_field *f, int ym,
		      struct row_place *pl)
{
	struct slice *s;
	struct group *g;
	int prog;

	s = get_slice(a, a->by_year ? ym / 12 : -1);
	if (s->min_ym < 0 || ym < s->min_ym)
		s->min_ym = ym;
	if (ym > s->max_ym)
		s->max_ym = ym;
	g = get_group(a, s, f[C_PROGRAM].p, f[C_AREA].p);
	if (f[C_SUPPORT].len)
		g->has_mode = 1;
	month_cell(g, ym);
	/* The cross tables: township x program, funding x program. */
	if (a->pa_prog < 0)
		a->pa_prog = prog_index(a, f[C_PROGRAM].p);
	prog = a->pa_prog;
	if (f[C_FUNDING].len)
		a->has_funding = 1;
	pl->s = s;
	pl->g = g;
	pl->cell[0] = xtab_cell(&s->town, xtab_dim(&s->town, f[C_REGION].p,
						   f[C_REGION].len < 9 ? f[C_REGION].len : 9), prog);
	pl->cell[1] = xtab_cell(&s->fund, xtab_dim(&s->fund, f[C_FUNDING].p,
						   f[C_FUNDING].len), prog);
	pl->other = (unsigned char)other_money(a, f[C_FUNDING].p, f[C_FUNDING].len);
	pl->central = f[C_SUPPORT].len && support_central(f[C_SUPPORT].p);
}

/* Adds a row of the period to the sums of its place. Returns 0, or -1
 * with err set when a sum overflows. */
static int row_add(struct accum *a, const struct csv_row *row,
		   const struct arow *r, const struct row_place *pl,
		   struct rs_error *err)
{
	struct group *g = pl->g;
	struct mcell *mc = &g->month[r->ym - g->mbase];

	a->used++;
	/* Amounts are capped at 10^15 fen a row, so some 9,224 rows can
	 * overflow a sum: every sum is checked, and overflow fails the run
	 * naming the program and area (issue 26). */
	if (__builtin_add_overflow(g->persons, r->persons, &g->persons) ||
	    __builtin_add_overflow(g->payments, r->payments, &g->payments) ||
	    __builtin_add_overflow(g->fen, r->fen, &g->fen) ||
	    (pl->other &&
	     (__builtin_add_overflow(g->oth_persons, r->persons, &g->oth_persons) ||
	      __builtin_add_overflow(g->oth_payments, r->payments, &g->oth_payments) ||
	      __builtin_add_overflow(g->oth_fen, r->fen, &g->oth_fen))) ||
	    __builtin_add_overflow(mc->persons, r->persons, &mc->persons) ||
	    __builtin_add_overflow(mc->fen, r->fen, &mc->fen) ||
	    xcell_add(&pl->s->town.c[pl->cell[0]], r) ||
	    xcell_add(&pl->s->fund.c[pl->cell[1]], r))
		return rs_err(err, "group %s %s: a sum overflows a 64-bit integer at '%s' line %ld; the input holds impossible amounts",
			      g->program, g->area, a->path, row->line);
	/* Whether every payment of the group has one amount: a leaf row of
	 * n payments holds their sum, so it agrees when it is n times it. */
	if (r->payments > 0 && r->fen % r->payments == 0) {
		int64_t per = r->fen / r->payments;

		if (!g->pay_n++)
			g->pay_fix = per;
		else if (per != g->pay_fix)
			g->pay_varied = 1;
	} else if (r->payments || r->fen) {
		g->pay_varied = 1;
	}
	return 0;
}

/* A data row, parsed: the file-wide notes (unless its key is the last
 * row's, same), then the sums, and for a counted row an entry in the
 * ring. */
static int row_arrive(struct accum *a, const struct csv_row *row,
		      const struct arow *r, int same, struct rs_error *err)
{
	const struct csv_field *f = row->f;
	struct accum_last *l = a->last;
	struct accum_pend *p = NULL;
	int counted, in_flows, used;

	if (!same)
		a->cur_cty = county_index(a, f[C_REGION].p, f[C_REGION].len);
	if (r->payments > 0) {
		if (a->pay_first < 0 || r->ym < a->pay_first)
			a->pay_first = r->ym;
		if (r->ym > a->pay_last)
			a->pay_last = r->ym;
		if (a->cur_cty >= 0) {
			struct cspan *c = &a->cty[a->cur_cty];

			if (c->first < 0 || r->ym < c->first)
				c->first = r->ym;
			if (r->ym > c->last)
				c->last = r->ym;
		}
	}
	if (!same) {
		note_region(a, f[C_REGION].p, f[C_REGION].len);
		if (!same_pa(a, f))
			a->cur_fl = (long)get_fset(a, f[C_PROGRAM].p, f[C_AREA].p);
	}
	/* Something is left of the row: a payment, or persons covered by a
	 * back-payment (rs-aggregate's groups count the same rows). */
	counted = r->payments > 0 || r->persons > 0;
	in_flows = counted && (!a->have_period ||
			       (r->ym >= a->per.first - 1 && r->ym <= a->per.last));
	used = !a->have_period || (r->ym >= a->per.first && r->ym <= a->per.last);
	if (used && !l->placed) {
		row_place(a, f, r->ym, &l->place);
		l->placed = 1;
	}
	/* Only a counted row needs an id, and every counted row of the
	 * period is in_flows. */
	if (in_flows) {
		if (!(p = ring_slot(a, err)))
			return -1;
		memcpy(p->ben, r->ben, BEN_LEN);
		p->h = benids_hash(r->ben);
		p->line = row->line;
		p->fl = (size_t)a->cur_fl;
		p->ym = r->ym;
		p->persons = r->persons;
		p->kinds = row_kinds(f);
		p->used = (unsigned char)used;
		p->known = 0;
		p->cty = a->cur_cty;
		if (used)
			p->pl = l->place;
	}
	if (used && row_add(a, row, r, &l->place, err))
		return -1;
	l->ym = r->ym;
	l->valid = 1;
	if (p)
		ring_fetch(a, p);
	return 0;
}

static int on_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct accum *a = ctx;
	struct arow r;
	struct rs_error first;
	int same = 0;

	if (row->too_long || row->unterminated || row->bad_encoding) {
		rs_err(err, "%s in '%s' at line %ld",
		       row->too_long ? "record too long" :
		       row->unterminated ? "unterminated quote" :
		       "invalid UTF-8", a->path, row->line);
		goto fail;
	}
	if (!a->seen_header)
		return check_header(a, row, err);
	if (row_parse(a, row, &r, &same, err) ||
	    row_arrive(a, row, &r, same, err))
		goto fail;
	return 0;
fail:
	/* A row still in the ring comes first. */
	if (ring_drain(a, &first))
		*err = first;
	return -1;
}

int accum_read(struct accum *a, const char *path, struct rs_error *err)
{
	struct csvin_opts o;
	struct rs_error first;

	memset(&o, 0, sizeof(o));
	o.encoding = RS_ENC_UTF8;
	o.delim = ',';
	o.max_record = (size_t)1 << 20;
	a->path = path;
	a->seen_header = 0;
	if (csvin_read(path, &o, on_row, a, err)) {
		/* A read error: a row still in the ring comes first. */
		if (ring_drain(a, &first))
			*err = first;
		return -1;
	}
	if (ring_drain(a, err))
		return -1;
	if (!a->seen_header)
		return rs_err(err, "'%s' is empty: no header line", path);
	return 0;
}

/* The order of marks: by beneficiary id, then month. Any order that puts
 * one beneficiary's marks together by month will do (only counts come
 * out), and ids are the same in every flow set. Months are >= 0. */
static inline uint64_t fmark_key(const struct fmark *m)
{
	return (uint64_t)m->id << 32 | (uint32_t)m->ym;
}

/* The persons of mark m of f (after fset_settle). */
static int64_t fmark_persons(const struct fset *f, const struct fmark *m)
{
	int64_t v;

	if (m->persons != FMARK_WIDE)
		return m->persons;
	memcpy(&v, kset_get(&f->wide, m), sizeof(v));
	return v;
}

/* Buffers fset_sort reuses from one flow set to the next: sorting ten
 * sets of a million marks then writes to fresh memory about once, not
 * ten times (the page faults of fresh memory were a twentieth of the
 * main thread at 10 M rows). */
struct sort_buf {
	size_t *at;              /* nids + 1 counters */
	struct fmark *out;       /* room for cap marks, or NULL */
	size_t cap;
};

/* Orders f's marks by fmark_key: a stable counting sort on the id (the
 * ids are dense, below nids) into sb->out, which then trades places
 * with f->m, and an insertion sort of each id's marks by month. The file
 * is sorted by region, then month, so one person's marks mostly arrive
 * in month order and the second pass only checks. */
static void fset_sort(struct fset *f, size_t nids, struct sort_buf *sb)
{
	struct fmark *out;
	size_t *at = sb->at, i, j, sum = 0, cap;

	memset(at, 0, (nids + 1) * sizeof(*at));
	for (i = 0; i < f->n; i++)
		at[f->m[i].id]++;
	for (i = 0; i <= nids; i++) {
		size_t c = at[i];

		at[i] = sum;
		sum += c;
	}
	if (sb->cap < f->n) {
		free(sb->out);
		sb->out = xreallocarray(NULL, f->n, sizeof(*sb->out));
		sb->cap = f->n;
	}
	out = sb->out;
	for (i = 0; i < f->n; i++)
		out[at[f->m[i].id]++] = f->m[i];
	sb->out = f->m;
	f->m = out;
	cap = f->cap;
	f->cap = sb->cap;
	sb->cap = cap;
	for (i = 1; i < f->n; i++) {
		struct fmark m = f->m[i];

		if (fmark_key(&f->m[i - 1]) <= fmark_key(&m))
			continue;
		for (j = i; j > 0 && fmark_key(&f->m[j - 1]) > fmark_key(&m); j--)
			f->m[j] = f->m[j - 1];
		f->m[j] = m;
	}
}

/* Sorts f's marks and folds those of one beneficiary and month into one,
 * their persons summed (the rows hold different payments), then gives the
 * spare room back. A sum that does not fit a mark goes to f->wide. */
static void fset_settle(struct fset *f, size_t nids, struct sort_buf *sb)
{
	size_t i, j, n = 0;

	if (!f->n)
		return;
	fset_sort(f, nids, sb);
	for (i = 0; i < f->n; i = j) {
		uint64_t key = fmark_key(&f->m[i]);
		int64_t sum = 0;
		int wide = 0;

		for (j = i; j < f->n && fmark_key(&f->m[j]) == key; j++) {
			if (f->m[j].persons == FMARK_WIDE)
				wide = 1;
			else
				sum += f->m[j].persons;
		}
		f->m[n] = f->m[i];
		if (wide) {
			int64_t *w = kset_get(&f->wide, &f->m[i]);

			/* The wide rows' persons, summed while reading. */
			sum += *w;
			*w = sum;
		}
		if (sum > INT32_MIN && sum <= INT32_MAX) {
			f->m[n].persons = (int32_t)sum;
		} else {
			int added;
			int64_t *w = kset_put(&f->wide, &f->m[n], &added);

			f->m[n].persons = FMARK_WIDE;
			*w = sum;
		}
		n++;
	}
	f->n = n;
	f->m = xreallocarray(f->m, f->n, sizeof(*f->m));
	f->cap = f->n;
}

static int slice_cmp(const void *x, const void *y)
{
	const struct slice *a = *(struct slice *const *)x;
	const struct slice *b = *(struct slice *const *)y;

	return (a->year > b->year) - (a->year < b->year);
}

int accum_finish(struct accum *a, struct rs_error *err)
{
	struct sort_buf sb;
	size_t i;

	if (!a->used) {
		if (a->have_period) {
			char from[8], to[8];
			month_fmt(a->per.first, from);
			month_fmt(a->per.last, to);
			return rs_err(err, "no rows of '%s' fall in the period %s..%s (%ld rows read)",
				      a->path, from, to, a->rows);
		}
		return rs_err(err, "'%s' has no data rows: nothing to report", a->path);
	}
	qsort(a->s, a->ns, sizeof(*a->s), slice_cmp);
	memset(&sb, 0, sizeof(sb));
	sb.at = xreallocarray(NULL, a->ids.n + 1, sizeof(*sb.at));
	for (i = 0; i < a->nfl; i++)
		fset_settle(&a->fl[i], a->ids.n, &sb);
	free(sb.at);
	free(sb.out);
	for (i = 0; i < a->ns; i++) {
		struct slice *s = a->s[i];

		if (a->by_year && a->have_period) {
			/* The period cut to the year. */
			s->per.first = s->year * 12;
			s->per.last = s->year * 12 + 11;
			if (a->per.first > s->per.first)
				s->per.first = a->per.first;
			if (a->per.last < s->per.last)
				s->per.last = a->per.last;
		} else if (a->by_year) {
			/* Year to date: January to the last month with data,
			 * so a Jan-Jul file reports as 1-7月 with July's stock. */
			s->per.first = s->year * 12;
			s->per.last = s->max_ym;
		} else if (a->have_period) {
			s->per = a->per;
		} else {
			s->per.first = s->min_ym;
			s->per.last = s->max_ym;
		}
	}
	return 0;
}

/* Whether flows into month ym of beneficiary id are counted in slice s
 * (see accum.h): the file, and the county of its payments, hold that
 * month and the one before. */
static int judged(const struct accum *a, const struct slice *s, int ym,
		  uint32_t id)
{
	unsigned c;

	if (!(ym >= s->per.first && ym <= s->per.last &&
	      a->pay_first >= 0 && ym > a->pay_first && ym <= a->pay_last))
		return 0;
	c = id < a->nbcty ? a->bcty[id] : 0;
	if (!c || c == BCTY_MIXED)
		return 1;
	return ym > a->cty[c - 1].first && ym <= a->cty[c - 1].last;
}

/* A mark of a row's merged flow sets, with its persons in full. */
struct fmark64 {
	uint64_t key;            /* fmark_key */
	int64_t persons;
};

/* A cursor over the flow sets of a table row, merging their sorted marks:
 * at most one cursor per flow set of the file. */
struct fmerge {
	const struct fset *const *set;
	size_t *pos;
	size_t n;
};

/* The next mark of the merge in *out, persons summed over the sets that
 * hold that beneficiary and month (a parent group adds them up, as in
 * rs-aggregate). Returns 0 at the end. */
static int fmerge_next(struct fmerge *mg, struct fmark64 *out)
{
	uint64_t low = UINT64_MAX;
	size_t i;
	int any = 0;

	/* A leaf's row: one set, its marks as they are. */
	if (mg->n == 1) {
		const struct fmark *c;

		if (mg->pos[0] == mg->set[0]->n)
			return 0;
		c = &mg->set[0]->m[mg->pos[0]++];
		out->key = fmark_key(c);
		out->persons = fmark_persons(mg->set[0], c);
		return 1;
	}

	for (i = 0; i < mg->n; i++) {
		uint64_t k;

		if (mg->pos[i] == mg->set[i]->n)
			continue;
		k = fmark_key(&mg->set[i]->m[mg->pos[i]]);
		if (!any || k < low)
			low = k;
		any = 1;
	}
	if (!any)
		return 0;
	out->key = low;
	out->persons = 0;
	for (i = 0; i < mg->n; i++) {
		const struct fmark *c;

		if (mg->pos[i] == mg->set[i]->n)
			continue;
		c = &mg->set[i]->m[mg->pos[i]];
		if (fmark_key(c) == low) {
			out->persons += fmark_persons(mg->set[i], c);
			mg->pos[i]++;
		}
	}
	return 1;
}

void accum_flows(const struct accum *a, const struct slice *s,
		 const struct group *const *gv, size_t n, struct flows *out)
{
	const struct fset **set;
	struct fmerge mg;
	struct fmark64 cur, next = { 0, 0 };
	uint64_t prev = 0;
	size_t i, j;
	int have_prev = 0, have_next;

	memset(out, 0, sizeof(*out));
	set = xcalloc(n ? n : 1, sizeof(*set));
	mg.pos = xcalloc(n ? n : 1, sizeof(*mg.pos));
	mg.set = set;
	mg.n = 0;
	/* The rows' flow sets, each once. */
	for (i = 0; i < n; i++) {
		const struct fset *fs = &a->fl[gv[i]->fl];

		for (j = 0; j < i && gv[j]->fl != gv[i]->fl; j++)
			;
		if (j < i || !fs->monthly)
			continue;
		set[mg.n++] = fs;
	}
	have_next = fmerge_next(&mg, &next);
	while (have_next) {
		int p, q, ym;

		cur = next;
		have_next = fmerge_next(&mg, &next);
		/* The key is id << 32 | month: the month before or after of
		 * one beneficiary is the key minus or plus one. */
		p = have_prev && prev == cur.key - 1;
		q = have_next && next.key == cur.key + 1;
		ym = (int)(uint32_t)cur.key;
		if (!p && judged(a, s, ym, (uint32_t)(cur.key >> 32))) {
			out->new_households++;
			out->new_persons += cur.persons;
		}
		if (!q && judged(a, s, ym + 1, (uint32_t)(cur.key >> 32))) {
			out->exit_households++;
			out->exit_persons += cur.persons;
		}
		prev = cur.key;
		have_prev = 1;
	}
	free(mg.pos);
	free(set);
}

int64_t accum_cum_persons(const struct group *const *gv, const int *stock,
			  size_t n)
{
	size_t i, j, len = 0;
	int64_t total = 0;

	for (i = 0; i < n; i++)
		if (gv[i]->ben.n > len)
			len = gv[i]->ben.n;
	for (j = 0; j < len; j++) {
		int64_t mx = 0, st = 0;

		for (i = 0; i < n; i++) {
			const struct group *g = gv[i];
			unsigned char b = j < g->ben.n ? g->ben.b[j] : 0;
			int64_t v, sv;

			if (!(b & BEN_PAID))
				continue;
			if (g->grain == GRAIN_PERSON) {
				v = 1;
				sv = (b & BEN_STOCK) != 0;
			} else {
				v = j < g->npm ? g->pm[j].max : 0;
				sv = j < g->npm ? g->pm[j].stock : 0;
			}
			if (v > mx)
				mx = v;
			if (stock[i])
				st += sv;
		}
		total += mx > st ? mx : st;
	}
	return total;
}
