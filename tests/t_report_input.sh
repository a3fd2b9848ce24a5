#!/bin/bash
# rs-report: how it reads an aggregate file's rows. rs-aggregate writes
# periods as YYYY-MM, counts as plain digits, amounts with two decimals
# and pseudonyms in lowercase hex, and rs-report reads those forms by fast
# paths; any other spelling its parsers accept must give the same tables,
# and a bad row must still be named by its own line, however many rows
# before it wait for their beneficiary's id (accum.c's ring).
. "$(dirname "$0")/lib.sh"

R=$BIN/rs-report
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
B() { printf '%032X' "$1"; }
U=350212001002   # 同安区 大同街道 同新社区
V=350212105201   # 同安区, another township

# --- the same figures, spelled two ways ----------------------------------------
# canonical: as rs-aggregate writes them; 30 people in two months, so the
# ring fills and drains, and runs of rows share a key.
{ echo "$H"
  for m in 01 02; do
	for i in $(seq 1 30); do
		echo "$U,dibao_urban,urban,2024-$m,区级财政,,$(b $((i * 4099))),F,$((i + 50)),1,$((i % 4 + 1)),$((i * 10 + 700)).50"
	done
	echo "$V,tekun,rural,2024-$m,\"区级,专项\",集中,$(b 77),M,81,1,1,1292.60"
	echo "$V,tekun,rural,2024-$m,\"区级,专项\",分散,$(b 78),M,7,1,2,1292.60"
  done
} | gzip -n >"$TMP/canon.csv.gz"
# other spellings the parsers take: 2024/01, 2024.02; 0-padded counts and
# ages; amounts with a sign, a thousands separator, one or three decimals;
# pseudonyms in uppercase (the same people).
{ echo "$H"
  for m in /01 .02; do
	for i in $(seq 1 30); do
		a=$((i * 10 + 700)).50
		case $((i % 4)) in
		0) a="+$a" ;; 1) a="${a}0" ;; 2) a="\"$((i * 10 + 700)).5\"" ;;
		esac
		echo "$U,dibao_urban,urban,2024$m,区级财政,,$(B $((i * 4099))),F,0$((i + 50)),01,0$((i % 4 + 1)),$a"
	done
	echo "$V,tekun,rural,2024$m,\"区级,专项\",集中,$(B 77),M,081,1,1,\"1,292.6\""
	echo "$V,tekun,rural,2024$m,\"区级,专项\",分散,$(b 78),M,7,1,2,1292.600"
  done
} | gzip -n >"$TMP/other.csv.gz"

expect_exit 0 "a report of the canonical spellings" "$R" -q -o "$TMP/c" "$TMP/canon.csv.gz"
expect_exit 0 "a report of other spellings" "$R" -q -o "$TMP/o" "$TMP/other.csv.gz"
diff -r "$TMP/c" "$TMP/o" >"$TMP/.diff" 2>&1 && ok "other spellings give byte-identical tables" ||
	fail "other spellings give byte-identical tables" "$(head -5 "$TMP/.diff")"
grep -q "^城市最低生活保障,城市,150,60,[0-9]*,30," "$TMP/c/internal/programs.csv" &&
	ok "30 people twice: 保障户数 30, 人次 150" ||
	fail "30 people twice: 保障户数 30, 人次 150" "$(grep 城市最低 "$TMP/c/internal/programs.csv")"

# --- a bad row is named by its line ---------------------------------------------
# Each case: 25 good rows (lines 2-26, enough to fill the ring), then the
# bad row at line 27, then a good one.
bad_case() {   # NAME BAD-ROW MESSAGE-PATTERN
	{ echo "$H"
	  for i in $(seq 1 25); do
		echo "$U,dibao_urban,urban,2024-01,,,$(b $i),M,50,1,1,750.00"
	  done
	  echo "$2"
	  echo "$U,dibao_urban,urban,2024-01,,,$(b 99),M,50,1,1,750.00"
	} | gzip -n >"$TMP/bad.csv.gz"
	expect_exit 1 "$1 exits 1" "$R" -q -o "$TMP/x" "$TMP/bad.csv.gz"
	grep -q "$3.* at line 27" "$TMP/.err" && ok "$1 is named at its line" ||
		fail "$1 is named at its line" "$(cat "$TMP/.err")"
}
bad_case "a period of month 13" "$U,dibao_urban,urban,2024-13,,,$(b 30),M,50,1,1,750.00" "bad period '2024-13'"
bad_case "a period of 8 characters" "$U,dibao_urban,urban,2024-01x,,,$(b 30),M,50,1,1,750.00" "bad period"
bad_case "a pseudonym with a 'g'" "$U,dibao_urban,urban,2024-01,,,$(b 30 | sed 's/.$/g/'),M,50,1,1,750.00" "bad beneficiary"
bad_case "a pseudonym of 31 digits" "$U,dibao_urban,urban,2024-01,,,$(b 30 | cut -c2-),M,50,1,1,750.00" "bad beneficiary"
bad_case "a pseudonym with a byte above 0x7f" "$U,dibao_urban,urban,2024-01,,,$(b 30 | sed 's/^../é/'),M,50,1,1,750.00" "bad beneficiary"
bad_case "an empty program" "$U,,urban,2024-01,,,$(b 30),M,50,1,1,750.00" "empty program"
bad_case "payments of 1.5" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1.5,1,750.00" "bad payments '1.5'"
bad_case "persons of 19 digits" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1,1234567890123456789,750.00" "bad persons"
bad_case "an amount finer than a fen" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1,1,750.001" "bad amount '750.001'"
bad_case "an amount of two points" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1,1,7.50.00" "bad amount"
bad_case "a row of 11 fields" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1,1" "wrong number of fields"
# The same key as the rows before it, so answered from the last row's.
bad_case "a bad amount in a run of one key" "$U,dibao_urban,urban,2024-01,,,$(b 30),M,50,1,1,x" "bad amount 'x'"
