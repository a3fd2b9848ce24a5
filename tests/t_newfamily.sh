#!/bin/bash
# A new export family taken by a mapping file alone: built at test time from
# tongan-2024 with columns in another order, Traditional script throughout,
# GB18030, CRLF, months like 2024年3月, amounts in 万元 and the export's own
# planted defects; it must ingest to exactly tongan-2024's truth.
. "$(dirname "$0")/lib.sh"

src=$ROOT/samples/exports/tongan-2024.csv
python3 - "$src" "$TMP/simplified.csv" <<'PY'
import csv, io, re, sys
text = open(sys.argv[1], encoding='utf-8-sig').read()
rows = list(csv.reader(io.StringIO(text, newline='')))
order = [10, 11, 6, 7, 5, 1, 9, 8, 0, 2, 3, 4, 12, 13, 14]   # another column order
out = io.StringIO()
w = csv.writer(out, lineterminator='\r\n')
for i, r in enumerate(rows):
    if len(r) == len(rows[0]):
        r = [r[j] for j in order]
        if i:
            r[0] = re.sub(r'^(\d{4})/0?(\d{1,2})$', lambda m: f"{m.group(1)}年{int(m.group(2))}月", r[0])
    w.writerow(r)          # short (malformed) rows stay short
open(sys.argv[2], 'w', encoding='utf-8', newline='').write(out.getvalue())
PY
opencc -c s2t.json -i "$TMP/simplified.csv" -o "$TMP/trad-utf8.csv"
iconv -f UTF-8 -t GB18030 "$TMP/trad-utf8.csv" >"$TMP/newfamily.csv"
head -1 "$TMP/newfamily.csv" | iconv -f GB18030 -t UTF-8 | grep -q '發放年月,發放金額（萬元）,救助類別' &&
	ok "the new family has Traditional headers in another order, in GB18030" ||
	fail "the new family has Traditional headers in another order, in GB18030"
cat >"$TMP/newfamily.yaml" <<'Y'
# A new family, written in Simplified: ingest folds the export's Traditional
# headers and labels before matching.
encoding: gb18030
amount_unit: 万元
columns:
  period: 发放年月
  amount: 发放金额（万元）
  program: 救助类别
  area: 城乡属性
  id: 身份证号码
  region_code: 行政区划代码
  persons: 保障人数
  household_size: 家庭人口
  funding: 资金来源
Y
d=$TMP/o; mkdir -p "$d"
expect_exit 0 "ingest the new family by its mapping alone" "$BIN/rs-ingest" -q -m "$TMP/newfamily.yaml" -k "$KEY" \
	-o "$d/records.csv.gz" -r "$d/ir.csv.gz" -s "$d/ingest.json" "$TMP/newfamily.csv"
expect_exit 0 "validate it" "$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$d/valid.csv.gz" \
	-r "$d/vr.csv.gz" -w "$d/w.csv.gz" -s "$d/validate.json" "$d/records.csv.gz"
python3 "$ROOT/tests/truth_check.py" "$ROOT/samples/exports/tongan-2024.truth.json" "$d/valid.csv.gz" "$d/ingest.json" "$d/validate.json"
zcat "$d/records.csv.gz" | cut -d, -f13 | sort -u | grep -qx '区级财政' && ok "Traditional labels are folded to Simplified in records" ||
	fail "Traditional labels are folded to Simplified in records"
