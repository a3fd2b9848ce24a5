/*
 * fuzz_aggrd.c - the aggregate-file reader (stages/merge/aggrd.c) and
 * rs-merge over it, on a hostile aggregate file.
 *
 * The input is read row by row with aggrd; then merged with a copy of
 * itself, which must either fail cleanly (leaving no output) or succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../stages/merge/aggrd.h"
#include "../../stages/merge/merge.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aggrd r;
	struct agg_row row;
	struct rs_error err;
	char *ins[2];
	struct merge_opts mo;
	struct merge_stats ms;
	const char *in = fuzz_file(0, data, size);
	long rows = 0, last_line = 0;
	size_t i;
	int rc;

	if (!aggrd_open(&r, in, &err)) {
		while ((rc = aggrd_next(&r, &row, &err)) > 0) {
			if (row.line <= last_line)
				fuzz_fail("row at line %ld after line %ld", row.line,
					  last_line);
			last_line = row.line;
			for (i = 0; i < AGG_NCOLS; i++)
				if (strlen(row.f[i]) != row.len[i])
					fuzz_fail("field %zu length", i);
			if (agg_key_cmp(&row, &row))
				fuzz_fail("a row differs from itself");
			rows++;
		}
		aggrd_close(&r);
	}
	/* The same rows from two files: every key meets its twin. */
	ins[0] = (char *)in;
	ins[1] = (char *)fuzz_file(1, data, size);
	memset(&mo, 0, sizeof(mo));
	mo.out = fuzz_tmp(0, "merged.csv.gz");
	mo.summary = fuzz_tmp(1, "merge.json");
	mo.inputs = ins;
	mo.ninputs = 2;
	unlink(mo.out);
	rc = merge_run(&mo, &ms, &err);
	if (getenv("RS_FUZZ_VERBOSE"))
		fprintf(stderr, "aggrd: %ld rows; merge: exit %d%s%s\n", rows, rc,
			rc ? ": " : "", rc ? err.msg : "");
	if (rc && !access(mo.out, F_OK))
		fuzz_fail("a failed merge left an output (%s)", err.msg);
	return 0;
}
