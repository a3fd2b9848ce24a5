#!/bin/bash
# make bench: reliefstat measured against DuckDB and against the floor of
# the codec the stages use.
#
# For each row count in BENCH_ROWS (default "1000000 10000000") this
#  1. generates the export with bin/rs-gen (seed BENCH_SEED, 1 % defects);
#  2. times the year-end pipeline end to end (rs-ingest -> rs-validate ->
#     rs-aggregate -> rs-report, every intermediate written, the four
#     commands in sequence) against DuckDB's reference query on the same raw
#     export (npm @duckdb/node-api, 2 threads), alternating E2E, DuckDB,
#     E2E, DuckDB, ...; at the largest size each round also runs the
#     smallest size's end to end again (until as many rows are covered,
#     at most 10 times), so the scaling ratio (time per row, largest vs
#     smallest) comes from runs taken in alternation too. Each of these
#     timed runs starts the same way (settle): its export in the page
#     cache, the run before written back, the machine idle BENCH_SETTLE s;
#     Each round also runs `reliefstat run` of a year-end-like pipeline
#     (the same four commands, with the mapping, key and programs as
#     inputs, as pipelines/yearend.yaml has them) from an empty state, the
#     way cron runs it, then runs it again with nothing changed
#     (BENCH_RUNNER=0 skips both): the user's end to end, and the
#     runner's own overhead on a full run and on a rerun;
#  3. times each stage alone against its floor, alternating stage, floor,
#     stage, floor, ...: bin/rs-floor (tests/bench/rfloor.c) reads the
#     stage's actual input and writes its actual output bytes through
#     common/fileio.c itself, so with the codec, level and threads the
#     stage uses (ISA-L decoding on a reading thread, ISA-L level 1
#     members on two compressing threads); its .gz outputs must equal the
#     stage's byte for byte. Each round also times, for information, the
#     zlib floor (tests/bench/floor.c: gzread, gzwrite at the same level,
#     one thread) and floor.c -L (libdeflate members, one thread);
#  4. writes out/bench/bench-<rows>.json, then deletes the size's data.
# Then tests/bench/report.mjs prints the table and the targets and writes
# out/bench/summary.json. Every figure is the median of BENCH_RUNS (>= 3)
# runs; wall, CPU and peak RSS come from tests/bench/rtime.c (wait4).
#
# Environment:
#   BENCH_ROWS="100000"   quick run; any list of row counts
#   BENCH_RUNS=3          runs per figure (at least 3)
#   BENCH_SEED=1          generator seed
#   BENCH_TMP=/tmp        where the scratch directory is made
#   BENCH_PLAIN=DIR       where uncompressed copies of stage outputs (the
#                         floor's source bytes) go; default /dev/shm when it
#                         has room, so they cost no disk I/O
#   BENCH_DUCKDB_DIR=DIR  npm --prefix holding @duckdb/node-api; default
#                         BENCH_TMP/rs-bench-duckdb, installed when missing
#   BENCH_RUNNER=0        skip the `reliefstat run` timing
#   BENCH_SCALE_REPS=N    runs of the smallest size's end to end per round
#                         at the largest size (default: largest / smallest
#                         rows, at most 10)
#   BENCH_SETTLE=5        seconds idle before each timed end to end or
#                         DuckDB run (0: none)
#   BENCH_KEEP=1          keep the scratch directory
#   BENCH_OUT=DIR         where the JSON goes (default out/bench)
#   RS_GZIP_LEVEL, BENCH_GZ_STRATEGY   passed to the stages and the floor
#
# A benchmark is not a test: it prints figures and whether the targets
# hold, and exits 0 unless something failed to run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$ROOT/bin
BENCH=$ROOT/tests/bench
OUT=${BENCH_OUT:-$ROOT/out/bench}
ROWS_LIST=${BENCH_ROWS:-"1000000 10000000"}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
TMPBASE=${BENCH_TMP:-/tmp}
KEY=$ROOT/samples/keys/demo.key
MAPPING=$ROOT/samples/mappings/generated.yaml
YEAR=2024
PERIOD=$YEAR-01..$YEAR-12

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$RUNS" -ge 3 ] 2>/dev/null || die "BENCH_RUNS must be a number >= 3 (got '$RUNS')"
for p in rs-gen rs-ingest rs-validate rs-aggregate rs-report reliefstat rs-floor; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run make first"
done
command -v node >/dev/null || die "node is missing (apt-get install nodejs npm)"
[ -r "$KEY" ] || die "missing key $KEY"
chmod 0600 "$KEY" 2>/dev/null || true

mkdir -p "$OUT" "$TMPBASE"
W=$(mktemp -d "$TMPBASE/rs-bench.XXXXXX")
PLAINBASE=
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $W"
	else
		rm -rf "$W"
	fi
	[ -n "$PLAINBASE" ] && rm -rf "$PLAINBASE"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start=$(date +%s)

# --- the programs under test ----------------------------------------------
# Copied once, so a rebuild of bin/ while the bench runs (others working in
# the same tree) cannot change the programs between two runs.
mkdir -p "$W/bin"
for p in rs-gen rs-ingest rs-validate rs-aggregate rs-report reliefstat rs-floor; do
	cp "$ROOT/bin/$p" "$W/bin/$p"
done
BIN=$W/bin
# The copies find their reference data here (common/canon.c rs_data_path),
# from any directory: the runner works in the pipeline's.
export RS_DATADIR=$ROOT/samples/reference
{
	printf '{"commit":"%s",' "$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
	printf '"changed_files":%s,' "$(git -C "$ROOT" status --porcelain 2>/dev/null | wc -l)"
	printf '"programs":{'
	sep=
	for p in rs-gen rs-ingest rs-validate rs-aggregate rs-report reliefstat; do
		printf '%s"%s":"%s"' "$sep" "$p" "$(sha256sum "$BIN/$p" | cut -c1-16)"
		sep=,
	done
	printf '}}\n'
} >"$W/build.json"

# --- tools ---------------------------------------------------------------
mkdir -p "$W/tools"
cc -O2 -Wall -Wextra -o "$W/tools/rtime" "$BENCH/rtime.c"
cc -O2 -Wall -Wextra -o "$W/tools/floor" "$BENCH/floor.c" -lz -ldeflate
RTIME=$W/tools/rtime
FLOOR=$W/tools/floor
RFLOOR=$BIN/rs-floor

# --- DuckDB --------------------------------------------------------------
DUCKDIR=${BENCH_DUCKDB_DIR:-$TMPBASE/rs-bench-duckdb}
export BENCH_DUCKDB_DIR=$DUCKDIR
have_duck=1
if [ ! -d "$DUCKDIR/node_modules/@duckdb/node-api" ]; then
	say "installing @duckdb/node-api into $DUCKDIR"
	mkdir -p "$DUCKDIR"
	if ! npm install --silent --no-audit --no-fund --prefix "$DUCKDIR" @duckdb/node-api >"$W/npm.log" 2>&1; then
		say "npm install @duckdb/node-api failed (see below); DuckDB figures are skipped"
		tail -5 "$W/npm.log" >&2
		have_duck=0
	fi
fi
duck_version=
if [ "$have_duck" = 1 ]; then
	duck_version=$(node -p "require('$DUCKDIR/node_modules/@duckdb/node-api/package.json').version" 2>/dev/null || echo unknown)
fi

# --- helpers -------------------------------------------------------------
# Disk needed per row count: the export (~152 B a row) and twice the
# compressed intermediates (~80 B a row: the E2E set and a stage's own).
need_disk() {
	local rows=$1 need avail
	need=$(( rows * 320 / 1024 / 1024 + 200 ))
	avail=$(df -Pm "$W" | awk 'NR==2 {print $4}')
	[ "$avail" -ge "$need" ] || die "need about $need MiB free in $W for $rows rows, have $avail MiB"
}

plain_dir() {
	local rows=$1 need avail
	if [ -n "${BENCH_PLAIN:-}" ]; then
		echo "$BENCH_PLAIN"
		return
	fi
	need=$(( rows * 130 / 1024 / 1024 + 100 ))
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		avail=$(df -Pm /dev/shm | awk 'NR==2 {print $4}')
		if [ "$avail" -ge "$need" ]; then
			echo /dev/shm
			return
		fi
	fi
	echo "$W"
}

# Stage command lines, as tests/t_generated.sh runs them (plus rs-report).
# $1: directory holding the stage's input (the previous stage's outputs),
# $2: the stage's output directory.
cmd_ingest()    { echo "$BIN/rs-ingest" -q -m "$MAPPING" -k "$KEY" -o "$2/records.csv.gz" -r "$2/rejects.csv.gz" -s "$2/ingest.json" "$1/export.csv"; }
cmd_validate()  { echo "$BIN/rs-validate" -q --period "$PERIOD" --source export.csv -o "$2/valid.csv.gz" -r "$2/rejects.csv.gz" -w "$2/warnings.csv.gz" -s "$2/validate.json" "$1/records.csv.gz"; }
cmd_aggregate() { echo "$BIN/rs-aggregate" -q -o "$2/agg.csv.gz" "$1/valid.csv.gz"; }
# rs-report also reads the two summaries (its quality table): $3 = ingest
# output dir, $4 = validate output dir.
cmd_report()    { echo "$BIN/rs-report" -q --period "$PERIOD" --quality "$3/ingest.json" --quality "$4/validate.json" -o "$2/tables" "$1/agg.csv.gz"; }

STAGES="ingest validate aggregate report"

SETTLE=${BENCH_SETTLE:-5}
case $SETTLE in *[!0-9]*|'') die "BENCH_SETTLE must be a whole number of seconds (got '$SETTLE')" ;; esac
export BENCH_SETTLE=$SETTLE
# Every timed end to end and DuckDB run starts from the same state, the
# one a nightly run starts from: its export read into the page cache
# (this VM's DAMON pages out file cache idle for 30 s), the files of the
# run before written back, and the machine idle for SETTLE seconds. The
# idle matters on this VM: memory freed in the last seconds is still
# backed by the host, while the balloon's free page reporting hands
# memory idle for a few seconds back, and the first write to it then
# costs a host fault (1 GB written into fresh page cache: 0.19 s right
# after 3 GB were freed, 0.57 s 2-3 s after, 1.3 s after 5 s or more).
# Back to back, a run of 1 M rows found the memory of the run before
# still backed and took 7-9 % less than one started idle; a run of 10 M
# writes too much for that to help it. So the runs at either size start
# idle, as one run a night does.
settle() {
	cat "$1" >/dev/null
	sync
	sleep "$SETTLE"
}

bench_size() {
	local n=$1 D R i s cmd
	D=$W/n$n
	R=$D/runs
	mkdir -p "$R" "$D/e2e"/{ingest,validate,aggregate,report}
	need_disk "$n"
	local E=$D/e2e
	local plain
	plain=$(plain_dir "$n")
	PLAINBASE=$(mktemp -d "$plain/rs-bench-plain.XXXXXX")

	say "== $n rows: generating the export (seed $SEED)"
	"$RTIME" -o "$R/gen.json" -- "$BIN/rs-gen" --rows "$n" --seed "$SEED" --year "$YEAR" \
		--truth "$D/truth.json" -o "$D/export.csv" 2>"$D/gen.log"
	cat "$D/export.csv" >/dev/null     # warm the page cache for both sides

	# The end-to-end script: the four commands in sequence, each also timed.
	{
		echo 'set -e'
		echo "i=\$1"
		echo "$RTIME -o $R/e2e-\$i-ingest.json -- $(cmd_ingest "$D" "$E/ingest")"
		echo "$RTIME -o $R/e2e-\$i-validate.json -- $(cmd_validate "$E/ingest" "$E/validate")"
		echo "$RTIME -o $R/e2e-\$i-aggregate.json -- $(cmd_aggregate "$E/validate" "$E/aggregate")"
		echo "$RTIME -o $R/e2e-\$i-report.json -- $(cmd_report "$E/aggregate" "$E/report" "$E/ingest" "$E/validate")"
	} >"$D/e2e.sh"

	# The year-end-like pipeline: the same four commands, run by the
	# runner, with what pipelines/yearend.yaml also lists as inputs (the
	# mapping, the key, the programs), so the runner hashes what it
	# hashes at night.
	local runner=0 P=$D/pipe allow=()
	if [ "${BENCH_RUNNER:-1}" != 0 ]; then
		runner=1
		cat >"$D/pipeline.yaml" <<EOF
# generated by tests/bench/run.sh
vars:
  out: $P
stages:
  ingest:
    run: [$(cmd_ingest "$D" "$P/ingest" | sed 's/ /, /g')]
    inputs: [$D/export.csv, $MAPPING, $KEY, $BIN/rs-ingest]
    outputs: [$P/ingest/records.csv.gz, $P/ingest/rejects.csv.gz, $P/ingest/ingest.json]
  validate:
    run: [$(cmd_validate "$P/ingest" "$P/validate" | sed 's/ /, /g')]
    inputs: [$P/ingest/records.csv.gz, $BIN/rs-validate]
    outputs: [$P/validate/valid.csv.gz, $P/validate/rejects.csv.gz, $P/validate/warnings.csv.gz, $P/validate/validate.json]
  aggregate:
    run: [$(cmd_aggregate "$P/validate" "$P/aggregate" | sed 's/ /, /g')]
    inputs: [$P/validate/valid.csv.gz, $BIN/rs-aggregate]
    outputs: [$P/aggregate/agg.csv.gz]
  report:
    run: [$(cmd_report "$P/aggregate" "$P/report" "$P/ingest" "$P/validate" | sed 's/ /, /g')]
    inputs: [$P/aggregate/agg.csv.gz, $P/ingest/ingest.json, $P/validate/validate.json, $BIN/rs-report]
    outputs: [$P/report/tables/internal/report.md]
EOF
		# The scratch directory is outside the tree: newer runners
		# want that said explicitly.
		if "$BIN/reliefstat" --help 2>&1 | grep -q -- --allow-outside; then
			allow=(--allow-outside)
		fi
	fi

	if [ "$have_duck" = 1 ]; then
		say "$n rows: DuckDB warm-up"
		node "$BENCH/duck.mjs" query "$D/export.csv" >"$R/duck-warm.out" || { say "DuckDB query failed"; have_duck=0; }
	fi
	sync
	# The scaling ratio compares time per row here with time per row at the
	# smallest size. Those runs are taken in this same alternation, so both
	# sides of the ratio see the same moments of a shared machine.
	# A run at the smallest size is short (3 s at 1 M) and so catches a
	# slow or a quick moment of the machine whole; a run here averages over
	# ten times as long. So each round runs the smallest size's end to end
	# as many times as it takes to cover as many rows (at most 10,
	# BENCH_SCALE_REPS to choose), each from settle as every timed run, and
	# the round's time per row is their total over their rows: both sides
	# of the ratio then span about the same stretch of time.
	local scale=0 scale_reps=1
	if [ -n "$SCALE_D" ] && [ "$n" = "$LAST_N" ]; then
		scale=1
		scale_reps=${BENCH_SCALE_REPS:-$(( n / SCALE_N ))}
		case $scale_reps in *[!0-9]*|'') die "BENCH_SCALE_REPS must be a number (got '$scale_reps')" ;; esac
		[ "$scale_reps" -ge 1 ] || scale_reps=1
		[ -n "${BENCH_SCALE_REPS:-}" ] || [ "$scale_reps" -le 10 ] || scale_reps=10
		printf '%s %s\n' "$SCALE_N" "$scale_reps" >"$D/scale_rows"
	fi
	local with=
	[ "$scale" = 1 ] && with=", with $scale_reps end-to-end runs at $SCALE_N rows"
	say "$n rows: end to end vs DuckDB, $RUNS runs each, alternating$with"
	for i in $(seq 1 "$RUNS"); do
		settle "$D/export.csv"
		"$RTIME" -o "$R/e2e-$i.json" -- bash "$D/e2e.sh" "$i" 2>"$R/e2e-$i.err" ||
			{ cat "$R/e2e-$i.err" >&2; die "end-to-end run $i failed"; }
		say "  e2e $i: $(node -p "JSON.parse(require('fs').readFileSync('$R/e2e-$i.json')).wall.toFixed(2)") s"
		if [ "$have_duck" = 1 ]; then
			settle "$D/export.csv"
			"$RTIME" -o "$R/duck-$i.json" -- node "$BENCH/duck.mjs" query "$D/export.csv" >"$R/duck-$i.out" ||
				die "DuckDB run $i failed"
			say "  duckdb $i: $(node -p "JSON.parse(require('fs').readFileSync('$R/duck-$i.out')).query_s.toFixed(2)") s in DuckDB"
		fi
		if [ "$runner" = 1 ]; then
			# From an empty state, as the first night; then again
			# with nothing changed.
			rm -rf "$P"
			mkdir -p "$P"/{ingest,validate,aggregate,report}
			settle "$D/export.csv"
			"$RTIME" -o "$R/runner-$i.json" -- "$BIN/reliefstat" run -q "${allow[@]}" "$D/pipeline.yaml" \
				>"$R/runner-$i.out" 2>&1 ||
				{ tail -5 "$R/runner-$i.out" >&2; die "reliefstat run $i failed"; }
			settle "$D/export.csv"
			"$RTIME" -o "$R/rerun-$i.json" -- "$BIN/reliefstat" run "${allow[@]}" "$D/pipeline.yaml" \
				>"$R/rerun-$i.out" 2>&1 ||
				{ tail -5 "$R/rerun-$i.out" >&2; die "reliefstat run $i (rerun) failed"; }
			# Nothing may have run: every stage said up to date.
			if grep -q 'ran 0 stages, 4 up to date, 0 failed' "$R/rerun-$i.out"; then
				touch "$R/rerun-$i.ok"
			else
				say "  note: the rerun did not find every stage up to date:"
				head -5 "$R/rerun-$i.out" >&2
			fi
			say "  reliefstat run $i: $(node -p "JSON.parse(require('fs').readFileSync('$R/runner-$i.json')).wall.toFixed(2)") s," \
				"rerun with nothing changed $(node -p "JSON.parse(require('fs').readFileSync('$R/rerun-$i.json')).wall.toFixed(3)") s"
		fi
		if [ "$scale" = 1 ]; then
			local j
			for j in $(seq 1 "$scale_reps"); do
				settle "$SCALE_D/export.csv"
				"$RTIME" -o "$R/scale-$i-$j.json" -- bash "$SCALE_D/e2e.sh" "scale$i-$j" 2>"$R/scale-$i.err" ||
					{ cat "$R/scale-$i.err" >&2; die "end-to-end run $i.$j at $SCALE_N rows failed"; }
			done
			say "  e2e at $SCALE_N rows $i, $scale_reps runs: $(node -p "
				let w = 0; for (let j = 1; j <= $scale_reps; j++)
					w += JSON.parse(require('fs').readFileSync('$R/scale-$i-' + j + '.json')).wall;
				w.toFixed(2)") s"
		fi
	done

	# Distinct (beneficiary, program, month) keys: validate's memory target.
	if [ "$have_duck" = 1 ]; then
		node "$BENCH/duck.mjs" keys "$E/ingest/records.csv.gz" >"$D/keys.json"
	else
		zcat "$E/ingest/records.csv.gz" | tail -n +2 | cut -d, -f4,6,7 | sort -u -S 1G | wc -l |
			awk '{printf "{\"dup_keys\":%d}\n", $1}' >"$D/keys.json"
	fi

	# Each stage alone against its floor.
	for s in $STAGES; do
		local floor_args=() rfloor_args=() fl out_dir=$D/alone/$s fdir=$D/floor/$s rdir=$D/rfloor/$s
		local pdir=$PLAINBASE/$s f rel
		rm -rf "$out_dir" "$fdir" "$rdir" "$pdir"
		mkdir -p "$out_dir" "$fdir" "$rdir" "$pdir"
		case $s in
		ingest)    cmd=$(cmd_ingest "$D" "$out_dir")
			   floor_args=(-p -i "$D/export.csv")
			   rfloor_args=(-i "$D/export.csv") ;;
		validate)  cmd=$(cmd_validate "$E/ingest" "$out_dir")
			   floor_args=(-i "$E/ingest/records.csv.gz") ;;
		aggregate) cmd=$(cmd_aggregate "$E/validate" "$out_dir")
			   floor_args=(-i "$E/validate/valid.csv.gz") ;;
		report)    cmd=$(cmd_report "$E/aggregate" "$out_dir" "$E/ingest" "$E/validate")
			   floor_args=(-i "$E/aggregate/agg.csv.gz" -i "$E/ingest/ingest.json" -i "$E/validate/validate.json") ;;
		esac
		[ "$s" = ingest ] || rfloor_args=("${floor_args[@]}")
		# The floors write every file the stage wrote in the E2E run,
		# with the same bytes (uncompressed copies made here, untimed).
		while IFS= read -r -d '' f; do
			rel=${f#"$E/$s/"}
			mkdir -p "$(dirname "$pdir/$rel")" "$(dirname "$fdir/$rel")" "$(dirname "$rdir/$rel")"
			case $f in
			*.gz) zcat "$f" >"$pdir/$rel" ;;
			*)    cp "$f" "$pdir/$rel" ;;
			esac
			floor_args+=(-o "$fdir/$rel=$pdir/$rel")
			rfloor_args+=(-o "$rdir/$rel=$pdir/$rel")
		done < <(find "$E/$s" -type f ! -name '.*' -print0 | sort -z)
		if [ "$s" = aggregate ]; then
			wc -l <"$pdir/agg.csv.gz" >"$D/agg_lines"
		fi
		sync
		say "$n rows: $s alone vs its floor, $RUNS runs each, alternating"
		for i in $(seq 1 "$RUNS"); do
			# shellcheck disable=SC2086
			"$RTIME" -o "$R/alone-$s-$i.json" -- $cmd 2>"$R/alone-$s-$i.err" ||
				{ cat "$R/alone-$s-$i.err" >&2; die "$s run $i failed"; }
			# The floor of the codec the stage uses, the target's;
			# then, for information, the same I/O with libdeflate
			# members (floor.c -L) and with zlib (floor.c).
			"$RTIME" -o "$R/floor-$s-$i.json" -- "$RFLOOR" "${rfloor_args[@]}" >"$R/floor-$s-$i.out" ||
				die "floor of $s run $i failed"
			"$RTIME" -o "$R/ldfloor-$s-$i.json" -- "$FLOOR" -L "${floor_args[@]}" >/dev/null ||
				die "libdeflate floor of $s run $i failed"
			"$RTIME" -o "$R/zfloor-$s-$i.json" -- "$FLOOR" "${floor_args[@]}" >/dev/null ||
				die "zlib floor of $s run $i failed"
		done
		# The floor wrote the same data with the stage's own code: its
		# files must be the stage's, byte for byte, so a change of
		# fileio.c's settings, or of how a stage writes, shows up here.
		# The zlib floor writes the same data at the same level (its
		# gzip header's XFL, byte 9), but one stream, not members.
		fl=1
		while IFS= read -r -d '' f; do
			rel=${f#"$rdir/"}
			case $rel in *.gz) ;; *) continue ;; esac
			if ! cmp -s "$f" "$out_dir/$rel"; then
				fl=0
				local same=different
				cmp -s <(zcat "$f") <(zcat "$out_dir/$rel") && same="the same"
				say "  note: floor's $rel differs from $s's: $(stat -c %s "$f") against" \
					"$(stat -c %s "$out_dir/$rel") bytes, $same data (level, members or threads changed?)"
			fi
		done < <(find "$rdir" -type f -print0)
		while IFS= read -r -d '' f; do
			rel=${f#"$fdir/"}
			if ! cmp -s <(zcat "$f") <(zcat "$out_dir/$rel") ||
			   [ "$(od -An -tu1 -j8 -N1 "$f")" != "$(od -An -tu1 -j8 -N1 "$out_dir/$rel")" ]; then
				say "  note: the zlib floor's $rel differs from $s's (data or level)"
			fi
		done < <(find "$fdir" -name '*.gz' -type f -print0)
		echo "$fl" >"$D/floor-identical-$s"
		rm -rf "$pdir" "$fdir" "$rdir" "$out_dir"
	done

	rm -rf "$P"
	cp "$W/build.json" "$D/build.json"
	node "$BENCH/report.mjs" size "$D" "$n" "$RUNS" "$SEED" "$duck_version" >"$OUT/bench-$n.json"
	say "$n rows: wrote $OUT/bench-$n.json"
	rm -rf "$PLAINBASE"
	PLAINBASE=
	if [ -z "$SCALE_D" ] && [ "$n" != "$LAST_N" ]; then
		# The smallest size's export and end-to-end script stay for the
		# scaling runs at the largest size.
		SCALE_D=$D
		SCALE_N=$n
		rm -rf "$D/alone" "$D/floor" "$D/rfloor" "$D/pipe"
	else
		rm -rf "$D"
	fi
}

for n in $ROWS_LIST; do
	case $n in
	*[!0-9]*|'') die "BENCH_ROWS holds '$n', not a row count" ;;
	esac
done
# Smallest first: its end to end is run again beside the largest's.
ROWS_LIST=$(printf '%s\n' $ROWS_LIST | sort -n -u | tr '\n' ' ')
LAST_N=$(printf '%s\n' $ROWS_LIST | tail -1)
SCALE_D=
SCALE_N=
for n in $ROWS_LIST; do
	bench_size "$n"
done

files=()
for n in $ROWS_LIST; do files+=("$OUT/bench-$n.json"); done
node "$BENCH/report.mjs" summary "$(( $(date +%s) - bench_start ))" "${files[@]}"
