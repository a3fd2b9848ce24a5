/*
 * emit.h - what emit.c (the rows) and extras.c (the --extras rows' truth)
 * share inside rs-gen.
 */
#ifndef RS_GEN_EMIT_H
#define RS_GEN_EMIT_H

#include "gen.h"

#define RING 256
#define BPRING 16

/* What a row is. Without --extras every row is a payment. */
enum row_type {
	RT_PAY,         /* a regular payment */
	RT_REV,         /* 冲正 of the person's payment of month rev */
	RT_CORR,        /* the corrected payment that follows RT_REV */
	RT_REV2,        /* RT_REV once more: nothing left to cancel */
	RT_UNMATCHED,   /* 冲正 of a month with no payment */
	RT_BACKPAY,     /* 补发 paid in month bp for bpfirst..start-1 */
	RT_N
};

struct row {
	uint32_t person;
	uint8_t month;
	uint8_t type;
};

struct group {
	uint64_t person_times, household_times, beneficiaries;
	int64_t amount_fen;
};

struct xtruth;

struct emitter {
	const struct gen_opts *o;
	const struct gen_regions *rg;
	struct gen_population *pop;
	struct gen_rng *rng;
	struct gen_out *out;
	/* this month's rows, shuffled */
	struct row *list;
	size_t nlist, pos;
	int month;
	/* the latest valid rows: originals for duplicates, defect templates */
	struct row ring[RING];
	size_t nring, ringpos;
	struct group *groups;   /* [county][program][area] */
	uint64_t nth[GD_N];     /* defects of each kind so far: picks variants */
	/* --extras */
	struct row bpring[BPRING];      /* the latest back-payments */
	size_t nbpring, bpringpos;
	uint64_t written;       /* rows written that are not planted defects */
	uint32_t *at;           /* where each person's payment is in list */
	struct xtruth *x;
};

/* The amount in fen a row shows (negative for a reversal). */
int64_t gen_row_amount(const struct emitter *e, const struct row *r);

/* --extras (extras.c) */
void gen_x_init(struct emitter *e);
void gen_x_release(struct emitter *e);
/* Takes the next queued reversal or corrected payment into r when it is
 * due (or any, with flush); returns 1, or 0 when there is none. */
int gen_x_pending(struct emitter *e, struct row *r, int flush);
/* After row r (not a planted defect) is written: queues what follows it. */
void gen_x_after(struct emitter *e, const struct row *r);
/* Applies row r (written, not a planted defect, or a planted duplicate)
 * to the truth as rs-validate and rs-aggregate must (README, "Reversals
 * and back-pay"); returns 1 when it is valid. */
int gen_x_count(struct emitter *e, const struct row *r);
/* After the last row: the beneficiaries of e->groups; *valid, the
 * duplicates and the unmatched reversals. */
void gen_x_finish(struct emitter *e, uint64_t *valid, uint64_t *dups,
		  uint64_t *unmatched);
/* Writes the truth's "flows", "of_which", "public_money" and "extras"
 * sections, each preceded by ",\n". */
void gen_x_write(struct emitter *e, struct gen_out *t);

/* Indexes 0..n-1 ordered by the strings they name. */
void gen_order_by_name(int *ord, const char *const *names, int n);
/* printf into an output (truncated at 511 bytes) */
void gen_outf(struct gen_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
