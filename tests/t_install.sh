#!/bin/bash
# make install PREFIX=... gives programs that run outside the source tree
# with their default data (catalog, regions, rules) found beside them.
. "$(dirname "$0")/lib.sh"
unset RS_DATADIR

expect_exit 0 "make install PREFIX=$TMP/prefix" make -s -C "$ROOT" install PREFIX="$TMP/prefix" DESTDIR=
for f in programs.yaml programs-local.yaml regions.csv rules.yaml; do
	[ -s "$TMP/prefix/share/reliefstat/$f" ] && ok "installed share/reliefstat/$f" || fail "installed share/reliefstat/$f"
done
mkdir -p "$TMP/elsewhere" && cd "$TMP/elsewhere" || exit 1
cp "$KEY" key && chmod 600 key
cp "$ROOT/samples/exports/erqi-2024.csv" "$ROOT/samples/mappings/erqi.yaml" .
P=$TMP/prefix/bin
expect_exit 0 "installed rs-ingest runs with default data" "$P/rs-ingest" -q -m erqi.yaml -k key -o r.csv.gz -s i.json erqi-2024.csv
expect_exit 0 "installed rs-validate finds rules and regions" "$P/rs-validate" -q -p 2024 -o v.csv.gz -s v.json r.csv.gz
expect_exit 0 "installed rs-aggregate --groups" "$P/rs-aggregate" -q -o a.csv.gz -g g.csv.gz v.csv.gz
expect_exit 0 "installed rs-report" "$P/rs-report" --period 2024 -o rep a.csv.gz
python3 "$ROOT/tests/truth_check.py" "$ROOT/samples/exports/erqi-2024.truth.json" v.csv.gz i.json v.json a.csv.gz
