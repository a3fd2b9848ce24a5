#!/bin/bash
# The CSV reader (common/csvin over libcsv): csv-spectrum, physical line
# numbers, and flagged (never dropped) bad records.
. "$(dirname "$0")/lib.sh"

spectrum=$SHARED/external/csv-spectrum
if [ ! -d "$spectrum" ]; then
	fail "csv-spectrum present" "missing $spectrum (../shared beside the repository)"
	exit 0
fi
for csvf in "$spectrum"/csvs/*.csv; do
	name=$(basename "$csvf" .csv)
	"$BIN/rs-csvdump" "$csvf" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	if [ $rc != 0 ]; then fail "csv-spectrum $name" "exit $rc: $(cat "$TMP/$name.err")"; continue; fi
	if python3 - "$TMP/$name.out" "$spectrum/json/$name.json" <<'PY'
import json, sys
rows = [json.loads(l.split(' ', 1)[1].lstrip('EULN')) for l in open(sys.argv[1], encoding='utf-8')]
want = json.load(open(sys.argv[2], encoding='utf-8'))
hdr, data = (rows[0], rows[1:]) if rows else ([], [])
got = [dict(zip(hdr, r)) for r in data]
sys.exit(0 if got == want and all(len(r) == len(hdr) for r in data) else 1)
PY
	then ok "csv-spectrum $name reads as json/$name.json"
	else fail "csv-spectrum $name reads as json/$name.json" "$(head -5 "$TMP/$name.out")"; fi
done

# Physical line numbers: a quoted field with two newlines does not shift
# the lines of later records.
printf 'a,b\n1,"x\ny\nz"\n2,w\n\n3,v\n' >"$TMP/lines.csv"
"$BIN/rs-csvdump" "$TMP/lines.csv" | cut -d' ' -f1 | tr '\n' ' ' >"$TMP/lines.out"
[ "$(cat "$TMP/lines.out")" = "1 2 5 7 " ] && ok "records keep their physical start line" ||
	fail "records keep their physical start line" "got $(cat "$TMP/lines.out"), want 1 2 5 7"

# An unterminated quote at the end of the file is a flagged record: the
# line where it opened; the lines after it are read again as records.
printf 'a,b\n1,2\n3,"open\nmore\n' >"$TMP/open.csv"
[ "$("$BIN/rs-csvdump" "$TMP/open.csv" | tail -2 | tr '\n' ' ')" = '3 U[] 4 ["more"] ' ] &&
	ok "unterminated quote is flagged on its line, not dropped; the next line is a record" ||
	fail "unterminated quote is flagged, not dropped" "$("$BIN/rs-csvdump" "$TMP/open.csv")"

# Invalid UTF-8 and a NUL byte flag their record only.
printf 'a,b\n1,\xff\xfe\n2,ok\n3,x\0y\n' >"$TMP/bad.csv"
got=$("$BIN/rs-csvdump" "$TMP/bad.csv" utf-8 | cut -c1-3 | tr '\n' ' ')
[ "$got" = '1 [ 2 E 3 [ 4 E ' ] && ok "bad bytes flag their own record only" || fail "bad bytes flag their own record only" "got '$got'"

# GB18030 is converted; a truncated double-byte sequence is flagged.
printf 'a,b\n1,\xb2\xe2\xca\xd4\n2,\xb2\n' >"$TMP/gb.csv"
got=$("$BIN/rs-csvdump" "$TMP/gb.csv" gb18030)
printf '%s\n' "$got" | grep -q '^2 \["1","测试"\]' && printf '%s\n' "$got" | grep -q '^3 E' &&
	ok "GB18030 converts to UTF-8, invalid bytes flagged" || fail "GB18030 converts to UTF-8, invalid bytes flagged" "$got"

# A gzip file reads like the plain one; a truncated one is an error naming it.
gzip -c "$spectrum/csvs/simple.csv" >"$TMP/simple.csv.gz"
cmp -s <("$BIN/rs-csvdump" "$TMP/simple.csv.gz") <("$BIN/rs-csvdump" "$spectrum/csvs/simple.csv") &&
	ok "gzip input reads as the plain file" || fail "gzip input reads as the plain file"
seq 1 20000 | sed 's/$/,abc/' | gzip -c >"$TMP/big.csv.gz"
head -c 20000 "$TMP/big.csv.gz" >"$TMP/cut.csv.gz"
"$BIN/rs-csvdump" "$TMP/cut.csv.gz" >/dev/null 2>"$TMP/cut.err"
rc=$?
[ $rc = 1 ] && grep -q "cut.csv.gz' is truncated" "$TMP/cut.err" && ok "truncated gzip: exit 1 naming the file" ||
	fail "truncated gzip: exit 1 naming the file" "exit $rc: $(cat "$TMP/cut.err")"

# Blocks (common/csvscan.c): the input is read in blocks that end where a
# read ends, and lines the scanning thread splits skip libcsv. Read in
# blocks of 1 to 7 bytes, every record crosses block ends, every kind of
# line (split, quoted, multi-line, CRLF, a CR cut from its LF, CJK cut
# mid-character, bad bytes, blank lines, a BOM, no final newline) meets
# one: each reading must equal the one in a single block, raw text too.
{
	printf '\xef\xbb\xbfid,name,note\r\n'
	printf '1,张三,plain\n2,"李,四","quoted, comma"\n3,王五,"two\nlines"\r\n'
	printf '\n4,x\ry,bare cr\n5,\xff,bad byte\n6,"open ""q""",end\n'
	for i in $(seq 7 60); do printf '%d,社会救助%d,a\r\n' "$i" "$i"; done
	printf '61,last,no newline'
} >"$TMP/blocks.csv"
gzip -c "$TMP/blocks.csv" >"$TMP/blocks.csv.gz"
# (utf-8 named: an encoding left to detect reads 256 KiB first.)
RS_CSVDUMP_RAW=1 "$BIN/rs-csvdump" "$TMP/blocks.csv" utf-8 >"$TMP/blocks.one"
bad=
for bs in 1 2 3 5 7 64; do
	for f in blocks.csv blocks.csv.gz; do
		RS_CSVDUMP_RAW=1 RS_CSV_BLOCK=$bs "$BIN/rs-csvdump" "$TMP/$f" utf-8 >"$TMP/blocks.$bs" 2>&1 &&
			cmp -s "$TMP/blocks.one" "$TMP/blocks.$bs" || bad="$bad $f@$bs"
	done
done
# 63 records: the bare CR ends one inside line 7 (libcsv's reading).
[ "$(wc -l <"$TMP/blocks.one")" = 63 ] && [ -z "$bad" ] &&
	ok "records read the same in blocks of 1 to 64 bytes as in one (63 records)" ||
	fail "records read the same in blocks of 1 to 64 bytes as in one (63 records)" \
		"$(wc -l <"$TMP/blocks.one") records; differ:$bad"
bad=
for csvf in "$spectrum"/csvs/*.csv; do
	RS_CSV_BLOCK=3 "$BIN/rs-csvdump" "$csvf" utf-8 | cmp -s - "$TMP/$(basename "$csvf" .csv).out" || bad="$bad $(basename "$csvf")"
done
[ -z "$bad" ] && ok "csv-spectrum reads the same in 3-byte blocks" ||
	fail "csv-spectrum reads the same in 3-byte blocks" "differ:$bad"

# An overlong line (past max_record) keeps the same first bytes as its raw
# text, and the same flags, however blocks cut it: here 300-byte lines
# against a limit of 100, plain and CJK (whose head must not end inside a
# character), read whole and in blocks of 1 to 64 bytes.
{
	printf 'a,b\n1,%s\n' "$(printf 'x%.0s' $(seq 300))"
	printf '2,%s\n3,ok\n' "$(printf '张%.0s' $(seq 100))"
} >"$TMP/long.csv"
RS_CSV_MAX_RECORD=100 RS_CSVDUMP_RAW=1 "$BIN/rs-csvdump" "$TMP/long.csv" utf-8 >"$TMP/long.one"
bad=
for bs in 1 5 7 64; do
	RS_CSV_MAX_RECORD=100 RS_CSVDUMP_RAW=1 RS_CSV_BLOCK=$bs "$BIN/rs-csvdump" "$TMP/long.csv" utf-8 |
		cmp -s - "$TMP/long.one" || bad="$bad $bs"
done
grep -c '^[23] L\[\] raw "' "$TMP/long.one" | grep -qx 2 && ! grep -q 'E\|\\ufffd' "$TMP/long.one" &&
	[ -z "$bad" ] && ok "overlong lines: the same raw head and flags in blocks of 1 to 64 bytes" ||
	fail "overlong lines: the same raw head and flags in blocks of 1 to 64 bytes" \
		"differ in blocks of:$bad; $(cut -c1-60 "$TMP/long.one")"
