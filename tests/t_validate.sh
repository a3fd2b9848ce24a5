#!/bin/bash
# rs-validate, rule by rule: each default rule with a passing and a failing
# row; a standard and a local program added in YAML alone; outliers; the
# reject threshold. Input is canonical records written by hand.
. "$(dirname "$0")/lib.sh"

B1=0123456789abcdef0123456789abcdef; B2=fedcba9876543210fedcba9876543210
B3=00000000000000000000000000000003; B4=00000000000000000000000000000004
V=350212001002
# line | region | program | area | period | beneficiary | hh | persons | amount | age | expected
cases=(
"2|$V|gaoling|rural|2024-03|$B1|1|1|100.00|85|valid"
"3|350212001999|gaoling|rural|2024-03|$B2|1|1|100.00|85|unknown_region"
"4|350212001000|gaoling|rural|2024-04|$B2|1|1|100.00|85|unknown_region"
"5|$V|gaoling|rural|2023-12|$B2|1|1|100.00|85|period_out_of_range"
"6|$V|dibao_urban|urban|2024-03|$B3|3|2|1500.00|40|valid"
"7|$V|dibao_urban|urban|2024-04|$B3|3|4|1500.00|40|persons_out_of_range"
"8|$V|dibao_urban|urban|2024-05|$B3|3|0|1500.00|40|persons_out_of_range"
"9|$V|gaoling|rural|2024-04|$B4|1|1|100.00|79|age_ineligible"
"10|$V|gaoling|rural|2024-03|$B1|1|1|100.00|85|duplicate_payment"
"11|$V|gaoling|rural|2024-04|$B1|1|1|100.00|85|valid"
"12|$V|tekun|urban|2024-03|$B3|1|1|900.00|40|conflicting_programs"
"13|$V|tekun|urban|2024-06|$B3|1|1|900.00|40|valid"
"14|$V|holiday_dibao|urban|2024-01|$B3|3|3|600.00|40|valid"
"15|$V|holiday_dibao|urban|2024-02|$B3|3|3|500.00|40|off_standard"
"16|$V|holiday_marginal|urban|2024-01|$B4|2|2|360.00|41|valid"
"17|$V|holiday_marginal|urban|2024-02|$B4|2|2|600.00|41|off_standard"
"18|$V|gaoling|rural|2024-05|$B1|1|1|5000.00|85|valid"
)
{
	echo "source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode"
	for c in "${cases[@]}"; do
		IFS='|' read -r line region prog area period bene hh persons amount age _ <<<"$c"
		echo "t.csv,$line,$region,$prog,$area,$period,$bene,$hh,$persons,$amount,$age,F,区级财政,"
	done
	# more gaoling rows at 100.00 so the median is 100.00 and 5000.00 is an outlier
	for i in $(seq 20 29); do echo "t.csv,$i,$V,gaoling,rural,2024-0$((i % 9 + 1)),000000000000000000000000000000$i,1,1,100.00,90,F,区级财政,"; done
} | gzip -c >"$TMP/records.csv.gz"

# A local program added in YAML alone: two holiday payments told apart only
# by the recipient's status (Shenyang: 600 元 per 低保 household, 360 元 per
# 低保边缘 household at the 两节), each with its own standard.
cat >"$TMP/local.yaml" <<'Y'
programs:
- code: holiday_dibao
  parent: holiday_visit
  name_zh: 两节慰问（低保户）
  payment_grain: household
  recurrence: one_off
  public_money: false
- code: holiday_marginal
  parent: holiday_visit
  name_zh: 两节慰问（低保边缘户）
  payment_grain: household
  recurrence: one_off
  public_money: false
Y
sed -e 's/    standards: \[\]/    standards:\n      - {program: holiday_dibao, region: "350212", period: 2024-01..2024-02, per: household, amount: 600.00}\n      - {program: holiday_marginal, region: "350212", per: household, amount: 360.00}/' \
	-e 's/^max_reject_rate: .*/max_reject_rate: 1/' "$ROOT/samples/reference/rules.yaml" >"$TMP/rules.yaml"
R=$ROOT/samples/reference
expect_exit 0 "validate the rule table" "$BIN/rs-validate" -q --period 2024 --rules "$TMP/rules.yaml" \
	--catalog "$R/programs.yaml" --catalog "$R/programs-local.yaml" --catalog "$TMP/local.yaml" \
	-o "$TMP/valid.csv.gz" -r "$TMP/rej.csv.gz" -w "$TMP/warn.csv.gz" -s "$TMP/sum.json" "$TMP/records.csv.gz"
zcat "$TMP/valid.csv.gz" | cut -d, -f2 >"$TMP/valid.lines"
zcat "$TMP/rej.csv.gz" | awk -F, 'NR > 1 {print $2, $3}' >"$TMP/rej.lines"
for c in "${cases[@]}"; do
	IFS='|' read -r line _ prog _ _ _ _ _ _ _ want <<<"$c"
	if [ "$want" = valid ]; then
		grep -qx "$line" "$TMP/valid.lines" && ok "line $line ($prog) is valid" || fail "line $line ($prog) is valid" "$(grep "^$line " "$TMP/rej.lines")"
	else
		got=$(awk -v l="$line" '$1 == l {print $2}' "$TMP/rej.lines")
		[ "$got" = "$want" ] && ok "line $line ($prog) -> $want" || fail "line $line ($prog) -> $want" "got '$got'"
	fi
done
zcat "$TMP/warn.csv.gz" | grep -q '^t.csv,18,amount_outlier,' && ok "an amount over 10x its program's median is a warning" ||
	fail "an amount over 10x its program's median is a warning" "$(zcat "$TMP/warn.csv.gz")"
grep -q '"warned":1' "$TMP/sum.json" && ok "the warning is counted in the summary" || fail "the warning is counted in the summary"
python3 - "$TMP/sum.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ok = s['rows_read'] == s['records'] + s['reject_total'] and s['rows_read'] == 27
hits = {r['name']: r['hits'] for r in s['rules']}
ok = ok and hits['payment_standards'] == 2 and hits['no_duplicate_payment'] == 1
print(("ok" if ok else "not ok") + " - summary: rows in = valid + rejected, hits per rule")
PY
[ -s "$TMP/sum.md" ] && grep -q '| payment_standards | reject | off_standard | 2 |' "$TMP/sum.md" &&
	ok "a Markdown summary is written beside the JSON" || fail "a Markdown summary is written beside the JSON"

# Over the reject threshold: every output written, exit 1, a clear message.
sed 's/^max_reject_rate: .*/max_reject_rate: 0.10/' "$TMP/rules.yaml" >"$TMP/strict.yaml"
rm -f "$TMP/valid.csv.gz"
expect_exit 1 "over max_reject_rate exits 1" "$BIN/rs-validate" --period 2024 --rules "$TMP/strict.yaml" \
	--catalog "$R/programs.yaml" --catalog "$R/programs-local.yaml" --catalog "$TMP/local.yaml" \
	-o "$TMP/valid.csv.gz" -r "$TMP/rej.csv.gz" "$TMP/records.csv.gz"
[ -s "$TMP/valid.csv.gz" ] && grep -q 'above the reject threshold' "$TMP/.err" &&
	ok "outputs are still written and the message says why" || fail "outputs are still written and the message says why" "$(cat "$TMP/.err")"
printf 'rules:\n  - name: x\n    check: nonsense\n' >"$TMP/bad.yaml"
expect_exit 2 "an unknown check is a configuration error" "$BIN/rs-validate" --period 2024 --rules "$TMP/bad.yaml" -o "$TMP/v.csv.gz" "$TMP/records.csv.gz"
grep -q "bad.yaml':3:12" "$TMP/.err" && ok "the rules error gives line and column" || fail "the rules error gives line and column" "$(cat "$TMP/.err")"

# Generic per-field and cross-field checks, declared in YAML alone.
cat >"$TMP/generic.yaml" <<'Y'
max_reject_rate: 1
rules:
  - name: funding_known
    check: field
    field: funding
    required: true
    enum: [区级财政, 市级财政, 省级财政]
    code: missing_field
    message: 资金来源须为区、市、省级财政之一
  - name: region_in_fujian
    check: field
    field: region_code
    pattern: '^35[0-9]{10}$'
    reference: villages
    code: unknown_region
  - name: amount_range
    check: field
    field: amount
    type: decimal
    min: 0.01
    max: 50000
    code: bad_amount
  - name: program_in_catalog
    check: field
    field: program
    enum: catalog
    code: unknown_program
  - name: persons_within_household
    check: compare
    left: persons
    op: "<="
    right: household_size
    code: persons_out_of_range
Y
V=350212001002
{
	echo "source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode"
	echo "g.csv,2,$V,gaoling,rural,2024-03,$B1,1,1,100.00,85,F,区级财政,"
	echo "g.csv,3,$V,gaoling,rural,2024-03,$B2,1,1,100.00,85,F,慈善捐赠,"
	echo "g.csv,4,410103001009,gaoling,rural,2024-03,$B3,1,1,100.00,85,F,区级财政,"
	echo "g.csv,5,350212001999,gaoling,rural,2024-03,$B4,1,1,100.00,85,F,区级财政,"
	echo "g.csv,6,$V,gaoling,rural,2024-04,$B1,1,1,60000.00,85,F,区级财政,"
	echo "g.csv,7,$V,no_such_program,rural,2024-05,$B1,1,1,100.00,85,F,区级财政,"
	echo "g.csv,8,$V,dibao_rural,rural,2024-05,$B2,2,3,100.00,85,F,区级财政,"
	echo "g.csv,9,$V,dibao_rural,rural,2024-06,$B2,3,3,100.00,85,F,区级财政,"
} | gzip -c >"$TMP/g.csv.gz"
expect_exit 0 "generic rules" "$BIN/rs-validate" -q --period 2024 --rules "$TMP/generic.yaml" -o "$TMP/gv.csv.gz" -r "$TMP/gr.csv.gz" "$TMP/g.csv.gz"
got=$(zcat "$TMP/gr.csv.gz" | awk -F, 'NR > 1 {printf "%s:%s ", $2, $3}')
want="3:missing_field 4:unknown_region 5:unknown_region 6:bad_amount 7:unknown_program 8:persons_out_of_range "
[ "$got" = "$want" ] && ok "field and compare rules reject what they declare" || fail "field and compare rules reject what they declare" "got $got" "want $want"
[ "$(zcat "$TMP/gv.csv.gz" | cut -d, -f2 | tail -n +2 | tr '\n' ' ')" = "2 9 " ] && ok "rows passing every rule stay valid" || fail "rows passing every rule stay valid"
zcat "$TMP/gr.csv.gz" | grep -q "funding_known: funding '慈善捐赠' is not one of the allowed values; 资金来源须为区、市、省级财政之一" &&
	ok "the reject says which rule, which value, and the rule's message" || fail "the reject says which rule, which value, and the rule's message" "$(zcat "$TMP/gr.csv.gz" | sed -n 2p)"
printf 'rules:\n  - name: x\n    check: field\n    field: nosuch\n' >"$TMP/bad2.yaml"
expect_exit 2 "a rule on an unknown column is a configuration error" "$BIN/rs-validate" --period 2024 --rules "$TMP/bad2.yaml" -o "$TMP/v.csv.gz" "$TMP/g.csv.gz"
grep -q "bad2.yaml':4:12" "$TMP/.err" && ok "...naming line and column" || fail "...naming line and column" "$(cat "$TMP/.err")"

# One beneficiary paid three programs in one month: the third program's
# repeat is still a duplicate (the overflow path of the cross-row state).
{
	echo "source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode"
	for l in 2:gaoling 3:disab_living 4:disab_care 5:disab_care 6:disab_living 7:gaoling 8:tekun 9:dibao_urban; do
		echo "m.csv,${l%%:*},$V,${l#*:},urban,2024-03,$B1,3,1,100.00,85,F,区级财政,"
	done
} | gzip -c >"$TMP/m.csv.gz"
"$BIN/rs-validate" -q --period 2024 --rules "$TMP/rules.yaml" --catalog "$R/programs.yaml" --catalog "$R/programs-local.yaml" --catalog "$TMP/local.yaml" -o "$TMP/mv.csv.gz" -r "$TMP/mr.csv.gz" "$TMP/m.csv.gz"
got=$(zcat "$TMP/mr.csv.gz" | awk -F, 'NR > 1 {printf "%s:%s ", $2, $3}')
[ "$got" = "5:duplicate_payment 6:duplicate_payment 7:duplicate_payment 9:conflicting_programs " ] &&
	ok "duplicates of a 1st, 2nd and 3rd program in one month; 低保 after 特困 conflicts" || fail "duplicates of a 1st, 2nd and 3rd program in one month" "got $got"
