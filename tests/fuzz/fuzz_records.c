/*
 * fuzz_records.c - the canonical record reader (common/canon.c
 * record_read) as rs-validate and rs-aggregate use it, on a hostile
 * intermediate.
 *
 * The input is a records file (plain; zlib reads it as is). It goes
 * through validate_run with the sample rules, regions and catalog, then
 * through aggregate_run. A damaged file must be an error or rejects, never
 * a crash; a failed run must leave no output; a run that succeeds must
 * account for every row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../stages/aggregate/aggregate.h"
#include "../../stages/validate/validate.h"
#include "fuzzlib.h"
#include "norm.h"

static struct rules rules;
static struct catalog cat;
static struct regions regions;

static void release(void)
{
	rules_release(&rules);
	catalog_release(&cat);
	regions_release(&regions);
	norm_release();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rs_error err;
	const char *cats[2];

	(void)argc;
	(void)argv;
	cats[0] = fuzz_path(0, "samples/reference/programs.yaml");
	cats[1] = fuzz_path(1, "samples/reference/programs-local.yaml");
	if (rules_load(&rules, fuzz_path(2, "samples/reference/rules.yaml"), &err) ||
	    catalog_load(&cat, cats, 2, &err) ||
	    regions_load(&regions, fuzz_path(3, "samples/reference/regions.csv"), &err)) {
		fprintf(stderr, "fuzz_records: %s\n", err.msg);
		exit(99);
	}
	atexit(release);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct validate_opts o;
	struct validate_stats st;
	struct aggregate_opts ao;
	struct aggregate_stats ast;
	struct rs_error err;
	const char *in = fuzz_file(0, data, size), *agg = fuzz_tmp(5, "agg.csv.gz");
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.input = in;
	o.out = fuzz_tmp(0, "valid.csv.gz");
	o.rejects = fuzz_tmp(1, "rejects.csv.gz");
	o.warnings = fuzz_tmp(2, "warnings.csv.gz");
	o.summary = fuzz_tmp(3, "validate.json");
	o.summary_md = fuzz_tmp(4, "validate.md");
	o.source = "fuzz.csv";
	o.period.first = 2023 * 12;
	o.period.last = 2024 * 12 + 11;
	o.rules = &rules;
	o.cat = &cat;
	o.regions = &regions;
	unlink(o.out);
	unlink(o.rejects);
	rc = validate_run(&o, &st, &err);
	free(st.rule_hits);
	if (getenv("RS_FUZZ_VERBOSE"))
		fprintf(stderr, "validate: exit %d, %ld rows, %ld valid%s%s\n", rc,
			st.rows_read, st.valid, rc ? ": " : "", rc ? err.msg : "");
	if (rc != 0 && rc != 1)
		fuzz_fail("validate_run returned %d", rc);
	if (rc && (!access(o.out, F_OK) || !access(o.rejects, F_OK)))
		fuzz_fail("a failed validate left an output (%s)", err.msg);
	if (!rc && st.valid > st.rows_read)
		fuzz_fail("%ld valid of %ld rows", st.valid, st.rows_read);
	memset(&ao, 0, sizeof(ao));
	ao.inputs = &in;
	ao.ninputs = 1;
	ao.out = agg;
	ao.cat = &cat;
	unlink(agg);
	rc = aggregate_run(&ao, &ast, &err);
	if (getenv("RS_FUZZ_VERBOSE"))
		fprintf(stderr, "aggregate: exit %d, %ld rows, %ld keys%s%s\n", rc,
			ast.rows_read, ast.keys, rc ? ": " : "", rc ? err.msg : "");
	if (rc && !access(agg, F_OK))
		fuzz_fail("a failed aggregate left an output (%s)", err.msg);
	return 0;
}
