#!/bin/bash
# tests/t_rerun.sh - rerunning part of the sample pipeline after a failure:
# `run --only` refuses a task whose upstream failed or is stale (and keeps
# working when the upstream is up to date), and `status` says a task failed
# in the last run rather than that it never ran.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
cd "$ROOT" || exit 1

OUT=$TMP/out
RUN=("$RS" run --allow-outside --var "out=$OUT")
published_sums() { (cd "$OUT" && find tongan-2024/report/published all -type f | sort | xargs sha256sum); }
task_lines() { grep -c '"kind":"task"' "$OUT/.reliefstat/ledger.jsonl"; }

# The sample pipeline with tongan's mapping in $TMP/m.yaml, to edit.
cp samples/mappings/tongan.yaml "$TMP/m.yaml"
yearend_copy "$TMP/p" -e "s#mapping: samples/mappings/tongan.yaml#mapping: $TMP/m.yaml#"
P=$TMP/p/yearend.yaml
expect_exit 0 "the sample pipeline runs" "${RUN[@]}" -q "$P"
# The statistician's case: upstream up to date, one stage rerun.
expect_exit 0 "--only validate@ with ingest@ up to date runs" "${RUN[@]}" "$P" --only validate@tongan-2024 --force
grep -q "ran 1 stage, 0 up to date, 0 failed" "$TMP/.err" && ok "  ... that one stage" || fail "  ... that one stage" "$(tail -2 "$TMP/.err")"
expect_exit 0 "--only report@ with its upstream up to date runs" "${RUN[@]}" "$P" --only report@tongan-2024 --force
expect_exit 0 "--from aggregate@ with its upstream up to date runs" "${RUN[@]}" "$P" --from aggregate@tongan-2024 --force

# A stale upstream: the mapping edited, not yet rerun.
echo "# checked" >>"$TMP/m.yaml"
n=$(task_lines)
expect_exit 1 "--only validate@ refuses while ingest@ is stale" "${RUN[@]}" "$P" --only validate@tongan-2024
grep -q "will not run 'validate@tongan-2024' without its upstream: 'ingest@tongan-2024' is stale (input $TMP/m.yaml changed); nothing was run -- run it too: reliefstat run $P --until validate@tongan-2024" "$TMP/.err" &&
	ok "  ... naming the upstream, why and the fix" || fail "  ... naming the upstream, why and the fix" "$(cat "$TMP/.err")"
[ "$(task_lines)" = "$n" ] && ok "  ... running nothing" || fail "  ... running nothing" "$(tail -2 "$OUT/.reliefstat/ledger.jsonl")"
expect_exit 1 "-n (dry run) refuses the same" "${RUN[@]}" "$P" --only validate@tongan-2024 -n
expect_exit 1 "--only ingest@ --only aggregate@ refuses: validate@ between them" "${RUN[@]}" "$P" --only ingest@tongan-2024 --only aggregate@tongan-2024
grep -q "will not run 'aggregate@tongan-2024' without its upstream: 'ingest@tongan-2024' (upstream of 'validate@tongan-2024') runs in this selection but 'validate@tongan-2024' does not" "$TMP/.err" &&
	ok "  ... saying so" || fail "  ... saying so" "$(cat "$TMP/.err")"
expect_exit 0 "--only ingest@ --only validate@ runs both" "${RUN[@]}" "$P" --only ingest@tongan-2024 --only validate@tongan-2024
expect_exit 0 "then the rest" "${RUN[@]}" -q "$P"

# A failed gate (as in tests/t_gates.sh): tongan's export in traditional
# script, GB18030, its mapping reading the 万元 amounts as 元.
opencc -c s2t -i samples/exports/tongan-2024.csv -o "$TMP/t.csv" &&
	sed '1s/^\xef\xbb\xbf//' "$TMP/t.csv" | iconv -f UTF-8 -t GB18030 >"$TMP/tw.csv" ||
	fail "make the GB18030 export" "opencc or iconv failed"
{ sed -e 's/^encoding: .*/encoding: gb18030/' -e '/^amount_unit/d' samples/mappings/tongan.yaml; echo "amount_unit: 元"; } >"$TMP/twy.yaml"
yearend_copy "$TMP/bad" -e "s#file: samples/exports/tongan-2024.csv, mapping: samples/mappings/tongan.yaml#file: $TMP/tw.csv, mapping: $TMP/twy.yaml#"
published_sums >"$TMP/before.sum"
expect_exit 1 "the run with amount_unit: 元 fails its gate" "${RUN[@]}" "$TMP/bad/yearend.yaml"
n=$(task_lines)
for s in validate aggregate report; do
	expect_exit 1 "--only $s@ refuses: ingest@ failed its gate" "${RUN[@]}" "$TMP/bad/yearend.yaml" --only "$s@tongan-2024"
	grep -q "will not run '$s@tongan-2024' without its upstream: 'ingest@tongan-2024' .*failed in the last run (run [0-9]*, 20[0-9-]* [0-9:]*): rs-ingest: 'tw.csv': 5356 of 5380 rows rejected .*top reason bad_amount.*; nothing was run -- fix the source and run without --only (reliefstat run $TMP/bad/yearend.yaml), or accept the loss: reliefstat run $TMP/bad/yearend.yaml --accept-loss tongan-2024:bad_amount$" "$TMP/.err" &&
		ok "  ... naming ingest@, its last failure and the fixes" || fail "  ... naming ingest@, its last failure and the fixes" "$(cat "$TMP/.err")"
done
[ "$(task_lines)" = "$n" ] && ok "nothing was run" || fail "nothing was run" "$(tail -2 "$OUT/.reliefstat/ledger.jsonl")"
published_sums | cmp -s - "$TMP/before.sum" && ok "the published set is byte-unchanged" ||
	fail "the published set is byte-unchanged" "$(published_sums | diff - "$TMP/before.sum" | head -5)"
# status after the failure: when and why ingest@ failed, not "never run".
expect_exit 1 "status after the failed run exits 1" "$RS" status --var "out=$OUT" "$TMP/bad/yearend.yaml"
grep -q "^ingest@tongan-2024  *stale: failed in the last run (run [0-9]*, 20[0-9-]* [0-9:]*): rs-ingest: 'tw.csv': 5356 of 5380 rows rejected (99.55%), above the reject threshold 5.00% (the default); top reason bad_amount: 5338 rows (99.22%)$" "$TMP/.out" &&
	ok "  ... ingest@: failed in the last run (when): the reason line" || fail "  ... ingest@: failed in the last run (when): the reason line" "$(grep tongan "$TMP/.out")"
expect_exit 1 "status --json" "$RS" status --json --var "out=$OUT" "$TMP/bad/yearend.yaml"
grep -q '"name":"ingest@tongan-2024","stage":"ingest","state":"stale","reasons":\["failed in the last run (run' "$TMP/.out" &&
	ok "  ... the same reason in JSON" || fail "  ... the same reason in JSON" "$(grep tongan "$TMP/.out" | head -2)"
expect_exit 0 "another source's stage runs meanwhile" "${RUN[@]}" "$TMP/bad/yearend.yaml" --only ingest@erqi-2024 --force
expect_exit 1 "status" "$RS" status --var "out=$OUT" "$TMP/bad/yearend.yaml"
grep -q "^ingest@tongan-2024  *stale: failed in run [0-9]* (20[0-9-]* [0-9:]*): rs-ingest: 'tw.csv': 5356 of 5380" "$TMP/.out" &&
	ok "  ... then says which run it failed in" || fail "  ... then says which run it failed in" "$(grep tongan "$TMP/.out")"
expect_exit 1 "status of a pipeline never run" "$RS" status --var "out=$TMP/fresh" "$TMP/bad/yearend.yaml"
grep -q "^ingest@tongan-2024  *stale: never run$" "$TMP/.out" && ok "  ... says never run" || fail "  ... says never run" "$(grep tongan "$TMP/.out")"
expect_exit 0 "the loss accepted, the whole run publishes" "${RUN[@]}" -q "$TMP/bad/yearend.yaml" --accept-loss tongan-2024:bad_amount
expect_exit 0 "  ... and --only validate@ runs again" "${RUN[@]}" "$TMP/bad/yearend.yaml" --only validate@tongan-2024 --force --accept-loss tongan-2024:bad_amount

# diff after a source is added: only the new source's export and mapping
# changed, so only they are named; the two counts agree.
OUT2=$TMP/out2
yearend_copy "$TMP/add" -e "s/^//"
grep -v pidu "$TMP/add/sources.yaml" >"$TMP/add/s" && mv "$TMP/add/s" "$TMP/add/sources.yaml"
expect_exit 0 "four sources run" "$RS" run -q --allow-outside --var "out=$OUT2" "$TMP/add/yearend.yaml"
cp pipelines/sources.yaml "$TMP/add/sources.yaml"
expect_exit 0 "pidu-2023 added: the run" "$RS" run --allow-outside --var "out=$OUT2" "$TMP/add/yearend.yaml"
grep -q "; 295 published figures changed, 28 rows, columns or tables added or removed since run 1$" "$TMP/.err" &&
	ok "  ... its last line counts figures and rows/columns/tables" || fail "  ... its last line counts both" "$(tail -1 "$TMP/.err")"
expect_exit 0 "diff" "$RS" diff --var "out=$OUT2" "$TMP/add/yearend.yaml"
head -1 "$TMP/.out" | grep -qx "run 1 -> run 2: 323 changes (295 figures changed, 28 rows, columns or tables added or removed)" &&
	ok "  ... heads with the same counts" || fail "  ... heads with the same counts" "$(head -1 "$TMP/.out")"
# A district of 2023 only changes no 2024 flow: its December people are no
# 2024 退出 (its data ends there), so the merged 2024 people table stays.
! grep -q '2024年保障对象情况表' "$TMP/.out" && ok "  ... and no change in the merged 2024 people table" ||
	fail "  ... and no change in the merged 2024 people table" "$(grep '2024年保障对象情况表' "$TMP/.out" | head -3)"
[ "$(sed 1d "$TMP/.out" | awk -F' [|] ' '{ print $NF }' | sort -u)" = "samples/exports/pidu-2023.csv; samples/mappings/pidu.yaml" ] &&
	ok "  ... every change's cause: the export and the mapping only" || fail "  ... causes" "$(sed 1d "$TMP/.out" | awk -F' [|] ' '{ print $NF }' | sort -u | head -3)"
[ "$(sed 1d "$OUT2/all/report/changes.csv" | tr -d "\r" | awk -F, '{ print $NF }' | sort -u)" = "samples/exports/pidu-2023.csv; samples/mappings/pidu.yaml" ] &&
	ok "  ... and in changes.csv" || fail "  ... and in changes.csv" "$(sed 1d "$OUT2/all/report/changes.csv" | awk -F, '{ print $NF }' | sort -u | head -3)"
