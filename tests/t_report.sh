#!/bin/bash
# rs-report: year-end tables from an aggregate file (SPEC.md sections 4, 7).
# A tiny aggregate is written by hand with figures worked out below; the
# tables must show exactly those figures, round half-up from exact fen,
# roll up 低保 from its children, suppress small cells in published/ only
# (without leaving them recomputable), and be byte-identical on a rerun.
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
U=350212001002   # 同安区 大同街道 同新社区
V=350212105201   # 同安区, another township

# --- the fixture ---------------------------------------------------------------
# 城市低保 (monthly): beneficiaries 1, 2, 3 in January, 1 and 2 in December.
#   人次 3+2+1+3+2 = 11, 户次 5, 3 households (累计保障户数) of 3 + 2 + 1 = 6
#   persons (累计保障人数: each household's largest payment), 期末 (December) 5 persons / 2 户,
#   支出 5500.05 元 = 0.550005 万元 -> 0.55, 月人均 5500.05 / 11 = 500.0045 -> 500.00
# 农村低保 (monthly): beneficiary 4 in January and December, 3 (moved from the
#   city) in June. 人次 5, 户次 3, 2 户 of 2 + 1 = 3 persons (2 < k = 3: suppressed when
#   published), 期末 2 / 1, 支出 0.15, 月人均 300.00
# 低保 小计: 人次 16 = 11 + 5, 户次 8, 4 户 (< 3 + 2: beneficiary 3 is in
#   both) of 3 + 2 + 1 + 2 = 8 persons, 期末 7 / 3, 支出 7000.05 -> 0.70, 月人均 700005 / 16 = 437.503 -> 437.50
# 临时救助 (one-off, paid per household or person): 人次 4+1+1 = 6, 户次 3,
#   累计保障人数 4 + 1 + 1 = 6, 户数 — (which IDs are households is not known), 期末 —,
#   支出 1250.00 元 = 0.125 万元 -> 0.13 (half-up), 平均救助水平 208.33
# 高龄津贴 (monthly): beneficiaries 8, 9 in December: 人次 2, 支出 200.05,
#   月人均 100.025 -> 100.03 (half-up; binary floating point gives 100.02)
# 高龄津贴 is paid per person: 户数 —.
# 合计: 人次 24, 户次 13, 累计保障人数 8 + 6 + 2 = 16, 户数 — (it adds programs paid per person), 期末 9 / —, 支出 8450.10 -> 0.85
{ echo "$H"
  echo "$U,dibao_urban,urban,2024-01,,,$(b 1),M,50,1,3,1500.00"
  echo "$U,dibao_urban,urban,2024-01,,,$(b 2),F,40,1,2,1000.00"
  echo "$U,dibao_urban,urban,2024-01,,,$(b 3),M,70,1,1,500.05"
  echo "$U,dibao_urban,urban,2024-12,,,$(b 1),M,50,1,3,1500.00"
  echo "$U,dibao_urban,urban,2024-12,,,$(b 2),F,40,1,2,1000.00"
  echo "$U,gaoling,urban,2024-12,,,$(b 8),F,85,1,1,100.00"
  echo "$U,gaoling,urban,2024-12,,,$(b 9),M,90,1,1,100.05"
  echo "$U,linshi,rural,2024-03,\"区级,专项\",,$(b 5),M,33,1,4,1000.00"
  echo "$U,linshi,rural,2024-05,,,$(b 6),F,33,1,1,200.00"
  echo "$U,linshi,rural,2024-05,,,$(b 7),F,33,1,1,50.00"
  echo "$V,dibao_rural,rural,2024-01,,,$(b 4),M,60,1,2,600.00"
  echo "$V,dibao_rural,rural,2024-06,,,$(b 3),M,70,1,1,300.00"
  echo "$V,dibao_rural,rural,2024-12,,,$(b 4),M,60,1,2,600.00"
} | gzip -n >"$TMP/agg.csv.gz"

line_is() {   # NAME FILE LINE-PREFIX EXPECTED-LINE
	got=$(grep -m1 "^$3," "$2")
	[ "$got" = "$4" ] && ok "$1" || fail "$1" "want: $4" "got:  $got"
}

# --- command line -----------------------------------------------------------
expect_exit 0 "--help exits 0" "$R" --help
grep -q "usage: rs-report" "$TMP/.out" && grep -q "published/" "$TMP/.out" && grep -q "Exit status" "$TMP/.out" &&
	grep -q -- "--previous" "$TMP/.out" && grep -q -- "--excel" "$TMP/.out" && grep -q "report.xlsx" "$TMP/.out" &&
	ok "--help says what it reads, writes and returns" || fail "--help says what it reads, writes and returns"
expect_exit 0 "--version exits 0" "$R" --version
grep -q "^rs-report [0-9]" "$TMP/.out" && ok "--version prints the version" || fail "--version prints the version"
expect_exit 2 "an unknown option exits 2" "$R" --bogus -o "$TMP/x" "$TMP/agg.csv.gz"
expect_exit 2 "missing -o exits 2" "$R" "$TMP/agg.csv.gz"
expect_exit 2 "no aggregate file exits 2" "$R" -o "$TMP/x"
expect_exit 2 "two aggregate files exit 2" "$R" -o "$TMP/x" "$TMP/agg.csv.gz" "$TMP/agg.csv.gz"
expect_exit 2 "a bad --period exits 2" "$R" --period 2024-13 -o "$TMP/x" "$TMP/agg.csv.gz"
expect_exit 2 "a backwards --period exits 2" "$R" --period 2024-06..2024-01 -o "$TMP/x" "$TMP/agg.csv.gz"
expect_exit 2 "--k 0 exits 2" "$R" --k 0 -o "$TMP/x" "$TMP/agg.csv.gz"
expect_exit 2 "an unreadable catalog exits 2" "$R" --catalog "$TMP/none.yaml" -o "$TMP/x" "$TMP/agg.csv.gz"
expect_exit 1 "a missing aggregate exits 1" "$R" -o "$TMP/x" "$TMP/none.csv.gz"
grep -q "none.csv.gz" "$TMP/.err" && ok "the missing file is named" || fail "the missing file is named"
printf 'a,b\n1,2\n' | gzip -n >"$TMP/junk.csv.gz"
expect_exit 1 "a file that is not an aggregate exits 1" "$R" -o "$TMP/x" "$TMP/junk.csv.gz"
grep -q "wrong header in '.*junk.csv.gz' at line 1" "$TMP/.err" && ok "the wrong header is named" ||
	fail "the wrong header is named" "$(cat "$TMP/.err")"
{ echo "$H"; echo "$U,dibao_urban,urban,2024-01,,,$(b 1),M,50,1,3,15.001"; } | gzip -n >"$TMP/prec.csv.gz"
expect_exit 1 "an amount finer than a fen exits 1" "$R" -o "$TMP/x" "$TMP/prec.csv.gz"
grep -q "line 2" "$TMP/.err" && ok "the bad row's line is given" || fail "the bad row's line is given" "$(cat "$TMP/.err")"
{ echo "$H"; echo "$U,no_such_program,urban,2024-01,,,$(b 1),M,50,1,3,15.00"; } | gzip -n >"$TMP/unk.csv.gz"
expect_exit 1 "a program missing from the catalog exits 1" "$R" -o "$TMP/x" "$TMP/unk.csv.gz"
grep -q "no_such_program" "$TMP/.err" && ok "the unknown program is named" || fail "the unknown program is named"
expect_exit 1 "a period with no rows exits 1" "$R" --period 2023 -o "$TMP/x" "$TMP/agg.csv.gz"
[ ! -e "$TMP/x" ] && ok "nothing is written after a failure" || fail "nothing is written after a failure"

# --- the tables ---------------------------------------------------------------
O=$TMP/out
expect_exit 0 "a report is written" "$R" -o "$O" "$TMP/agg.csv.gz"
for v in internal published; do
	for f in programs.csv programs.md towns.csv towns.md months.csv months.md funding.csv funding.md \
		 report.md report.html report.xlsx bulletin.txt; do
		[ -s "$O/$v/$f" ] || fail "$v/$f is written"
	done
done
ok "internal/ and published/ hold programs, towns, months, funding (CSV, Markdown), report.md, .html, .xlsx and bulletin.txt"
[ ! -e "$O/internal/quality.csv" ] && ok "no quality table without --quality" || fail "no quality table without --quality"
ls -a "$O/internal" "$O/published" | grep -q '\.tmp\.' && fail "no temporary files are left" || ok "no temporary files are left"

P=$O/internal/programs.csv
head -1 "$P" | grep -q '^项目,城乡,人次,户次,累计保障人数,累计保障户数,期末保障人数,期末保障户数,支出（万元）,月人均补助水平（元）,平均救助水平（元）$' &&
	ok "programs.csv has the expected columns" || fail "programs.csv has the expected columns" "$(head -1 "$P")"
line_is "城市低保: 人次, 户次, distinct, 期末, 万元, 月人均" "$P" 城市最低生活保障 "城市最低生活保障,城市,11,5,6,3,5,2,0.55,500.00,—"
line_is "农村低保 (a person moved in from the city)" "$P" 农村最低生活保障 "农村最低生活保障,农村,5,3,3,2,2,1,0.15,300.00,—"
line_is "低保 rolls up: additive sums, distinct over the union" "$P" 最低生活保障 "最低生活保障,小计,16,8,8,4,7,3,0.70,437.50,—"
line_is "临时救助: one-off, 0.125 万元 rounds half-up to 0.13, 平均救助水平" "$P" 临时救助 "临时救助,农村,6,3,6,—,—,—,0.13,—,208.33"
line_is "高龄津贴: 月人均 100.025 rounds half-up to 100.03" "$P" 高龄津贴 "高龄津贴,城市,2,2,2,—,2,—,0.02,100.03,—"
line_is "合计 from exact values (8450.10 元 -> 0.85, not 0.55+0.15+0.13+0.02)" "$P" 合计 "合计,,24,13,16,—,9,—,0.85,—,—"
python3 - "$P" <<'EOF' && ok "低保 = sum of its children (additive), <= sum (distinct, stock)" || fail "低保 = sum of its children (additive), <= sum (distinct, stock)"
import csv, sys
rows = {r['项目']: r for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))}
u, r, p = rows['城市最低生活保障'], rows['农村最低生活保障'], rows['最低生活保障']
for c in ('人次', '户次'):
    assert int(p[c]) == int(u[c]) + int(r[c]), c
for c in ('累计保障人数', '累计保障户数', '期末保障人数', '期末保障户数'):
    assert max(int(u[c]), int(r[c])) <= int(p[c]) <= int(u[c]) + int(r[c]), c
EOF

MO=$O/internal/months.csv
head -1 "$MO" | grep -q '^月份,城市最低生活保障人次,城市最低生活保障支出（万元）,农村最低生活保障人次,农村最低生活保障支出（万元）,临时救助人次,临时救助支出（万元）,高龄津贴人次,高龄津贴支出（万元）,合计人次,合计支出（万元）$' &&
	ok "months.csv has a column pair per program and a 合计" || fail "months.csv has a column pair per program and a 合计" "$(head -1 "$MO")"
[ "$(grep -c '月,' "$MO")" = 12 ] && ok "months.csv lists all twelve months" || fail "months.csv lists all twelve months"
line_is "January" "$MO" 1月 "1月,6,0.30,2,0.06,0,0.00,0,0.00,8,0.36"
line_is "December" "$MO" 12月 "12月,5,0.25,2,0.06,0,0.00,2,0.02,9,0.33"
line_is "the 合计 row equals the period" "$MO" 合计 "合计,11,0.55,5,0.15,6,0.13,2,0.02,24,0.85"

grep -q "^# 同安区社会救助统计报表" "$O/internal/report.md" && ok "the default title is the region holding every row (同安区)" ||
	fail "the default title is the region holding every row (同安区)" "$(head -1 "$O/internal/report.md")"
grep -q "^## 同安区2024年分项目汇总表" "$O/internal/report.md" && grep -q "^## 同安区2024年分月情况表" "$O/internal/report.md" &&
	ok "report.md holds every table under its heading" || fail "report.md holds every table under its heading"
grep -q "^| 城市最低生活保障 | 城市 | 11 | 5 | 6 | 3 | 5 | 2 | 0.55 | 500.00 | — |$" "$O/internal/programs.md" &&
	ok "programs.md is a Markdown table with the same figures" || fail "programs.md is a Markdown table with the same figures"

# --- 分地区汇总表 and 资金来源表 ------------------------------------------------------
# Townships are region code digits 1-9, named from the region table:
# 350212001 大同街道 (U) and 350212105 莲花镇 (V). The 合计 row equals table
# 1's 合计. Funding: one 临时救助 payment names "区级,专项" (1000.00 元), the
# rest name none (未注明).
T=$O/internal/towns.csv
head -1 "$T" | grep -q '^区县,乡镇（街道）,最低生活保障人次,最低生活保障支出（万元）,临时救助人次,临时救助支出（万元）,高龄津贴人次,高龄津贴支出（万元）,合计人次,合计支出（万元）$' &&
	ok "towns.csv: per root program 人次 and 支出, then the 合计" || fail "towns.csv: per root program 人次 and 支出, then the 合计" "$(head -1 "$T")"
grep -qx '同安区,大同街道,11,0.55,6,0.13,2,0.02,19,0.70' "$T" && grep -qx '同安区,莲花镇,5,0.15,0,0.00,0,0.00,5,0.15' "$T" &&
	ok "townships are named from the region table, with their figures" || fail "townships are named from the region table, with their figures" "$(cat "$T")"
grep -qx '合计,,16,0.70,6,0.13,2,0.02,24,0.85' "$T" && ok "the towns 合计 equals table 1 (16 低保, 24 人次, 0.85 万元)" ||
	fail "the towns 合计 equals table 1 (16 低保, 24 人次, 0.85 万元)" "$(tail -1 "$T")"
F=$O/internal/funding.csv
printf '%s\n' '资金来源,最低生活保障（万元）,临时救助（万元）,高龄津贴（万元）,合计（万元）,占比（%）' \
	'"区级,专项",0.00,0.10,0.00,0.10,11.8' '未注明,0.70,0.03,0.02,0.75,88.2' '合计,0.70,0.13,0.02,0.85,100.0' >"$TMP/fund.want"
cmp -s "$F" "$TMP/fund.want" && ok "funding.csv: sources (quoted when needed, 未注明 last), 合计 and share" ||
	fail "funding.csv: sources (quoted when needed, 未注明 last), 合计 and share" "$(diff "$TMP/fund.want" "$F")"
# (the 低保 合计 is table 1's 小计, published since 城市低保's row is hidden
# with its 期末: 城市低保's 12月 cell is hidden and equals that 期末)
grep -q '^合计,,16,0.70,\*,\*,\*,\*,24,0.85$' "$O/published/towns.csv" &&
	ok "published towns hide the cells that would give back hidden ones" || fail "published towns hide the cells that would give back hidden ones" "$(cat "$O/published/towns.csv")"
# Two counties: each county's townships, its 小计, then the 合计.
{ echo "$H"
  for v in 350212001002 350212105201 410103001001; do for i in 1 2 3; do
	n=$i; case $v in 3502121*) n=$((i + 10));; 4101*) n=$((i + 20));; esac
	echo "$v,dibao_urban,urban,2024-12,,,$(b $n),M,50,1,2,800.00"
  done; done
} | gzip -n >"$TMP/counties.csv.gz"
expect_exit 0 "a report over two counties" "$R" -q --title 两区 -o "$TMP/cty" "$TMP/counties.csv.gz"
cut -d, -f1-4 "$TMP/cty/internal/towns.csv" >"$TMP/cty.rows"
printf '%s\n' 区县,乡镇（街道）,最低生活保障人次,最低生活保障支出（万元） 同安区,大同街道,6,0.24 同安区,莲花镇,6,0.24 同安区,小计,12,0.48 \
	二七区,淮河路街道,6,0.24 二七区,小计,6,0.24 合计,,18,0.72 >"$TMP/cty.want"
cmp -s "$TMP/cty.rows" "$TMP/cty.want" && ok "several counties: townships, a 小计 per county, then the 合计" ||
	fail "several counties: townships, a 小计 per county, then the 合计" "$(diff "$TMP/cty.want" "$TMP/cty.rows")"
[ ! -e "$TMP/cty/internal/funding.csv" ] && ok "no funding table when the data names no funding source" ||
	fail "no funding table when the data names no funding source"
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/cty/internal" "$TMP/cty/published" 2>&1) &&
	ok "several counties: no hidden value can be recomputed" || fail "several counties: no hidden value can be recomputed" "$out"

# --- suppression ------------------------------------------------------------------
PP=$O/published/programs.csv
line_is "农村低保 (2 beneficiaries) is hidden when published" "$PP" 农村最低生活保障 "农村最低生活保障,农村,*,*,*,*,*,*,*,*,—"
grep -q '^农村最低生活保障,农村,5,' "$P" && ok "... and shown in internal/" || fail "... and shown in internal/"
line_is "高龄津贴 (2 beneficiaries) is hidden too" "$PP" 高龄津贴 "高龄津贴,城市,*,*,*,—,*,—,*,*,—"
line_is "the 合计 stays published" "$PP" 合计 "合计,,24,13,16,—,9,—,0.85,—,—"
grep -q "少于3人" "$O/published/programs.md" && ok "published tables carry a note on the rule" ||
	fail "published tables carry a note on the rule"
grep -q "少于3人" "$O/internal/programs.md" && fail "internal tables carry no suppression note" || ok "internal tables carry no suppression note"
# Published cells are "*" or the internal value; every additive relation
# of the four tables (roll-ups, 合计 rows and columns, each table's 合计
# row = table 1, the stock relations among monthly rows) is written as
# equations over the hidden cells, and exact rational elimination checks
# that none of them is fixed: no hidden value can be recomputed from
# rows, columns, totals or the other tables, alone or in combination
# (tests/report/audit.py, which also checks the published bulletin).
out=$(python3 "$ROOT/tests/report/audit.py" "$O/internal" "$O/published" 2>&1) &&
	ok "no hidden value can be recomputed, alone or by combining relations" ||
	fail "no hidden value can be recomputed, alone or by combining relations" "$out"
# The audit must catch a leak: show the hidden 低保 cell of 莲花镇 (its
# 合计 is that cell alone, the township having no other program).
cp -r "$O" "$TMP/leak"
python3 - "$TMP/leak/published/towns.csv" "$TMP/leak/internal/towns.csv" <<'EOF2'
import csv, sys
pub = list(csv.reader(open(sys.argv[1], encoding='utf-8')))
inn = list(csv.reader(open(sys.argv[2], encoding='utf-8')))
r = next(i for i, row in enumerate(pub) if row[1] == '莲花镇')
assert pub[r][2] == '*', pub[r]
pub[r][2], pub[r][3] = inn[r][2], inn[r][3]
csv.writer(open(sys.argv[1], 'w', encoding='utf-8', newline='')).writerows(pub)
EOF2
python3 "$ROOT/tests/report/audit.py" "$TMP/leak/internal" "$TMP/leak/published" >"$TMP/.out" 2>&1 &&
	fail "the audit finds a hidden cell shown by mistake" "$(cat "$TMP/.out")" ||
	ok "the audit finds a hidden cell shown by mistake"
expect_exit 0 "--k 4 raises the threshold" "$R" -q --k 4 -o "$TMP/k4" "$TMP/agg.csv.gz"
grep -q '^城市最低生活保障,城市,\*,' "$TMP/k4/published/programs.csv" && grep -q "少于4人" "$TMP/k4/published/programs.md" &&
	ok "with --k 4 a 3-person row is hidden and the note says 4" || fail "with --k 4 a 3-person row is hidden and the note says 4" "$(cat "$TMP/k4/published/programs.csv")"
expect_exit 0 "--k 1 hides nothing" "$R" -q --k 1 -o "$TMP/k1" "$TMP/agg.csv.gz"
cmp -s "$TMP/k1/published/programs.csv" "$TMP/k1/internal/programs.csv" &&
	cmp -s "$TMP/k1/published/months.csv" "$TMP/k1/internal/months.csv" &&
	ok "with --k 1 published equals internal" || fail "with --k 1 published equals internal"

# --- roll-ups by area, undivided parents, programs outside public spending ---
# 特困 paid as 集中 and 分散 in both areas, and as plain 特困 (未细分) in
# rural areas; 节日慰问 is not public spending (programs-local.yaml).
{ echo "$H"
  { n=100
    for p in tekun_centralized:urban tekun_centralized:rural tekun_dispersed:urban \
	     tekun_dispersed:rural tekun:rural holiday_visit:urban; do
	for i in 1 2 3; do
		n=$((n + 1))
		echo "$U,${p%:*},${p#*:},2024-12,,,$(b $n),M,70,1,1,1000.00"
	done
    done; } | LC_ALL=C sort
} | gzip -n >"$TMP/tekun.csv.gz"
expect_exit 0 "a report with roll-ups by area" "$R" -q -o "$TMP/tk" "$TMP/tekun.csv.gz"
cut -d, -f1-3 "$TMP/tk/internal/programs.csv" >"$TMP/tk.rows"
printf '%s\n' 项目,城乡,人次 特困人员救助供养（未细分）,农村,3 特困人员集中供养,城市,3 特困人员集中供养,农村,3 \
	特困人员分散供养,城市,3 特困人员分散供养,农村,3 特困人员救助供养,城市,6 特困人员救助供养,农村,9 \
	特困人员救助供养,小计,15 合计,,15 节日慰问,城市,3 >"$TMP/tk.want"
cmp -s "$TMP/tk.rows" "$TMP/tk.want" && ok "特困 rolls up per area and in a 小计; 节日慰问 comes after the 合计, outside it" ||
	fail "特困 rolls up per area and in a 小计; 节日慰问 comes after the 合计, outside it" "$(diff "$TMP/tk.want" "$TMP/tk.rows")"
grep -q "节日慰问不属于财政社会救助支出" "$TMP/tk/internal/programs.md" && ok "a note says why 节日慰问 is outside the 合计" ||
	fail "a note says why 节日慰问 is outside the 合计"
head -1 "$TMP/tk/internal/months.csv" | grep -q '^月份,特困人员救助供养（未细分）人次,.*,合计人次,合计支出（万元）,节日慰问人次,节日慰问支出（万元）$' &&
	ok "months.csv: the 合计 columns cover public programs only" || fail "months.csv: the 合计 columns cover public programs only" "$(head -1 "$TMP/tk/internal/months.csv")"

# --- reruns are byte-identical -------------------------------------------------
"$R" -q -o "$TMP/again" "$TMP/agg.csv.gz"
diff -r "$O" "$TMP/again" >/dev/null && ok "two runs write byte-identical files (CSV, Markdown, HTML, XLSX, bulletin)" ||
	fail "two runs write byte-identical files (CSV, Markdown, HTML, XLSX, bulletin)" "$(diff -rq "$O" "$TMP/again")"
TZ=Pacific/Kiritimati "$R" -q -o "$TMP/tz" "$TMP/agg.csv.gz"
diff -r "$O" "$TMP/tz" >/dev/null && ok "... and in another time zone" || fail "... and in another time zone" "$(diff -rq "$O" "$TMP/tz")"
"$R" -q -o "$O" "$TMP/agg.csv.gz"
diff -r "$O" "$TMP/again" >/dev/null && ok "a rerun into the same folder changes nothing" || fail "a rerun into the same folder changes nothing"

# --- periods --------------------------------------------------------------------
expect_exit 0 "--period 2024-01..2024-06" "$R" -q --period 2024-01..2024-06 -o "$TMP/h1" "$TMP/agg.csv.gz"
line_is "the stock is the period's last month (June)" "$TMP/h1/internal/programs.csv" 农村最低生活保障 "农村最低生活保障,农村,3,2,3,2,1,1,0.09,300.00,—"
line_is "no June payment: 期末 0" "$TMP/h1/internal/programs.csv" 城市最低生活保障 "城市最低生活保障,城市,6,3,6,3,0,0,0.30,500.01,—"
grep -q "^## 同安区2024年1—6月分项目汇总表" "$TMP/h1/internal/report.md" && ok "a part-year period is labelled 2024年1—6月" ||
	fail "a part-year period is labelled 2024年1—6月" "$(grep '^## ' "$TMP/h1/internal/report.md")"
[ "$(grep -c '月,' "$TMP/h1/internal/months.csv")" = 6 ] && ok "months.csv covers the period only" || fail "months.csv covers the period only"
grep -q "^高龄津贴" "$TMP/h1/internal/programs.csv" && fail "rows outside the period are left out" || ok "rows outside the period are left out"
expect_exit 0 "--period 2024-03 --title" "$R" -q --period 2024-03 --title 厦门市同安区 -o "$TMP/m3" "$TMP/agg.csv.gz"
grep -q "^## 厦门市同安区2024年3月分项目汇总表" "$TMP/m3/internal/report.md" && ok "one month is labelled 2024年3月, --title is used" ||
	fail "one month is labelled 2024年3月, --title is used" "$(grep '^## ' "$TMP/m3/internal/report.md")"

# --by-year: two villages, each paid in December 2023 and January 2024, so
# rows of the two years interleave in the sorted file.
{ echo "$H"
  for v in $U $V; do for m in 2023-12 2024-01; do for i in 1 2 3; do
	n=$i; [ $v = $V ] && n=$((i + 10))
	echo "$v,dibao_urban,urban,$m,,,$(b $n),M,50,1,2,800.00"
  done; done; done
} | gzip -n >"$TMP/years.csv.gz"
expect_exit 0 "--by-year" "$R" -q --by-year -o "$TMP/y" "$TMP/years.csv.gz"
[ -s "$TMP/y/internal/programs-2023.csv" ] && [ -s "$TMP/y/internal/programs-2024.csv" ] &&
	[ -s "$TMP/y/published/months-2023.csv" ] && [ -s "$TMP/y/published/months-2024.csv" ] &&
	ok "--by-year writes one set of tables per year" || fail "--by-year writes one set of tables per year" "$(ls "$TMP/y/internal")"
line_is "2023 holds December 2023 only" "$TMP/y/internal/programs-2023.csv" 城市最低生活保障 "城市最低生活保障,城市,12,6,12,6,12,6,0.48,400.00,—"
line_is "2024 holds January 2024 only" "$TMP/y/internal/programs-2024.csv" 城市最低生活保障 "城市最低生活保障,城市,12,6,12,6,12,6,0.48,400.00,—"
grep -q "^## 同安区2023年分项目汇总表" "$TMP/y/internal/report.md" && grep -q "^## 同安区2024年1月分项目汇总表" "$TMP/y/internal/report.md" &&
	ok "years are labelled 2023年 and (year to date) 2024年1月" || fail "years are labelled 2023年 and (year to date) 2024年1月" "$(grep '^## ' "$TMP/y/internal/report.md")"
"$R" -q -o "$TMP/y" "$TMP/years.csv.gz"
[ ! -e "$TMP/y/published/programs-2023.csv" ] && [ -s "$TMP/y/published/programs.csv" ] &&
	ok "a rerun without --by-year removes the stale per-year tables" || fail "a rerun without --by-year removes the stale per-year tables" "$(ls "$TMP/y/published")"

# --- the quality table --------------------------------------------------------------
printf '%s\n' '{"stage":"ingest","source":"tongan-2024.csv","rows_read":5380,"records":5344,' \
	'"rejects":{"malformed_line":6,"missing_field":6,"bad_id":6,"bad_amount":6,"negative_amount":6,"unknown_program":6},"reject_total":36}' >"$TMP/ingest.json"
printf '%s\n' '{"stage":"validate","source":"tongan-2024.csv","rows_read":5344,"records":5327,' \
	'"rejects":{"unknown_region":5,"period_out_of_range":6,"duplicate_payment":6},"extra":[1,{"x":null},"\u540c"]}' >"$TMP/validate.json"
expect_exit 0 "--quality" "$R" -q --quality "$TMP/ingest.json" --quality "$TMP/validate.json" -o "$TMP/q" "$TMP/agg.csv.gz"
Q=$TMP/q/internal/quality.csv
head -1 "$Q" | grep -q '^来源,读入行数,入库记录,字段数不符,编码错误,必填项为空,身份证号码有误,金额格式有误,金额为负数,发放年月有误,救助类别无法识别,行政区划代码无法识别,发放年月不在报告期内,保障人数有误,年龄不符合条件,金额不符合发放标准,重复发放,同月同时享受低保和特困,拒绝合计,有效记录,核对$' &&
	ok "quality.csv names the reasons in Chinese, in SPEC.md section 3 order" || fail "quality.csv names the reasons in Chinese, in SPEC.md section 3 order" "$(head -1 "$Q")"
# (the only source is named as the report's title: the region holding all rows)
line_is "a source's ingest and validate figures share a row and reconcile" "$Q" 同安区 "同安区,5380,5344,6,0,6,6,6,6,0,6,5,6,0,0,0,6,0,53,5327,一致"
cmp -s "$Q" "$TMP/q/published/quality.csv" && ok "the quality table is the same in both versions" || fail "the quality table is the same in both versions"
grep -q "^## 同安区数据质量表" "$TMP/q/published/report.md" && ok "report.md includes the quality table" || fail "report.md includes the quality table"
printf '{"stage":"ingest","source":"x","rows_read":1,\n"records":-1}' >"$TMP/bad.json"
expect_exit 1 "a bad summary exits 1" "$R" -q --quality "$TMP/bad.json" -o "$TMP/q" "$TMP/agg.csv.gz"
grep -q "bad summary '.*bad.json': 'records' must be a whole number >= 0" "$TMP/.err" && ok "a wrong value in a summary is named by file and key" || fail "a wrong value in a summary is named by file and key" "$(cat "$TMP/.err")"
printf '{"stage":"ingest","source":"x","rows_read":1,\n"records":1,,}' >"$TMP/syn.json"
expect_exit 1 "a summary that is not JSON exits 1" "$R" -q --quality "$TMP/syn.json" -o "$TMP/q" "$TMP/agg.csv.gz"
grep -q "syn.json' at 2:" "$TMP/.err" && ok "a syntax error in a summary gives file, line and column" || fail "a syntax error in a summary gives file, line and column" "$(cat "$TMP/.err")"
printf '{"stage":"ingest","source":"x","rows_read":1,"records":1,"rejects":{"bad_id":1.5}}' >"$TMP/frac.json"
expect_exit 1 "a fractional reject count exits 1" "$R" -q --quality "$TMP/frac.json" -o "$TMP/q" "$TMP/agg.csv.gz"
grep -q "rejects: 'bad_id' must be a whole number" "$TMP/.err" && ok "a fractional reject count is named by its reason" || fail "a fractional reject count is named by its reason" "$(cat "$TMP/.err")"
printf '{"stage":"ingest",' >"$TMP/cut.json"
expect_exit 1 "a truncated summary exits 1" "$R" -q --quality "$TMP/cut.json" -o "$TMP/q" "$TMP/agg.csv.gz"

# A file of the user's in published/ (a note for the public) survives the
# folder swap, with a warning naming it; a folder of theirs stops the run
# before anything is replaced, naming it. Old tables of ours still go.
D=$TMP/own
expect_exit 0 "a report to put a file of one's own beside" "$R" -q -o "$D" "$TMP/agg.csv.gz"
echo '本表数据截至年底。' >"$D/published/说明.txt"
echo old >"$D/published/people-2019.csv"
expect_exit 0 "the rerun with a file of the user's in published/" "$R" -q -o "$D" "$TMP/agg.csv.gz"
grep -qx '本表数据截至年底。' "$D/published/说明.txt" 2>/dev/null &&
	ok "the user's file is kept" || fail "the user's file is kept" "$(ls -a "$D/published")"
grep -q "kept '.*published/说明.txt'" "$TMP/.err" && ok "... and named on stderr" || fail "... and named on stderr" "$(cat "$TMP/.err")"
[ ! -e "$D/published/people-2019.csv" ] && ok "a table of ours the run no longer makes goes" || fail "a table of ours the run no longer makes goes"
mkdir "$D/published/附件" && echo x >"$D/published/附件/a.txt"
cp "$D/suppressed.csv" "$TMP/own.supp"
ls "$D/published" >"$TMP/own.before"
expect_exit 1 "a folder of the user's in published/ stops the run" "$R" -q --k 5 -o "$D" "$TMP/agg.csv.gz"
grep -q "published': it holds the folder '附件'.*move it out" "$TMP/.err" &&
	ok "... naming the folder and the fix" || fail "... naming the folder and the fix" "$(cat "$TMP/.err")"
[ -e "$D/published/附件/a.txt" ] && ls "$D/published" | cmp -s - "$TMP/own.before" &&
	cmp -s "$D/suppressed.csv" "$TMP/own.supp" && ! ls -a "$D" | grep -q '^\.published' &&
	ok "... and nothing is replaced or left behind" || fail "... and nothing is replaced or left behind" "$(ls -a "$D" "$D/published")"
