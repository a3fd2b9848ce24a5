#!/bin/bash
# The generator's 100 k-row export through ingest -> validate -> aggregate
# equals the generator's own truth (every planted defect rejected for its
# reason, every group's measures exact).
. "$(dirname "$0")/lib.sh"

d=$TMP/gen; mkdir -p "$d"
expect_exit 0 "rs-gen 100k rows" "$BIN/rs-gen" --rows 100000 --seed 11 --defects 0.02 --truth "$d/truth.json" -o "$d/export.csv"
expect_exit 0 "ingest the generated export" "$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/generated.yaml" -k "$KEY" \
	-o "$d/records.csv.gz" -r "$d/ir.csv.gz" -s "$d/ingest.json" "$d/export.csv"
expect_exit 0 "validate it" "$BIN/rs-validate" -q --period 2024-01..2024-12 --source export.csv \
	-o "$d/valid.csv.gz" -r "$d/vr.csv.gz" -w "$d/w.csv.gz" -s "$d/validate.json" "$d/records.csv.gz"
expect_exit 0 "aggregate it" "$BIN/rs-aggregate" -q -o "$d/agg.csv.gz" "$d/valid.csv.gz"
python3 "$ROOT/tests/truth_check.py" "$d/truth.json" "$d/valid.csv.gz" "$d/ingest.json" "$d/validate.json" "$d/agg.csv.gz"
