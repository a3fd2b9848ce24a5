/*
 * extras.c - the truth of an --extras export: reversals (冲正), corrected
 * payments, back-pay (补发), 当月新增/当月退出, the 其中 lines of 保障人数 and
 * public against other money.
 *
 * The truth follows README ("Reversals and back-pay", "Grouped measures")
 * row by row in file order, as rs-validate and rs-aggregate must:
 *  - a payment counts 户次 1, its persons and its amount; a second payment of
 *    the same (beneficiary, program, month) still standing is a duplicate;
 *  - a reversal cancels the standing payment of its (beneficiary, program,
 *    month): 户次 -1, its persons and its (negative) amount; with none
 *    standing it is an unmatched_reversal; a corrected payment may follow;
 *  - a back-payment counts 户次 1 and its amount in the month paid and its
 *    persons in each month it covers; only another back-payment of the same
 *    month duplicates it.
 * A beneficiary counts in a month when something is left there (a payment
 * standing, a back-payment paid, or a month covered): it is then also "in
 * payment" for the flows (entries and exits), with the persons left there.
 * Its age on a payment is its age at the month paid (a covered month's, the
 * back-payment's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "xalloc.h"

struct pend {
	struct row r;
	uint64_t due;           /* written when e->written reaches it */
};

struct flow {
	uint64_t new_h, new_p, exit_h, exit_p;
};

enum { MONEY_PUBLIC, MONEY_CHARITY, MONEY_HOLIDAY, MONEY_DONATION, MONEY_N };

struct xtruth {
	struct pend *pend;      /* queued, in the order queued */
	size_t npend, cap;
	uint64_t valid, dups, dup_backpays, unmatched;
	uint64_t rows[RT_N];    /* rows of each type that are not defects */
	int64_t money[MONEY_N];
	struct flow *flows;     /* [county][program][area][month 0..11] */
	uint64_t (*of)[4];      /* [county][program]: persons, F, 60+, <18 */
};

void gen_x_init(struct emitter *e)
{
	size_t nc = e->rg->ncounty;

	e->x = xcalloc(1, sizeof(*e->x));
	e->x->flows = xcalloc(nc * GP_N * GA_N * 12, sizeof(*e->x->flows));
	e->x->of = xcalloc(nc * GP_N, sizeof(*e->x->of));
}

void gen_x_release(struct emitter *e)
{
	if (!e->x)
		return;
	free(e->x->pend);
	free(e->x->flows);
	free(e->x->of);
	free(e->x);
	e->x = NULL;
}

int gen_x_pending(struct emitter *e, struct row *r, int flush)
{
	struct xtruth *x = e->x;
	size_t i, best = 0;

	if (!x->npend)
		return 0;
	for (i = 1; i < x->npend; i++)
		if (x->pend[i].due < x->pend[best].due)
			best = i;
	if (!flush && x->pend[best].due > e->written)
		return 0;
	*r = x->pend[best].r;
	memmove(&x->pend[best], &x->pend[best + 1],
		(x->npend - best - 1) * sizeof(*x->pend));
	x->npend--;
	return 1;
}

static void queue(struct emitter *e, const struct row *after, int type)
{
	struct xtruth *x = e->x;
	struct pend *q;

	if (x->npend == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		x->pend = xreallocarray(x->pend, x->cap, sizeof(*x->pend));
	}
	q = &x->pend[x->npend++];
	q->r = *after;
	q->r.type = (uint8_t)type;
	q->due = e->written + 1 + gen_rng_below(e->rng, 400);
}

void gen_x_after(struct emitter *e, const struct row *r)
{
	const struct gen_person *p = &e->pop->p[r->person];

	e->x->rows[r->type]++;
	if (r->type == RT_PAY && p->rev == r->month)
		queue(e, r, RT_REV);
	else if (r->type == RT_REV && (p->revfl & GEN_REV_CORRECTED))
		queue(e, r, RT_CORR);
	else if (r->type == RT_REV && (p->revfl & GEN_REV_TWICE))
		queue(e, r, RT_REV2);
}

static struct group *group_of(struct emitter *e, const struct gen_person *p)
{
	const struct gen_village *v = &e->rg->v[p->village];

	return &e->groups[((size_t)v->county * GP_N + p->prog) * GA_N + p->area];
}

int gen_x_count(struct emitter *e, const struct row *r)
{
	struct xtruth *x = e->x;
	struct gen_person *p = &e->pop->p[r->person];
	struct group *g = group_of(e, p);
	unsigned bit = 1u << (r->month - 1), n;
	int64_t fen = gen_row_amount(e, r);

	switch (r->type) {
	case RT_PAY:
	case RT_CORR:
		if (p->active & bit) {
			x->dups++;
			return 0;
		}
		p->active |= (uint16_t)bit;
		g->person_times += p->persons;
		g->household_times++;
		break;
	case RT_BACKPAY:
		if (p->bpaid & bit) {
			x->dups++;
			x->dup_backpays++;
			return 0;
		}
		p->bpaid |= (uint16_t)bit;
		n = (unsigned)(p->start - p->bpfirst);
		p->covered |= (uint16_t)(((1u << n) - 1) << (p->bpfirst - 1));
		g->person_times += (uint64_t)n * p->persons;
		g->household_times++;
		break;
	default:        /* a reversal */
		if (!(p->active & bit)) {
			x->unmatched++;
			return 0;
		}
		p->active &= (uint16_t)~bit;
		g->person_times -= p->persons;
		g->household_times--;
		break;
	}
	g->amount_fen += fen;
	x->money[p->prog == GP_CHARITY ? MONEY_CHARITY :
		 p->prog == GP_HOLIDAY ? MONEY_HOLIDAY :
		 p->funding == GEN_FUND_DONATION ? MONEY_DONATION :
		 MONEY_PUBLIC] += fen;
	x->valid++;
	return 1;
}

void gen_x_finish(struct emitter *e, uint64_t *valid, uint64_t *dups,
		  uint64_t *unmatched)
{
	struct xtruth *x = e->x;
	size_t i;

	for (i = 0; i < e->pop->n; i++) {
		const struct gen_person *p = &e->pop->p[i];
		const struct gen_village *v = &e->rg->v[p->village];
		size_t gi = (size_t)v->county * GP_N + p->prog;
		unsigned paid = p->active | p->bpaid;
		unsigned left = paid | p->covered;
		int m, lo, hi;

		if (!left)
			continue;
		group_of(e, p)->beneficiaries++;
		for (lo = 1; !(paid & (1u << (lo - 1))); lo++)
			;
		for (hi = 12; !(paid & (1u << (hi - 1))); hi--)
			;
		x->of[gi][0]++;
		x->of[gi][1] += (p->id[16] - '0') % 2 == 0;
		x->of[gi][2] += gen_person_age(p, e->o->year, hi) >= 60;
		x->of[gi][3] += gen_person_age(p, e->o->year, lo) < 18;
		if (!gen_prog_monthly(p->prog))
			continue;
		for (m = 1; m <= 12; m++) {
			struct flow *f = &x->flows[(gi * GA_N + p->area) * 12];
			unsigned persons = 0;

			if (!(left & (1u << (m - 1))))
				continue;
			if (p->active & (1u << (m - 1)))
				persons += p->persons;
			if (p->covered & (1u << (m - 1)))
				persons += p->persons;
			if (m > 1 && !(left & (1u << (m - 2)))) {
				f[m - 1].new_h++;
				f[m - 1].new_p += persons;
			}
			if (m < 12 && !(left & (1u << m))) {
				f[m].exit_h++;
				f[m].exit_p += persons;
			}
		}
	}
	*valid = x->valid;
	*dups = x->dups;
	*unmatched = x->unmatched;
}

void gen_x_write(struct emitter *e, struct gen_out *t)
{
	struct xtruth *x = e->x;
	int pord[GP_N], aord[GA_N], pi, ai, m, first;
	size_t c;

	gen_order_by_name(pord, gen_prog_code, GP_N);
	gen_order_by_name(aord, gen_area_code, GA_N);
	gen_outf(t, ",\n \"flows\": [");
	first = 1;
	for (c = 0; c < e->rg->ncounty; c++)
		for (pi = 0; pi < GP_N; pi++)
			for (ai = 0; ai < GA_N; ai++)
				for (m = 1; m <= 12; m++) {
					const struct flow *f = &x->flows[
						((c * GP_N + (size_t)pord[pi]) * GA_N +
						 (size_t)aord[ai]) * 12 + (size_t)m - 1];

					if (!f->new_h && !f->exit_h)
						continue;
					gen_outf(t, "%s\n  {\n   \"county\": \"%s\",\n"
						 "   \"program\": \"%s\",\n"
						 "   \"area\": \"%s\",\n"
						 "   \"month\": \"%d-%02d\",\n"
						 "   \"new_households\": %llu,\n"
						 "   \"new_persons\": %llu,\n"
						 "   \"exit_households\": %llu,\n"
						 "   \"exit_persons\": %llu\n  }",
						 first ? "" : ",", e->rg->county[c],
						 gen_prog_code[pord[pi]],
						 gen_area_code[aord[ai]], e->o->year, m,
						 (unsigned long long)f->new_h,
						 (unsigned long long)f->new_p,
						 (unsigned long long)f->exit_h,
						 (unsigned long long)f->exit_p);
					first = 0;
				}
	gen_outf(t, "%s],\n \"of_which\": [", first ? "" : "\n ");
	first = 1;
	for (c = 0; c < e->rg->ncounty; c++)
		for (pi = 0; pi < GP_N; pi++) {
			const uint64_t *o = x->of[c * GP_N + (size_t)pord[pi]];

			if (!o[0])
				continue;
			gen_outf(t, "%s\n  {\n   \"county\": \"%s\",\n"
				 "   \"program\": \"%s\",\n"
				 "   \"beneficiaries\": %llu,\n"
				 "   \"female\": %llu,\n"
				 "   \"elderly\": %llu,\n"
				 "   \"minors\": %llu\n  }",
				 first ? "" : ",", e->rg->county[c],
				 gen_prog_code[pord[pi]],
				 (unsigned long long)o[0], (unsigned long long)o[1],
				 (unsigned long long)o[2], (unsigned long long)o[3]);
			first = 0;
		}
	gen_outf(t, "%s],\n \"public_money\": {\n"
		 "  \"public_amount_fen\": %lld,\n"
		 "  \"other_amount_fen\": %lld,\n"
		 "  \"charity_aid_fen\": %lld,\n"
		 "  \"holiday_visit_fen\": %lld,\n"
		 "  \"donation_fen\": %lld\n },\n",
		 first ? "" : "\n ", (long long)x->money[MONEY_PUBLIC],
		 (long long)(x->money[MONEY_CHARITY] + x->money[MONEY_HOLIDAY] +
			     x->money[MONEY_DONATION]),
		 (long long)x->money[MONEY_CHARITY],
		 (long long)x->money[MONEY_HOLIDAY],
		 (long long)x->money[MONEY_DONATION]);
	gen_outf(t, " \"extras\": {\n"
		 "  \"payments\": %llu,\n"
		 "  \"reversals\": %llu,\n"
		 "  \"corrected_payments\": %llu,\n"
		 "  \"second_reversals\": %llu,\n"
		 "  \"reversals_of_unpaid_months\": %llu,\n"
		 "  \"backpays\": %llu,\n"
		 "  \"backpay_duplicates\": %llu\n }",
		 (unsigned long long)x->rows[RT_PAY],
		 (unsigned long long)x->rows[RT_REV],
		 (unsigned long long)x->rows[RT_CORR],
		 (unsigned long long)x->rows[RT_REV2],
		 (unsigned long long)x->rows[RT_UNMATCHED],
		 (unsigned long long)x->rows[RT_BACKPAY],
		 (unsigned long long)x->dup_backpays);
}
