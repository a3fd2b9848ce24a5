#!/bin/bash
# The sample year-end pipeline through the runner (what `make run` does):
# every source's figures equal its truth, tables land in internal/ and
# published/, reruns run nothing, a changed mapping reruns only its source.
. "$(dirname "$0")/lib.sh"

out=$TMP/out
cd "$ROOT" || exit 1
expect_exit 0 "reliefstat run pipelines/yearend.yaml" "$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$out"
for s in tongan-2024 erqi-2023 erqi-2024 aimin-2024 pidu-2023; do
	python3 tests/truth_check.py samples/exports/$s.truth.json "$out/$s/valid.csv.gz" \
		"$out/$s/ingest.json" "$out/$s/validate.json" "$out/$s/agg.csv.gz"
	python3 tests/report_check.py samples/exports/$s.truth.json "$out/$s/report/internal/programs.csv" \
		samples/reference/programs.yaml
done
for f in all/report/internal/programs-2023.csv all/report/internal/programs-2024.csv \
	 all/report/published/programs-2024.csv tongan-2024/report/published/report.md; do
	[ -s "$out/$f" ] && ok "wrote $f" || fail "wrote $f"
done

ledger=$out/.reliefstat/ledger.jsonl
# Lines of tasks that ran (the ledger also notes up-to-date tasks and runs).
ran_lines() { grep '"kind":"task"' "$ledger" | grep -v '"state":"up to date"'; }
n0=$(ran_lines | wc -l)
expect_exit 0 "second run" "$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$out"
[ "$(ran_lines | wc -l)" = "$n0" ] && ok "a second run executes no stage" || fail "a second run executes no stage" "ledger grew from $n0 to $(ran_lines | wc -l)"
expect_exit 0 "status: everything up to date" "$BIN/reliefstat" status pipelines/yearend.yaml --var out="$out"

# A changed mapping reruns that source's ingest and what depends on it.
cp samples/mappings/pidu.yaml "$TMP/pidu.yaml"
sed 's/^source: pidu/source: pidu  # edited/' "$TMP/pidu.yaml" >"$TMP/pidu2.yaml"
mkdir -p "$TMP/m"; cp samples/mappings/*.yaml "$TMP/m/"; cp "$TMP/pidu2.yaml" "$TMP/m/pidu.yaml"
yearend_copy "$TMP/p" -e "s#samples/mappings/#$TMP/m/#g"

"$BIN/reliefstat" run -q --allow-outside "$TMP/p/yearend.yaml" --var out="$out" >/dev/null 2>&1   # the path change reruns ingest
cp samples/mappings/pidu.yaml "$TMP/m/pidu.yaml"                              # now edit one mapping only
echo "# a comment" >>"$TMP/m/pidu.yaml"
n1=$(ran_lines | wc -l)
expect_exit 0 "run after editing pidu's mapping" "$BIN/reliefstat" run -q --allow-outside "$TMP/p/yearend.yaml" --var out="$out"
ran=$(ran_lines | tail -n +$((n1 + 1)) | sed 's/.*"stage":"\([^"]*\)".*/\1/' | sort | tr '\n' ' ')
[ "$ran" = "ingest@pidu-2023 " ] && ok "an edited mapping reruns only its source's ingest (outputs unchanged, so nothing after it)" ||
	fail "an edited mapping reruns only its source's ingest" "ran: $ran"
