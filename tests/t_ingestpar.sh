#!/bin/bash
# rs-ingest reads a CSV's plain rows on two working threads (issue 25,
# csvin_work): every output must be the same bytes as when one thread
# reads every row (RS_INGEST_WORKER=0), when no working thread can be
# started (a pthread_create shim, as in t_gzip.sh), whatever the size of
# the blocks (RS_INGEST_BLOCK: tiny blocks put rows of every kind on
# either side of thousands of block ends), and from one run to the next.
# The input mixes, among plain rows: the generator's defects (rejects),
# total rows (小计, 合计), footer-looking rows followed by data, quoted
# fields, a quoted field spanning three lines (its middle line is one the
# scanner splits), CRLF and lone CR line ends, apostrophes before IDs,
# empty records, a row too wide, a quote that never closes (the file is
# read again from the line after it), a misspelt program label (whose message
# counts the rows of the program it is near: rows the working threads
# read), and real footers at the end; once with a partition filter, once
# with the extras (reversals, back-pay).
. "$(dirname "$0")/lib.sh"
export RS_TODAY=20261122
MAP=$ROOT/samples/mappings/generated.yaml
XMAP=$ROOT/samples/mappings/generated-extras.yaml
KEY=$ROOT/samples/keys/demo.key
d=$TMP/p; mkdir -p "$d"

# mix.py IN OUT: the generator's export with rows of every kind put in
cat >"$TMP/mix.py" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, 'rb').read().split(b'\n')
head, rows = lines[0], [l for l in lines[1:] if l]
nf = head.count(b',') + 1
blank = b',' * (nf - 1)
out = [head]
def cells(label, at=4, amount=None):
    c = [b''] * nf
    c[at] = label
    if amount is not None:
        c[11] = amount
    return b','.join(c)
for i, r in enumerate(rows, 1):
    f = r.split(b',')
    if i % 997 == 0:
        out.append(cells('小计'.encode(), amount=b'1234.50'))
    if i % 1499 == 0:
        out.append(cells('制表人：张三'.encode(), at=0))   # data after all
    if i % 1201 == 0 and len(f) == nf:
        f[12] = b'"' + f[12] + b'"'                      # quoted: no split
    if i % 1303 == 0:
        r = b','.join(f) + b'\r'                         # CRLF
        out.append(r)
        continue
    if i % 2203 == 0:
        out.append(b','.join(f) + b'\rX,Y')              # a lone CR
        continue
    if i % 1409 == 0 and len(f) == nf:
        f[5] = b"'" + f[5]                               # apostrophe
    if i % 1511 == 0:
        out.append(blank)                                # empty record
    if i % 1607 == 0 and len(f) == nf:
        f[14] = b'"a\nplain,middle,line\nb"'             # three lines
    if i % 1709 == 0:
        f.append(b'extra')                               # too many fields
    if i % 2999 == 0 and len(f) == nf:
        f[6] = '城市低宝'.encode()                       # near 城市低保
    if i == len(rows) - 1000 and len(f) == nf:
        f[12] = b'"' + f[12]                             # a runaway quote
    out.append(b','.join(f))
out.append(cells('合计'.encode(), amount=b'99.00'))
out.append(cells('制表人：李四'.encode(), at=0))
out.append(cells('审核人：王五'.encode(), at=0))
open(dst, 'wb').write(b'\n'.join(out) + b'\n')
PY

"$BIN/rs-gen" --rows 40000 --seed 7 --defects 0.05 -o "$d/g.csv" 2>/dev/null &&
	python3 "$TMP/mix.py" "$d/g.csv" "$d/mix.csv" &&
	"$BIN/rs-gen" --rows 30000 --seed 11 --defects 0.03 --extras -o "$d/gx.csv" 2>/dev/null &&
	python3 "$TMP/mix.py" "$d/gx.csv" "$d/mixx.csv" ||
	fail "the mixed inputs are made"
[ "$(wc -c <"$d/mix.csv")" -gt 4000000 ] && ok "the mixed input spans several 1 MiB blocks" ||
	fail "the mixed input spans several 1 MiB blocks" "$(wc -c <"$d/mix.csv") bytes"

# same A B LABEL: the two runs' exit codes, messages and outputs are equal
same() {
	local f bad=
	for f in rc err records.csv.gz rejects.csv.gz ingest.json; do
		cmp -s "$d/$1/$f" "$d/$2/$f" || bad="$bad $f"
	done
	[ -z "$bad" ] && ok "$3" || fail "$3" "differ:$bad"
}

# The runs, with the partition and extras options passed through.
ingest() { # NAME INPUT MAP ENV... -- ARGS...
	local n=$1 in=$2 m=$3 envs=() args=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "$1" = -- ] && shift
	args=("$@")
	mkdir -p "$d/$n"
	env "${envs[@]}" "$BIN/rs-ingest" -q -m "$m" -k "$KEY" --source mix.csv "${args[@]}" \
		-o "$d/$n/records.csv.gz" -r "$d/$n/rejects.csv.gz" -s "$d/$n/ingest.json" "$in" \
		2>"$d/$n/err"
	echo $? >"$d/$n/rc"
}
for set in plain part extras; do
	case $set in
	plain) in=$d/mix.csv m=$MAP extra=() ;;
	part) in=$d/mix.csv m=$MAP extra=(--region-prefix 35021200,35021211 --unattributed) ;;
	extras) in=$d/mixx.csv m=$XMAP extra=() ;;
	esac
	ingest "$set-one" "$in" "$m" RS_INGEST_WORKER=0 -- "${extra[@]}"
	ingest "$set-two" "$in" "$m" RS_X=1 -- "${extra[@]}"
	ingest "$set-one-small" "$in" "$m" RS_INGEST_WORKER=0 RS_INGEST_BLOCK=4096 -- "${extra[@]}"
	ingest "$set-two-small" "$in" "$m" RS_INGEST_BLOCK=4096 -- "${extra[@]}"
	ingest "$set-two-odd" "$in" "$m" RS_INGEST_BLOCK=777 -- "${extra[@]}"
	rc=$(cat "$d/$set-one/rc")
	case $rc in 0|1) ok "$set: rs-ingest on one thread runs (exit $rc)" ;;
	*) fail "$set: rs-ingest on one thread runs" "exit $rc: $(tail -2 "$d/$set-one/err")" ;; esac
	same "$set-one" "$set-two" "$set: two working threads, the same bytes as one thread"
	same "$set-one" "$set-one-small" "$set: 4 KiB blocks on one thread, the same bytes"
	same "$set-one" "$set-two-small" "$set: 4 KiB blocks on two working threads, the same bytes"
	same "$set-one" "$set-two-odd" "$set: 777-byte blocks on two working threads, the same bytes"
done

# What the mixed input holds, so that the checks above compare something.
python3 - "$d/plain-one/ingest.json" "$d/part-one/ingest.json" "$d/extras-one/ingest.json" <<'PY' &&
import json, sys
j, p, x = (json.load(open(a)) for a in sys.argv[1:])
assert j['totals'] >= 40, j['totals']
assert j['footers'] == 2, j['footers']
assert j['apostrophes_stripped'] >= 20, j['apostrophes_stripped']
assert j['empty_rows'] >= 20, j['empty_rows']
assert j['records'] > 30000, j['records']
assert p['other_partitions'] > 1000, p.get('other_partitions')
assert j['rejects'].get('malformed_line', 0) > 20, j['rejects']
assert j['stop']['kind'] == 'unknown_label' and 'of its' in j['stop']['what'], j.get('stop')
PY
	ok "the mixed input has totals, footers, apostrophes, empty rows, rejects, other partitions and a misspelt label" ||
	fail "the mixed input has totals, footers, apostrophes, empty rows, rejects, other partitions and a misspelt label"
[ "$(gzip -dc "$d/plain-one/rejects.csv.gz" | wc -l)" -gt 1000 ] &&
	ok "... and over a thousand rejects" || fail "... and over a thousand rejects"

# Five runs of the same input: the same bytes each time.
for i in 1 2 3 4 5; do ingest "rep$i" "$d/mix.csv" "$MAP" RS_INGEST_BLOCK=65536 --; done
for i in 2 3 4 5; do same rep1 "rep$i" "run $i of the same input on two threads: the same bytes as run 1"; done

# No working thread to be had: the shim fails every pthread_create after
# the first RS_SHIM_THREADS (the scanner is the first, the working threads
# the next two).
if thread_shim; then
	for n in 0 1 2; do
		ingest "shim$n" "$d/mix.csv" "$MAP" "${NT[@]}" RS_SHIM_THREADS=$n RS_INGEST_BLOCK=65536 --
		same plain-one "shim$n" "$n thread(s) to be had: the same bytes as one thread"
	done
else
	ok "no working thread to be had # skip: no C compiler for the pthread_create shim"
fi

