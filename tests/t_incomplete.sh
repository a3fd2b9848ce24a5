#!/bin/bash
# Incomplete input: an export cut off in the middle of a row (copied in
# part, or still being copied) stops ingest before anything is committed;
# an export that merely lacks its final newline is read whole.
. "$(dirname "$0")/lib.sh"

# The reader flags the file's last record when no line end follows it
# (N), at any block size, and no other record.
printf 'a,b\n1,2\n3,4' >"$TMP/n1.csv"
printf 'a,b\n1,2\n3,"x\ny"' >"$TMP/n2.csv"
printf 'a,b\n1,2\n3,4\r' >"$TMP/n3.csv"
printf 'a,b\n1,2\n3,4\n' >"$TMP/n4.csv"
want=('1 ["a","b"] 2 ["1","2"] 3 N["3","4"] ' '1 ["a","b"] 2 ["1","2"] 3 N["3","x\u000ay"] '
      '1 ["a","b"] 2 ["1","2"] 3 ["3","4"] ' '1 ["a","b"] 2 ["1","2"] 3 ["3","4"] ')
bad=
for i in 1 2 3 4; do
	for bs in 0 1 2 3 7; do
		got=$(RS_CSV_BLOCK=$bs "$BIN/rs-csvdump" "$TMP/n$i.csv" | tr '\n' ' ')
		[ "$got" = "${want[$((i - 1))]}" ] || bad="$bad n$i/$bs: $got"
	done
done
[ -z "$bad" ] && ok "the last record is flagged when no line end follows it, at every block size" ||
	fail "the last record is flagged when no line end follows it" "$bad"

ing() { # EXPORT: ingest erqi's export into $TMP/o/
	"$BIN/rs-ingest" -m "$ROOT/samples/mappings/erqi.yaml" -k "$KEY" \
		--catalog "$ROOT/samples/reference/programs.yaml" \
		--catalog "$ROOT/samples/reference/programs-local.yaml" \
		-o "$TMP/o/records.csv.gz" -r "$TMP/o/rejects.csv.gz" --summary "$TMP/o/ingest.json" "$1"
}
mkdir -p "$TMP/o"
src=$ROOT/samples/exports/erqi-2024.csv   # GB18030
mkdir -p "$TMP/cut"
head -c $(($(stat -c %s "$src") / 2)) "$src" >"$TMP/cut/erqi-2024.csv"
expect_exit 0 "the whole export ingests" ing "$src"
cp -p "$TMP/o/records.csv.gz" "$TMP/o/ingest.json" "$TMP/"
expect_exit 2 "an export cut in the middle of a row stops ingest (exit 2)" ing "$TMP/cut/erqi-2024.csv"
grep -q "'erqi-2024.csv': the export ends in the middle of a row at line 2703 (3 fields of 15): it was cut short or is still being copied -- copy it again, whole" "$TMP/.err" &&
	ok "... naming the line, its fields and the fix" || fail "... naming the line, its fields and the fix" "$(cat "$TMP/.err")"
cmp -s "$TMP/o/records.csv.gz" "$TMP/records.csv.gz" && cmp -s "$TMP/o/ingest.json" "$TMP/ingest.json" &&
	[ -z "$(ls -A "$TMP/o" | grep -v -x -e records.csv.gz -e rejects.csv.gz -e ingest.json)" ] &&
	ok "... committing nothing: the last good outputs stay" || fail "... committing nothing" "$(ls -la "$TMP/o")"

# Cut after a line's end, minus that newline: the last row is whole, a record.
python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d[:d.rfind(b"\n")])' "$TMP/cut/erqi-2024.csv" "$TMP/cut/whole.csv"
expect_exit 0 "a whole last row without a final newline is a record" ing "$TMP/cut/whole.csv"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if j["rows_read"] == 2701 and j["rows_read"] == j["records"] + j["reject_total"] else 1)' "$TMP/o/ingest.json" &&
	ok "... every row read (2701), none lost" || fail "... every row read" "$(cat "$TMP/o/ingest.json")"
# UTF-8, a row cut short inside a quoted field and one cut after a delimiter
iconv -f gb18030 -t utf-8 "$TMP/cut/whole.csv" >"$TMP/cut/u8.csv"
printf '\n410103,"%s' '嵩山' >>"$TMP/cut/u8.csv"
sed 's/^encoding:.*/encoding: utf-8/' "$ROOT/samples/mappings/erqi.yaml" >"$TMP/u8.yaml"
grep -q '^encoding: utf-8' "$TMP/u8.yaml" || echo 'encoding: utf-8' >>"$TMP/u8.yaml"
expect_exit 2 "a UTF-8 export cut inside a quoted field stops ingest" \
	"$BIN/rs-ingest" -m "$TMP/u8.yaml" -k "$KEY" -o "$TMP/u8.csv.gz" "$TMP/cut/u8.csv"
grep -q "ends in the middle of a row at line 2703 (a quoted field still open)" "$TMP/.err" &&
	ok "... at its line" || fail "... at its line" "$(cat "$TMP/.err")"
iconv -f gb18030 -t utf-8 "$TMP/cut/whole.csv" >"$TMP/cut/u8b.csv"
printf '\n410103,%s,' '嵩山' >>"$TMP/cut/u8b.csv"
expect_exit 2 "a UTF-8 export cut after a delimiter stops ingest" \
	"$BIN/rs-ingest" -m "$TMP/u8.yaml" -k "$KEY" -o "$TMP/u8.csv.gz" "$TMP/cut/u8b.csv"
grep -q "ends in the middle of a row at line 2703 (3 fields of 15)" "$TMP/.err" &&
	ok "... counting its fields" || fail "... counting its fields" "$(cat "$TMP/.err")"
