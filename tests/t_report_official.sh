#!/bin/bash
# rs-report: the lines official tables add (issue 12) - 保障对象情况表 (其中
# 女性 / 老年人 / 未成年人, 当月新增 / 当月退出) and 财政与其他资金支出表
# (public spending, other money and their sum) - for a 1-7月 report, a
# quarter, and flows across a year boundary. The aggregate is written by
# hand; every expected figure is worked out in the comments below from the
# rows, not taken from the program's output.
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
U=350212001002   # 同安区 大同街道
V=350212105201   # 同安区 莲花镇
row() {   # REGION PROGRAM AREA MONTH FUNDING BENEFICIARY SEX AGE PERSONS AMOUNT
	echo "$1,$2,$3,$4,$5,,$(b "$6"),$7,$8,1,$9,${10}"
}
months() { for m in "$@"; do printf '%s\n' "$m"; done; }

# --- the fixture ---------------------------------------------------------------
# 城市低保 (dibao_urban), one row a month:
#   b1 F 45, 3 persons, 900.00: 2023-12 and 2024-01..07 (July's paid from
#      社会捐赠: donated money)
#   b2 M 70, 1 person, 400.00: 2023-11, 2023-12, then 2024-03..05
#   b3 F 16, 2 persons, 600.00: 2024-02..07
#   b4 M 62, 2 persons, 500.00: 2023-12, 2024-01, 2024-02
#   b5 F 61, 4 persons, 800.00: 2023-12 only (moves to 农村低保 in January)
# 农村低保 (dibao_rural): b5 2024-01..07 (800.00); b6 M 10, 1 person,
#   300.00: 2024-05, 2024-06
# 特困分散供养 (tekun_dispersed, rural): b7 M 80, 1 person, 1000.00:
#   2024-01..07; b8 F 75, 1 person, 900.00: 2024-02..07
# 临时救助 (one-off, rural): b9 3 persons 2000.00 (区级财政) in March;
#   b10 2 persons 1500.00 (社会捐赠) in April; b11 1 person 800.00 (慈善捐赠)
#   in June
# 慈善救助 (charity_aid, urban): b12 2 persons 1000.00 (慈善捐赠) in May
# 节日慰问 (holiday_visit, urban): b13 3 persons 200.00 and b1 3 persons
#   200.00 in February
{ echo "$H"
  {
	for m in 2023-12 2024-01 2024-02 2024-03 2024-04 2024-05 2024-06; do row $U dibao_urban urban $m "" 1 F 45 3 900.00; done
	row $U dibao_urban urban 2024-07 社会捐赠 1 F 45 3 900.00
	for m in 2023-11 2023-12 2024-03 2024-04 2024-05; do row $U dibao_urban urban $m "" 2 M 70 1 400.00; done
	for m in 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07; do row $U dibao_urban urban $m "" 3 F 16 2 600.00; done
	for m in 2023-12 2024-01 2024-02; do row $U dibao_urban urban $m "" 4 M 62 2 500.00; done
	row $U dibao_urban urban 2023-12 "" 5 F 61 4 800.00
	for m in 2024-01 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07; do row $V dibao_rural rural $m "" 5 F 61 4 800.00; done
	for m in 2024-05 2024-06; do row $V dibao_rural rural $m "" 6 M 10 1 300.00; done
	for m in 2024-01 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07; do row $V tekun_dispersed rural $m "" 7 M 80 1 1000.00; done
	for m in 2024-02 2024-03 2024-04 2024-05 2024-06 2024-07; do row $V tekun_dispersed rural $m "" 8 F 75 1 900.00; done
	row $V linshi rural 2024-03 区级财政 9 M 40 3 2000.00
	row $V linshi rural 2024-04 社会捐赠 10 F 33 2 1500.00
	row $V linshi rural 2024-06 慈善捐赠 11 M 50 1 800.00
	row $U charity_aid urban 2024-05 慈善捐赠 12 F 30 2 1000.00
	row $U holiday_visit urban 2024-02 "" 13 M 66 3 200.00
	row $U holiday_visit urban 2024-02 "" 1 F 45 3 200.00
  } | LC_ALL=C sort
} | gzip -n >"$TMP/agg.csv.gz"

has() {   # NAME FILE EXPECTED-LINE
	grep -qxF -- "$3" "$2" && ok "$1" || fail "$1" "want: $3" "in:   $(tr '\n' '|' <"$2")"
}

# --- a 1-7月 report, 2024-01..2024-07 (k = 1: every figure shown) ----------------
# Months judged for flows: January to July (the file holds December 2023).
# 城市低保: 人次 b1 7x3 + b2 3x1 + b3 6x2 + b4 2x2 = 40; 户次 7+3+6+2 = 18;
#   支出 6300+1200+3600+1000 = 12100.00 = 1.21 万元; 4 户 (累计保障户数) of
#   3 + 1 + 2 + 2 = 8 persons (累计保障人数: each household's largest payment);
#   期末 (July) b1 3 + b3 2 = 5 persons, 2 户; 月人均 12100/40 = 302.50.
#   其中 —: the IDs are the households' (no member rows), so 女性 etc. would
#   count household heads.
#   新增: b3 in February (2 persons), b2 in March (1) = 2 户, 3 人.
#   退出: b2 and b5 in January (paid in December: 1 + 4), b4 in March (2),
#   b2 in June (1) = 4 户, 8 人.
# 农村低保: 人次 28 + 2 = 30, 户次 9, 6200.00 -> 0.62, 2 户 of 4 + 1 = 5 persons, 期末 4 / 1,
#   月人均 6200/30 = 206.666.. -> 206.67. 女性 b5 = 1, 60+ b5 = 1, under 18
#   b6 = 1. 新增 b5 in January (4), b6 in May (1) = 2 户 5 人; 退出 b6 in
#   July (1) = 1 户 1 人.
# 低保 小计 (the union): 保障人数 6, 女性 3, 60+ 3, under 18 2; b5 moved from
#   urban to rural without a gap, so no flow of 低保: 新增 b3, b2, b6 = 3 户
#   4 人; 退出 b2 (Jan), b4, b2 (Jun), b6 = 4 户 5 人.
# 特困分散供养: 保障人数 2, 女性 b8 = 1, 60+ b7 b8 = 2, under 18 0; 新增 b7
#   in January (not paid in December), b8 in February = 2 户 2 人; no exit.
O=$TMP/jul
expect_exit 0 "a 1-7月 report (--period 2024-01..2024-07)" "$R" -q --k 1 --period 2024-01..2024-07 -o "$O" "$TMP/agg.csv.gz"
Q=$O/internal/people.csv
has "people.csv: the header" "$Q" '项目,城乡,累计保障人数,其中：女性,其中：老年人（60岁及以上）,其中：未成年人（18岁以下）,新增户数（报告期内合计）,新增人数（报告期内合计）,退出户数（报告期内合计）,退出人数（报告期内合计）'
has "1-7月 城市低保: 8 persons, 其中 —, 新增 2 户 3 人, 退出 4 户 8 人 (two in January, judged against 2023-12)" "$Q" '城市最低生活保障,城市,8,—,—,—,2,3,4,8'
has "1-7月 农村低保: 5 persons, 其中 —, 新增 2 户 5 人 (b5 in January), 退出 1 户 1 人" "$Q" '农村最低生活保障,农村,5,—,—,—,2,5,1,1'
has "1-7月 低保 小计: 13 persons; a move between areas is no flow (3 户 4 人 in, 4 户 5 人 out)" "$Q" '最低生活保障,小计,13,—,—,—,3,4,4,5'
grep -q '按户发放的项目（如最低生活保障）以户主身份证号码登记' "$O/internal/people.md" &&
	ok "a note says why 低保 has no 其中 lines" || fail "a note says why 低保 has no 其中 lines" "$(cat "$O/internal/people.md")"
has "1-7月 特困: 其中 1/2/0, 新增 2 户 2 人, no exit" "$Q" '特困人员分散供养,农村,2,1,2,0,2,2,0,0'
grep -q '^临时救助' "$Q" && fail "one-off programs have no row in people.csv" || ok "one-off programs have no row in people.csv"
P=$O/internal/programs.csv
has "1-7月 programs: 城市低保: 4 户 of 8 persons (stock is July's)" "$P" '城市最低生活保障,城市,40,18,8,4,5,2,1.21,302.50,—'
has "1-7月 programs: 农村低保: 2 户 of 5 persons" "$P" '农村最低生活保障,农村,30,9,5,2,4,1,0.62,206.67,—'
has "1-7月 programs: 低保 小计: 6 户 of 13 persons" "$P" '最低生活保障,小计,70,27,13,6,9,3,1.83,261.43,—'
has "1-7月 programs: 特困 is paid per person: 户数 —" "$P" '特困人员分散供养,农村,13,13,2,—,2,—,1.24,953.85,—'
has "1-7月 programs: 临时救助 counts the persons of each payment: 3 + 2 + 1" "$P" '临时救助,农村,6,3,6,—,—,—,0.43,—,716.67'
has "1-7月 programs: the 合计 has no 户数; its persons 13 + 2 + 6" "$P" '合计,,89,43,21,—,11,—,3.50,—,—'
grep -q '^## 同安区2024年1—7月保障对象情况表' "$O/internal/report.md" && ok "the table is headed 2024年1—7月保障对象情况表" ||
	fail "the table is headed 2024年1—7月保障对象情况表" "$(grep '^## ' "$O/internal/report.md")"

# --- public spending against other money ------------------------------------------
# 合计 (public programs): 人次 70 + 13 + 6 = 89, 户次 27 + 13 + 3 = 43,
#   支出 18300 + 12400 + 4300 = 35000.00 -> 3.50.
# Donated money of public programs (funding holds 捐): b1's July 低保
#   payment (3 persons, 900.00), b10 (2, 1500.00) and b11 (1, 800.00):
#   人次 6, 户次 3, 3200.00 -> 0.32.
# 财政 = 合计 - donated: 人次 83, 户次 40, 31800.00 -> 3.18.
# 其他资金 = 慈善救助 (2, 1, 1000.00) + 节日慰问 (6, 2, 400.00) + donated:
#   人次 14, 户次 6, 4600.00 -> 0.46. 总计: 人次 97, 户次 46, 36400.00 -> 3.64.
S=$O/internal/spending.csv
printf '%s\n' '项目,人次,户次,支出（万元）' '财政社会救助支出,83,40,3.18' '其他资金,14,6,0.46' \
	'慈善救助,2,1,0.10' '节日慰问,6,2,0.04' '财政救助项目中的捐赠等资金,6,3,0.32' '总计,97,46,3.64' >"$TMP/spend.want"
cmp -s "$S" "$TMP/spend.want" && ok "spending.csv: 财政 3.18, other money 0.46 (慈善 0.10, 节日 0.04, donated 0.32), 总计 3.64" ||
	fail "spending.csv: 财政 3.18, other money 0.46 (慈善 0.10, 节日 0.04, donated 0.32), 总计 3.64" "$(diff "$TMP/spend.want" "$S")"
grep -q '^合计,,89,43,' "$P" && grep -q ',3.50,—,—$' <(grep '^合计,' "$P") && ok "table 1's 合计: 89 人次, 43 户次, 3.50 万元" ||
	fail "table 1's 合计: 89 人次, 43 户次, 3.50 万元" "$(grep '^合计' "$P")"
# One total in the bulletin (各类救助资金 = table 1's 合计 3.50), split into
# 财政 3.18 and donated 0.32; 慈善 and 节日慰问 are outside it, and 节日慰问
# pays 200.00 a household: 户均 400.00 / 2 = 200 元, not 66.67 a person.
grep -q '共发放各类救助资金3.50万元，惠及89人次。' "$O/internal/bulletin.txt" &&
grep -q '^上述资金中财政社会救助支出3.18万元，社会捐赠等资金0.32万元。$' "$O/internal/bulletin.txt" &&
	[ "$(grep -o '共计\|总计\|合计[0-9]' "$O/internal/bulletin.txt" | wc -l)" = 0 ] &&
	ok "the bulletin states one total and splits it into public spending and donated money" ||
	fail "the bulletin states one total and splits it into public spending and donated money" "$(cat "$O/internal/bulletin.txt")"
grep -q '另发放节日慰问6人次、0.04万元，2户次，户均200元（不属于财政社会救助支出，未计入上述各类救助资金）。' "$O/internal/bulletin.txt" &&
	ok "a fixed payment per household is stated as 户均 (节日慰问 200 元)" ||
	fail "a fixed payment per household is stated as 户均 (节日慰问 200 元)" "$(cat "$O/internal/bulletin.txt")"
grep -q '累计保障低保对象6户13人，期末保障低保对象3户9人' "$O/internal/bulletin.txt" &&
	ok "the bulletin states 累计保障低保对象6户13人 and the stock" ||
	fail "the bulletin states 累计保障低保对象6户13人 and the stock" "$(cat "$O/internal/bulletin.txt")"
# The rule is the catalog's: with other_money_funding [捐赠] 慈善捐赠 still
# matches, so nothing changes; with [区级] b9's 2000.00 is the donated part
# instead (人次 3, 户次 1, 0.20; 财政 35000 - 2000 = 33000 -> 3.30).
printf 'other_money_funding: [区级]\nprograms: []\n' >"$TMP/rule.yaml"
expect_exit 0 "a catalog file sets other_money_funding" "$R" -q --k 1 --period 2024-01..2024-07 \
	--catalog "$ROOT/samples/reference/programs.yaml" --catalog "$ROOT/samples/reference/programs-local.yaml" \
	--catalog "$TMP/rule.yaml" -o "$TMP/rule" "$TMP/agg.csv.gz"
has "... and the donated part follows it (b9's 区级财政 2000.00)" "$TMP/rule/internal/spending.csv" '财政救助项目中的捐赠等资金,3,1,0.20'
has "... and 财政 is 合计 less it (3.30)" "$TMP/rule/internal/spending.csv" '财政社会救助支出,86,42,3.30'

# --- a quarter: 2024Q1 ----------------------------------------------------------
# 城市低保 January-March: 人次 b1 9 + b2 1 + b3 4 + b4 4 = 18, 户次 8,
#   5300.00 -> 0.53, 保障人数 4, 期末 (March) b1 3 + b2 1 + b3 2 = 6 / 3,
#   月人均 5300/18 = 294.444 -> 294.44; 其中 2/2/1; 新增 b3 (Feb, 2), b2
#   (Mar, 1) = 2 户 3 人; 退出 b2 and b5 (Jan, 1 + 4), b4 (Mar, 2) = 3 户 7 人.
# 农村低保: b5 only: 保障人数 1, 其中 1/1/0, 新增 1 户 4 人 (January).
# 低保 小计: 保障人数 5, 其中 3/3/1; 新增 b3, b2 = 2 户 3 人; 退出 b2 (Jan),
#   b4 = 2 户 3 人. Spending: 财政 = all public money of the quarter
#   (no donated row yet): 人次 18 + 12 + 5 (特困 b7 3, b8 2) + 3 (b9) = 38.
expect_exit 0 "a quarter report (--period 2024Q1)" "$R" -q --k 1 --period 2024Q1 -o "$TMP/q1" "$TMP/agg.csv.gz"
has "2024Q1 programs: 城市低保, 4 户 of 8 persons, March's stock" "$TMP/q1/internal/programs.csv" '城市最低生活保障,城市,18,8,8,4,6,3,0.53,294.44,—'
has "2024Q1 城市低保: 新增 2 户 3 人, 退出 3 户 7 人" "$TMP/q1/internal/people.csv" '城市最低生活保障,城市,8,—,—,—,2,3,3,7'
has "2024Q1 农村低保: b5's 4 persons, 新增 1 户 4 人" "$TMP/q1/internal/people.csv" '农村最低生活保障,农村,4,—,—,—,1,4,0,0'
has "2024Q1 低保 小计: 3 + 1 + 2 + 2 + 4 = 12 persons" "$TMP/q1/internal/people.csv" '最低生活保障,小计,12,—,—,—,2,3,2,3'
has "2024Q1 spending: no donated money in the quarter" "$TMP/q1/internal/spending.csv" '财政救助项目中的捐赠等资金,0,0,0.00'
grep -q '^## 同安区2024年第一季度保障对象情况表' "$TMP/q1/internal/report.md" && ok "a quarter is labelled 2024年第一季度" ||
	fail "a quarter is labelled 2024年第一季度" "$(grep '^## ' "$TMP/q1/internal/report.md")"

# --- the year boundary: without 2023 the first month is not judged ---------------
# The same rows less those of 2023: January has no month before it in the
# file, so b2's and b5's exits and b5's and b7's entries in January are not
# counted: 城市低保 新增 2 户 3 人, 退出 b4 (Mar, 2) and b2 (Jun, 1) = 2 户 3 人;
# 农村低保 新增 b6 only = 1 户 1 人; 特困 新增 b8 only = 1 户 1 人.
{ zcat "$TMP/agg.csv.gz" | grep -v ',2023-' ; } | gzip -n >"$TMP/only2024.csv.gz"
expect_exit 0 "a 1-7月 report from 2024 rows only" "$R" -q --k 1 --period 2024-01..2024-07 -o "$TMP/y24" "$TMP/only2024.csv.gz"
has "without December 2023, January's flows are not counted (城市低保)" "$TMP/y24/internal/people.csv" '城市最低生活保障,城市,8,—,—,—,2,3,2,3'
has "... (农村低保: only b6 enters)" "$TMP/y24/internal/people.csv" '农村最低生活保障,农村,5,—,—,—,1,1,1,1'
has "... (特困: only b8 enters)" "$TMP/y24/internal/people.csv" '特困人员分散供养,农村,2,1,2,0,1,1,0,0'
grep -q '2024年1月的新增、退出未计算（未与2023年12月比较）' "$TMP/y24/internal/people.md" && ok "a note says January is not judged, and why" ||
	fail "a note says January is not judged, and why" "$(cat "$TMP/y24/internal/people.md")"
grep -q '2024年1月的新增、退出与2023年12月比较' "$O/internal/people.md" && ok "with December 2023 in the file the note says January is judged against it" ||
	fail "with December 2023 in the file the note says January is judged against it" "$(cat "$O/internal/people.md")"
# --by-year over the same file: the 2024 slice's January is judged against
# December 2023, which lies in the 2023 slice.
expect_exit 0 "--by-year" "$R" -q --k 1 --by-year -o "$TMP/by" "$TMP/agg.csv.gz"
has "--by-year: 2024's January flows are judged against the 2023 slice" "$TMP/by/internal/people-2024.csv" '城市最低生活保障,城市,8,—,—,—,2,3,4,8'
# 2023 (Nov-Dec): households b1 b2 b4 b5 of 3 + 1 + 2 + 4 = 10 persons; b2 paid in November, the others enter in December: b1 (3),
# b4 (2), b5 (4) = 3 户 9 人; nobody leaves inside 2023.
has "--by-year: 2023 (November to December)" "$TMP/by/internal/people-2023.csv" '城市最低生活保障,城市,10,—,—,—,3,9,0,0'

# --- every format, published with k = 3 -------------------------------------------
expect_exit 0 "published with k = 3" "$R" -q --period 2024-01..2024-07 -o "$TMP/pub" "$TMP/agg.csv.gz"
PQ=$TMP/pub/published/people.csv
# Every count of 1 or 2 (女性 2, 未成年人 1 of 城市低保, ...) is hidden;
# secondary suppression may hide more, never show a different value.
python3 - "$TMP/pub/internal/people.csv" "$PQ" <<'PY' && ok "published people.csv hides every count of 1 or 2 and shows the rest as internal" || fail "published people.csv hides every count of 1 or 2 and shows the rest as internal" "$(cat "$PQ")"
import csv, sys
a = list(csv.reader(open(sys.argv[1], encoding='utf-8')))
b = list(csv.reader(open(sys.argv[2], encoding='utf-8')))
assert len(a) == len(b)
hidden = 0
for ra, rb in zip(a[1:], b[1:]):
    for c in (3, 4, 5, 6, 8):
        if ra[c] not in ('—', '0') and int(ra[c]) < 3:
            assert rb[c] == '*', (ra, rb)
    for x, y in zip(ra, rb):
        assert y in (x, '*'), (ra, rb)
        hidden += y == '*'
assert hidden > 0
PY
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/pub/internal" "$TMP/pub/published" 2>&1) &&
	ok "no hidden value of people or spending can be recomputed (audit)" || fail "no hidden value of people or spending can be recomputed (audit)" "$out"
# The audit must catch a leak through the new tables: show a hidden count of
# the people table, and a hidden cell of the spending table.
for stem in people spending; do
	rm -rf "$TMP/leak"; cp -r "$TMP/pub" "$TMP/leak"
	python3 - "$TMP/leak/published/$stem.csv" "$TMP/leak/internal/$stem.csv" <<'PY'
import csv, sys
pub = list(csv.reader(open(sys.argv[1], encoding='utf-8')))
inn = list(csv.reader(open(sys.argv[2], encoding='utf-8')))
for i, r in enumerate(pub):
    for j, x in enumerate(r):
        if x == '*':
            pub[i][j] = inn[i][j]
            csv.writer(open(sys.argv[1], 'w', encoding='utf-8', newline='')).writerows(pub)
            sys.exit(0)
sys.exit(1)
PY
	if [ $? != 0 ]; then fail "the audit catches a hidden $stem cell shown by mistake" "nothing hidden in $stem"; continue; fi
	python3 "$ROOT/tests/report/audit.py" "$TMP/leak/internal" "$TMP/leak/published" >"$TMP/.out" 2>&1 &&
		fail "the audit catches a hidden $stem cell shown by mistake" "$(cat "$TMP/.out")" ||
		ok "the audit catches a hidden $stem cell shown by mistake"
done
for v in internal published; do
	grep -q '保障对象情况表' "$TMP/pub/$v/report.md" && grep -q '财政与其他资金支出表' "$TMP/pub/$v/report.md" &&
		grep -q '保障对象情况表' "$TMP/pub/$v/report.html" && grep -q '财政与其他资金支出表' "$TMP/pub/$v/report.html" &&
		ok "$v: report.md and report.html hold both new tables" ||
		fail "$v: report.md and report.html hold both new tables"
done
out=$(python3 "$ROOT/tests/report/html_check.py" "$TMP/pub/published" 2>&1) &&
	ok "report.html shows the new tables as their CSV files" || fail "report.html shows the new tables as their CSV files" "$out"
PYX=/usr/bin/python3
if "$PYX" -c 'import openpyxl' 2>/dev/null; then
	for v in internal published; do
		out=$("$PYX" "$ROOT/tests/report/xlsx_check.py" "$TMP/pub/$v" 2>&1) &&
			ok "report.xlsx ($v) has 保障对象情况表 and 财政与其他资金支出表 as the CSV files" ||
			fail "report.xlsx ($v) has 保障对象情况表 and 财政与其他资金支出表 as the CSV files" "$out"
	done
fi
"$R" -q --period 2024-01..2024-07 -o "$TMP/pub2" "$TMP/agg.csv.gz"
diff -r "$TMP/pub" "$TMP/pub2" >/dev/null && ok "reruns are byte-identical" || fail "reruns are byte-identical" "$(diff -rq "$TMP/pub" "$TMP/pub2")"

# --- the same figures as rs-aggregate's groups.csv.gz, on the samples ---------------
# erqi 2023 + 2024 aggregated as one period (groups by program, area and
# month), reported for 2024: each leaf row of people.csv must equal the
# 2024 group of its program and area (其中 over the year, flows summed over
# its months, January judged against December 2023).
cd "$ROOT" || exit 1
if "$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$TMP/run" --until aggregate >/dev/null 2>&1 &&
   "$BIN/rs-aggregate" -q -o "$TMP/e.csv.gz" -g "$TMP/eg.csv.gz" --by program,area,period=month \
	--period 2023-01..2024-12 "$TMP/run/erqi-2023/valid.csv.gz" "$TMP/run/erqi-2024/valid.csv.gz" >/dev/null 2>&1; then
	expect_exit 0 "a 2024 report from the erqi 2023+2024 aggregate" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/erqi" "$TMP/e.csv.gz"
	python3 - "$TMP/erqi/internal/people.csv" "$TMP/eg.csv.gz" "$ROOT/samples/reference/programs.yaml" <<'PY'
import csv, gzip, re, sys
code, names = None, {}
for line in open(sys.argv[3], encoding='utf-8'):
    m = re.match(r'^- code: (\S+)', line)
    if m: code = m.group(1)
    m = re.match(r'^  name_zh: (.*)$', line)
    if m and code: names[m.group(1).strip()] = code
area = {'城市': 'urban', '农村': 'rural'}
groups = {}
for r in csv.DictReader(gzip.open(sys.argv[2], 'rt', encoding='utf-8', newline='')):
    if r['period'] == '2024' and r['region_level'] == 'all':
        groups[(r['program'], r['area'])] = r
n, bad = 0, []
for r in list(csv.reader(open(sys.argv[1], encoding='utf-8')))[1:]:
    if r[1] not in area or r[0] not in names:
        continue
    g = groups.get((names[r[0]], area[r[1]]))
    want = [g[c] for c in ('cum_persons', 'female', 'elderly', 'minors', 'new_households',
                           'new_persons', 'exit_households', 'exit_persons')] if g else None
    got = r[2:]
    if want is None:
        bad.append(('no group', r)); continue
    for i in (1, 2, 3):
        if got[i] == '—': want[i] = '—'
    n += 1
    if got != want: bad.append((r[0], r[1], got, want))
flows = sum(int(x) for r in list(csv.reader(open(sys.argv[1], encoding='utf-8')))[1:] for x in r[6:10])
print(("ok" if n and not bad and flows else "not ok") +
      f" - people.csv equals groups.csv.gz for {n} program x area rows of erqi 2024 ({flows} flow persons and households)")
for b in bad[:5]: print('    ', b)
PY
else
	fail "pipeline up to aggregate for the groups comparison"
fi

# --- the stock's persons are the sum over the last month's payments -------------
# SPEC.md section 4: 期末 persons = Σ persons of the payments of the period's
# last month. b21 is paid twice in July 2024 (区级财政 3 persons 600.00 and
# 市级财政 3 persons 300.00, a split funding), b22 once (2 persons 500.00):
# 人次 3 + 3 + 2 = 8, 户次 3, 累计 2 户, 期末 8 persons / 2 户 (not 5, which a
# maximum per beneficiary would give), 1400.00 -> 0.14 万元, 月人均 1400/8 =
# 175.00. This is also what groups.csv.gz's stock_persons adds. 累计保障人数
# is never below 期末: b21's largest payment covers 3, but July covers 6, so
# 6 + 2 = 8 (groups.csv.gz's cum_persons likewise).
{ echo "$H"
  { row $U dibao_urban urban 2024-07 区级财政 21 F 40 3 600.00
    row $U dibao_urban urban 2024-07 市级财政 21 F 40 3 300.00
    row $U dibao_urban urban 2024-07 "" 22 M 50 2 500.00
  } | LC_ALL=C sort
} | gzip -n >"$TMP/split.csv.gz"
expect_exit 0 "a July report with a split-funded payment" "$R" -q --k 1 --period 2024-07 -o "$TMP/split" "$TMP/split.csv.gz"
has "期末 persons add the split payments: 8 persons, 2 户" "$TMP/split/internal/programs.csv" '城市最低生活保障,城市,8,3,8,2,8,2,0.14,175.00,—'
