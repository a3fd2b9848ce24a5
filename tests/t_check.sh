#!/bin/bash
# tests/t_check.sh - configurations that cannot be right (issue 20, SPEC.md
# section 7): `reliefstat check`, and `reliefstat run` before any stage,
# refuse them with file:line:column, the fix and exit 2, as rs-validate and
# rs-ingest do by hand; the published set stays byte-unchanged.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
cd "$ROOT" || exit 1
OUT=$TMP/out
R=samples/reference

expect_exit 0 "check: the sample pipeline is right" "$RS" check pipelines/yearend.yaml
grep -q "check: the 8 configuration files 'pipelines/yearend.yaml' names look right" "$TMP/.err" &&
	ok "  ... and says how many files it read" || fail "  ... and says how many files it read" "$(cat "$TMP/.err")"
expect_exit 0 "check: the partitioned pipeline is right" "$RS" check pipelines/partitioned.yaml
expect_exit 2 "check: no PIPELINE is a usage error" "$RS" check

expect_exit 0 "the sample pipeline runs" "$RS" run -q --allow-outside --var "out=$OUT" pipelines/yearend.yaml
sums() { (cd "$OUT" && find . -path ./.reliefstat -prune -o -type f -print | sort | xargs sha256sum); }
sums >"$TMP/before.sum"
cp "$OUT/.reliefstat/ledger.jsonl" "$TMP/ledger.before"

# refused NAME DATA-DIR PATTERN: check and run refuse the reference files in
# DATA-DIR with a message matching PATTERN; the run writes nothing.
refused() {
	expect_exit 2 "$1: check exits 2" "$RS" check pipelines/yearend.yaml --var "data=$2"
	grep -Eq -- "$3" "$TMP/.err" && ok "$1: the message (file:line:column, the fix)" ||
		fail "$1: the message (file:line:column, the fix)" "$(cat "$TMP/.err")" "want: $3"
	expect_exit 2 "$1: run exits 2 before any stage" "$RS" run --allow-outside --var "out=$OUT" \
		--var "data=$2" pipelines/yearend.yaml
	tail -1 "$TMP/.err" | grep -q "problems\? in the configuration files 'pipelines/yearend.yaml' names; nothing was run" &&
		grep -Eq -- "$3" "$TMP/.err" && ok "$1: run says why and that nothing was run" ||
		fail "$1: run says why and that nothing was run" "$(tail -3 "$TMP/.err")"
	sums | cmp -s - "$TMP/before.sum" && cmp -s "$OUT/.reliefstat/ledger.jsonl" "$TMP/ledger.before" &&
		ok "$1: every output (published set included) byte-unchanged, no stage ran" ||
		fail "$1: every output (published set included) byte-unchanged, no stage ran"
}
ref() { rm -rf "$TMP/$1"; mkdir -p "$TMP/$1"; cp "$R"/* "$TMP/$1/"; }
std() { sed -i "s/    standards: \[\]/    standards:\n$2/" "$TMP/$1/rules.yaml"; }

# Two standards for one program (600 and 360 元 a household): the first
# would silently win and reject every genuine 360.
ref overlap
std overlap '      - {program: holiday_visit, region: "350212", per: household, amount: 600.00}\n      - {program: holiday_visit, region: "3502", period: 2024-01..2024-02, per: household, amount: 360.00}'
refused "overlapping standards" "$TMP/overlap" \
	"rules.yaml':48:9: payment standards overlap: \{program: holiday_visit, region: \"350212\", amount: 600.00\} at line 47 and \{program: holiday_visit, region: \"3502\", period: 2024-01..2024-02, amount: 360.00\} at line 48 .*make them differ in program, region or period"
V=(--period 2024-01..2024-12 -o "$TMP/v.csv.gz" --catalog "$R/programs.yaml" --catalog "$R/programs-local.yaml" "$OUT/tongan-2024/records.csv.gz")
expect_exit 2 "overlapping standards: rs-validate by hand exits 2" "$BIN/rs-validate" --rules "$TMP/overlap/rules.yaml" "${V[@]}"
grep -q "payment standards overlap" "$TMP/.err" && [ ! -e "$TMP/v.csv.gz" ] &&
	ok "  ... with the same message, writing nothing" || fail "  ... with the same message, writing nothing" "$(cat "$TMP/.err")"
# Standards for different regions or months do not overlap.
ref apart
std apart '      - {program: holiday_visit, region: "350212", per: household, amount: 600.00}\n      - {program: holiday_visit, region: "210102", per: household, amount: 360.00}\n      - {program: charity_aid, period: 2024-01..2024-02, amount: 100.00}\n      - {program: charity_aid, period: 2024-03..2024-12, amount: 200.00}'
expect_exit 0 "standards for other regions or months pass" "$RS" check pipelines/yearend.yaml --var "data=$TMP/apart"

ref misspelt
std misspelt '      - {program: holiday_vist, region: "350212", per: household, amount: 600.00}'
refused "a misspelt program code in a standard" "$TMP/misspelt" \
	"rules.yaml':47:9: payment standard for program 'holiday_vist', which is not in the catalog: it would never apply; did you mean 'holiday_visit'\?"
expect_exit 2 "  ... rs-validate by hand exits 2" "$BIN/rs-validate" --rules "$TMP/misspelt/rules.yaml" "${V[@]}"

ref region
std region '      - {program: charity_aid, region: "359999", per: household, amount: 500.00}'
refused "a region prefix matching no region" "$TMP/region" \
	"rules.yaml':47:9: payment standard for 'charity_aid' has region prefix \"359999\", which matches no region in the region table"
expect_exit 2 "  ... rs-validate by hand exits 2" "$BIN/rs-validate" --rules "$TMP/region/rules.yaml" "${V[@]}"

ref family
sed -i 's/families: \[dibao, tekun\]/families: [dibao, tekuen]/' "$TMP/family/rules.yaml"
refused "an unknown family in a conflict rule" "$TMP/family" "rules.yaml':[0-9]+:[0-9]+: rule 'no_dibao_and_tekun' names the program family 'tekuen'"

# A local program without recurrence would become monthly: a one-off
# payment would get 期末 figures and a 月人均补助水平.
ref local
printf -- '- code: flood_relief\n  parent: linshi\n  name_zh: 洪灾临时救助\n  payment_grain: household\n  public_money: true\n' >>"$TMP/local/programs-local.yaml"
refused "a local program without recurrence" "$TMP/local" \
	"programs-local.yaml':36:3: local program 'flood_relief' leaves to a default what changes its figures: add \`recurrence: monthly\|one_off\|status\|triggered\`"
ING=(-m samples/mappings/tongan.yaml -k "$KEY" -o "$TMP/i.csv.gz" samples/exports/tongan-2024.csv)
expect_exit 2 "  ... rs-ingest by hand exits 2" "$BIN/rs-ingest" --catalog "$TMP/local/programs.yaml" --catalog "$TMP/local/programs-local.yaml" "${ING[@]}"
grep -q "local program 'flood_relief'" "$TMP/.err" && ok "  ... naming the program" || fail "  ... naming the program" "$(cat "$TMP/.err")"
ref local3
printf -- 'programs:\n- code: flood_relief\n  parent: linshi\n  name_zh: 洪灾临时救助\n  recurrence: one_off\n' >"$TMP/local3/extra.yaml"
expect_exit 2 "a local program without payment_grain and public_money" "$BIN/rs-ingest" --catalog "$R/programs.yaml" --catalog "$TMP/local3/extra.yaml" "${ING[@]}"
grep -q "extra.yaml':2:3: local program 'flood_relief' leaves to a default what changes its figures: add \`payment_grain: household|person\`, \`public_money: true|false\`" "$TMP/.err" &&
	ok "  ... naming both fields" || fail "  ... naming both fields" "$(cat "$TMP/.err")"
printf '  payment_grain: household\n  public_money: true\n' >>"$TMP/local3/extra.yaml"
expect_exit 0 "  ... and with them it is taken" "$BIN/rs-ingest" -q --catalog "$R/programs.yaml" --catalog "$TMP/local3/extra.yaml" "${ING[@]}"

# A mapping label mapped to a code the catalog lacks.
{ cat samples/mappings/tongan.yaml; printf 'programs:\n  困难残疾人补贴: disab_livng\n'; } >"$TMP/m.yaml"
yearend_copy "$TMP/p" -e "s#mapping: samples/mappings/tongan.yaml#mapping: $TMP/m.yaml#"
expect_exit 2 "a mapping label mapped to an unknown code: check exits 2" "$RS" check "$TMP/p/yearend.yaml"
grep -q "m.yaml':19:12: the label '困难残疾人补贴' is mapped to program 'disab_livng', which is not in the catalog: its rows would be rejected as unknown_program; did you mean 'disab_living'?" "$TMP/.err" &&
	ok "  ... the message" || fail "  ... the message" "$(cat "$TMP/.err")"
expect_exit 2 "  ... run exits 2" "$RS" run --allow-outside --var "out=$OUT" "$TMP/p/yearend.yaml"
sums | cmp -s - "$TMP/before.sum" && ok "  ... nothing written" || fail "  ... nothing written"
expect_exit 2 "  ... rs-ingest by hand exits 2" "$BIN/rs-ingest" -m "$TMP/m.yaml" -k "$KEY" -o "$TMP/i.csv.gz" samples/exports/tongan-2024.csv
grep -q "disab_livng" "$TMP/.err" && ok "  ... naming the code" || fail "  ... naming the code" "$(cat "$TMP/.err")"

# A mapping lacking a required key: check names the export's header cell
# for it, as rs-ingest does (the same message, the fix with the header).
grep -v '^  amount: ' samples/mappings/tongan.yaml >"$TMP/noamt.yaml"
yearend_copy "$TMP/na" -e "s#mapping: samples/mappings/tongan.yaml#mapping: $TMP/noamt.yaml#"
expect_exit 2 "a mapping lacking amount: check exits 2" "$RS" check "$TMP/na/yearend.yaml"
grep -q "noamt.yaml':[0-9]*:[0-9]*: 'columns' lacks the required field 'amount'; the export's header (line 1) has '发放金额（万元）' in column 12: add \`amount: 发放金额（万元）\` under \`columns:\`" "$TMP/.err" &&
	ok "  ... naming the export's header cell for it" || fail "  ... naming the export's header cell for it" "$(cat "$TMP/.err")"
expect_exit 2 "  ... rs-ingest by hand exits 2" "$BIN/rs-ingest" -m "$TMP/noamt.yaml" -k "$KEY" -o "$TMP/i.csv.gz" samples/exports/tongan-2024.csv
msg=$(sed 's/^rs-ingest: //' "$TMP/.err")
"$RS" check "$TMP/na/yearend.yaml" 2>&1 | grep -qF "$msg" && ok "  ... saying what rs-ingest says" || fail "  ... saying what rs-ingest says" "$msg"

# A mapping saying gb18030 for an export that starts with a UTF-8 BOM:
# named with the mapping's line and the fix, before anything runs.
sed 's/^encoding: .*/encoding: gb18030/' samples/mappings/tongan.yaml >"$TMP/gb.yaml"
grep -q '^encoding: gb18030' "$TMP/gb.yaml" || fail "the gb18030 mapping is made" "sed did not apply"
L=$(grep -n '^encoding:' "$TMP/gb.yaml" | cut -d: -f1)
yearend_copy "$TMP/gb" -e "s#mapping: samples/mappings/tongan.yaml#mapping: $TMP/gb.yaml#"
expect_exit 2 "a gb18030 mapping for a UTF-8 export with a BOM: check exits 2" "$RS" check "$TMP/gb/yearend.yaml"
grep -q "gb.yaml':$L:11: the export 'samples/exports/tongan-2024.csv' starts with a UTF-8 byte order mark (EF BB BF).*set \`encoding: utf-8\`" "$TMP/.err" &&
	ok "  ... saying the file starts with a UTF-8 BOM, and the fix" || fail "  ... saying the file starts with a UTF-8 BOM, and the fix" "$(cat "$TMP/.err")"
expect_exit 2 "  ... run exits 2" "$RS" run --allow-outside --var "out=$OUT" "$TMP/gb/yearend.yaml"
expect_exit 2 "  ... rs-ingest by hand exits 2" "$BIN/rs-ingest" -m "$TMP/gb.yaml" -k "$KEY" -o "$TMP/gbi.csv.gz" samples/exports/tongan-2024.csv
grep -q "starts with a UTF-8 byte order mark (EF BB BF).*set \`encoding: utf-8\`" "$TMP/.err" && [ ! -e "$TMP/gbi.csv.gz" ] &&
	ok "  ... saying the same, writing nothing" || fail "  ... saying the same, writing nothing" "$(cat "$TMP/.err")"
sums | cmp -s - "$TMP/before.sum" && ok "  ... nothing written" || fail "  ... nothing written"

# Every problem is named at once, each once (the five validate tasks share
# the rules file).
ref many
std many '      - {program: holiday_vist, region: "350212", per: household, amount: 600.00}\n      - {program: charity_aid, region: "359999", per: household, amount: 500.00}'
expect_exit 2 "two problems: check exits 2" "$RS" check pipelines/yearend.yaml --var "data=$TMP/many"
[ "$(grep -c "rules.yaml':4[78]:9:" "$TMP/.err")" = 2 ] && grep -q "check: 2 problems" "$TMP/.err" &&
	ok "  ... both named, each once" || fail "  ... both named, each once" "$(cat "$TMP/.err")"

# A path typo in the sources file is named where it is written: the
# sources file's line and column, not the pipeline's (never edited).
yearend_copy "$TMP/typo" -e "s#samples/exports/erqi-2024.csv#samples/exports/erqi-2O24.csv#"
expect_exit 2 "a typo in the sources file: check exits 2" "$RS" check "$TMP/typo/yearend.yaml"
L=$(grep -n "erqi-2O24" "$TMP/typo/sources.yaml" | cut -d: -f1)
C=$(grep "erqi-2O24" "$TMP/typo/sources.yaml" | awk '{ print index($0, "samples/exports/erqi-2O24") }')
grep -q "'$TMP/typo/sources.yaml':$L:$C: ingest@erqi-2024: input 'samples/exports/erqi-2O24.csv' does not exist" "$TMP/.err" &&
	! grep -q "yearend.yaml':[0-9]" "$TMP/.err" &&
	ok "  ... at the path in the sources file ($L:$C)" || fail "  ... at the path in the sources file" "$(cat "$TMP/.err")"
yearend_copy "$TMP/typo2" -e "s#\"\${item.file}\", \"\${item.mapping}\", \"\${key}\"#\"\${item.file}.x\", \"\${item.mapping}\", \"\${key}\"#"
expect_exit 2 "a typo in the pipeline's template: check exits 2" "$RS" check "$TMP/typo2/yearend.yaml"
grep -q "'$TMP/typo2/yearend.yaml':[0-9]*:[0-9]*: ingest@tongan-2024: input 'samples/exports/tongan-2024.csv.x' does not exist" "$TMP/.err" &&
	ok "  ... is named in the pipeline" || fail "  ... is named in the pipeline" "$(cat "$TMP/.err")"
