/*
 * aggregate.c - build the leaf-grain aggregate (see aggregate.h).
 *
 * Records are folded into a hash set keyed by (region, program, area,
 * month, funding, support mode, beneficiary); memory is the number of
 * distinct keys. The leaves are then sorted column by column, bytewise, so
 * the same records always give the same file, and rs-merge of any split
 * gives that file too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "groups.h"
#include "leaf.h"
#include "canon.h"
#include "fileio.h"
#include "kset.h"
#include "money.h"
#include "period.h"
#include "xalloc.h"

uint16_t strtab_intern(struct strtab *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->s[i], s))
			return (uint16_t)i;
	t->s = xreallocarray(t->s, t->n + 1, sizeof(*t->s));
	t->s[t->n] = xstrdup(s);
	return (uint16_t)t->n++;
}

void strtab_release(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
}

/*
 * A reversal nets against the leaf of the payment it cancels. Usually
 * that leaf has the reversal's own key; when the export gave the reversal
 * another funding label, support mode, area or region, the payment's leaf
 * is found after all records are read, by (beneficiary, program, month).
 */
struct pending {
	struct leaf_key key;
	int32_t covers_first, covers_last;
	int64_t persons, amount;
	long target;             /* index into targets, -1 while unmatched */
};

struct ctx {
	struct leafset ls;
	long rows;
	struct pending *pend;
	size_t npend, pendcap;
};

/* Cancels a payment on leaf v (and its covered months): the count, the
 * persons, the money. */
static void apply_reversal(struct leafset *ls, const struct leaf_key *at,
			   struct leaf_val *v, int cf, int cl, int64_t persons,
			   int64_t amount)
{
	struct leaf_key k = *at;
	int ym, added;

	v->payments--;
	v->amount += amount;
	if (cf < 0) {
		v->persons -= persons;
		return;
	}
	for (ym = cf; ym <= cl; ym++) {
		struct leaf_val *cv;
		k.ym = ym;
		cv = kset_put(&ls->leaves, &k, &added);
		cv->persons -= persons;
	}
}

static int on_record(const struct record *r, const struct csv_row *row,
		     void *vctx, struct rs_error *err)
{
	struct ctx *c = vctx;
	struct leaf_key k;
	struct leaf_val *v;
	int added;

	(void)row;
	if (c->ls.programs.n >= 65535 || c->ls.funding.n >= 65535 || c->ls.modes.n >= 65535)
		return rs_err(err, "more than 65535 distinct programs or funding labels");
	memset(&k, 0, sizeof(k));
	memcpy(k.region, r->region, 12);
	k.program = strtab_intern(&c->ls.programs, r->program);
	k.funding = strtab_intern(&c->ls.funding, r->funding);
	k.mode = strtab_intern(&c->ls.modes, r->support_mode);
	k.area = !strcmp(r->area, "urban");
	k.ym = r->ym;
	memcpy(k.bene, r->beneficiary, 32);
	v = kset_put(&c->ls.leaves, &k, &added);
	if (added) {
		v->age = (int16_t)r->age;
		v->sex = r->sex;
	}
	c->rows++;
	switch (r->kind) {
	case RK_REVERSAL:
		if (v->payments > 0) {
			apply_reversal(&c->ls, &k, v, r->covers_first, r->covers_last,
				       r->persons, r->amount);
			break;
		}
		if (c->npend == c->pendcap) {
			c->pendcap = c->pendcap ? c->pendcap * 2 : 64;
			c->pend = xreallocarray(c->pend, c->pendcap, sizeof(*c->pend));
		}
		c->pend[c->npend].key = k;
		c->pend[c->npend].covers_first = r->covers_first;
		c->pend[c->npend].covers_last = r->covers_last;
		c->pend[c->npend].persons = r->persons;
		c->pend[c->npend].amount = r->amount;
		c->pend[c->npend].target = -1;
		c->npend++;
		break;
	case RK_BACKPAY: {
		/* the money and the payment in the month it was paid, the
		 * persons in each month it covers */
		int ym;
		v->payments++;
		v->amount += r->amount;
		for (ym = r->covers_first; ym <= r->covers_last; ym++) {
			k.ym = ym;
			v = kset_put(&c->ls.leaves, &k, &added);
			if (added) {
				v->age = (int16_t)r->age;
				v->sex = r->sex;
			}
			v->persons += r->persons;
		}
		break;
	}
	default:
		v->payments++;
		v->persons += r->persons;
		v->amount += r->amount;
	}
	return 0;
}

struct match_key {
	char bene[32];
	uint16_t program;
	int32_t ym;
} __attribute__((packed));

/* Nets the reversals whose own key found no payment: one pass over the
 * leaves finds a payment of the same beneficiary, program and month. */
static void settle_pending(struct ctx *c)
{
	struct kset idx;
	struct leaf_key *targets;
	size_t i, it = 0, nt = 0;
	const void *key;
	void *val;

	if (!c->npend)
		return;
	kset_init(&idx, sizeof(struct match_key), sizeof(uint32_t), c->npend);
	for (i = 0; i < c->npend; i++) {
		struct match_key mk;
		uint32_t *first;
		int added;
		memset(&mk, 0, sizeof(mk));
		memcpy(mk.bene, c->pend[i].key.bene, 32);
		mk.program = c->pend[i].key.program;
		mk.ym = c->pend[i].key.ym;
		first = kset_put(&idx, &mk, &added);
		if (added)
			*first = (uint32_t)i;
	}
	targets = xcalloc(c->npend, sizeof(*targets));
	while ((key = kset_next(&c->ls.leaves, &it, &val))) {
		const struct leaf_key *lk = key;
		const struct leaf_val *lv = val;
		struct match_key mk;
		uint32_t *first;
		memset(&mk, 0, sizeof(mk));
		memcpy(mk.bene, lk->bene, 32);
		mk.program = lk->program;
		mk.ym = lk->ym;
		if (lv->payments <= 0 || !(first = kset_get(&idx, &mk)))
			continue;
		for (i = *first; i < c->npend; i++) {
			struct pending *p = &c->pend[i];
			if (p->target >= 0 || memcmp(p->key.bene, lk->bene, 32) ||
			    p->key.program != lk->program || p->key.ym != lk->ym)
				continue;
			targets[nt] = *lk;
			p->target = (long)nt++;
			break;
		}
	}
	/* Applied after the scan: netting may add covered-month leaves,
	 * which must not happen while the set is being walked. */
	for (i = 0; i < c->npend; i++) {
		struct pending *p = &c->pend[i];
		const struct leaf_key *at = p->target >= 0 ? &targets[p->target] : &p->key;
		int added;
		struct leaf_val *v = kset_put(&c->ls.leaves, at, &added);
		apply_reversal(&c->ls, at, v, p->covers_first, p->covers_last,
			       p->persons, p->amount);
	}
	free(targets);
	kset_release(&idx);
}

static const struct ctx *sort_ctx;

static int cmp_leaf(const void *a, const void *b)
{
	const struct leaf_key *x = *(const struct leaf_key *const *)a;
	const struct leaf_key *y = *(const struct leaf_key *const *)b;
	int d;

	if ((d = memcmp(x->region, y->region, 12)))
		return d;
	if (x->program != y->program &&
	    (d = strcmp(sort_ctx->ls.programs.s[x->program], sort_ctx->ls.programs.s[y->program])))
		return d;
	if (x->area != y->area)
		return x->area < y->area ? -1 : 1;
	if (x->ym != y->ym)
		return x->ym < y->ym ? -1 : 1;
	if (x->funding != y->funding &&
	    (d = strcmp(sort_ctx->ls.funding.s[x->funding], sort_ctx->ls.funding.s[y->funding])))
		return d;
	if (x->mode != y->mode &&
	    (d = strcmp(sort_ctx->ls.modes.s[x->mode], sort_ctx->ls.modes.s[y->mode])))
		return d;
	return memcmp(x->bene, y->bene, 32);
}


int aggregate_run(const struct aggregate_opts *ao, struct aggregate_stats *st,
		  struct rs_error *err)
{
	struct ctx c;
	struct rs_out o;
	struct sbuf line;
	const struct leaf_key **order = NULL;
	size_t i, n = 0, it = 0;
	const void *key;
	void *val;
	int ret = 1;

	memset(&c, 0, sizeof(c));
	sbuf_init(&line, 0);
	kset_init(&c.ls.leaves, sizeof(struct leaf_key), sizeof(struct leaf_val), 1 << 16);
	for (i = 0; i < ao->ninputs; i++)
		if (record_read(ao->inputs[i], on_record, &c, NULL, err))
			goto out;
	settle_pending(&c);
	order = xcalloc(c.ls.leaves.n ? c.ls.leaves.n : 1, sizeof(*order));
	/* A payment cancelled by its reversal leaves nothing behind. */
	while ((key = kset_next(&c.ls.leaves, &it, &val))) {
		const struct leaf_val *lv = val;
		if (lv->payments || lv->persons || lv->amount)
			order[n++] = key;
	}
	sort_ctx = &c;
	qsort(order, n, sizeof(*order), cmp_leaf);
	if (ao->groups && groups_write(&c.ls, ao->cat, ao->spec, ao->groups,
				       &st->groups, err))
		goto out;
	if (rs_out_open(&o, ao->out, 0644, err))
		goto out;
	rs_out_puts(&o, AGG_HEADER "\n");
	for (i = 0; i < n; i++) {
		const struct leaf_key *k = order[i];
		const struct leaf_val *v = kset_get(&c.ls.leaves, k);
		const char *f = c.ls.funding.s[k->funding], *m = c.ls.modes.s[k->mode];
		char month[8], money[32];

		month_fmt(k->ym, month);
		sbuf_reset(&line);
		sbuf_add(&line, k->region, 12);
		sbuf_addc(&line, ',');
		sbuf_adds(&line, c.ls.programs.s[k->program]);
		sbuf_addf(&line, ",%s,%s,", k->area ? "urban" : "rural", month);
		sbuf_add_csv(&line, f, strlen(f));
		sbuf_addc(&line, ',');
		sbuf_add_csv(&line, m, strlen(m));
		sbuf_addc(&line, ',');
		sbuf_add(&line, k->bene, 32);
		sbuf_addc(&line, ',');
		if (v->sex)
			sbuf_addc(&line, v->sex);
		sbuf_addc(&line, ',');
		if (v->age >= 0)
			sbuf_addf(&line, "%d", v->age);
		sbuf_addf(&line, ",%lld,%lld,%s\n", (long long)v->payments,
			  (long long)v->persons, money_fmt_yuan(v->amount, money));
		rs_out_write(&o, line.buf, line.len);
	}
	if (rs_out_commit(&o, err))
		goto out;
	st->rows_read = c.rows;
	st->keys = (long)n;
	ret = 0;
out:
	free(order);
	free(c.pend);
	kset_release(&c.ls.leaves);
	strtab_release(&c.ls.programs);
	strtab_release(&c.ls.funding);
	strtab_release(&c.ls.modes);
	sbuf_release(&line);
	return ret;
}
