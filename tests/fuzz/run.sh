#!/bin/sh
# tests/fuzz/run.sh SECONDS TARGET... - runs each libFuzzer target
# (bin-fuzz/rs-fuzz-TARGET, built by `make fuzz`) for SECONDS on its corpus
# in build-fuzz/corpus/TARGET, seeded by seeds.sh. Prints one line per
# target with the number of inputs it ran, and exits 1 if any target found
# a crash, a leak, a timeout or a broken property: its input is kept in
# build-fuzz/artifacts/TARGET/ and the last lines of its log are shown.
# Once fixed, copy the input to tests/fuzz/regress/TARGET/ so `make test`
# replays it for ever.
set -u
secs=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build-fuzz
fail=0 total=0
rm -rf "$work/seeds"
sh "$root/tests/fuzz/seeds.sh" "$work/seeds" "$root/bin" || exit 1
for t in "$@"; do
	corpus=$work/corpus/$t art=$work/artifacts/$t/ log=$work/fuzz-$t.log
	mkdir -p "$corpus" "$art"
	case $t in
	yaml_catalog) maxlen=40000 ;;
	records|aggrd) maxlen=16384 ;;
	*) maxlen=8192 ;;
	esac
	case $t in
	yaml_*) dict=$root/tests/fuzz/yaml.dict ;;
	*) dict=$root/tests/fuzz/csv.dict ;;
	esac
	start=$(date +%s)
	"$root/bin-fuzz/rs-fuzz-$t" -max_total_time="$secs" -timeout=25 \
		-rss_limit_mb=2560 -max_len="$maxlen" -dict="$dict" \
		-print_final_stats=1 -artifact_prefix="$art" \
		"$corpus" "$work/seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	runs=${runs:-0}
	total=$((total + runs))
	echo "fuzz: $t: $runs inputs in $(( $(date +%s) - start ))s, corpus $(ls "$corpus" | wc -l) files, exit $rc"
	if [ "$rc" != 0 ]; then
		fail=1
		tail -40 "$log" | sed 's/^/    /'
		echo "fuzz: $t: found: $(ls "$art" | tr '\n' ' ')"
	fi
done
echo "fuzz: $total inputs over $# targets; $([ $fail = 0 ] && echo 'nothing found' || echo 'FAILURES above')"
exit $fail
