/*
 * aggregate.h - canonical records in, the mergeable aggregate file out
 * (format in README.md: one row per leaf key, beneficiary kept at the
 * leaf grain, sorted).
 */
#ifndef RS_AGGREGATE_H
#define RS_AGGREGATE_H

#include "error.h"

#define AGG_HEADER "region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount"

struct aggregate_stats {
	long rows_read, keys;
};

/* Reads every input (canonical records), writes out. Returns 0 or 1. */
int aggregate_run(const char *const *inputs, size_t ninputs, const char *out,
		  struct aggregate_stats *st, struct rs_error *err);

#endif
