#!/bin/bash
# Exports as they really arrive (issue 22): a generated export rewritten as
# another vendor would (title lines, renamed and reordered headers, an extra
# column, blank rows, Excel dates, apostrophe IDs, a 合计 row), as CSV, .xlsx
# (openpyxl) and .xls (xlwt): each ingests to the plain export's records
# except the rows deliberately broken (IDs stored as numbers), with workbook
# line numbers = sheet rows and the total row reconciled, not rejected.
# Then the messages of a missing column (issue 20), the month forms, and
# the drafted mapping (rs-draft) on the five samples.
. "$(dirname "$0")/lib.sh"

# openpyxl and xlwt come from Debian (python3-openpyxl, python3-xlwt): the
# system python3 may not be the first python3 on PATH (pyenv).
PYX=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import openpyxl, xlwt' 2>/dev/null && { PYX=$p; break; }
done
d=$TMP/wb; mkdir -p "$d"
I() { "$BIN/rs-ingest" -q -k "$KEY" "$@"; }
cat >"$d/vendor.yaml" <<'YAML'
sheet: 发放明细
date_order: mdy
serial_dates: 1900
columns:
  region_code: 区划代码
  id: 证件号码
  program: 救助类型
  area: 城乡类别
  household_size: 家庭人数
  persons: 享受人数
  period: 所属年月
  amount: 发放金额
  funding: 资金来源
YAML

expect_exit 0 "rs-gen 3000 rows" "$BIN/rs-gen" --rows 3000 --seed 21 --defects 0.03 -o "$d/plain.csv"
expect_exit 0 "ingest the plain export" I -m "$ROOT/samples/mappings/generated.yaml" \
	-o "$d/plain.csv.gz" -s "$d/plain.json" "$d/plain.csv"
if [ -z "$PYX" ]; then
	fail "openpyxl and xlwt are installed (apt-get install python3-openpyxl python3-xlwt)"
else
	check "the vendor's CSV, .xlsx and .xls are written" "$PYX" "$ROOT/tests/workbook/vendor.py" "$d/plain.csv" "$d"
	for f in csv xlsx xls; do
		expect_exit 0 "ingest the vendor's $f" I -m "$d/vendor.yaml" -o "$d/v$f.csv.gz" -s "$d/v$f.json" "$d/vendor.$f"
		kind=sheet; [ $f = csv ] && kind=csv
		check "$f: records equal the plain export's but the broken rows, lines = the file's" \
			python3 "$ROOT/tests/workbook/compare.py" "$d/plain.csv.gz" "$d/v$f.csv.gz" "$d/lines.json" $kind
		check "$f: the 合计 row is reconciled, not a reject; rejects are the plain export's and the broken rows" \
			python3 - "$d/v$f.json" "$d/lines.json" "$f" "$d/plain.json" <<'PY'
import json, sys
s, l, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
p = json.load(open(sys.argv[4]))
assert s["format"] == f, s
assert s["header_record"] == 3 and s["header_line"] == 4, s
assert s["totals"] == 1 and s["total_mismatches"] == 0, s
t = s["total_rows"][0]
assert t["amount_export"] == t["amount_computed"] == l["amount_total"], t
assert t["persons_export"] == t["persons_computed"] == l["persons_total"], t
assert s["total_difference"] == "0.00", s
assert s["rows_read"] == s["records"] + s["reject_total"] + s["totals"], s
assert s["apostrophes_stripped"] > 100, s
assert f != "csv" or s["empty_rows"] > 0, s
# the vendor's rows are the plain export's but its malformed lines (which
# vendor.py cannot rewrite); the broken rows (IDs stored as numbers) add
# to bad_id, and nothing else is rejected
want = dict(p["rejects"])
want.pop("malformed_line", None)
want["bad_id"] = want.get("bad_id", 0) + len(l["broken"])
assert len(l["broken"]) >= 20, l["broken"]
assert s["rejects"] == want, (s["rejects"], want)
assert s["records"] == p["records"] - len(l["broken"]), (s["records"], p["records"])
assert s["gate"]["rows"] == s["rows_read"] - s["totals"], s  # the 合计 row is no payment row
PY
	done
	rej=$(ls "$d"/vxlsx*rejects* 2>/dev/null | head -1)
	check "an ID stored as a number: the reject says a spreadsheet mangled it" sh -c "zcat '$rej' | grep bad_id | grep -q 'scientific notation'"
	check "... and shows no raw ID" sh -c "! zcat '$rej' | grep -Eq '[0-9]{17}[0-9X]'"

	# a total that disagrees: a failure by default (the export may be cut
	# short: nothing wrong is published silently), a warning when the
	# mapping says total_mismatch: warn
	python3 -c "import sys; t=open(sys.argv[1],encoding='utf-8-sig').read().split('\n'); t[-2]=','.join(t[-2].split(',')[:9]+['1.00',',,\r']); open(sys.argv[2],'w',encoding='utf-8-sig').write('\n'.join(t))" "$d/vendor.csv" "$d/bad-total.csv"
	expect_exit 1 "a 合计 that disagrees fails the stage (outputs written)" I -m "$d/vendor.yaml" -o "$d/bt2.csv.gz" "$d/bad-total.csv"
	check "... naming the line, both figures and the difference" grep -q "does not match its rows: amount 1.00 against" "$TMP/.err"
	check "... and the likely causes and the fix" grep -q "the export may be cut short or edited after its totals were made -- export it again, whole; if the total row itself is known to be wrong, set total_mismatch: warn in '$d/vendor.yaml'" "$TMP/.err"
	check "... the records are there" test -s "$d/bt2.csv.gz"
	{ cat "$d/vendor.yaml"; echo "total_mismatch: warn"; } >"$d/lenient.yaml"
	expect_exit 0 "total_mismatch: warn makes it a warning" I -m "$d/lenient.yaml" -o "$d/bt.csv.gz" -s "$d/bt.json" "$d/bad-total.csv"
	check "... naming the line, both figures and the difference" grep -q "does not match its rows: amount 1.00 against" "$TMP/.err"
	check "... and ingest.json carries them" grep -q '"total_mismatches":1' "$d/bt.json"

	# the quality table shows the export's total against the computed one
	expect_exit 0 "a quality table with the export's total" "$BIN/rs-aggregate" -q -o "$d/agg.csv.gz" "$d/vxlsx.csv.gz"
	expect_exit 0 "... report" "$BIN/rs-report" -q --quality="$d/vxlsx.json" -o "$d/rep" "$d/agg.csv.gz"
	# (an ingest summary alone: rows cannot be followed to validate)
	check "... 导出合计 and 差额 in it, balanced" sh -c "grep -q '导出合计' '$d/rep/internal/quality.md' && grep -v '^| 合计' '$d/rep/internal/quality.md' | grep -q '无法核对.*| 0.00 |'"

	# a sheet that is not there, a zip that is not a workbook
	sed 's/^sheet: .*/sheet: 汇总/' "$d/vendor.yaml" >"$d/nosheet.yaml"
	for f in xlsx xls; do
		expect_exit 2 "$f: a sheet the workbook lacks is a configuration error" I -m "$d/nosheet.yaml" -o "$d/x.csv.gz" "$d/vendor.$f"
		check "... listing its sheets" grep -q "has no sheet '汇总' (its sheets: 封面, 发放明细)" "$TMP/.err"
	done
	grep -v '^sheet' "$d/vendor.yaml" >"$d/first.yaml"
	expect_exit 2 "xlsx: the first sheet has no header" I -m "$d/first.yaml" -o "$d/x.csv.gz" "$d/vendor.xlsx"
	check "... the message lists the sheets" grep -q "the sheet read is '封面' (the first visible one with rows); the workbook's sheets: 封面, 发放明细 (set the mapping's sheet)" "$TMP/.err"
	"$PYX" -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.writestr('word/document.xml','<w/>'); z.close()" "$d/letter.xlsx"
	expect_exit 2 "a zip that is not a workbook" I -m "$d/vendor.yaml" -o "$d/x.csv.gz" "$d/letter.xlsx"
	check "... says so" grep -q "is a zip file but not an Excel workbook" "$TMP/.err"
	# half an .xlsx (a copy broken off): the zip's directory, at its end, is missing
	head -c "$(( $(stat -c %s "$d/vendor.xlsx") / 2 ))" "$d/vendor.xlsx" >"$d/half.xlsx"
	expect_exit 2 "half an .xlsx" I -m "$d/vendor.yaml" -o "$d/half.csv.gz" "$d/half.xlsx"
	check "... says it was cut short or is still being copied" grep -q "half.xlsx' starts like an .xlsx workbook (a zip file) but its end is missing or damaged (libzip: .*): the file was cut short or is still being copied -- copy it again, whole" "$TMP/.err"
	printf '\320\317\021\340garbage' >"$d/broken.xls"
	expect_exit 2 "an OLE file that FreeXL cannot read" I -m "$d/vendor.yaml" -o "$d/x.csv.gz" "$d/broken.xls"
	check "... says so" grep -q "starts like an .xls workbook" "$TMP/.err"
	# A crafted .xls on which FreeXL overruns a stack buffer of its own
	# (what fuzz_workbook found): FreeXL runs in a child process, so this
	# is a clear error (under the sanitizers the child dies, and that too).
	cp "$ROOT/tests/fuzz/regress/workbook/freexl-stack-overrun.xls" "$d/crafted.xls"
	expect_exit 2 "a crafted .xls that breaks FreeXL" I -m "$d/vendor.yaml" -o "$d/crafted.csv.gz" "$d/crafted.xls"
	check "... is a clear error, nothing written" sh -c "grep -Eq \"crafted.xls.*(cannot be read as one|FreeXL\\) (stopped|ended)).*save it from Excel as .xlsx\" '$TMP/.err' && [ ! -e '$d/crafted.csv.gz' ]"
	head -c 3000 "$d/vendor.xlsx" >"$d/cut.xlsx"
	expect_exit 2 "a cut .xlsx" I -m "$d/vendor.yaml" -o "$d/x.csv.gz" "$d/cut.xlsx"
fi

# --- what a missing column's message says (issue 20) --------------------------------
G=$ROOT/samples/mappings/generated.yaml
{ echo "header_row: 1"; grep -v '^source' "$d/vendor.yaml"; } >"$d/row1.yaml"
printf '某区发放明细表\n\n' >"$d/titled.csv"; cat "$d/plain.csv" >>"$d/titled.csv"
sed 's/^source: .*/header_row: 1/' "$G" >"$d/g-row1.yaml"
expect_exit 2 "header_row: 1 above a title: configuration error" I -m "$d/g-row1.yaml" -o "$d/x.csv.gz" "$d/titled.csv"
check "... the record used, what was found, and the record that has them" grep -q \
	"the header is record 1 (line 1; blank lines not counted); found: 某区发放明细表; record 2 (line 3) holds every column the mapping names: set header_row: 2, or auto" "$TMP/.err"
expect_exit 0 "header_row: auto (the default) finds it" I -m "$G" -o "$d/t.csv.gz" "$d/titled.csv"
check "... the same records" bash -c "cmp <(zcat '$d/t.csv.gz' | cut -d, -f3-) <(zcat '$d/plain.csv.gz' | cut -d, -f3-)"
sed 's/发放金额（元）/发放金额（万元）/' "$G" >"$d/wan.yaml"
expect_exit 2 "a column named wrong" I -m "$d/wan.yaml" -o "$d/x.csv.gz" "$d/plain.csv"
check "... lists the headers as read and folded, the nearest" sh -c "grep -q \"found: 序号, 行政区划代码, 乡镇（街道）\" '$TMP/.err' && grep -q 'folded: 序号, 行政区划代码, 乡镇(街道)' '$TMP/.err' && grep -q \"nearest: '发放金额(元)'\" '$TMP/.err'"
sed '1s/发放金额（元）/发放金额/' "$d/plain.csv" >"$d/renamed.csv"
expect_exit 2 "a header renamed in the export (发放金额（元） -> 发放金额)" I -m "$G" -o "$d/x.csv.gz" "$d/renamed.csv"
check "... the nearest header is the shorter name" grep -q "nearest: '发放金额'" "$TMP/.err"
sed 's/^encoding: utf-8/encoding: gb18030/' "$G" >"$d/gb.yaml"
expect_exit 2 "UTF-8 read as GB18030" I -m "$d/gb.yaml" -o "$d/x.csv.gz" "$d/plain.csv"
check "... says mojibake, suggests utf-8" grep -q "decoded as GB18030 (mojibake): set the mapping's encoding to utf-8" "$TMP/.err"
sed 's/gb18030/utf-8/' "$ROOT/samples/mappings/erqi.yaml" >"$d/u8.yaml"
expect_exit 2 "GB18030 read as UTF-8" I -m "$d/u8.yaml" -o "$d/x.csv.gz" "$ROOT/samples/exports/erqi-2024.csv"
check "... suggests gb18030" grep -q "looks like GB18030 (set the mapping's encoding to gb18030" "$TMP/.err"

# --- month forms, apostrophes, totals in CSV cells --------------------------------------
H=序号,行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）
id=350212194305307244
{
	echo "$H"
	for m in 2024/3/1 2024-03-01 2024年3月1日 3/1/2024 45352 '2024/3/1 0:00:00' 2024年3月 '２０２４－０３'; do
		echo "1,350212107216,'$id,高龄津贴,农村,1,1,$m,100.00"
	done
	echo "9,350212107216,$id,高龄津贴,农村,1,1,13/1/2024,100.00"
	echo "9,350212107216,$id,高龄津贴,农村,1,1,2024-02-30x,100.00"
	echo "小 計,,,,,,10,,1000.00"
	echo "合計：,,,,,,10,,1000.00"
} >"$d/dates.csv"
{ sed 's/^source: .*/serial_dates: 1900/' "$G" | grep -v funding; echo "max_reject_rate: 0.5"; } >"$d/dates.yaml"
expect_exit 0 "every Excel form of a date gives its month" I -m "$d/dates.yaml" -o "$d/dates.csv.gz" -s "$d/dates.json" "$d/dates.csv"
check "... eight records of 2024-03" sh -c "test \$(zcat '$d/dates.csv.gz' | grep -c ',2024-03,') = 8"
check "... 13/1/2024 in mdy and a bad date are bad_period" grep -q '"bad_period":2' "$d/dates.json"
check "... the apostrophes counted, 小計 and 合計 reconciled" sh -c "grep -q '\"apostrophes_stripped\":8' '$d/dates.json' && grep -q '\"totals\":2,' '$d/dates.json' && grep -q '\"total_mismatches\":0' '$d/dates.json'"
{ sed 's/^source: .*/date_order: dmy/' "$G" | grep -v funding; echo "max_reject_rate: 0.5"; } >"$d/dmy.yaml"
expect_exit 0 "date_order: dmy" I -m "$d/dmy.yaml" -o "$d/dmy.csv.gz" -s "$d/dmy.json" "$d/dates.csv"
check "... takes 13/1/2024 as January, 3/1/2024 as January too; serials are bad_period without serial_dates" sh -c \
	"test \$(zcat '$d/dmy.csv.gz' | grep -c ',2024-01,') = 2 && grep -q '\"bad_period\":2' '$d/dmy.json'"
expect_exit 2 "an unknown date_order is refused" I -m <(sed 's/^source: .*/date_order: ymdx/' "$G") -o "$d/x.csv.gz" "$d/dates.csv"

# --- the drafted mapping on the five samples -------------------------------------------
# Each draft, unedited, against the shipped mapping: the same records byte
# for byte (both ingests must succeed and give records). aimin-2024's two
# local labels (最低生活保障（城市）) are the catalog's names in another order:
# the draft maps them, UNSURE; its one-row typing errors stay TODO.
same=
for s in aimin-2024:aimin erqi-2023:erqi erqi-2024:erqi pidu-2023:pidu tongan-2024:tongan; do
	e=${s%%:*} m=${s##*:}
	expect_exit 0 "rs-draft $e" sh -c "'$BIN/rs-draft' '$ROOT/samples/exports/$e.csv' >'$d/draft-$e.yaml'"
	I -m "$d/draft-$e.yaml" -o "$d/draft-$e.csv.gz" "$ROOT/samples/exports/$e.csv" 2>/dev/null &&
	I -m "$ROOT/samples/mappings/$m.yaml" -o "$d/hand-$e.csv.gz" "$ROOT/samples/exports/$e.csv" 2>/dev/null &&
	[ "$(zcat "$d/hand-$e.csv.gz" | wc -l)" -gt 5000 ] &&
	cmp -s <(zcat "$d/draft-$e.csv.gz") <(zcat "$d/hand-$e.csv.gz") && same="$same $e"
done
[ "$same" = " aimin-2024 erqi-2023 erqi-2024 pidu-2023 tongan-2024" ] &&
	ok "the drafted mapping works unedited on the 5 samples (the same records as the shipped mappings)" ||
	fail "the drafted mapping works unedited on the 5 samples" "the same records for:$same"
check "aimin's draft maps its two local labels, UNSURE, and lists the one-row labels as TODO" sh -c \
	"grep -q '^  \"最低生活保障(农村)\": dibao_rural .*UNSURE: the catalog.s .农村最低生活保障. in another order; 126 rows' '$d/draft-aimin-2024.yaml' &&
	 grep -q '^  \"最低生活保障(城市)\": dibao_urban .*UNSURE.*93 rows' '$d/draft-aimin-2024.yaml' &&
	 test \$(grep -c '^#   \"__未知项目[0-9]*\": TODO    # 1 row\$' '$d/draft-aimin-2024.yaml') = 6"
# 万元 with two decimals and no unit in the header: most amounts under 1,
# which no payment in 元 is -- the draft says 万元, UNSURE (it said 元).
python3 - "$ROOT/samples/exports/erqi-2024.csv" "$d/wan2dp.csv" <<'PY'
import csv, sys
from decimal import Decimal, ROUND_HALF_UP
rows = list(csv.reader(open(sys.argv[1], encoding='gb18030', newline='')))
i = rows[0].index('发放金额（元）')
rows[0][i] = '发放金额'
for r in rows[1:]:
    try:
        r[i] = str((Decimal(r[i].replace(',', '')) / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP))
    except Exception:
        pass
csv.writer(open(sys.argv[2], 'w', encoding='utf-8', newline='')).writerows(rows)
PY
expect_exit 0 "rs-draft of a 万元 export with two decimals, no unit in its header" sh -c "'$BIN/rs-draft' '$d/wan2dp.csv' >'$d/draft-wan2dp.yaml'"
check "... drafts amount_unit: 万元, UNSURE" grep -q '^amount_unit: 万元 .*UNSURE: from the magnitudes (most amounts are under 1' "$d/draft-wan2dp.yaml"
# Only a label with exactly one program's letters is mapped: 低保城市 (城市低保),
# not 救助甲乙 (the letters of two programs) nor 城市低保补贴 (more letters).
cat >"$d/twins.yaml" <<'YAML'
programs:
- {code: twin_a, name_zh: 甲乙救助, recurrence: monthly, payment_grain: person, public_money: true}
- {code: twin_b, name_zh: 乙甲救助, recurrence: monthly, payment_grain: person, public_money: true}
YAML
{
	echo "序号,行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）"
	for l in 低保城市 救助甲乙 城市低保补贴; do echo "1,350212107216,350212194305307244,$l,城镇,1,1,2024-03,100.00"; done
} >"$d/labels.csv"
expect_exit 0 "rs-draft with two programs of the same letters" sh -c \
	"'$BIN/rs-draft' --catalog '$ROOT/samples/reference/programs.yaml' --catalog '$d/twins.yaml' '$d/labels.csv' >'$d/labels.yaml'"
check "... maps 低保城市 alone, the others TODO" sh -c "grep -q '^  \"低保城市\": dibao_urban' '$d/labels.yaml' &&
	grep -q '^#   \"救助甲乙\": TODO' '$d/labels.yaml' && grep -q '^#   \"城市低保补贴\": TODO' '$d/labels.yaml' &&
	test \$(grep -c '^  \"' '$d/labels.yaml') = 1"
check "tongan's draft takes 万元 from the header, pidu's the 。" sh -c \
	"grep -q '^amount_unit: 万元' '$d/draft-tongan-2024.yaml' && grep -q '^decimal_point: \[\"。\"' '$d/draft-pidu-2023.yaml'"
if [ -n "$PYX" ]; then
	for f in csv xlsx xls; do
		expect_exit 0 "rs-draft the vendor's $f" sh -c "'$BIN/rs-draft' '$d/vendor.$f' >'$d/draft-v$f.yaml'"
		check "... header, sheet, dates, columns and UNSURE lines" sh -c \
			"grep -q 'header is record 3 (line 4' '$d/draft-v$f.yaml' && grep -q '^serial_dates: 1900' '$d/draft-v$f.yaml' && grep -q '^date_order: mdy .*UNSURE' '$d/draft-v$f.yaml' && grep -q '^  amount: \"发放金额\"' '$d/draft-v$f.yaml'"
		expect_exit 0 "... and it ingests as the hand-written one" I -m "$d/draft-v$f.yaml" -o "$d/dv$f.csv.gz" "$d/vendor.$f"
		check "... same records" cmp -s <(zcat "$d/dv$f.csv.gz") <(zcat "$d/v$f.csv.gz")
	done
	check "xlsx draft names the sheet with the header" grep -q '^sheet: "发放明细"' "$d/draft-vxlsx.yaml"
fi
expect_exit 2 "rs-draft on a file without a header" "$BIN/rs-draft" "$ROOT/samples/reference/rules.yaml"
check "... says what it looked for" grep -q "no header found in" "$TMP/.err"
