#!/bin/bash
# rs-report's formats, all from one run with the same numbers: the XLSX
# read back by an independent reader (openpyxl) and the HTML page parsed,
# both against the CSV files; CSV with a BOM for Excel; year-on-year (同比)
# columns checked against exact sums recomputed from the aggregate files;
# the published set built from suppressed values only; byte-identical
# reruns in every format. (tests/report/screenshot.sh renders the page in
# Chromium; that is `make screenshot`, not part of the test suite.)
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
MK=$ROOT/tests/report/mkagg.py
unset SOURCE_DATE_EPOCH         # the XLSX creation time is checked below
# openpyxl comes from Debian's python3-openpyxl: the system python3 may
# not be the first python3 on PATH (pyenv).
PYX=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import openpyxl' 2>/dev/null && { PYX=$p; break; }
done

python3 "$MK" demo2023 "$TMP/d23.csv.gz" && python3 "$MK" demo2024 "$TMP/d24.csv.gz" ||
	fail "the demo aggregates are written"
expect_exit 0 "the 2023 report" "$R" -q --title 郑州市二七区 -o "$TMP/y23" "$TMP/d23.csv.gz"
expect_exit 0 "the 2024 report with --previous and --excel" \
	"$R" -q --title 郑州市二七区 --previous "$TMP/d23.csv.gz" --excel -o "$TMP/y24" "$TMP/d24.csv.gz"

# --- XLSX -----------------------------------------------------------------------------
if [ -z "$PYX" ]; then
	fail "openpyxl is installed (apt-get install python3-openpyxl)"
else
	for d in y23/internal y23/published y24/internal y24/published; do
		out=$("$PYX" "$ROOT/tests/report/xlsx_check.py" "$TMP/$d" 2>&1) &&
			ok "report.xlsx of $d shows every cell as the CSV does (openpyxl)" ||
			fail "report.xlsx of $d shows every cell as the CSV does (openpyxl)" "$out"
	done
	"$PYX" - "$TMP/y24/published/report.xlsx" <<'EOF' && ok "XLSX: counts are numbers with #,##0, 万元 with 0.00, hidden cells the text *; headers frozen" || fail "XLSX: counts are numbers with #,##0, 万元 with 0.00, hidden cells the text *; headers frozen"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb['分项目汇总表']
assert ws['A1'].value.endswith('2024年分项目汇总表'), ws['A1'].value
assert [c.value for c in ws[2]][:3] == ['项目', '城乡', '人次']
c = ws['C3']
assert isinstance(c.value, int) and c.number_format == '#,##0', (c.value, c.number_format)
h = ws['I3']
assert isinstance(h.value, float) and h.number_format == '#,##0.00', (h.value, h.number_format)
assert ws.freeze_panes == 'C3', ws.freeze_panes
assert ws.column_dimensions['A'].width >= 16       # 城市最低生活保障: 8 CJK characters
stars = [c for row in wb['分地区汇总表'].iter_rows() for c in row if c.value == '*']
assert all(c.data_type == 's' for c in stars)
assert wb.sheetnames == ['分项目汇总表', '分地区汇总表', '分月情况表', '资金来源表', '保障对象情况表',
                        '财政与其他资金支出表'], wb.sheetnames
EOF
fi
python3 - "$TMP/y24/published/report.xlsx" 2024-12 <<'EOF' && ok "XLSX: zip entries and the creation time are fixed (the first moment after 2024-12)" || fail "XLSX: zip entries and the creation time are fixed (the first moment after 2024-12)"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
core = z.read('docProps/core.xml').decode()
assert '<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-01T00:00:00Z</dcterms:created>' in core, core
EOF
SOURCE_DATE_EPOCH=1700000000 "$R" -q --title 郑州市二七区 -o "$TMP/sde" "$TMP/d23.csv.gz"
python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("docProps/core.xml").decode())' \
	"$TMP/sde/internal/report.xlsx" | grep -q '2023-11-14T22:13:20Z' &&
	ok "XLSX: \$SOURCE_DATE_EPOCH sets the creation time" || fail "XLSX: \$SOURCE_DATE_EPOCH sets the creation time"

# --- HTML -----------------------------------------------------------------------------
for d in y23/internal y23/published y24/internal y24/published; do
	out=$(python3 "$ROOT/tests/report/html_check.py" "$TMP/$d" 2>&1) &&
		ok "report.html of $d: well-formed, self-contained, same tables, bulletin and chart figures" ||
		fail "report.html of $d: well-formed, self-contained, same tables, bulletin and chart figures" "$out"
done
grep -q '<svg viewBox=.*各项目支出' "$TMP/y24/published/report.html" && grep -q '<svg viewBox=.*分月支出' "$TMP/y24/published/report.html" &&
	ok "the page has the spending bars and the monthly line as inline SVG" || fail "the page has the spending bars and the monthly line as inline SVG"

# --- CSV for Excel ----------------------------------------------------------------------
[ "$(head -c 3 "$TMP/y24/published/programs.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] &&
	[ "$(head -c 3 "$TMP/y23/published/programs.csv" | od -An -tx1 | tr -d ' ')" != efbbbf ] &&
	ok "--excel starts each CSV with a UTF-8 BOM; without it there is none" || fail "--excel starts each CSV with a UTF-8 BOM; without it there is none"
cmp -s <(tail -c +4 "$TMP/y24/published/months.csv") <("$R" -q --title 郑州市二七区 --previous "$TMP/d23.csv.gz" -o "$TMP/nobom" "$TMP/d24.csv.gz" && cat "$TMP/nobom/published/months.csv") &&
	ok "... and changes nothing else" || fail "... and changes nothing else"

# --- 同比 ---------------------------------------------------------------------------------
head -1 "$TMP/y24/internal/programs.csv" | grep -q ',人次同比增减,人次同比增长（%）,支出同比增减（万元）,支出同比增长（%）$' &&
	head -1 "$TMP/y24/internal/towns.csv" | grep -q ',合计人次同比增减,合计人次同比增长（%）,合计支出同比增减（万元）,合计支出同比增长（%）$' &&
	ok "--previous adds 同比 columns (change and %) to tables 1 and 2" || fail "--previous adds 同比 columns (change and %) to tables 1 and 2"
head -1 "$TMP/y23/internal/programs.csv" | grep -q '同比' && fail "no 同比 columns without --previous" || ok "no 同比 columns without --previous"
python3 - "$TMP/d23.csv.gz" "$TMP/d24.csv.gz" "$TMP/y24/internal" "$ROOT/samples/reference" <<'EOF' && ok "同比 changes and per cents equal exact sums recomputed from the two aggregates (half-up)" || fail "同比 changes and per cents equal exact sums recomputed from the two aggregates (half-up)"
import csv, gzip, re, sys
from decimal import Decimal, ROUND_HALF_UP
a23, a24, d, ref = sys.argv[1:]
names = {}
code = None
for line in open(f'{ref}/programs.yaml', encoding='utf-8'):
    m = re.match(r'^- code: (\S+)', line)
    if m: code = m.group(1)
    m = re.match(r'^  name_zh: (\S+)', line)
    if m and code: names[code] = m.group(1)
towns = {r['code']: r['name'] for r in csv.DictReader(open(f'{ref}/regions.csv', encoding='utf-8'))}
area = {'urban': '城市', 'rural': '农村'}
def sums(path):
    s = {}
    for r in csv.DictReader(gzip.open(path, 'rt', encoding='utf-8')):
        fen = int(r['amount'].replace('.', ''))
        for k in ((names[r['program']], area[r['area']]), ('合计', ''), ('town', towns[r['region_code'][:9]])):
            p, f = s.get(k, (0, 0))
            s[k] = (p + int(r['persons']), f + fen)
    return s
def half(x, q):
    return Decimal(x).quantize(Decimal(q), rounding=ROUND_HALF_UP)
def show(cur, prev, money):
    d = cur - prev
    chg = f'{half(Decimal(d) / 1000000, "0.01")}' if money else str(d)
    pct = f'{half(Decimal(d) * 100 / prev, "0.1")}' if prev else '—'
    return chg, pct
s23, s24 = sums(a23), sums(a24)
rows = list(csv.reader(open(f'{d}/programs.csv', encoding='utf-8-sig')))
h = rows[0]
n = 0
for r in rows[1:]:
    k = (r[0], r[1])
    if k not in s24 or k not in s23:
        continue
    (p1, f1), (p0, f0) = s24[k], s23[k]
    assert (r[h.index('人次同比增减')], r[h.index('人次同比增长（%）')]) == show(p1, p0, False), (k, r)
    assert (r[h.index('支出同比增减（万元）')], r[h.index('支出同比增长（%）')]) == show(f1, f0, True), (k, r)
    n += 1
rows = list(csv.reader(open(f'{d}/towns.csv', encoding='utf-8-sig')))
h = rows[0]
for r in rows[1:-1]:
    k = ('town', r[1])
    got = (r[h.index('合计人次同比增减')], r[h.index('合计人次同比增长（%）')],
           r[h.index('合计支出同比增减（万元）')], r[h.index('合计支出同比增长（%）')])
    if k not in s23:
        assert got == ('—',) * 4, (k, got)
        continue
    (p1, f1), (p0, f0) = s24[k], s23[k]
    assert got == show(p1, p0, False) + show(f1, f0, True), (k, got)
    n += 1
assert n >= 8, n
EOF
grep -q "，支出同比增长1.6%。" "$TMP/y24/published/bulletin.txt" &&
	ok "the bulletin states the 同比 of total spending" || fail "the bulletin states the 同比 of total spending" "$(head -3 "$TMP/y24/published/bulletin.txt")"
out=$(python3 "$ROOT/tests/report/audit.py" --prev "$TMP/y23/published" "$TMP/y24/internal" "$TMP/y24/published" 2>&1) &&
	ok "with last year's published tables, no hidden value of either year can be recomputed through 同比" ||
	fail "with last year's published tables, no hidden value of either year can be recomputed through 同比" "$out"
grep -q "特困人员集中供养率为32.26%（期末集中供养20人 ÷ 期末特困人员62人）" "$TMP/y24/published/programs.md" &&
	ok "集中供养率 from the records' support_mode (特困 not split by program code)" ||
	fail "集中供养率 from the records' support_mode (特困 not split by program code)" "$(tail -5 "$TMP/y24/published/programs.md")"
expect_exit 1 "--previous with no rows a year before exits 1" "$R" -q --previous "$TMP/d24.csv.gz" -o "$TMP/x" "$TMP/d24.csv.gz"
grep -q "2023-01..2023-12, the same months a year before" "$TMP/.err" && ok "... and says which months it looked for" ||
	fail "... and says which months it looked for" "$(cat "$TMP/.err")"
expect_exit 1 "a missing --previous file exits 1" "$R" -q --previous "$TMP/none.csv.gz" -o "$TMP/x" "$TMP/d24.csv.gz"
expect_exit 0 "an empty --previous means none" "$R" -q --previous= -o "$TMP/x" "$TMP/d24.csv.gz"
head -1 "$TMP/x/internal/programs.csv" | grep -q '同比' && fail "... so no 同比 columns" || ok "... so no 同比 columns"

# Two years with funding and the quality table: thirteen tables (six a year
# and the quality table), more than the table array first holds (a table
# built while the array moved once wrote through a stale pointer).
{ zcat "$TMP/d23.csv.gz"; zcat "$TMP/d24.csv.gz" | tail -n +2; } | gzip -n >"$TMP/both.csv.gz"
printf '%s' '{"stage":"ingest","source":"a.csv","rows_read":10,"records":10,"rejects":{}}' >"$TMP/i.json"
expect_exit 0 "--by-year over two years with funding and --quality (thirteen tables)" \
	"$R" -q --by-year --quality "$TMP/i.json" -o "$TMP/both" "$TMP/both.csv.gz"
[ "$(ls "$TMP/both/published"/*.csv | wc -l)" = 13 ] && [ -s "$TMP/both/published/quality.csv" ] &&
	ok "... writes all thirteen tables" || fail "... writes all thirteen tables" "$(ls "$TMP/both/published")"
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/both/internal" "$TMP/both/published" 2>&1) &&
	ok "--by-year: no hidden value of either year can be recomputed" || fail "--by-year: no hidden value of either year can be recomputed" "$out"
if [ -n "$PYX" ]; then
	out=$("$PYX" "$ROOT/tests/report/xlsx_check.py" "$TMP/both/published" 2>&1) &&
		ok "--by-year: a sheet per table and year (分项目汇总表2023 ...), as the CSV files" ||
		fail "--by-year: a sheet per table and year (分项目汇总表2023 ...), as the CSV files" "$out"
fi

# --- the published set is built from suppressed values -----------------------------------------
# A small county: 农村低保 and 临时救助 count two beneficiaries each.
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
{ echo "$H"
  for i in 1 2 3 4; do echo "350212001002,dibao_urban,urban,2024-12,,,$(b $i),M,50,1,2,1466.00"; done
  for i in 5 6; do echo "350212001002,dibao_rural,rural,2024-12,,,$(b $i),M,50,1,3,1389.00"; done
  for i in 7 8; do echo "350212001002,linshi,urban,2024-06,,,$(b $i),M,50,1,1,777.00"; done
  for i in 9 10 11; do echo "350212105201,gaoling,rural,2024-12,,,$(b $i),F,85,1,1,100.00"; done
} | gzip -n >"$TMP/small.csv.gz"
expect_exit 0 "a report with small cells" "$R" -q -o "$TMP/sm" "$TMP/small.csv.gz"
grep -q "城乡低保月人均补助水平分别达733元、463元" "$TMP/sm/internal/bulletin.txt" &&
	! grep -q "463元" "$TMP/sm/published/bulletin.txt" && ! grep -q "农村低保" "$TMP/sm/published/bulletin.txt" &&
	! grep -q "777" "$TMP/sm/published/bulletin.txt" &&
	ok "the published bulletin states no hidden figure (农村低保 463元, 临时救助)" ||
	fail "the published bulletin states no hidden figure (农村低保 463元, 临时救助)" "$(cat "$TMP/sm/published/bulletin.txt")"
out=$(python3 "$ROOT/tests/report/audit.py" "$TMP/sm/internal" "$TMP/sm/published" 2>&1) &&
	ok "small cells: nothing hidden can be recomputed; the bulletin states shown figures only" ||
	fail "small cells: nothing hidden can be recomputed; the bulletin states shown figures only" "$out"
out=$(python3 "$ROOT/tests/report/html_check.py" "$TMP/sm/published" 2>&1) &&
	ok "the published page shows the published cells (and '*' in charts) only" || fail "the published page shows the published cells (and '*' in charts) only" "$out"
if [ -n "$PYX" ]; then
	out=$("$PYX" "$ROOT/tests/report/xlsx_check.py" "$TMP/sm/published" 2>&1) &&
		ok "the published workbook shows the published cells only" || fail "the published workbook shows the published cells only" "$out"
fi

# --- byte-identical reruns, every format ----------------------------------------------------------
"$R" -q --title 郑州市二七区 --previous "$TMP/d23.csv.gz" --excel -o "$TMP/again" "$TMP/d24.csv.gz"
TZ=Asia/Shanghai LC_ALL=C "$R" -q --title 郑州市二七区 --previous "$TMP/d23.csv.gz" --excel -o "$TMP/again2" "$TMP/d24.csv.gz"
n=$(find "$TMP/y24" -type f | wc -l)
diff -r "$TMP/y24" "$TMP/again" >/dev/null && diff -r "$TMP/y24" "$TMP/again2" >/dev/null && [ "$n" -ge 20 ] &&
	ok "reruns are byte-identical in every format ($n files: CSV, Markdown, HTML, XLSX, bulletin), in any time zone" ||
	fail "reruns are byte-identical in every format, in any time zone" "$(diff -rq "$TMP/y24" "$TMP/again"; diff -rq "$TMP/y24" "$TMP/again2")"
