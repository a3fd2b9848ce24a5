/*
 * gate.h - the loss gate of a stage (SPEC.md sections 6 and 7): the share
 * of a source's rows a stage may reject before the run must stop short of
 * publishing. rs-ingest reads it from the mapping, rs-validate from the
 * rules; both take the same keys and the same command-line overrides, and
 * both write the verdict into their JSON summary, where the runner and the
 * quality table find it.
 *
 *   max_reject_rate: 0.05               # overall share, 0..1
 *   max_reject_rates: {bad_amount: 0.01} # optional, per reject reason
 *
 * A loss can be accepted for one run (--accept-loss[=REASON,...]): the
 * rows of an accepted reason (all reasons when none is named) do not count
 * against the gate, and the summary records what was accepted.
 */
#ifndef RS_GATE_H
#define RS_GATE_H

#include "canon.h"
#include "error.h"
#include "sbuf.h"
#include "ydoc.h"

#define GATE_DEFAULT_RATE 0.05

struct rs_gate {
	double max_rate;                /* 0..1; 1 = no overall threshold */
	double reason_max[RJ__COUNT];   /* < 0: no threshold for the reason */
	unsigned char accept[RJ__COUNT];/* 1: this run accepts the reason's loss */
	int accept_any;                 /* some --accept-loss was given */
	char origin[256];               /* where max_reject_rate was set, for messages */
};

/* Sets the default: GATE_DEFAULT_RATE overall, no per-reason threshold,
 * nothing accepted; origin "the default". This function can't fail. */
void gate_init(struct rs_gate *g);

/* Reads max_reject_rate and max_reject_rates from a YAML map (a mapping or
 * a rules file); keys absent leave g unchanged. Returns 0, or -1 with a
 * positioned error. */
int gate_parse(struct rs_gate *g, const struct ydoc *doc,
	       const struct ynode *map, struct rs_error *err);

/* Command-line overrides. gate_set_rate takes "0.05" or "5%" (overall) or
 * "REASON=0.01"; gate_accept takes "" (every reason) or a comma list of
 * reason codes. Each returns 0, or -1 naming the bad word. */
int gate_set_rate(struct rs_gate *g, const char *arg, struct rs_error *err);
int gate_accept(struct rs_gate *g, const char *arg, struct rs_error *err);

/* Parses a share from 0 to 1, "0.05" or "5%", into *out. Returns 0, or -1
 * when s is anything else (out unchanged). */
int gate_parse_share(const char *s, double *out);

/* What the gate says of one stage's counts. */
struct gate_verdict {
	int over;                 /* 1: the stage must fail (exit 1) */
	int reason_gate;          /* over on a per-reason threshold, not overall */
	long rows, rejected;      /* rejected: rows counted against the gate */
	double threshold;         /* the threshold exceeded (or the overall one) */
	int top;                  /* the largest counted reason, -1 when none */
	long top_count;
	long accepted;            /* rows of accepted reasons */
};

void gate_judge(const struct rs_gate *g, long rows, const long counts[RJ__COUNT],
		struct gate_verdict *v);

/* Sets the summary's members in obj:
 * "gate":{"max_reject_rate":0.05,"rows":N,"rejected":N,"over":false}
 * (rows: the rows judged -- an export's total rows are not among them),
 * plus "loss_accepted":{"bad_amount":8706} when a loss was accepted. */
void gate_json(const struct rs_gate *g, const long counts[RJ__COUNT],
	       const struct gate_verdict *v, json_t *obj);

/*
 * A stop other than the reject gate, after a stage's outputs are written
 * (a misspelt program label, a total row that disagrees, 万元 read as 元,
 * a merge's overlap), as its summary records it for the runner's last
 * line: "stop":{"kind":K,"what":W,"fix":F,"accept":R}, set in obj. kind names the stop (unknown_label, amount_unit,
 * total_mismatch, overlap), what says what the stage found, fix the
 * stage's own fix; accept is what --accept-loss takes to publish anyway,
 * or NULL (left out) when no flag can accept it. This function can't fail.
 */
void stop_json(json_t *obj, const char *kind, const char *what,
	       const char *fix, const char *accept);

/* Formats the failure for stderr (stage: a prefix such as "" or
 * "validate: "): the share over, the top reason with its
 * count and share, the sample line (already masked), the fix, and how to
 * accept the loss. */
void gate_message(const struct gate_verdict *v, const char *stage,
		  const char *source, const struct rs_gate *g,
		  const char *sample, const char *fix, struct sbuf *sb);

#endif
