/*
 * schema.c - the database schema rs-load writes, the same on SQLite and
 * PostgreSQL (only the way a view is replaced differs). README.md,
 * "Results in a database", documents it for analysts.
 *
 * Every table of a run's data starts with (run, dataset): dataset is a
 * pipeline source's name (erqi-2024) or all. Region codes, months (YYYY-MM)
 * and pseudonyms are text; money is exact integer fen (amount_fen), with
 * the *_yuan views dividing it for display.
 */
#include <stdio.h>

#include "load.h"

#define T "CREATE TABLE IF NOT EXISTS "
#define I "CREATE INDEX IF NOT EXISTS "
#define RD "run TEXT NOT NULL, dataset TEXT NOT NULL, "

static const char tables[] =
T "records (" RD "source TEXT NOT NULL, line BIGINT NOT NULL, "
  "region_code TEXT NOT NULL, program TEXT NOT NULL, area TEXT NOT NULL, "
  "period TEXT NOT NULL, beneficiary TEXT NOT NULL, household_size BIGINT, "
  "persons BIGINT NOT NULL, amount_fen BIGINT NOT NULL, age BIGINT, sex TEXT, "
  "funding TEXT, support_mode TEXT, kind TEXT, covers TEXT);"
T "rejects (" RD "stage TEXT NOT NULL, source TEXT, line BIGINT, "
  "reason TEXT NOT NULL, field TEXT, message TEXT, raw TEXT);"
T "leaves (" RD "region_code TEXT NOT NULL, program TEXT NOT NULL, "
  "area TEXT NOT NULL, period TEXT NOT NULL, funding TEXT, support_mode TEXT, "
  "beneficiary TEXT NOT NULL, sex TEXT, age BIGINT, payments BIGINT NOT NULL, "
  "persons BIGINT NOT NULL, amount_fen BIGINT NOT NULL);"
T "measures (" RD "region_level TEXT NOT NULL, region_code TEXT, "
  "program TEXT NOT NULL, area TEXT NOT NULL, period TEXT NOT NULL, "
  "funding TEXT, support_mode TEXT, person_times BIGINT, "
  "household_times BIGINT, beneficiaries BIGINT, stock_persons BIGINT, "
  "stock_households BIGINT, amount_fen BIGINT, female BIGINT, elderly BIGINT, "
  "minors BIGINT, new_households BIGINT, new_persons BIGINT, "
  "exit_households BIGINT, exit_persons BIGINT);"
T "cells (" RD "tableset TEXT NOT NULL, report TEXT NOT NULL, "
  "row_no BIGINT NOT NULL, row_key TEXT NOT NULL, col_no BIGINT NOT NULL, "
  "col TEXT NOT NULL, value TEXT, status TEXT NOT NULL);"
T "ledger (run TEXT NOT NULL, line_no BIGINT NOT NULL, stage TEXT, "
  "start_at TEXT, end_at TEXT, exit_code BIGINT, entry TEXT NOT NULL);"
T "programs (code TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT);"
T "regions (code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, "
  "parent_code TEXT);"
I "records_region ON records (run, dataset, region_code);"
I "records_period ON records (run, dataset, period);"
I "records_program ON records (run, dataset, program);"
I "rejects_reason ON rejects (run, dataset, reason);"
I "leaves_key ON leaves (run, dataset, region_code, program, period);"
I "measures_key ON measures (run, dataset, region_level, region_code, program, period);"
I "cells_key ON cells (run, dataset, tableset, report, row_no);"
I "ledger_run ON ledger (run, line_no);";

/* The year-end tables' views: one per report table of the published set,
 * and the yuan views. */
#define VIEWS(CREATE) \
CREATE "records_yuan AS SELECT r.*, r.amount_fen / 100.0 AS amount_yuan FROM records r;" \
CREATE "leaves_yuan AS SELECT l.*, l.amount_fen / 100.0 AS amount_yuan FROM leaves l;" \
CREATE "measures_yuan AS SELECT m.*, m.amount_fen / 100.0 AS amount_yuan FROM measures m;" \
CREATE "published AS SELECT run, dataset, report, row_no, row_key, col_no, col, value, status FROM cells WHERE tableset = 'published';" \
CREATE "published_programs AS SELECT * FROM published WHERE report = 'programs';" \
CREATE "published_towns AS SELECT * FROM published WHERE report = 'towns';" \
CREATE "published_months AS SELECT * FROM published WHERE report = 'months';" \
CREATE "published_funding AS SELECT * FROM published WHERE report = 'funding';" \
CREATE "published_people AS SELECT * FROM published WHERE report = 'people';" \
CREATE "published_spending AS SELECT * FROM published WHERE report = 'spending';" \
CREATE "published_quality AS SELECT * FROM published WHERE report = 'quality';"

static const char sqlite_schema[] = VIEWS("CREATE VIEW IF NOT EXISTS ");
static const char pg_schema[] = VIEWS("CREATE OR REPLACE VIEW ");

const char *load_schema(enum dbw_kind kind)
{
	static char sq[sizeof(tables) + sizeof(sqlite_schema)];
	static char pg[sizeof(tables) + sizeof(pg_schema)];
	char *b = kind == DBW_SQLITE ? sq : pg;

	if (!b[0])
		snprintf(b, kind == DBW_SQLITE ? sizeof(sq) : sizeof(pg), "%s%s",
			 tables, kind == DBW_SQLITE ? sqlite_schema : pg_schema);
	return b;
}
