#!/bin/bash
# Ingest, table-driven: one input row per case, each ending as a record (with
# the canonical values asserted) or a reject with its reason.
. "$(dirname "$0")/lib.sh"
export RS_TODAY=20261122

H='序号,行政区划代码,户主姓名,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源'
ID=11010519491231002X          # the GB 11643 example (female, born 1949-12-31)
R=350212001002
# name | row after 序号 | expected: reason, or "ok AMOUNT PROGRAM AREA PERIOD"
cases=(
"plain|$R,甲,$ID,城市低保,城镇,3,2,2024-03,1234.50,区级财政|ok 1234.50 dibao_urban urban 2024-03"
"thousands|$R,甲,$ID,农村低保,农村,3,2,2024-03,\"2,497.00\",区级财政|ok 2497.00 dibao_rural rural 2024-03"
"fullwidth digits|$R,甲,$ID,高龄津贴,农村,1,1,２０２４－０５,２３１４．００,区级财政|ok 2314.00 gaoling rural 2024-05"
"month in Chinese|$R,甲,$ID,高龄津贴,农村,1,1,2024年1月,100,区级财政|ok 100.00 gaoling rural 2024-01"
"slash month|$R,甲,$ID,高龄津贴,城镇,1,1,2024/12,100.5,区级财政|ok 100.50 gaoling urban 2024-12"
"alias with ascii parens|$R,甲,$ID,最低生活保障(农村),农村,3,2,2024-03,10,区级财政|ok 10.00 dibao_rural rural 2024-03"
"traditional label|$R,甲,$ID,農村低保,農村,3,2,2024-03,10,區級財政|ok 10.00 dibao_rural rural 2024-03"
"program implies area|$R,甲,$ID,城市低保,农村,3,2,2024-03,10,区级财政|ok 10.00 dibao_urban urban 2024-03"
"lowercase x|$R,甲,11010519491231002x,高龄津贴,农村,1,1,2024-03,10,区级财政|ok 10.00 gaoling rural 2024-03"
"too few fields|$R,甲,$ID,高龄津贴,农村,1|malformed_line"
"empty id|$R,甲,,高龄津贴,农村,1,1,2024-03,10,区级财政|missing_field"
"empty amount|$R,甲,$ID,高龄津贴,农村,1,1,2024-03,,区级财政|missing_field"
"mangled id|$R,甲,1.10105E+17,高龄津贴,农村,1,1,2024-03,10,区级财政|bad_id"
"check digit|$R,甲,110105194912310021,高龄津贴,农村,1,1,2024-03,10,区级财政|bad_id"
"impossible birth|$R,甲,110105194902300028,高龄津贴,农村,1,1,2024-03,10,区级财政|bad_id"
"17 chars|$R,甲,11010519491231002,高龄津贴,农村,1,1,2024-03,10,区级财政|bad_id"
"not a number|$R,甲,$ID,高龄津贴,农村,1,1,2024-03,abc,区级财政|bad_amount"
"finer than a fen|$R,甲,$ID,高龄津贴,农村,1,1,2024-03,12.345,区级财政|bad_amount"
"bad grouping|$R,甲,$ID,高龄津贴,农村,1,1,2024-03,\"12,34.00\",区级财政|bad_amount"
"negative|$R,甲,$ID,高龄津贴,农村,1,1,2024-03,-10.00,区级财政|negative_amount"
"month 13|$R,甲,$ID,高龄津贴,农村,1,1,2024-13,10,区级财政|bad_period"
"unknown program|$R,甲,$ID,__未知项目7,农村,1,1,2024-03,10,区级财政|unknown_program"
"unknown area|$R,甲,$ID,高龄津贴,郊区,1,1,2024-03,10,区级财政|unknown_area"
"bad amount beats bad period|$R,甲,$ID,高龄津贴,农村,1,1,2024-13,x,区级财政|bad_amount"
"bad id beats bad amount|$R,甲,123,高龄津贴,农村,1,1,2024-03,x,区级财政|bad_id"
)
{
	echo "$H"
	i=0
	for c in "${cases[@]}"; do
		i=$((i + 1)); IFS='|' read -r _ row _ <<<"$c"
		echo "$i,$row"
	done
} >"$TMP/quirks.csv"
cat >"$TMP/m.yaml" <<'Y'
encoding: utf-8
max_reject_rate: 1   # a fixture of defects: the gate is tested in t_gates.sh
columns: {region_code: 行政区划代码, id: 身份证号码, program: 救助类别, area: 城乡属性,
          household_size: 家庭人口, persons: 保障人数, period: 发放年月, amount: 发放金额（元）, funding: 资金来源}
programs: {最低生活保障（农村）: dibao_rural}
Y
expect_exit 0 "ingest the quirks file" "$BIN/rs-ingest" -q -m "$TMP/m.yaml" -k "$KEY" -o "$TMP/r.csv.gz" \
	-r "$TMP/rej.csv.gz" -s "$TMP/s.json" "$TMP/quirks.csv"
zcat "$TMP/r.csv.gz" >"$TMP/r.csv"; zcat "$TMP/rej.csv.gz" >"$TMP/rej.csv"
i=0
for c in "${cases[@]}"; do
	i=$((i + 1)); IFS='|' read -r name _ want <<<"$c"
	line=$((i + 1))
	if [ "${want%% *}" = ok ]; then
		read -r _ amount prog area period <<<"$want"
		got=$(awk -F, -v l="$line" '$2 == l {print $10, $4, $5, $6}' "$TMP/r.csv")
		[ "$got" = "$amount $prog $area $period" ] && ok "$name -> record" || fail "$name -> record" "got '$got' want '$amount $prog $area $period' $(grep "^quirks.csv,$line," "$TMP/rej.csv")"
	else
		got=$(awk -F, -v l="$line" '$2 == l {print $3}' "$TMP/rej.csv")
		[ "$got" = "$want" ] && ok "$name -> $want" || fail "$name -> $want" "got '$got'"
	fi
done
# age and sex come from the ID: 1949-12-31, female; age on 2024-03-31 is 74
awk -F, '$2 == 2 {print $11, $12}' "$TMP/r.csv" | grep -qx '74 F' && ok "age and sex derived from the ID" || fail "age and sex derived from the ID" "$(awk -F, '$2 == 2' "$TMP/r.csv")"
# nothing lost: rows = records + rejects
n=$(( $(wc -l <"$TMP/r.csv") - 1 + $(wc -l <"$TMP/rej.csv") - 1 ))
[ "$n" = "${#cases[@]}" ] && ok "every row is a record or a reject" || fail "every row is a record or a reject" "$n of ${#cases[@]}"
# 万元 is exact to the fen; more than a fen is bad_amount
HW=$(printf '%s' "$H" | sed 's/发放金额（元）/发放金额（万元）/')
printf '%s\n1,%s,甲,%s,高龄津贴,农村,1,1,2024-03,0.0734,x\n2,%s,甲,%s,高龄津贴,农村,1,1,2024-03,0.0000001,x\n' "$HW" $R $ID $R $ID >"$TMP/wan.csv"
{ echo 'amount_unit: 万元'; sed 's/发放金额（元）/发放金额（万元）/' "$TMP/m.yaml"; } >"$TMP/wan.yaml"
"$BIN/rs-ingest" -q -m "$TMP/wan.yaml" -k "$KEY" -o "$TMP/w.csv.gz" -r "$TMP/wr.csv.gz" "$TMP/wan.csv"
zcat "$TMP/w.csv.gz" | awk -F, 'NR == 2 {print $10}' | grep -qx 734.00 && zcat "$TMP/wr.csv.gz" | grep -q ',3,bad_amount,' &&
	ok "万元: 0.0734 is 734.00 元; 0.0000001 万元 is bad_amount" || fail "万元 parsing"
# A header that names its unit decides it: a 万元 column read as 元 (the
# default) would publish a ten-thousandth of the money, with 2 decimals
# passing every amount check.
printf '%s\n1,%s,甲,%s,高龄津贴,农村,1,1,2024-03,0.05,x\n' "$HW" $R $ID >"$TMP/wan2.csv"
sed 's/发放金额（元）/发放金额（万元）/' "$TMP/m.yaml" >"$TMP/wan2.yaml"
expect_exit 2 "a 万元 column with amount_unit unset is refused" "$BIN/rs-ingest" -q -m "$TMP/wan2.yaml" -k "$KEY" -o "$TMP/w2.csv.gz" -r "$TMP/wr2.csv.gz" "$TMP/wan2.csv"
grep -q "the amount column '发放金额（万元）' says its amounts are in 万元, but mapping '.*wan2.yaml' reads them in 元 (amount_unit is not set, so 元): set amount_unit: 万元 in" "$TMP/.err" &&
	[ ! -e "$TMP/w2.csv.gz" ] && ok "... naming the column, the unit and the fix, writing nothing" || fail "... naming the column, the unit and the fix, writing nothing" "$(cat "$TMP/.err")"
{ echo 'amount_unit: 万元'; cat "$TMP/m.yaml"; } >"$TMP/wan3.yaml"
printf '%s\n1,%s,甲,%s,高龄津贴,农村,1,1,2024-03,734.00,x\n' "$H" $R $ID >"$TMP/wan3.csv"
expect_exit 2 "a （元） column read as 万元 is refused" "$BIN/rs-ingest" -q -m "$TMP/wan3.yaml" -k "$KEY" -o "$TMP/w3.csv.gz" -r "$TMP/wr3.csv.gz" "$TMP/wan3.csv"
grep -q "says its amounts are in 元, but mapping '.*wan3.yaml' reads them in 万元: set amount_unit: 元 in" "$TMP/.err" && ok "... naming the unit the header says" || fail "... naming the unit the header says" "$(cat "$TMP/.err")"

# Two columns of the mapped name: the first may be an empty or zero copy
# (a reviewer's export published 0.00万元, exit 0). A stop, naming both
# columns and the fix; a position in the mapping reads the one given.
python3 - "$ROOT/samples/exports/aimin-2024.csv" "$TMP/dup.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
h = rows[0]; j, n = h.index("发放金额（元）"), len(h)
for i, r in enumerate(rows):
    if len(r) == n:
        r.insert(j, r[j] if i == 0 else "0.00")
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline="")).writerows(rows)
PY
expect_exit 2 "two columns named 发放金额（元） are refused" "$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/aimin.yaml" -k "$KEY" -o "$TMP/dup.csv.gz" "$TMP/dup.csv"
grep -q "the header has two columns '发放金额（元）' (columns 12 and 13), and mapping '.*aimin.yaml' line 17 reads 'amount' by that name.*('amount: 12' or 'amount: 13')" "$TMP/.err" &&
	[ ! -e "$TMP/dup.csv.gz" ] && ok "... naming both columns and the fix, writing nothing" || fail "... naming both columns and the fix, writing nothing" "$(cat "$TMP/.err")"
sed 's/^  amount: 发放金额（元）/  amount: 13/' "$ROOT/samples/mappings/aimin.yaml" >"$TMP/dup.yaml"
expect_exit 0 "... amount: 13 reads the second" "$BIN/rs-ingest" -q -m "$TMP/dup.yaml" -k "$KEY" -o "$TMP/dup.csv.gz" -s "$TMP/dup.json" "$TMP/dup.csv"
"$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/aimin.yaml" -k "$KEY" -o "$TMP/nodup.csv.gz" "$ROOT/samples/exports/aimin-2024.csv"
cmp -s <(zcat "$TMP/dup.csv.gz" | cut -d, -f3-) <(zcat "$TMP/nodup.csv.gz" | cut -d, -f3-) &&
	ok "... the records are the export's without the copy" || fail "... the records are the export's without the copy"

# Partitions by region: prefixes for some townships, the rest by exclusion
# with the unattributable rows; together they hold every row exactly once.
x=$ROOT/samples/exports/tongan-2024.csv m=$ROOT/samples/mappings/tongan.yaml
"$BIN/rs-ingest" -q -m "$m" -k "$KEY" --region-prefix 350212001,350212002 -o "$TMP/p1.csv.gz" -s "$TMP/p1.json" "$x"
"$BIN/rs-ingest" -q -m "$m" -k "$KEY" --region-prefix 3502121 -o "$TMP/p2.csv.gz" -s "$TMP/p2.json" "$x"
"$BIN/rs-ingest" -q -m "$m" -k "$KEY" --region-exclude 350212001,350212002,3502121 --unattributed -o "$TMP/p3.csv.gz" -s "$TMP/p3.json" "$x"
"$BIN/rs-ingest" -q -m "$m" -k "$KEY" -o "$TMP/all.csv.gz" -s "$TMP/all.json" "$x"
python3 - "$TMP" <<'PY'
import gzip, json, sys
t = sys.argv[1]
parts = [json.load(open(f"{t}/p{i}.json")) for i in (1, 2, 3)]
whole = json.load(open(f"{t}/all.json"))
rows = lambda p: sorted(gzip.open(p, 'rt').read().splitlines()[1:])
ok = sum(p['rows_read'] for p in parts) == whole['rows_read'] and \
     sum(p['records'] for p in parts) == whole['records'] and \
     all(p['rows_in_file'] == whole['rows_read'] for p in parts) and \
     sorted(sum((rows(f"{t}/p{i}.csv.gz") for i in (1, 2, 3)), [])) == rows(f"{t}/all.csv.gz")
print(("ok" if ok else "not ok") + " - region partitions hold every row exactly once, records identical to the whole")
PY
expect_exit 2 "--unattributed alone is a usage error" "$BIN/rs-ingest" -m "$m" -k "$KEY" --unattributed -o "$TMP/u.csv.gz" "$x"
# 'reversal' is the earlier name of 'kind': a mapping giving both is a
# configuration error naming the entry, not a silent pick (the fuzzer
# found the first column's name leaked; the input is its find).
expect_exit 2 "a mapping naming both 'kind' and 'reversal' is refused" \
	"$BIN/rs-ingest" -m "$ROOT/tests/fuzz/regress/yaml_mapping/kind-and-reversal-both-given.yaml" \
	-k "$KEY" -o "$TMP/both.csv.gz" "$x"
grep -q ":13:3: 'kind' names the field 'kind' a second time ('reversal' is its earlier name)" "$TMP/.err" &&
	ok "... naming the clash and its line" ||
	fail "... naming the clash and its line" "$(cat "$TMP/.err")"
# A file name in GBK bytes (a Windows zip unpacked here) is not UTF-8: the
# summary is still JSON, with the stray bytes as U+FFFD, and the quality
# table can read it (written by hand, the summary held the raw bytes and
# rs-report refused it as bad JSON).
gbk=$(printf '%s/tongan\xb6\xfe\xc6\xdf.csv' "$TMP")
cp "$x" "$gbk"
expect_exit 0 "an export whose file name is GBK bytes ingests" \
	"$BIN/rs-ingest" -m "$m" -k "$KEY" -o "$TMP/gbk.csv.gz" -s "$TMP/gbk.json" "$gbk"
python3 - "$TMP/gbk.json" <<'PY' && ok "... its summary is JSON, the name's stray bytes as U+FFFD" || fail "... its summary is JSON, the name's stray bytes as U+FFFD" "$(od -c "$TMP/gbk.json" | head -5)"
import json, sys
d = json.loads(open(sys.argv[1], 'rb').read().decode('utf-8'))
sys.exit(0 if d['source'].endswith('tongan\ufffd\ufffd\ufffd\ufffd.csv') else 1)
PY
