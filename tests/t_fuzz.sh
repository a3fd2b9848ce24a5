#!/bin/bash
# tests/t_fuzz.sh - replays, through each fuzz target built with the
# ordinary compiler ($BIN/rs-fuzz-TARGET, see tests/fuzz/README.md), every
# input kept in tests/fuzz/regress/TARGET/ (what the fuzzers once found)
# and the seed corpus tests/fuzz/seeds.sh makes. Under make SANITIZE=...
# the replay runs under the sanitizers. `make fuzz` does the fuzzing.
. "$(dirname "$0")/lib.sh"
sh "$ROOT/tests/fuzz/seeds.sh" "$TMP/seeds" "$BIN" >/dev/null 2>&1 ||
	fail "seed corpus" "tests/fuzz/seeds.sh failed"
for t in csv ingest records aggrd mask yaml_mapping yaml_rules yaml_catalog yaml_pipeline workbook; do
	prog=$BIN/rs-fuzz-$t
	reg=$ROOT/tests/fuzz/regress/$t
	if [ ! -x "$prog" ]; then
		fail "fuzz target $t is built" "no $prog (make fuzz-replay)"
		continue
	fi
	n=$(ls "$reg" 2>/dev/null | wc -l)
	s=$(ls "$TMP/seeds/$t" 2>/dev/null | wc -l)
	expect_exit 0 "fuzz target $t: $n regression and $s seed inputs replay" \
		"$prog" $([ "$n" -gt 0 ] && echo "$reg") "$TMP/seeds/$t"
	if grep -Eq 'Sanitizer|runtime error|property failed' "$TMP/.err"; then
		fail "fuzz target $t: no report" "$(grep -E -m3 'Sanitizer|runtime error|property failed' "$TMP/.err")"
	fi
done
