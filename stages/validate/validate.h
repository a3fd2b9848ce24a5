/*
 * validate.h - the validation loop: canonical records in, valid records,
 * rejects, warnings and a summary out.
 */
#ifndef RS_VALIDATE_H
#define RS_VALIDATE_H

#include "catalog.h"
#include "regions.h"
#include "rules.h"

struct validate_opts {
	const char *input, *out, *rejects, *warnings, *summary, *summary_md;
	const char *source;          /* for the summary; default: input's name */
	struct period period;        /* the source's reporting period */
	const struct rules *rules;
	const struct catalog *cat;
	const struct regions *regions;
	const struct rs_gate *gate;  /* the loss gate; NULL: none */
};

struct validate_stats {
	long rows_read, valid, warned;
	long counts[RJ__COUNT];
	long *rule_hits;             /* per rule */
	struct gate_verdict verdict; /* over: every output written, exit 1 */
	char *sample;                /* first reject of the top reason, masked;
					the caller frees it */
};

/* Returns 0 on success, 1 on a data or I/O failure (err filled). */
int validate_run(const struct validate_opts *o, struct validate_stats *st,
		 struct rs_error *err);

#endif
