#!/bin/bash
# rs-report reproduces what the seed articles published (shared/seeds/):
# aggregates calibrated to their figures (tests/report/mkagg.py) must come
# out of the tables and the bulletin exactly as the articles print them,
# rounded half-up from exact fen (SPEC.md section 4).
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
MK=$ROOT/tests/report/mkagg.py

# --- seed 004: 成都市郫都区, 2021年1—7月 ---------------------------------------------
# "全區救助低保物件9418人次、667。46萬元，城鄉低保累計月人均補差分別達734元、695元"
# "發放困難殘疾人生活補貼5726人次125。23萬元；發放重度殘疾人護理補貼35171人次306。313萬元"
# "發放高齡津貼116094人次972。445萬元"; "集中供養率達到100%"
python3 "$MK" seed004 "$TMP/s4.csv.gz" || fail "the seed 004 aggregate is written"
expect_exit 0 "a report of 郫都区 2021年1—7月" "$R" -q --period 2021-01..2021-07 --title 成都市郫都区 -o "$TMP/s4" "$TMP/s4.csv.gz"
for v in internal published; do
	B=$TMP/s4/$v/bulletin.txt
	grep -q "^2021年1—7月，成都市郫都区共发放各类救助资金" "$B" &&
		ok "$v bulletin: the period as users write it (2021年1—7月)" || fail "$v bulletin: the period as users write it (2021年1—7月)" "$(head -3 "$B")"
	grep -q "全区救助低保对象9418人次、667.46万元，城乡低保月人均补助水平分别达734元、695元" "$B" &&
		ok "$v bulletin: 低保 9418人次、667.46万元, 城乡月人均 734元、695元 (seed 004)" ||
		fail "$v bulletin: 低保 9418人次、667.46万元, 城乡月人均 734元、695元 (seed 004)" "$(cat "$B")"
	grep -q "困难残疾人生活补贴5726人次、125.23万元" "$B" && grep -q "重度残疾人护理补贴35171人次、306.31万元" "$B" &&
		ok "$v bulletin: 残疾人两项补贴 (306.313 万元 shown as 306.31)" || fail "$v bulletin: 残疾人两项补贴 (306.313 万元 shown as 306.31)" "$(cat "$B")"
	grep -q "高龄津贴116094人次、972.45万元" "$B" &&
		ok "$v bulletin: 高龄津贴 972.445 万元 rounds half-up to 972.45" || fail "$v bulletin: 高龄津贴 972.445 万元 rounds half-up to 972.45" "$(cat "$B")"
	grep -q "实施临时救助53户次、107人次、45.05万元" "$B" && grep -q "集中供养率100.00%" "$B" &&
		ok "$v bulletin: 临时救助 53户107人次 45.05万元, 集中供养率 100%" || fail "$v bulletin: 临时救助 53户107人次 45.05万元, 集中供养率 100%" "$(cat "$B")"
done
P=$TMP/s4/published/programs.csv
grep -qx '城市最低生活保障,城市,3310,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,242.95,734.00,—' "$P" &&
	grep -qx '农村最低生活保障,农村,6108,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,424.51,695.00,—' "$P" &&
	grep -qx '最低生活保障,小计,9418,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,667.46,[0-9.]*,—' "$P" &&
	ok "table 1: 低保 9418人次 667.46万元, 月人均 734.00 and 695.00" || fail "table 1: 低保 9418人次 667.46万元, 月人均 734.00 and 695.00" "$(cat "$P")"
grep -q '^高龄津贴,城市,116094,.*,972.45,' "$P" && grep -q '^重度残疾人护理补贴,农村,35171,.*,306.31,' "$P" &&
	ok "table 1: 高龄津贴 972.45, 护理补贴 306.31" || fail "table 1: 高龄津贴 972.45, 护理补贴 306.31" "$(cat "$P")"
grep -q "特困人员集中供养率为100.00%（期末集中供养11人 ÷ 期末特困人员11人）" "$TMP/s4/published/programs.md" &&
	ok "table 1 notes the 集中供养率" || fail "table 1 notes the 集中供养率" "$(tail -4 "$TMP/s4/published/programs.md")"
grep -q "^## 成都市郫都区2021年1—7月分项目汇总表" "$TMP/s4/published/report.md" &&
	ok "headings carry the period label 2021年1—7月" || fail "headings carry the period label 2021年1—7月"
[ "$(grep -c '月,' "$TMP/s4/internal/months.csv")" = 7 ] &&
	python3 - "$TMP/s4/internal/months.csv" "$P" <<'EOF' && ok "months add up to the period (人次 exactly; 合计 row = table 1)" || fail "months add up to the period (人次 exactly; 合计 row = table 1)"
import csv, sys
m = list(csv.reader(open(sys.argv[1], encoding='utf-8')))
p = {r[0]: r for r in csv.reader(open(sys.argv[2], encoding='utf-8'))}
h, rows = m[0], m[1:]
c = h.index('合计人次')
assert sum(int(r[c]) for r in rows[:-1]) == int(rows[-1][c]) == int(p['合计'][2])
assert rows[-1][c + 1] == p['合计'][p['项目'].index('支出（万元）')]
EOF
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/s4/internal" "$TMP/s4/published" 2>&1) &&
	ok "seed 004: nothing hidden can be recomputed; the bulletin states shown figures only" ||
	fail "seed 004: nothing hidden can be recomputed; the bulletin states shown figures only" "$out"

# --- seed 001: 郑州市二七区 ------------------------------------------------------------
# "截至目前，发放各类救助资金1407.74万元，惠及7100人次"; "已为6户困难群众发放临时
# 救助金1.12万元"; "共救助159人次" (流浪乞讨人员, in kind).
python3 "$MK" seed001 "$TMP/s1.csv.gz" || fail "the seed 001 aggregate is written"
expect_exit 0 "a report of 二七区 2021年" "$R" -q --title 郑州市二七区 -o "$TMP/s1" "$TMP/s1.csv.gz"
for v in internal published; do
	B=$TMP/s1/$v/bulletin.txt
	grep -q "^2021年，郑州市二七区共发放各类救助资金1407.74万元，惠及7100人次。" "$B" &&
		ok "$v bulletin: 发放各类救助资金1407.74万元，惠及7100人次 (seed 001)" ||
		fail "$v bulletin: 发放各类救助资金1407.74万元，惠及7100人次 (seed 001)" "$(cat "$B")"
	grep -q "实施临时救助6户次、6人次、1.12万元" "$B" && grep -q "救助生活无着的流浪乞讨人员159人次。" "$B" &&
		ok "$v bulletin: 临时救助 6户 1.12万元; 流浪乞讨 159人次 with no money stated" ||
		fail "$v bulletin: 临时救助 6户 1.12万元; 流浪乞讨 159人次 with no money stated" "$(cat "$B")"
done
grep -qx '合计,,7100,[0-9]*,[0-9]*,—,[0-9]*,—,1407.74,—,—' "$TMP/s1/published/programs.csv" &&
	ok "table 1's 合计: 7100人次, 1407.74万元" || fail "table 1's 合计: 7100人次, 1407.74万元" "$(tail -1 "$TMP/s1/published/programs.csv")"
grep -q '^合计,,.*,7100,1407.74$' "$TMP/s1/published/towns.csv" &&
	grep -q '^合计,.*,1407.74,100.0$' "$TMP/s1/published/funding.csv" &&
	ok "towns and funding tables total the same 7100人次, 1407.74万元" ||
	fail "towns and funding tables total the same 7100人次, 1407.74万元" "$(tail -1 "$TMP/s1/published/towns.csv")" "$(tail -1 "$TMP/s1/published/funding.csv")"
grep -q "集中供养率33.33%" "$TMP/s1/published/bulletin.txt" &&
	ok "集中供养率 from 特困 split by program code: 50 ÷ 150 = 33.33%" || fail "集中供养率 from 特困 split by program code: 50 ÷ 150 = 33.33%"
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/s1/internal" "$TMP/s1/published" 2>&1) &&
	ok "seed 001: nothing hidden can be recomputed" || fail "seed 001: nothing hidden can be recomputed" "$out"
