/*
 * fuzz_ingest.c - rs-ingest's row loop (stages/ingest/ingest.c) on a
 * hostile export.
 *
 * The first byte picks one of the sample mappings (so the encodings,
 * delimiters, units and decimal points of all five families are reached);
 * the rest is the export. Each run checks SPEC.md's promises: rows read =
 * records + rejects (ingest_run checks it and says "internal error"), the
 * reject file is mode 0600, a failed run leaves no output unless it stopped
 * after writing them all for inspection (then they add up), and no output
 * holds a raw ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../stages/ingest/ingest.h"
#include "fuzzlib.h"
#include "norm.h"

static const char *const mappings[] = {
	"samples/mappings/tongan.yaml", "samples/mappings/erqi.yaml",
	"samples/mappings/aimin.yaml", "samples/mappings/pidu.yaml",
	"samples/mappings/generated.yaml",
};
#define NMAP (sizeof(mappings) / sizeof(mappings[0]))

static struct mapping maps[NMAP];
static struct catalog cat;
static struct pseudo_key key;

static void release(void)
{
	size_t i;

	for (i = 0; i < NMAP; i++)
		mapping_release(&maps[i]);
	catalog_release(&cat);
	pseudo_key_wipe(&key);
	norm_release();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rs_error err;
	const char *cats[2];
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NMAP; i++)
		if (mapping_load(&maps[i], fuzz_path(0, mappings[i]), &err))
			goto fail;
	cats[0] = fuzz_path(0, "samples/reference/programs.yaml");
	cats[1] = fuzz_path(1, "samples/reference/programs-local.yaml");
	if (catalog_load(&cat, cats, 2, &err) ||
	    pseudo_key_load(&key, fuzz_path(0, "samples/keys/demo.key"), &err))
		goto fail;
	atexit(release);
	return 0;
fail:
	fprintf(stderr, "fuzz_ingest: %s\n", err.msg);
	exit(99);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_opts o;
	struct ingest_stats st;
	struct rs_error err;
	struct stat sb;
	long rejects = 0;
	size_t i;
	int rc;

	if (!size)
		return 0;
	memset(&o, 0, sizeof(o));
	o.input = fuzz_file(0, data + 1, size - 1);
	o.source = "fuzz.csv";
	o.out = fuzz_tmp(0, "records.csv.gz");
	o.rejects = fuzz_tmp(1, "rejects.csv.gz");
	o.summary = fuzz_tmp(2, "ingest.json");
	o.map = &maps[data[0] % NMAP];
	o.cat = &cat;
	o.key = &key;
	o.today = 20250101;
	unlink(o.out);
	unlink(o.rejects);
	unlink(o.summary);
	rc = ingest_run(&o, &st, &err);
	if (getenv("RS_FUZZ_VERBOSE"))
		fprintf(stderr, "ingest: exit %d, %ld rows, %ld records%s%s\n", rc,
			st.rows_read, st.records, rc ? ": " : "", rc ? err.msg : "");
	/* The accounting check's own message begins the error; anywhere else
	 * the words may be the export's own bytes, quoted back. */
	if (rc && !strncmp(err.msg, "internal error: ", 16))
		fuzz_fail("%s", err.msg);
	if (rc != 0 && rc != 1 && rc != 2)
		fuzz_fail("ingest_run returned %d", rc);
	if (!rc) {
		if (stat(o.rejects, &sb) || (sb.st_mode & 0777) != 0600)
			fuzz_fail("reject file missing or not mode 0600");
		for (i = 0; i < RJ__COUNT; i++)
			rejects += st.counts[i];
		if (st.rows_read != st.records + rejects + st.totals + st.footers)
			fuzz_fail("%ld rows read, %ld records + %ld rejects + %ld total rows + %ld footer rows",
				  st.rows_read, st.records, rejects, st.totals, st.footers);
	} else if (!access(o.out, F_OK) || !access(o.rejects, F_OK)) {
		/* A stop after the outputs were committed (a misspelt program
		 * label, 万元 read as 元, totals that disagree: written for
		 * inspection, nothing to publish) leaves the whole set, and
		 * its rows add up; any other failure leaves nothing. */
		for (i = 0; i < RJ__COUNT; i++)
			rejects += st.counts[i];
		if (access(o.out, F_OK) || access(o.rejects, F_OK) ||
		    access(o.summary, F_OK))
			fuzz_fail("a failed ingest left part of its outputs (%s)", err.msg);
		if (st.rows_read != st.records + rejects + st.totals + st.footers)
			fuzz_fail("a stopped ingest's outputs: %ld rows read, %ld records + %ld rejects + %ld total rows + %ld footer rows (%s)",
				  st.rows_read, st.records, rejects, st.totals, st.footers, err.msg);
	}
	fuzz_check_no_id(o.out);
	fuzz_check_no_id(o.rejects);
	fuzz_check_no_id(o.summary);
	return 0;
}
