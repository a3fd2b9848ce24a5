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
want=('1 ["a","b"] 2 ["1","2"] 3 N["3","4"] ' '1 ["a","b"] 2 ["1","2"] 3 N["3","x\ny"] '
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
expect_exit 1 "an export cut in the middle of a row stops ingest (exit 1: a data failure)" ing "$TMP/cut/erqi-2024.csv"
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
expect_exit 1 "a UTF-8 export cut inside a quoted field stops ingest" \
	"$BIN/rs-ingest" -m "$TMP/u8.yaml" -k "$KEY" -o "$TMP/u8.csv.gz" "$TMP/cut/u8.csv"
grep -q "ends in the middle of a row at line 2703 (a quoted field still open)" "$TMP/.err" &&
	ok "... at its line" || fail "... at its line" "$(cat "$TMP/.err")"
iconv -f gb18030 -t utf-8 "$TMP/cut/whole.csv" >"$TMP/cut/u8b.csv"
printf '\n410103,%s,' '嵩山' >>"$TMP/cut/u8b.csv"
expect_exit 1 "a UTF-8 export cut after a delimiter stops ingest" \
	"$BIN/rs-ingest" -m "$TMP/u8.yaml" -k "$KEY" -o "$TMP/u8.csv.gz" "$TMP/cut/u8b.csv"
grep -q "ends in the middle of a row at line 2703 (3 fields of 15)" "$TMP/.err" &&
	ok "... counting its fields" || fail "... counting its fields" "$(cat "$TMP/.err")"
# A footer line (制表人：…) as the very last line, with no line end after
# it, is a footer like any other, not a cut export.
iconv -f gb18030 -t utf-8 "$TMP/cut/whole.csv" >"$TMP/cut/u8f.csv"
printf '
%s' '制表人：张三' >>"$TMP/cut/u8f.csv"
expect_exit 0 "a footer line without a final newline is no cut" \
	"$BIN/rs-ingest" -m "$TMP/u8.yaml" -k "$KEY" -o "$TMP/u8f.csv.gz" -s "$TMP/u8f.json" "$TMP/cut/u8f.csv"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if j["footers"] == 1 and j["footer_rows"][0]["line"] == 2703 and j["records"] + j["reject_total"] == 2701 else 1)' "$TMP/u8f.json" &&
	ok "... counted as the export's one footer row, line 2703" || fail "... counted as a footer row" "$(cat "$TMP/u8f.json") $(cat "$TMP/.err")"

# A writer still appending to the export while the run reads it: the
# runner stats each task's inputs again when the task ends, and one that
# changed fails the task; nothing downstream runs, nothing is published.
RS=$BIN/reliefstat
OUT=$TMP/out
RUN=("$RS" run --allow-outside --var "out=$OUT")
mkdir -p "$TMP/w" "$TMP/wrap"
cp "$src" "$TMP/w/erqi-2024.csv"
# rs-ingest, and the writer: once (when $TMP/writer exists) it runs that
# script on the export after ingest has read it, before the task ends
cat >"$TMP/wrap/rs-ingest" <<SH
#!/bin/sh
"$BIN/rs-ingest" "\$@"; rc=\$?
for a; do last=\$a; done
if [ -e "$TMP/writer" ] && [ "\$last" = "$TMP/w/erqi-2024.csv" ]; then
	sh "$TMP/writer" "\$last"; rm -f "$TMP/writer"
fi
exit \$rc
SH
chmod +x "$TMP/wrap/rs-ingest"
yearend_copy "$TMP/p" -e "s#file: samples/exports/erqi-2024.csv#file: $TMP/w/erqi-2024.csv#" \
	-e "s#run: \[bin/rs-ingest,#run: [$TMP/wrap/rs-ingest,#"
P=$TMP/p/yearend.yaml
published_sums() { (cd "$OUT" && find . -path '*/report/*' -type f | sort | xargs sha256sum); }
expect_exit 0 "the pipeline runs (ingest through a wrapper)" "${RUN[@]}" -q "$P"
expect_exit 0 "... twice" "${RUN[@]}" -q "$P"
published_sums >"$TMP/pub.before"
for writer in "echo >>\"\$1\"" "touch -d '2020-01-01 00:00' \"\$1\""; do
	printf '%s\n' "$writer" >"$TMP/writer"
	echo >>"$TMP/w/erqi-2024.csv"   # a blank line more: ingest reruns
	n=$(grep -c . "$OUT/.reliefstat/ledger.jsonl")
	expect_exit 1 "an export written to while ingest read it fails the run ($(cut -d' ' -f1 "$TMP/writer"))" "${RUN[@]}" "$P"
	grep -q "ingest@erqi-2024: '$TMP/w/erqi-2024.csv' changed while rs-ingest read it: it is still being written or copied -- run again when the copy has finished" "$TMP/.err" &&
		ok "... naming the file, the stage and the fix" || fail "... naming the file, the stage and the fix" "$(cat "$TMP/.err")"
	python3 - "$OUT/.reliefstat/ledger.jsonl" "$n" <<'PY' && ok "... running nothing after it" || fail "... running nothing after it" "$(tail -n +$((n + 1)) "$OUT/.reliefstat/ledger.jsonl" | cut -c1-200)"
import json, sys
new = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
ran = [(e["stage"], e["state"]) for e in new if e.get("kind") == "task" and e["state"] != "up to date"]
sys.exit(0 if ran == [("ingest@erqi-2024", "failed")] else 1)
PY
	published_sums | cmp -s - "$TMP/pub.before" && ok "... publishing nothing" ||
		fail "... publishing nothing" "$(published_sums | diff - "$TMP/pub.before" | head -5)"
	expect_exit 1 "... and status says ingest runs again" "$RS" status --var "out=$OUT" "$P"
	grep -q "ingest@erqi-2024.*changed while rs-ingest read it" "$TMP/.out" && ok "... saying why" || fail "... saying why" "$(grep -A3 ingest@erqi-2024 "$TMP/.out")"
done
expect_exit 0 "once the copy has finished the run goes through" "${RUN[@]}" -q "$P"
published_sums | grep -v /changes | cmp -s - <(grep -v /changes "$TMP/pub.before") &&
	ok "... publishing the same figures (blank lines added)" ||
	fail "... publishing the same figures" "$(published_sums | diff - "$TMP/pub.before" | head -5)"

# The cut export through a first run: nothing published, and the last
# line says no report has figures yet.
yearend_copy "$TMP/pc" -e "s#file: samples/exports/erqi-2024.csv#file: $TMP/cut/erqi-2024.csv#"
expect_exit 1 "a first run on a cut export fails" "$RS" run --allow-outside --var "out=$TMP/outc" "$TMP/pc/yearend.yaml"
grep -q "ends in the middle of a row at line 2703" "$TMP/.err" && ok "... naming the cut" || fail "... naming the cut" "$(cat "$TMP/.err")"
tail -1 "$TMP/.err" | grep -q "^reliefstat: published tables not updated: ingest@erqi-2024 failed -- reports updated: none; kept the previous run's figures: none; none published yet: report@tongan-2024, " &&
	ok "... its last line: no report updated, none published yet" || fail "... its last line: no report updated, none published yet" "$(tail -1 "$TMP/.err")"
[ -z "$(find "$TMP/outc" -path '*/report/*' -type f | head -1)" ] && ok "... publishing nothing" || fail "... publishing nothing" "$(find "$TMP/outc" -path '*/report/*' | head -3)"
