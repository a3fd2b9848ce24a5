/*
 * dbw_int.h - what each backend (sqlite.c, pg.c) gives dbw.c: one table of
 * functions. Only dbw.c and the two backends include it.
 */
#ifndef RS_DBW_INT_H
#define RS_DBW_INT_H

#include "dbw.h"

struct dbw_ops {
	void (*close)(struct dbw *db);
	int (*exec)(struct dbw *db, const char *sql, struct rs_error *err);
	int (*exec_params)(struct dbw *db, const char *sql,
			   const char *const *params, int n,
			   struct rs_error *err);
	int (*query_int)(struct dbw *db, const char *sql, int64_t *out,
			 struct rs_error *err);
	int (*copy_begin)(struct dbw *db, const char *table,
			  const char *const *cols, size_t ncols,
			  struct rs_error *err);
	int (*copy_row)(struct dbw *db, const struct dbv *v,
			struct rs_error *err);
	int (*copy_end)(struct dbw *db, struct rs_error *err);
};

struct dbw {
	enum dbw_kind kind;
	const struct dbw_ops *ops;
	void *h;          /* sqlite3 * or PGconn * */
	void *stmt;       /* sqlite3_stmt * of the open copy */
	size_t ncols;     /* columns of the open copy */
	void *buf;        /* struct sbuf * of pending COPY data (pg) */
};

int dbw_sqlite_open(struct dbw *db, const char *path, struct rs_error *err);
int dbw_pg_open(struct dbw *db, const char *conninfo, struct rs_error *err);

#endif
