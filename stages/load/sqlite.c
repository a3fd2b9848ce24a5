/*
 * sqlite.c - the SQLite backend of dbw.h (libsqlite3), the embedded
 * default. Rows go through one prepared INSERT per table, inside the
 * caller's transaction, so a load of a few hundred thousand rows takes
 * well under a second.
 */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbw_int.h"
#include "sbuf.h"

static int sq_fail(struct dbw *db, const char *what, struct rs_error *err)
{
	return rs_err(err, "sqlite: %s failed: %s", what,
		      sqlite3_errmsg((sqlite3 *)db->h));
}

static void sq_close(struct dbw *db)
{
	if (db->stmt)
		sqlite3_finalize(db->stmt);
	sqlite3_close(db->h);
}

static int sq_exec(struct dbw *db, const char *sql, struct rs_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		rs_err(err, "sqlite: '%.60s' failed: %s", sql,
		       msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int sq_exec_params(struct dbw *db, const char *sql,
			  const char *const *params, int n,
			  struct rs_error *err)
{
	sqlite3_stmt *st = NULL;
	int i, ret = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(db, "prepare", err);
		goto out;
	}
	for (i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sq_fail(db, "statement", err);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int sq_query_int(struct dbw *db, const char *sql, int64_t *out,
			struct rs_error *err)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(db, "prepare", err);
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sq_fail(db, "query", err);
		goto out;
	}
	*out = sqlite3_column_int64(st, 0);
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int sq_copy_begin(struct dbw *db, const char *table,
			 const char *const *cols, size_t ncols,
			 struct rs_error *err)
{
	struct sbuf sql;
	size_t i;
	int ret = -1;

	sbuf_init(&sql, 1 << 16);
	sbuf_addf(&sql, "INSERT INTO %s (", table);
	for (i = 0; i < ncols; i++)
		sbuf_addf(&sql, "%s%s", i ? "," : "", cols[i]);
	sbuf_adds(&sql, ") VALUES (");
	for (i = 0; i < ncols; i++)
		sbuf_adds(&sql, i ? ",?" : "?");
	if (sbuf_adds(&sql, ")")) {
		rs_err(err, "sqlite: statement for '%s' too long", table);
		goto out;
	}
	if (sqlite3_prepare_v2(db->h, sql.buf, -1, (sqlite3_stmt **)&db->stmt,
			       NULL) != SQLITE_OK) {
		rs_err(err, "sqlite: cannot insert into '%s': %s", table,
		       sqlite3_errmsg(db->h));
		goto out;
	}
	db->ncols = ncols;
	ret = 0;
out:
	sbuf_release(&sql);
	return ret;
}

static int sq_copy_row(struct dbw *db, const struct dbv *v,
		       struct rs_error *err)
{
	sqlite3_stmt *st = db->stmt;
	size_t i;

	for (i = 0; i < db->ncols; i++) {
		int c = (int)i + 1;
		if (v[i].t == DBV_INT)
			sqlite3_bind_int64(st, c, v[i].i);
		else if (v[i].t == DBV_TEXT)
			sqlite3_bind_text(st, c, v[i].s, (int)v[i].n,
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, c);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		return sq_fail(db, "insert", err);
	sqlite3_reset(st);
	return 0;
}

static int sq_copy_end(struct dbw *db, struct rs_error *err)
{
	sqlite3_finalize(db->stmt);
	db->stmt = NULL;
	return 0;
}

static const struct dbw_ops sq_ops = {
	sq_close, sq_exec, sq_exec_params, sq_query_int,
	sq_copy_begin, sq_copy_row, sq_copy_end,
};

int dbw_sqlite_open(struct dbw *db, const char *path, struct rs_error *err)
{
	sqlite3 *h = NULL;
	int fd;

	/* The database holds the rejects, so it is private like their files
	 * (mode 0600); SQLite would create it under the umask. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return rs_err(err, "cannot create database '%s': %m", path);
	close(fd);
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rs_err(err, "cannot open database '%s': %s", path,
		       h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 10000);
	db->h = h;
	db->ops = &sq_ops;
	return 0;
}
