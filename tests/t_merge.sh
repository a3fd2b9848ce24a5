#!/bin/bash
# rs-merge: k-way merge of sorted aggregate files (README "The aggregate
# file"). Small aggregates are written by hand, merged, and compared with
# the expected bytes; then the contract with rs-aggregate: merging the
# aggregates of a split equals aggregating everything at once, byte for byte.
. "$(dirname "$0")/lib.sh"

M=$BIN/rs-merge
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
V=350212001002
W=350212001003

# --- command line -----------------------------------------------------------
expect_exit 0 "--help exits 0" "$M" --help
grep -q "usage: rs-merge" "$TMP/.out" && grep -q "Exit status" "$TMP/.out" &&
	ok "--help gives usage and exit codes" || fail "--help gives usage and exit codes"
expect_exit 0 "--version exits 0" "$M" --version
grep -q "^rs-merge [0-9]" "$TMP/.out" && ok "--version prints the version" || fail "--version prints the version"
expect_exit 2 "an unknown option exits 2" "$M" --bogus -o "$TMP/x.csv.gz" "$TMP/a.csv.gz"
grep -q "^rs-merge: unknown option '--bogus'" "$TMP/.err" && ok "the bad option is named" ||
	fail "the bad option is named" "$(cat "$TMP/.err")"
expect_exit 2 "missing -o exits 2" "$M" "$TMP/a.csv.gz"
expect_exit 2 "no input files exits 2" "$M" -o "$TMP/x.csv.gz"
expect_exit 2 "-o without a value exits 2" "$M" -o

# --- two inputs with overlapping keys ----------------------------------------
# a and b share three keys: the first dibao_urban month (amounts 1500.00 +
# 0.10), a funding label holding a comma and a quote, and a negative
# correction that nets to -2.00. sex/age come from the first input (a).
{ echo "$H"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,linshi,rural,2024-03,\"区级,\"\"专项\"\"\",,$(b 2),F,30,1,1,200.05"
  echo "$V,linshi,rural,2024-04,,,$(b 2),F,30,1,1,-5.00"
  echo "$W,gaoling,rural,2024-01,,,$(b 9),F,85,1,1,100.00"
} | gzip -n >"$TMP/a.csv.gz"
{ echo "$H"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),F,41,1,3,0.10"
  echo "$V,dibao_urban,urban,2024-03,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,linshi,rural,2024-03,\"区级,\"\"专项\"\"\",,$(b 2),F,30,2,2,100.00"
  echo "$V,linshi,rural,2024-03,\"区级,\"\"专项\"\"\",,$(b 3),F,30,1,1,99999999999.99"
  echo "$V,linshi,rural,2024-04,,,$(b 2),F,30,0,0,3.00"
} | gzip -n >"$TMP/b.csv.gz"
{ echo "$H"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,2,6,1500.10"
  echo "$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-03,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,linshi,rural,2024-03,\"区级,\"\"专项\"\"\",,$(b 2),F,30,3,3,300.05"
  echo "$V,linshi,rural,2024-03,\"区级,\"\"专项\"\"\",,$(b 3),F,30,1,1,99999999999.99"
  echo "$V,linshi,rural,2024-04,,,$(b 2),F,30,1,1,-2.00"
  echo "$W,gaoling,rural,2024-01,,,$(b 9),F,85,1,1,100.00"
} >"$TMP/ab.expected"

expect_exit 0 "two inputs merge" "$M" -o "$TMP/ab.csv.gz" --summary "$TMP/ab.json" "$TMP/a.csv.gz" "$TMP/b.csv.gz"
gzip -t "$TMP/ab.csv.gz" 2>/dev/null && ok "the output is gzip" || fail "the output is gzip"
if zcat "$TMP/ab.csv.gz" | cmp -s - "$TMP/ab.expected"; then ok "merged rows are exactly the expected bytes"; else
	fail "merged rows are exactly the expected bytes" "$(zcat "$TMP/ab.csv.gz" | diff "$TMP/ab.expected" - | head -10)"
fi
grep -q 'rows_read":10,"rows_written":7' "$TMP/ab.json" && grep -q '"stage":"merge"' "$TMP/ab.json" &&
	ok "the summary counts rows read and written" || fail "the summary counts rows read and written" "$(cat "$TMP/ab.json")"
grep -q "10 rows read, 7 rows written" "$TMP/.err" && ok "stderr reports the counts" ||
	fail "stderr reports the counts" "$(cat "$TMP/.err")"

# --- algebra: a single input, order, grouping -------------------------------
expect_exit 0 "a single input merges" "$M" -o "$TMP/a1.csv.gz" "$TMP/a.csv.gz"
cmp -s <(zcat "$TMP/a.csv.gz") <(zcat "$TMP/a1.csv.gz") && ok "a single input merges to itself" ||
	fail "a single input merges to itself"
expect_exit 0 "merging a merge" "$M" -o "$TMP/ab2.csv.gz" "$TMP/ab.csv.gz"
cmp -s "$TMP/ab.csv.gz" "$TMP/ab2.csv.gz" && ok "merging a merged file gives the same gzip bytes" ||
	fail "merging a merged file gives the same gzip bytes"
{ echo "$H"; echo "$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,1,3,0.01"; echo "$W,gaoling,rural,2024-02,,,$(b 9),F,85,1,1,100.00"; } |
	gzip -n >"$TMP/c.csv.gz"
"$M" -q -o "$TMP/abc.csv.gz" "$TMP/a.csv.gz" "$TMP/b.csv.gz" "$TMP/c.csv.gz"
"$M" -q -o "$TMP/ab_c.csv.gz" "$TMP/ab.csv.gz" "$TMP/c.csv.gz"
"$M" -q -o "$TMP/cb_a.csv.gz" "$TMP/c.csv.gz" "$TMP/b.csv.gz" "$TMP/a.csv.gz"
cmp -s "$TMP/abc.csv.gz" "$TMP/ab_c.csv.gz" && ok "merge(a,b,c) = merge(merge(a,b),c)" || fail "merge(a,b,c) = merge(merge(a,b),c)"
# In another order only sex/age of a shared key may differ (they come from the first input).
cmp -s <(zcat "$TMP/abc.csv.gz" | cut -d, -f1-7,10-) <(zcat "$TMP/cb_a.csv.gz" | cut -d, -f1-7,10-) &&
	ok "input order changes no key and no sum" || fail "input order changes no key and no sum"
zcat "$TMP/abc.csv.gz" | grep -q "^$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,2,6,1500.01\$" &&
	ok "a third input adds exactly (1500.00 + 0.01)" || fail "a third input adds exactly (1500.00 + 0.01)"

# --- refusals -----------------------------------------------------------------
{ echo "$H"
  echo "$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
} | gzip -n >"$TMP/unsorted.csv.gz"
rm -f "$TMP/x.csv.gz"
expect_exit 1 "an out-of-order input exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/a.csv.gz" "$TMP/unsorted.csv.gz"
grep -q "out of order in '.*unsorted.csv.gz' at line 3" "$TMP/.err" && ok "the error names the file and line" ||
	fail "the error names the file and line" "$(cat "$TMP/.err")"
[ ! -e "$TMP/x.csv.gz" ] && ok "no output is left after a failure" || fail "no output is left after a failure"
ls -a "$TMP" | grep -q '\.tmp\.' && fail "no temporary file is left" || ok "no temporary file is left"

{ echo "$H"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
} | gzip -n >"$TMP/dup.csv.gz"
expect_exit 1 "a key repeated inside one input exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/dup.csv.gz"
grep -q "duplicate key in '.*dup.csv.gz' at line 3" "$TMP/.err" && ok "the duplicate is named with its line" ||
	fail "the duplicate is named with its line" "$(cat "$TMP/.err")"

expect_exit 1 "a missing input exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/a.csv.gz" "$TMP/none.csv.gz"
grep -q "none.csv.gz" "$TMP/.err" && ok "the missing file is named" || fail "the missing file is named"

printf 'region_code,program,area\n' | gzip -n >"$TMP/hdr.csv.gz"
expect_exit 1 "a wrong header exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/hdr.csv.gz"
grep -q "wrong header in '.*hdr.csv.gz' at line 1" "$TMP/.err" && ok "the wrong header is named" ||
	fail "the wrong header is named" "$(cat "$TMP/.err")"

{ echo "$H"; echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,12.345"; } | gzip -n >"$TMP/prec.csv.gz"
expect_exit 1 "an amount finer than a fen exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/prec.csv.gz"
grep -q "bad amount '12.345' in '.*prec.csv.gz' at line 2" "$TMP/.err" && ok "the bad amount is named" ||
	fail "the bad amount is named" "$(cat "$TMP/.err")"

{ echo "$H"; echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3"; } | gzip -n >"$TMP/short.csv.gz"
expect_exit 1 "a short row exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/short.csv.gz"

printf '%s\n%s\n' "$H" "$V,dibao_urban,urban,2024-01,\"open,,,,,,,," | gzip -n >"$TMP/quote.csv.gz"
expect_exit 1 "an unterminated quote exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/quote.csv.gz"

zcat "$TMP/a.csv.gz" | gzip -n | head -c 60 >"$TMP/trunc.csv.gz"
expect_exit 1 "a truncated gzip input exits 1" "$M" -o "$TMP/x.csv.gz" "$TMP/trunc.csv.gz"

expect_exit 2 "the same input twice exits 2" "$M" -o "$TMP/x.csv.gz" "$TMP/a.csv.gz" "$TMP/b.csv.gz" "$TMP/./a.csv.gz"

# Plain (uncompressed) input and output work too.
zcat "$TMP/a.csv.gz" >"$TMP/a.csv"
expect_exit 0 "plain CSV in and out" "$M" -o "$TMP/a-plain.csv" "$TMP/a.csv"
cmp -s "$TMP/a.csv" "$TMP/a-plain.csv" && ok "a plain output is not compressed" || fail "a plain output is not compressed"

# --- the contract with rs-aggregate -----------------------------------------
# Canonical records split in two; the same key (beneficiary 1, 2024-01)
# appears in both halves. merge(aggregate(x), aggregate(y)) must be the very
# file aggregate(x + y) writes.
if [ -x "$BIN/rs-aggregate" ]; then
	RH='source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode'
	r1="s.csv,2,$V,dibao_urban,urban,2024-01,$(b 1),3,3,1500.00,40,M,中央,"
	r2="s.csv,3,$V,dibao_urban,urban,2024-02,$(b 1),3,3,1500.00,40,M,中央,"
	r3="s.csv,4,$W,tekun_dispersed,rural,2024-01,$(b 4),1,1,900.00,70,F,,分散"
	r4="t.csv,2,$V,dibao_urban,urban,2024-01,$(b 1),3,3,250.50,40,M,中央,"
	r5="t.csv,3,$V,linshi,urban,2024-05,$(b 7),2,2,1000.00,33,F,\"市级,临时\","
	printf '%s\n' "$RH" "$r1" "$r2" "$r3" | gzip -n >"$TMP/x.rec.csv.gz"
	printf '%s\n' "$RH" "$r4" "$r5" | gzip -n >"$TMP/y.rec.csv.gz"
	printf '%s\n' "$RH" "$r1" "$r2" "$r3" "$r4" "$r5" | gzip -n >"$TMP/xy.rec.csv.gz"
	if "$BIN/rs-aggregate" -q -o "$TMP/x.agg.csv.gz" "$TMP/x.rec.csv.gz" 2>"$TMP/.err" &&
	   "$BIN/rs-aggregate" -q -o "$TMP/y.agg.csv.gz" "$TMP/y.rec.csv.gz" 2>>"$TMP/.err" &&
	   "$BIN/rs-aggregate" -q -o "$TMP/xy.agg.csv.gz" "$TMP/xy.rec.csv.gz" 2>>"$TMP/.err"; then
		expect_exit 0 "merging two aggregates" "$M" -q -o "$TMP/xy.merged.csv.gz" "$TMP/x.agg.csv.gz" "$TMP/y.agg.csv.gz"
		cmp -s "$TMP/xy.merged.csv.gz" "$TMP/xy.agg.csv.gz" &&
			ok "merge of a split = aggregate of the whole, gzip byte for byte" ||
			fail "merge of a split = aggregate of the whole, gzip byte for byte" \
				"$(diff <(zcat "$TMP/xy.agg.csv.gz") <(zcat "$TMP/xy.merged.csv.gz") | head -6)"
		zcat "$TMP/xy.merged.csv.gz" | grep -q ",2,6,1750.50\$" && ok "the shared key is combined (1500.00 + 250.50)" ||
			fail "the shared key is combined (1500.00 + 250.50)" "$(zcat "$TMP/xy.merged.csv.gz")"
		"$M" -q -o "$TMP/yx.merged.csv.gz" "$TMP/y.agg.csv.gz" "$TMP/x.agg.csv.gz"
		cmp -s "$TMP/yx.merged.csv.gz" "$TMP/xy.agg.csv.gz" && ok "in either order" || fail "in either order"
	else
		fail "rs-aggregate runs on hand-made records" "$(cat "$TMP/.err")"
	fi
fi

# A NUL byte inside a field is refused with the file and line (a C-string
# reader would otherwise cut the field short).
{ echo 'region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
  printf '350212001002,dibao_urban,urban,2024-01,区\0级,,0123456789abcdef0123456789abcdef,F,40,1,1,100.00\n'
} | gzip -n >"$TMP/nul.agg.csv.gz"
"$BIN/rs-merge" -q -o "$TMP/nul.merged.csv.gz" "$TMP/nul.agg.csv.gz" 2>"$TMP/nul.err"; rc=$?
[ "$rc" = 1 ] && grep -q "NUL byte in '.*nul.agg.csv.gz' at line 2" "$TMP/nul.err" && [ ! -e "$TMP/nul.merged.csv.gz" ] &&
	ok "a NUL byte in an aggregate is an error naming file and line, and nothing is written" ||
	fail "a NUL byte in an aggregate is an error naming file and line, and nothing is written" "exit $rc: $(cat "$TMP/nul.err")"
