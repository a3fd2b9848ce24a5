/*
 * dbw.c - dispatches the writer interface (dbw.h) to the SQLite or the
 * PostgreSQL backend.
 */
#include <stdlib.h>

#include "dbw_int.h"
#include "xalloc.h"

int dbw_open(enum dbw_kind kind, const char *target, struct dbw **out,
	     struct rs_error *err)
{
	struct dbw *db = xcalloc(1, sizeof(*db));
	int rc;

	db->kind = kind;
	rc = kind == DBW_SQLITE ? dbw_sqlite_open(db, target, err)
				: dbw_pg_open(db, target, err);
	if (rc) {
		free(db);
		return -1;
	}
	*out = db;
	return 0;
}

void dbw_close(struct dbw *db)
{
	if (!db)
		return;
	db->ops->close(db);
	free(db);
}

enum dbw_kind dbw_kind(const struct dbw *db) { return db->kind; }

int dbw_exec(struct dbw *db, const char *sql, struct rs_error *err)
{
	return db->ops->exec(db, sql, err);
}

int dbw_exec_params(struct dbw *db, const char *sql, const char *const *params,
		    int nparams, struct rs_error *err)
{
	return db->ops->exec_params(db, sql, params, nparams, err);
}

int dbw_query_int(struct dbw *db, const char *sql, int64_t *out,
		  struct rs_error *err)
{
	return db->ops->query_int(db, sql, out, err);
}

int dbw_copy_begin(struct dbw *db, const char *table,
		   const char *const *cols, size_t ncols, struct rs_error *err)
{
	return db->ops->copy_begin(db, table, cols, ncols, err);
}

int dbw_copy_row(struct dbw *db, const struct dbv *v, struct rs_error *err)
{
	return db->ops->copy_row(db, v, err);
}

int dbw_copy_end(struct dbw *db, struct rs_error *err)
{
	return db->ops->copy_end(db, err);
}
