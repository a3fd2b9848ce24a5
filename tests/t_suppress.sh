#!/bin/bash
# Suppression consistent across the reports a pipeline publishes together:
# on the sample pipeline, a reviewer who subtracts the other districts'
# published figures from the merged report's (tests/suppress_check.py, for
# every table kind, year, row and column) gets no district's hidden cell
# back, and the merged report shows no cell a district hides; the same
# merged report made without the districts' lists (what the pipeline did
# before) gives cells back. Each report lists what it hides, positions
# only; a list that is not one is refused with its position.
. "$(dirname "$0")/lib.sh"

# expect_rc WANT GOT NAME [WHY]: the exit code a command just gave.
expect_rc() {
	if [ "$2" = "$1" ]; then ok "$3"; else fail "$3" "exit $2, want $1" "${4:-}"; fi
}

cd "$ROOT" || exit 1
R=$BIN/rs-report
RUN=$TMP/run
CHECK="python3 tests/suppress_check.py"
"$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$RUN" >"$TMP/run.log" 2>&1 &&
	ok "the sample pipeline runs" || fail "the sample pipeline runs" "$(tail -5 "$TMP/run.log")"
COMPS=$(for d in "$RUN"/[a-z]*-20[0-9][0-9]; do echo "$d/report"; done)

# shellcheck disable=SC2086
$CHECK "$RUN/all/report" $COMPS >"$TMP/check.out" 2>&1
expect_rc 0 $? "no hidden cell of a district comes back from the merged report minus the others, none is shown there" \
	"$(tail -5 "$TMP/check.out")"
grep -q ' 0 hidden cells given back, 0 shown that a report hides$' "$TMP/check.out" &&
	[ "$(grep -o '^[0-9]*' "$TMP/check.out")" -gt 1000 ] &&
	ok "... over more than 1000 published cells of the merged tables" || fail "... over more than 1000 published cells" "$(tail -5 "$TMP/check.out")"

# The reviewer's cells: 二七区's 8月 农村低保 (merged 599 - 同安 197 - 爱民 201)
# and a township hidden in its district's table.
M=$RUN/all/report/published
grep -q '^8月,[^,]*,[^,]*,\*,\*,' "$M/months-2024.csv" &&
	grep -q '^8月,[^,]*,[^,]*,\*,\*,' "$RUN/erqi-2024/report/published/months.csv" &&
	ok "二七区's hidden 8月 农村低保 is hidden in the merged months table too" ||
	fail "二七区's hidden 8月 农村低保 is hidden in the merged months table too" "$(grep '^8月' "$M/months-2024.csv")"
miss=$(python3 - "$RUN" <<'EOF'
import csv, sys
run = sys.argv[1]
def rows(p):
    with open(p, encoding="utf-8-sig") as f:
        r = list(csv.reader(f))
    return r[0], {tuple(x[:2]): x for x in r[1:]}
mh, mr = rows(run + "/all/report/published/towns-2024.csv")
bad = 0
for d in ("erqi-2024", "tongan-2024", "aimin-2024"):
    h, rr = rows(run + "/" + d + "/report/published/towns.csv")
    for k, x in rr.items():
        if k[0] == "合计":
            continue
        for c, v in enumerate(x):
            if v == "*" and h[c] in mh and mr[k][mh.index(h[c])] != "*":
                bad += 1
print(bad)
EOF
)
[ "$miss" = 0 ] && ok "every township cell hidden in its district's table is hidden in the merged one" ||
	fail "every township cell hidden in its district's table is hidden in the merged one" "$miss shown"
grep -q '本表与各区县报表一并公布，隐藏口径一致' "$M/months-2024.md" &&
	grep -q '本表与各区县报表一并公布，隐藏口径一致' "$M/report.md" &&
	! grep -q '本表与各区县报表一并公布' "$RUN/erqi-2024/report/published/months.md" &&
	ok "the merged tables' notes say they hide what the district reports hide (the districts' do not)" ||
	fail "the merged tables' notes say they hide what the district reports hide"

# The lists: positions only, outside both sets, every hidden cell listed.
L=$RUN/erqi-2024/report/suppressed.csv
ok_list=1
[ "$(head -1 "$L")" = "table,period,row,column" ] || ok_list=0
[ ! -e "$RUN/erqi-2024/report/published/suppressed.csv" ] || ok_list=0
grep -q '^months,2024-01..2024-12,2024年8月,农村最低生活保障人次$' "$L" || ok_list=0
unlisted=$(python3 - "$RUN/erqi-2024/report" <<'EOF2'
import csv, sys
d = sys.argv[1]
left = {"programs": 2, "towns": 2, "months": 1, "funding": 1, "people": 2, "spending": 1}
with open(d + "/suppressed.csv", encoding="utf-8") as f:
    listed = {(r[0], r[2], r[3]) for r in list(csv.reader(f))[1:]}
miss = stars = 0
for k, n in left.items():
    with open(d + "/published/" + k + ".csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    for r in rows[1:]:
        lab = " / ".join(x for x in r[:n] if x)
        if k == "months" and lab.endswith("月") and lab != "合计":
            lab = "2024年" + lab
        for c in range(n, len(r)):
            if r[c] == "*":
                stars += 1
                miss += (k, lab, rows[0][c]) not in listed
print(miss if stars else "no stars")
EOF2
)
[ "$unlisted" = 0 ] || ok_list=0
grep -q '[0-9]\.[0-9][0-9]' "$L" && ok_list=0
[ "$ok_list" = 1 ] && ok "each report lists the cells it hides (table, period, row, column; no values; not in published/)" ||
	fail "each report lists the cells it hides" "unlisted: $unlisted; $(head -3 "$L")"

# Plant: the merged report without the districts' lists, as before.
"$R" -q --by-year --excel --title 全部来源 --catalog samples/reference/programs.yaml \
	--catalog samples/reference/programs-local.yaml --regions samples/reference/regions.csv \
	-o "$TMP/nolists" "$RUN/all/agg.csv.gz" 2>"$TMP/nolists.err"
expect_rc 0 $? "the merged report without --hide-as runs" "$(cat "$TMP/nolists.err")"
# shellcheck disable=SC2086
$CHECK "$TMP/nolists" $COMPS >"$TMP/plant.out" 2>&1
rc=$?
given=$(tail -1 "$TMP/plant.out" | sed -n 's/.*: \([0-9]*\) hidden cells given back.*/\1/p')
[ "$rc" = 1 ] && [ "${given:-0}" -ge 5 ] &&
	grep -q 'given back: erqi-2024 months 2024 \[8月\] \[农村最低生活保障人次\] = 599 - 398.0 = 201.0 (internal 201)' "$TMP/plant.out" &&
	ok "without the lists the check finds hidden cells given back ($given, 二七区's 8月 农村低保 among them)" ||
	fail "without the lists the check finds hidden cells given back" "$(tail -3 "$TMP/plant.out")"

# Districts that differ in shape: 爱民区 pays 临时救助 to two rural
# households only (its one row, hidden), the others urban ones, so the
# merged table has 城市, 农村 and a 小计 the districts do not.
S=$TMP/shape; mkdir -p "$S"
COM="--catalog samples/reference/programs.yaml --catalog samples/reference/programs-local.yaml --regions samples/reference/regions.csv"
zcat "$RUN/tongan-2024/agg.csv.gz" >"$S/tongan.csv"
zcat "$RUN/erqi-2024/agg.csv.gz" >"$S/erqi.csv"
zcat "$RUN/aimin-2024/agg.csv.gz" | awk -F, 'NR == 1 || $2 != "linshi" { print; next }
	{ if (!($7 in s) && n < 2) { s[$7] = 1; n++ } if ($7 in s) { OFS = ","; $3 = "rural"; print } }' >"$S/aimin.csv"
ok_shape=1
for d in tongan erqi aimin; do
	# shellcheck disable=SC2086
	"$R" -q $COM --period 2024-01..2024-12 -o "$S/$d" "$S/$d.csv" 2>>"$S/err" || ok_shape=0
done
"$BIN/rs-merge" -q -o "$S/all.csv.gz" "$S/tongan.csv" "$S/erqi.csv" "$S/aimin.csv" 2>>"$S/err" || ok_shape=0
# shellcheck disable=SC2086
"$R" -q --by-year $COM -o "$S/with" --hide-as "$S/tongan/suppressed.csv" --hide-as "$S/erqi/suppressed.csv" \
	--hide-as "$S/aimin/suppressed.csv" "$S/all.csv.gz" 2>>"$S/err" || ok_shape=0
# shellcheck disable=SC2086
"$R" -q --by-year $COM -o "$S/without" "$S/all.csv.gz" 2>>"$S/err" || ok_shape=0
[ "$ok_shape" = 1 ] && grep -q '^临时救助,农村,\*' "$S/aimin/published/programs.csv" &&
	ok "three districts of different shapes are reported and merged" || fail "three districts of different shapes are reported and merged" "$(cat "$S/err")"
$CHECK "$S/with" "$S/tongan" "$S/erqi" "$S/aimin" >"$S/with.out" 2>&1
expect_rc 0 $? "... nothing comes back from their merged report" "$(tail -5 "$S/with.out")"
grep -q '^临时救助,小计,\*' "$S/with/published/programs-2024.csv" &&
	ok "... whose 临时救助 小计 is hidden (爱民区's only 临时救助 row)" || fail "... whose 临时救助 小计 is hidden" "$(grep 临时救助 "$S/with/published/programs-2024.csv")"
$CHECK "$S/without" "$S/tongan" "$S/erqi" "$S/aimin" >"$S/without.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'given back: aimin programs 2024 \[临时救助 / 小计\] \[人次\] = 66 - 62.0 = 4.0 (internal 4)' "$S/without.out" &&
	ok "... and without the lists 爱民区's 临时救助 comes back as the 小计 minus the others'" ||
	fail "... and without the lists 爱民区's 临时救助 comes back" "$(grep 临时救助 "$S/without.out" | head -3)"

# Lists that are not lists.
printf 'a,b,c,d\n' >"$TMP/bad.csv"
"$R" -q -o "$TMP/bad" --hide-as "$TMP/bad.csv" "$RUN/all/agg.csv.gz" 2>"$TMP/bad.err"
expect_rc 1 $? "a --hide-as file with another header is refused" "$(cat "$TMP/bad.err")"
grep -q "header 'a,b,c,d' where 'table,period,row,column' belongs in the list of hidden cells '.*bad.csv' at 1:1" "$TMP/bad.err" &&
	ok "... naming the file, the position and what belongs there" || fail "... naming the file and position" "$(cat "$TMP/bad.err")"
printf 'table,period,row,column\nmonths,2024-13,8月,x\n' >"$TMP/bad2.csv"
"$R" -q -o "$TMP/bad" --hide-as "$TMP/bad2.csv" "$RUN/all/agg.csv.gz" 2>"$TMP/bad2.err"
expect_rc 1 $? "a --hide-as line with a bad period is refused" "$(cat "$TMP/bad2.err")"
grep -q "bad period '2024-13' .* at 2:2" "$TMP/bad2.err" && ok "... at its line and field" || fail "... at its line and field" "$(cat "$TMP/bad2.err")"
"$R" -q -o "$TMP/bad" --hide-as "$TMP/none.csv" "$RUN/all/agg.csv.gz" 2>"$TMP/bad3.err"
expect_rc 1 $? "a missing --hide-as file is refused" "$(cat "$TMP/bad3.err")"
"$R" --help | grep -q -- '--hide-as FILE' && ok "--help describes --hide-as" || fail "--help describes --hide-as"
