#!/bin/bash
# tests/t_load.sh - rs-load: the run's results in SQLite and PostgreSQL.
#
# The sample pipeline ends by loading out/reliefstat.sqlite. Every cell of
# every report table (internal and published) equals the database's, the
# published totals equal the records' exact sums, a second load of the
# same run changes nothing, a failed load changes nothing. Then the same
# into a PostgreSQL server this test starts (initdb and pg_ctl in $TMP, a
# unix socket only, run as nobody): the same rows, a second load idempotent.
# The README's five queries give the same answer in sqlite3, psql and
# DuckDB. No raw ID is in either database (tests/pii_audit.py).
. "$(dirname "$0")/lib.sh"

W=$TMP/w
mkdir -p "$W"
for e in "$ROOT"/*; do
	case ${e##*/} in bin|bin-*|build|build-*|out) ;; *) ln -s "$e" "$W/${e##*/}" ;; esac
done
ln -s "$BIN" "$W/bin"
export DEBIAN_FRONTEND=noninteractive
need() {   # need PACKAGE COMMAND: install PACKAGE when COMMAND is missing (root)
	command -v "$2" >/dev/null 2>&1 || [ -x "$2" ] && return 0
	[ "$(id -u)" = 0 ] || return 1
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "$1"; } >/dev/null 2>&1
	command -v "$2" >/dev/null 2>&1 || [ -x "$2" ]
}
need sqlite3 sqlite3 || { fail "sqlite3 is installed" "apt-get install sqlite3"; exit 0; }

(cd "$W" && "$BIN/reliefstat" run pipelines/yearend.yaml -q) >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
DB=$W/out/reliefstat.sqlite
[ $rc = 0 ] && [ -s "$DB" ] && ok "make run's pipeline writes out/reliefstat.sqlite (exit 0)" ||
	fail "the pipeline writes out/reliefstat.sqlite" "exit $rc" "$(tail -5 "$TMP/run.err")"
[ "$(stat -c %a "$DB")" = 600 ] && ok "the database is mode 0600 (it holds the rejects)" ||
	fail "the database is mode 0600" "$(stat -c %a "$DB")"

CELLS="SELECT dataset, tableset, report, row_no, col_no, col, coalesce(value, ''), status FROM cells WHERE run = 'yearend'"
sqlite3 "$DB" "$CELLS" >"$TMP/sqlite-cells"
python3 "$ROOT/tests/load/check.py" cells "$W/out" "$TMP/sqlite-cells"
python3 "$ROOT/tests/load/check.py" totals "$DB" "$W/out"

# Every table, rows sorted: what "changes nothing" compares.
TABLES="records rejects leaves measures cells programs regions ledger"
snap_sqlite() { for t in $TABLES; do echo "== $t"; sqlite3 "$1" "SELECT * FROM $t" | LC_ALL=C sort; done; }
load_sqlite() {
	(cd "$W" && "$BIN/rs-load" -q --sqlite "$1" --run yearend \
		--catalog samples/reference/programs.yaml --catalog samples/reference/programs-local.yaml \
		--regions samples/reference/regions.csv --ledger out/.reliefstat/ledger.jsonl \
		out/tongan-2024 out/erqi-2023 out/erqi-2024 out/aimin-2024 out/pidu-2023 out/all)
}
# The pipeline's load read the ledger before its own line was added:
# load once more, as the pipeline did, then again.
expect_exit 0 "rs-load loads the run again by hand (exit 0)" load_sqlite "$DB"
snap_sqlite "$DB" >"$TMP/snap1"
expect_exit 0 "a second load of the same run (exit 0)" load_sqlite "$DB"
snap_sqlite "$DB" >"$TMP/snap2"
n=$(grep -vc '^==' "$TMP/snap1")
cmp -s "$TMP/snap1" "$TMP/snap2" && [ "$n" -gt 100000 ] &&
	ok "sqlite: a second load of the same run changes nothing ($n rows)" ||
	fail "sqlite: a second load changes nothing" "$(diff "$TMP/snap1" "$TMP/snap2" | head -5)"

# A load that fails half-way (a bad amount in the last dataset) changes nothing.
mkdir -p "$TMP/bad"
printf 'region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount\n410103001001,dibao_urban,urban,2024-01,,,00,F,3,1,1,12.345\n' |
	gzip >"$TMP/bad/agg.csv.gz"
expect_exit 1 "a bad amount fails the load (exit 1)" "$BIN/rs-load" --sqlite "$DB" --run yearend "$W/out/erqi-2024" "$TMP/bad"
grep -q "12.345.*agg.csv.gz' at 2" "$TMP/.err" && ok "its message names the value, file and line" ||
	fail "the message names value, file and line" "$(cat "$TMP/.err")"
snap_sqlite "$DB" >"$TMP/snap3"
cmp -s "$TMP/snap1" "$TMP/snap3" && ok "a failed load leaves the database as it was" ||
	fail "a failed load leaves the database as it was" "$(diff "$TMP/snap1" "$TMP/snap3" | head -5)"

expect_exit 1 "a dataset folder that is not there fails the load (exit 1)" "$BIN/rs-load" --sqlite "$DB" --run yearend "$W/out/erqi-2024" "$TMP/nope"
grep -q "'$TMP/nope' is not a dataset folder" "$TMP/.err" && ok "its message names the folder" || fail "the message names the folder" "$(cat "$TMP/.err")"
expect_exit 2 "no database named is a usage error (exit 2)" "$BIN/rs-load" --run x "$W/out/all"
expect_exit 2 "no run named is a usage error (exit 2)" "$BIN/rs-load" --sqlite "$TMP/x.db" "$W/out/all"
expect_exit 0 "rs-load -V" "$BIN/rs-load" -V
grep -q '^rs-load [0-9]' "$TMP/.out" && ok "-V prints the version" || fail "-V prints the version" "$(cat "$TMP/.out")"

# The README's queries.
python3 - "$ROOT/README.md" "$TMP" <<'PY'
import re, sys
s = open(sys.argv[1], encoding='utf-8').read()
q = s.split('<!-- queries -->')[1].split('<!-- /queries -->')[0]
qs = re.findall(r'```sql\n(.*?)```', q, re.S)
for i, b in enumerate(qs, 1):
    open('%s/q%d.sql' % (sys.argv[2], i), 'w', encoding='utf-8').write(b)
PY
for i in 1 2 3 4 5; do sqlite3 "$DB" <"$TMP/q$i.sql" >"$TMP/q$i.sqlite" 2>&1; done
[ -s "$TMP/q5.sqlite" ] && ! grep -q DIFFERS "$TMP/q4.sqlite" && [ "$(wc -l <"$TMP/q4.sqlite")" = 5 ] &&
	ok "the README's five queries run in sqlite3, and its reconciliation holds for 5 sources" ||
	fail "the README's queries run in sqlite3" "$(head -3 "$TMP"/q*.sqlite)"

# DuckDB (npm @duckdb/node-api, cached in RS_DUCKDB_DIR): through its sqlite
# reader when the extension can be installed, else on the same tables
# copied into DuckDB (same DDL, same rows), so the queries' SQL is DuckDB's.
DUCK=${RS_DUCKDB_DIR:-/var/tmp/rs-duckdb}
if [ ! -d "$DUCK/node_modules/@duckdb/node-api" ] && command -v npm >/dev/null; then
	mkdir -p "$DUCK" && npm install --silent --no-audit --no-fund --prefix "$DUCK" @duckdb/node-api >/dev/null 2>&1
fi
if [ -d "$DUCK/node_modules/@duckdb/node-api" ]; then
	mkdir -p "$TMP/csv"
	sqlite3 "$DB" .schema | grep -v '^CREATE INDEX' >"$TMP/csv/schema.sql"
	for t in $TABLES; do sqlite3 -header -csv "$DB" "SELECT * FROM $t" >"$TMP/csv/$t.csv"; done
	how=$(RS_DUCKDB_DIR=$DUCK node "$ROOT/tests/load/duck.mjs" "$DB" "$TMP/csv" "$TMP"/q[1-5].sql 2>"$TMP/duck.err" </dev/null)
	bad=
	for i in 1 2 3 4 5; do
		cmp -s "$TMP/q$i.sqlite" "$TMP/q$i.duck" || bad="$bad q$i"
	done
	[ -z "$bad" ] && ok "the README's five queries give sqlite3's answers in DuckDB ($how)" ||
		fail "the README's queries in DuckDB" "differ:$bad" "$(tail -3 "$TMP/duck.err")"
else
	echo "ok - # SKIP DuckDB: npm could not install @duckdb/node-api"
fi

# The identity audit of the SQLite database: its dump holds no raw ID.
sqlite3 "$DB" .dump >"$TMP/sqlite.sql"
python3 "$ROOT/tests/pii_audit.py" "$ROOT/samples/exports" "sqlite database" "$TMP/sqlite.sql"

# --- PostgreSQL ---------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] && need postgresql /usr/lib/postgresql; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
if [ -z "$PGBIN" ] || ! command -v psql >/dev/null; then
	echo "ok - # SKIP PostgreSQL: the postgresql package is not installed and could not be"
	exit 0
fi
PG=$TMP/pg
mkdir -p "$PG"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown nobody "$PG"
chmod 755 "$TMP"
start=$(date +%s)
if as_pg "$PGBIN/initdb" -D "$PG/data" -U rs -A trust -E UTF8 --locale=C >"$PG/initdb.log" 2>&1 &&
   as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w -t 20 \
	-o "-c listen_addresses='' -k $PG -c fsync=off" start >/dev/null 2>&1; then
	ok "a PostgreSQL server starts in \$TMP (unix socket only)"
else
	fail "a PostgreSQL server starts" "$(tail -3 "$PG/initdb.log" "$PG/server.log" 2>/dev/null)"
	exit 0
fi
trap 'as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m immediate stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT
CONN="host=$PG user=rs dbname=postgres"
psql_() { psql -X -q -h "$PG" -U rs -d postgres -At -v ON_ERROR_STOP=1 "$@"; }
snap_pg() { for t in $TABLES; do echo "== $t"; psql_ -c "SELECT * FROM $t" | LC_ALL=C sort; done; }
load_pg() {
	(cd "$W" && "$BIN/rs-load" -q --postgres "$CONN" --run yearend \
		--catalog samples/reference/programs.yaml --catalog samples/reference/programs-local.yaml \
		--regions samples/reference/regions.csv --ledger out/.reliefstat/ledger.jsonl \
		out/tongan-2024 out/erqi-2023 out/erqi-2024 out/aimin-2024 out/pidu-2023 out/all)
}
expect_exit 0 "rs-load --postgres loads the samples (exit 0)" load_pg
psql_ -c "$CELLS" >"$TMP/pg-cells"
python3 "$ROOT/tests/load/check.py" cells "$W/out" "$TMP/pg-cells"
snap_pg >"$TMP/pgsnap1"
cmp -s "$TMP/pgsnap1" "$TMP/snap1" && ok "postgresql holds the same rows as sqlite, in every table" ||
	fail "postgresql holds the same rows as sqlite" "$(diff "$TMP/snap1" "$TMP/pgsnap1" | head -6)"
expect_exit 0 "a second load into postgresql (exit 0)" load_pg
snap_pg >"$TMP/pgsnap2"
cmp -s "$TMP/pgsnap1" "$TMP/pgsnap2" && ok "postgresql: a second load of the same run changes nothing" ||
	fail "postgresql: a second load changes nothing" "$(diff "$TMP/pgsnap1" "$TMP/pgsnap2" | head -5)"
bad=
for i in 1 2 3 4 5; do
	psql_ -F'|' -f "$TMP/q$i.sql" >"$TMP/q$i.pg" 2>&1
	cmp -s "$TMP/q$i.sqlite" "$TMP/q$i.pg" || bad="$bad q$i"
done
[ -z "$bad" ] && ok "the README's five queries give sqlite3's answers in psql" ||
	fail "the README's queries in psql" "differ:$bad" "$(diff "$TMP/q1.sqlite" "$TMP/q1.pg" | head -4)"
as_pg pg_dump -h "$PG" -U rs -d postgres >"$TMP/pg.sql" 2>/dev/null || pg_dump -h "$PG" -U rs -d postgres >"$TMP/pg.sql"
python3 "$ROOT/tests/pii_audit.py" "$ROOT/samples/exports" "postgresql database" "$TMP/pg.sql"
echo "# the postgresql part took $(( $(date +%s) - start )) s"
