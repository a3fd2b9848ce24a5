#!/bin/bash
# Workbooks of several sheets: a sheet per month with one header is read
# whole, sheet after sheet (rejects and the summary name each row's sheet);
# another table beside them stops the stage; a hidden sheet is read only
# when named; sheet:/sheets: in the mapping choose; rs-draft drafts it.
# And a month stored as the number 2024.1 (2024.10 typed in a General
# cell) is rejected as ambiguous, in .xlsx and .xls alike, while the text
# '2024.1' is taken.
. "$(dirname "$0")/lib.sh"

d=$TMP/sh; mkdir -p "$d"
I() { "$BIN/rs-ingest" -q -k "$KEY" "$@"; }
W() { python3 "$ROOT/tests/workbook/sheets.py" "$@"; }
M=$ROOT/samples/mappings/generated.yaml
# json FILE EXPR: prints EXPR of the summary j
J() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect_exit 0 "rs-gen 600 rows" "$BIN/rs-gen" --rows 600 --seed 5 --defects 0 -o "$d/plain.csv"
# three parts of 200 rows, each with the header; part 2's 10th row has a
# bad amount; a months part with a number 2024.1, a text 2024.1, a number 2024.3
python3 - "$d" <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.reader(open(d + "/plain.csv", encoding="utf-8", newline="")))
h, body = rows[0], rows[1:]
amt, per = h.index("发放金额（元）"), h.index("发放年月")
def w(name, part):
    with open("%s/%s.csv" % (d, name), "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([h] + part)
p2 = [list(r) for r in body[200:400]]
p2[9][amt] = "abc"
w("p1", body[:200]); w("p2", p2); w("p3", body[400:])
m = [list(r) for r in body[:10]]
m[0][per], m[1][per], m[2][per] = "#2024.1", "2024.1", "#2024.3"
w("months", m)
with open(d + "/notes.csv", "w", encoding="utf-8") as f:
    f.write("填表说明：金额单位为元\n本表由系统导出\n")
PY
W "$d/three.xlsx" "1月=$d/p1.csv" "2月=$d/p2.csv" "3月=$d/p3.csv"

# the sheets with one header: all read, each row's sheet named
expect_exit 0 "three sheets, one header: read without a sheet named" \
	I -m "$M" -o "$d/three.csv.gz" -r "$d/three.rej.csv.gz" -s "$d/three.json" "$d/three.xlsx"
check "... every row of the three sheets read (600 rows, 599 records)" \
	test "$(J "$d/three.json" '"%d %d" % (j["rows_read"], j["records"])')" = "600 599"
check "... the summary lists the sheets and their rows" \
	test "$(J "$d/three.json" '",".join(j["sheets"]) + " " + ",".join(map(str, j["sheet_rows"]))')" = "1月,2月,3月 200,200,200"
check "... the reject names its sheet and its sheet row" sh -c \
	"zcat '$d/three.rej.csv.gz' | grep -q '^three.xlsx\[2月\],11,bad_amount,'"
expect_exit 0 "... the stage's summary line names the sheets" \
	"$BIN/rs-ingest" -k "$KEY" -m "$M" -o "$d/x.csv.gz" "$d/three.xlsx"
check "... (sheets 1月, 2月, 3月)" grep -q "three.xlsx (sheets 1月, 2月, 3月): 600 rows read" "$TMP/.err"

# the mapping chooses: one sheet, a list, all
printf 'sheet: 2月\n' | cat - "$M" >"$d/one.yaml"
expect_exit 0 "sheet: 2月 reads that sheet alone" I -m "$d/one.yaml" -o "$d/x.csv.gz" -s "$d/one.json" "$d/three.xlsx"
check "... 200 rows, from 2月" test "$(J "$d/one.json" '"%d %s" % (j["rows_read"], j["sheets"])')" = "200 ['2月']"
printf 'sheets: [3月, 1月]\n' | cat - "$M" >"$d/two.yaml"
expect_exit 0 "sheets: [3月, 1月] reads those, in that order" I -m "$d/two.yaml" -o "$d/x.csv.gz" -s "$d/two.json" "$d/three.xlsx"
check "... 400 rows" test "$(J "$d/two.json" '"%d %s" % (j["rows_read"], ",".join(j["sheets"]))')" = "400 3月,1月"
printf 'sheets: all\n' | cat - "$M" >"$d/all.yaml"
expect_exit 0 "sheets: all" I -m "$d/all.yaml" -o "$d/x.csv.gz" -s "$d/all.json" "$d/three.xlsx"
check "... 600 rows" test "$(J "$d/all.json" 'j["rows_read"]')" = 600
printf 'sheet: 1月\nsheets: all\n' | cat - "$M" >"$d/both.yaml"
expect_exit 2 "sheet: and sheets: together are refused" I -m "$d/both.yaml" -o "$d/x.csv.gz" "$d/three.xlsx"
check "... saying so" grep -q "give sheet: (one sheet) or sheets: (several), not both" "$TMP/.err"
printf 'sheets: [1月, 4月]\n' | cat - "$M" >"$d/lack.yaml"
expect_exit 2 "sheets: naming a sheet the workbook lacks" I -m "$d/lack.yaml" -o "$d/x.csv.gz" "$d/three.xlsx"
check "... names it" grep -q "has no sheet '4月'" "$TMP/.err"

# another table beside them: never a silent partial read
W "$d/notes.xlsx" "1月=$d/p1.csv" "2月=$d/p2.csv" "说明=$d/notes.csv"
expect_exit 2 "a visible sheet with rows and another header stops the stage" \
	I -m "$M" -o "$d/n.csv.gz" "$d/notes.xlsx"
check "... naming the sheet, the header and the fix" grep -q "sheet '说明' has rows but not the header of the sheet read first (1月 line 1: .*set the mapping's sheet: to the one to read, or sheets: \[...\]" "$TMP/.err"
check "... no records written" test ! -e "$d/n.csv.gz"
printf 'sheets: [1月, 2月]\n' | cat - "$M" >"$d/12.yaml"
expect_exit 0 "... and sheets: [1月, 2月] reads the two" I -m "$d/12.yaml" -o "$d/x.csv.gz" -s "$d/12.json" "$d/notes.xlsx"
check "... 400 rows" test "$(J "$d/12.json" 'j["rows_read"]')" = 400

# a hidden sheet first: the visible one is the default
W "$d/hidden.xlsx" "旧表=$d/p3.csv:hidden" "发放明细=$d/p1.csv"
expect_exit 0 "a hidden first sheet is passed over" \
	"$BIN/rs-ingest" -k "$KEY" -m "$M" -o "$d/h.csv.gz" -s "$d/h.json" "$d/hidden.xlsx"
check "... the visible sheet read, and named" sh -c \
	"grep -q 'hidden.xlsx (sheet 发放明细): 200 rows read' '$TMP/.err' && test \"\$(zcat '$d/h.csv.gz' | wc -l)\" = 201"
I -m "$M" -o "$d/p1.csv.gz" "$d/p1.csv" 2>/dev/null
check "... the records are the visible sheet's" cmp -s <(zcat "$d/h.csv.gz" | cut -d, -f3-) \
	<(zcat "$d/p1.csv.gz" | cut -d, -f3-)
printf 'sheet: 旧表\n' | cat - "$M" >"$d/old.yaml"
expect_exit 0 "... read when named" I -m "$d/old.yaml" -o "$d/x.csv.gz" -s "$d/old.json" "$d/hidden.xlsx"
check "... its 200 rows" test "$(J "$d/old.json" '"%d %s" % (j["rows_read"], j["sheets"])')" = "200 ['旧表']"

# a month as the number 2024.1: ambiguous; the text 2024.1 is what was typed
W "$d/months.xlsx" "Sheet1=$d/months.csv"
expect_exit 0 "months as numbers and texts" I --accept-loss=bad_period -m "$M" -o "$d/m.csv.gz" -r "$d/m.rej.csv.gz" -s "$d/m.json" "$d/months.xlsx"
check "... the number 2024.1 rejected as bad_period, the rest taken" \
	test "$(J "$d/m.json" '"%d %s" % (j["records"], j["rejects"])')" = "9 {'bad_period': 1}"
check "... the message says the cell is a number that may have been 2024.10, and the fix" sh -c \
	"zcat '$d/m.rej.csv.gz' | grep '^months.xlsx,2,bad_period,period,' | grep -q 'number cell 2024.1, which may have been 2024.10 .*format the column as text in the export, or give the month as 202401 or 202410'"
check "... the text 2024.1 is 2024-01, the number 2024.3 is 2024-03" sh -c \
	"zcat '$d/m.csv.gz' | sed -n 2,3p | grep -c ',2024-0[13],' | grep -qx 2"
# the same in an .xls: FreeXL's number cells are flagged as .xlsx's are
PYX=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import xlwt' 2>/dev/null && { PYX=$p; break; }
done
if [ -z "$PYX" ]; then
	fail "xlwt is installed (apt-get install python3-xlwt)"
else
	"$PYX" - "$d/months.csv" "$d/months.xls" <<'PY'
import csv, sys, xlwt
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet("Sheet1")
for i, row in enumerate(rows):
    for j, v in enumerate(row):
        sheet.write(i, j, float(v[1:]) if v.startswith("#") else v)
book.save(sys.argv[2])
PY
	expect_exit 0 ".xls: months as numbers and texts" I --accept-loss=bad_period -m "$M" -o "$d/mx.csv.gz" -r "$d/mx.rej.csv.gz" -s "$d/mx.json" "$d/months.xls"
	check "... the number 2024.1 rejected as bad_period there too, the rest taken" \
		test "$(J "$d/mx.json" '"%d %s" % (j["records"], j["rejects"])')" = "9 {'bad_period': 1}"
	check "... the reject is row 2, a number cell 2024.1" sh -c \
		"zcat '$d/mx.rej.csv.gz' | grep '^months.xls,2,bad_period,period,' | grep -q 'number cell 2024.1, which may have been 2024.10'"
	check "... the records are the .xlsx's" cmp -s <(zcat "$d/m.csv.gz" | cut -d, -f3-) <(zcat "$d/mx.csv.gz" | cut -d, -f3-)
fi
python3 -c "
import csv,sys
r=list(csv.reader(open(sys.argv[1],encoding='utf-8')))
w=csv.writer(open(sys.argv[2],'w',encoding='utf-8',newline=''))
w.writerow(r[0])
for x in r[1:]:
    x[r[0].index('发放年月')]=x[r[0].index('发放年月')].lstrip('#'); w.writerow(x)" "$d/months.csv" "$d/months-text.csv"
expect_exit 0 "... in a CSV, 2024.1 stays a month" I -m "$M" -o "$d/mc.csv.gz" -s "$d/mc.json" "$d/months-text.csv"
check "... no reject" test "$(J "$d/mc.json" 'j["records"]')" = 10

# rs-draft
expect_exit 0 "rs-draft the three sheets" sh -c "'$BIN/rs-draft' '$d/three.xlsx' >'$d/d3.yaml'"
check "... drafts sheets: all, saying why" grep -q '^sheets: all .*1月, 2月, 3月 have the same header' "$d/d3.yaml"
expect_exit 0 "... and the draft ingests every sheet" I -m "$d/d3.yaml" -o "$d/x.csv.gz" -s "$d/d3.json" "$d/three.xlsx"
check "... 600 rows" test "$(J "$d/d3.json" 'j["rows_read"]')" = 600
expect_exit 0 "rs-draft beside another table" sh -c "'$BIN/rs-draft' '$d/notes.xlsx' >'$d/dn.yaml'"
check "... lists the sheets with the header, UNSURE" grep -q '^sheets: \["1月", "2月"\] .*UNSURE.*说明 holds another table' "$d/dn.yaml"
expect_exit 0 "rs-draft with a hidden first sheet" sh -c "'$BIN/rs-draft' '$d/hidden.xlsx' >'$d/dh.yaml'"
check "... drafts the visible sheet" grep -q '^sheet: "发放明细"' "$d/dh.yaml"
