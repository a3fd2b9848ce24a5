#!/bin/bash
# Every program's --help, --version and exit codes (SPEC.md section 6).
. "$(dirname "$0")/lib.sh"

for p in rs-ingest rs-validate rs-aggregate rs-merge rs-report reliefstat; do
	expect_exit 0 "$p --help" "$BIN/$p" --help
	grep -qi usage "$TMP/.out" && ok "$p --help prints usage on stdout" || fail "$p --help prints usage on stdout"
	expect_exit 0 "$p --version" "$BIN/$p" --version
	expect_exit 2 "$p with an unknown option exits 2" "$BIN/$p" --no-such-option
done

# The other programs make installs, and the bench's floor: help and
# version too.
for p in rs-draft rs-load rs-gen rs-csvdump rs-floor; do
	expect_exit 0 "$p --help" "$BIN/$p" --help
	grep -qi usage "$TMP/.out" && ok "$p --help prints usage on stdout" || fail "$p --help prints usage on stdout"
	expect_exit 0 "$p -V" "$BIN/$p" -V
	grep -q "^$p [0-9]" "$TMP/.out" && ok "$p -V prints its name and version" || fail "$p -V prints its name and version" "$(cat "$TMP/.out")"
done
expect_exit 2 "rs-floor with an unknown option exits 2" "$BIN/rs-floor" --no-such-option
grep -q "Try 'rs-floor --help'" "$TMP/.err" && ok "... pointing at --help" || fail "... pointing at --help" "$(cat "$TMP/.err")"

m=$ROOT/samples/mappings/tongan.yaml
x=$ROOT/samples/exports/tongan-2024.csv
expect_exit 2 "rs-ingest without --mapping exits 2" "$BIN/rs-ingest" -k "$KEY" -o "$TMP/r.csv.gz" "$x"
expect_exit 1 "rs-ingest on a missing export exits 1" "$BIN/rs-ingest" -m "$m" -k "$KEY" -o "$TMP/r.csv.gz" "$TMP/none.csv"
grep -q "none.csv" "$TMP/.err" && ok "the missing export is named" || fail "the missing export is named"
[ ! -e "$TMP/r.csv.gz" ] && ok "no output is left after a failure" || fail "no output is left after a failure"

cp "$KEY" "$TMP/open.key"; chmod 0644 "$TMP/open.key"
expect_exit 2 "a world-readable key file is refused" "$BIN/rs-ingest" -m "$m" -k "$TMP/open.key" -o "$TMP/r.csv.gz" "$x"
grep -q "chmod 600" "$TMP/.err" && ok "the key error says how to fix it" || fail "the key error says how to fix it"
expect_exit 2 "a missing key file is refused" "$BIN/rs-ingest" -m "$m" -k "$TMP/none.key" -o "$TMP/r.csv.gz" "$x"

# A header lacking a required column: exit 2 naming the column and the mapping.
printf '序号,行政区划代码\n1,350212001002\n' >"$TMP/short.csv"
expect_exit 2 "a header lacking a required column exits 2" "$BIN/rs-ingest" -m "$m" -k "$KEY" -o "$TMP/r.csv.gz" "$TMP/short.csv"
grep -q "身份证号码" "$TMP/.err" && grep -q "tongan.yaml" "$TMP/.err" &&
	ok "the message names the column and the mapping" || fail "the message names the column and the mapping" "$(cat "$TMP/.err")"

# A mapping error names file:line:column.
printf 'encoding: utf-8\ncolumns:\n  region_code: A\n  nonsense: B\n' >"$TMP/bad.yaml"
expect_exit 2 "a mapping with an unknown field exits 2" "$BIN/rs-ingest" -m "$TMP/bad.yaml" -k "$KEY" -o "$TMP/r.csv.gz" "$x"
grep -q "bad.yaml':4:3" "$TMP/.err" && ok "the mapping error gives line and column" || fail "the mapping error gives line and column" "$(cat "$TMP/.err")"

expect_exit 2 "rs-validate with a bad --period exits 2" "$BIN/rs-validate" --period 2024-13 -o "$TMP/v.csv.gz" "$TMP/r.csv.gz"
printf 'not,a,canonical,file\n' | gzip -c >"$TMP/junk.csv.gz"
expect_exit 1 "rs-validate on a non-canonical file exits 1" "$BIN/rs-validate" --period 2024 -o "$TMP/v.csv.gz" "$TMP/junk.csv.gz"
expect_exit 1 "rs-aggregate on a missing input exits 1" "$BIN/rs-aggregate" -o "$TMP/a.csv.gz" "$TMP/none.csv.gz"

# An output that is a device (as /dev/null is) is written in place, never
# renamed over: as root that would replace the device with a plain file.
if mknod "$TMP/null" c 1 3 2>/dev/null; then
	expect_exit 0 "an output path that is a character device" "$BIN/rs-ingest" -q -m "$m" -k "$KEY" \
		-o "$TMP/null" -r "$TMP/null" -s "$TMP/null" "$x"
	[ -c "$TMP/null" ] && ok "the device is still a device" || fail "the device is still a device" "$(ls -la "$TMP/null")"
else
	ok "an output path that is a character device # skip: mknod not permitted"
fi

# Every program that writes a file by name writes into a device or a FIFO
# given as an output, never renames over it nor removes it (as root a
# rename over /dev/null replaces the device with a plain file: it happened
# on a development machine). Each program gets its own device, checked
# after it ran.
if mknod "$TMP/dev" c 1 3 2>/dev/null && mkfifo "$TMP/fifo"; then
	D=$TMP/devs
	mkdir "$D"
	"$BIN/rs-ingest" -q -m "$m" -k "$KEY" -o "$D/r.csv.gz" "$x" &&
		"$BIN/rs-validate" -q --period 2024 -o "$D/v.csv.gz" "$D/r.csv.gz" &&
		"$BIN/rs-aggregate" -q -o "$D/a.csv.gz" "$D/v.csv.gz" ||
		fail "the inputs for the device checks are made"
	still_dev() { # NAME: the device and the FIFO are what they were
		[ -c "$TMP/dev" ] && [ -p "$TMP/fifo" ] && ok "$1 leaves the device and the FIFO as they are" ||
			fail "$1 leaves the device and the FIFO as they are" "$(ls -la "$TMP/dev" "$TMP/fifo" 2>&1)"
		[ -c "$TMP/dev" ] || { rm -f "$TMP/dev"; mknod "$TMP/dev" c 1 3; }
		[ -p "$TMP/fifo" ] || { rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"; }
	}
	# to_fifo NAME CMD...: runs CMD (at most 20 s) while a reader drains
	# the FIFO, and checks that the FIFO got the bytes; a reader still
	# waiting 5 s later (CMD never opened the FIFO) is ended
	to_fifo() {
		name=$1; shift
		: >"$TMP/fifo.got"
		cat "$TMP/fifo" >"$TMP/fifo.got" &
		rd=$!
		timeout 20 "$@" >"$TMP/.out" 2>"$TMP/.err"
		got=$?
		i=0
		while kill -0 $rd 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill $rd 2>/dev/null
		wait $rd 2>/dev/null
		[ "$got" = 0 ] && [ -s "$TMP/fifo.got" ] && ok "$name writes into a FIFO" ||
			fail "$name writes into a FIFO" "exit $got, $(wc -c <"$TMP/fifo.got") bytes read" "$(tail -3 "$TMP/.err")"
	}
	expect_exit 0 "rs-gen -o a device" "$BIN/rs-gen" --rows 100 -o "$TMP/dev"
	still_dev "rs-gen -o"
	expect_exit 0 "rs-gen --truth a device" "$BIN/rs-gen" --rows 100 --truth "$TMP/dev" -o "$D/g.csv"
	still_dev "rs-gen --truth"
	to_fifo "rs-gen -o" "$BIN/rs-gen" --rows 100 -o "$TMP/fifo"
	still_dev "rs-gen -o FIFO"
	expect_exit 1 "rs-gen -o a directory is refused" "$BIN/rs-gen" --rows 10 -o "$D"
	grep -q "directory" "$TMP/.err" && ok "... saying it is a directory" || fail "... saying it is a directory" "$(cat "$TMP/.err")"
	# the bench's zlib floor (tests/bench/floor.c, built by make bench)
	if cc -O2 -o "$D/floor" "$ROOT/tests/bench/floor.c" -lz -ldeflate 2>"$D/cc.err"; then
		expect_exit 0 "the bench's floor -o a device" "$D/floor" -i "$x" -o "$TMP/dev=$x"
		still_dev "the bench's floor"
	else
		fail "tests/bench/floor.c builds" "$(head -3 "$D/cc.err")"
	fi
	expect_exit 0 "rs-validate, every output a device" "$BIN/rs-validate" -q --period 2024 -o "$TMP/dev" \
		-r "$TMP/dev" -w "$TMP/dev" -s "$TMP/dev" "$D/r.csv.gz"
	still_dev "rs-validate"
	expect_exit 0 "rs-aggregate, both outputs devices" "$BIN/rs-aggregate" -q -o "$TMP/dev" -g "$TMP/dev" "$D/v.csv.gz"
	still_dev "rs-aggregate"
	to_fifo "rs-aggregate -o" "$BIN/rs-aggregate" -q -o "$TMP/fifo" "$D/v.csv.gz"
	still_dev "rs-aggregate -o FIFO"
	expect_exit 0 "rs-merge, every output a device" "$BIN/rs-merge" -q -o "$TMP/dev" --summary "$TMP/dev" \
		--warnings "$TMP/dev" "$D/a.csv.gz"
	still_dev "rs-merge"
	expect_exit 1 "rs-report -o a device is refused" "$BIN/rs-report" -o "$TMP/dev" "$D/a.csv.gz"
	grep -q "dev" "$TMP/.err" && ok "... naming it" || fail "... naming it" "$(cat "$TMP/.err")"
	still_dev "rs-report -o"
else
	ok "outputs that are devices or FIFOs # skip: mknod not permitted"
fi
