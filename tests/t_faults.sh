#!/bin/bash
# tests/t_faults.sh - faults lose nothing (SPEC.md section 7): damaged
# intermediates, a full disk, kills, a read-only output directory, missing
# inputs and keys, hostile sizes and YAML bombs, and every allocation and
# write failure of a small run of each stage in turn (the fault-injection
# build, make FAULT=1). Each check asserts the exit code first, then that no
# partial file is left where a finished one is expected and that the
# previous good output is intact.
#
# RS_FAULT_ROWS sets the size of the export the kill tests use (default
# 80000 rows, 40000 in a sanitizer build, which is slower anyway).
. "$(dirname "$0")/lib.sh"
FBIN=${RS_FAULT_BIN:-$ROOT/bin-fault}
SAN=${RS_SANITIZE:-}
MAP=$ROOT/samples/mappings/generated.yaml
REF=$ROOT/samples/reference
# The work happens on tmpfs when there is one: thousands of runs each fsync
# their outputs, which costs nothing there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	D=$(mktemp -d /dev/shm/rs-faults.XXXXXX)
else
	D=$TMP/f
	mkdir -p "$D"
fi
cleanup() {
	umount "$D/full" 2>/dev/null
	umount "$D/ro" 2>/dev/null
	rm -rf "$D" "$TMP"
}
trap cleanup EXIT

# --- helpers -----------------------------------------------------------

# outs.py compares output directories; rss.py runs a command and prints its
# peak resident set size in kB on fd 3.
cat >"$TMP/outs.py" <<'PY'
"""outs.py MODE OUT REF [PREV]: checks an output directory.
exact:  every file of REF is in OUT with the same bytes; no temporary files.
either: every visible file in OUT equals REF's or PREV's version of it, every
        file of PREV is still there (either version); no temporary files
        unless --tmp-ok. Prints one line per problem; exits 1 if any."""
import os, re, sys
args = [a for a in sys.argv[1:] if not a.startswith('--')]
tmp_ok = '--tmp-ok' in sys.argv
mode, out, ref = args[0], args[1], args[2]
prev = args[3] if len(args) > 3 else None
TMPNAME = re.compile(r'^\..+\.tmp\.\d+\.\d+$')
def files(d):
    r = {}
    if not d or not os.path.isdir(d):
        return r
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            r[os.path.relpath(p, d)] = p
    return r
def data(p):
    with open(p, 'rb') as f:
        return f.read()
o, rf, pv = files(out), files(ref), files(prev)
bad = []
for rel in o:
    if TMPNAME.match(os.path.basename(rel)) and not tmp_ok:
        bad.append('temporary file left: %s' % rel)
if mode == 'exact':
    for rel, p in rf.items():
        if rel not in o: bad.append('missing: %s' % rel)
        elif data(o[rel]) != data(p): bad.append('differs: %s' % rel)
else:
    for rel, p in o.items():
        if TMPNAME.match(os.path.basename(rel)): continue
        d = data(p)
        if not ((rel in rf and d == data(rf[rel])) or (rel in pv and d == data(pv[rel]))):
            bad.append('partial or foreign file: %s (%d bytes)' % (rel, len(d)))
    for rel in pv:
        if rel not in o: bad.append('previous output gone: %s' % rel)
for b in bad[:10]:
    print('    ' + b)
sys.exit(1 if bad else 0)
PY
cat >"$TMP/rss.py" <<'PY'
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
os.write(3, b'%d\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
PY

# check_outs NAME MODE OUT REF [PREV] [--tmp-ok]
check_outs() {
	name=$1; shift
	if why=$(python3 "$TMP/outs.py" "$@"); then ok "$name"; else fail "$name" "$why"; fi
}
# stderr_has NAME REGEX: the last expect_exit's stderr matches.
stderr_has() {
	if grep -Eq -- "$2" "$TMP/.err"; then ok "$1"; else fail "$1" "stderr lacks /$2/" "$(tail -3 "$TMP/.err")"; fi
}
# no_sanitizer NAME: the last stderr has no sanitizer report.
no_report() {
	if grep -Eq 'Sanitizer|runtime error|LeakSanitizer' "$TMP/.err"; then
		fail "$1" "$(grep -E -m3 'Sanitizer|runtime error' "$TMP/.err")"
	fi
}
# peak_rss NAME LIMIT_KB CMD...: runs CMD (stderr to $TMP/.err), sets rc
# and rss and checks the peak resident set size.
peak_rss() {
	name=$1 limit=$2; shift 2
	rss=$(python3 "$TMP/rss.py" "$@" 3>&1 >"$TMP/.out" 2>"$TMP/.err")
	rc=$?
	if [ -n "$SAN" ]; then
		ok "$name: peak RSS $((rss / 1024)) MB (not bounded under the sanitizers)"
	elif [ "$rss" -le "$limit" ]; then
		ok "$name: peak RSS $((rss / 1024)) MB <= $((limit / 1024)) MB"
	else
		fail "$name: peak RSS $((rss / 1024)) MB <= $((limit / 1024)) MB"
	fi
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(now_ms)
# section TITLE: a comment line with the time spent so far (tests/run.sh
# counts only ok/not ok lines).
section() { echo "# $1 (at $(( ($(now_ms) - T0) / 1000 ))s)"; }

# --- fixtures: a tiny export with its own catalog, regions and rules (the
# fault-injection loops run a stage once per allocation, so every
# allocation counts), and a generated export for the rest. ---------------
F=$D/tiny
mkdir -p "$F"
cat >"$F/cat.yaml" <<'EOF'
programs:
- code: dibao
  name_zh: 最低生活保障
  aliases_zh: [低保]
  ambiguous_aliases: [低保]
- code: dibao_urban
  parent: dibao
  name_zh: 城市最低生活保障
  name_zh_hant: 城市最低生活保障
  aliases_zh: [城市低保]
  area: urban
- code: dibao_rural
  parent: dibao
  name_zh: 农村最低生活保障
  aliases_zh: [农村低保]
  aliases_zh_hant: [農村低保]
  area: rural
- code: tekun
  name_zh: 特困人员救助供养
  aliases_zh: [特困供养]
- code: gaoling
  name_zh: 高龄津贴
  min_age: 80
EOF
cat >"$F/regions.csv" <<'EOF'
code,name,level,parent_code
35,福建省,province,
3502,厦门市,city,35
350212,同安区,county,3502
350212110,五显镇,township,350212
350212110205,溪西村委会,village,350212110
350212110206,竹山村委会,village,350212110
EOF
cat >"$F/map.yaml" <<'EOF'
encoding: utf-8
max_reject_rate: 1   # a fixture of defects: the gate is tested in t_gates.sh
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
programs:
  最低生活保障（农村）: dibao_rural
EOF
cat >"$F/rules.yaml" <<'EOF'
max_reject_rate: 1
rules:
  - {name: region_is_village, check: region_level}
  - {name: period_in_range, check: period_in_range}
  - {name: persons_in_range, check: persons_range}
  - {name: age_eligible, check: age_eligibility}
  - name: standards
    check: standard
    standards: [{program: dibao_urban, region: "3502", period: 2024-01..2024-12, per: household, amount: 734.00}]
  - {name: no_duplicate_payment, check: duplicate}
  - {name: no_dibao_and_tekun, check: conflict, families: [dibao, tekun]}
EOF
cat >"$F/x.csv" <<'EOF'
行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,备注
350212110205,350212195803023775,城市低保,城镇,2,2,2024-01,734.00,区级财政,"备注 ""350212195803023775"""
350212110205,350212195803023775,城市低保,城镇,2,2,2024-02,734.00,区级财政,
350212110206,350212199908211762,农村低保,农村,3,3,2024-01,695.00,,
350212110206,350212199908211762,特困供养,农村,1,1,2024-01,1200.00,,
350212110206,350212193001011239,高龄津贴,农村,1,1,2024-03,100.00,,
350212110299,350212193001011239,高龄津贴,农村,1,1,2024-04,100.00,,
350212110205,350212195803023770,城市低保,城镇,2,2,2024-03,734.00,,bad check digit
350212110205,350212195803023775,城市低保,城镇,2,2,2024-04,7.345,,
EOF
head -n 5 "$F/x.csv" >"$F/y.csv"
sed -n '1p;6,9p' "$F/x.csv" >>"$F/y2.csv"
TK=(--catalog "$F/cat.yaml")
TV=(--rules "$F/rules.yaml" --regions "$F/regions.csv" --catalog "$F/cat.yaml" --period 2024-01..2024-12)
TR=(--regions "$F/regions.csv" --catalog "$F/cat.yaml")

expect_exit 0 "tiny fixture: rs-ingest" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
	-o "$F/records.csv.gz" -r "$F/irej.csv.gz" -s "$F/ingest.json" "$F/x.csv"
"$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" -o "$F/records2.csv.gz" "$F/y2.csv" 2>/dev/null
expect_exit 0 "tiny fixture: rs-validate" "$BIN/rs-validate" -q "${TV[@]}" -o "$F/valid.csv.gz" \
	-r "$F/vrej.csv.gz" -w "$F/warn.csv.gz" -s "$F/validate.json" "$F/records.csv.gz"
"$BIN/rs-validate" -q "${TV[@]}" -o "$F/valid2.csv.gz" "$F/records2.csv.gz" 2>/dev/null
expect_exit 0 "tiny fixture: rs-aggregate" "$BIN/rs-aggregate" -q -o "$F/agg.csv.gz" "$F/valid.csv.gz"
"$BIN/rs-aggregate" -q -o "$F/agg2.csv.gz" "$F/valid2.csv.gz" 2>/dev/null
expect_exit 0 "tiny fixture: rs-merge" "$BIN/rs-merge" -q -o "$F/merged.csv.gz" "$F/agg.csv.gz" "$F/agg2.csv.gz"
expect_exit 0 "tiny fixture: rs-report" "$BIN/rs-report" -q "${TR[@]}" -o "$F/report" "$F/agg.csv.gz"

# --- 1. damaged gzip intermediates ------------------------------------
section "1. damaged gzip intermediates"
# A truncated file and one with a flipped byte in the CRC (the last 8 bytes
# of a gzip member are CRC-32 and length) or in the middle of the deflate
# stream: the next stage names the file and stops with exit 1, and the
# previous good output stays as it was.
damage() { # MODE SRC DST
	python3 - "$@" <<'PY'
import sys
mode, src, dst = sys.argv[1:]
b = bytearray(open(src, 'rb').read())
if mode == 'truncate': b = b[:len(b) // 2]
elif mode == 'crc': b[-8] ^= 0x01
else: b[len(b) // 2] ^= 0xFF
open(dst, 'wb').write(b)
PY
}
for mode in truncate crc middle; do
	damage $mode "$F/records.csv.gz" "$D/records-$mode.csv.gz"
	damage $mode "$F/valid.csv.gz" "$D/valid-$mode.csv.gz"
	damage $mode "$F/agg.csv.gz" "$D/agg-$mode.csv.gz"
done
# one output directory per stage, holding a previous good output
for s in validate aggregate merge report; do
	mkdir -p "$D/prev-$s" "$D/out-$s"
done
cp "$F/valid.csv.gz" "$D/prev-validate/valid.csv.gz"
cp "$F/agg.csv.gz" "$D/prev-aggregate/agg.csv.gz"
cp "$F/merged.csv.gz" "$D/prev-merge/merged.csv.gz"
cp -r "$F/report/." "$D/prev-report/"
for mode in truncate crc middle; do
	# A flipped byte mid-stream may garble the text before zlib notices:
	# then the reader's own check names the file.
	case $mode in truncate) what='truncated' ;; crc) what='corrupt|incorrect|check' ;; *) what='.' ;; esac
	for s in validate aggregate merge report; do
		rm -rf "$D/out-$s"; cp -r "$D/prev-$s" "$D/out-$s"
	done
	O=$D/out-validate
	expect_exit 1 "$mode records.csv.gz: rs-validate exits 1" "$BIN/rs-validate" -q "${TV[@]}" \
		-o "$O/valid.csv.gz" -r "$O/rej.csv.gz" -w "$O/w.csv.gz" -s "$O/v.json" "$D/records-$mode.csv.gz"
	stderr_has "$mode records.csv.gz: rs-validate names the file" "records-$mode.csv.gz.*($what)"
	check_outs "$mode records.csv.gz: the previous output is intact, nothing partial" either "$O" "$D/prev-validate" "$D/prev-validate"
	O=$D/out-aggregate
	expect_exit 1 "$mode valid.csv.gz: rs-aggregate exits 1" "$BIN/rs-aggregate" -q -o "$O/agg.csv.gz" "$D/valid-$mode.csv.gz"
	stderr_has "$mode valid.csv.gz: rs-aggregate names the file" "valid-$mode.csv.gz.*($what)"
	check_outs "$mode valid.csv.gz: the previous output is intact" either "$O" "$D/prev-aggregate" "$D/prev-aggregate"
	O=$D/out-merge
	expect_exit 1 "$mode agg.csv.gz: rs-merge exits 1" "$BIN/rs-merge" -q -o "$O/merged.csv.gz" "$D/agg-$mode.csv.gz" "$F/agg2.csv.gz"
	stderr_has "$mode agg.csv.gz: rs-merge names the file" "agg-$mode.csv.gz.*($what)"
	check_outs "$mode agg.csv.gz: rs-merge leaves the previous output intact" either "$O" "$D/prev-merge" "$D/prev-merge"
	O=$D/out-report
	expect_exit 1 "$mode agg.csv.gz: rs-report exits 1" "$BIN/rs-report" -q "${TR[@]}" -o "$O" "$D/agg-$mode.csv.gz"
	stderr_has "$mode agg.csv.gz: rs-report names the file" "agg-$mode.csv.gz.*($what)"
	check_outs "$mode agg.csv.gz: rs-report leaves the previous tables intact" either "$O" "$D/prev-report" "$D/prev-report"
done

# --- 2. missing inputs and keys ---------------------------------------
section "2. missing inputs and keys"
O=$D/missing; mkdir -p "$O"
expect_exit 1 "missing export: rs-ingest exits 1" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" -o "$O/r.csv.gz" "$D/none.csv"
stderr_has "missing export: named" "none.csv"
expect_exit 1 "missing records: rs-validate exits 1" "$BIN/rs-validate" -q "${TV[@]}" -o "$O/v.csv.gz" "$D/none.csv.gz"
stderr_has "missing records: named" "none.csv.gz"
expect_exit 1 "missing valid records: rs-aggregate exits 1" "$BIN/rs-aggregate" -q -o "$O/a.csv.gz" "$D/none.csv.gz"
expect_exit 1 "missing aggregate: rs-merge exits 1" "$BIN/rs-merge" -q -o "$O/m.csv.gz" "$F/agg.csv.gz" "$D/none.csv.gz"
stderr_has "missing aggregate: named" "none.csv.gz"
expect_exit 1 "missing aggregate: rs-report exits 1" "$BIN/rs-report" -q "${TR[@]}" -o "$O/rep" "$D/none.csv.gz"
stderr_has "missing aggregate (report): named" "none.csv.gz"
expect_exit 2 "missing mapping: rs-ingest exits 2" "$BIN/rs-ingest" -q -m "$D/none.yaml" -k "$KEY" "${TK[@]}" -o "$O/r.csv.gz" "$F/x.csv"
expect_exit 2 "missing rules: rs-validate exits 2" "$BIN/rs-validate" -q --rules "$D/none.yaml" --period 2024 -o "$O/v.csv.gz" "$F/records.csv.gz"
expect_exit 2 "missing key file: rs-ingest exits 2" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$D/none.key" "${TK[@]}" -o "$O/r.csv.gz" "$F/x.csv"
stderr_has "missing key file: named" "none.key"
cp "$KEY" "$D/open.key"; chmod 0644 "$D/open.key"
expect_exit 2 "world-readable key file: rs-ingest exits 2" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$D/open.key" "${TK[@]}" -o "$O/r.csv.gz" "$F/x.csv"
stderr_has "world-readable key file: says chmod 600" "open.key.*chmod 600"
cp "$KEY" "$D/group.key"; chmod 0640 "$D/group.key"
expect_exit 2 "group-readable key file: rs-ingest exits 2" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$D/group.key" "${TK[@]}" -o "$O/r.csv.gz" "$F/x.csv"
printf 'not hex\n' >"$D/junk.key"; chmod 0600 "$D/junk.key"
expect_exit 2 "a key file that is not hex: rs-ingest exits 2" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$D/junk.key" "${TK[@]}" -o "$O/r.csv.gz" "$F/x.csv"
if [ -z "$(ls -A "$O")" ]; then ok "missing inputs and keys: nothing written"; else fail "missing inputs and keys: nothing written" "$(ls -A "$O")"; fi

# --- 3. a full disk ---------------------------------------------------
section "3. a full disk"
# A 1 MiB tmpfs holding a previous good output; the new run needs more
# room. Without mount(2) (an unprivileged container) the fault-injection
# build's RS_FAIL_WRITE simulates the same ENOSPC.
"$BIN/rs-gen" --rows 40000 --seed 3 --defects 0.02 -o "$D/mid.csv" >/dev/null 2>&1
head -n 200 "$D/mid.csv" >"$D/mid-head.csv"
FULL=$D/full
mkdir -p "$FULL"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m rs-test-full "$FULL" 2>/dev/null; then
	how="tmpfs of 1 MiB"
	DISK_BIN=$BIN DISK_ENV=
else
	how="fault injection (no mount here)"
	DISK_BIN=$FBIN DISK_ENV=RS_FAIL_WRITE=40
fi
"$BIN/rs-ingest" -q -m "$MAP" -k "$KEY" -o "$FULL/records.csv.gz" -r "$FULL/rej.csv.gz" -s "$FULL/ingest.json" "$D/mid-head.csv"
mkdir -p "$D/prev-full" && cp -r "$FULL/." "$D/prev-full/"
expect_exit 1 "disk full ($how): rs-ingest exits 1" env $DISK_ENV "$DISK_BIN/rs-ingest" -q -m "$MAP" -k "$KEY" \
	-o "$FULL/records.csv.gz" -r "$FULL/rej.csv.gz" -s "$FULL/ingest.json" "$D/mid.csv"
stderr_has "disk full: the error says so and names the file" "No space left on device"
check_outs "disk full: the previous output is intact, no temporary file left" either "$FULL" "$D/prev-full" "$D/prev-full"
"$BIN/rs-ingest" -q -m "$MAP" -k "$KEY" -o "$D/mid-records.csv.gz" -r "$D/mid-rej.csv.gz" "$D/mid.csv"
"$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$D/mid-valid.csv.gz" -r "$D/mid-vrej.csv.gz" "$D/mid-records.csv.gz" 2>/dev/null
# Fill the disk up to its last 16 kB: the aggregate cannot fit.
if [ "$how" = "tmpfs of 1 MiB" ]; then
	free=$(df -k "$FULL" | awk 'NR == 2 { print $4 }')
	head -c $(( (free - 16) * 1024 )) /dev/zero >"$FULL/filler" 2>/dev/null
fi
expect_exit 1 "disk full ($how): rs-aggregate exits 1" env ${DISK_ENV:+RS_FAIL_WRITE=3} "$DISK_BIN/rs-aggregate" -q \
	-o "$FULL/agg.csv.gz" "$D/mid-valid.csv.gz"
stderr_has "disk full: rs-aggregate says so" "agg.csv.gz.*No space left on device"
rm -f "$FULL/filler"
check_outs "disk full: rs-aggregate leaves nothing partial" either "$FULL" "$D/prev-full" "$D/prev-full"
if [ "$how" = "tmpfs of 1 MiB" ]; then
	used=$(df -k "$FULL" | awk 'NR == 2 { print $3 }')
	[ "$used" -lt 512 ] && ok "disk full: the space is given back ($used kB used)" ||
		fail "disk full: the space is given back" "$used kB used"
	umount "$FULL"
fi

# --- 4. a read-only output directory ----------------------------------
section "4. a read-only output directory"
# chmod does not stop root, so the directory is a read-only bind mount.
RO=$D/ro
mkdir -p "$RO"
cp "$F/records.csv.gz" "$F/irej.csv.gz" "$F/ingest.json" "$RO/"
mkdir -p "$D/prev-ro" && cp -r "$RO/." "$D/prev-ro/"
# Without mount(2): a directory of /proc, which refuses new files to root
# too (no previous output to keep there, though).
unwritable() {
	expect_exit 1 "an output directory that refuses files (/proc/1; no bind mount here): rs-ingest exits 1" \
		"$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" -o /proc/1/records.csv.gz "$F/x.csv"
	stderr_has "an output directory that refuses files: the error names it" "cannot create '/proc/1/records.csv.gz'"
}
if [ "$(id -u)" = 0 ] && mount --bind "$RO" "$RO" 2>/dev/null; then
	if mount -o remount,bind,ro "$RO" 2>/dev/null; then
		expect_exit 1 "read-only output directory: rs-ingest exits 1" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
			-o "$RO/records.csv.gz" -r "$RO/irej.csv.gz" -s "$RO/ingest.json" "$F/x.csv"
		stderr_has "read-only output directory: the error names it" "cannot create '$RO/records.csv.gz': Read-only file system"
		check_outs "read-only output directory: the previous output is intact" either "$RO" "$D/prev-ro" "$D/prev-ro"
		expect_exit 1 "read-only output directory: rs-report exits 1" "$BIN/rs-report" -q "${TR[@]}" -o "$RO/rep" "$F/agg.csv.gz"
	else
		unwritable
	fi
	umount "$RO"
else
	unwritable
fi

# --- 5. kills: SIGKILL and SIGTERM in the middle of each stage ---------
section "5. kills: SIGKILL and SIGTERM in the middle of each stage"
# Each stage runs on a generated export large enough to be still running
# when killed at 30% / 60% of its reference time. After the kill the
# output directory holds the previous good output or nothing new (a
# SIGTERM removes its temporary files too); a rerun gives exactly the
# reference output.
ROWS=${RS_FAULT_ROWS:-$([ -n "$SAN" ] && echo 40000 || echo 80000)}
K=$D/kill
mkdir -p "$K"
"$BIN/rs-gen" --rows "$ROWS" --seed 5 --defects 0.01 -o "$K/export.csv" >/dev/null 2>&1
head -n 2000 "$K/export.csv" >"$K/small.csv"
"$BIN/rs-gen" --rows 2000 --seed 6 --defects 0.01 -o "$K/other.csv" >/dev/null 2>&1
P=$K/in
mkdir -p "$P"
"$BIN/rs-ingest" -q -m "$MAP" -k "$KEY" -o "$P/other-r.csv.gz" "$K/other.csv"
"$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$P/other-v.csv.gz" "$P/other-r.csv.gz" 2>/dev/null
"$BIN/rs-aggregate" -q -o "$P/other-a.csv.gz" "$P/other-v.csv.gz"

# stage_cmd STAGE SIZE OUTDIR: the command line of STAGE on the big or small
# inputs (the small run makes the "previous good output").
stage_cmd() {
	s=$1 z=$2 o=$3
	case $s in
	ingest) echo "$BIN/rs-ingest -q -m $MAP -k $KEY -o $o/records.csv.gz -r $o/rejects.csv.gz -s $o/ingest.json $K/$([ "$z" = big ] && echo export || echo small).csv" ;;
	validate) echo "$BIN/rs-validate -q --period 2024-01..2024-12 -o $o/valid.csv.gz -r $o/rejects.csv.gz -w $o/warnings.csv.gz -s $o/validate.json $P/$z-records.csv.gz" ;;
	aggregate) echo "$BIN/rs-aggregate -q -o $o/agg.csv.gz $P/$z-valid.csv.gz" ;;
	merge) echo "$BIN/rs-merge -q -o $o/merged.csv.gz --summary $o/merge.json $P/$z-agg.csv.gz $P/other-a.csv.gz" ;;
	report) echo "$BIN/rs-report -q -o $o/report $P/$z-agg.csv.gz" ;;
	esac
}
for s in ingest validate aggregate merge report; do
	for z in small big; do
		o=$K/ref-$s-$z
		mkdir -p "$o"
		start=$(now_ms)
		$(stage_cmd $s $z "$o") 2>"$TMP/.err"
		rc=$?
		[ $z = big ] && eval "t_$s=$(( $(now_ms) - start ))"
		[ $rc = 0 ] || [ $rc = 1 ] || fail "reference run of $s ($z) exits 0" "exit $rc" "$(tail -3 "$TMP/.err")"
		case $s in
		ingest) cp "$o/records.csv.gz" "$P/$z-records.csv.gz" ;;
		validate) cp "$o/valid.csv.gz" "$P/$z-valid.csv.gz" ;;
		aggregate) cp "$o/agg.csv.gz" "$P/$z-agg.csv.gz" ;;
		esac
	done
done
for s in ingest validate aggregate merge report; do
	eval "t=\$t_$s"
	for sig in KILL TERM; do
		o=$K/run-$s-$sig
		# Other load may make a run faster than its reference: then try
		# again, earlier.
		fracs=$([ $sig = KILL ] && echo "30 15 5" || echo "60 30 10")
		killed=
		for frac in $fracs; do
			rm -rf "$o"; cp -r "$K/ref-$s-small" "$o"
			$(stage_cmd $s big "$o") 2>"$TMP/.err" &
			pid=$!
			sleep "$(awk -v t="$t" -v f="$frac" 'BEGIN { printf "%.3f", t * f / 100000 }')"
			if kill -0 $pid 2>/dev/null; then
				kill -$sig $pid
				{ wait $pid; } 2>/dev/null
				rc=$?
				# 0 or 1: it had finished (kill -0 succeeds on a
				# zombie); try earlier.
				[ $rc -lt 2 ] && continue
				killed=1
				break
			fi
			wait $pid
		done
		want=$([ $sig = KILL ] && echo 137 || echo 143)
		if [ -z "$killed" ]; then
			fail "SIG$sig in the middle of rs-$s" "it always finished before the kill (reference $t ms): raise RS_FAULT_ROWS"
		elif [ $rc = $want ]; then
			ok "SIG$sig in the middle of rs-$s (at ${frac}% of ${t} ms): exit $want"
		else
			fail "SIG$sig in the middle of rs-$s: exit $want" "exit $rc" "$(tail -3 "$TMP/.err")"
		fi
		check_outs "after SIG$sig rs-$s: the previous output is intact, nothing partial" either "$o" \
			"$K/ref-$s-big" "$K/ref-$s-small" $([ $sig = KILL ] && echo --tmp-ok)
		$(stage_cmd $s big "$o") 2>"$TMP/.err"
		rc=$?
		[ $rc = 0 ] || [ $rc = 1 ] && ok "rerun of rs-$s after SIG$sig succeeds" ||
			fail "rerun of rs-$s after SIG$sig succeeds" "exit $rc" "$(tail -3 "$TMP/.err")"
		check_outs "rerun of rs-$s after SIG$sig: identical to the reference" exact "$o" "$K/ref-$s-big" --tmp-ok
		rm -rf "$o"
	done
done

# --- 6. hostile sizes: a 100 MB field, a NUL byte, a 1 GB line ---------
section "6. hostile sizes: a 100 MB field, a NUL byte, a 1 GB line"
# Streamed through a FIFO, never stored. Each ends as a reject (or a clear
# error) with memory bounded by the record limit, not by the input.
H=$D/huge
mkdir -p "$H"
HDR='行政区划代码,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,备注'
GOOD='350212110205,350212195803023775,城市低保,城镇,2,2,2024-01,734.00,区级财政,'
mkfifo "$H/field.fifo" "$H/line.fifo" "$H/bomb.fifo"
# unfifo: ends the writer $w, in case the reader stopped before reading
# everything (or never opened the FIFO).
unfifo() { kill "$w" 2>/dev/null; wait "$w" 2>/dev/null; }
{ echo "$HDR"; printf '350212110205,350212195803023775,城市低保,城镇,2,2,2024-01,734.00,区级财政,"'
  head -c 100000000 /dev/zero | tr '\0' 'a'; printf '"\n'; echo "$GOOD"; } >"$H/field.fifo" &
w=$!
peak_rss "a 100 MB field" 65536 "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
	-o "$H/r1.csv.gz" -r "$H/rej1.csv.gz" -s "$H/s1.json" "$H/field.fifo"
unfifo
[ $rc = 0 ] && ok "a 100 MB field: rs-ingest exits 0" || fail "a 100 MB field: rs-ingest exits 0" "exit $rc" "$(tail -3 "$TMP/.err")"
grep -q '"rows_read":2,"records":1,"rejects":{"malformed_line":1}' "$H/s1.json" &&
	ok "a 100 MB field: its row is one malformed_line reject, the next row is read" ||
	fail "a 100 MB field: its row is one malformed_line reject, the next row is read" "$(cat "$H/s1.json")"
r=$(zcat "$H/rej1.csv.gz" | wc -c)
[ "$r" -lt 20000 ] && ok "a 100 MB field: the reject keeps only the row's start ($r bytes)" ||
	fail "a 100 MB field: the reject keeps only the row's start" "$r bytes"

python3 -c 'import sys; open(sys.argv[1], "wb").write((sys.argv[2] + "\n350212110205,350212195803023775,城市低\0保,城镇,2,2,2024-01,734.00,,\n" + sys.argv[3] + "\n").encode())' \
	"$H/nul.csv" "$HDR" "$GOOD"
expect_exit 0 "a NUL byte: rs-ingest exits 0" "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
	-o "$H/r2.csv.gz" -r "$H/rej2.csv.gz" -s "$H/s2.json" "$H/nul.csv"
grep -q '"rows_read":2,"records":1,"rejects":{"bad_encoding":1}' "$H/s2.json" &&
	ok "a NUL byte: its row is a bad_encoding reject" || fail "a NUL byte: its row is a bad_encoding reject" "$(cat "$H/s2.json")"

{ echo "$HDR"; head -c 1073741824 /dev/zero | tr '\0' 'x'; } >"$H/line.fifo" &
w=$!
peak_rss "a 1 GB line without a newline" 65536 "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
	-o "$H/r3.csv.gz" -r "$H/rej3.csv.gz" -s "$H/s3.json" "$H/line.fifo"
unfifo
[ $rc = 0 ] && ok "a 1 GB line: rs-ingest exits 0" || fail "a 1 GB line: rs-ingest exits 0" "exit $rc" "$(tail -3 "$TMP/.err")"
grep -q '"rows_read":1,"records":0,"rejects":{"malformed_line":1}' "$H/s3.json" &&
	ok "a 1 GB line: one malformed_line reject" || fail "a 1 GB line: one malformed_line reject" "$(cat "$H/s3.json" 2>/dev/null)"

# A 64 MB line as the header: no header can be read, a clear error.
head -c 67108864 /dev/zero | tr '\0' 'x' >"$H/bomb.fifo" &
w=$!
peak_rss "a 64 MB header line" 65536 "$BIN/rs-ingest" -q -m "$F/map.yaml" -k "$KEY" "${TK[@]}" \
	-o "$H/r4.csv.gz" "$H/bomb.fifo"
unfifo
[ $rc = 2 ] && ok "a 64 MB header line: exit 2" || fail "a 64 MB header line: exit 2" "exit $rc" "$(tail -3 "$TMP/.err")"
[ ! -e "$H/r4.csv.gz" ] && ok "a 64 MB header line: no output" || fail "a 64 MB header line: no output"

# A gzip bomb as an intermediate: 256 MB of one line in 250 kB of gzip.
head -c 268435456 /dev/zero | gzip -1 >"$H/bomb.csv.gz"
peak_rss "a gzip bomb as records" 65536 "$BIN/rs-validate" -q "${TV[@]}" -o "$H/v.csv.gz" "$H/bomb.csv.gz"
[ $rc = 1 ] && ok "a gzip bomb as records: rs-validate exits 1" || fail "a gzip bomb as records: rs-validate exits 1" "exit $rc" "$(tail -3 "$TMP/.err")"
peak_rss "a gzip bomb as an aggregate" 65536 "$BIN/rs-merge" -q -o "$H/m.csv.gz" "$H/bomb.csv.gz" "$F/agg.csv.gz"
[ $rc = 1 ] && ok "a gzip bomb as an aggregate: rs-merge exits 1" || fail "a gzip bomb as an aggregate: rs-merge exits 1" "exit $rc" "$(tail -3 "$TMP/.err")"
peak_rss "a gzip bomb as a report input" 65536 "$BIN/rs-report" -q "${TR[@]}" -o "$H/rep" "$H/bomb.csv.gz"
[ $rc = 1 ] && ok "a gzip bomb as a report input: rs-report exits 1" || fail "a gzip bomb as a report input: rs-report exits 1" "exit $rc" "$(tail -3 "$TMP/.err")"
rm -f "$H/bomb.csv.gz"

# --- 7. YAML bombs ----------------------------------------------------
section "7. YAML bombs"
# Alias expansion (billion laughs), deep nesting, a million nodes, a map of
# 200 000 keys, a 100 MB file: each loader refuses them (exit 2) quickly
# and with bounded memory.
Y=$D/yaml
mkdir -p "$Y"
python3 - "$Y" <<'PY'
import os, sys
d = sys.argv[1]
def w(name, text):
    open(os.path.join(d, name), 'w').write(text)
lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 10):
    lol.append('%s: &%s [%s]' % (chr(97 + i), chr(97 + i), ','.join(['*' + chr(96 + i)] * 9)))
w('laughs.yaml', '\n'.join(lol) + '\n')
w('merge.yaml', 'base: &b {x: 1}\ncolumns:\n  <<: *b\n')
w('deep.yaml', 'columns: ' + '[' * 100000 + ']' * 100000 + '\n')
w('deepmap.yaml', 'columns: ' + '{a: ' * 50000 + '1' + '}' * 50000 + '\n')
w('many.yaml', 'columns:\n' + '- a\n' * 1100000)
w('wide.yaml', 'columns: {' + ', '.join('k%d: v' % i for i in range(200000)) + '}\n')
PY
head -c 100000000 /dev/zero | tr '\0' '#' >"$Y/huge.yaml"
for b in laughs merge deep deepmap many wide huge; do
	start=$(now_ms)
	peak_rss "YAML $b: mapping" 262144 "$BIN/rs-ingest" -q -m "$Y/$b.yaml" -k "$KEY" -o "$Y/r.csv.gz" "$F/x.csv"
	ms=$(( $(now_ms) - start ))
	[ $rc = 2 ] && ok "YAML $b: the mapping is refused with exit 2 in ${ms} ms" ||
		fail "YAML $b: the mapping is refused with exit 2" "exit $rc" "$(tail -3 "$TMP/.err")"
	grep -q "$b.yaml" "$TMP/.err" && ok "YAML $b: the error names the file" || fail "YAML $b: the error names the file" "$(tail -2 "$TMP/.err")"
done
for b in laughs deep many; do
	peak_rss "YAML $b: rules" 262144 "$BIN/rs-validate" -q --rules "$Y/$b.yaml" --period 2024 -o "$Y/v.csv.gz" "$F/records.csv.gz"
	[ $rc = 2 ] && ok "YAML $b: the rules are refused with exit 2" || fail "YAML $b: the rules are refused with exit 2" "exit $rc"
	peak_rss "YAML $b: catalog" 262144 "$BIN/rs-ingest" -q -m "$F/map.yaml" --catalog "$Y/$b.yaml" -k "$KEY" -o "$Y/r.csv.gz" "$F/x.csv"
	[ $rc = 2 ] && ok "YAML $b: the catalog is refused with exit 2" || fail "YAML $b: the catalog is refused with exit 2" "exit $rc"
	(cd "$Y" && peak_rss "YAML $b: pipeline" 262144 "$BIN/reliefstat" status "$Y/$b.yaml"
	 [ $rc = 2 ] && ok "YAML $b: the pipeline is refused with exit 2" || fail "YAML $b: the pipeline is refused with exit 2" "exit $rc")
done
[ -z "$(ls "$Y" | grep -v yaml)" ] && ok "YAML bombs: nothing written" || fail "YAML bombs: nothing written" "$(ls "$Y")"
rm -f "$Y"/*.yaml

# --- 8. every allocation and write failure, in turn --------------------
section "8. every allocation and write failure, in turn"
# The fault-injection build fails the Nth allocation (RS_FAIL_ALLOC=N) or
# output write (RS_FAIL_WRITE=N) of a small run of each stage, for N = 1, 2,
# ... until the run succeeds. Every run must exit 1 or 2 (0 once N is past
# the last one) with a message, never crash (exit >= 128, a sanitizer
# report), and leave no partial output: each output present is the complete
# reference one and no temporary file remains. Runs alternate between an
# empty output directory and one holding the previous good output.
if [ ! -x "$FBIN/rs-ingest" ]; then
	fail "fault-injection build present" "no $FBIN/rs-ingest: make test builds it (make FAULT=1)"
else
cat >"$TMP/loop.py" <<'PY'
"""loop.py VAR STAGE REF PREV CMD... : runs CMD with VAR=1, 2, ... (two at
a time) until it exits 0; $O in CMD is the output directory. Prints one
ok/not ok line."""
import os, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
var, stage, ref, prev, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
san = os.environ.get('RS_SANITIZE')
TMPNAME = re.compile(r'^\..+\.tmp\.\d+\.\d+$')
base = tempfile.mkdtemp(prefix='loop.', dir=os.environ['TMP'])
def tree(d):
    r = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            r[os.path.relpath(p, d)] = open(p, 'rb').read()
    return r
REF, PREV = tree(ref), tree(prev)
def run(n):
    o = os.path.join(base, str(n))
    if n % 2 == 0:
        shutil.copytree(prev, o)
    else:
        os.makedirs(o)
    env = dict(os.environ, **{var: str(n)})
    if var == 'RS_FAIL_ALLOC':
        # Dying of hunger holds memory in live frames: not a leak.
        env['ASAN_OPTIONS'] = 'detect_leaks=0'
    argv = [a.replace('$O', o) for a in cmd]
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode('utf-8', 'replace')
    why = []
    if p.returncode not in (0, 1, 2):
        why.append('exit %d' % p.returncode)
    if re.search(r'Sanitizer|runtime error', err):
        why.append('sanitizer: ' + err[-400:])
    if p.returncode in (1, 2) and not err.strip():
        why.append('exit %d without a message' % p.returncode)
    got = tree(o)
    for rel, data in got.items():
        if TMPNAME.match(os.path.basename(rel)):
            why.append('temporary file left: ' + rel)
        elif data != REF.get(rel) and data != PREV.get(rel):
            why.append('partial output: ' + rel)
    if n % 2 == 0:
        for rel in PREV:
            if rel not in got:
                why.append('previous output gone: ' + rel)
    if p.returncode == 0:
        for rel, data in REF.items():
            if got.get(rel) != data:
                why.append('a successful run differs from the reference: ' + rel)
    shutil.rmtree(o)
    return n, p.returncode, why, err.strip().splitlines()[-1:] if err.strip() else []
problems, n, last, done = [], 1, None, False
codes = {}
k, rc, why, tail = run(0)
if rc != 0 or why:
    print('not ok - %s: the run without faults succeeds' % stage)
    print('    exit %d %s %s' % (rc, '; '.join(why), ' '.join(tail)))
    sys.exit(0)
with ThreadPoolExecutor(2) as ex:
    while not done and n < 20000:
        for k, rc, why, tail in ex.map(run, [n, n + 1]):
            if why:
                problems.append('N=%d: %s' % (k, '; '.join(why)))
            codes[rc] = codes.get(rc, 0) + 1
            if rc == 0 and not done:
                done, last = True, k
        n += 2
shutil.rmtree(base, ignore_errors=True)
label = '%s: every %s failure ends cleanly' % (stage, 'allocation' if var == 'RS_FAIL_ALLOC' else 'write')
if done and not problems:
    print('ok - %s (%d points; exits %s)' % (label, last - 1,
          ', '.join('%d x%d' % (c, k) for c, k in sorted(codes.items()))))
else:
    print('not ok - %s' % label)
    for p in problems[:8]:
        print('    ' + p)
    if not done:
        print('    never succeeded')
PY
	# references: the normal build's outputs of the same runs
	FR=$D/fault-ref
	fcmd() { # STAGE ref|prev: the tiny command, $O for the output directory
		x=$([ "$2" = ref ] && echo "$F/x.csv" || echo "$F/y.csv")
		r=$([ "$2" = ref ] && echo "$F/records.csv.gz" || echo "$F/records2.csv.gz")
		v=$([ "$2" = ref ] && echo "$F/valid.csv.gz" || echo "$F/valid2.csv.gz")
		a=$([ "$2" = ref ] && echo "$F/agg.csv.gz" || echo "$F/agg2.csv.gz")
		m=$([ "$2" = ref ] && echo "$F/agg.csv.gz $F/agg2.csv.gz" || echo "$F/agg2.csv.gz")
		case $1 in
		ingest) echo "rs-ingest -q -m $F/map.yaml -k $KEY ${TK[*]} -o \$O/records.csv.gz -r \$O/rejects.csv.gz -s \$O/ingest.json $x" ;;
		validate) echo "rs-validate -q ${TV[*]} -o \$O/valid.csv.gz -r \$O/rejects.csv.gz -w \$O/warnings.csv.gz -s \$O/validate.json $r" ;;
		aggregate) echo "rs-aggregate -q -o \$O/agg.csv.gz $v" ;;
		merge) echo "rs-merge -q -o \$O/merged.csv.gz --summary \$O/merge.json $m" ;;
		report) echo "rs-report -q ${TR[*]} -o \$O/report $a" ;;
		esac
	}
	for s in ingest validate aggregate merge report; do
		c=$(fcmd $s ref)
		mkdir -p "$FR/$s/ref" "$FR/$s/prev"
		for k in ref prev; do
			O=$FR/$s/$k
			eval "$BIN/$(fcmd $s $k | sed "s|\\\$O|$O|g")" 2>/dev/null
		done
		for v in RS_FAIL_ALLOC RS_FAIL_WRITE; do
			TMP=$D python3 "$TMP/loop.py" $v "rs-$s" "$FR/$s/ref" "$FR/$s/prev" $FBIN/$c
		done
	done
fi
