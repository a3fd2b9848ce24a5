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

#include <regex.h>
#include <stdint.h>

#include "canon.h"
#include "gate.h"
#include "error.h"
#include "period.h"
#include "sbuf.h"

enum check_kind {
	CK_REGION_LEVEL, CK_PERIOD_IN_RANGE, CK_PERSONS_RANGE,
	CK_AGE_ELIGIBILITY, CK_STANDARD, CK_DUPLICATE, CK_CONFLICT,
	CK_OUTLIER,            /* a second pass: needs the run's medians */
	CK_FIELD,              /* one column: required, type, range, pattern, enum, reference */
	CK_COMPARE,            /* two columns (or a column and a number) compared */
};

struct standard {
	char *program;         /* catalog code */
	char *region_prefix;   /* "" matches all */
	struct period period;  /* first < 0: any period */
	int per_person;        /* amount per person (else per payment) */
	int64_t amount;        /* fen */
	long line, col;        /* the entry's position in the rules file */
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
	long fam_line, fam_col;
	long multiple;         /* CK_OUTLIER: amount > multiple x median */

	/* CK_FIELD and CK_COMPARE: columns are canonical record columns */
	int field;             /* column index */
	int required;
	enum { FT_ANY, FT_INTEGER, FT_DECIMAL, FT_MONTH } type;
	int has_min, has_max;
	int64_t min, max;      /* in hundredths, like money (so 1 = 100) */
	regex_t re;
	int has_re;
	char **enumv;          /* allowed values */
	size_t nenum;
	int enum_catalog;      /* the value must be a catalog program code */
	int reference;         /* 1: any region in the table, 2: a village */
	int right_field;       /* CK_COMPARE: column, or -1 for right_value */
	int64_t right_value;
	char op[3];            /* < <= > >= == != */
};

/* Index of a canonical column by name, or -1; and back. */
int canon_column(const char *name);
const char *canon_column_name(int i);
/* A decimal as hundredths (12 -> 1200, 1.5 -> 150); 0 or -1. */
int hundredths(const char *s, size_t n, int64_t *out);

struct rules {
	char *path;
	struct rule *r;
	size_t n;
	struct rs_gate gate;      /* max_reject_rate(s); GATE_DEFAULT_RATE else */
};

int rules_load(struct rules *rs, const char *path, struct rs_error *err);
void rules_release(struct rules *rs);

struct catalog;
struct regions;
/*
 * What a rules file says that cannot be right against this catalog and
 * region table: a standard or a conflict family naming a program code the
 * catalog lacks, a standard's region prefix matching no region, two
 * standards that apply to the same rows (same program, nested regions,
 * overlapping months: the first would always win). Appends one line per
 * problem to out ("'rules.yaml':L:C: ...; the fix"), and returns how many.
 * This function can't fail.
 */
int rules_check(const struct rules *rs, const struct catalog *cat,
		const struct regions *rt, struct sbuf *out);

#endif
