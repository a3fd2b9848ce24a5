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

struct ctx {
	struct leafset ls;
	long rows;
};

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
		/* cancels one payment: its count, its persons, its money */
		v->payments--;
		v->persons -= r->persons;
		v->amount += r->amount;
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
	kset_release(&c.ls.leaves);
	strtab_release(&c.ls.programs);
	strtab_release(&c.ls.funding);
	strtab_release(&c.ls.modes);
	sbuf_release(&line);
	return ret;
}
