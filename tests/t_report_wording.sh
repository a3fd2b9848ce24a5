#!/bin/bash
# What the published words say (review of the merged tables): the
# 集中供养率 is over the 特困 persons whose source splits 集中/分散 only;
# table 5's flow columns say they are sums over the period and its note on
# the first month is true with and without --previous; a report of several
# provinces is titled 各地合计 and says no 全区; each year says which
# counties it covers, and no 同比 is printed between years that cover
# different counties. Small aggregates written here (every figure worked
# out in the comments), and the sample pipeline for the figures the review
# quoted.
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
A=350212001002   # 厦门市同安区: 特困 not split (program tekun, no support_mode)
B=410103001001   # 郑州市二七区: 特困 split by program code (b6, b7 in C)
C=410103003003
row() {   # REGION PROGRAM MONTH BENEFICIARY
	echo "$1,$2,rural,$3,,,$(b "$4"),M,70,1,1,1000.00"
}
# 2024, January and December: 同安区 b1 b2 b3 (tekun, 未细分); 二七区 b4
# (tekun_centralized), b5 b6 b7 (tekun_dispersed). 期末 (December): 7
# persons, of whom 4 split: 集中 1, rate 1/4 = 25.00%; 3 not split.
# 2023 (二七区 only), January and December: b4 centralized, b5 dispersed.
{ echo "$H"
  for m in 2023-01 2023-12; do row $B tekun_centralized $m 4; row $B tekun_dispersed $m 5; done
  for m in 2024-01 2024-12; do
	for i in 1 2 3; do row $A tekun $m $i; done
	row $B tekun_centralized $m 4
	row $B tekun_dispersed $m 5
	for i in 6 7; do row $C tekun_dispersed $m $i; done
  done; } | sort >"$TMP/rows"
{ echo "$H"; grep -v '^region' "$TMP/rows"; } | gzip -n >"$TMP/all.csv.gz"
{ echo "$H"; grep ",2024-" "$TMP/rows"; } | gzip -n >"$TMP/y24.csv.gz"
{ echo "$H"; grep ",2023-" "$TMP/rows"; } | gzip -n >"$TMP/y23.csv.gz"
{ echo "$H"; grep ",2024-" "$TMP/rows" | grep "^41"; } | gzip -n >"$TMP/b24.csv.gz"
{ echo "$H"; grep ",2024-" "$TMP/rows" | grep "^$A"; } | gzip -n >"$TMP/a24.csv.gz"

# --- 1. 集中供养率 over the split part only -------------------------------------
expect_exit 0 "the two counties' 2024 (--k 1)" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/m" "$TMP/y24.csv.gz"
grep -q '期末特困人员7人，在区分集中、分散供养的4人中，集中供养1人，集中供养率25.00%' "$TMP/m/published/bulletin.txt" &&
	ok "bulletin: the rate is over the 4 split persons (25.00%), not the 7 (14.29%)" ||
	fail "bulletin: the rate is over the 4 split persons (25.00%), not the 7 (14.29%)" "$(grep 特困 "$TMP/m/published/bulletin.txt")"
grep -q '特困人员集中供养率为25.00%（期末集中供养1人 ÷ 区分集中、分散供养的期末特困人员4人）；另有期末特困人员3人未区分集中、分散供养，不计入集中供养率。' "$TMP/m/published/programs.md" &&
	ok "table 1's note names the split persons and the 3 not split" ||
	fail "table 1's note names the split persons and the 3 not split" "$(grep 集中 "$TMP/m/published/programs.md")"
expect_exit 0 "同安区 alone (no split)" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/a" "$TMP/a24.csv.gz"
! grep -q '集中供养' "$TMP/a/published/bulletin.txt" "$TMP/a/published/programs.md" &&
	ok "no source splits 集中/分散: no rate anywhere" || fail "no source splits 集中/分散: no rate anywhere" "$(grep -h 集中 "$TMP/a/published/"*)"
expect_exit 0 "二七区 alone" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/b" "$TMP/b24.csv.gz"
grep -q '期末特困人员4人，其中集中供养1人，集中供养率25.00%' "$TMP/b/published/bulletin.txt" &&
	ok "everything split: the sentence as before" || fail "everything split: the sentence as before" "$(grep 特困 "$TMP/b/published/bulletin.txt")"

# --- 2. table 5: what its flow columns hold ------------------------------------------
head -1 "$TMP/b/published/people.csv" | grep -q '新增户数（报告期内合计）,新增人数（报告期内合计）,退出户数（报告期内合计）,退出人数（报告期内合计）' &&
	! grep -q '当月新增户数' "$TMP/b/published/people.csv" &&
	ok "people.csv: the flow columns say they are sums over the period" || fail "people.csv: the flow columns say they are sums over the period" "$(head -1 "$TMP/b/published/people.csv")"
grep -q '新增户数、人数为报告期内各月当月新增之和' "$TMP/b/published/people.md" &&
	ok "its note says the same" || fail "its note says the same"
expect_exit 0 "二七区 2024 with --previous 2023" "$R" -q --k 1 --period 2024-01..2024-12 --previous "$TMP/y23.csv.gz" -o "$TMP/bp" "$TMP/b24.csv.gz"
for d in b bp; do
	grep -q '2024年1月的新增、退出未计算（未与2023年12月比较），表中新增、退出自2024年2月起计。' "$TMP/$d/published/people.md" &&
		! grep -q '数据不含' "$TMP/$d/published/people.md" &&
		ok "$d: the note on January is true (not judged), with or without the year before" ||
		fail "$d: the note on January is true (not judged), with or without the year before" "$(grep 2024年1月 "$TMP/$d/published/people.md")"
done
expect_exit 0 "both years by year" "$R" -q --k 1 --by-year -o "$TMP/by" "$TMP/all.csv.gz"
grep -q '2024年1月的新增、退出与2023年12月比较；厦门市同安区无2023年12月数据（期初未知），其2024年1月的新增、退出未计算，自次月起计。' "$TMP/by/published/people-2024.md" &&
	ok "by year: a county without December 2023 is named (its January not counted)" ||
	fail "by year: a county without December 2023 is named (its January not counted)" "$(grep 2024年1月 "$TMP/by/published/people-2024.md")"

# --- 3. the title of a report over several provinces -------------------------------
head -1 "$TMP/by/published/programs-2024.md" | grep -qx '## 各地合计2024年分项目汇总表' &&
	head -1 "$TMP/by/published/bulletin.txt" | grep -qx '各地合计社会救助统计简报' &&
	ok "no region holds both counties: titled 各地合计" || fail "no region holds both counties: titled 各地合计" "$(head -1 "$TMP/by/published/programs-2024.md")"
expect_exit 0 "an empty --title is the default" "$R" -q --k 1 --by-year --title '' -o "$TMP/by2" "$TMP/all.csv.gz"
cmp -s "$TMP/by/published/bulletin.txt" "$TMP/by2/published/bulletin.txt" && ok "... the same bulletin" || fail "... the same bulletin"
expect_exit 0 "several provinces titled 全部分区" "$R" -q --k 1 --by-year --title 全部分区 -o "$TMP/bt" "$TMP/all.csv.gz"
! grep -q '全区' "$TMP/bt/published/bulletin.txt" &&
	ok "a title ending in 区 over four provinces: no 全区" || fail "a title ending in 区 over four provinces: no 全区" "$(cat "$TMP/bt/published/bulletin.txt")"
head -1 "$TMP/b/published/programs.md" | grep -qx '## 二七区2024年分项目汇总表' && grep -q '^全区救助供养特困人员' "$TMP/b/published/bulletin.txt" &&
	ok "one district: its name and 全区, as before" || fail "one district: its name and 全区, as before" "$(cat "$TMP/b/published/bulletin.txt")"

# --- 4. coverage, and no 同比 across it ----------------------------------------------
# yoy_dash CSV: exit 0 when the table has 同比 columns and every body cell
# in them is "—" (a table written with no 同比 columns fails).
yoy_dash() {
	python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig')))
head = rows[0]
yoy = [i for i, h in enumerate(head) if '同比' in h or '上年' in h]
body = [r for r in rows[1:] if len(r) == len(head)]
sys.exit(0 if yoy and body and all(r[i] == '—' for r in body for i in yoy) else 1)
PY
}
grep -q '^2023年数据涵盖郑州市二七区。$' "$TMP/by/published/bulletin.txt" &&
	grep -q '^2024年数据涵盖厦门市同安区、郑州市二七区。与2023年涵盖地区不同，两期数据不宜直接比较。$' "$TMP/by/published/bulletin.txt" &&
	grep -q '^2024年，上述地区共发放' "$TMP/by/published/bulletin.txt" &&
	ok "by year: each year names the counties it covers, and that they differ" ||
	fail "by year: each year names the counties it covers, and that they differ" "$(cat "$TMP/by/published/bulletin.txt")"
expect_exit 0 "both counties' 2024 with --previous 二七区 2023" "$R" -q --k 1 --period 2024-01..2024-12 --previous "$TMP/y23.csv.gz" -o "$TMP/mp" "$TMP/y24.csv.gz"
grep -q '上年同期（2023年）数据涵盖郑州市二七区，与2024年涵盖地区不同，不作同比比较。' "$TMP/mp/published/bulletin.txt" &&
	! grep -q '同比增长\|同比下降\|上年同期持平' "$TMP/mp/published/bulletin.txt" &&
	ok "bulletin: no 同比 against a year of other counties, and why" || fail "bulletin: no 同比 against a year of other counties, and why" "$(cat "$TMP/mp/published/bulletin.txt")"
python3 - "$TMP/mp/published/programs.csv" <<'PY' && ok "table 1: the 同比 columns are — and a note names both coverages" || fail "table 1: the 同比 columns are — and a note names both coverages"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig')))
head = rows[0]
yoy = [i for i, h in enumerate(head) if '同比' in h or '上年' in h]
assert yoy, head
body = [r for r in rows[1:] if len(r) == len(head)]
assert body and all(r[i] == '—' for r in body for i in yoy), body
PY
grep -q '上年同期数据涵盖郑州市二七区，本期涵盖厦门市同安区、郑州市二七区，涵盖地区不同，不作同比比较' "$TMP/mp/published/programs.md" &&
	ok "... the note" || fail "... the note" "$(tail -5 "$TMP/mp/published/programs.md")"
# Table 2 (分地区汇总表) too: its 合计 row is the sum over the same counties
# as table 1's, so no 同比 there either, and its note says why.
for v in published internal; do
	yoy_dash "$TMP/mp/$v/towns.csv" &&
		ok "$v table 2: every 同比 cell is — against a year of other counties" ||
		fail "$v table 2: every 同比 cell is — against a year of other counties" "$(tail -2 "$TMP/mp/$v/towns.csv")"
done
grep -q '上年同期数据涵盖郑州市二七区，本期涵盖厦门市同安区、郑州市二七区，涵盖地区不同，不作同比比较，同比各列以“—”表示。' "$TMP/mp/published/towns.md" &&
	! grep -q '同比为合计人次' "$TMP/mp/published/towns.md" &&
	ok "... table 2's note says why" || fail "... table 2's note says why" "$(tail -5 "$TMP/mp/published/towns.md")"
! yoy_dash "$TMP/bp/published/towns.csv" &&
	grep -q '同比为合计人次' "$TMP/bp/published/towns.md" &&
	ok "the same county both years: table 2 keeps its 同比" || fail "the same county both years: table 2 keeps its 同比" "$(tail -2 "$TMP/bp/published/towns.csv")"
grep -q '支出同比增长' "$TMP/bp/published/bulletin.txt" && ! grep -q '涵盖' "$TMP/bp/published/bulletin.txt" &&
	ok "the same county both years: 同比 as before, no coverage sentence" || fail "the same county both years: 同比 as before, no coverage sentence" "$(cat "$TMP/bp/published/bulletin.txt")"

# --- 5. a part of a city or province is not the city or province -------------------
# 沈阳市 has thirteen districts in the regions table: a file of two of them
# is 沈阳市（和平区、浑南区） and 上述地区, never 沈阳市 and 全市. One
# township (its first in the table) a district, one 特困 person each.
RT=$ROOT/samples/reference/regions.csv
# (湖南省's counties have no townships in the table: one of code 001.)
first_town() { awk -F, -v c="$1" '$3=="township" && $4==c {t=$1; exit} END {print t ? t : c "001"}' "$RT"; }
SY=$(awk -F, '$3=="county" && $4=="2101" {print $1}' "$RT")
[ "$(echo "$SY" | wc -l)" = 13 ] && ok "the regions table lists 沈阳市's thirteen districts" || fail "the regions table lists 沈阳市's thirteen districts" "$SY"
shenyang() {   # OUT.csv.gz MONTHS COUNTY...
	_o=$1 _m=$2; shift 2
	{ echo "$H"; _i=100
	  for c in "$@"; do
		_i=$((_i + 1)); t=$(first_town "$c")
		for m in $_m; do row "${t}001" tekun "$m" "$_i"; done
	  done; } | gzip -n >"$_o"
}
shenyang "$TMP/s2.csv.gz" "2024-01 2024-12" 210102 210112
expect_exit 0 "two of 沈阳市's districts" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/s2" "$TMP/s2.csv.gz"
head -1 "$TMP/s2/published/bulletin.txt" | grep -qx '沈阳市（和平区、浑南区）社会救助统计简报' &&
	head -1 "$TMP/s2/published/programs.md" | grep -qx '## 沈阳市（和平区、浑南区）2024年分项目汇总表' &&
	grep -q '^2024年，沈阳市（和平区、浑南区）共发放' "$TMP/s2/published/bulletin.txt" &&
	ok "... titled 沈阳市（和平区、浑南区）, not 沈阳市" || fail "... titled 沈阳市（和平区、浑南区）, not 沈阳市" "$(head -4 "$TMP/s2/published/bulletin.txt")"
grep -q '^上述地区救助供养特困人员4人次' "$TMP/s2/published/bulletin.txt" && ! grep -q '全市' "$TMP/s2/published/bulletin.txt" &&
	ok "... the bulletin says 上述地区, no 全市" || fail "... the bulletin says 上述地区, no 全市" "$(cat "$TMP/s2/published/bulletin.txt")"
expect_exit 0 "... titled 沈阳市 by --title" "$R" -q --k 1 --period 2024-01..2024-12 --title 沈阳市 -o "$TMP/s2t" "$TMP/s2.csv.gz"
grep -q '^上述地区救助供养特困人员' "$TMP/s2t/published/bulletin.txt" && ! grep -q '全市' "$TMP/s2t/published/bulletin.txt" &&
	ok "... a given title makes no 全市 either" || fail "... a given title makes no 全市 either" "$(cat "$TMP/s2t/published/bulletin.txt")"
# shellcheck disable=SC2086
shenyang "$TMP/s13.csv.gz" "2024-01 2024-12" $SY
expect_exit 0 "all thirteen districts" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/s13" "$TMP/s13.csv.gz"
head -1 "$TMP/s13/published/bulletin.txt" | grep -qx '沈阳市社会救助统计简报' &&
	grep -q '^2024年，沈阳市共发放' "$TMP/s13/published/bulletin.txt" &&
	grep -q '^全市救助供养特困人员26人次' "$TMP/s13/published/bulletin.txt" &&
	ok "... the whole city: 沈阳市 and 全市" || fail "... the whole city: 沈阳市 and 全市" "$(head -6 "$TMP/s13/published/bulletin.txt")"
shenyang "$TMP/s4.csv.gz" "2024-01 2024-12" 210102 210103 210104 210112
expect_exit 0 "four of 沈阳市's districts" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/s4" "$TMP/s4.csv.gz"
head -1 "$TMP/s4/published/bulletin.txt" | grep -qx '各地合计社会救助统计简报' &&
	grep -q '^2024年数据涵盖沈阳市和平区、沈阳市沈河区、沈阳市大东区、沈阳市浑南区。$' "$TMP/s4/published/bulletin.txt" &&
	grep -q '^2024年，上述地区共发放' "$TMP/s4/published/bulletin.txt" &&
	grep -q '^上述地区救助供养特困人员8人次' "$TMP/s4/published/bulletin.txt" && ! grep -q '全市\|沈阳市社会' "$TMP/s4/published/bulletin.txt" &&
	ok "... more than three: 各地合计, the districts named, 上述地区" || fail "... more than three: 各地合计, the districts named, 上述地区" "$(head -6 "$TMP/s4/published/bulletin.txt")"
# 2023 the first six districts, 2024 the other seven: together the whole
# city, but no year is 沈阳市.
{ shenyang "$TMP/sa.csv.gz" "2023-01 2023-12" $(echo "$SY" | head -6)
  shenyang "$TMP/sb.csv.gz" "2024-01 2024-12" $(echo "$SY" | tail -7)
  { echo "$H"; zcat "$TMP/sa.csv.gz" "$TMP/sb.csv.gz" | grep -v '^region'; } | gzip -n >"$TMP/sab.csv.gz"; }
expect_exit 0 "six districts in 2023, the other seven in 2024, by year" "$R" -q --k 1 --by-year -o "$TMP/sab" "$TMP/sab.csv.gz"
head -1 "$TMP/sab/published/bulletin.txt" | grep -qx '各地合计社会救助统计简报' && ! grep -q '全市' "$TMP/sab/published/bulletin.txt" &&
	[ "$(grep -c '^上述地区救助供养特困人员' "$TMP/sab/published/bulletin.txt")" = 2 ] &&
	ok "... neither year is the whole city: 各地合计, 上述地区 each year" || fail "... neither year is the whole city: 各地合计, 上述地区 each year" "$(cat "$TMP/sab/published/bulletin.txt")"
# A part of a province: its counties with their cities' names.
shenyang "$TMP/hn.csv.gz" "2024-01 2024-12" 430102 430202
expect_exit 0 "a county of 长沙市 and one of 株洲市" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/hn" "$TMP/hn.csv.gz"
head -1 "$TMP/hn/published/bulletin.txt" | grep -qx '湖南省（长沙市芙蓉区、株洲市荷塘区）社会救助统计简报' && ! grep -q '全省' "$TMP/hn/published/bulletin.txt" &&
	ok "... titled 湖南省（长沙市芙蓉区、株洲市荷塘区）, no 全省" || fail "... titled 湖南省（长沙市芙蓉区、株洲市荷塘区）, no 全省" "$(head -4 "$TMP/hn/published/bulletin.txt")"
# One district is that district, as before (two of its townships: one
# village alone is titled by the village).
{ echo "$H"; row 210112009001 tekun 2024-01 1; row 210112010012 tekun 2024-12 2; } | gzip -n >"$TMP/s1.csv.gz"
expect_exit 0 "浑南区 alone" "$R" -q --k 1 --period 2024-01..2024-12 -o "$TMP/s1" "$TMP/s1.csv.gz"
head -1 "$TMP/s1/published/bulletin.txt" | grep -qx '浑南区社会救助统计简报' && grep -q '^全区救助供养特困人员' "$TMP/s1/published/bulletin.txt" &&
	ok "... titled 浑南区, 全区" || fail "... titled 浑南区, 全区" "$(head -4 "$TMP/s1/published/bulletin.txt")"

# --- the sample pipeline: the figures the review quoted ------------------------------
cd "$ROOT" || exit 1
RUN=$TMP/run
expect_exit 0 "the sample pipeline runs" "$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$RUN"
BA=$RUN/all/report/published/bulletin.txt
grep -q '期末特困人员181人，在区分集中、分散供养的53人中，集中供养14人，集中供养率26.42%' "$BA" &&
	ok "merged 2024: 14 of the 53 split (二七区's 26.42%), not 14 of 181 (7.73%)" ||
	fail "merged 2024: 14 of the 53 split (二七区's 26.42%), not 14 of 181 (7.73%)" "$(grep 特困 "$BA")"
grep -q '集中供养率为26.42%（期末集中供养14人 ÷ 区分集中、分散供养的期末特困人员53人）；另有期末特困人员128人未区分' "$RUN/all/report/published/programs-2024.md" &&
	ok "merged table 1's note: 128 not split" || fail "merged table 1's note: 128 not split" "$(grep 集中供养率 "$RUN/all/report/published/programs-2024.md")"
grep -q '期末特困人员53人，其中集中供养14人，集中供养率26.42%' "$RUN/erqi-2024/report/published/bulletin.txt" &&
	ok "二七区 alone: 26.42% as before" || fail "二七区 alone: 26.42% as before"
head -1 "$BA" | grep -qx '各地合计社会救助统计简报' && ! grep -rq '全部来源' "$RUN/all/report/published" &&
	! grep -q '全区' "$BA" &&
	ok "merged: titled 各地合计 (four provinces), no 全部来源, no 全区" || fail "merged: titled 各地合计 (four provinces), no 全部来源, no 全区" "$(head -3 "$BA")"
grep -q '^2023年数据涵盖郑州市二七区、成都市郫都区。$' "$BA" &&
	grep -q '^2024年数据涵盖牡丹江市爱民区、厦门市同安区、郑州市二七区。与2023年涵盖地区不同，两期数据不宜直接比较。$' "$BA" &&
	ok "merged: each year's coverage, and that they differ" || fail "merged: each year's coverage, and that they differ" "$(cat "$BA")"
grep -q '2024年1月的新增、退出与2023年12月比较；牡丹江市爱民区、厦门市同安区无2023年12月数据' "$RUN/all/report/published/people-2024.md" &&
	grep -q '2024年1月的新增、退出未计算（未与2023年12月比较）' "$RUN/erqi-2024/report/published/people.md" &&
	ok "table 5's January note, merged and for 二七区 (given 2023 for 同比 only)" || fail "table 5's January note, merged and for 二七区 (given 2023 for 同比 only)"

for s in tongan-2024:厦门市同安区 erqi-2024:郑州市二七区 aimin-2024:牡丹江市爱民区 pidu-2023:成都市郫都区; do
	head -1 "$RUN/${s%%:*}/report/published/bulletin.txt" | grep -qx "${s#*:}社会救助统计简报" &&
		ok "${s%%:*}: titled ${s#*:} as before" || fail "${s%%:*}: titled ${s#*:} as before" "$(head -1 "$RUN/${s%%:*}/report/published/bulletin.txt")"
done
# 同安区's aggregate moved to two of 沈阳市's districts (the review's case).
zcat "$RUN/tongan-2024/agg.csv.gz" | sed -E 's/^350212(00[1-4])/210102\1/; s/^350212/210112/' | gzip -n >"$TMP/ts.csv.gz"
expect_exit 0 "同安区's aggregate as 和平区 and 浑南区" "$R" -q -o "$TMP/ts" "$TMP/ts.csv.gz"
head -1 "$TMP/ts/published/bulletin.txt" | grep -qx '沈阳市（和平区、浑南区）社会救助统计简报' &&
	grep -q '^上述地区救助低保对象' "$TMP/ts/published/bulletin.txt" && ! grep -q '全市\|沈阳市共' "$TMP/ts/published/bulletin.txt" &&
	ok "... 沈阳市（和平区、浑南区）, 上述地区" || fail "... 沈阳市（和平区、浑南区）, 上述地区" "$(head -5 "$TMP/ts/published/bulletin.txt")"

# The review's case: 二七区 2024 against the merged file's 2023 (二七区 and
# 郫都区). Table 2's 合计 row gave -8431 人次 (-50.0%) while table 1 and
# the bulletin said 不作同比比较.
expect_exit 0 "二七区 2024 with --previous the merged file" "$R" -q --previous "$RUN/all/agg.csv.gz" -o "$TMP/ey" "$RUN/erqi-2024/agg.csv.gz"
yoy_dash "$TMP/ey/published/towns.csv" &&
	yoy_dash "$TMP/ey/published/programs.csv" &&
	grep -q '涵盖地区不同，不作同比比较' "$TMP/ey/published/bulletin.txt" &&
	ok "... tables 1 and 2 both show — and the bulletin says why" ||
	fail "... tables 1 and 2 both show — and the bulletin says why" "$(grep '^合计' "$TMP/ey/published/towns.csv")"

# Counties that do not cover the same months: the merged 2024 flows are
# the sum of each county's own (no one moves between these counties), so
# a county without December 2023 (同安区, 爱民区) adds no January 新增 and
# one without 2024 (郫都区) no January 退出. 二七区's two years are merged
# on their own, judged January against December as the whole merge is.
"$BIN/rs-merge" -q -o "$TMP/erqi2.csv.gz" "$RUN/erqi-2023/agg.csv.gz" "$RUN/erqi-2024/agg.csv.gz" &&
	"$BIN/rs-report" -q --by-year -o "$TMP/erqi2" "$TMP/erqi2.csv.gz" ||
	fail "二七区's two years merged and reported"
python3 - "$RUN/all/report/internal/people-2024.csv" "$TMP/erqi2/internal/people-2024.csv" \
	"$RUN/tongan-2024/report/internal/people.csv" "$RUN/aimin-2024/report/internal/people.csv" <<'PY' &&
import csv, sys
def load(path):
    rows = list(csv.reader(open(path, encoding='utf-8-sig')))
    h = rows[0]
    cols = [i for i, c in enumerate(h) if c.startswith(('新增', '退出'))]
    assert len(cols) == 4, h
    return {(r[0], r[1]): [int(r[i]) for i in cols] for r in rows[1:] if len(r) == len(h)}
merged, parts = load(sys.argv[1]), [load(p) for p in sys.argv[2:]]
keys = [k for k in merged if k[0] in ('城市最低生活保障', '农村最低生活保障', '最低生活保障', '高龄津贴', '困难残疾人生活补贴')]
assert len(keys) >= 6, keys
for k in keys:
    want = [sum(p.get(k, [0] * 4)[i] for p in parts) for i in range(4)]
    assert merged[k] == want, (k, merged[k], want)
PY
	ok "merged 2024: new and exits are each county's own, none for months a county has no data" ||
	fail "merged 2024: new and exits are each county's own, none for months a county has no data"
grep -q '牡丹江市爱民区、厦门市同安区无2023年12月数据（期初未知），其2024年1月的新增、退出未计算，自次月起计。' "$RUN/all/report/published/people-2024.md" &&
	ok "... and the note says so" || fail "... and the note says so" "$(grep 2024年1月 "$RUN/all/report/published/people-2024.md")"

# A county whose data starts after January, one whose data ends before
# December: the first month's flows of the one and the exits after the
# other's last month are not counted, and the notes say so.
zcat "$RUN/tongan-2024/agg.csv.gz" | awk -F, 'NR == 1 || $4 >= "2024-05"' | gzip >"$TMP/t5.csv.gz"
zcat "$RUN/aimin-2024/agg.csv.gz" | awk -F, 'NR == 1 || $4 <= "2024-08"' | gzip >"$TMP/a8.csv.gz"
"$BIN/rs-merge" -q -o "$TMP/part.csv.gz" "$TMP/t5.csv.gz" "$TMP/a8.csv.gz" "$RUN/erqi-2024/agg.csv.gz" &&
	"$BIN/rs-report" -q --k 1 -o "$TMP/part" "$TMP/part.csv.gz" || fail "a merge of part-year counties reported"
P=$TMP/part/internal/people
grep -q '^厦门市同安区自2024年5月起有数据，其首月的新增、退出未计算（期初未知）。$' "$P.md" &&
	grep -q '^牡丹江市爱民区至2024年8月止有数据，其后各月的退出未计算。$' "$P.md" &&
	grep -q '^城市最低生活保障,城市,[0-9]*,—,—,—,0,0,' "$P.csv" &&
	ok "part-year counties: no one new in a county's first month, no one leaving after its last, and the notes say so" ||
	fail "part-year counties: no one new in a county's first month, no one leaving after its last, and the notes say so" "$(grep '城市最低' "$P.csv")" "$(tail -6 "$P.md")"

# The merged report's title and unit come from the sources file.
yearend_copy "$TMP/named" -e 's/^merged_title: ""/merged_title: 四省部分县区合计/' -e 's/^merged_unit: ""/merged_unit: 示例省民政厅/' &&
	grep -q '^merged_title: 四省部分县区合计' "$TMP/named/sources.yaml" || fail "a sources file naming the merged report" "sed did not apply"
expect_exit 0 "a sources file with merged_title and merged_unit" "$BIN/reliefstat" run -q --allow-outside "$TMP/named/yearend.yaml" --var out="$TMP/named/out"
NP=$TMP/named/out/all/report/published
head -1 "$NP/programs-2024.md" | grep -qx '## 四省部分县区合计2024年分项目汇总表' && grep -q '示例省民政厅' "$NP/report.html" &&
	grep -q '^2024年，四省部分县区合计共发放' "$NP/bulletin.txt" &&
	ok "... its title heads the merged tables and bulletin, its unit is the 制表单位" ||
	fail "... its title heads the merged tables and bulletin, its unit is the 制表单位" "$(head -1 "$NP/programs-2024.md")"
# A sources file of before (a bare list) still names its sources' error.
yearend_copy "$TMP/old" -e '/^merged_/d' -e '/^sources:$/d'
expect_exit 2 "a sources file that is a bare list: a configuration error" "$BIN/reliefstat" check "$TMP/old/yearend.yaml"
grep -q "variable 'sources' is its key 'sources', but the file holds a list or a string, not a map (write 'sources:' on the line before its list)" "$TMP/.err" &&
	ok "... naming the fix" || fail "... naming the fix" "$(cat "$TMP/.err")"

# The partitioned pipeline (a small generated export): the same rate, and
# no 全部分区 / 全区 for four provinces.
expect_exit 0 "the partitioned pipeline runs" "$BIN/reliefstat" run -q --allow-outside pipelines/partitioned.yaml -j 2 --var out="$TMP/part" --var gen_rows=2000
BP=$TMP/part/all/report/published/bulletin.txt
grep -q '在区分集中、分散供养的53人中，集中供养14人，集中供养率26.42%' "$BP" && head -1 "$BP" | grep -qx '各地合计社会救助统计简报' &&
	! grep -q '全区\|全部分区' "$BP" &&
	ok "partitioned: 26.42% over the split 53 (not 14/439), 各地合计, no 全区" || fail "partitioned: 26.42% over the split 53 (not 14/439), 各地合计, no 全区" "$(head -14 "$BP")"
