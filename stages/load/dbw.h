/*
 * dbw.h - one writer interface over the two databases rs-load fills.
 *
 * SQLite (libsqlite3) is the embedded default, PostgreSQL is reached
 * through libpq; both take the same DDL (schema.c) and the same rows. A
 * table is filled by dbw_copy_begin / dbw_copy_row... / dbw_copy_end:
 * prepared INSERTs on SQLite, COPY FROM STDIN on PostgreSQL. Every call
 * returns 0, or -1 with err filled with the database's own message.
 */
#ifndef RS_DBW_H
#define RS_DBW_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum dbw_kind { DBW_SQLITE, DBW_PG };

/* One value of a row: NULL, text (s, n bytes, not NUL-terminated) or an
 * integer. */
enum dbv_type { DBV_NULL, DBV_TEXT, DBV_INT };
struct dbv {
	enum dbv_type t;
	const char *s;
	size_t n;
	int64_t i;
};

struct dbw;

/* Opens the database: a file path for SQLite (created when missing), a
 * libpq connection string for PostgreSQL. *out is set only on success. */
int dbw_open(enum dbw_kind kind, const char *target, struct dbw **out,
	     struct rs_error *err);
/* Closes and frees; an open transaction is rolled back. NULL is fine. */
void dbw_close(struct dbw *db);
enum dbw_kind dbw_kind(const struct dbw *db);

/* Runs SQL text with no parameters (DDL, BEGIN, COMMIT). */
int dbw_exec(struct dbw *db, const char *sql, struct rs_error *err);
/* Runs sql with text parameters ($1.. on PostgreSQL, ? on SQLite: write
 * "?" in sql, it is rewritten). */
int dbw_exec_params(struct dbw *db, const char *sql, const char *const *params,
		    int nparams, struct rs_error *err);
/* Counts the rows a query returns as one integer (SELECT count(*) ...). */
int dbw_query_int(struct dbw *db, const char *sql, int64_t *out,
		  struct rs_error *err);

int dbw_copy_begin(struct dbw *db, const char *table,
		   const char *const *cols, size_t ncols, struct rs_error *err);
/* v holds ncols values, in the order given to dbw_copy_begin. */
int dbw_copy_row(struct dbw *db, const struct dbv *v, struct rs_error *err);
int dbw_copy_end(struct dbw *db, struct rs_error *err);

#endif
