#!/bin/bash
# 数据质量表 (issue: one source split in two rows): ingest's and validate's
# summaries of one pipeline source are one row whatever file names they
# carry (--source LABEL groups them), the row is named as a statistician
# names the source (the district, with the year in a merged report), never
# by our file names (the internal note keeps them), and a source lacking a
# side says 无法核对, never 一致; rows that do not follow on say 不一致.
. "$(dirname "$0")/lib.sh"

cd "$ROOT" || exit 1
R=$BIN/rs-report
# The export under another name than ${item.name}.csv, as every real one is.
mkdir -p "$TMP/x"
cp samples/exports/erqi-2024.csv "$TMP/x/plain.csv"
yearend_copy "$TMP/p" -e "s#samples/exports/erqi-2024.csv#$TMP/x/plain.csv#"
"$BIN/reliefstat" run -q --allow-outside "$TMP/p/yearend.yaml" --var out="$TMP/out" >"$TMP/run.log" 2>&1 &&
	ok "the pipeline runs on an export named plain.csv" || fail "the pipeline runs on an export named plain.csv" "$(tail -3 "$TMP/run.log")"
Q=$TMP/out/erqi-2024/report/published/quality.csv
printf '%s\n' 郑州市二七区,5398,5362,6,0,6,6,6,6,0,6,5,6,0,0,0,6,0,53,5345,一致 \
	合计,5398,5362,6,0,6,6,6,6,0,6,5,6,0,0,0,6,0,53,5345,一致 >"$TMP/q.want"
tail -n +2 "$Q" | cmp -s - "$TMP/q.want" && ok "one row for the source, named 郑州市二七区, 一致" ||
	fail "one row for the source, named 郑州市二七区, 一致" "$(cat "$Q")"
grep -q '郑州市二七区2024年,5398,5362,.*,5345,一致$' "$TMP/out/all/report/published/quality.csv" &&
	ok "the merged report names it 郑州市二七区2024年, joined" ||
	fail "the merged report names it 郑州市二七区2024年, joined" "$(cat "$TMP/out/all/report/published/quality.csv")"
! grep -q '\.csv\|erqi\|plain' "$Q" "$TMP/out/erqi-2024/report/published/quality.md" "$TMP/out/all/report/published/quality.csv" &&
	ok "no file name in the published quality table" || fail "no file name in the published quality table" "$(grep '\.csv' "$Q")"
grep -q '郑州市二七区＝plain.csv（导入）、erqi-2024.csv（校验）' "$TMP/out/erqi-2024/report/internal/quality.md" &&
	ok "the internal note keeps the file names" || fail "the internal note keeps the file names" "$(tail -3 "$TMP/out/erqi-2024/report/internal/quality.md")"

# By hand, without --source: the names differ, so nothing can be checked.
O=$TMP/out/erqi-2024
expect_exit 0 "summaries naming two files, no --source" "$R" -q -o "$TMP/h" \
	--quality "$O/ingest.json" --quality "$O/validate.json" "$O/agg.csv.gz"
H=$TMP/h/published/quality.csv
grep -q '^来源1,5398,5362,.*,—,无法核对（缺少导入或校验的汇总）$' "$H" &&
	grep -q '^来源2,—,5362,.*,5345,无法核对（缺少导入或校验的汇总）$' "$H" &&
	grep -q '^合计,—,—,.*,无法核对（缺少导入或校验的汇总）$' "$H" &&
	ok "each side alone and the 合计 say 无法核对, named 来源1, 来源2" || fail "each side alone and the 合计 say 无法核对" "$(cat "$H")"
# One --source over summaries that do not follow on: 不一致, and the 合计 too.
expect_exit 0 "an ingest and another year's validate under one --source" "$R" -q -o "$TMP/m" \
	--source 郑州市二七区 --quality "$O/ingest.json" --quality "$TMP/out/erqi-2023/validate.json" "$O/agg.csv.gz"
grep -c ',不一致$' "$TMP/m/published/quality.csv" | grep -qx 2 && ok "rows that do not follow on: 不一致 (and the 合计)" ||
	fail "rows that do not follow on: 不一致 (and the 合计)" "$(cat "$TMP/m/published/quality.csv")"
expect_exit 1 "two ingest summaries under one --source" "$R" -q -o "$TMP/d" \
	--source 郑州市二七区 --quality "$O/ingest.json" --quality "$O/ingest.json" "$O/agg.csv.gz"
grep -q "second ingest summary for source '郑州市二七区'" "$TMP/.err" && ok "... naming the source and the fix" ||
	fail "... naming the source and the fix" "$(cat "$TMP/.err")"
expect_exit 2 "--source-period before any --source" "$R" -o "$TMP/e" --source-period 2024-01..2024-12 "$O/agg.csv.gz"

# A source whose export had a 合计 row: it is read and is neither record nor
# reject, so a column shows it and the row adds up; the 合计 line lists the
# export's own total only when every source has one (one district's 合计 is
# not the sum of all).
python3 - "$O/ingest.json" "$TMP/tot.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["rows_read"] += 1
s["totals"] = 1
s["total_export"] = s["total_computed"] = "4845294.00"
json.dump(s, open(sys.argv[2], "w"), ensure_ascii=False)
PY
expect_exit 0 "a source with a 合计 row beside one without" "$R" -q -o "$TMP/t" \
	--source 郑州市二七区2024年 --quality "$TMP/tot.json" --quality "$O/validate.json" \
	--source 郑州市二七区2023年 --quality "$TMP/out/erqi-2023/ingest.json" --quality "$TMP/out/erqi-2023/validate.json" \
	"$O/agg.csv.gz"
T=$TMP/t/published/quality.csv
head -1 "$T" | grep -q '^来源,读入行数,合计小计行,入库记录,' &&
	grep -q '^郑州市二七区2024年,5399,1,5362,.*,5345,一致,4845294.00,4845294.00,0.00$' "$T" &&
	grep -q '^合计,[0-9]*,1,[0-9]*,.*,一致,—,—,—$' "$T" &&
	grep -q '读入行数等于合计小计行、入库记录与导入拒绝之和' "$TMP/t/published/quality.md" &&
	ok "... 合计小计行 shown, the row adds up; the 合计 line lists no export total" ||
	fail "... 合计小计行 shown; the 合计 line lists no export total" "$(cat "$T")"

# Footer rows (制表人, 审核人, 说明 ...): read, neither records nor rejects:
# a 表尾说明行 column when a source has them, so that the row adds up (一致);
# without it the row would not (不一致).
python3 - "$O/ingest.json" "$TMP/foot.json" "$TMP/foot-tot.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["rows_read"] += 3
s["footers"] = 3
s["footer_rows"] = [{"line": 5400 + i, "label": l} for i, l in enumerate(["制表人", "审核人", "填报日期"])]
json.dump(s, open(sys.argv[2], "w"), ensure_ascii=False)
s["rows_read"] += 1
s["totals"] = 1
json.dump(s, open(sys.argv[3], "w"), ensure_ascii=False)
PY
expect_exit 0 "a source with 3 footer rows" "$R" -q -o "$TMP/f" \
	--source 郑州市二七区 --quality "$TMP/foot.json" --quality "$O/validate.json" "$O/agg.csv.gz"
F=$TMP/f/published/quality.csv
head -1 "$F" | grep -q '^来源,读入行数,表尾说明行,入库记录,' &&
	grep -q '^郑州市二七区,5401,3,5362,.*,5345,一致$' "$F" && grep -q '^合计,5401,3,5362,.*,5345,一致$' "$F" &&
	grep -q '读入行数等于表尾说明行、入库记录与导入拒绝之和' "$TMP/f/published/quality.md" &&
	ok "... 表尾说明行 shown, the row adds up (一致), the note says why" ||
	fail "... 表尾说明行 shown, the row adds up" "$(cat "$F")" "$(tail -5 "$TMP/f/published/quality.md")"
expect_exit 0 "a source with a 合计 row and 3 footer rows" "$R" -q -o "$TMP/ft" \
	--source 郑州市二七区 --quality "$TMP/foot-tot.json" --quality "$O/validate.json" "$O/agg.csv.gz"
F=$TMP/ft/published/quality.csv
head -1 "$F" | grep -q '^来源,读入行数,合计小计行,表尾说明行,入库记录,' &&
	grep -q '^郑州市二七区,5402,1,3,5362,.*,5345,一致$' "$F" &&
	grep -q '读入行数等于合计小计行、表尾说明行、入库记录与导入拒绝之和' "$TMP/ft/published/quality.md" &&
	ok "... both columns, the row adds up" || fail "... both columns, the row adds up" "$(cat "$F")"
! grep -q '表尾说明行' "$Q" "$TMP/t/published/quality.csv" && ok "no 表尾说明行 column when no source has them" ||
	fail "no 表尾说明行 column when no source has them" "$(head -1 "$Q")"

# A merge summary is no source: it adds no row; when its overlap was
# accepted, the quality table, the bulletin and the page say how many
# payments two sources both made and how they are counted; not otherwise.
printf '%s' '{"stage":"merge","inputs":["a","b"],"rows_read":9,"rows_written":8,"warnings":40,"overlap":{"keys":1000,"paid_by_two":40,"max_overlap":0.01,"over":true,"accepted":true}}' >"$TMP/merge-acc.json"
sed 's/"accepted":true/"accepted":false/' "$TMP/merge-acc.json" >"$TMP/merge-no.json"
expect_exit 0 "a merge summary whose overlap was accepted" "$R" -q -o "$TMP/mg" \
	--source 郑州市二七区 --quality "$O/ingest.json" --quality "$O/validate.json" --quality "$TMP/merge-acc.json" "$O/agg.csv.gz"
cmp -s <(tail -n +2 "$TMP/mg/published/quality.csv") "$TMP/q.want" &&
	grep -q '^特别说明：合并各来源时，有40笔发放（同一救助对象、同一救助项目、同一月份）同时见于两个或以上来源，占合并的1000笔发放的4.0%，超过重复发放比例上限（1%），经确认予以接受，未作剔除' "$TMP/mg/published/quality.md" &&
	sed -n 3p "$TMP/mg/published/bulletin.txt" | grep -q '^特别说明：合并各来源时，有40笔发放' &&
	ok "... no row of its own; the table's note and the bulletin state the 40 payments" ||
	fail "... the table's note and the bulletin state the 40 payments" "$(tail -4 "$TMP/mg/published/quality.md")"
expect_exit 0 "a merge summary whose overlap was not accepted" "$R" -q -o "$TMP/mn" \
	--source 郑州市二七区 --quality "$O/ingest.json" --quality "$O/validate.json" --quality "$TMP/merge-no.json" "$O/agg.csv.gz"
! grep -rq '合并各来源' "$TMP/mn/published" && ok "... no note" || fail "... no note" "$(grep -r '合并各来源' "$TMP/mn/published" | head -2)"
sed 's/"accepted":true/"accepted":"yes"/' "$TMP/merge-acc.json" >"$TMP/merge-bad.json"
expect_exit 1 "a merge summary with a bad 'accepted'" "$R" -q -o "$TMP/mb" --quality "$TMP/merge-bad.json" "$O/agg.csv.gz"
grep -q "bad summary '.*merge-bad.json': overlap: 'accepted' must be true or false" "$TMP/.err" && ok "... naming the file and the key" ||
	fail "... naming the file and the key" "$(cat "$TMP/.err")"
