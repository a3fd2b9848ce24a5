/*
 * groups.c - grouped measures, subtotals and reconciliation (see groups.h).
 *
 * Additive measures are summed into every group a leaf belongs to. Distinct
 * counts are made without a set per group: the leaves are visited in
 * beneficiary order, and a group counts a beneficiary when it is not the
 * last one it counted, so memory is the groups, whatever the number of
 * keys. The groups of a leaf depend only on its finest cell (region cut to
 * the finest level, program, and the other dimensions grouped); they are
 * found once per cell and kept.
 */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "groups.h"
#include "kset.h"
#include "money.h"
#include "sbuf.h"
#include "xalloc.h"

#define ALL16 0xFFFF
#define ALL_AREA 2
#define ALL_REGION 5

struct group_key {
	char region[12];
	uint8_t region_level;   /* 0..4, ALL_REGION */
	uint16_t program;       /* catalog index, or ALL16 */
	uint8_t area;           /* 0 rural, 1 urban, ALL_AREA */
	uint8_t grain;          /* enum period_grain, or 255: not grouped */
	int32_t start;          /* first month of the period */
	uint16_t funding, mode; /* interned, or ALL16 */
} __attribute__((packed));

struct group {
	struct group_key key;
	int64_t person_times, household_times, amount;
	int64_t beneficiaries, stock_persons, stock_households;
	int64_t female, elderly, minors;   /* 其中: distinct beneficiaries */
	/* 累计保障户数 and 累计保障人数 (SPEC.md section 4): the beneficiaries
	 * of programs paid per household, and over all beneficiaries the
	 * persons each stands for (cp_*: the one being visited) */
	int64_t cum_households, cum_persons;
	int64_t cp_max, cp_stock, cp_cur;
	uint32_t cp_by, hh_by;
	int has_hh;             /* some leaf of a program paid per household */
	int64_t new_households, new_persons, exit_households, exit_persons;
	/* the last beneficiary counted in each distinct count (see add_leaf) */
	uint32_t seen_by, stock_by, female_by, elderly_by, minors_by;
	/* reconciliation: what the children of this group add up to, per
	 * dimension (0 region, 1 program, 2 area, 3 period, 4 funding, 5 mode) */
	struct {
		int64_t n, pt, ht, amount, dsum, dmax, ssum, smax, last_stock;
		int have_last;
	} kids[6];
};

struct gctx {
	const struct leafset *ls;
	const struct catalog *cat;
	const struct group_spec *spec;
	struct kset index;      /* group_key -> uint32 */
	struct group *g;
	size_t n, cap;
	int *prog_of;           /* leaf program string index -> catalog index */
	int *monthly;           /* catalog index -> recurrence is monthly */
	int *grain;             /* catalog index -> 0 per person, 1 per household, 2 either */
	/* flows: groups without their period ("bases"), to find the months a
	 * beneficiary entered and left each of them */
	struct kset base_index; /* group_key (no period) -> uint32 */
	struct group_key *base;
	size_t nbase, basecap;
	/* the groups and flow bases of each finest cell, found once */
	struct kset cell_index; /* cell_key -> struct cell */
	uint32_t *cell_ids, *cell_bases;
	uint8_t *cell_last;     /* the id's group ends in the cell's month */
	size_t nids, idcap, nbases, bcap;
	/* flows: the group ids of (base, month of the period, grain) */
	uint32_t *flow_ids;
	size_t flow_rows;
	long overflow;          /* 1 + index of a group whose sum left int64 */
};

#define FLOW_GRAINS 3   /* month, quarter, year at most */

/* A leaf's finest cell: its region cut to the finest level grouped, its
 * program, and its area, month, funding and support mode where those are
 * grouped. Every leaf of a cell belongs to the same groups. */
struct cell_key {
	char region[12];
	uint16_t program, funding, mode;
	uint8_t area;
	int32_t ym;
} __attribute__((packed));

struct cell {
	uint32_t first, n;      /* cell_ids[first..first + n), cell_last too */
	uint32_t bfirst, nb;    /* cell_bases[bfirst..bfirst + nb) */
};

struct month_mark {
	uint32_t base;
	int32_t ym;
	int64_t persons;
};

int group_spec_parse(const char *s, struct group_spec *spec, struct rs_error *err)
{
	static const char *const levels[] = { "province", "city", "county", "township", "village" };
	static const char *const grains[] = { "month", "quarter", "year", "period" };
	char *copy = xstrdup(s), *p = copy, *tok;
	int i, ret = -1;

	memset(spec, 0, sizeof(*spec));
	spec->region_level = -1;
	spec->period_grain = -1;
	spec->period.first = spec->period.last = -1;
	while ((tok = strsep(&p, ","))) {
		char *eq = strchr(tok, '=');
		const char *lvl = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (!strcmp(tok, "region")) {
			lvl = lvl ? lvl : "county";
			for (i = 0; i < 5 && strcmp(lvl, levels[i]); i++)
				;
			if (i == 5) {
				rs_err(err, "unknown region level '%s' (province, city, county, township, village)", lvl);
				goto out;
			}
			spec->region_level = i;
		} else if (!strcmp(tok, "period")) {
			lvl = lvl ? lvl : "year";
			for (i = 0; i < 4 && strcmp(lvl, grains[i]); i++)
				;
			if (i == 4) {
				rs_err(err, "unknown period grain '%s' (month, quarter, year, period)", lvl);
				goto out;
			}
			spec->period_grain = i;
		} else if (!strcmp(tok, "program") && !lvl) {
			spec->program = 1;
		} else if (!strcmp(tok, "area") && !lvl) {
			spec->area = 1;
		} else if (!strcmp(tok, "funding") && !lvl) {
			spec->funding = 1;
		} else if (!strcmp(tok, "support_mode") && !lvl) {
			spec->mode = 1;
		} else {
			rs_err(err, "unknown grouping '%s' (region[=level], program, area, period[=grain], funding, support_mode)",
			       tok);
			goto out;
		}
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

static int region_digits(int level)
{
	static const int d[] = { 2, 4, 6, 9, 12 };

	return d[level];
}

/* The first and last month of the period of grain g holding month ym. */
static void period_bounds(const struct group_spec *spec, int grain, int ym,
			  int *first, int *last)
{
	switch (grain) {
	case PG_MONTH:
		*first = *last = ym;
		break;
	case PG_QUARTER:
		*first = ym - ym % 3;
		*last = *first + 2;
		break;
	case PG_YEAR:
		*first = ym - ym % 12;
		*last = *first + 11;
		break;
	default:
		*first = spec->period.first;
		*last = spec->period.last;
		break;
	}
	/* A period cut short by the reporting period ends where it ends:
	 * a 1-7月 report's year stock is July's. */
	if (spec->period.first >= 0 && *last > spec->period.last && *first <= spec->period.last)
		*last = spec->period.last;
}

static uint32_t group_id(struct gctx *c, const struct group_key *k)
{
	int added;
	uint32_t *id = kset_put(&c->index, k, &added);

	if (added) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 256;
			c->g = xreallocarray(c->g, c->cap, sizeof(*c->g));
		}
		memset(&c->g[c->n], 0, sizeof(c->g[c->n]));
		c->g[c->n].key = *k;
		*id = (uint32_t)c->n++;
	}
	return *id;
}

/* The chain of levels a leaf climbs in each dimension. */
struct chains {
	int nregion, nprog, narea, nperiod, nfund, nmode;
	int region[6];
	int prog[8];
	int area[2];
	int period[4];
	int fund[2], mode[2];
};

static void leaf_chains(const struct gctx *c, const struct leaf *lk,
			struct chains *ch)
{
	const struct group_spec *s = c->spec;
	int i;

	memset(ch, 0, sizeof(*ch));
	if (s->region_level >= 0) {
		for (i = s->region_level; i >= 0; i--)
			ch->region[ch->nregion++] = i;
		ch->region[ch->nregion++] = ALL_REGION;
	} else {
		ch->region[ch->nregion++] = ALL_REGION;
	}
	if (s->program) {
		int p = c->prog_of[lk->program];
		while (p >= 0 && ch->nprog < 7) {
			const struct program *pr = &c->cat->p[p];
			const struct program *parent;
			ch->prog[ch->nprog++] = p;
			parent = pr->parent ? catalog_find(c->cat, pr->parent) : NULL;
			p = parent ? parent->order : -1;
		}
		ch->prog[ch->nprog++] = ALL16;
	} else {
		ch->prog[ch->nprog++] = ALL16;
	}
	if (s->area)
		ch->area[ch->narea++] = lk->area;
	ch->area[ch->narea++] = ALL_AREA;
	if (s->period_grain >= 0) {
		for (i = s->period_grain; i <= (s->period_grain == PG_PERIOD ? PG_PERIOD : PG_YEAR); i++)
			ch->period[ch->nperiod++] = i;
	} else {
		ch->period[ch->nperiod++] = 255;
	}
	if (s->funding)
		ch->fund[ch->nfund++] = lk->funding;
	ch->fund[ch->nfund++] = ALL16;
	if (s->mode)
		ch->mode[ch->nmode++] = lk->mode;
	ch->mode[ch->nmode++] = ALL16;
}

static const struct leaf *sort_leaves;

static inline uint64_t be64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static int cmp_by_bene(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const unsigned char *bx = sort_leaves[x].bene, *by = sort_leaves[y].bene;
	uint64_t hx = be64(bx), hy = be64(by);

	if (hx != hy)
		return hx < hy ? -1 : 1;
	hx = be64(bx + 8);
	hy = be64(by + 8);
	if (hx != hy)
		return hx < hy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* One beneficiary's month marks, for its flows. */
struct touched {
	uint32_t bene;          /* counts the beneficiaries visited, from 1 */
	struct month_mark *marks;
	size_t nmarks, markcap;
};

static uint32_t base_id(struct gctx *c, const struct group_key *k)
{
	struct group_key b = *k;
	uint32_t *id;
	int added;

	b.grain = 255;
	b.start = 0;
	id = kset_put(&c->base_index, &b, &added);
	if (added) {
		if (c->nbase == c->basecap) {
			c->basecap = c->basecap ? c->basecap * 2 : 256;
			c->base = xreallocarray(c->base, c->basecap, sizeof(*c->base));
		}
		c->base[c->nbase] = b;
		*id = (uint32_t)c->nbase++;
	}
	return *id;
}

static void cell_push(struct gctx *c, uint32_t id, int last)
{
	if (c->nids == c->idcap) {
		c->idcap = c->idcap ? c->idcap * 2 : 1024;
		c->cell_ids = xreallocarray(c->cell_ids, c->idcap, sizeof(*c->cell_ids));
		c->cell_last = xreallocarray(c->cell_last, c->idcap, sizeof(*c->cell_last));
	}
	c->cell_ids[c->nids] = id;
	c->cell_last[c->nids++] = (uint8_t)last;
}

static void cell_push_base(struct gctx *c, uint32_t base)
{
	if (c->nbases == c->bcap) {
		c->bcap = c->bcap ? c->bcap * 2 : 1024;
		c->cell_bases = xreallocarray(c->cell_bases, c->bcap, sizeof(*c->cell_bases));
	}
	c->cell_bases[c->nbases++] = base;
}

/* The groups a leaf of this cell belongs to: every combination of the
 * levels it climbs in each dimension. */
static void cell_fill(struct gctx *c, const struct leaf *lk, struct cell *cell)
{
	struct chains ch;
	struct group_key k;
	int a, b, d, e, f, h;
	int monthly = c->prog_of[lk->program] >= 0 && c->monthly[c->prog_of[lk->program]];

	cell->first = (uint32_t)c->nids;
	cell->bfirst = (uint32_t)c->nbases;
	leaf_chains(c, lk, &ch);
	for (a = 0; a < ch.nregion; a++)
	for (b = 0; b < ch.nprog; b++)
	for (d = 0; d < ch.narea; d++)
	for (e = 0; e < ch.nperiod; e++)
	for (f = 0; f < ch.nfund; f++)
	for (h = 0; h < ch.nmode; h++) {
		int first = 0, last = -1;

		memset(&k, 0, sizeof(k));
		k.region_level = (uint8_t)ch.region[a];
		if (ch.region[a] != ALL_REGION) {
			memset(k.region, '0', 12);
			memcpy(k.region, lk->region, (size_t)region_digits(ch.region[a]));
		}
		k.program = (uint16_t)ch.prog[b];
		k.area = (uint8_t)ch.area[d];
		k.grain = (uint8_t)ch.period[e];
		if (k.grain != 255) {
			period_bounds(c->spec, k.grain, lk->ym, &first, &last);
			k.start = first;
		}
		k.funding = (uint16_t)ch.fund[f];
		k.mode = (uint16_t)ch.mode[h];
		cell_push(c, group_id(c, &k), monthly && k.grain != 255 && lk->ym == last);
		if (monthly && e == 0 && k.grain != 255 && c->spec->period.first >= 0)
			cell_push_base(c, base_id(c, &k));
	}
	cell->n = (uint32_t)c->nids - cell->first;
	cell->nb = (uint32_t)c->nbases - cell->bfirst;
}

static const struct cell *cell_of(struct gctx *c, const struct leaf *lk)
{
	struct cell_key ck;
	struct cell *cell, made;
	int added, digits = c->spec->region_level >= 0 ? region_digits(c->spec->region_level) : 0;

	memset(&ck, 0, sizeof(ck));
	memset(ck.region, '0', 12);
	memcpy(ck.region, lk->region, (size_t)digits);
	/* A dimension not grouped does not tell cells apart (the program
	 * always does: it decides whether the leaf is monthly). */
	ck.program = lk->program;
	ck.funding = c->spec->funding ? lk->funding : 0;
	ck.mode = c->spec->mode ? lk->mode : 0;
	ck.area = c->spec->area ? lk->area : 0;
	ck.ym = c->spec->period_grain >= 0 ? lk->ym : 0;
	cell = kset_put(&c->cell_index, &ck, &added);
	if (added) {
		/* filling may add groups but no cells: cell stays valid */
		cell_fill(c, lk, &made);
		memcpy(cell, &made, sizeof(made));
	}
	return cell;
}

/* Adds one leaf to every group it belongs to. A distinct count goes up
 * once per beneficiary: a group remembers the last one it counted, and
 * the leaves are visited beneficiary by beneficiary. */
static void add_leaf(struct gctx *c, const struct leaf *lk, struct touched *t)
{
	struct cell cell;
	uint32_t i, who = t->bene;
	int counted = lk->payments > 0 || lk->persons > 0;
	int grain = c->prog_of[lk->program] >= 0 ? c->grain[c->prog_of[lk->program]] : 0;
	/* the persons this leaf's beneficiary stands for: 1 when paid per
	 * person, else the persons of its payment */
	int64_t stands = grain ? lk->persons : 1;

	memcpy(&cell, cell_of(c, lk), sizeof(cell));
	for (i = 0; i < cell.n; i++) {
		struct group *g = &c->g[c->cell_ids[cell.first + i]];

		if (money_add(&g->person_times, lk->persons) ||
		    money_add(&g->household_times, lk->payments) ||
		    money_add(&g->amount, lk->amount)) {
			if (!c->overflow)
				c->overflow = (long)(g - c->g) + 1;
			continue;
		}
		/* A leaf counts its beneficiary only when something is left
		 * of it (a payment, or persons covered by a back-payment). */
		if (!counted)
			continue;
		if (g->seen_by != who) {
			g->seen_by = who;
			g->beneficiaries++;
		}
		if (g->cp_by != who) {
			g->cp_by = who;
			g->cp_max = g->cp_stock = g->cp_cur = 0;
		}
		if (stands > g->cp_max)
			g->cp_max = stands;
		if (c->cell_last[cell.first + i])
			g->cp_stock += stands;
		/* never fewer than its 期末 persons, so that 累计 >= 期末 */
		{
			int64_t now = g->cp_max > g->cp_stock ? g->cp_max : g->cp_stock;

			g->cum_persons += now - g->cp_cur;
			g->cp_cur = now;
		}
		if (grain == 1) {
			g->has_hh = 1;
			if (g->hh_by != who) {
				g->hh_by = who;
				g->cum_households++;
			}
		}
		if (lk->sex == 'F' && g->female_by != who) {
			g->female_by = who;
			g->female++;
		}
		if (lk->age >= 60 && g->elderly_by != who) {
			g->elderly_by = who;
			g->elderly++;
		}
		if (lk->age >= 0 && lk->age < 18 && g->minors_by != who) {
			g->minors_by = who;
			g->minors++;
		}
		if (c->cell_last[cell.first + i]) {
			g->stock_persons += lk->persons;
			if (g->stock_by != who) {
				g->stock_by = who;
				g->stock_households++;
			}
		}
	}
	if (!counted)
		return;
	for (i = 0; i < cell.nb; i++) {
		struct month_mark *mm;
		if (t->nmarks == t->markcap) {
			t->markcap = t->markcap ? t->markcap * 2 : 64;
			t->marks = xreallocarray(t->marks, t->markcap, sizeof(*t->marks));
		}
		mm = &t->marks[t->nmarks++];
		mm->base = c->cell_bases[cell.bfirst + i];
		mm->ym = lk->ym;
		mm->persons = lk->persons;
	}
}

static int cmp_mark(const void *a, const void *b)
{
	const struct month_mark *x = a, *y = b;

	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	return x->ym < y->ym ? -1 : x->ym > y->ym;
}

/* Adds a flow (entry or exit in month ym) to the base's groups at every
 * period level. */
static void add_flow(struct gctx *c, uint32_t base, int ym, int64_t persons,
		     int entry)
{
	int grain, first, last, gi = 0;
	int top = c->spec->period_grain == PG_PERIOD ? PG_PERIOD : PG_YEAR;
	size_t span = (size_t)(c->spec->period.last - c->spec->period.first + 1);
	size_t row;

	/* The groups of (base, month) are looked up once, then kept in a
	 * table with a row of span x FLOW_GRAINS ids per base. */
	if (base >= c->flow_rows) {
		size_t rows = c->flow_rows ? c->flow_rows : 64, i;
		while (rows <= base)
			rows *= 2;
		c->flow_ids = xreallocarray(c->flow_ids, rows * span * FLOW_GRAINS, sizeof(*c->flow_ids));
		for (i = c->flow_rows * span * FLOW_GRAINS; i < rows * span * FLOW_GRAINS; i++)
			c->flow_ids[i] = UINT32_MAX;
		c->flow_rows = rows;
	}
	row = ((size_t)base * span + (size_t)(ym - c->spec->period.first)) * FLOW_GRAINS;
	for (grain = c->spec->period_grain; grain <= top; grain++, gi++) {
		struct group *g;
		uint32_t id = c->flow_ids[row + gi];

		if (id == UINT32_MAX) {
			struct group_key k = c->base[base];
			k.grain = (uint8_t)grain;
			period_bounds(c->spec, grain, ym, &first, &last);
			k.start = first;
			/* group_id may move c->g: take the id before the address */
			id = group_id(c, &k);
			c->flow_ids[row + gi] = id;
		}
		g = &c->g[id];
		if (entry) {
			g->new_households++;
			g->new_persons += persons;
		} else {
			g->exit_households++;
			g->exit_persons += persons;
		}
	}
}

/*
 * 当月新增 / 当月退出 for one beneficiary: paid in a month and not the one
 * before (an entry), or paid in a month and not the one after (an exit,
 * counted in the month after). Only months inside the reporting period
 * whose neighbour is inside it too are judged: the period's first month
 * has no entries and its last month no exits to count.
 */
static void count_flows(struct gctx *c, struct touched *t)
{
	size_t i, k = 0;

	if (!t->nmarks)
		return;
	qsort(t->marks, t->nmarks, sizeof(*t->marks), cmp_mark);
	for (i = 0; i < t->nmarks; i++) {
		if (k && t->marks[k - 1].base == t->marks[i].base &&
		    t->marks[k - 1].ym == t->marks[i].ym)
			t->marks[k - 1].persons += t->marks[i].persons;
		else
			t->marks[k++] = t->marks[i];
	}
	for (i = 0; i < k; i++) {
		const struct month_mark *m = &t->marks[i];
		int prev = i && t->marks[i - 1].base == m->base &&
			   t->marks[i - 1].ym == m->ym - 1;
		int next = i + 1 < k && t->marks[i + 1].base == m->base &&
			   t->marks[i + 1].ym == m->ym + 1;
		if (!prev && m->ym > c->spec->period.first && m->ym <= c->spec->period.last)
			add_flow(c, m->base, m->ym, m->persons, 1);
		if (!next && m->ym >= c->spec->period.first && m->ym < c->spec->period.last)
			add_flow(c, m->base, m->ym + 1, m->persons, 0);
	}
	t->nmarks = 0;
}

/* The group one level up in dimension dim, or -1 at the top. */
static long parent_of(struct gctx *c, const struct group *g, int dim)
{
	struct group_key k = g->key;
	uint32_t *id;

	switch (dim) {
	case 0:
		if (k.region_level == ALL_REGION)
			return -1;
		if (k.region_level == 0) {
			k.region_level = ALL_REGION;
			memset(k.region, 0, 12);
		} else {
			k.region_level--;
			memset(k.region + region_digits(k.region_level), '0',
			       (size_t)(12 - region_digits(k.region_level)));
		}
		break;
	case 1: {
		const struct program *p, *parent;
		if (k.program == ALL16)
			return -1;
		p = &c->cat->p[k.program];
		parent = p->parent ? catalog_find(c->cat, p->parent) : NULL;
		k.program = parent ? (uint16_t)parent->order : ALL16;
		break;
	}
	case 2:
		if (k.area == ALL_AREA)
			return -1;
		k.area = ALL_AREA;
		break;
	case 3: {
		int first, last;
		if (k.grain == 255 || k.grain == PG_YEAR || k.grain == PG_PERIOD)
			return -1;
		k.grain++;
		period_bounds(c->spec, k.grain, k.start, &first, &last);
		k.start = first;
		break;
	}
	case 4:
		if (k.funding == ALL16)
			return -1;
		k.funding = ALL16;
		break;
	default:
		if (k.mode == ALL16)
			return -1;
		k.mode = ALL16;
		break;
	}
	id = kset_get(&c->index, &k);
	return id ? (long)*id : -2;
}

static void format_key(const struct gctx *c, const struct group_key *k,
		       struct sbuf *sb)
{
	static const char *const lv[] = { "province", "city", "county", "township", "village", "all" };
	char m[8], m2[8];

	sbuf_addf(sb, "%s,", lv[k->region_level]);
	if (k->region_level != ALL_REGION)
		sbuf_add(sb, k->region, 12);
	sbuf_addf(sb, ",%s,%s,", k->program == ALL16 ? "all" : c->cat->p[k->program].code,
		  k->area == ALL_AREA ? "all" : k->area ? "urban" : "rural");
	month_fmt(k->start, m);
	switch (k->grain) {
	case PG_MONTH:
		sbuf_adds(sb, m);
		break;
	case PG_QUARTER:
		sbuf_addf(sb, "%.4sQ%d", m, k->start % 12 / 3 + 1);
		break;
	case PG_YEAR:
		sbuf_addf(sb, "%.4s", m);
		break;
	case PG_PERIOD:
		month_fmt(c->spec->period.last, m2);
		sbuf_addf(sb, "%s..%s", m, m2);
		break;
	default:
		sbuf_adds(sb, "all");
	}
	sbuf_addc(sb, ',');
	if (k->funding == ALL16)
		sbuf_adds(sb, "all");
	else
		sbuf_add_csv(sb, c->ls->funding.s[k->funding], strlen(c->ls->funding.s[k->funding]));
	sbuf_addc(sb, ',');
	if (k->mode == ALL16)
		sbuf_adds(sb, "all");
	else
		sbuf_add_csv(sb, c->ls->modes.s[k->mode], strlen(c->ls->modes.s[k->mode]));
}

static const struct gctx *sort_gctx;

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = &sort_gctx->g[*(const uint32_t *)a];
	const struct group *y = &sort_gctx->g[*(const uint32_t *)b];
	struct sbuf sx, sy;
	int d;

	/* Rows sort by their printed key, so the file reads naturally and
	 * does not depend on hash order. */
	sbuf_init(&sx, 0);
	sbuf_init(&sy, 0);
	format_key(sort_gctx, &x->key, &sx);
	format_key(sort_gctx, &y->key, &sy);
	d = strcmp(sx.buf, sy.buf);
	sbuf_release(&sx);
	sbuf_release(&sy);
	return d;
}

static const char *const dim_names[6] = {
	"region", "program", "area", "period", "funding", "support_mode"
};

static int reconcile(struct gctx *c, struct group_stats *gs, struct rs_error *err)
{
	size_t i;
	int dim;

	for (i = 0; i < c->n; i++) {
		const struct group *g = &c->g[i];
		for (dim = 0; dim < 6; dim++) {
			long p = parent_of(c, g, dim);
			struct group *pg;
			if (p == -1)
				continue;
			if (p == -2) {
				struct sbuf sb;
				sbuf_init(&sb, 0);
				format_key(c, &g->key, &sb);
				rs_err(err, "reconciliation: group %s has no parent group", sb.buf);
				sbuf_release(&sb);
				return -1;
			}
			pg = &c->g[p];
			pg->kids[dim].n++;
			if (money_add(&pg->kids[dim].pt, g->person_times) ||
			    money_add(&pg->kids[dim].ht, g->household_times) ||
			    money_add(&pg->kids[dim].amount, g->amount)) {
				struct sbuf sb;
				sbuf_init(&sb, 0);
				format_key(c, &pg->key, &sb);
				rs_err(err, "group %s: the sum of its children's amounts or counts overflows a 64-bit integer; the input holds impossible amounts",
				       sb.buf);
				sbuf_release(&sb);
				return -1;
			}
			pg->kids[dim].dsum += g->beneficiaries;
			if (g->beneficiaries > pg->kids[dim].dmax)
				pg->kids[dim].dmax = g->beneficiaries;
			pg->kids[dim].ssum += g->stock_households;
			if (g->stock_households > pg->kids[dim].smax)
				pg->kids[dim].smax = g->stock_households;
			if (dim == 3) {
				int f1, l1, f2, l2;
				period_bounds(c->spec, g->key.grain, g->key.start, &f1, &l1);
				period_bounds(c->spec, pg->key.grain, pg->key.start, &f2, &l2);
				if (l1 == l2) {
					pg->kids[dim].last_stock = g->stock_households;
					pg->kids[dim].have_last = 1;
				}
			}
		}
	}
	for (i = 0; i < c->n; i++) {
		const struct group *g = &c->g[i];
		for (dim = 0; dim < 6; dim++) {
			const char *what = NULL;
			if (!g->kids[dim].n)
				continue;
			gs->checks++;
			if (g->person_times != g->kids[dim].pt)
				what = "人次 is not the sum of its parts";
			else if (g->household_times != g->kids[dim].ht)
				what = "户次 is not the sum of its parts";
			else if (g->amount != g->kids[dim].amount)
				what = "支出 is not the sum of its parts";
			else if (g->beneficiaries > g->kids[dim].dsum ||
				 g->beneficiaries < g->kids[dim].dmax)
				what = "保障人数 is not between its largest part and their sum";
			else if (dim != 3 &&
				 (g->stock_households > g->kids[dim].ssum ||
				  g->stock_households < g->kids[dim].smax))
				what = "期末 stock is not between its largest part and their sum";
			/* Stocks do not add over time: a period's stock is
			 * its last month's, whatever the months before. */
			else if (dim == 3 && g->kids[dim].have_last &&
				 g->stock_households != g->kids[dim].last_stock)
				what = "期末 stock is not its last month's";
			if (what) {
				struct sbuf sb;
				sbuf_init(&sb, 0);
				format_key(c, &g->key, &sb);
				rs_err(err, "reconciliation failed for group %s along %s: %s",
				       sb.buf, dim_names[dim], what);
				sbuf_release(&sb);
				return -1;
			}
		}
	}
	return 0;
}

int groups_write(const struct leafset *ls, const struct catalog *cat,
		 const struct group_spec *spec, const char *path,
		 struct group_stats *gs, struct rs_error *err)
{
	struct gctx c;
	uint32_t *order = NULL, *rows = NULL;
	struct touched t;
	struct rs_out out;
	struct sbuf line;
	size_t i, j, n = ls->n;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	memset(gs, 0, sizeof(*gs));
	c.ls = ls;
	c.cat = cat;
	c.spec = spec;
	sbuf_init(&line, 0);
	kset_init(&c.index, sizeof(struct group_key), sizeof(uint32_t), 4096);
	kset_init(&c.base_index, sizeof(struct group_key), sizeof(uint32_t), 1024);
	kset_init(&c.cell_index, sizeof(struct cell_key), sizeof(struct cell), 1024);
	c.prog_of = xcalloc(ls->programs.n + 1, sizeof(int));
	for (i = 0; i < ls->programs.n; i++) {
		const struct program *p = catalog_find(cat, ls->programs.s[i]);
		if (!p) {
			rs_err(err, "program '%s' is not in the catalog", ls->programs.s[i]);
			goto out;
		}
		c.prog_of[i] = p->order;
	}
	c.monthly = xcalloc(cat->n + 1, sizeof(int));
	c.grain = xcalloc(cat->n + 1, sizeof(int));
	for (i = 0; i < cat->n; i++) {
		c.monthly[i] = cat->p[i].recurrence == REC_MONTHLY;
		/* 0 per person, 1 per household, 2 either (临时救助) */
		c.grain[i] = !cat->p[i].grain ? 0 : !strcmp(cat->p[i].grain, "household") ? 1 :
			!strncmp(cat->p[i].grain, "household", 9) ? 2 : 0;
	}

	/* the leaves in beneficiary order, through an index */
	order = xreallocarray(NULL, n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sort_leaves = ls->leaves;
	qsort(order, n, sizeof(*order), cmp_by_bene);
	for (i = 0; i < n; i = j) {
		const unsigned char *bene = ls->leaves[order[i]].bene;
		t.bene++;
		for (j = i; j < n && !memcmp(ls->leaves[order[j]].bene, bene, 16); j++)
			add_leaf(&c, &ls->leaves[order[j]], &t);
		count_flows(&c, &t);
	}
	if (c.overflow) {
		struct sbuf sb;
		sbuf_init(&sb, 0);
		format_key(&c, &c.g[c.overflow - 1].key, &sb);
		rs_err(err, "group %s: its amount or count sum overflows a 64-bit integer (over 92,233,720,368,547,758.07 yuan); the input holds impossible amounts",
		       sb.buf);
		sbuf_release(&sb);
		goto out;
	}
	gs->groups = c.n;
	if (reconcile(&c, gs, err))
		goto out;

	rows = xcalloc(c.n ? c.n : 1, sizeof(*rows));
	for (i = 0; i < c.n; i++)
		rows[i] = (uint32_t)i;
	sort_gctx = &c;
	qsort(rows, c.n, sizeof(*rows), cmp_group);
	if (rs_out_open(&out, path, 0644, err))
		goto out;
	rs_out_puts(&out, "region_level,region_code,program,area,period,funding,support_mode,"
		    "person_times,household_times,beneficiaries,stock_persons,stock_households,amount,"
		    "female,elderly,minors,new_households,new_persons,exit_households,exit_persons,"
		    "cum_households,cum_persons\n");
	for (i = 0; i < c.n; i++) {
		const struct group *g = &c.g[rows[i]];
		char money[32];
		sbuf_reset(&line);
		format_key(&c, &g->key, &line);
		sbuf_addf(&line, ",%lld,%lld,%lld,%lld,%lld,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,",
			  (long long)g->person_times, (long long)g->household_times,
			  (long long)g->beneficiaries, (long long)g->stock_persons,
			  (long long)g->stock_households, money_fmt_yuan(g->amount, money),
			  (long long)g->female, (long long)g->elderly, (long long)g->minors,
			  (long long)g->new_households, (long long)g->new_persons,
			  (long long)g->exit_households, (long long)g->exit_persons);
		if (g->has_hh)
			sbuf_addf(&line, "%lld", (long long)g->cum_households);
		sbuf_addf(&line, ",%lld\n", (long long)g->cum_persons);
		rs_out_write(&out, line.buf, line.len);
	}
	if (rs_out_commit(&out, err))
		goto out;
	ret = 0;
out:
	free(order);
	free(rows);
	free(t.marks);
	free(c.flow_ids);
	free(c.cell_ids);
	free(c.cell_last);
	free(c.cell_bases);
	kset_release(&c.cell_index);
	free(c.base);
	kset_release(&c.base_index);
	free(c.g);
	free(c.prog_of);
	free(c.monthly);
	free(c.grain);
	kset_release(&c.index);
	sbuf_release(&line);
	return ret;
}
