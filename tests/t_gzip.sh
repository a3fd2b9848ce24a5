#!/bin/bash
# Gzip outputs (common/fileio.c): one over a block (1 MiB) is written as
# gzip members compressed on two threads. The members must read back as
# the same data a single stream holds, in order, with the level recorded;
# the bytes must not depend on thread timing (reruns are byte-identical);
# and a small output stays one stream.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
"$BIN/rs-gen" --rows 40000 --seed 3 -o "$TMP/export.csv" 2>/dev/null ||
	{ fail "generate 40 k rows"; exit 0; }
mkdir -p "$TMP/a" "$TMP/b" "$TMP/c"
ing() { # ingest into directory $1
	echo "$BIN/rs-ingest" -q -m samples/mappings/generated.yaml -k "$KEY" \
		-o "$1/records.csv.gz" -r "$1/rejects.csv.gz" "$TMP/export.csv"
}
# shellcheck disable=SC2046
expect_exit 0 "ingest 40 k rows" $(ing "$TMP/a")
# shellcheck disable=SC2046
expect_exit 0 "again, same input" $(ing "$TMP/b")
# shellcheck disable=SC2046
expect_exit 0 "again, level 6" env RS_GZIP_LEVEL=6 $(ing "$TMP/c")
cmp -s "$TMP/a/records.csv.gz" "$TMP/b/records.csv.gz" &&
	ok "members on two threads: reruns are byte-identical" ||
	fail "members on two threads: reruns are byte-identical" "records.csv.gz differs between two runs"
check "gzip -t accepts the members" gzip -t "$TMP/a/records.csv.gz"
python3 - "$TMP/a/records.csv.gz" "$TMP/c/records.csv.gz" "$TMP/a/rejects.csv.gz" <<'PY'
import sys, zlib
def members(path):
    data = open(path, 'rb').read()
    out, n, xfl = [], 0, set()
    while data:
        xfl.add(data[8])
        d = zlib.decompressobj(16 + 15)
        out.append(d.decompress(data))
        out.append(d.flush())
        if not d.eof:
            raise SystemExit('a member is cut short')
        data = d.unused_data
        n += 1
    return b''.join(out), n, xfl
a, na, xa = members(sys.argv[1])
c, nc, xc = members(sys.argv[2])
r, nr, _ = members(sys.argv[3])
def check(cond, name, why):
    print('ok - ' + name if cond else 'not ok - ' + name + '\n    ' + why)
rows = a.count(b'\n')
check(na >= 3, f'a {len(a) >> 20} MiB output is several members ({na})',
      f'{na} members for {len(a)} bytes')
check(a == c, 'level 1 and level 6 hold the same data', 'data differs')
check(xa == {4} and xc == {0},
      'each member records its level (XFL 4 at level 1, 0 at level 6)', f'XFL {xa} and {xc}')
check(rows >= 39000 and a.startswith(b'source,line,'),
      'the members hold the header and every record', f'{rows} lines')
check(nr == 1, 'a small output stays one gzip stream', f'{nr} members')
PY
# Order across members: the line numbers must rise through the file.
zcat "$TMP/a/records.csv.gz" | awk -F, 'NR > 1 { if ($2 + 0 <= last) bad = 1; last = $2 + 0 } END { exit bad }' &&
	ok "records come out in input order across members" ||
	fail "records come out in input order across members" "line numbers out of order"
# Where ISA-L's stream lies in memory must not change a member's bytes.
# ISA-L's level 1 body hashes the stream's address, on a stream's first
# byte, where it should hash the data at offset 2 (common/fileio.c,
# isal_place): with the stream on a thread's stack, reruns under another
# address layout gave a member other bytes in about one file in 30 (of
# 145 members). rs-csvdump --placements makes one block into a member at
# 1024 places of the stream's memory, 256 KiB apart; without isal_place,
# 8 of them give the first block other bytes (its first four bytes recur),
# 4 the second (records from the second line: each starts "export.csv,").
i=1; : >"$TMP/recur.txt"
while [ $i -le 7 ]; do printf 'rec-%04d,item%d\n' $i $i >>"$TMP/recur.txt"; i=$((i + 1)); done
for blk in recur.txt:"a block whose first bytes recur" plain:"a block of records"; do
	f=${blk%%:*}
	[ "$f" = plain ] && { gzip -dc "$TMP/a/records.csv.gz" | sed -n 2,4p | head -c 160 >"$TMP/plain.blk"; f=plain.blk; }
	"$BIN/rs-csvdump" --placements 1024 <"$TMP/$f" >"$TMP/place.out" 2>&1 &&
		ok "${blk#*:}: the same member wherever ISA-L's stream lies" ||
		fail "${blk#*:}: the same member wherever ISA-L's stream lies" "$(cat "$TMP/place.out")"
done

# Reading (common/fileio.c): members of up to a block are decoded whole by
# ISA-L (libdeflate with RS_GZIP_NO_ISAL=1), and zlib takes over, from that
# member on, for whatever they are not. rs-csvdump --read N copies a file's data through rs_in_read in
# reads of N bytes: a block or more decodes members in place, less hands
# them out in pieces. Each file
# must read as gzip -dc reads it, and fail as zlib fails.
M=$TMP/a/records.csv.gz
gzip -dc "$M" >"$TMP/plain.csv"
# reads NAME WANT FILE N: pass if FILE reads as WANT's bytes
reads() {
	name=$1 want=$2 f=$3; shift 3
	if "$BIN/rs-csvdump" --read "$@" "$f" >"$TMP/got" 2>"$TMP/got.err" &&
	   cmp -s "$TMP/got" "$want"; then
		ok "$name"
	else
		fail "$name" "$(wc -c <"$TMP/got") bytes read, want $(wc -c <"$want")" \
			"$(tail -2 "$TMP/got.err")"
	fi
}
for n in 1048576 3000000 262144 4093; do
	reads "our members read back byte-identical, in reads of $n" "$TMP/plain.csv" "$M" $n
done
RS_GZIP_NO_ISAL=1 reads "... and through libdeflate" "$TMP/plain.csv" "$M" 1048576
cmp -s <("$BIN/rs-csvdump" "$M") <("$BIN/rs-csvdump" "$TMP/plain.csv") &&
	ok "csvin reads our members as the plain file" ||
	fail "csvin reads our members as the plain file" "rs-csvdump output differs"

# A file gzip made is one member of all the data: zlib reads it, and reads
# the rest of a file from such a member on.
gzip -c <"$TMP/plain.csv" >"$TMP/foreign.gz"
reads "a gzip-made member over 1 MiB reads whole" "$TMP/plain.csv" "$TMP/foreign.gz" 1048576
reads "a gzip-made member over 1 MiB reads whole, in small reads" \
	"$TMP/plain.csv" "$TMP/foreign.gz" 4093
cat "$M" "$TMP/foreign.gz" >"$TMP/mixed.gz"
cat "$TMP/plain.csv" "$TMP/plain.csv" >"$TMP/plain2.csv"
reads "our members then a gzip-made one: all the data, in order" \
	"$TMP/plain2.csv" "$TMP/mixed.gz" 1048576
# Empty members (an empty output is one) hold nothing and end nothing.
printf '' | gzip -c >"$TMP/empty.gz"
cat "$TMP/empty.gz" "$M" "$TMP/empty.gz" "$M" "$TMP/empty.gz" >"$TMP/empties.gz"
reads "empty members between ours are skipped, not taken for the end" \
	"$TMP/plain2.csv" "$TMP/empties.gz" 262144
: >"$TMP/nothing"
reads "a file of one empty member reads as no data" "$TMP/nothing" "$TMP/empty.gz" 1048576
reads "an empty file reads as no data" "$TMP/nothing" "$TMP/nothing" 1048576

# Bytes after the last member that start no member are trailing garbage,
# which zlib ignores (gzip -dc too, with a warning): they must not come out
# as data, as a fresh zlib stream would read them.
{ cat "$M"; printf 'trailing,garbage\n'; } >"$TMP/garbage.gz"
gzip -dc "$TMP/garbage.gz" >"$TMP/garbage.want" 2>/dev/null
cmp -s "$TMP/garbage.want" "$TMP/plain.csv" &&
	ok "gzip -dc drops trailing garbage" ||
	fail "gzip -dc drops trailing garbage" "gzip -dc gave other data"
reads "trailing garbage after our members is ignored, as gzip -dc does" \
	"$TMP/garbage.want" "$TMP/garbage.gz" 1048576
reads "trailing garbage is ignored in small reads too" \
	"$TMP/garbage.want" "$TMP/garbage.gz" 4093
{ cat "$M"; printf '\037'; } >"$TMP/garbage1.gz"
reads "one trailing byte that could begin a member is garbage too" \
	"$TMP/plain.csv" "$TMP/garbage1.gz" 1048576

# Damage is zlib's to report, in its words, naming the file.
size=$(wc -c <"$M")
head -c $((size - 1000)) "$M" >"$TMP/cut.gz"
expect_exit 1 "a member cut short is an error" "$BIN/rs-csvdump" --read 1048576 "$TMP/cut.gz"
grep -q "'$TMP/cut.gz' is truncated (unexpected end of gzip stream)" "$TMP/.err" &&
	ok "... which says so, naming the file" ||
	fail "... which says so, naming the file" "$(cat "$TMP/.err")"
{ cat "$M"; printf '\037\213\010'; } >"$TMP/cuthead.gz"
expect_exit 1 "a member cut inside its header is an error" \
	"$BIN/rs-csvdump" --read 1048576 "$TMP/cuthead.gz"
grep -q "'$TMP/cuthead.gz' is truncated" "$TMP/.err" &&
	ok "... which says it is truncated too" ||
	fail "... which says it is truncated too" "$(cat "$TMP/.err")"
# flip_trailer BACK OUT: M with one bit flipped BACK bytes before the end
# of its first member (8: the CRC, 4: the length), into OUT.
flip_trailer() {
	python3 - "$M" "$1" "$2" <<'PY'
import sys, zlib
data = bytearray(open(sys.argv[1], 'rb').read())
d = zlib.decompressobj(16 + 15)
d.decompress(bytes(data))
end = len(data) - len(d.unused_data)
data[end - int(sys.argv[2])] ^= 1
open(sys.argv[3], 'wb').write(bytes(data))
PY
}
# One bit of the first member's CRC flipped: its data decodes, the check fails.
flip_trailer 8 "$TMP/crc.gz"
expect_exit 1 "a member whose CRC fails is an error" "$BIN/rs-csvdump" --read 1048576 "$TMP/crc.gz"
grep -q "'$TMP/crc.gz' is corrupt: .*incorrect data check" "$TMP/.err" &&
	ok "... which says the file is corrupt" ||
	fail "... which says the file is corrupt" "$(cat "$TMP/.err")"
# The length in the trailer is checked too, by either decoder.
flip_trailer 4 "$TMP/isize.gz"
for dec in isal libdeflate; do
	how=(-u RS_GZIP_NO_ISAL)
	[ $dec = libdeflate ] && how=(RS_GZIP_NO_ISAL=1)
	expect_exit 1 "a member whose length fails is an error ($dec)" \
		env "${how[@]}" "$BIN/rs-csvdump" --read 1048576 "$TMP/isize.gz"
	grep -q "'$TMP/isize.gz' is corrupt: .*incorrect length check" "$TMP/.err" &&
		ok "... which says the file is corrupt ($dec)" ||
		fail "... which says the file is corrupt ($dec)" "$(cat "$TMP/.err")"
done
# A header CRC (never in our members) is zlib's to check.
python3 - "$TMP/hcrc.gz" <<'PY'
import sys, zlib
c = zlib.compressobj(1, zlib.DEFLATED, 16 + 15)
m = bytearray(c.compress(b'a,b\n1,2\n') + c.flush())
m[3] |= 2                       # FHCRC, followed by a CRC16 that is wrong
open(sys.argv[1], 'wb').write(bytes(m[:10]) + b'\0\0' + bytes(m[10:]))
PY
expect_exit 1 "a member whose header CRC fails is an error" \
	"$BIN/rs-csvdump" --read 1048576 "$TMP/hcrc.gz"
grep -q "'$TMP/hcrc.gz' is corrupt: .*header crc mismatch" "$TMP/.err" &&
	ok "... which says the file is corrupt, as zlib finds it" ||
	fail "... which says the file is corrupt, as zlib finds it" "$(cat "$TMP/.err")"

# A pipe can not be gone back in: zlib reads it, as before.
mkfifo "$TMP/fifo"
timeout 60 cat "$TMP/garbage.gz" >"$TMP/fifo" &
reads "members through a FIFO read as from the file" "$TMP/plain.csv" "$TMP/fifo" 1048576
wait

# Who compresses (common/fileio.c): at level 1, the default, ISA-L's
# igzip; at other levels, or with RS_GZIP_NO_ISAL=1, libdeflate. Either
# way the members must hold the data, compressible or not (random bytes
# do not shrink and must still fit a member), and carry the same header.
head -c 3000000 /dev/urandom >"$TMP/random.bin"
zcat "$TMP/a/records.csv.gz" >"$TMP/text.csv"
for data in random.bin text.csv; do
	for how in isal:1 libdeflate:1 libdeflate:6; do
		lvl=${how#*:}
		noisal=
		[ "${how%:*}" = libdeflate ] && noisal=1
		out=$TMP/w-${how%:*}-$lvl-$data.gz
		env RS_GZIP_LEVEL="$lvl" ${noisal:+RS_GZIP_NO_ISAL=1} \
			"$BIN/rs-csvdump" --write "$out" <"$TMP/$data" 2>"$TMP/.err" &&
			cmp -s <(gzip -dc "$out") "$TMP/$data" &&
			cmp -s <("$BIN/rs-csvdump" --read 1048576 "$out") "$TMP/$data" &&
			ok "$data written by ${how%:*} at level $lvl reads back the same" ||
			fail "$data written by ${how%:*} at level $lvl reads back the same" "$(cat "$TMP/.err")"
	done
done
# The two ways must both have run: their bytes differ.
cmp -s "$TMP/w-isal-1-text.csv.gz" "$TMP/w-libdeflate-1-text.csv.gz" &&
	fail "RS_GZIP_NO_ISAL=1 takes libdeflate: the members' bytes differ" "the same bytes" ||
	ok "RS_GZIP_NO_ISAL=1 takes libdeflate: the members' bytes differ"
python3 - "$TMP" <<'PY'
import sys, zlib
t = sys.argv[1]
def members(path):
    data = open(path, 'rb').read()
    heads = []
    while data:
        heads.append(data[:10])
        d = zlib.decompressobj(16 + 15)
        d.decompress(data)
        data = d.unused_data
    return heads
def check(cond, name, why):
    print('ok - ' + name if cond else 'not ok - ' + name + '\n    ' + why)
for data in ('random.bin', 'text.csv'):
    i = members(f'{t}/w-isal-1-{data}.gz')
    l = members(f'{t}/w-libdeflate-1-{data}.gz')
    check(len(i) == len(l) >= 3 and set(i) == set(l) == {b'\x1f\x8b\x08\0\0\0\0\0\x04\xff'},
          f'{data}: ISA-L and libdeflate members have one header (XFL 4, OS 255)',
          f'{len(i)} and {len(l)} members, headers {set(i)} and {set(l)}')
import os
r = os.path.getsize(f'{t}/w-isal-1-random.bin.gz')
check(r < 3000000 * 1.01, 'random bytes grow by under 1 % in ISA-L members', f'{r} bytes')
PY

# No compressing thread (pthread_create failing, as clone does with EAGAIN
# on a machine out of threads or processes): the caller compresses the
# same members itself, so the bytes do not depend on the threads a run
# got. A shim preloaded in front of libc fails every pthread_create after
# the first RS_SHIM_THREADS (default none); csvscan's reading thread
# fails with them. (Once, the fallback wrote one zlib stream: the same
# data in other bytes, and a rerun under load was not byte-identical.)
if thread_shim; then
	NT=(env "${NT[@]}")
	"${NT[@]}" "$BIN/rs-csvdump" --write "$TMP/nt-probe.gz" <"$TMP/text.csv" 2>"$TMP/.err"
	grep -q 'cannot\|error' "$TMP/.err" && fail "the shim runs the programs" "$(cat "$TMP/.err")"
	for data in random.bin text.csv; do
		for how in isal:1 libdeflate:1 libdeflate:6; do
			lvl=${how#*:}
			noisal=
			[ "${how%:*}" = libdeflate ] && noisal=1
			for n in 0 1; do
				out=$TMP/nt$n-${how%:*}-$lvl-$data.gz
				"${NT[@]}" RS_SHIM_THREADS=$n RS_GZIP_LEVEL="$lvl" ${noisal:+RS_GZIP_NO_ISAL=1} \
					"$BIN/rs-csvdump" --write "$out" <"$TMP/$data" 2>"$TMP/.err" &&
					cmp -s "$out" "$TMP/w-${how%:*}-$lvl-$data.gz" &&
					ok "$data, ${how%:*} level $lvl, $n compressing thread(s): the same bytes as with two" ||
					fail "$data, ${how%:*} level $lvl, $n compressing thread(s): the same bytes as with two" \
						"$(cmp "$out" "$TMP/w-${how%:*}-$lvl-$data.gz" 2>&1)" "$(tail -2 "$TMP/.err")"
			done
		done
	done
	# The stages, end to end: ingest (rows made here), aggregate (rows
	# made by the compressing threads, rs_out_write_items, or here).
	mkdir -p "$TMP/nt"
	# shellcheck disable=SC2046
	"${NT[@]}" $(ing "$TMP/nt") 2>"$TMP/.err"
	cmp -s "$TMP/nt/records.csv.gz" "$TMP/a/records.csv.gz" &&
		ok "rs-ingest without threads (no reader, no compressors): the same bytes" ||
		fail "rs-ingest without threads: the same bytes" "$(cmp "$TMP/nt/records.csv.gz" "$TMP/a/records.csv.gz" 2>&1)" "$(tail -2 "$TMP/.err")"
	"$BIN/rs-aggregate" -q -o "$TMP/agg.csv.gz" "$TMP/a/records.csv.gz" 2>/dev/null
	for n in 0 1 2; do
		"${NT[@]}" RS_SHIM_THREADS=$n "$BIN/rs-aggregate" -q -o "$TMP/nt/agg$n.csv.gz" "$TMP/a/records.csv.gz" 2>"$TMP/.err"
		cmp -s "$TMP/nt/agg$n.csv.gz" "$TMP/agg.csv.gz" &&
			ok "rs-aggregate with $n thread(s) to start: the same bytes as with all" ||
			fail "rs-aggregate with $n thread(s) to start: the same bytes" "$(cmp "$TMP/nt/agg$n.csv.gz" "$TMP/agg.csv.gz" 2>&1)" "$(tail -2 "$TMP/.err")"
	done
	[ "$(gzip -dc "$TMP/agg.csv.gz" | wc -c)" -gt 2097152 ] &&
		ok "... an aggregate of several members" || fail "... an aggregate of several members" "$(gzip -dc "$TMP/agg.csv.gz" | wc -c) bytes"
else
	ok "outputs without compressing threads # skip: no C compiler for the pthread_create shim"
fi
