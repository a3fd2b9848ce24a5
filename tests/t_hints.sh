#!/bin/bash
# tests/t_hints.sh - an awkwardly made export gets a message that names the
# likely fix, or is read when the reading is unambiguous: a UTF-8 file with
# a stray byte, spreadsheet day numbers, currency signs, spaced IDs, a
# trailing delimiter, a mapping lacking a column, a missing export.
. "$(dirname "$0")/lib.sh"
export RS_TODAY=20261122
AIMIN=$ROOT/samples/exports/aimin-2024.csv
ERQI=$ROOT/samples/exports/erqi-2024.csv
MAPS=$ROOT/samples/mappings
ing() { "$BIN/rs-ingest" -k "$KEY" "$@"; }
# has NAME FILE TEXT: FILE holds TEXT (fixed string)
has() { if grep -qF -- "$3" "$2"; then ok "$1"; else fail "$1" "no '$3' in $2:" "$(head -c 600 "$2")"; fi; }

# 1. A UTF-8 export with one Latin-1 byte in a name on line 3 is read as
# UTF-8 (encoding: auto), that row alone rejected, named by line:column.
python3 - "$AIMIN" "$TMP/stray.csv" <<'P'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:300]
f = lines[2].split(b','); f[4] += b'\xe9'; lines[2] = b','.join(f)
open(sys.argv[2], 'wb').write(b'\n'.join(lines) + b'\n')
P
sed 's/^encoding: .*/encoding: auto/' "$MAPS/aimin.yaml" >"$TMP/aimin-auto.yaml"
expect_exit 0 "a UTF-8 export with a stray byte is read" ing -m "$TMP/aimin-auto.yaml" \
	-o "$TMP/s.csv.gz" -r "$TMP/sr.csv.gz" -s "$TMP/s.json" "$TMP/stray.csv"
cp "$TMP/.err" "$TMP/stray.err"
zcat "$TMP/sr.csv.gz" >"$TMP/sr.csv"
n=$(grep -c ',bad_encoding,' "$TMP/sr.csv")
[ "$n" = 1 ] && ok "the stray byte's row alone is bad_encoding" || fail "the stray byte's row alone is bad_encoding" "$n rows"
has "the reject names line 3 and the byte's column" "$TMP/sr.csv" 'stray.csv,3,bad_encoding,,1 byte invalid in UTF-8 at 3:57'
has "stderr says the file is UTF-8 with 1 invalid byte" "$TMP/stray.err" "'stray.csv' is UTF-8 with 1 invalid byte, the first at 3:57"
if grep -q GB18030 "$TMP/stray.err"; then fail "no GB18030 hint for a UTF-8 file" "$(cat "$TMP/stray.err")"; else ok "no GB18030 hint for a UTF-8 file"; fi
"$BIN/rs-draft" "$TMP/stray.csv" >"$TMP/stray-draft.yaml" 2>/dev/null
has "rs-draft makes the same choice: encoding: utf-8" "$TMP/stray-draft.yaml" "encoding: utf-8"
# The GB18030 sample is still found to be GB18030 by auto.
sed 's/^encoding: .*/encoding: auto/' "$MAPS/erqi.yaml" >"$TMP/erqi-auto.yaml"
expect_exit 0 "auto still reads the GB18030 sample" ing -m "$TMP/erqi-auto.yaml" \
	-o "$TMP/e.csv.gz" -r "$TMP/er.csv.gz" -s "$TMP/e.json" "$ERQI"
grep -q '"records":5362' "$TMP/e.json" && ! zcat "$TMP/er.csv.gz" | grep -q bad_encoding &&
	ok "auto: erqi-2024 as GB18030, 5362 records, no bad_encoding" ||
	fail "auto: erqi-2024 as GB18030, 5362 records, no bad_encoding" "$(cat "$TMP/e.json")"

# 5. A trailing comma on every data line but not on the header: every row
# is malformed_line (a comma left unquoted in a field would make the same
# shape, so it is not dropped), and the stop names the trailing comma.
head -41 "$AIMIN" | awk 'NR == 1 { print; next } { print $0 "," }' >"$TMP/trail.csv"
expect_exit 1 "a trailing comma on every data line stops ingest" ing -m "$MAPS/aimin.yaml" \
	-o "$TMP/t.csv.gz" -r "$TMP/tr.csv.gz" "$TMP/trail.csv"
has "the stop says every data row has one more field: a trailing comma" "$TMP/.err" \
	"every data row has one more field than the header, and it is empty — a trailing comma at the end of each data line that the header (line 1) lacks: add a comma at the end of the header line"
sed '1s/$/,/' "$TMP/trail.csv" >"$TMP/trail2.csv"
expect_exit 0 "the fix it names (a comma on the header line) is read" ing -q -m "$MAPS/aimin.yaml" \
	-o "$TMP/t2.csv.gz" -r "$TMP/tr2.csv.gz" "$TMP/trail2.csv"

# 3. Amounts written with a currency sign or unit. ¥, ￥ and 元 in a column
# read in 元 are taken (SPEC section 3: they are numbers in 元); a 万元
# amount in a column read in 元, or ¥ in one read in 万元, is not taken
# either way, and the fix names amount_unit.
python3 - "$AIMIN" "$TMP" <<'P'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))[:41]
a = rows[0].index('发放金额（元）')
def write(name, marks, header=None):
    out = [header or rows[0]]
    for i, r in enumerate(rows[1:]):
        out.append(r[:a] + [marks[i % len(marks)](r[a])] + r[a + 1:])
    csv.writer(open(sys.argv[2] + '/' + name, 'w', encoding='utf-8', newline=''),
               lineterminator='\n').writerows(out)
write('yuan.csv', [lambda v: '¥' + v, lambda v: '￥' + v, lambda v: v + '元',
                   lambda v: '¥ 1,338.00', lambda v: '1338.00 元'])
write('plain.csv', [lambda v: v, lambda v: v, lambda v: v, lambda v: '1338.00', lambda v: '1338.00'])
write('wan.csv', [lambda v: '0.0120万元'])
h = list(rows[0]); h[a] = '发放金额（万元）'
write('wanyen.csv', [lambda v: '¥0.01'], h)
write('wanyenwan.csv', [lambda v: '¥0.0168万元'], h)
P
expect_exit 0 "amounts with ¥, ￥ or 元 are read" ing -q -m "$MAPS/aimin.yaml" -o "$TMP/y.csv.gz" -r "$TMP/yr.csv.gz" "$TMP/yuan.csv"
expect_exit 0 "the same amounts without the marks" ing -q -m "$MAPS/aimin.yaml" -o "$TMP/p.csv.gz" -r "$TMP/pr.csv.gz" "$TMP/plain.csv"
if [ -n "$(zcat "$TMP/y.csv.gz" | cut -d, -f10 | sed -n 2p)" ] &&
   [ "$(zcat "$TMP/y.csv.gz" | cut -d, -f3-)" = "$(zcat "$TMP/p.csv.gz" | cut -d, -f3-)" ]; then
	ok "¥/￥/元 amounts equal the plain ones, to the fen"
else fail "¥/￥/元 amounts equal the plain ones, to the fen" "$(zcat "$TMP/y.csv.gz" | head -3)"; fi
expect_exit 1 "0.0120万元 in a column read in 元 is not taken" ing -m "$MAPS/aimin.yaml" -o "$TMP/w.csv.gz" -r "$TMP/wr.csv.gz" "$TMP/wan.csv"
has "the stop names the 万元 and amount_unit" "$TMP/.err" "the amounts are written with 万元, but '$MAPS/aimin.yaml' reads the column in 元: if the whole column is in 万元, set \`amount_unit: 万元\`"
zcat "$TMP/wr.csv.gz" >"$TMP/wr.csv"
has "the reject says the amount is written in 万元" "$TMP/wr.csv" "amount '0.0120万元' is written in 万元, but the column is read in 元"
sed -e 's/amount_unit: 元/amount_unit: 万元/' -e 's/发放金额（元）/发放金额（万元）/' "$MAPS/aimin.yaml" >"$TMP/wan.yaml"
expect_exit 1 "¥ in a column read in 万元 is not taken" ing -m "$TMP/wan.yaml" -o "$TMP/v.csv.gz" -r "$TMP/vr.csv.gz" "$TMP/wanyen.csv"
has "the stop names the yuan sign and amount_unit: 元" "$TMP/.err" "the amounts are written with ¥, but '$TMP/wan.yaml' reads the column in 万元: if the whole column is in 元, set \`amount_unit: 元\`"
# ¥ and 万元 both, in a column read in 万元: the ¥ is what disagrees (the
# reject once said "written in 万元, but the column is read in 万元").
expect_exit 1 "¥…万元 in a column read in 万元 is not taken" ing -m "$TMP/wan.yaml" -o "$TMP/vw.csv.gz" -r "$TMP/vwr.csv.gz" "$TMP/wanyenwan.csv"
zcat "$TMP/vwr.csv.gz" >"$TMP/vwr.csv"
has "... the reject names the yuan sign, not 万元" "$TMP/vwr.csv" "amount '¥0.0168万元' is written in 元 (a yuan sign), but the column is read in 万元"

# 4. ID numbers with blanks in them (410103 19400104 0784, NBSP, U+3000,
# U+2002) are read as the ID without them: the same pseudonym. One that
# fails its check digit once the blanks are dropped stays bad_id, masked.
python3 - "$AIMIN" "$TMP" <<'P'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))[:41]
c = rows[0].index('身份证号码')
sp = [lambda d: d[:6] + ' ' + d[6:14] + ' ' + d[14:], lambda d: d[:6] + '\u00a0' + d[6:],
      lambda d: d[:6] + '\u3000' + d[6:14] + '\u3000' + d[14:], lambda d: '\u00a0' + d + '\u2002']
out = [rows[0]] + [r[:c] + [sp[i % 4](r[c])] + r[c + 1:] for i, r in enumerate(rows[1:])]
csv.writer(open(sys.argv[2] + '/spaced.csv', 'w', encoding='utf-8', newline=''), lineterminator='\n').writerows(out)
csv.writer(open(sys.argv[2] + '/unspaced.csv', 'w', encoding='utf-8', newline=''), lineterminator='\n').writerows(rows)
d = rows[1][c]; bad = d[:17] + ('0' if d[17] != '0' else '1')
r = rows[1][:c] + [bad[:6] + ' ' + bad[6:14] + ' ' + bad[14:]] + rows[1][c + 1:]
csv.writer(open(sys.argv[2] + '/spacedbad.csv', 'w', encoding='utf-8', newline=''), lineterminator='\n').writerows([rows[0], r] + rows[2:])
P
expect_exit 0 "IDs with spaces, NBSP or U+3000 inside are read" ing -q -m "$MAPS/aimin.yaml" -o "$TMP/sp.csv.gz" -r "$TMP/spr.csv.gz" "$TMP/spaced.csv"
expect_exit 0 "the same IDs without them" ing -q -m "$MAPS/aimin.yaml" -o "$TMP/us.csv.gz" -r "$TMP/usr.csv.gz" "$TMP/unspaced.csv"
if [ "$(zcat "$TMP/sp.csv.gz" | cut -d, -f3- | wc -l)" = 41 ] &&
   [ "$(zcat "$TMP/sp.csv.gz" | cut -d, -f3-)" = "$(zcat "$TMP/us.csv.gz" | cut -d, -f3-)" ]; then
	ok "a spaced ID has the pseudonym, age and sex of the ID without spaces"
else fail "a spaced ID has the pseudonym, age and sex of the ID without spaces" "$(zcat "$TMP/spr.csv.gz" | head -3)"; fi
ing -q -m "$MAPS/aimin.yaml" -o "$TMP/sb.csv.gz" -r "$TMP/sbr.csv.gz" "$TMP/spacedbad.csv"
zcat "$TMP/sbr.csv.gz" >"$TMP/sbr.csv"
has "a spaced ID with a wrong check digit stays bad_id" "$TMP/sbr.csv" "spacedbad.csv,2,bad_id,id,ID number wrong check digit"
if grep -q '19390525' "$TMP/sbr.csv"; then fail "the spaced ID is masked in the reject" "$(cat "$TMP/sbr.csv")"
else ok "the spaced ID is masked in the reject"; fi

# 2. A workbook whose 发放年月 cells are day numbers in General cells
# (45306): the stop names serial_dates, and with it the rows are read.
python3 - "$AIMIN" "$TMP/serial.csv" <<'P'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))[:41]
p = rows[0].index('发放年月')
out = [rows[0]] + [r[:p] + ['#45306'] + r[p + 1:] for r in rows[1:]]
csv.writer(open(sys.argv[2], 'w', encoding='utf-8', newline=''), lineterminator='\n').writerows(out)
P
python3 "$ROOT/tests/workbook/sheets.py" "$TMP/serial.xlsx" "1月=$TMP/serial.csv"
expect_exit 1 "day-number months stop ingest" ing -m "$MAPS/aimin.yaml" -o "$TMP/d.csv.gz" -r "$TMP/dr.csv.gz" "$TMP/serial.xlsx"
has "the stop suggests serial_dates: 1900 with the date" "$TMP/.err" "the months are spreadsheet day numbers (45306 is 2024-01-15 in Excel's usual system): add \`serial_dates: 1900\` to '$MAPS/aimin.yaml'"
zcat "$TMP/dr.csv.gz" >"$TMP/dr.csv"
has "the reject says it looks like a day number" "$TMP/dr.csv" "'45306' is not a month: it looks like a spreadsheet day number, 2024-01-15"
{ cat "$MAPS/aimin.yaml"; echo "serial_dates: 1900"; } >"$TMP/serial.yaml"
expect_exit 0 "with serial_dates: 1900 they are read" ing -q -m "$TMP/serial.yaml" -o "$TMP/d2.csv.gz" -r "$TMP/dr2.csv.gz" "$TMP/serial.xlsx"
[ "$(zcat "$TMP/d2.csv.gz" | cut -d, -f6 | sort -u | tr '\n' ' ')" = "2024-01 period " ] &&
	ok "45306 is read as 2024-01" || fail "45306 is read as 2024-01" "$(zcat "$TMP/d2.csv.gz" | head -3)"

# 6. A mapping that forgets a required key: the message quotes the key to
# add with the export's own header for it (GB18030 and workbooks too).
grep -v '^  amount:' "$MAPS/aimin.yaml" >"$TMP/noamount.yaml"
expect_exit 2 "a mapping without amount: is a configuration error" ing -m "$TMP/noamount.yaml" -o "$TMP/n.csv.gz" "$AIMIN"
has "it names the header 发放金额（元） and the key to add" "$TMP/.err" \
	"'columns' lacks the required field 'amount'; the export's header (line 1) has '发放金额（元）' in column 12: add \`amount: 发放金额（元）\` under \`columns:\` in '$TMP/noamount.yaml'"
grep -v '^  period:' "$MAPS/erqi.yaml" >"$TMP/noperiod.yaml"
expect_exit 2 "a GB18030 export's mapping without period:" ing -m "$TMP/noperiod.yaml" -o "$TMP/n.csv.gz" "$ERQI"
has "it names 发放年月 from the GB18030 header" "$TMP/.err" "add \`period: 发放年月\` under \`columns:\`"
expect_exit 2 "without the export readable, the key alone" ing -m "$TMP/noperiod.yaml" -o "$TMP/n.csv.gz" "$TMP/none.csv"
has "it still says which key to add" "$TMP/.err" "'columns' lacks the required field 'period': add \`period: NAME\` under \`columns:\`"

# 7. Exit codes as SPEC.md section 6 gives them: an export that cannot be
# read is an I/O failure (1, as every stage's missing input), named with
# the fix and before any output; a mapping that cannot be loaded is a
# configuration error (2).
expect_exit 1 "a missing export exits 1" ing -m "$MAPS/aimin.yaml" -o "$TMP/m.csv.gz" "$TMP/nosuch.csv"
has "the message names the export and the fix" "$TMP/.err" "cannot read the export '$TMP/nosuch.csv': No such file or directory; check the file's name and path"
[ ! -e "$TMP/m.csv.gz" ] && [ ! -e "$TMP/m.rejects.csv.gz" ] && ok "a missing export leaves no output" || fail "a missing export leaves no output" "$(ls "$TMP")"
(cd "$TMP" && "$BIN/rs-ingest" -k "$KEY" -m "$MAPS/aimin.yaml" -o m.csv.gz nosuch.csv 2>"$TMP/rel.err"); rc=$?
[ "$rc" = 1 ] && grep -qF "(a relative path is read from '$TMP')" "$TMP/rel.err" &&
	ok "a relative path: exit 1, the directory it was read from named" ||
	fail "a relative path: exit 1, the directory it was read from named" "exit $rc" "$(cat "$TMP/rel.err")"
expect_exit 1 "a directory as the export exits 1" ing -m "$MAPS/aimin.yaml" -o "$TMP/m.csv.gz" "$TMP"
has "it says the export is a directory" "$TMP/.err" "the export '$TMP' is a directory"
expect_exit 1 "--preview of a missing export exits 1 too" "$BIN/rs-ingest" --preview -m "$MAPS/aimin.yaml" "$TMP/nosuch.csv"
expect_exit 2 "a missing mapping exits 2" ing -m "$TMP/nosuch.yaml" -o "$TMP/m.csv.gz" "$AIMIN"
has "naming the mapping" "$TMP/.err" "'$TMP/nosuch.yaml'"

# A header with two columns of one name, one of them a field rs-draft
# maps: the draft marks the line UNSURE and warns, naming both columns and
# the fix, since rs-ingest stops on such a header; with the fix the draft
# ingests.
python3 - "$ROOT/samples/exports/tongan-2024.csv" "$TMP/dup.csv" <<'P'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:200]
cells = lines[0].split(b',')
i = next(k for k, c in enumerate(cells) if c.startswith('发放金额'.encode()))
out = [lines[0] + b',' + cells[i]] + [l + b',' + l.split(b',')[i] if l.count(b',') == lines[0].count(b',') else l for l in lines[1:] if l]
open(sys.argv[2], 'wb').write(b'\n'.join(out) + b'\n')
print(i + 1, len(cells) + 1, cells[i].decode(), file=open(sys.argv[2] + '.cols', 'w'))
P
read -r A B NAME <"$TMP/dup.csv.cols"
expect_exit 0 "rs-draft on a header with two columns '$NAME'" "$BIN/rs-draft" "$TMP/dup.csv"
cp "$TMP/.out" "$TMP/dup.yaml"
has "the draft marks the line, naming both columns" "$TMP/dup.yaml" "# UNSURE: two columns are headed '$NAME' (columns $A and $B)"
has "... and the fix" "$TMP/dup.yaml" "('amount: $A' or 'amount: $B')"
has "rs-draft warns on stderr, naming both columns" "$TMP/.err" "has two columns '$NAME' (columns $A and $B)"
expect_exit 2 "rs-ingest stops on the draft as it is" ing -m "$TMP/dup.yaml" -o "$TMP/d.csv.gz" "$TMP/dup.csv"
has "... naming the same columns" "$TMP/.err" "(columns $A and $B)"
sed -i "s/^  amount: .*/  amount: $A/" "$TMP/dup.yaml"
expect_exit 0 "with 'amount: $A' the draft ingests" ing -q -m "$TMP/dup.yaml" -o "$TMP/d.csv.gz" "$TMP/dup.csv"
