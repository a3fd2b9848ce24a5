/*
 * validate.c - the validation loop (see validate.h).
 *
 * One pass in (source, line) order. Per-row rules run first; a row that
 * passes them all then meets the cross-row rules, whose state is a hash
 * set of (beneficiary, program, month) and (beneficiary, month) keys:
 * memory grows with the distinct keys of the run, never with its rows.
 */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kset.h"
#include "money.h"
#include "validate.h"
#include "xalloc.h"

/*
 * Cross-row state. Each distinct beneficiary gets a 4-byte index once (its
 * 16-byte pseudonym is stored a single time), and one slot per
 * (beneficiary, month) holds what both cross-row rules need: the program
 * families seen (conflict) and the first two programs paid (duplicate),
 * with the line of the first. A third program in one month, rare, goes to
 * an overflow set. A slot is 18 bytes, so with table slack the cost stays
 * near 40 bytes per distinct (beneficiary, program, month) key.
 */
#define NO_PROG 0xFFFF

struct dup_key {
	uint32_t bene;
	uint16_t prog;
	int32_t ym;
} __attribute__((packed));

struct month_key {
	uint32_t bene;
	int32_t ym;
} __attribute__((packed));

struct month_val {
	uint8_t fam;          /* families seen: bit 0 first, bit 1 second */
	uint16_t prog[2];     /* first two programs paid, NO_PROG when free */
	uint32_t line1;       /* line of prog[0]'s payment */
} __attribute__((packed));

/* Outlier state: a histogram of amounts per program (distinct amounts are
 * few: standards and tiers), which gives exact medians in memory bounded by
 * distinct (program, amount) pairs; and the lines rejected in the first
 * pass, so the second pass looks at valid rows only. */
struct amount_key {
	uint16_t prog;
	int64_t amount;
} __attribute__((packed));

/*
 * The cross-row tables are far bigger than the cache: at 10 M rows each
 * row's two lookups (beneficiary, then beneficiary × month) were two
 * waits on memory, nearly half the checking thread's time. So rows are
 * held back AHEAD rows before they are checked, in order: when a row
 * arrives its beneficiary's slot is prefetched, and halfway through the
 * wait its month slot. A held row is a copy (its fields and raw text),
 * since the reader reuses its buffers.
 */
#define AHEAD 16

/*
 * The region table is searched by bsearch, nine string compares a row
 * (about a tenth of the checking thread). Rows name few distinct
 * villages, so each row's region is first looked for in a small
 * direct-mapped memo of codes already searched; its size is fixed, so
 * hostile input only makes it miss.
 */
#define REGION_MEMO 1024

struct region_memo {
	char code[12];
	unsigned char used;
	const struct region *reg;  /* the search's answer, NULL too */
};

struct held {
	struct record r;
	struct csv_row row;
	struct csv_field f[CANON_NFIELDS];
	struct sbuf text;         /* raw text, then each field, NUL after each */
	unsigned char bene[16];
	/* Each key's hash is computed once, when the row is held: the
	 * prefetch, the halfway lookup and the check all use it. The
	 * beneficiary's index, when the halfway lookup found it, is final
	 * (an index never changes), so the check needs no second lookup. */
	uint64_t bene_hash, month_hash;
	uint32_t bene_idx;
	int bene_known;           /* bene_idx and month_hash are set */
};

struct ctx {
	const struct validate_opts *o;
	struct validate_stats *st;
	struct rs_out out, warn;
	struct rejects rj;
	struct kset benes;       /* 16-byte pseudonym -> uint32 index */
	struct kset month;       /* month_key -> month_val */
	struct kset dup_more;    /* dup_key -> uint8 paid: a third program a month */
	struct sbuf line;
	int outliers;            /* the rules have an outlier check */
	int pass2;
	struct kset amounts;     /* amount_key -> int64 count */
	struct kset rejected;    /* line -> nothing */
	int64_t *median;         /* per catalog program order; -1 none */
	/* the row's program, looked up once per row (NULL: not in the
	 * catalog), and each conflict rule's family of every program:
	 * fam[rule * (catalog size + 1) + order] is 1, 2 or 0 (neither) */
	const struct program *prog;
	uint8_t *fam;
	struct held ring[AHEAD];
	size_t held_in, held_out; /* rows held: ring[held_out .. held_in) mod AHEAD */
	int cross;                /* the rules have a cross-row check */
	struct region_memo *rmemo; /* REGION_MEMO slots */
};

/*
 * The 32 hex digits of a pseudonym as 16 bytes. The record reader has
 * checked they are '0'-'9' and 'a'-'f', so a digit's value is its low
 * four bits, plus 9 when bit 6 is set (a letter). Eight digits at a time
 * (SWAR): their values, then each pair into one byte, then the four bytes
 * side by side.
 */
static void hex16(const char *hex, unsigned char out[16])
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t x, v;
		uint32_t w;

		memcpy(&x, hex + 8 * i, 8);
		x = le64toh(x);
		x = (x & 0x0F0F0F0F0F0F0F0Full) + ((x >> 6) & 0x0101010101010101ull) * 9;
		v = (x & 0x00FF00FF00FF00FFull) << 4 | ((x >> 8) & 0x00FF00FF00FF00FFull);
		v = (v | v >> 8) & 0x0000FFFF0000FFFFull;
		v = (v | v >> 16) & 0xFFFFFFFFull;
		w = htole32((uint32_t)v);
		memcpy(out + 4 * i, &w, 4);
	}
}

/* Records a failed rule: a reject (returns 1: the row is gone) or a
 * warning (returns 0: the row stays). */
static int hit(struct ctx *c, size_t ri, const struct record *r,
	       const struct csv_row *row, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int hit(struct ctx *c, size_t ri, const struct record *r,
	       const struct csv_row *row, const char *field, const char *fmt, ...)
{
	const struct rule *rule = &c->o->rules->r[ri];
	char msg[512], full[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s: %s%s%s", rule->name, msg,
		 rule->message ? "; " : "", rule->message ? rule->message : "");
	c->st->rule_hits[ri]++;
	if (rule->warn) {
		sbuf_reset(&c->line);
		sbuf_add_csv(&c->line, r->source, strlen(r->source));
		sbuf_addf(&c->line, ",%ld,%s,%s,", r->line, rule->name,
			  reject_code_name(rule->code));
		sbuf_add_csv(&c->line, full, strlen(full));
		sbuf_addc(&c->line, '\n');
		rs_out_write(&c->warn, c->line.buf, c->line.len);
		c->st->warned++;
		return 0;
	}
	rejects_add(&c->rj, r->source, r->line, rule->code, field, full, row->raw,
		    row->raw_len);
	if (c->outliers)
		kset_put(&c->rejected, &r->line, NULL);
	return 1;
}

static int check_standard(const struct rule *rule, const struct record *r,
			  int64_t *want)
{
	size_t i;

	for (i = 0; i < rule->nstd; i++) {
		const struct standard *s = &rule->std[i];
		if (strcmp(s->program, r->program) ||
		    strncmp(r->region, s->region_prefix, strlen(s->region_prefix)))
			continue;
		if (s->period.first >= 0 &&
		    (r->ym < s->period.first || r->ym > s->period.last))
			continue;
		*want = s->per_person ? s->amount * r->persons : s->amount;
		return r->amount == *want ? 0 : 1;
	}
	return 0;
}

/* A generic one-column check: NULL when it holds, else why not. */
static const char *field_fails(const struct ctx *c, const struct rule *rule,
			       const struct csv_field *f, char *buf, size_t bufsz)
{
	int64_t v = 0;
	int num = 0;
	size_t i;

	if (!f->len)
		return rule->required ? "is empty" : NULL;
	switch (rule->type) {
	case FT_INTEGER:
		if (hundredths(f->p, f->len, &v) || v % 100 || strchr(f->p, '.'))
			return "is not a whole number";
		num = 1;
		break;
	case FT_DECIMAL:
		if (hundredths(f->p, f->len, &v))
			return "is not a number with at most two decimals";
		num = 1;
		break;
	case FT_MONTH:
		if (month_parse(f->p, f->len) < 0)
			return "is not a month";
		break;
	default:
		num = (rule->has_min || rule->has_max) && !hundredths(f->p, f->len, &v);
		if ((rule->has_min || rule->has_max) && !num)
			return "is not a number";
	}
	if (num && rule->has_min && v < rule->min) {
		char m[32];
		snprintf(buf, bufsz, "is below the minimum %s", money_fmt_yuan(rule->min, m));
		return buf;
	}
	if (num && rule->has_max && v > rule->max) {
		char m[32];
		snprintf(buf, bufsz, "is above the maximum %s", money_fmt_yuan(rule->max, m));
		return buf;
	}
	if (rule->has_re && regexec(&rule->re, f->p, 0, NULL, 0))
		return "does not match the pattern";
	if (rule->enum_catalog && !catalog_find(c->o->cat, f->p))
		return "is not a program code in the catalog";
	if (rule->nenum) {
		for (i = 0; i < rule->nenum; i++)
			if (!strcmp(rule->enumv[i], f->p))
				break;
		if (i == rule->nenum)
			return "is not one of the allowed values";
	}
	if (rule->reference) {
		const struct region *reg = regions_find(c->o->regions, f->p, f->len);
		if (!reg || (rule->reference == 2 && reg->level != RL_VILLAGE))
			return rule->reference == 2 ? "is not a village or community in the region table" :
				"is not in the region table";
	}
	return NULL;
}

/* Column i of a row; old files lack the last columns: empty then. */
static const struct csv_field *column(const struct csv_row *row, int i)
{
	static const struct csv_field empty = { "", 0 };

	return (size_t)i < row->n ? &row->f[i] : &empty;
}

static int compare_fails(const struct rule *rule, const struct csv_row *row,
			 int64_t *l, int64_t *r)
{
	const struct csv_field *lf = column(row, rule->field);
	int d;

	/* A comparison with an empty side holds: demand presence with a
	 * field rule (required: true). */
	if (hundredths(lf->p, lf->len, l))
		return 0;
	if (rule->right_field >= 0) {
		const struct csv_field *rf = column(row, rule->right_field);
		if (hundredths(rf->p, rf->len, r))
			return 0;
	} else {
		*r = rule->right_value;
	}
	d = *l < *r ? -1 : *l > *r;
	if (!strcmp(rule->op, "<"))
		return !(d < 0);
	if (!strcmp(rule->op, "<="))
		return !(d <= 0);
	if (!strcmp(rule->op, ">"))
		return !(d > 0);
	if (!strcmp(rule->op, ">="))
		return !(d >= 0);
	if (!strcmp(rule->op, "=="))
		return d != 0;
	return d == 0;
}

/* regions_find(code, 12) through the memo. */
static const struct region *region_of(struct ctx *c, const char *code)
{
	struct region_memo *m = &c->rmemo[rs_hash(code, 12) & (REGION_MEMO - 1)];

	if (m->used && !memcmp(m->code, code, 12))
		return m->reg;
	m->reg = regions_find(c->o->regions, code, 12);
	memcpy(m->code, code, 12);
	m->used = 1;
	return m->reg;
}

/* Per-row rules. Returns 1 when the row was rejected. */
static int per_row(struct ctx *c, const struct record *r, const struct csv_row *row)
{
	const struct rules *rs = c->o->rules;
	size_t i;
	char a[32], b[32];

	for (i = 0; i < rs->n; i++) {
		const struct rule *rule = &rs->r[i];
		const struct region *reg;
		const struct program *p;
		int64_t want;

		switch (rule->kind) {
		case CK_REGION_LEVEL:
			reg = region_of(c, r->region);
			if ((!reg || reg->level != RL_VILLAGE) &&
			    hit(c, i, r, row, "region_code",
				"'%s' is not a village or community in the region table",
				r->region))
				return 1;
			break;
		case CK_PERIOD_IN_RANGE:
			if ((r->ym < c->o->period.first || r->ym > c->o->period.last)) {
				char m[8], lab[64];
				month_fmt(r->ym, m);
				period_label(&c->o->period, lab, sizeof(lab));
				if (hit(c, i, r, row, "period",
					"%s is outside the reporting period %s", m, lab))
					return 1;
			}
			break;
		case CK_PERSONS_RANGE:
			if ((r->persons < 1 ||
			     (r->household_size > 0 && r->persons > r->household_size)) &&
			    hit(c, i, r, row, "persons",
				"persons %ld not within 1..household size %ld",
				r->persons, r->household_size))
				return 1;
			break;
		case CK_AGE_ELIGIBILITY:
			p = c->prog;
			if (!p || r->age < 0)
				break;
			if (p->min_age >= 0 && r->age < p->min_age &&
			    hit(c, i, r, row, "age", "age %d is under %d for %s",
				r->age, p->min_age, r->program))
				return 1;
			if (p->max_age >= 0 && r->age > p->max_age &&
			    hit(c, i, r, row, "age", "age %d is over %d for %s",
				r->age, p->max_age, r->program))
				return 1;
			break;
		case CK_FIELD: {
			char buf[96];
			const struct csv_field *f = column(row, rule->field);
			const char *why = field_fails(c, rule, f, buf, sizeof(buf));
			if (why && hit(c, i, r, row, canon_column_name(rule->field),
				       "%s '%s' %s", canon_column_name(rule->field), f->p, why))
				return 1;
			break;
		}
		case CK_COMPARE: {
			int64_t lv, rv;
			if (compare_fails(rule, row, &lv, &rv) &&
			    hit(c, i, r, row, canon_column_name(rule->field),
				"%s %s is not %s %s", canon_column_name(rule->field),
				money_fmt_yuan(lv, a), rule->op,
				rule->right_field >= 0 ? canon_column_name(rule->right_field) :
				money_fmt_yuan(rv, b)))
				return 1;
			break;
		}
		case CK_STANDARD:
			/* A reversal's amount is the payment's, negated. */
			if (r->kind != RK_REVERSAL && check_standard(rule, r, &want) &&
			    hit(c, i, r, row, "amount", "amount %s differs from the standard %s",
				money_fmt_yuan(r->amount, a), money_fmt_yuan(want, b)))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int in_family(const struct catalog *cat, const char *code,
		     const char *family)
{
	const struct program *p = catalog_find(cat, code);
	int guard = 0;

	while (p && guard++ < 16) {
		if (!strcmp(p->code, family))
			return 1;
		p = p->parent ? catalog_find(cat, p->parent) : NULL;
	}
	return 0;
}

static uint32_t bene_index(struct ctx *c, const unsigned char b[16], uint64_t h)
{
	uint32_t *idx;
	int added;

	idx = kset_put_h(&c->benes, b, h, &added);
	if (added)
		*idx = (uint32_t)(c->benes.n - 1);
	return *idx;
}

static void month_key_of(struct month_key *k, uint32_t bene, int ym)
{
	memset(k, 0, sizeof(*k));
	k->bene = bene;
	k->ym = ym;
}

/* The month slot of (bene, ym); hp, when not NULL, is the key's hash. */
static struct month_val *month_slot(struct ctx *c, uint32_t bene, int ym,
				    const uint64_t *hp)
{
	struct month_key k;
	struct month_val *v;
	int added;

	month_key_of(&k, bene, ym);
	v = kset_put_h(&c->month, &k, hp ? *hp : kset_hash(&c->month, &k), &added);
	if (added)
		v->prog[0] = v->prog[1] = NO_PROG;
	return v;
}

/* Records a payment of prog; returns 1 and the earlier line (0 when not
 * kept) if this (beneficiary, program, month) was paid before. */
static int seen_before(struct ctx *c, struct month_val *v, uint32_t bene,
		       uint16_t prog, int ym, long line, unsigned long *first)
{
	struct dup_key k;
	uint8_t *paid;
	int added;

	*first = 0;
	if (v->prog[0] == prog) {
		*first = v->line1;
		return 1;
	}
	if (v->prog[1] == prog)
		return 1;
	if (v->prog[0] == NO_PROG) {
		v->prog[0] = prog;
		v->line1 = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
		return 0;
	}
	if (v->prog[1] == NO_PROG) {
		v->prog[1] = prog;
		return 0;
	}
	memset(&k, 0, sizeof(k));
	k.bene = bene;
	k.prog = prog;
	k.ym = ym;
	paid = kset_put(&c->dup_more, &k, &added);
	if (*paid)
		return 1;
	*paid = 1;
	return 0;
}

/* A reversal cancels the earlier payment of (beneficiary, program, month):
 * returns 0 and frees its place (a corrected payment may follow), or -1
 * when there is no such payment to reverse. */
static int reverse(struct ctx *c, struct month_val *v, uint32_t bene,
		   uint16_t prog, int ym)
{
	struct dup_key k;
	uint8_t *paid;

	if (v->prog[0] == prog) {
		v->prog[0] = NO_PROG;
		v->line1 = 0;
		return 0;
	}
	if (v->prog[1] == prog) {
		v->prog[1] = NO_PROG;
		return 0;
	}
	memset(&k, 0, sizeof(k));
	k.bene = bene;
	k.prog = prog;
	k.ym = ym;
	paid = kset_get(&c->dup_more, &k);
	if (!paid || !*paid)
		return -1;
	*paid = 0;
	return 0;
}

/* After a reversal, the month's program families are those of the
 * payments that remain (a 低保 payment reversed and re-entered as 特困 is a
 * correction, not a conflict). Programs in the overflow set are rare and
 * left as they were. */
static void refamily(struct ctx *c, struct month_val *v)
{
	const struct rules *rs = c->o->rules;
	uint8_t fam = 0;
	size_t i;
	int k;

	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].kind != CK_CONFLICT)
			continue;
		for (k = 0; k < 2; k++) {
			uint16_t p = v->prog[k];
			if (p == NO_PROG || (p & 0x8000) || p >= c->o->cat->n)
				continue;
			fam |= c->fam[i * (c->o->cat->n + 1) + p];
		}
	}
	if (v->prog[0] == NO_PROG || v->prog[1] == NO_PROG)
		v->fam = fam;
}

/* Cross-row rules. Returns 1 when the row was rejected. h is the held
 * row's hashes and index, or NULL (then they are computed here). */
static int cross_row(struct ctx *c, const struct record *r, const struct csv_row *row,
		     const unsigned char bene16[16], const struct held *h)
{
	const struct rules *rs = c->o->rules;
	const struct program *p = c->prog;
	uint16_t prog = p ? (uint16_t)p->order : NO_PROG - 1;
	struct month_val *v = NULL;
	uint32_t bene = 0;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct rule *rule = &rs->r[i];

		if (rule->kind != CK_DUPLICATE && rule->kind != CK_CONFLICT)
			continue;
		if (!v && h && h->bene_known) {
			bene = h->bene_idx;
			v = month_slot(c, bene, r->ym, &h->month_hash);
		} else if (!v) {
			bene = bene_index(c, bene16, h ? h->bene_hash :
					  kset_hash(&c->benes, bene16));
			v = month_slot(c, bene, r->ym, NULL);
		}
		if (rule->kind == CK_DUPLICATE) {
			unsigned long first;
			if (r->kind == RK_REVERSAL) {
				uint16_t target = r->covers_first >= 0 ?
					(uint16_t)(prog | 0x8000) : prog;
				if (reverse(c, v, bene, target, r->ym)) {
					rejects_add(&c->rj, r->source, r->line,
						    RJ_UNMATCHED_REVERSAL, "amount",
						    "a reversal with no earlier payment of the same beneficiary, program and month to cancel",
						    row->raw, row->raw_len);
					if (c->outliers)
						kset_put(&c->rejected, &r->line, NULL);
					return 1;
				}
				refamily(c, v);
				continue;
			}
			/* Back-payments are checked among themselves: one
			 * may share its month with the regular payment. */
			if (!seen_before(c, v, bene, r->kind == RK_BACKPAY ?
					 (uint16_t)(prog | 0x8000) : prog,
					 r->ym, r->line, &first))
				continue;
			if (first && hit(c, i, r, row, "beneficiary",
					 "same beneficiary, program and month as line %lu",
					 first))
				return 1;
			if (!first && hit(c, i, r, row, "beneficiary", "%s",
					  "same beneficiary, program and month as an earlier row"))
				return 1;
		} else {
			int f = c->fam[i * (c->o->cat->n + 1) +
				       (p ? (size_t)p->order : c->o->cat->n)];
			if (!f || r->kind != RK_PAYMENT)
				continue;
			if (v->fam && !(v->fam & f) &&
			    hit(c, i, r, row, "program",
				"paid both %s and %s in the same month",
				rule->family[0], rule->family[1]))
				return 1;
			v->fam |= (uint8_t)f;
		}
	}
	return 0;
}

/* The row's program's place in the catalog; the catalog's size if absent. */
static int program_index(const struct ctx *c)
{
	return c->prog ? c->prog->order : (int)c->o->cat->n;
}

/* Each conflict rule's family of every catalog program, once, so rows
 * need no walk up the catalog's parents. */
static void family_table(struct ctx *c)
{
	const struct rules *rs = c->o->rules;
	const struct catalog *cat = c->o->cat;
	size_t i, k;

	c->fam = xcalloc((rs->n ? rs->n : 1) * (cat->n + 1), 1);
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].kind != CK_CONFLICT)
			continue;
		for (k = 0; k < cat->n; k++)
			c->fam[i * (cat->n + 1) + k] =
				in_family(cat, cat->p[k].code, rs->r[i].family[0]) ? 1 :
				in_family(cat, cat->p[k].code, rs->r[i].family[1]) ? 2 : 0;
	}
}

/* Second pass: warn on valid rows far above their program's median. */
static void check_outlier(struct ctx *c, const struct record *r,
			  const struct csv_row *row)
{
	const struct rules *rs = c->o->rules;
	int64_t med = c->median[program_index(c)];
	size_t i;
	char a[32], b[32];

	if (kset_get(&c->rejected, &r->line) || med <= 0)
		return;
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].kind != CK_OUTLIER)
			continue;
		if (r->amount / rs->r[i].multiple >= med &&
		    r->amount > med * rs->r[i].multiple)
			hit(c, i, r, row, "amount",
			    "amount %s is over %ld times the median %s of %s in this run",
			    money_fmt_yuan(r->amount, a), rs->r[i].multiple,
			    money_fmt_yuan(med, b), r->program);
	}
}

/* The checks of one row of the first pass. */
static void check_row(struct ctx *c, const struct record *r,
		      const struct csv_row *row, const unsigned char bene16[16],
		      const struct held *h)
{
	c->prog = catalog_find(c->o->cat, r->program);
	c->st->rows_read++;
	if (per_row(c, r, row) || cross_row(c, r, row, bene16, h))
		return;
	rs_out_write(&c->out, row->raw, row->raw_len);
	rs_out_write(&c->out, "\n", 1);
	c->st->valid++;
	if (c->outliers) {
		struct amount_key k;
		int64_t *count;
		memset(&k, 0, sizeof(k));
		k.prog = (uint16_t)program_index(c);
		k.amount = r->amount;
		count = kset_put(&c->amounts, &k, NULL);
		(*count)++;
	}
}

/* Checks the oldest held row and lets it go. */
static void release_held(struct ctx *c)
{
	struct held *h = &c->ring[c->held_out++ % AHEAD];

	check_row(c, &h->r, &h->row, h->bene, h);
}

/* Copies a row into the ring; the record's strings are its fields. */
static void hold(struct ctx *c, const struct record *r, const struct csv_row *row)
{
	struct held *h = &c->ring[c->held_in % AHEAD];
	const struct csv_field *f = row->f;
	size_t i, n = row->n < CANON_NFIELDS ? row->n : CANON_NFIELDS, span = 0;

	sbuf_reset(&h->text);
	sbuf_add(&h->text, row->raw, row->raw_len);
	sbuf_addc(&h->text, '\0');
	/* csvin lays a row's fields out in order in one buffer, each ended
	 * by its NUL: one copy moves them all. Checked, not assumed. */
	if (n && (uintptr_t)f[n - 1].p >= (uintptr_t)f[0].p) {
		uintptr_t lo = (uintptr_t)f[0].p;
		span = (size_t)((uintptr_t)f[n - 1].p - lo) + f[n - 1].len + 1;
		for (i = 0; i < n; i++)
			if ((uintptr_t)f[i].p < lo ||
			    (uintptr_t)f[i].p + f[i].len >= lo + span)
				span = 0;
	}
	if (span) {
		size_t at = h->text.len;
		sbuf_add(&h->text, f[0].p, span);
		for (i = 0; i < n; i++) {
			h->f[i].p = h->text.buf + at +
				    ((uintptr_t)f[i].p - (uintptr_t)f[0].p);
			h->f[i].len = f[i].len;
		}
	} else {
		size_t off[CANON_NFIELDS];
		for (i = 0; i < n; i++) {
			off[i] = h->text.len;
			sbuf_add(&h->text, f[i].p, f[i].len);
			sbuf_addc(&h->text, '\0');
		}
		for (i = 0; i < n; i++) {
			h->f[i].p = h->text.buf + off[i];
			h->f[i].len = f[i].len;
		}
	}
	h->row = *row;
	h->row.raw = h->text.buf;
	h->row.f = h->f;
	h->row.n = n;
	h->r = *r;
	h->r.source = h->f[0].p;
	h->r.region = h->f[2].p;
	h->r.program = h->f[3].p;
	h->r.area = h->f[4].p;
	h->r.beneficiary = h->f[6].p;
	h->r.funding = h->f[12].p;
	h->r.support_mode = h->f[13].p;
	hex16(h->r.beneficiary, h->bene);
	h->bene_hash = kset_hash(&c->benes, h->bene);
	h->bene_known = 0;
	c->held_in++;
}

static int on_record(const struct record *r, const struct csv_row *row,
		     void *vctx, struct rs_error *err)
{
	struct ctx *c = vctx;

	(void)err;
	if (c->pass2) {
		c->prog = catalog_find(c->o->cat, r->program);
		check_outlier(c, r, row);
		return 0;
	}
	if (!c->cross) {
		unsigned char b[16];
		hex16(r->beneficiary, b);
		check_row(c, r, row, b, NULL);
		return 0;
	}
	if (c->held_in - c->held_out == AHEAD)
		release_held(c);
	hold(c, r, row);
	kset_prefetch_h(&c->benes, c->ring[(c->held_in - 1) % AHEAD].bene_hash);
	/* halfway: the beneficiary's slot is in the cache by now */
	if (c->held_in - c->held_out > AHEAD / 2) {
		struct held *h = &c->ring[(c->held_in - 1 - AHEAD / 2) % AHEAD];
		const uint32_t *idx = kset_get_h(&c->benes, h->bene, h->bene_hash);
		if (idx) {
			struct month_key k;
			month_key_of(&k, *idx, h->r.ym);
			h->bene_idx = *idx;
			h->month_hash = kset_hash(&c->month, &k);
			h->bene_known = 1;
			kset_prefetch_h(&c->month, h->month_hash);
		}
	}
	return 0;
}

static int cmp_amount_key(const void *a, const void *b)
{
	const struct amount_key *x = *(const struct amount_key *const *)a;
	const struct amount_key *y = *(const struct amount_key *const *)b;

	if (x->prog != y->prog)
		return x->prog < y->prog ? -1 : 1;
	return x->amount < y->amount ? -1 : x->amount > y->amount;
}

/* Exact medians per program from the histogram (the lower middle value
 * when the count is even). */
static void compute_medians(struct ctx *c)
{
	size_t nprog = c->o->cat->n + 1, n = 0, it = 0, i, j;
	const struct amount_key **keys;
	int64_t *total = xcalloc(nprog, sizeof(*total));
	const void *k;
	void *v;

	c->median = xcalloc(nprog, sizeof(*c->median));
	keys = xcalloc(c->amounts.n ? c->amounts.n : 1, sizeof(*keys));
	while ((k = kset_next(&c->amounts, &it, &v))) {
		keys[n++] = k;
		total[((const struct amount_key *)k)->prog] += *(int64_t *)v;
	}
	qsort(keys, n, sizeof(*keys), cmp_amount_key);
	for (i = 0; i < n; i = j) {
		uint16_t p = keys[i]->prog;
		int64_t seen = 0, half = (total[p] + 1) / 2;
		c->median[p] = -1;
		for (j = i; j < n && keys[j]->prog == p; j++) {
			seen += *(int64_t *)kset_get(&c->amounts, keys[j]);
			if (c->median[p] < 0 && seen >= half)
				c->median[p] = keys[j]->amount;
		}
	}
	free(keys);
	free(total);
}

/* Whether some valid row is an outlier: the histogram holds every valid
 * row's (program, amount), so when none of its amounts is over a median's
 * multiple, the second pass (a second read of the whole input, about a
 * quarter of the run) would warn on nothing and is skipped. */
static int any_outlier(const struct ctx *c)
{
	const struct rules *rs = c->o->rules;
	size_t it = 0, i;
	const void *k;

	while ((k = kset_next(&c->amounts, &it, NULL))) {
		struct amount_key a;
		int64_t med;
		memcpy(&a, k, sizeof(a));
		med = c->median[a.prog];
		if (med <= 0)
			continue;
		for (i = 0; i < rs->n; i++)
			if (rs->r[i].kind == CK_OUTLIER &&
			    a.amount / rs->r[i].multiple >= med &&
			    a.amount > med * rs->r[i].multiple)
				return 1;
	}
	return 0;
}

static void rule_json(const struct validate_opts *o, const struct validate_stats *st,
		      json_t *obj)
{
	json_t *rules = json_array();
	size_t i;

	json_object_set_new(obj, "warned", json_integer(st->warned));
	for (i = 0; i < o->rules->n; i++)
		json_array_append_new(rules, json_pack("{s:o,s:s,s:s,s:I}",
			"name", json_text(o->rules->r[i].name),
			"severity", o->rules->r[i].warn ? "warn" : "reject",
			"code", reject_code_name(o->rules->r[i].code),
			"hits", (json_int_t)st->rule_hits[i]));
	json_object_set_new(obj, "rules", rules);
}

/* The same summary as a short Markdown table, for people and cron mail. */
/* Opens and writes the Markdown summary in md, not committed (the stage's
 * rs_out_commit_set does). Returns 0, or -1 with nothing open. */
static int write_markdown(const struct validate_opts *o,
			  const struct validate_stats *st, struct rs_out *md,
			  struct rs_error *err)
{
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "# Validation of %s\n\n", o->source);
	sbuf_addf(&sb, "| rows in | valid | rejected | warnings |\n| ---: | ---: | ---: | ---: |\n"
		  "| %ld | %ld | %ld | %ld |\n\n", st->rows_read, st->valid,
		  st->rows_read - st->valid, st->warned);
	sbuf_adds(&sb, "| rule | severity | code | rows |\n| --- | --- | --- | ---: |\n");
	for (i = 0; i < o->rules->n; i++)
		sbuf_addf(&sb, "| %s | %s | %s | %ld |\n", o->rules->r[i].name,
			  o->rules->r[i].warn ? "warn" : "reject",
			  reject_code_name(o->rules->r[i].code), st->rule_hits[i]);
	if (rs_out_open(md, o->summary_md, 0644, err)) {
		sbuf_release(&sb);
		return -1;
	}
	rs_out_write(md, sb.buf, sb.len);
	sbuf_release(&sb);
	return 0;
}

/* A guess at the rows of a records file from its size (about 37 bytes a
 * row compressed, 140 plain): a sizing hint only. */
static size_t expected_rows(const char *path)
{
	struct stat sb;
	size_t n = strlen(path);

	if (stat(path, &sb) || sb.st_size <= 0)
		return 1 << 16;
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		return (size_t)sb.st_size / 37;
	return (size_t)sb.st_size / 140;
}

int validate_run(const struct validate_opts *o, struct validate_stats *st,
		 struct rs_error *err)
{
	size_t expect;
	struct ctx c;
	json_t *extra = json_object();
	struct rs_out sum, md, *set[5];
	size_t nset;
	int i, ret = 1;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.st = st;
	st->rule_hits = xcalloc(o->rules->n ? o->rules->n : 1, sizeof(long));
	sbuf_init(&c.line, 0);
	family_table(&c);
	c.rmemo = xcalloc(REGION_MEMO, sizeof(*c.rmemo));
	for (i = 0; i < AHEAD; i++)
		sbuf_init(&c.ring[i].text, 0);
	/* Size the cross-row tables from the input once, so a big run does not
	 * hold an old and a doubled table at the same time while growing. */
	expect = expected_rows(o->input);
	kset_init(&c.benes, 16, sizeof(uint32_t), expect / 8);
	kset_init(&c.month, sizeof(struct month_key), sizeof(struct month_val), expect);
	kset_init(&c.dup_more, sizeof(struct dup_key), 1, 1024);
	if (rs_out_open(&c.out, o->out, 0644, err))
		goto out;
	if (rejects_open(&c.rj, o->rejects, err)) {
		rs_out_abort(&c.out);
		goto out;
	}
	if (rs_out_open(&c.warn, o->warnings, 0600, err)) {
		rs_out_abort(&c.out);
		rejects_abort(&c.rj);
		goto out;
	}
	rs_out_puts(&c.out, CANON_HEADER "\n");
	rs_out_puts(&c.warn, "source,line,rule,code,message\n");
	for (i = 0; i < (int)o->rules->n; i++)
		if (o->rules->r[i].kind == CK_OUTLIER)
			c.outliers = 1;
	if (c.outliers) {
		kset_init(&c.amounts, sizeof(struct amount_key), sizeof(int64_t), 1024);
		kset_init(&c.rejected, sizeof(long), 0, 1024);
	}
	for (i = 0; i < (int)o->rules->n; i++)
		if (o->rules->r[i].kind == CK_DUPLICATE || o->rules->r[i].kind == CK_CONFLICT)
			c.cross = 1;
	if (record_read(o->input, on_record, &c, NULL, err))
		goto fail;
	while (c.held_out < c.held_in)
		release_held(&c);
	if (c.outliers) {
		compute_medians(&c);
		c.pass2 = 1;
		if (any_outlier(&c) && record_read(o->input, on_record, &c, NULL, err))
			goto fail;
	}
	for (i = 0; i < RJ__COUNT; i++)
		st->counts[i] = c.rj.counts[i];
	rule_json(o, st, extra);
	if (o->gate) {
		gate_judge(o->gate, st->rows_read, st->counts, &st->verdict);
		gate_json(o->gate, st->counts, &st->verdict, extra);
		if (st->verdict.top >= 0 && c.rj.sample[st->verdict.top])
			st->sample = xstrdup(c.rj.sample[st->verdict.top]);
	}
	/* valid records, rejects, warnings and summary: all new or all old
	 * (issue 26) */
	nset = 0;
	set[nset++] = &c.out;
	set[nset++] = rejects_out(&c.rj);
	set[nset++] = &c.warn;
	if (o->summary_md) {
		if (write_markdown(o, st, &md, err))
			goto fail;
		set[nset++] = &md;
	}
	if (o->summary) {
		if (summary_prepare(&sum, o->summary, "validate", o->source,
				    st->rows_read, st->valid, st->counts,
				    extra, err)) {
			if (o->summary_md)
				rs_out_abort(&md);
			goto fail;
		}
		set[nset++] = &sum;
	}
	if (rs_out_commit_set(set, nset, err))
		goto out;
	ret = 0;
	goto out;
fail:
	rs_out_abort(&c.out);
	rs_out_abort(&c.warn);
	rejects_abort(&c.rj);
out:
	if (c.outliers) {
		kset_release(&c.amounts);
		kset_release(&c.rejected);
	}
	free(c.median);
	free(c.fam);
	free(c.rmemo);
	for (i = 0; i < AHEAD; i++)
		sbuf_release(&c.ring[i].text);
	kset_release(&c.benes);
	kset_release(&c.dup_more);
	kset_release(&c.month);
	sbuf_release(&c.line);
	json_decref(extra);
	rejects_sample_release(&c.rj);
	return ret;
}
