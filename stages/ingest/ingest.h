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
};

struct ingest_stats {
	long rows_read, records;
	long counts[RJ__COUNT];
};

/*
 * Runs the stage. Returns 0; 2 for a configuration error (a required
 * column missing from the header: the message names the column and the
 * mapping); 1 for a data or I/O failure. err is filled when non-zero.
 */
int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err);

#endif
