#!/bin/bash
# Footer rows (制表人：张三, 审核人, 填报日期, 说明：..., 注：...): the
# signature and note lines an official export ends with are neither records
# nor rejects, when they follow the last data row of their sheet, have no ID
# and no amount, few non-empty cells, and start with one of the labels
# (either script, any width, spaces ignored). Counted in ingest.json
# (footers, footer_rows: line and label, never the names after the colon),
# rows read = records + rejects + totals + footers, out of the loss gate's
# rows. A footer-looking row with an ID or an amount, or followed by a data
# row, is a data row as before.
. "$(dirname "$0")/lib.sh"
export RS_TODAY=20261122

d=$TMP/f; mkdir -p "$d"
# json FILE EXPR: prints EXPR of the summary j
J() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
H='序号,行政区划代码,户主姓名,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源'
ID=11010519491231002X
R=350212001002
cat >"$d/m.yaml" <<'Y'
encoding: utf-8
max_reject_rate: 1
columns: {region_code: 行政区划代码, id: 身份证号码, program: 救助类别, area: 城乡属性,
          household_size: 家庭人口, persons: 保障人数, period: 发放年月, amount: 发放金额（元）, funding: 资金来源}
Y
{
	echo "$H"
	echo "1,$R,甲,$ID,高龄津贴,农村,1,1,2024-03,100.00,区级财政"      # 2 record
	echo "说明：后面还有数据,,,,,,,,,,"                               # 3 data after all
	echo "2,$R,甲,$ID,高龄津贴,农村,1,1,2024-04,100.00,区级财政"      # 4 record
	echo "注：带身份证号,,,$ID,,,,,,,"                               # 5 has an ID
	echo "制表人：张三,,,,,,,,,100.00,"                              # 6 has an amount
	echo "联系电话：123,甲,乙,丙,丁,,,,,,"                            # 7 five cells
	echo "张三制表人,,,,,,,,,,"                                       # 8 label not first
	echo "制表人：张三,,,,,,,,,,"                                     # 9 footer
	echo "製表日期:2025年1月5日,,,,,,,,,,"                            # 10 Traditional, ':'
	echo "审 核 人 ： 李四,,,,,,,,,,"                                 # 11 spaces, '：'
	echo ",单位负责人：王五,,,,,,,,,"                                 # 12 in the second cell
	echo "注1：本表金额单位为元"                                      # 13 one cell alone
	echo "填报单位：某某区民政局,,,,,,,审核人：赵六,,,"               # 14 two cells
	echo "說明：,,,,,,,,,,"                                           # 15 Traditional
} >"$d/a.csv"
expect_exit 0 "ingest an export ending in footer rows" "$BIN/rs-ingest" -m "$d/m.yaml" -k "$KEY" \
	-o "$d/a.csv.gz" -r "$d/a-rej.csv.gz" -s "$d/a.json" "$d/a.csv"
got=$(J "$d/a.json" '[j["rows_read"], j["records"], j["reject_total"], j["rejects"].get("missing_field"), j["totals"], j["footers"], j["gate"]["rows"]]')
[ "$got" = "[14, 2, 5, 5, 0, 7, 7]" ] && ok "7 footer rows: 14 read = 2 records + 5 rejects + 7 footers; the gate counts 7 rows" ||
	fail "7 footer rows: 14 read = 2 records + 5 rejects + 7 footers" "got $got"
got=$(J "$d/a.json" '" ".join("%d:%s" % (f["line"], f["label"]) for f in j["footer_rows"])')
[ "$got" = "9:制表人 10:制表日期 11:审核人 12:单位负责人 13:注 14:填报单位 15:说明" ] &&
	ok "footer_rows: each line and its label, folded to Simplified" || fail "footer_rows: each line and its label" "got $got"
got=$(zcat "$d/a-rej.csv.gz" | awk -F, 'NR > 1 {printf "%s ", $2}')
[ "$got" = "3 5 6 7 8 " ] &&
	ok "footer-looking rows with an ID, an amount, five cells, a label not first, or a data row after them stay data rows (rejects)" ||
	fail "footer-looking rows with an ID or an amount stay data rows" "rejected lines: $got"
! grep -q '张三\|李四\|王五\|赵六\|某某区' "$d/a.json" && ok "ingest.json names no one: labels only" ||
	fail "ingest.json names no one" "$(cat "$d/a.json")"
grep -q "14 rows read, 2 records, 5 rejects (missing_field 5), 7 footer rows kept out" "$TMP/.err" &&
	ok "the summary line counts them" || fail "the summary line counts them" "$(cat "$TMP/.err")"

# Last in the file, after every data row: a footer-looking row with an ID,
# or with an amount, is still a data row.
for c in "id|注：带身份证号,,,$ID,,,,,,," "amount|制表人：张三,,,,,,,,,100.00,"; do
	IFS='|' read -r what row <<<"$c"
	printf '%s\n%s\n%s\n' "$H" "1,$R,甲,$ID,高龄津贴,农村,1,1,2024-03,100.00,区级财政" "$row" >"$d/$what.csv"
	"$BIN/rs-ingest" -q -m "$d/m.yaml" -k "$KEY" -o "$d/$what.csv.gz" -r "$d/$what-rej.csv.gz" -s "$d/$what.json" "$d/$what.csv"
	got=$(J "$d/$what.json" '[j["records"], j["reject_total"], j["footers"]]')
	[ "$got" = "[1, 1, 0]" ] && zcat "$d/$what-rej.csv.gz" | grep -q '^'"$what"'\.csv,3,' &&
		ok "a last row with a footer label and an $what is a data row (a reject)" ||
		fail "a last row with a footer label and an $what is a data row" "got $got"
done

# A 合计 row then the signatures: one total row, one footer; a note before
# the 合计 is followed by it, so it is read as a data row as before.
{
	echo "$H"
	echo "1,$R,甲,$ID,高龄津贴,农村,1,1,2024-03,100.00,区级财政"
	echo "注：合计前的说明,,,,,,,,,,"
	echo "合计,,,,,,,1,,100.00,"
	echo "制表人：张三,,,,,,,,,,"
} >"$d/t.csv"
expect_exit 0 "an export with a 合计 row and a footer" "$BIN/rs-ingest" -q -m "$d/m.yaml" -k "$KEY" \
	-o "$d/t.csv.gz" -s "$d/t.json" "$d/t.csv"
got=$(J "$d/t.json" '[j["rows_read"], j["records"], j["reject_total"], j["totals"], j["total_mismatches"], j["footers"]]')
[ "$got" = "[4, 1, 1, 1, 0, 1]" ] && ok "... 合计 a total row, the line after it a footer, the note before it a reject" ||
	fail "... 合计 a total row, the line after it a footer" "got $got"

# The sample: three signature lines appended change no record and no reject.
cp "$ROOT/samples/exports/aimin-2024.csv" "$d/aimin-2024.csv"
"$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/aimin.yaml" -k "$KEY" -o "$d/s0.csv.gz" -r "$d/s0-rej.csv.gz" \
	-s "$d/s0.json" "$d/aimin-2024.csv"
printf '%s\n' '制表人：张三,,,,,,,,,,,,,,' '审核人：李四,,,,,,,,,,,,,,' '填报日期：2025年1月5日,,,,,,,,,,,,,,' >>"$d/aimin-2024.csv"
expect_exit 0 "aimin-2024 with three signature lines appended" "$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/aimin.yaml" \
	-k "$KEY" -o "$d/s1.csv.gz" -r "$d/s1-rej.csv.gz" -s "$d/s1.json" "$d/aimin-2024.csv"
cmp -s <(zcat "$d/s0.csv.gz") <(zcat "$d/s1.csv.gz") && cmp -s <(zcat "$d/s0-rej.csv.gz") <(zcat "$d/s1-rej.csv.gz") &&
	[ "$(J "$d/s1.json" '[j["rows_read"] - 3, j["rejects"]["missing_field"], j["footers"]]')" = \
	  "$(J "$d/s0.json" '[j["rows_read"], j["rejects"]["missing_field"], 3]')" ] &&
	ok "... records and rejects identical (missing_field stays 5), 3 footer rows" ||
	fail "... records and rejects identical, 3 footer rows" "$(J "$d/s1.json" 'j["rejects"], j["footers"]')"

# A workbook of two sheets, each ending in its own signature line: each is
# a footer of its sheet, not a data row because the next sheet has rows.
printf '%s\n%s\n%s\n' "$H" "1,$R,甲,$ID,高龄津贴,农村,1,1,2024-03,100.00,区级财政" "制表人：张三" >"$d/s1.csv"
printf '%s\n%s\n%s\n' "$H" "1,$R,甲,$ID,高龄津贴,农村,1,1,2024-04,100.00,区级财政" "审核人：李四" >"$d/s2.csv"
python3 "$ROOT/tests/workbook/sheets.py" "$d/w.xlsx" "3月=$d/s1.csv" "4月=$d/s2.csv"
expect_exit 0 "a workbook whose sheets each end in a signature line" "$BIN/rs-ingest" -q -m "$d/m.yaml" -k "$KEY" \
	-o "$d/w.csv.gz" -s "$d/w.json" "$d/w.xlsx"
got=$(J "$d/w.json" '[j["rows_read"], j["records"], j["reject_total"], j["footers"], j["sheet_rows"]]')
[ "$got" = "[4, 2, 0, 2, [2, 2]]" ] && ok "... one footer row per sheet, no reject" || fail "... one footer row per sheet" "got $got"
