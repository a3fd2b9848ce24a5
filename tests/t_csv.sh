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
rows = [json.loads(l.split(' ', 1)[1].lstrip('EUL')) for l in open(sys.argv[1], encoding='utf-8')]
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

# An unterminated quote at the end of the file is a flagged record.
printf 'a,b\n1,2\n3,"open\nmore\n' >"$TMP/open.csv"
"$BIN/rs-csvdump" "$TMP/open.csv" | tail -1 | grep -q '^3 U' && ok "unterminated quote is flagged, not dropped" ||
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
