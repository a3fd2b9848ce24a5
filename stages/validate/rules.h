/*
 * rules.h - the validation rules a statistician reads and edits (YAML).
 *
 * A rules file lists checks in the order they are applied; each has a name,
 * a kind of check, a severity (reject or warn), a reason code for rejects
 * and an optional message. Per-row checks run first, in list order; the
 * cross-row checks (duplicate, conflict) then see only rows that passed
 * every per-row check, as SPEC.md section 3 requires. The format is
 * documented in samples/rules/default.yaml.
 */
#ifndef RS_VALIDATE_RULES_H
#define RS_VALIDATE_RULES_H

#include <stdint.h>

#include "canon.h"
#include "error.h"
#include "period.h"

enum check_kind {
	CK_REGION_LEVEL, CK_PERIOD_IN_RANGE, CK_PERSONS_RANGE,
	CK_AGE_ELIGIBILITY, CK_STANDARD, CK_DUPLICATE, CK_CONFLICT,
	CK_OUTLIER,            /* a second pass: needs the run's medians */
};

struct standard {
	char *program;         /* catalog code */
	char *region_prefix;   /* "" matches all */
	struct period period;  /* first < 0: any period */
	int per_person;        /* amount per person (else per payment) */
	int64_t amount;        /* fen */
};

struct rule {
	char *name;
	enum check_kind kind;
	int warn;              /* severity warn: keep the row, log a warning */
	enum reject_code code;
	char *message;         /* optional text added to the reject's message */
	struct standard *std;  /* CK_STANDARD */
	size_t nstd;
	char *family[2];       /* CK_CONFLICT: two program families (roots) */
	long multiple;         /* CK_OUTLIER: amount > multiple x median */
};

struct rules {
	struct rule *r;
	size_t n;
	double max_reject_rate;   /* 0..1; 1 = no threshold */
};

int rules_load(struct rules *rs, const char *path, struct rs_error *err);
void rules_release(struct rules *rs);

#endif
