/*
 * aggregate.h - canonical records in, the mergeable aggregate file out
 * (format in README.md: one row per leaf key, beneficiary kept at the
 * leaf grain, sorted).
 */
#ifndef RS_AGGREGATE_H
#define RS_AGGREGATE_H

#include "catalog.h"
#include "error.h"
#include "groups.h"

#define AGG_HEADER "region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount"

struct aggregate_stats {
	long rows_read, keys;
	struct group_stats groups;
};

struct aggregate_opts {
	const char *const *inputs;
	size_t ninputs;
	const char *out;
	const char *groups;            /* grouped measures file, or NULL */
	const struct group_spec *spec;
	const struct catalog *cat;     /* needed with groups */
};

/* Reads every input (canonical records), writes the leaf file and, when
 * asked, the grouped measures. Returns 0 or 1 with err filled. */
int aggregate_run(const struct aggregate_opts *o, struct aggregate_stats *st,
		  struct rs_error *err);

#endif
