#!/bin/bash
# tests/t_gates.sh - the loss gates (common/gate.c): rs-ingest and rs-validate
# over their reject threshold exit 1 with every output written, name the top
# reason, a masked sample line and the fix; the runner then leaves the
# published set as it was and says so; --accept-loss publishes it anyway and
# is recorded in the summary, the ledger and the quality table.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
cd "$ROOT" || exit 1

# The case of issue 20: a Traditional-script GB18030 export in 万元 whose
# mapping forgot amount_unit (tongan-2024 converted, its mapping without
# the key).
opencc -c s2t -i samples/exports/tongan-2024.csv -o "$TMP/t.csv" &&
	sed '1s/^\xef\xbb\xbf//' "$TMP/t.csv" | iconv -f UTF-8 -t GB18030 >"$TMP/tw.csv" ||
	fail "make the GB18030 export" "opencc or iconv failed"
sed -e 's/^encoding: .*/encoding: gb18030/' -e '/^amount_unit/d' samples/mappings/tongan.yaml >"$TMP/tw.yaml"
ING=("$BIN/rs-ingest" --mapping "$TMP/tw.yaml" --key "$KEY" -o "$TMP/r.csv.gz"
     -r "$TMP/rej.csv.gz" -s "$TMP/i.json" "$TMP/tw.csv")

expect_exit 1 "万元 without amount_unit: rs-ingest exits 1" "${ING[@]}"
grep -q "5356 of 5380 rows rejected (99.55%), above the reject threshold 5.00%" "$TMP/.err" &&
	grep -q "top reason bad_amount: 5338 rows (99.22%)" "$TMP/.err" &&
	ok "the message names the share, the threshold, the top reason and its count" ||
	fail "the message names the share, the threshold, the top reason and its count" "$(cat "$TMP/.err")"
grep -q "set \`amount_unit: 万元\` in '$TMP/tw.yaml'" "$TMP/.err" &&
	ok "the fix: the column looks like 万元, set amount_unit in the mapping" ||
	fail "the fix: the column looks like 万元, set amount_unit in the mapping" "$(cat "$TMP/.err")"
grep -q "e.g. tw.csv:2: amount '0.0168' is more precise than a fen | 1,350212007006," "$TMP/.err" &&
	ok "a sample line with file:line" || fail "a sample line with file:line" "$(cat "$TMP/.err")"
grep -q '350212\*\*\*\*\*\*\*\*3775' "$TMP/.err" && ! grep -Eq '[0-9]{17}[0-9Xx]' "$TMP/.err" &&
	ok "the sample's ID is masked" || fail "the sample's ID is masked" "$(cat "$TMP/.err")"
[ -s "$TMP/r.csv.gz" ] && [ -s "$TMP/rej.csv.gz" ] &&
	grep -q '"gate":{"max_reject_rate":0.05,"rows":5380,"rejected":5356,"over":true,"top_reason":"bad_amount"}' "$TMP/i.json" &&
	ok "outputs written, the summary records the gate" || fail "outputs written, the summary records the gate" "$(cat "$TMP/i.json")"

expect_exit 1 "accepting another reason does not pass" "${ING[@]}" --accept-loss=bad_id
# Accepting the loss leaves the 24 amounts with two decimals, read as 元:
# nearly all under 1 元, so the stage still stops, naming amount_unit.
expect_exit 1 "accepting bad_amount: the amounts left, under 1 元, still stop" "${ING[@]}" --accept-loss=bad_amount
grep -q "'tw.csv': [0-9]* of [0-9]* payments are under 1 元, read in 元 because mapping '$TMP/tw.yaml' does not set amount_unit: the export is most likely in 万元 -- set amount_unit: 万元 there (or amount_unit: 元 if these really are yuan)" "$TMP/.err" &&
	ok "... naming the fix, and how to say they really are yuan" || fail "... naming the fix, and how to say they really are yuan" "$(cat "$TMP/.err")"
# A mapping that says 元 on purpose: the accepting mechanics.
{ cat "$TMP/tw.yaml"; echo "amount_unit: 元"; } >"$TMP/twy.yaml"
ING=("${ING[@]}" --mapping "$TMP/twy.yaml")
expect_exit 0 "--accept-loss=bad_amount passes (amount_unit: 元 set)" "${ING[@]}" --accept-loss=bad_amount
grep -q '"gate":{"max_reject_rate":0.05,"rows":5380,"rejected":18,"over":false},"loss_accepted":{"bad_amount":5338}' "$TMP/i.json" &&
	ok "the summary records the accepted loss" || fail "the summary records the accepted loss" "$(cat "$TMP/i.json")"
expect_exit 0 "--accept-loss (every reason) passes" "${ING[@]}" --accept-loss
expect_exit 0 "--max-reject-rate 100% passes" "${ING[@]}" --max-reject-rate 100%
{ cat "$TMP/twy.yaml"; echo "max_reject_rate: 1"; } >"$TMP/loose.yaml"
expect_exit 0 "max_reject_rate: 1 in the mapping passes" "${ING[@]}" --mapping "$TMP/loose.yaml"
sed -e 's/^encoding: .*/encoding: gb18030/' samples/mappings/tongan.yaml >"$TMP/fixed.yaml"
expect_exit 0 "the fix named (amount_unit: 万元) passes" "${ING[@]}" --mapping "$TMP/fixed.yaml"

# Per reason, and the overrides' errors.
GOOD=("$BIN/rs-ingest" -q --mapping samples/mappings/tongan.yaml --key "$KEY" -o "$TMP/g.csv.gz"
      -s "$TMP/g.json" samples/exports/tongan-2024.csv)
expect_exit 0 "the sample export passes the default gate" "${GOOD[@]}"
expect_exit 1 "a per-reason threshold: bad_id=0.1% of 5380 rows allows 5, not 6" "${GOOD[@]}" --max-reject-rate bad_id=0.001
grep -q "6 of 5380 rows rejected as bad_id (0.11%), above its threshold 0.10%" "$TMP/.err" &&
	ok "the per-reason message" || fail "the per-reason message" "$(cat "$TMP/.err")"
expect_exit 0 "bad_id=0.2% allows 10" "${GOOD[@]}" --max-reject-rate bad_id=0.002
{ cat samples/mappings/tongan.yaml; echo "max_reject_rates: {bad_id: 0.001}"; } >"$TMP/per.yaml"
expect_exit 1 "max_reject_rates in the mapping" "${GOOD[@]}" --mapping "$TMP/per.yaml"
expect_exit 2 "--accept-loss of an unknown reason is a usage error" "${GOOD[@]}" --accept-loss=bad_amont
grep -q "'bad_amont' is not a reject reason" "$TMP/.err" && ok "  ... naming it" || fail "  ... naming it" "$(cat "$TMP/.err")"
expect_exit 2 "--max-reject-rate 2 is a usage error" "${GOOD[@]}" --max-reject-rate 2
{ cat samples/mappings/tongan.yaml; echo "max_reject_rate: 1.5"; } >"$TMP/bad.yaml"
expect_exit 2 "max_reject_rate: 1.5 in a mapping is a configuration error" "${GOOD[@]}" --mapping "$TMP/bad.yaml"
grep -q "bad.yaml':1[0-9]:18: max_reject_rate must be a share from 0 to 1" "$TMP/.err" &&
	ok "  ... with file:line:column" || fail "  ... with file:line:column" "$(cat "$TMP/.err")"

# rs-validate: the same gate from the rules file.
VAL=("$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$TMP/v.csv.gz" -s "$TMP/v.json" "$TMP/g.csv.gz")
expect_exit 0 "rs-validate: the sample passes" "${VAL[@]}"
expect_exit 1 "rs-validate: over a per-reason threshold exits 1" "${VAL[@]}" --max-reject-rate duplicate_payment=0
grep -q "rows rejected as duplicate_payment" "$TMP/.err" && grep -q "likely fix: the export may hold some months twice" "$TMP/.err" &&
	[ -s "$TMP/v.csv.gz" ] && grep -q '"over":true' "$TMP/v.json" &&
	ok "  ... naming the reason and the fix, outputs written" || fail "  ... naming the reason and the fix, outputs written" "$(cat "$TMP/.err")"
expect_exit 0 "rs-validate: --accept-loss=duplicate_payment passes" "${VAL[@]}" --max-reject-rate duplicate_payment=0 --accept-loss=duplicate_payment
grep -q '"loss_accepted":{"duplicate_payment":6}' "$TMP/v.json" && ok "  ... and is recorded" || fail "  ... and is recorded" "$(cat "$TMP/v.json")"

# The runner: a good run, then the bad export; the published set stays.
OUT=$TMP/out
RUN=("$RS" run --allow-outside --var "out=$OUT")
published_sums() { (cd "$OUT" && find tongan-2024/report/published all -type f | sort | xargs sha256sum); }
expect_exit 0 "the sample pipeline runs" "${RUN[@]}" -q pipelines/yearend.yaml
published_sums >"$TMP/before.sum"
yearend_copy "$TMP/bad" -e "s#file: samples/exports/tongan-2024.csv, mapping: samples/mappings/tongan.yaml#file: $TMP/tw.csv, mapping: $TMP/twy.yaml#"
expect_exit 1 "the run with the forgotten amount_unit exits 1" "${RUN[@]}" "$TMP/bad/yearend.yaml"
tail -1 "$TMP/.err" | grep -q "published tables not updated: ingest@tongan-2024 over its reject threshold (fix the cause named above, or accept the loss: reliefstat run $TMP/bad/yearend.yaml --accept-loss tongan-2024:bad_amount)" &&
	ok "its last line: published tables not updated, and why" || fail "its last line: published tables not updated, and why" "$(tail -3 "$TMP/.err")"
grep -q "amount_unit: 万元" "$TMP/.err" && ok "the run shows the stage's fix" || fail "the run shows the stage's fix" "$(tail -8 "$TMP/.err")"
published_sums | cmp -s - "$TMP/before.sum" &&
	ok "the published set (the source's and out/all) is byte-unchanged" ||
	fail "the published set (the source's and out/all) is byte-unchanged" "$(published_sums | diff - "$TMP/before.sum" | head -5)"
[ -s "$OUT/tongan-2024/ingest-rejects.csv.gz" ] && grep -q '"over":true' "$OUT/tongan-2024/ingest.json" &&
	ok "the failed stage's outputs stay for inspection" || fail "the failed stage's outputs stay for inspection"
expect_exit 1 "the next run fails the same way" "${RUN[@]}" "$TMP/bad/yearend.yaml"
published_sums | cmp -s - "$TMP/before.sum" && ok "  ... and still publishes nothing" || fail "  ... and still publishes nothing"

expect_exit 2 "--accept-loss of an unknown source is a usage error" "${RUN[@]}" "$TMP/bad/yearend.yaml" --accept-loss nosuch-2024
grep -q "no ingest or validate stage of source 'nosuch-2024'" "$TMP/.err" && ok "  ... naming it" || fail "  ... naming it" "$(cat "$TMP/.err")"
expect_exit 0 "run --accept-loss tongan-2024:bad_amount publishes" "${RUN[@]}" -q "$TMP/bad/yearend.yaml" --accept-loss tongan-2024:bad_amount
grep -q '"stage":"ingest@tongan-2024",.*"exit":0,"accept_loss":"bad_amount"' "$OUT/.reliefstat/ledger.jsonl" &&
	ok "the ledger records the accepted loss" || fail "the ledger records the accepted loss" "$(tail -3 "$OUT/.reliefstat/ledger.jsonl")"
NOTE='特别说明：本期数据含经确认接受的数据损失，厦门市同安区导入时有5338行（占读入5380行的99.2%）因“金额格式有误”被拒绝；这些行未计入本报告的任何数字，本次发布未按拒绝比例上限停止，请核实后使用。'
grep -qF "$NOTE" "$OUT/tongan-2024/report/published/quality.md" &&
	grep -qF "厦门市同安区2024年导入时有5338行" "$OUT/all/report/published/quality.md" &&
	! grep -q 'tw\.csv' "$OUT/tongan-2024/report/published/quality.md" &&
	ok "the quality tables say the loss was accepted (rows, share, reason in Chinese; no file name)" ||
	fail "the quality tables say the loss was accepted" "$(tail -3 "$OUT/tongan-2024/report/published/quality.md")"
# ... and so do the bulletin, before its first figure, and the page.
B=$OUT/tongan-2024/report/published/bulletin.txt
sed -n 3p "$B" | grep -qxF "$NOTE" && sed -n 5p "$B" | grep -q '^2024年，厦门市同安区共发放各类救助资金' &&
	ok "the bulletin says so before its figures" || fail "the bulletin says so before its figures" "$(head -6 "$B")"
grep -qF "<p class=\"loss\">$NOTE</p>" "$OUT/tongan-2024/report/published/report.html" &&
	grep -qF '<p class="loss">特别说明：本期数据含经确认接受的数据损失，厦门市同安区2024年导入时有5338行' "$OUT/all/report/published/report.html" &&
	ok "the page says so in its header (the merged one too)" || fail "the page says so in its header"
! grep -q '特别说明' "$OUT/erqi-2024/report/published/bulletin.txt" && ok "a source with no accepted loss has no such note" ||
	fail "a source with no accepted loss has no such note"
expect_exit 0 "reliefstat runs" "$RS" runs --var "out=$OUT" "$TMP/bad/yearend.yaml"
tail -1 "$TMP/.out" | grep -q '  0  loss accepted: ingest@tongan-2024$' && ! sed -n 2p "$TMP/.out" | grep -q 'loss' &&
	ok "runs marks the run that accepted a loss (only that one)" || fail "runs marks the run that accepted a loss" "$(cat "$TMP/.out")"
expect_exit 0 "reliefstat show" "$RS" show --var "out=$OUT" "$TMP/bad/yearend.yaml"
grep -A1 '^ingest@tongan-2024 ' "$TMP/.out" | grep -qx '    loss accepted (--accept-loss), published anyway: bad_amount 5338 (99.22% of 5380 rows)' &&
	ok "show says which stage accepted what" || fail "show says which stage accepted what" "$(grep -A2 '^ingest@tongan' "$TMP/.out")"

# The preview: the first rows through the mapping, nothing written.
mkdir -p "$TMP/pv" && cd "$TMP/pv" || exit 1
expect_exit 0 "preview: rs-ingest --preview=5 exits 0" "$BIN/rs-ingest" --preview=5 --mapping "$TMP/tw.yaml" "$TMP/tw.csv"
grep -q "^preview of 'tw.csv' through '$TMP/tw.yaml': 5 data rows, header at record 1; nothing written" "$TMP/.out" &&
	grep -q "^amount          column 12 '發放金額（萬元）'" "$TMP/.out" &&
	grep -q "^    raw:    '0.0168' | '0.2514' | '0.2213'" "$TMP/.out" &&
	grep -q "^rejects of these 5 rows: 5 (bad_amount 5)" "$TMP/.out" &&
	grep -q "likely fix: the amount column looks like 万元" "$TMP/.out" &&
	ok "  ... the header matched, raw values, the rejects and the fix" || fail "  ... the header matched, raw values, the rejects and the fix" "$(cat "$TMP/.out")"
[ -z "$(ls -A "$TMP/pv")" ] && ok "  ... writes nothing" || fail "  ... writes nothing" "$(ls -A "$TMP/pv")"
grep -q "350212\*\*\*\*\*\*\*\*3775" "$TMP/.out" && ! grep -Eq '[0-9]{17}[0-9Xx]' "$TMP/.out" &&
	ok "  ... IDs masked" || fail "  ... IDs masked" "$(grep -n id "$TMP/.out")"
expect_exit 0 "preview: the default is 20 rows, parsed values shown" "$BIN/rs-ingest" --preview --mapping "$TMP/fixed.yaml" "$TMP/tw.csv"
grep -q ": 20 data rows" "$TMP/.out" && grep -q "^    parsed: '168.00 元'" "$TMP/.out" &&
	grep -q "^    parsed: 'disab_living'" "$TMP/.out" && grep -q "^rejects of these 20 rows: 0$" "$TMP/.out" &&
	ok "  ... 万元 read as yuan, labels as codes" || fail "  ... 万元 read as yuan, labels as codes" "$(cat "$TMP/.out")"
expect_exit 2 "preview: --preview=0 is a usage error" "$BIN/rs-ingest" --preview=0 --mapping "$TMP/tw.yaml" "$TMP/tw.csv"
cd "$ROOT" || exit 1
expect_exit 0 "reliefstat preview PIPELINE SOURCE N" "$RS" preview "$TMP/bad/yearend.yaml" tongan-2024 4
grep -q "^preview of 'tw.csv' through '$TMP/twy.yaml': 4 data rows" "$TMP/.out" && grep -q "amount_unit: 万元" "$TMP/.out" &&
	ok "  ... previews that source's export through its mapping" || fail "  ... previews that source's export through its mapping" "$(head -3 "$TMP/.out")"
expect_exit 2 "reliefstat preview of an unknown source exits 2" "$RS" preview "$TMP/bad/yearend.yaml" nosuch

# A misspelt program label under the loss gate would take a whole program
# out of the tables: a label neither the catalog nor the mapping knows, on
# 10 rows or more, fails ingest (outputs written), naming the label, a near
# catalog name and the fixes; stray labels on a row or two do not.
"$BIN/rs-gen" --rows 3000 --seed 7 -o "$TMP/g.csv" >/dev/null 2>&1
sed 's/,临时救助,/,临时求助,/' "$TMP/g.csv" >"$TMP/typo.csv"
GI=("$BIN/rs-ingest" --mapping samples/mappings/generated.yaml --key "$KEY" -o "$TMP/gr.csv.gz"
    -r "$TMP/grej.csv.gz" -s "$TMP/gi.json")
expect_exit 0 "an export with two stray unknown labels passes" "${GI[@]}" "$TMP/g.csv"
expect_exit 1 "a misspelt label on 14 rows fails ingest" "${GI[@]}" "$TMP/typo.csv"
grep -q "the program label '临时求助' on 14 rows is not in the catalog or the mapping's programs (did you mean '临时救助', code linshi?); a whole program would be missing from the tables: map it under programs: in 'samples/mappings/generated.yaml' (e.g. '临时求助: linshi'), or accept the loss with --accept-loss unknown_program" "$TMP/.err" &&
	ok "... naming the label, its rows, the near name and the fixes" || fail "... naming the label, its rows, the near name and the fixes" "$(cat "$TMP/.err")"
[ -s "$TMP/gr.csv.gz" ] && grep -q '"over":true,"top_reason":"unknown_program"' "$TMP/gi.json" &&
	ok "... outputs written, the summary's gate over on unknown_program (the runner offers --accept-loss SOURCE:unknown_program)" ||
	fail "... outputs written, the summary's gate over on unknown_program" "$(cat "$TMP/gi.json")"
expect_exit 0 "--accept-loss=unknown_program passes" "${GI[@]}" "$TMP/typo.csv" --accept-loss=unknown_program
# Fewer than 10 rows, but a large share of the program they resemble: 4 of
# 临时救助's 14 rows misspelt fail; 2 of them (a stray pair) do not.
awk -F, 'BEGIN { OFS = "," } /,临时救助,/ && n < 4 { n++; sub(/,临时救助,/, ",临时求助,") } { print }' "$TMP/g.csv" >"$TMP/typo4.csv"
awk -F, 'BEGIN { OFS = "," } /,临时救助,/ && n < 2 { n++; sub(/,临时救助,/, ",临时求助,") } { print }' "$TMP/g.csv" >"$TMP/typo2.csv"
expect_exit 1 "a misspelt label on 4 of a program's 14 rows fails ingest" "${GI[@]}" "$TMP/typo4.csv"
grep -q "the program label '临时求助' on 4 rows is not in the catalog or the mapping's programs (did you mean '临时救助', code linshi? these are 28.6% of its 14 rows); those payments would be missing from the tables: map it under programs: in 'samples/mappings/generated.yaml' (e.g. '临时求助: linshi')" "$TMP/.err" &&
	ok "... naming the share of the program and the code to map it to" || fail "... naming the share of the program and the code" "$(cat "$TMP/.err")"
expect_exit 0 "... on 2 rows it does not (they are rejects with a reason)" "${GI[@]}" "$TMP/typo2.csv"

# The runner's last line names what stopped the run, as the stage said it,
# with the stage's own fix and, where a loss can be accepted, the command:
# the reject gate (ingest's, validate's), a misspelt label, 万元 read as
# 元, a total row that disagrees (a merge's overlap: t_district.sh). Each
# case: a one-source pipeline run from its directory, as a user would.
S=$TMP/stops
mkdir -p "$S"
cp "$TMP/typo.csv" "$S/typo.csv"
cp "$TMP/g.csv" "$S/g.csv"
sed '/^amount_unit/d' samples/mappings/generated.yaml >"$S/nounit.yaml"
cp samples/mappings/generated.yaml "$S/gen.yaml"
{ cat samples/mappings/generated.yaml; echo 'max_reject_rate: 0.0001'; } >"$S/strict.yaml"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $12 = "0.73" } { print }' "$TMP/g.csv" >"$S/wan.csv"
{ cat "$TMP/g.csv"; echo '合计,,,,,,,,,,,999.00,,,'; } >"$S/total.csv"
cat >"$S/p.yaml" <<YAML
vars: {out: out, export: g.csv, mapping: gen.yaml, vrate: "0.05"}
stages:
  ingest:
    foreach: [x-2024]
    run: [rs-ingest, --mapping, "\${mapping}", --key, "$KEY", -o, "\${out}/r.csv.gz",
          --rejects, "\${out}/ij.csv.gz", --summary, "\${out}/ingest.json", "\${export}"]
    inputs: ["\${export}", "\${mapping}"]
    outputs: ["\${out}/r.csv.gz", "\${out}/ij.csv.gz", "\${out}/ingest.json"]
  validate:
    foreach: [x-2024]
    run: [rs-validate, --period, 2024-01..2024-12, --max-reject-rate, "\${vrate}",
          -o, "\${out}/v.csv.gz", --rejects, "\${out}/vj.csv.gz", --summary, "\${out}/validate.json",
          "\${out}/r.csv.gz"]
    inputs: ["\${out}/r.csv.gz"]
    outputs: ["\${out}/v.csv.gz", "\${out}/vj.csv.gz", "\${out}/validate.json"]
YAML
L="reliefstat: published tables not updated:"
while IFS='|' read -r name vars want; do
	# shellcheck disable=SC2086
	(cd "$S" && rm -rf out && "$RS" run p.yaml $vars) >"$TMP/.out" 2>"$TMP/.err"
	rc=$?
	last=$(tail -1 "$TMP/.err")
	[ $rc = 1 ] && [ "$last" = "$L $want" ] && ok "the runner's last line for $name" ||
		fail "the runner's last line for $name" "exit $rc" "got:  $last" "want: $L $want"
done <<EOF2
a misspelt label|--var export=typo.csv|ingest@x-2024 stopped: the program label '临时求助' on 14 rows is not in the catalog or the mapping's programs (did you mean '临时救助', code linshi?); a whole program would be missing from the tables (fix: map it under programs: in 'gen.yaml' (e.g. '临时求助: linshi'); or accept it for this run: reliefstat run p.yaml --accept-loss x-2024:unknown_program)
万元 read as 元|--var export=wan.csv --var mapping=nounit.yaml|ingest@x-2024 stopped: 2985 of 2985 payments are under 1 元, read in 元 because mapping 'nounit.yaml' does not set amount_unit: the export is most likely in 万元 (fix: set amount_unit: 万元 in 'nounit.yaml' (or amount_unit: 元 if these really are yuan))
a total row that disagrees|--var export=total.csv|ingest@x-2024 stopped: 1 total row of the export disagrees with the rows it closes (fix: export it again, whole; if the total row itself is known to be wrong, set total_mismatch: warn in 'gen.yaml')
ingest's reject gate|--var mapping=strict.yaml|ingest@x-2024 over its reject threshold (fix the cause named above, or accept the loss: reliefstat run p.yaml --accept-loss x-2024:malformed_line)
validate's reject gate|--var vrate=0.0001|validate@x-2024 over its reject threshold (fix the cause named above, or accept the loss: reliefstat run p.yaml --accept-loss x-2024:unknown_region)
EOF2
