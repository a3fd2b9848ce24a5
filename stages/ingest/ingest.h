/*
 * ingest.h - the ingest loop: one source export in, canonical records and
 * rejects out. Every data row ends as exactly one of the two.
 */
#ifndef RS_INGEST_H
#define RS_INGEST_H

#include <stdint.h>

#include "canon.h"
#include "catalog.h"
#include "mapping.h"
#include "pseudo.h"

/* The default ceiling of one payment: 1,000,000.00 yuan. With it, 92
 * billion payments are needed to overflow a sum in int64 fen. */
#define INGEST_MAX_FEN ((int64_t)100000000)

struct ingest_opts {
	const char *input;
	const char *source;       /* name written in the source column */
	const char *out, *rejects, *summary;
	const struct mapping *map;
	const struct catalog *cat;
	const struct pseudo_key *key;
	long today;               /* YYYYMMDD: births after it are impossible */
	int64_t max_fen;          /* the largest plausible payment, in fen (its
				     absolute value); 0: INGEST_MAX_FEN */
	long max_quoted_lines;    /* lines a quoted field may span; 0:
				     CSVIN_MAX_LINES */
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
	long rows_read, records;  /* rows_read: this partition's rows */
	long counts[RJ__COUNT];
	long other_partitions;    /* rows left to other partitions */
};

/*
 * Runs the stage. Returns 0; 2 for a configuration error (a required
 * column missing from the header: the message names the column and the
 * mapping); 1 for a data or I/O failure. err is filled when non-zero.
 */
int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err);

#endif
