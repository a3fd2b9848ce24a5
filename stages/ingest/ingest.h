/*
 * ingest.h - the ingest loop: one source export in, canonical records and
 * rejects out. Every data row ends as exactly one of the two.
 */
#ifndef RS_INGEST_H
#define RS_INGEST_H

#include "canon.h"
#include "catalog.h"
#include "mapping.h"
#include "pseudo.h"

struct ingest_opts {
	const char *input;
	const char *source;       /* name written in the source column */
	const char *out, *rejects, *summary;
	const struct mapping *map;
	const struct catalog *cat;
	const struct pseudo_key *key;
	long today;               /* YYYYMMDD: births after it are impossible */
	/* Partitioning: only rows whose region code starts with one of these
	 * prefixes are this run's; the others belong to other partitions and
	 * are counted, not read. Rows whose region cannot be read go to the
	 * one partition run with take_unattributed, so that the partitions of
	 * a file together hold every row exactly once. */
	char **prefixes;
	size_t nprefixes;
	int exclude;              /* prefixes name the rows NOT this run's (the
				     catch-all partition after the others) */
	int take_unattributed;
};

struct ingest_stats {
	long rows_read, records;  /* rows_read: this partition's rows;
				     rows_read = records + rejects + totals */
	long counts[RJ__COUNT];
	long other_partitions;    /* rows left to other partitions */
	long totals;              /* total rows (合计/小计/总计): counted in
				     rows_read, neither records nor rejects */
	long total_mismatches;    /* total rows that disagree with their rows */
};

/*
 * Runs the stage. Returns 0; 2 for a configuration error (a required
 * column missing from the header: the message names the column and the
 * mapping, lists the header found and what the bytes suggest; a
 * workbook that cannot be read, or lacks the mapping's sheet); 1 for a
 * data or I/O failure, or a total row that disagrees with its rows when
 * the mapping's total_mismatch is fail (outputs written). err is filled
 * when non-zero. The input may be CSV, .xlsx or .xls (rowsrc.h).
 */
int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err);

#endif
