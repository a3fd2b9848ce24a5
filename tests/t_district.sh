#!/bin/bash
# tests/t_district.sh - README "Add your district", as written. In a copy
# of the repository (pipelines/ copied: the commands add a line to
# pipelines/sources.yaml; samples/, tests/ and bin/ linked), the section's
# commands (all but make) with the workbook it names, made from erqi-2024
# by tests/workbook/district.py as the section says; then the same
# commands for a sample CSV (pidu-2023 under another name). Each new
# source's records are its sample's (lines aside for the workbook), the
# workbook's 合计 row is reconciled, yearend.yaml is untouched and the other
# sources stay up to date. Then the messages a newcomer meets: a line
# without prev, an export that is not where the line says.
. "$(dirname "$0")/lib.sh"

PYX=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import openpyxl' 2>/dev/null && { PYX=$p; break; }
done
[ -n "$PYX" ] || { fail "openpyxl is installed (apt-get install python3-openpyxl)"; exit 0; }

W=$TMP/repo
mkdir -p "$W" "$TMP/home" || exit 1
cp -a "$ROOT/pipelines" "$W/"
for e in samples tests README.md; do ln -s "$ROOT/$e" "$W/$e"; done
ln -s "$BIN" "$W/bin"
export HOME=$TMP/home

# The section's block, and its command that makes the workbook (the
# paragraph joined).
awk '/^## Add your district/ { s = 1 } s && /^```sh/ { b = 1; next } b && /^```/ { exit } b' \
	"$ROOT/README.md" | grep -v '^make' >"$TMP/block.sh"
[ "$(grep -c '^bin/\(rs-draft\|reliefstat \(check\|preview\|run\)\) ' "$TMP/block.sh")" = 4 ] &&
	ok "the README's block: rs-draft, check, preview, run" || fail "the README's block" "$(cat "$TMP/block.sh")"
mk=$(awk '/^## Add your district/ { s = 1 } s && /^To try it/ { p = 1 } p && /^$/ { exit } p' "$ROOT/README.md" |
	tr '\n' ' ' | grep -o '`python3 tests/workbook/district.py [^`]*`' | tr -d '`')
[ -n "$mk" ] && ok "the README says how to make the workbook" || fail "the README says how to make the workbook"
(cd "$W" && eval "\"$PYX\" ${mk#python3 }") >"$TMP/mk.out" 2>&1
[ -s "$HOME/二七区2024年发放明细.xlsx" ] && ok "... and it makes it" || fail "... and it makes it" "$(tail -3 "$TMP/mk.out")"

# The workbook is erqi-2024's payments again: added beside it, the merge
# stops (the same payments from two sources), naming both; the README's
# trial removes the sample's line first.
(cd "$W" && bash -e "$TMP/block.sh") >"$TMP/dup.out" 2>"$TMP/dup.err"
rc=$?
[ $rc = 1 ] && grep -q "rs-merge: 5345 of [0-9]* payments (beneficiary, program, month), [0-9.]*%, are paid by two or more inputs, over the 1% allowed (--max-overlap): most of them (5345) by both 'erqi-2024' and 'erqi-wb-2024'" "$TMP/dup.err" &&
	[ "$(tail -1 "$TMP/dup.err")" = "reliefstat: published tables not updated: merge stopped: 5345 of 26351 payments (beneficiary, program, month), 20.28%, are paid by two or more inputs, most of them (5345) by both 'erqi-2024' and 'erqi-wb-2024' (fix: one export given twice (a copy under another name, or one district's file in two sources): remove the copy from the sources; or accept it for this run: reliefstat run pipelines/yearend.yaml --accept-loss merge) -- reports updated: none; kept the previous run's figures: none; none published yet: report_all; made, held back until all are published together: report@tongan-2024, report@erqi-2023, report@erqi-2024, report@aimin-2024, report@pidu-2023, report@erqi-wb-2024 (the public keeps the previous set; once fixed, 'reliefstat run pipelines/yearend.yaml' publishes them all)" ] &&
	! grep -q 'PIPELINE' "$TMP/dup.err" &&
	[ ! -e "$W/out/all/report/published/programs-2024.csv" ] &&
	ok "the copy beside its sample: the merge stops (exit 1), naming both, nothing published; the last line says why and gives the command with the pipeline's path" ||
	fail "the copy beside its sample: the merge stops" "exit $rc" "$(tail -3 "$TMP/dup.err")"
(cd "$W" && bin/reliefstat run pipelines/yearend.yaml --only report_all) >"$TMP/only.out" 2>"$TMP/only.err"
rc=$?
[ $rc = 1 ] && tail -1 "$TMP/only.err" | grep -q "^reliefstat: will not run 'report_all' without its upstream: 'merge' failed in the last run .*; nothing was run -- fix the source and run without --only (reliefstat run pipelines/yearend.yaml), or accept the loss: reliefstat run pipelines/yearend.yaml --accept-loss merge$" &&
	ok "... --only downstream of the stopped merge refuses, offering --accept-loss merge" ||
	fail "... --only downstream of the stopped merge refuses, offering --accept-loss merge" "exit $rc" "$(tail -2 "$TMP/only.err")"
(cd "$W" && bin/reliefstat run pipelines/yearend.yaml --accept-loss merge) >"$TMP/acc.out" 2>"$TMP/acc.err"
rc=$?
[ $rc = 0 ] && grep -q "accepted for this run (--accept-loss)" "$W/out/.reliefstat/logs/merge.log" &&
	ok "... reliefstat run --accept-loss merge takes it for one run" ||
	fail "... reliefstat run --accept-loss merge takes it for one run" "exit $rc" "$(tail -4 "$TMP/acc.err")"
(cd "$W" && bin/reliefstat runs pipelines/yearend.yaml | tail -1 | grep -q '  loss accepted: merge$' &&
	bin/reliefstat show pipelines/yearend.yaml | grep -q '^    overlap accepted (--accept-loss), published anyway: 5345 payments (beneficiary, program, month) paid by two or more inputs ([0-9.]*% of [0-9]*)$') &&
	ok "... runs and show say the overlap was accepted" ||
	fail "... runs and show say the overlap was accepted" "$(cd "$W" && bin/reliefstat runs pipelines/yearend.yaml | tail -1; bin/reliefstat show pipelines/yearend.yaml | grep -A2 '^merge')"
# ... and the merged tables say so: how many payments two sources both
# made, and how they are counted (the quality table's note, the bulletin
# before its first figure, the page's header)
P=$W/out/all/report/published
note='有5345笔发放（同一救助对象、同一救助项目、同一月份）同时见于两个或以上来源，占合并的[0-9]*笔发放的[0-9.]*%，超过重复发放比例上限（1%），经确认予以接受，未作剔除：这些发放按各来源分别计入，支出、户次和人次含每个来源的金额和笔数（重复计算），同一救助对象在保障人数、保障户数中只计一次'
grep -q "$note" "$P/quality.md" &&
	sed -n 3p "$P/bulletin.txt" | grep -q "^特别说明：合并各来源时，$note" && grep -q "$note" "$P/report.html" &&
	ok "... the merged quality table, bulletin and page state the 5345 payments two sources made and how they are counted" ||
	fail "... the merged tables state the accepted overlap" "$(grep -h '合并各来源' "$P/quality.md" "$P/bulletin.txt" | head -3)"
sed -i '$d' "$W/pipelines/sources.yaml"
del=$(awk '/^## Add your district/ { s = 1 } s && /^It holds/ { p = 1 } p && /^$/ { exit } p' "$ROOT/README.md" |
	tr '\n' ' ' | grep -o "\`sed -i '[^\`]*\`" | tr -d '\`')
[ -n "$del" ] && (cd "$W" && eval "$del") && ! grep -q 'name: erqi-2024,' "$W/pipelines/sources.yaml" &&
	ok "the README's trial removes the sample's line" || fail "the README's trial removes the sample's line" "$del"
"$BIN/rs-ingest" -q --mapping "$ROOT/samples/mappings/erqi.yaml" --key "$ROOT/samples/keys/demo.key" \
	--catalog "$ROOT/samples/reference/programs.yaml" --catalog "$ROOT/samples/reference/programs-local.yaml" \
	-o "$TMP/erqi-2024.csv.gz" --rejects "$TMP/erqi-2024-rej.csv.gz" "$ROOT/samples/exports/erqi-2024.csv" 2>/dev/null

(cd "$W" && bash -e "$TMP/block.sh") >"$TMP/wb.out" 2>"$TMP/wb.err"
rc=$?
[ $rc = 0 ] && ok "the README's commands run as written (exit 0)" ||
	fail "the README's commands run as written" "exit $rc" "$(tail -5 "$TMP/wb.err")"
! grep -rq '合并各来源' "$W/out/all/report/published" && ok "... the merge without an overlap: no note of one" ||
	fail "... the merge without an overlap: no note of one" "$(grep -rl '合并各来源' "$W/out/all/report/published")"
O=$W/out/erqi-wb-2024
grep -q "^rs-draft: drafted a mapping for 'exports/erqi-wb-2024.xlsx'" "$TMP/wb.err" &&
	grep -q '^sheet: "发放明细"' "$W/mappings/erqi-wb.yaml" && grep -q '^header_row: auto .*record 2 (line 2' "$W/mappings/erqi-wb.yaml" &&
	ok "rs-draft: the sheet, the header under the title" || fail "rs-draft: the sheet, the header under the title" "$(head -8 "$W/mappings/erqi-wb.yaml")"
grep -q "check: the 9 configuration files 'pipelines/yearend.yaml' names look right" "$TMP/wb.err" &&
	ok "check takes the new mapping" || fail "check takes the new mapping" "$(cat "$TMP/wb.err")"
grep -q "^preview of 'erqi-wb-2024.xlsx' through 'mappings/erqi-wb.yaml': 5000 data rows, header at record 2" "$TMP/wb.out" &&
	grep -q "^rejects of these 5000 rows: " "$TMP/wb.out" &&
	ok "preview: 5000 rows through the drafted mapping" || fail "preview: 5000 rows through the drafted mapping" "$(head -3 "$TMP/wb.out")"
grep -q "reliefstat: ran [0-9]* stages, [0-9]* up to date, 0 failed" "$TMP/wb.err" &&
	[ -s "$W/out/all/report/published/programs-2024.csv" ] &&
	ok "run: the five sources and the merged stages" || fail "run: the six sources and the merged stages" "$(tail -3 "$TMP/wb.err")"
cmp -s <(zcat "$O/records.csv.gz" | cut -d, -f3-) <(zcat "$TMP/erqi-2024.csv.gz" | cut -d, -f3-) &&
	[ "$(zcat "$O/records.csv.gz" | wc -l)" -gt 5000 ] &&
	ok "the workbook's records are erqi-2024's (lines aside)" || fail "the workbook's records are erqi-2024's"
python3 - "$O/ingest.json" <<'PY' && ok "... its 合计 row reconciled, not a reject" || fail "... its 合计 row reconciled, not a reject"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["format"] == "xlsx" and s["totals"] == 1 and s["total_mismatches"] == 0, s
assert s["total_difference"] == "0.00" and s["total_export"] == s["total_computed"], s
assert s["rows_read"] == s["records"] + s["reject_total"] + s["totals"], s
PY
[ -s "$O/report/published/programs.csv" ] && ls "$O"/report/returns/*退回清单.csv >/dev/null 2>&1 &&
	ok "its tables and 退回清单 are where the README says" || fail "its tables and 退回清单 are where the README says" "$(ls -R "$O/report" | head)"
cmp -s "$W/pipelines/yearend.yaml" "$ROOT/pipelines/yearend.yaml" &&
	[ "$(grep -c '^- {name:' "$W/pipelines/sources.yaml")" = 5 ] && grep -q 'name: erqi-wb-2024,' "$W/pipelines/sources.yaml" &&
	ok "yearend.yaml untouched; sources.yaml has the new line for the sample's" || fail "yearend.yaml untouched; sources.yaml has the new line for the sample's"

# The same commands for a CSV export (pidu-2023's, in place of its line):
# the other sources (and the workbook's) are up to date.
sed -e 's#~/二七区2024年发放明细\.xlsx#samples/exports/pidu-2023.csv#' -e 's#erqi-wb-2024\.xlsx#pidu-b-2023.csv#g' \
	-e 's#erqi-wb-2024#pidu-b-2023#g' -e 's#erqi-wb#pidu-b#g' -e 's#2024-01\.\.2024-12#2023-01..2023-12#' \
	-e 's#title: 示例区#title: 示例区二#' "$TMP/block.sh" >"$TMP/csv.sh"
cp -a "$W/out/pidu-2023" "$TMP/pidu-2023.out"
sed -i '/name: pidu-2023,/d' "$W/pipelines/sources.yaml"
(cd "$W" && bash -e "$TMP/csv.sh") >"$TMP/csv.out" 2>"$TMP/csv.err"
rc=$?
[ $rc = 0 ] && ok "the commands for a CSV export (exit 0)" || fail "the commands for a CSV export" "exit $rc" "$(tail -5 "$TMP/csv.err")"
grep -q "reliefstat: ran 8 stages, 16 up to date, 0 failed" "$TMP/csv.err" &&
	ok "... runs its four stages and the four after them (merge, report_all, publish, load), the rest up to date" || fail "... runs its stages only" "$(tail -3 "$TMP/csv.err")"
cmp -s <(zcat "$W/out/pidu-b-2023/records.csv.gz" | cut -d, -f2-) <(zcat "$TMP/pidu-2023.out/records.csv.gz" | cut -d, -f2-) &&
	[ "$(zcat "$W/out/pidu-b-2023/records.csv.gz" | wc -l)" -gt 5000 ] &&
	ok "... its records are pidu-2023's" || fail "... its records are pidu-2023's"

# What a newcomer gets wrong: the line's prev left out, the export's path.
cp "$W/pipelines/sources.yaml" "$TMP/sources.good"
sed -i '$ s/, prev: \[\]}/}/' "$W/pipelines/sources.yaml"
expect_exit 2 "a line without prev: check exits 2" "$BIN/reliefstat" check "$W/pipelines/yearend.yaml"
grep -q "the item at '$W/pipelines/sources.yaml':$(wc -l <"$W/pipelines/sources.yaml"):3 has no list 'prev' (add 'prev: \[\]' to it for none)" "$TMP/.err" &&
	ok "... naming the line and the fix" || fail "... naming the line and the fix" "$(cat "$TMP/.err")"
# The sources file is named as the pipeline is, from where the user is
# (the runner reads it from the root it changed to): never made absolute.
n=$(wc -l <"$W/pipelines/sources.yaml")
(cd "$W" && "$BIN/reliefstat" check pipelines/yearend.yaml) >"$TMP/.out" 2>"$TMP/.err"
grep -q "^reliefstat: 'pipelines/yearend.yaml':[0-9]*:[0-9]*: each: the item at 'pipelines/sources.yaml':$n:3 has no list 'prev'" "$TMP/.err" &&
	ok "... as 'pipelines/sources.yaml':$n:3 when run as bin/reliefstat check pipelines/yearend.yaml" ||
	fail "... as 'pipelines/sources.yaml':$n:3 from the repository" "$(cat "$TMP/.err")"
(cd "$W/pipelines" && "$BIN/reliefstat" check yearend.yaml) >"$TMP/.out" 2>"$TMP/.err"
grep -q "the item at 'sources.yaml':$n:3 has no list 'prev'" "$TMP/.err" &&
	ok "... as 'sources.yaml':$n:3 from pipelines/" || fail "... as 'sources.yaml':$n:3 from pipelines/" "$(cat "$TMP/.err")"
sed 's/{file: sources.yaml, key: sources}/{file: nosuch.yaml, key: sources}/' "$W/pipelines/yearend.yaml" >"$W/pipelines/nosrc.yaml"
(cd "$W" && "$BIN/reliefstat" check pipelines/nosrc.yaml) >"$TMP/.out" 2>"$TMP/.err"
grep -q "^reliefstat: variable 'sources' ('pipelines/nosrc.yaml':[0-9]*:[0-9]*): cannot open 'pipelines/nosuch.yaml': No such file" "$TMP/.err" &&
	ok "... and a sources file that is not there, the same way" || fail "... and a sources file that is not there, the same way" "$(cat "$TMP/.err")"
rm -f "$W/pipelines/nosrc.yaml"
sed 's#file: exports/pidu-b-2023.csv#file: export/pidu-b-2023.csv#' "$TMP/sources.good" >"$W/pipelines/sources.yaml"
expect_exit 2 "an export that is not there: check exits 2" "$BIN/reliefstat" check "$W/pipelines/yearend.yaml"
grep -q "ingest@pidu-b-2023: input 'export/pidu-b-2023.csv' does not exist and no stage writes it (in '[^']*/repo', the pipeline's root:)" "$TMP/.err" &&
	ok "... naming the source and where it looked" || fail "... naming the source and where it looked" "$(cat "$TMP/.err")"
