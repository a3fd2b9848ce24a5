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
