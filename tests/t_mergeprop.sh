#!/bin/bash
# Property: for random splits of the sample records into k parts (k = 1..8,
# by region and at random), rs-merge of the parts' aggregates is
# byte-identical to rs-aggregate of all the records.
. "$(dirname "$0")/lib.sh"

d=$TMP/recs; mkdir -p "$d"
# all five samples' valid records, from one pipeline run
"$BIN/reliefstat" run -q --allow-outside "$ROOT/pipelines/yearend.yaml" --var out="$TMP/out" --until aggregate >/dev/null 2>&1 ||
	{ fail "pipeline run for the merge property" "$(tail -3 "$TMP/out/.reliefstat/logs/"*.log 2>/dev/null)"; exit 0; }
whole=$TMP/whole.csv.gz
"$BIN/rs-aggregate" -q -o "$whole" "$TMP"/out/*/valid.csv.gz
for mode in random region; do
	for k in 1 2 3 5 8; do
		rm -rf "$d"/*; mkdir -p "$d"
		python3 - "$mode" "$k" "$d" "$TMP"/out/*/valid.csv.gz <<'PY'
import gzip, random, sys
mode, k, outdir, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rng = random.Random(1000 * k + len(mode))
parts = [[] for _ in range(k)]
header = None
for p in inputs:
    with gzip.open(p, 'rt', encoding='utf-8', newline='') as f:
        lines = f.read().split('\n')
    header = lines[0]
    for l in lines[1:]:
        if not l: continue
        region = l.split(',')[2]
        i = rng.randrange(k) if mode == 'random' else int(region[:9]) % k
        parts[i].append(l)
for i, rows in enumerate(parts):
    with gzip.open(f"{outdir}/part{i}.csv.gz", 'wt', encoding='utf-8', newline='') as f:
        f.write(header + '\n' + ''.join(r + '\n' for r in rows))
PY
		for p in "$d"/part*.csv.gz; do "$BIN/rs-aggregate" -q -o "${p%.csv.gz}.agg.csv.gz" "$p"; done
		"$BIN/rs-merge" -o "$d/merged.csv.gz" "$d"/part*.agg.csv.gz 2>/dev/null
		if cmp -s "$d/merged.csv.gz" "$whole"; then
			ok "merge of $k parts split by $mode equals aggregating the whole"
		else
			fail "merge of $k parts split by $mode equals aggregating the whole" "$(diff <(zcat "$d/merged.csv.gz") <(zcat "$whole") | head -4)"
		fi
	done
done
