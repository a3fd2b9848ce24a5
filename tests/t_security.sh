#!/bin/bash
# tests/t_security.sh - identity and the runner's trust boundary.
#
# After the sample pipeline (pipelines/yearend.yaml through bin/reliefstat)
# no raw ID appears in any file it wrote: outputs, rejects, summaries,
# reports (XLSX unzipped), and the runner's logs, ledger and state under
# ${out}/.reliefstat/, nor on its stderr; reject files are mode 0600 and
# mask every ID-shaped token of the raw row, notes included; --help and
# error messages never echo an ID. Then the runner: commands from YAML never
# go through a shell unless the stage asks, variables are never shell, and
# outputs outside the working directory need --allow-outside.
. "$(dirname "$0")/lib.sh"

# A working directory that looks like the source tree, with bin/ the
# programs under test (bin-san/ in a sanitizer build): the pipeline names
# its programs bin/rs-*, relative to where the runner starts.
W=$TMP/w
mkdir -p "$W"
for e in "$ROOT"/*; do
	case ${e##*/} in bin|bin-*|build|build-*|out) ;; *) ln -s "$e" "$W/${e##*/}" ;; esac
done
ln -s "$BIN" "$W/bin"

# --- the sample pipeline and the identity audit -------------------------
(cd "$W" && "$BIN/reliefstat" run pipelines/yearend.yaml --var out=out -q) >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
[ $rc = 0 ] && ok "the sample pipeline runs (exit 0)" ||
	fail "the sample pipeline runs (exit 0)" "exit $rc" "$(tail -5 "$TMP/run.err")"
[ -s "$W/out/.reliefstat/ledger.jsonl" ] && [ -n "$(ls "$W/out/.reliefstat/logs")" ] &&
	ok "the runner kept its logs and ledger in \${out}/.reliefstat" ||
	fail "the runner kept its logs and ledger in \${out}/.reliefstat" "$(ls -R "$W/out/.reliefstat" | head)"
cp "$TMP/run.out" "$TMP/run.err" "$W/out/.reliefstat/" 2>/dev/null

python3 - "$ROOT/samples/exports" "$W/out" <<'PY'
import glob, gzip, io, os, re, sys, zipfile
FW = str.maketrans('０１２３４５６７８９Ｘｘx', '0123456789XXX')
ids = set()
for f in glob.glob(os.path.join(sys.argv[1], '*.csv')):
    raw = open(f, 'rb').read()
    for enc in ('utf-8-sig', 'gb18030'):
        try:
            txt = raw.decode(enc)
            break
        except UnicodeDecodeError:
            pass
    txt = txt.translate(FW)
    ids.update(re.findall(r'(?<!\d)(\d{17}[\dX]|\d{15})(?![\dX])', txt))
def texts(path):
    data = open(path, 'rb').read()
    if path.endswith('.gz'):
        data = gzip.decompress(data)
    if data[:2] == b'PK':
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for n in z.namelist():
                yield path + ':' + n, z.read(n)
        return
    yield path, data
leaks, files, kinds = [], 0, set()
for root, _, names in os.walk(sys.argv[2]):
    for name in names:
        p = os.path.join(root, name)
        files += 1
        if '/.reliefstat/' in p:
            kinds.add(name.split('.')[0] if 'logs' not in p else 'logs')
        for where, data in texts(p):
            t = data.decode('utf-8', 'replace').translate(FW)
            found = set(re.findall(r'(?<!\d)(\d{17}[\dX]|\d{15})(?![\dX])', t)) & ids
            if found:
                leaks.append('%s (%d IDs)' % (os.path.relpath(where, sys.argv[2]), len(found)))
if ids and not leaks and files > 20:
    print('ok - identity audit: none of %d raw IDs in %d files written by the pipeline (%s included)'
          % (len(ids), files, ', '.join(sorted(kinds))))
else:
    print('not ok - identity audit: %d raw IDs, %d files' % (len(ids), files))
    for l in leaks[:10]:
        print('    raw IDs in ' + l)
PY

# The pipeline's database (rs-load): its text, as sqlite3 dumps it, holds
# no raw ID either (tests/t_load.sh audits a PostgreSQL load the same way).
if command -v sqlite3 >/dev/null && [ -s "$W/out/reliefstat.sqlite" ]; then
	sqlite3 "$W/out/reliefstat.sqlite" .dump >"$TMP/db.sql"
	python3 "$ROOT/tests/pii_audit.py" "$ROOT/samples/exports" "pipeline's sqlite database" "$TMP/db.sql"
else
	fail "the pipeline wrote out/reliefstat.sqlite, and sqlite3 reads it"
fi

bad=
for f in $(find "$W/out" -name '*rejects*.csv.gz' -o -name 'warnings*.csv.gz'); do
	[ "$(stat -c %a "$f")" = 600 ] || bad="$bad ${f#$W/} $(stat -c %a "$f")"
done
n=$(find "$W/out" -name '*rejects*.csv.gz' | wc -l)
[ -z "$bad" ] && [ "$n" -ge 10 ] && ok "all $n reject files (and warnings) are mode 0600" ||
	fail "reject files are mode 0600" "$bad ($n reject files)"

# --- masking every ID-shaped token of a rejected row ---------------------
# IDs in every column and in the notes: ASCII, lowercase x, full-width
# digits, the 15-digit form, glued to Chinese text, in quotes with commas,
# and spreadsheet-mangled.
M=$TMP/mask
mkdir -p "$M"
cat >"$M/map.yaml" <<'EOF'
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
  funding: 资金来源
EOF
python3 - "$M/ids.csv" <<'PY'
import sys
H = '行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,备注'
I, FW = '350212195803023775', '３５０２１２１９５８０３０２３７７５'
rows = [
    '350212110205,%s,城市低保,城镇,2,2,2024-01,abc,,全角 %s 号' % (I, FW),
    '350212110205,%s,城市低保,城镇,2,2,2024-01,abc,,小写 35021219300101123x 旧 350212580302377 科学 3.50212E+17' % I,
    '350212110205,%s,城市低保,城镇,2,2,%s,734.00,,期间' % (I, I),
    '350212110205,%s,城市低保,城镇,2,2,2024-01,%s,,金额' % (I, I),
    '%s,%s,城市低保,城镇,2,2,2024-01,734.00,,地区' % (I, I),
    '350212110205,%s,%s,城镇,2,2,2024-01,734.00,,项目' % (I, I),
    '350212110205,%s,城市低保,城镇,2,2,2024-13,734.00,,全角的身份证号' % FW,
    '350212110205,%s,城市低保,城镇,2,2,2024-01,-1.00,"资金,%s","身份证%s号,""引号"""' % (I, I, I),
    '350212110205,%s,城市低保,城镇,2,2,2024-01,734.00,,多一列,%s' % (I, I),
    '350212110205,５１０１１７１９９００１０１１２３Ｘ,城市低保,城镇,2,2,2024-01,x1,,',
    '350212110205,35021219580302377,城市低保,城镇,2,2,2024-01,734.00,,少一位',
]
open(sys.argv[1], 'w').write(H + '\n' + '\n'.join(rows) + '\n')
PY
expect_exit 1 "a file of rejected rows full of IDs: rs-ingest exits 1 (over its loss gate; its message is checked for IDs below)" "$BIN/rs-ingest" -q -m "$M/map.yaml" -k "$KEY" \
	-o "$M/r.csv.gz" -r "$M/rej.csv.gz" -s "$M/s.json" "$M/ids.csv"
cat "$TMP/.err" >>"$M/stderr"
[ "$(stat -c %a "$M/rej.csv.gz")" = 600 ] && ok "the reject file is mode 0600" || fail "the reject file is mode 0600"
python3 - "$M/rej.csv.gz" "$M/stderr" <<'PY'
import csv, gzip, io, re, sys
FW = str.maketrans('０１２３４５６７８９Ｘｘ＊', '0123456789XX*')
rows = list(csv.reader(io.StringIO(gzip.decompress(open(sys.argv[1], 'rb').read()).decode())))
bad, masked = [], 0
token = re.compile(r'(?<![\d*])[\d*]{15,17}[\dXx*]?(?![\d*Xx])')
for r in rows[1:]:
    for col, text in (('message', r[4]), ('raw', r[5])):
        t = text.translate(FW)
        for m in token.finditer(t):
            s = m.group(0)
            if re.fullmatch(r'\d{6}\*+\d{3}[\dXx]', s):
                masked += 1
            else:
                bad.append('line %s %s: %s' % (r[1], col, s))
        if re.search(r'\d\.\d{5}E\+\d+', t):
            bad.append('line %s %s: a mangled ID kept' % (r[1], col))
err = open(sys.argv[2]).read().translate(FW)
if re.search(r'(?<!\d)\d{15,18}', err):
    bad.append('stderr: an ID')
n = len(rows) - 1
if n == 11 and not bad and masked >= 20:
    print('ok - every ID-shaped token of %d rejected rows is masked (%d tokens; notes, '
          'full-width, lowercase x, 15 digits, quoted, every column)' % (n, masked))
else:
    print('not ok - every ID-shaped token of the rejected rows is masked (%d rows, %d masked)' % (n, masked))
    for b in bad[:10]:
        print('    unmasked: ' + b)
PY

# Free text copied into the records (资金来源, 发放方式) is masked too.
cat >"$M/map2.yaml" <<'EOF'
encoding: utf-8
columns: {region_code: 行政区划代码, id: 身份证号码, program: 救助类别, area: 城乡属性,
  persons: 保障人数, period: 发放年月, amount: 发放金额（元）, funding: 资金来源, support_mode: 备注}
EOF
python3 - "$M/free.csv" <<'PY'
import sys
I, FW = '350212195803023775', '３５０２１２１９５８０３０２３７７５'
open(sys.argv[1], 'w').write(
    '行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,备注\n'
    '350212110205,%s,城市低保,城镇,2,2,2024-01,734.00,代领人 %s,%s\n' % (I, I, FW) +
    '350212110205,%s,城市低保,城镇,2,2,2024-02,734.00,%s,\n' % (I, I))
PY
expect_exit 0 "IDs in free-text columns: rs-ingest exits 0" "$BIN/rs-ingest" -q -m "$M/map2.yaml" -k "$KEY" \
	-o "$M/free.csv.gz" -r "$M/free-rej.csv.gz" "$M/free.csv"
n=$(zcat "$M/free.csv.gz" | sed 1d | wc -l)
if [ "$n" = 2 ] && ! zcat "$M/free.csv.gz" | grep -q '350212195803023775' &&
	! zcat "$M/free.csv.gz" | grep -q '３５０２１２１９５８０３０２３７７５'; then
	ok "IDs typed into funding and support mode are masked in the records"
else
	fail "IDs typed into funding and support mode are masked in the records" "$(zcat "$M/free.csv.gz")"
fi

# --- --help and errors never echo an ID ----------------------------------
I=350212195803023775
for p in rs-ingest rs-validate rs-aggregate rs-merge rs-report reliefstat; do
	"$BIN/$p" --help "$I" >"$TMP/h.out" 2>&1
	grep -q "$I" "$TMP/h.out" && fail "$p --help does not echo an ID" || ok "$p --help does not echo an ID"
done
# Damaged intermediates with an ID where a number or a pseudonym belongs:
# every stage refuses them, and the message names the file and the line but
# shows the value masked.
E=$TMP/echo
mkdir -p "$E"
RH=$(zcat "$W/out/tongan-2024/records.csv.gz" | head -1)
R1=$(zcat "$W/out/tongan-2024/records.csv.gz" | sed -n 2p)
AH=$(zcat "$W/out/tongan-2024/agg.csv.gz" | head -1)
A1=$(zcat "$W/out/tongan-2024/agg.csv.gz" | sed -n 2p)
col() { # LINE N VALUE: LINE with field N (1-based) replaced
	echo "$1" | awk -F, -v n="$2" -v v="$3" 'BEGIN { OFS = "," } { $n = v; print }'
}
for n in 2 3 6 7 8 9 10 11; do
	printf '%s\n%s\n' "$RH" "$(col "$R1" $n "x$I")" >"$E/rec$n.csv"
done
for n in 7 10 11 12; do
	printf '%s\n%s\n' "$AH" "$(col "$A1" $n "x$I")" >"$E/agg$n.csv"
done
printf '%s\n' "$AH" "$(col "$A1" 7 "$I")" >"$E/aggid.csv"
: >"$E/stderr"
for f in "$E"/rec*.csv; do
	"$BIN/rs-validate" -q --period 2024 -o "$E/v.csv.gz" "$f" 2>>"$E/stderr"
	[ $? = 1 ] || fail "rs-validate refuses ${f##*/}"
	"$BIN/rs-aggregate" -q -o "$E/a.csv.gz" "$f" 2>>"$E/stderr"
	[ $? = 1 ] || fail "rs-aggregate refuses ${f##*/}"
done
for f in "$E"/agg*.csv; do
	"$BIN/rs-merge" -q -o "$E/m.csv.gz" "$f" 2>>"$E/stderr"
	[ $? = 1 ] || fail "rs-merge refuses ${f##*/}" "$(tail -1 "$E/stderr")"
	"$BIN/rs-report" -q -o "$E/rep" "$f" 2>>"$E/stderr"
	[ $? = 1 ] || fail "rs-report refuses ${f##*/}" "$(tail -1 "$E/stderr")"
done
[ ! -e "$E/m.csv.gz" ] && ok "rs-merge passes no raw ID through as a beneficiary" ||
	fail "rs-merge passes no raw ID through as a beneficiary"
grep -q "$I" "$E/stderr" && fail "error messages never echo an ID" "$(grep -m3 "$I" "$E/stderr")" ||
	ok "error messages never echo an ID ($(wc -l <"$E/stderr") messages from damaged intermediates)"
grep -q '350212\*\*\*\*\*\*\*\*3775' "$E/stderr" && ok "a quoted value shows the ID masked" ||
	fail "a quoted value shows the ID masked" "$(head -3 "$E/stderr")"
# An export whose header row holds IDs (no header at all).
sed 1d "$M/ids.csv" >"$E/noheader.csv"
expect_exit 2 "an export without a header: exit 2" "$BIN/rs-ingest" -q -m "$M/map.yaml" -k "$KEY" -o "$E/r.csv.gz" "$E/noheader.csv"
grep -q "$I" "$TMP/.err" && fail "the missing-column error does not echo the row" "$(cat "$TMP/.err")" ||
	ok "the missing-column error does not echo the row"

# --- the runner: no shell unless asked, variables are not shell ---------
R=$TMP/r
mkdir -p "$R"
cd "$R" || exit 1
cat >args.sh <<'EOF'
#!/bin/sh
o=$1; shift
for a in "$@"; do printf '[%s]\n' "$a"; done >"$o"
EOF
chmod +x args.sh
HOSTILE='$(touch pwned1); touch pwned2 `touch pwned3` && touch pwned4 | touch pwned5 > pwned6 $HOME'"'"'"'
cat >p.yaml <<EOF
vars:
  out: o
  x: '$(printf '%s' "$HOSTILE" | sed "s/'/''/g")'
stages:
  plain:
    run: [./args.sh, "\${out}/plain.txt", "\${x}", "\${y}"]
    outputs: ["\${out}/plain.txt"]
  shell:
    shell: true
    run: "./args.sh \${out}/shell.txt \${x} \${y}"
    outputs: ["\${out}/shell.txt"]
EOF
expect_exit 0 "a pipeline whose variables hold shell code runs" "$BIN/reliefstat" run p.yaml --var "y=;touch pwned7" -q
ls pwned* >/dev/null 2>&1 && fail "no variable is run as shell code" "$(ls pwned*)" ||
	ok "no variable is run as shell code (\$(), backquotes, ;, &&, |, >)"
printf '[%s]\n' "$HOSTILE" ";touch pwned7" >want.txt
cmp -s o/plain.txt want.txt && ok "without shell: each value arrives as one argument, byte for byte" ||
	fail "without shell: each value arrives as one argument, byte for byte" "$(cat o/plain.txt)"
cmp -s o/shell.txt want.txt && ok "with shell: true, substituted values are quoted, not interpreted" ||
	fail "with shell: true, substituted values are quoted, not interpreted" "$(cat o/shell.txt)"
cat >q.yaml <<'EOF'
stages:
  s:
    run: "./args.sh o/q.txt hello"
    outputs: [o/q.txt]
EOF
expect_exit 2 "a run string without shell: true is refused" "$BIN/reliefstat" run q.yaml -q
grep -q "shell: true" "$TMP/.err" && ok "the refusal says how to ask for a shell" || fail "the refusal says how to ask for a shell" "$(cat "$TMP/.err")"

# --- the runner: outputs outside the working directory ------------------
mkdir -p inside "$TMP/elsewhere"
ln -s "$TMP/elsewhere" escape
cat >o.yaml <<'EOF'
vars:
  out: o2
  dest: o2/x.txt
stages:
  s:
    run: [./args.sh, "${dest}", hi]
    outputs: ["${dest}"]
EOF
for case in "out=$TMP/abs:dest=o2/x.txt:the state directory is absolute" \
	    "out=o2:dest=$TMP/elsewhere/x.txt:an absolute output" \
	    "out=o2:dest=../x.txt:an output in ../" \
	    "out=o2:dest=inside/../../x.txt:an output that climbs out through .." \
	    "out=o2:dest=escape/x.txt:an output through a symbolic link that leads out" \
	    "out=escape/st:dest=o2/x.txt:a state directory through a symbolic link"; do
	o=${case%%:*} rest=${case#*:}; d=${rest%%:*} what=${rest#*:}
	expect_exit 2 "outside the working directory ($what): refused" "$BIN/reliefstat" run o.yaml --var "$o" --var "$d" -q
	grep -q "allow-outside" "$TMP/.err" && ok "  ... and the error names --allow-outside" ||
		fail "  ... and the error names --allow-outside" "$(cat "$TMP/.err")"
done
[ -z "$(ls "$TMP/elsewhere")" ] && [ ! -e "$TMP/x.txt" ] && [ ! -e "$TMP/abs" ] &&
	ok "nothing was written outside" || fail "nothing was written outside" "$(ls "$TMP" "$TMP/elsewhere")"
expect_exit 0 "--allow-outside lets it write there" "$BIN/reliefstat" run o.yaml --var "dest=$TMP/elsewhere/x.txt" --allow-outside -q
[ -e "$TMP/elsewhere/x.txt" ] && ok "  ... and the output is there" || fail "  ... and the output is there"
expect_exit 0 "an output inside, through ./ and .., needs no flag" "$BIN/reliefstat" run o.yaml --var "dest=./inside/../o2/y.txt" -q
