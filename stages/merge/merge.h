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

struct merge_opts {
	const char *out;            /* the merged aggregate file */
	const char *summary;        /* JSON summary, or NULL */
	const char *warnings;       /* the cross-input table (warn.h), or NULL */
	char *const *labels;        /* ninputs names for it (default: paths) */
	char *const *inputs;
	size_t ninputs;
};

struct merge_stats {
	long rows_read;             /* data rows over all inputs */
	long rows_written;
	long warnings;              /* keys in two or more inputs */
};

/*
 * Merges opts->inputs into opts->out (atomically) and writes the summary.
 * Returns 0, or -1 with err naming the file and line at fault: a missing
 * or unreadable input, a wrong header, an out-of-order or duplicate key, a
 * bad number, a sum that overflows, a failed write. On failure no output
 * file is created or replaced.
 */
int merge_run(const struct merge_opts *opts, struct merge_stats *st,
	      struct rs_error *err);

#endif
