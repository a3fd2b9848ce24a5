#!/bin/bash
# tests/t_reliab.sh - what issue 26's torture run found, each held by a
# check: amounts bounded per payment and sums that never wrap, empty or
# headerless intermediates refused, and the smaller message fixes.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/map.yaml" <<'EOF'
encoding: utf-8
columns:
  region_code: 行政区划代码
  id: 身份证号码
  program: 救助类别
  area: 城乡属性
  household_size: 家庭人口
  persons: 保障人数
  period: 发放年月
  amount: 发放金额（元）
EOF
H='行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）'

# --- item 2: a plausible ceiling per payment -----------------------------
printf '%s\n%s\n%s\n' "$H" \
	'350212110205,350212195803023775,城市低保,城镇,2,2,2024-01,1000000.01' \
	'350212110205,350212195803023775,城市低保,城镇,2,2,2024-02,1000000.00' >"$TMP/amt.csv"
expect_exit 0 "an amount above the ceiling: rs-ingest exits 0 (a reject)" "$BIN/rs-ingest" -q -m "$TMP/map.yaml" -k "$KEY" \
	-o "$TMP/amt.csv.gz" -r "$TMP/amt.rej.gz" -s "$TMP/amt.json" "$TMP/amt.csv"
zcat "$TMP/amt.rej.gz" | grep -q "bad_amount,amount,amount '1000000.01' is above the ceiling of 1000000.00 yuan a payment (--max-amount)" &&
	[ "$(zcat "$TMP/amt.csv.gz" | wc -l)" = 2 ] &&
	ok "1000000.01 yuan is bad_amount naming the ceiling and --max-amount; 1000000.00 passes" ||
	fail "1000000.01 yuan is bad_amount naming the ceiling" "$(zcat "$TMP/amt.rej.gz")"
expect_exit 0 "--max-amount 5000000 lets it through" "$BIN/rs-ingest" -q -m "$TMP/map.yaml" -k "$KEY" \
	--max-amount 5000000 -o "$TMP/amt.csv.gz" -r "$TMP/amt.rej.gz" -s "$TMP/amt.json" "$TMP/amt.csv"
[ "$(zcat "$TMP/amt.csv.gz" | wc -l)" = 3 ] && ok "  ... both rows are records" || fail "  ... both rows are records"
expect_exit 2 "--max-amount abc: exit 2" "$BIN/rs-ingest" -q -m "$TMP/map.yaml" -k "$KEY" \
	--max-amount abc -o "$TMP/amt.csv.gz" "$TMP/amt.csv"
grep -q "max-amount 'abc' is not a positive amount" "$TMP/.err" && ok "  ... and says why" || fail "  ... and says why" "$(cat "$TMP/.err")"
