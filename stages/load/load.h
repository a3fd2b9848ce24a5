/*
 * load.h - rs-load: the run's outputs into a database (schema in
 * schema.c, the database behind dbw.h).
 *
 * A load names a run and one or more datasets (a pipeline source's output
 * folder, or the merged one). In one transaction it creates the schema
 * when missing, deletes every row of (run, dataset) and inserts the
 * dataset's files again, so loading the same run twice leaves the
 * database as one load left it. Label tables (programs, regions) and the
 * run's ledger are replaced the same way when given.
 */
#ifndef RS_LOAD_H
#define RS_LOAD_H

#include <stddef.h>

#include "dbw.h"
#include "error.h"

struct load_opts {
	const char *run;              /* run id (required) */
	char *const *dirs;            /* dataset folders */
	size_t ndirs;
	const char *const *catalogs;  /* program catalog files (may be 0) */
	size_t ncatalogs;
	const char *regions;          /* regions.csv or NULL */
	const char *ledger;           /* ledger.jsonl or NULL */
};

struct load_stats {
	long records, rejects, leaves, measures, cells, ledger;
};

/* Returns 0, or -1 with err filled and the database unchanged. */
int load_run(struct dbw *db, const struct load_opts *o,
	     struct load_stats *st, struct rs_error *err);

/* The schema's DDL for a backend: CREATE ... IF NOT EXISTS statements
 * separated by semicolons (schema.c). */
const char *load_schema(enum dbw_kind kind);

#endif
