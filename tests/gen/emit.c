/*
 * emit.c - streams the export row by row and keeps its truth.
 *
 * Valid rows come month by month, each month's payments in a shuffled
 * order. Defect rows are planted at positions chosen by selection sampling
 * (Knuth's algorithm S), so exactly round(rows x defects) of them are spread
 * evenly over the file, and their kinds are drawn so that each kind gets
 * its even share. A defect row copies a recent valid row and breaks exactly
 * one thing, chosen so that the row fails that check and no earlier one in
 * SPEC.md section 3; a planted duplicate is an exact copy of an earlier
 * valid row under a new 序号. Row 1 is always valid when any row is, so a
 * duplicate always has an original before it.
 *
 * With --extras (extras.c keeps the truth), each month's list also holds
 * the back-payments and unmatched reversals of that month; a reversal is
 * queued when the payment it cancels is written and comes out a few
 * hundred rows later (perhaps in a later month's stretch), and a corrected
 * payment or a second reversal likewise after the reversal. A planted
 * duplicate copies a payment that is never reversed, or a back-payment;
 * the truth counts every copy as what it turns out to be.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "xalloc.h"

const char *const gen_defect_code[GD_N] = {
	"malformed_line", "missing_field", "bad_id", "bad_amount",
	"negative_amount", "bad_period", "unknown_program", "unknown_region",
	"period_out_of_range", "duplicate_payment",
};

static const char header[] =
	"序号,行政区划代码,乡镇（街道）,村（社区）,户主姓名,身份证号码,"
	"救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,"
	"资金来源,发放方式,备注";

#define ROW_MAX 1024    /* far above the longest row the generator writes */

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_u(char *p, uint64_t v)
{
	char t[20];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *put_2d(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_money(char *p, int64_t fen)
{
	p = put_u(p, (uint64_t)(fen / 100));
	*p++ = '.';
	return put_2d(p, (unsigned)(fen % 100));
}

static void list_add(struct emitter *e, size_t person, int type)
{
	struct row *r = &e->list[e->nlist++];

	r->person = (uint32_t)person;
	r->month = (uint8_t)e->month;
	r->type = (uint8_t)type;
}

/* An unmatched reversal of a month that is paid comes before the
 * payment in this month's list. */
static void reversals_first(struct emitter *e)
{
	size_t i;

	for (i = 0; i < e->nlist; i++)
		if (e->list[i].type == RT_PAY)
			e->at[e->list[i].person] = (uint32_t)i;
	for (i = 0; i < e->nlist; i++) {
		const struct row *r = &e->list[i];
		const struct gen_person *p = &e->pop->p[r->person];
		uint32_t j;
		struct row t;

		if (r->type != RT_UNMATCHED || r->month < p->start ||
		    r->month >= p->start + p->dur)
			continue;
		j = e->at[r->person];
		if (j < i) {
			t = e->list[i];
			e->list[i] = e->list[j];
			e->list[j] = t;
		}
	}
}

/* The next row that is not a planted defect: a queued reversal or
 * correction when due, else the next of this month's rows (moving on to
 * the next month when they are used up). Returns 0, or -1 when all rows
 * are written. */
static int next_valid(struct emitter *e, struct row *r)
{
	int x = e->o->extras;

	if (x && gen_x_pending(e, r, 0))
		return 0;
	while (e->pos == e->nlist) {
		size_t i;

		if (e->month == 12)
			return x && gen_x_pending(e, r, 1) ? 0 : -1;
		e->month++;
		e->nlist = e->pos = 0;
		for (i = 0; i < e->pop->n; i++) {
			const struct gen_person *p = &e->pop->p[i];

			if (p->start <= e->month && e->month < p->start + p->dur)
				list_add(e, i, RT_PAY);
			if (x && p->bp == e->month)
				list_add(e, i, RT_BACKPAY);
			if (x && p->um == e->month)
				list_add(e, i, RT_UNMATCHED);
		}
		for (i = e->nlist; i > 1; i--) {
			uint32_t j = gen_rng_below(e->rng, (uint32_t)i);
			struct row t;

			t = e->list[i - 1];
			e->list[i - 1] = e->list[j];
			e->list[j] = t;
		}
		if (x)
			reversals_first(e);
	}
	*r = e->list[e->pos++];
	return 0;
}

int64_t gen_row_amount(const struct emitter *e, const struct row *r)
{
	const struct gen_person *p = &e->pop->p[r->person];
	int y = e->o->year, m;
	int64_t fen = gen_person_amount(p, y, r->month);
	int over = p->rev == r->month && (p->revfl & GEN_REV_CORRECTED);

	switch (r->type) {
	case RT_PAY:
		return fen + (over ? GEN_REV_DELTA : 0);
	case RT_REV:
	case RT_REV2:
		return -(fen + (over ? GEN_REV_DELTA : 0));
	case RT_UNMATCHED:
		return -fen;
	case RT_BACKPAY:
		for (fen = 0, m = p->bpfirst; m < p->start; m++)
			fen += gen_person_amount(p, y, m);
		return fen;
	default:        /* RT_CORR */
		return fen;
	}
}

static char *put_month(char *p, int year, int month)
{
	p = put_u(p, (uint64_t)year);
	*p++ = '-';
	return put_2d(p, (unsigned)month);
}

/*
 * Writes one row; kind is a gen_defect to plant, or GD_N for a row that is
 * not a planted defect. A duplicate prints exactly like its original;
 * other defects break a plain payment.
 */
static void write_row(struct emitter *e, uint64_t seqno, const struct row *rr,
		      int kind)
{
	struct row plain = *rr;
	const struct row *r = kind == GD_N || kind == GD_DUPLICATE_PAYMENT ?
		rr : (plain.type = RT_PAY, &plain);
	const struct gen_person *pp = &e->pop->p[r->person];
	const struct gen_village *v = &e->rg->v[pp->village];
	int64_t fen = gen_row_amount(e, r);
	uint64_t k = kind < GD_N ? e->nth[kind]++ : 0;
	char *p = gen_out_space(e->out, ROW_MAX), *end[16];
	int nf = 0;

#define NEXT() (end[nf++] = p, *p++ = ',')
	p = put_u(p, seqno);
	NEXT();
	p = put(p, kind == GD_UNKNOWN_REGION ? v->bad_code : v->code);
	NEXT();
	p = put(p, v->township);
	NEXT();
	p = put(p, v->name);
	NEXT();
	p = put(p, gen_surname(pp->sur));
	p = put(p, gen_given(pp->given1));
	if (pp->given2 != 0xff)
		p = put(p, gen_given(pp->given2));
	NEXT();
	if (kind == GD_MISSING_FIELD) {
		/* empty: the one required field that is missing */
	} else if (kind == GD_BAD_ID && k % 2) {
		/* what a spreadsheet shows for an ID typed as a number */
		*p++ = pp->id[0];
		*p++ = '.';
		memcpy(p, pp->id + 1, 5);
		p = put(p + 5, "E+17");
	} else {
		memcpy(p, pp->id, 18);
		if (kind == GD_BAD_ID) {
			static const char ck[] = "0123456789X";
			const char *c = strchr(ck, p[17]);

			p[17] = ck[(c - ck + 1 + (long)(k / 2 % 10)) % 11];
		}
		p += 18;
	}
	NEXT();
	if (kind == GD_UNKNOWN_PROGRAM) {
		p = put(p, "__未知项目");
		p = put_u(p, k + 1);
	} else {
		p = put(p, gen_prog_label[pp->prog]);
	}
	NEXT();
	p = put(p, gen_area_label[pp->area]);
	NEXT();
	p = put_u(p, pp->hh);
	NEXT();
	p = put_u(p, pp->persons);
	NEXT();
	p = put_u(p, (uint64_t)(e->o->year - (kind == GD_PERIOD_OUT_OF_RANGE)));
	*p++ = '-';
	if (kind == GD_BAD_PERIOD)
		p = put(p, k % 2 ? "00" : "13");
	else
		p = put_2d(p, r->month);
	NEXT();
	if (kind == GD_BAD_AMOUNT && k % 2 == 0) {
		p = put(p, "abc");
	} else {
		if (kind == GD_NEGATIVE_AMOUNT || fen < 0)
			*p++ = '-';
		p = put_money(p, fen < 0 ? -fen : fen);
		if (kind == GD_BAD_AMOUNT)      /* a tenth of a fen */
			*p++ = (char)('1' + k / 2 % 9);
	}
	NEXT();
	p = put(p, gen_funding[pp->funding]);
	NEXT();
	p = put(p, "社会化发放");
	NEXT();
	/* 备注 is empty but for --extras rows; then 所属期 (--extras) */
	if (r->type == RT_REV || r->type == RT_REV2 || r->type == RT_UNMATCHED)
		p = put(p, "冲正");
	else if (r->type == RT_CORR)
		p = put(p, "更正后重发");
	else if (r->type == RT_BACKPAY)
		p = put(p, "补发");
	if (e->o->extras) {
		NEXT();
		if (r->type == RT_BACKPAY) {
			p = put_month(p, e->o->year, pp->bpfirst);
			if (pp->bpfirst + 1 < pp->start) {
				p = put(p, "..");
				p = put_month(p, e->o->year, pp->start - 1);
			}
		}
	}
	if (kind == GD_MALFORMED_LINE)
		p = end[4 + k % 10];    /* keep 5 .. 14 of the 15 (16) fields */
	*p++ = '\n';
#undef NEXT
	e->out->len = (size_t)(p - e->out->buf);
}

static void count_valid(struct emitter *e, const struct row *r)
{
	struct gen_person *pp = &e->pop->p[r->person];
	const struct gen_village *v = &e->rg->v[pp->village];
	struct group *g = &e->groups[((size_t)v->county * GP_N + pp->prog) *
				     GA_N + pp->area];

	g->person_times += pp->persons;
	g->household_times++;
	g->amount_fen += gen_person_amount(pp, e->o->year, r->month);
	if (!pp->seen) {
		pp->seen = 1;
		g->beneficiaries++;
	}
}

void gen_outf(struct gen_out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		gen_out_write(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
			      sizeof(buf) - 1);
}

/* Indexes 0..n-1 ordered by the strings they name. */
void gen_order_by_name(int *ord, const char *const *names, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		int x = ord[i] = i;

		for (j = i; j > 0 && strcmp(names[ord[j - 1]], names[x]) > 0; j--)
			ord[j] = ord[j - 1];
		ord[j] = x;
	}
}

/* The truth in the shape (and layout) of the shared exports' .truth.json. */
static void write_truth(struct emitter *e, struct gen_out *t, uint64_t valid,
			const uint64_t *rejects, uint64_t unmatched)
{
	const struct gen_opts *o = e->o;
	int pord[GP_N], aord[GA_N], first, pi, ai, k;
	size_t c;

	gen_order_by_name(pord, gen_prog_code, GP_N);
	gen_order_by_name(aord, gen_area_code, GA_N);
	gen_outf(t, "{\n \"profile\": \"gen-%llu-%llu\",\n \"year\": %d,\n"
	     " \"months\": [\n  1,\n  12\n ],\n \"valid_rows\": %llu,\n"
	     " \"rejects\": {",
	     (unsigned long long)o->seed, (unsigned long long)o->rows,
	     o->year, (unsigned long long)valid);
	for (first = 1, k = 0; k < GD_N; k++) {
		if (!rejects[k])
			continue;
		gen_outf(t, "%s\n  \"%s\": %llu", first ? "" : ",",
		     gen_defect_code[k], (unsigned long long)rejects[k]);
		first = 0;
	}
	if (unmatched) {
		gen_outf(t, "%s\n  \"unmatched_reversal\": %llu",
			 first ? "" : ",", (unsigned long long)unmatched);
		first = 0;
	}
	gen_outf(t, "%s},\n \"groups\": [", first ? "" : "\n ");
	first = 1;
	for (c = 0; c < e->rg->ncounty; c++)
		for (pi = 0; pi < GP_N; pi++)
			for (ai = 0; ai < GA_N; ai++) {
				const struct group *g = &e->groups[
					(c * GP_N + pord[pi]) * GA_N + aord[ai]];

				/* (with --extras, a group may net out) */
				if (!g->household_times && (!o->extras ||
				    (!g->person_times && !g->beneficiaries &&
				     !g->amount_fen)))
					continue;
				gen_outf(t, "%s\n  {\n   \"county\": \"%s\",\n"
				     "   \"program\": \"%s\",\n"
				     "   \"area\": \"%s\",\n"
				     "   \"person_times\": %llu,\n"
				     "   \"household_times\": %llu,\n"
				     "   \"beneficiaries\": %llu,\n"
				     "   \"amount_fen\": %lld\n  }",
				     first ? "" : ",", e->rg->county[c],
				     gen_prog_code[pord[pi]],
				     gen_area_code[aord[ai]],
				     (unsigned long long)g->person_times,
				     (unsigned long long)g->household_times,
				     (unsigned long long)g->beneficiaries,
				     (long long)g->amount_fen);
				first = 0;
			}
	gen_outf(t, "%s]", first ? "" : "\n ");
	if (o->extras)
		gen_x_write(e, t);
	gen_outf(t, "\n}");
}

/* Keeps r as an original for duplicates and a template for defects: with
 * --extras, only payments that stay (never reversed) and back-payments. */
static void keep(struct emitter *e, const struct row *r)
{
	const struct gen_person *p = &e->pop->p[r->person];

	if (e->o->extras && r->type == RT_BACKPAY) {
		e->bpring[e->bpringpos] = *r;
		e->bpringpos = (e->bpringpos + 1) % BPRING;
		if (e->nbpring < BPRING)
			e->nbpring++;
		return;
	}
	if (r->type == RT_PAY ? p->rev == r->month : r->type != RT_CORR)
		return;
	e->ring[e->ringpos] = *r;
	e->ringpos = (e->ringpos + 1) % RING;
	if (e->nring < RING)
		e->nring++;
}

int gen_run(const struct gen_opts *o, const struct gen_regions *rg,
	    struct rs_error *err)
{
	struct gen_population pop;
	struct gen_rng rng;
	struct gen_out csv, truth;
	struct emitter e;
	struct row r;
	uint64_t n = o->rows, d, valid, dleft, i;
	uint64_t left[GD_N] = { 0 }, planted[GD_N] = { 0 }, unmatched = 0;
	int kinds, k, ret = -1;

	memset(&csv, 0, sizeof(csv));
	memset(&truth, 0, sizeof(truth));
	memset(&e, 0, sizeof(e));
	d = (uint64_t)(o->defects * (double)n + 0.5);
	if (d > n)
		d = n;
	valid = n - d;
	/* Without a valid row there is nothing to duplicate. */
	kinds = valid ? GD_N : GD_N - 1;
	for (k = 0; k < kinds; k++)
		left[k] = d / (uint64_t)kinds + ((uint64_t)k < d % (uint64_t)kinds);

	gen_rng_seed(&rng, o->seed);
	if (gen_population_build(&pop, rg, o, valid, &rng, err) < 0)
		return -1;
	e.o = o;
	e.rg = rg;
	e.pop = &pop;
	e.rng = &rng;
	e.out = &csv;
	/* a payment, a back-payment and an unmatched reversal a month */
	e.list = xcalloc(pop.n * (o->extras ? 3 : 1), sizeof(*e.list));
	e.groups = xcalloc(rg->ncounty * GP_N * GA_N, sizeof(*e.groups));
	if (o->extras) {
		e.at = xcalloc(pop.n, sizeof(*e.at));
		gen_x_init(&e);
	}

	if (gen_out_open(&csv, o->out, err) < 0)
		goto out;
	if (o->truth && gen_out_open(&truth, o->truth, err) < 0)
		goto out;
	gen_out_write(&csv, header, sizeof(header) - 1);
	if (o->extras)
		gen_out_write(&csv, ",所属期", strlen(",所属期"));
	gen_out_write(&csv, "\n", 1);
	dleft = d;
	for (i = 0; i < n; i++) {
		uint64_t x;

		if (valid && (i == 0 ||
			      gen_rng_below(&rng, (uint32_t)(n - i)) >= dleft)) {
			if (next_valid(&e, &r) < 0) {
				rs_err(err, "internal error: valid rows ran out "
				       "at row %llu", (unsigned long long)i + 1);
				goto out;
			}
			write_row(&e, i + 1, &r, GD_N);
			if (o->extras) {
				e.written++;
				gen_x_count(&e, &r);
				gen_x_after(&e, &r);
			} else {
				count_valid(&e, &r);
			}
			keep(&e, &r);
			continue;
		}
		x = gen_rng_below(&rng, (uint32_t)dleft);
		for (k = 0; x >= left[k]; k++)
			x -= left[k];
		left[k]--;
		dleft--;
		planted[k]++;
		if (k == GD_DUPLICATE_PAYMENT && e.nbpring &&
		    e.nth[k] % 3 == 1) {        /* --extras: a back-payment */
			r = e.bpring[gen_rng_below(&rng, (uint32_t)e.nbpring)];
		} else if (e.nring) {
			r = e.ring[gen_rng_below(&rng, (uint32_t)e.nring)];
		} else {        /* no valid row at all: use the first person */
			r.person = 0;
			r.month = pop.p[0].start;
			r.type = RT_PAY;
		}
		write_row(&e, i + 1, &r, k);
		/* (the truth counts what the duplicate turns out to be) */
		if (o->extras && k == GD_DUPLICATE_PAYMENT) {
			planted[k]--;
			gen_x_count(&e, &r);
		}
	}
	if (next_valid(&e, &r) == 0) {
		rs_err(err, "internal error: valid rows left over");
		goto out;
	}
	if (o->extras)
		gen_x_finish(&e, &valid, &planted[GD_DUPLICATE_PAYMENT],
			     &unmatched);
	if (o->truth)
		write_truth(&e, &truth, valid, planted, unmatched);
	if (gen_out_commit(&csv, err) < 0)
		goto out;
	if (o->truth && gen_out_commit(&truth, err) < 0)
		goto out;
	rs_info("wrote %llu rows (%llu valid, %llu defects, %zu people) to '%s'",
		(unsigned long long)n, (unsigned long long)valid,
		(unsigned long long)d, pop.n, o->out);
	ret = 0;
out:
	gen_out_abort(&csv);
	gen_out_abort(&truth);
	free(e.list);
	free(e.groups);
	free(e.at);
	if (o->extras)
		gen_x_release(&e);
	gen_population_release(&pop);
	return ret;
}
