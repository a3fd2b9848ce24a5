#!/bin/sh
# tests/fuzz/seeds.sh DIR BIN - writes a seed corpus for every fuzz target
# into DIR/TARGET/, from the samples, ../shared/external/csv-spectrum and
# what BIN's programs make of the samples (records and aggregate files).
# Seeds are small (the first lines of each file): libFuzzer mutates small
# inputs far faster, and the heads hold every header and quirk.
set -eu
out=$1 bin=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${RS_SHARED:-$root/../shared}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rs-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for t in csv ingest records aggrd mask yaml_mapping yaml_rules yaml_catalog yaml_pipeline workbook; do
	mkdir -p "$out/$t"
done

# ingest: one byte picking the mapping (fuzz_ingest.c's order), then the
# export's head. csv: the same heads behind a few option bytes.
i=0
for s in tongan-2024:tongan erqi-2024:erqi aimin-2024:aimin pidu-2023:pidu; do
	f=$root/samples/exports/${s%%:*}.csv
	head -n 40 "$f" >"$tmp/head"
	{ printf "\\$(printf '%03o' $i)"; cat "$tmp/head"; } >"$out/ingest/${s%%:*}"
	{ printf '\000'; cat "$tmp/head"; } >"$out/csv/${s%%:*}-auto"
	{ printf '\020'; cat "$tmp/head"; } >"$out/csv/${s%%:*}-short"
	i=$((i + 1))
done
# aimin's head ending in a 合计 row and footer lines (制表人, 審核人, 注),
# one of them before the 合计 (a data row then), one a short line
{ printf '\002'; head -n 40 "$root/samples/exports/aimin-2024.csv"
  printf '%s\n' '说明：合计前,,,,,,,,,,,,,,' '合计,,,,,,,,,,,1000.00,,,' \
	'制表人：张三,,,,,,,,,,,,,,' '審核人:李四,,,,,,,,,,,,,,' '注1：单位为元'; } >"$out/ingest/aimin-footer"
if [ -x "$bin/rs-gen" ]; then
	"$bin/rs-gen" --rows 30 --seed 7 --defects 0.3 -o "$tmp/gen.csv" >/dev/null 2>&1 &&
		{ printf '\004'; cat "$tmp/gen.csv"; } >"$out/ingest/generated"
fi
if [ -d "$shared/external/csv-spectrum/csvs" ]; then
	for f in "$shared"/external/csv-spectrum/csvs/*.csv; do
		{ printf '\001'; cat "$f"; } >"$out/csv/spectrum-$(basename "$f" .csv)"
	done
fi

# records and aggrd: what the stages write for the sample heads, plain
# (zlib reads plain files as they are) and one gzip file each.
if [ -x "$bin/rs-ingest" ]; then
	export RS_DATADIR=$root/samples/reference
	for s in tongan-2024:tongan aimin-2024:aimin; do
		n=${s%%:*} m=${s#*:}
		head -n 60 "$root/samples/exports/$n.csv" >"$tmp/$n.csv"
		"$bin/rs-ingest" -q -m "$root/samples/mappings/$m.yaml" -k "$root/samples/keys/demo.key" \
			-o "$tmp/$n.r.csv.gz" "$tmp/$n.csv" &&
		"$bin/rs-aggregate" -q -o "$tmp/$n.a.csv.gz" "$tmp/$n.r.csv.gz" || continue
		zcat "$tmp/$n.r.csv.gz" >"$out/records/$n"
		zcat "$tmp/$n.a.csv.gz" >"$out/aggrd/$n"
		cp "$tmp/$n.r.csv.gz" "$out/records/$n.gz"
		cp "$tmp/$n.a.csv.gz" "$out/aggrd/$n.gz"
	done
fi

# Every target also starts from what the fuzzers once found.
for t in csv ingest records aggrd mask yaml_mapping yaml_rules yaml_catalog yaml_pipeline workbook; do
	for f in "$root/tests/fuzz/regress/$t"/*; do
		[ -f "$f" ] && cp "$f" "$out/$t/regress-$(basename "$f")"
	done
done
# workbook: the small workbooks again with their zip entries stored, not
# deflated, so that mutations reach the sheet XML and not only the
# compressed stream.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$root/tests/fuzz/regress/workbook/small.xlsx" "$out/workbook/stored.xlsx" <<'PY' || true
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED) as dst:
    for i in src.infolist():
        dst.writestr(i.filename, src.read(i.filename))
PY
fi
cp "$root"/samples/mappings/*.yaml "$out/yaml_mapping/"
cp "$root"/samples/reference/rules.yaml "$out/yaml_rules/"
cp "$root"/samples/reference/programs.yaml "$root"/samples/reference/programs-local.yaml "$out/yaml_catalog/"
cp "$root"/pipelines/*.yaml "$out/yaml_pipeline/"
# Every YAML target also starts from the other loaders' files: the shapes
# differ, the parser underneath is the same.
for t in yaml_mapping yaml_rules yaml_catalog yaml_pipeline; do
	cp "$root/tests/fuzz/yaml-shapes.yaml" "$out/$t/shapes.yaml"
done

# mask: 18 bytes picking the separators around an ID (fuzz_mask.c), then
# the text it stands in: a reject's raw row, a note, digits beside it.
printf '\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025350212110205,张三,城市低保,备注\n' >"$out/mask/row"
printf '\000\377\356\004\004\004\004\004\004\004\004\004\004\004\004\004\004\004123456 号' >"$out/mask/fullwidth"
printf '\011\005\005\005\005\005\005\005\005\005\005\005\005\005\005\005\005\005"2024-01-05 12:30",734.00' >"$out/mask/dashes"
printf '\000\004\004\004\004\004\004\004\004\004\004\004\004\004\004\004\004\004 备注' >"$out/mask/spaced"
