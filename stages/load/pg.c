/*
 * pg.c - the PostgreSQL backend of dbw.h (libpq). Tables are filled with
 * COPY ... FROM STDIN in text format: rows are escaped here (backslash,
 * tab, newline, carriage return; \N for NULL) and sent in blocks of
 * about 256 KiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "dbw_int.h"
#include "sbuf.h"
#include "xalloc.h"

#define PG_FLUSH ((size_t)256 << 10)

/* libpq's messages end in a newline; error messages here do not. */
static int pg_fail(struct dbw *db, const char *what, struct rs_error *err)
{
	char msg[512];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db->h));
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	return rs_err(err, "postgresql: %s failed: %s", what, msg);
}

static int pg_result(struct dbw *db, PGresult *r, const char *what,
		     struct rs_error *err)
{
	ExecStatusType s = PQresultStatus(r);
	int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;

	if (!ok) {
		char msg[512];
		size_t n;
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		rs_err(err, "postgresql: '%.60s' failed: %s", what, msg);
	}
	PQclear(r);
	return ok ? 0 : -1;
}

static void pg_close(struct dbw *db)
{
	if (db->buf) {
		sbuf_release(db->buf);
		free(db->buf);
	}
	PQfinish(db->h);
}

static int pg_exec(struct dbw *db, const char *sql, struct rs_error *err)
{
	return pg_result(db, PQexec(db->h, sql), sql, err);
}

/* Rewrites each ? of sql as $1, $2, ... (our statements hold no ? in
 * literals). */
static int pg_exec_params(struct dbw *db, const char *sql,
			  const char *const *params, int n,
			  struct rs_error *err)
{
	struct sbuf s;
	int k = 0, ret;
	const char *p;

	sbuf_init(&s, 1 << 16);
	for (p = sql; *p; p++) {
		if (*p == '?')
			sbuf_addf(&s, "$%d", ++k);
		else
			sbuf_addc(&s, *p);
	}
	sbuf_addc(&s, '\0');
	ret = pg_result(db, PQexecParams(db->h, s.buf, n, NULL, params, NULL,
					 NULL, 0), sql, err);
	sbuf_release(&s);
	return ret;
}

static int pg_query_int(struct dbw *db, const char *sql, int64_t *out,
			struct rs_error *err)
{
	PGresult *r = PQexec(db->h, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		return pg_result(db, r, sql, err) ? -1 :
			rs_err(err, "postgresql: '%.60s' gave no row", sql);
	*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static int pg_flush(struct dbw *db, struct rs_error *err)
{
	struct sbuf *b = db->buf;

	if (b->len && PQputCopyData(db->h, b->buf, (int)b->len) != 1)
		return pg_fail(db, "copy", err);
	sbuf_reset(b);
	return 0;
}

static int pg_copy_begin(struct dbw *db, const char *table,
			 const char *const *cols, size_t ncols,
			 struct rs_error *err)
{
	struct sbuf sql;
	PGresult *r;
	size_t i;
	int ret = -1;

	sbuf_init(&sql, 1 << 16);
	sbuf_addf(&sql, "COPY %s (", table);
	for (i = 0; i < ncols; i++)
		sbuf_addf(&sql, "%s%s", i ? "," : "", cols[i]);
	sbuf_adds(&sql, ") FROM STDIN");
	sbuf_addc(&sql, '\0');
	r = PQexec(db->h, sql.buf);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		pg_result(db, r, sql.buf, err);
		goto out;
	}
	PQclear(r);
	if (!db->buf) {
		db->buf = xmalloc(sizeof(struct sbuf));
		sbuf_init(db->buf, 2 * PG_FLUSH);
	}
	db->ncols = ncols;
	ret = 0;
out:
	sbuf_release(&sql);
	return ret;
}

static int pg_copy_row(struct dbw *db, const struct dbv *v,
		       struct rs_error *err)
{
	struct sbuf *b = db->buf;
	size_t i, j;
	int e = 0;

	for (i = 0; i < db->ncols; i++) {
		if (i)
			e |= sbuf_addc(b, '\t');
		if (v[i].t == DBV_NULL) {
			e |= sbuf_adds(b, "\\N");
		} else if (v[i].t == DBV_INT) {
			e |= sbuf_add_int(b, (long long)v[i].i);
		} else {
			for (j = 0; j < v[i].n; j++) {
				char c = v[i].s[j];
				switch (c) {
				case '\\': e |= sbuf_adds(b, "\\\\"); break;
				case '\t': e |= sbuf_adds(b, "\\t"); break;
				case '\n': e |= sbuf_adds(b, "\\n"); break;
				case '\r': e |= sbuf_adds(b, "\\r"); break;
				default: e |= sbuf_addc(b, c);
				}
			}
		}
	}
	e |= sbuf_addc(b, '\n');
	if (e)
		return rs_err(err, "postgresql: a row is too long to copy");
	return b->len >= PG_FLUSH ? pg_flush(db, err) : 0;
}

static int pg_copy_end(struct dbw *db, struct rs_error *err)
{
	PGresult *r;
	int ret;

	if (pg_flush(db, err))
		return -1;
	if (PQputCopyEnd(db->h, NULL) != 1)
		return pg_fail(db, "end of copy", err);
	ret = pg_result(db, PQgetResult(db->h), "copy", err);
	while ((r = PQgetResult(db->h)))
		PQclear(r);
	return ret;
}

static const struct dbw_ops pg_ops = {
	pg_close, pg_exec, pg_exec_params, pg_query_int,
	pg_copy_begin, pg_copy_row, pg_copy_end,
};

int dbw_pg_open(struct dbw *db, const char *conninfo, struct rs_error *err)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;

	db->h = c;
	db->ops = &pg_ops;
	if (PQstatus(c) != CONNECTION_OK) {
		pg_fail(db, "connection", err);
		PQfinish(c);
		return -1;
	}
	/* The notices of CREATE ... IF NOT EXISTS are no news. */
	r = PQexec(c, "SET client_min_messages = warning");
	PQclear(r);
	return 0;
}
