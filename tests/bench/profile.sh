#!/bin/bash
# Where each stage's time goes: a 200 k-row generated export through every
# stage under valgrind's callgrind (instruction counts, inclusive and
# exclusive, per function) and, when the kernel allows it, perf record on
# the cpu-clock software event (sampled time, which also sees cache misses
# and system calls). Not part of make bench; tests/bench/PROFILE.md is
# written from its output.
#
#   bash tests/bench/profile.sh              (PROFILE_ROWS=200000 by default)
#
# Output: out/bench/profile/<stage>.callgrind.txt (callgrind_annotate, top
# functions by own and by inclusive instructions), <stage>.callgrind.out (the
# raw profile, for callgrind_annotate or kcachegrind), <stage>.perf.txt (perf
# report --no-children, top symbols by sampled time).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROWS=${PROFILE_ROWS:-200000}
OUT=$ROOT/out/bench/profile
mkdir -p "$OUT"
W=$(mktemp -d /tmp/rs-profile.XXXXXX)
trap 'rm -rf "$W"' EXIT
KEY=$ROOT/samples/keys/demo.key
# A private copy of the programs: a rebuild of bin/ meanwhile changes nothing.
mkdir -p "$W/bin"
for p in rs-gen rs-ingest rs-validate rs-aggregate rs-report; do
	cp "$ROOT/bin/$p" "$W/bin/$p"
done
BIN=$W/bin

command -v valgrind >/dev/null || { echo "profile: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
have_perf=0
if command -v perf >/dev/null && perf record -e cpu-clock -o "$W/probe.data" true >/dev/null 2>&1; then
	have_perf=1
fi

"$BIN/rs-gen" --rows "$ROWS" --seed 1 -o "$W/export.csv" 2>/dev/null
mkdir -p "$W"/{ingest,validate,aggregate,report}
declare -A CMD
CMD[ingest]="$BIN/rs-ingest -q -m $ROOT/samples/mappings/generated.yaml -k $KEY -o $W/ingest/records.csv.gz -r $W/ingest/rejects.csv.gz -s $W/ingest/ingest.json $W/export.csv"
CMD[validate]="$BIN/rs-validate -q --period 2024-01..2024-12 --source export.csv -o $W/validate/valid.csv.gz -r $W/validate/rejects.csv.gz -w $W/validate/warnings.csv.gz -s $W/validate/validate.json $W/ingest/records.csv.gz"
CMD[aggregate]="$BIN/rs-aggregate -q -o $W/aggregate/agg.csv.gz $W/validate/valid.csv.gz"
CMD[report]="$BIN/rs-report -q --period 2024-01..2024-12 --quality $W/ingest/ingest.json --quality $W/validate/validate.json -o $W/report/out $W/aggregate/agg.csv.gz"

for s in ingest validate aggregate report; do
	echo "profile: $s (callgrind, $ROWS rows)" >&2
	# shellcheck disable=SC2086
	valgrind --tool=callgrind --callgrind-out-file="$W/$s.cg" ${CMD[$s]} 2>"$W/$s.vg.log"
	callgrind_annotate --auto=no --inclusive=no --threshold=99 "$W/$s.cg" >"$W/$s.self.txt"
	callgrind_annotate --auto=no --inclusive=yes --threshold=99.9 "$W/$s.cg" >"$W/$s.incl.txt"
	{
		head -70 "$W/$s.self.txt"
		echo
		echo "--- inclusive ---"
		grep -v '^ *[0-9,]* ([ 0-9.]*%)  /work' "$W/$s.incl.txt" | head -150
	} >"$OUT/$s.callgrind.txt"
	cp "$W/$s.cg" "$OUT/$s.callgrind.out"
	if [ "$have_perf" = 1 ]; then
		echo "profile: $s (perf record -e cpu-clock)" >&2
		# shellcheck disable=SC2086
		perf record -q -e cpu-clock -F 2000 -g -o "$W/$s.perf" ${CMD[$s]} 2>/dev/null
		perf report -i "$W/$s.perf" --no-children --stdio --percent-limit 0.5 \
			--sort symbol,dso -g none >"$W/$s.perf.txt" 2>/dev/null || true
		grep -v '^$' "$W/$s.perf.txt" | head -50 >"$OUT/$s.perf.txt" || true
	fi
done
echo "profile: wrote $OUT" >&2
