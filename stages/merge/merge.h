/*
 * merge.h - the k-way merge of sorted aggregate files behind rs-merge.
 *
 * Every input is sorted bytewise by the key columns (region_code, program,
 * area, period, funding, support_mode, beneficiary). The merge keeps one
 * row per input in a heap, pops the smallest key, and combines rows with
 * equal keys: payments, persons and amount are summed exactly (amount in
 * fen), sex and age come from the first input, in command-line order, that
 * has the key. Memory is k rows, whatever the input sizes, plus, with a
 * warnings table, its distinct keys (warn.h).
 */
#ifndef RS_MERGE_MERGE_H
#define RS_MERGE_MERGE_H

#include <stddef.h>

#include "error.h"

/* The share of keys two inputs may both pay, with a warnings table. */
#define MERGE_DEFAULT_OVERLAP 0.01

struct merge_opts {
	const char *out;            /* the merged aggregate file */
	const char *summary;        /* JSON summary, or NULL */
	const char *warnings;       /* the cross-input table (warn.h), or NULL */
	char *const *labels;        /* ninputs names for it (default: paths) */
	char *const *inputs;
	size_t ninputs;
	double max_overlap;         /* with warnings: the share of keys two
				       inputs may both pay (< 0: any) */
	int accept_overlap;         /* this run accepts an overlap over it */
};

struct merge_stats {
	long rows_read;             /* data rows over all inputs */
	long rows_written;
	long warnings;              /* keys in two or more inputs */
	long keys;                  /* distinct keys, with warnings */
	size_t pair_a, pair_b;      /* the inputs sharing the most keys */
	long pair_n;                /* how many (0: none, or too many inputs) */
	int overlap_over;           /* warnings / keys > max_overlap */
};

/*
 * Merges opts->inputs into opts->out (atomically) and writes the summary.
 * Returns 0, or -1 with err naming the file and line at fault: a missing
 * or unreadable input, a wrong header, an out-of-order or duplicate key, a
 * bad number, a sum that overflows, a failed write. On failure no output
 * file is created or replaced. An overlap over max_overlap is not a
 * failure here: the outputs are written and st->overlap_over says so (the
 * caller decides, as rs-merge does with its exit status).
 */
int merge_run(const struct merge_opts *opts, struct merge_stats *st,
	      struct rs_error *err);

#endif
