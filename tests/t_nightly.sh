#!/bin/bash
# tests/t_nightly.sh - two nights of the sample pipeline: one amount of one
# export changes between them; `reliefstat diff` must list exactly the
# published cells that changed (checked against python3's own comparison
# of the two published sets) and `reliefstat explain` must rebuild one of
# them from the records it lists. Then a failed night marks the published
# reports as not updated and a good one restores them byte for byte, and
# the documented crontab line runs under env -i, from /, with no terminal.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
W=$TMP/srv
mkdir -p "$W/pipelines" || exit 1
cp -a "$ROOT/samples" "$W/"
cp "$ROOT/pipelines/yearend.yaml" "$ROOT/pipelines/sources.yaml" "$W/pipelines/"
ln -s "$BIN" "$W/bin"
cd "$W" || exit 1
P=pipelines/yearend.yaml
pubsets() { # DIR: a copy of every published set
	rm -rf "$1"; mkdir -p "$1"
	for d in out/*/report/published; do s=${d#out/}; s=${s%%/*}; cp -a "$d" "$1/$s"; done
}

expect_exit 0 "night 1" "$RS" run $P
pubsets "$TMP/night1"
# One amount of one export: line 3 of erqi-2024.csv, 1,574.00 -> 1,674.00.
python3 - samples/exports/erqi-2024.csv <<'PY'
import sys
p = sys.argv[1]
lines = open(p, 'rb').read().decode('gb18030').split('\n')
assert '"1,574.00"' in lines[2], lines[2]
lines[2] = lines[2].replace('"1,574.00"', '"1,674.00"')
open(p, 'wb').write('\n'.join(lines).encode('gb18030'))
PY
expect_exit 0 "night 2" "$RS" run $P
grep -Eq '^\[20[0-9-]+ [0-9:]+\] reliefstat: ran [0-9]+ stages, [0-9]+ up to date, 0 failed in [0-9.]+s; [0-9]+ published figures changed since run 1$' "$TMP/.err" &&
	ok "night 2: the dated summary line counts the changed figures" ||
	fail "night 2: the dated summary line counts the changed figures" "$(cat "$TMP/.err")"
[ "$(wc -l <"$TMP/.err")" = 1 ] && ok "night 2: off a terminal, one line" || fail "night 2: off a terminal, one line" "$(cat "$TMP/.err")"
figures=$(sed -n 's/.*; \([0-9]*\) published figures changed.*/\1/p' "$TMP/.err")
pubsets "$TMP/night2"
expect_exit 0 "diff --json (the last two runs)" "$RS" diff $P --json
cp "$TMP/.out" "$TMP/diff.json"
python3 - "$TMP/night1" "$TMP/night2" "$TMP/diff.json" "$figures" <<'PY' && ok "diff lists exactly the changed cells (python's own comparison)" || fail "diff lists exactly the changed cells (python's own comparison)"
import csv, collections, json, os, sys
a, b, dj, figures = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
want = collections.Counter()
for src in sorted(os.listdir(b)):
    for f in sorted(os.listdir(os.path.join(b, src))):
        if not f.endswith('.csv'):
            continue
        old = list(csv.reader(open(os.path.join(a, src, f), encoding='utf-8-sig')))
        new = list(csv.reader(open(os.path.join(b, src, f), encoding='utf-8-sig')))
        assert old[0] == new[0] and len(old) == len(new), f   # one amount: same shape
        for ro, rn in zip(old[1:], new[1:]):
            assert ro[0] == rn[0], (f, ro, rn)
            for h, x, y in zip(new[0], ro, rn):
                if x != y:
                    want[(f"out/{src}/report/published/{f}", rn[0], h, x, y)] += 1
d = json.load(open(dj))
assert d["from"] == 1 and d["to"] == 2, d
got = collections.Counter()
for c in d["changes"]:
    assert c["kind"] == "变动", c                       # no row or table came or went
    assert c["inputs"] == "samples/exports/erqi-2024.csv", c
    got[(c["file"], c["row"].split(" / ")[0], c["column"], c["old"], c["new"])] += 1
assert want == got, (sorted(want - got), sorted(got - want))
assert len(want) == figures > 0, (len(want), figures)
assert any(k[0].startswith("out/all/") for k in want) and any(k[0].startswith("out/erqi-2024/") for k in want)
assert not any(k[0].startswith("out/erqi-2023/") for k in want)
PY
expect_exit 0 "diff 1 2 (text)" "$RS" diff $P 1 2
grep -q '^变动 | out/erqi-2024/report/published | 郑州市二七区2024年分地区汇总表 | 二七区 / 人和路街道 | 最低生活保障支出（万元） | 26.41 -> 26.42 | samples/exports/erqi-2024.csv$' "$TMP/.out" &&
	ok "diff text: table, row, column, old -> new, the input" || fail "diff text: table, row, column, old -> new, the input" "$(head -3 "$TMP/.out")"
head -c 3 out/erqi-2024/report/changes.csv | od -An -tx1 | grep -q 'ef bb bf' &&
	grep -q '^郑州市二七区2024年分地区汇总表,二七区 / 人和路街道,最低生活保障支出（万元）,26.41,26.42,变动,samples/exports/erqi-2024.csv' out/erqi-2024/report/changes.csv &&
	grep -q '<td>26.42</td>' out/erqi-2024/report/changes.html &&
	ok "changes.csv (BOM) and changes.html beside the report" || fail "changes.csv (BOM) and changes.html beside the report" "$(head -3 out/erqi-2024/report/changes.csv)"
expect_exit 2 "diff with one run number" "$RS" diff $P 1
grep -q "diff takes two runs or none ('1')" "$TMP/.err" && ok "diff with one run number: message" || fail "diff with one run number: message" "$(cat "$TMP/.err")"

# Where the changed figure comes from.
expect_exit 0 "explain a changed cell" "$RS" explain $P --source erqi-2024 --table 分地区汇总表 --row 人和路街道 --column 最低生活保障支出 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: the listed records sum to the cell (26.42 万元), the changed line among them" || fail "explain: the listed records sum to the cell (26.42 万元), the changed line among them"
import json, sys
from decimal import Decimal, ROUND_HALF_UP
e = json.load(open(sys.argv[1]))
total = sum(Decimal(r["amount"]) for r in e["records"])
wan = (total / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
assert str(wan) == e["value"] == e["records_sum"] == "26.42" and e["equal"], (wan, e["value"])
assert {r["program"] for r in e["records"]} <= {"dibao", "dibao_urban", "dibao_rural"}, e
assert any(r["line"] == "3" and r["amount"] == "1674.00" for r in e["records"]), "line 3"
PY
expect_exit 0 "explain a suppressed cell" "$RS" explain $P --source erqi-2024 --table 分地区汇总表 --row 一马路街道 --column 最低生活保障人次
grep -q '^郑州市二七区2024年分地区汇总表 | 二七区 / 一马路街道 | 最低生活保障人次 = 144（公开表：\*，已隐去，据内部表说明）$' "$TMP/.out" &&
	grep -q '：最低生活保障人次 = 144，等于表中数字$' "$TMP/.out" &&
	ok "explain: a suppressed cell from the internal set" || fail "explain: a suppressed cell from the internal set" "$(head -2 "$TMP/.out")"
expect_exit 0 "explain with rejects in the cell" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "农村最低生活保障 / 农村" --column 人次
grep -q '校验 发放年月不在报告期内（period_out_of_range）：' "$TMP/.out" && ok "explain: the cell's rejects and why, in Chinese" || fail "explain: the cell's rejects and why, in Chinese" "$(tail -3 "$TMP/.out")"
# Ingest's rejects too: read back from the export's raw row.
expect_exit 0 "explain with ingest rejects in the cell" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 人次 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: ingest rejects placed by region, program, area and month from the raw row" || fail "explain: ingest rejects placed by region, program, area and month from the raw row" "$(head -c 400 "$TMP/.out")"
import json, sys
e = json.load(open(sys.argv[1]))
ing = sorted((r["line"], r["reason"]) for r in e["rejects"] if r["stage"] == "ingest")
assert ing == [("2971", "missing_field"), ("4656", "bad_id"), ("4722", "missing_field"), ("4894", "bad_amount")], ing
assert e["ingest_rejects_read"] and e["ingest_rejects_unplaced"] == {"malformed_line": 6, "unknown_program": 6}, e["ingest_rejects_unplaced"]
assert all("*" in r["beneficiary"] or r["beneficiary"] == "" for r in e["rejects"] if r["stage"] == "ingest"), "IDs masked"
PY
expect_exit 0 "explain the grand total" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row 合计 --column 人次 --json
python3 - "$TMP/.out" out/erqi-2024/ingest.json out/erqi-2024/validate.json <<'PY' && ok "explain: in 合计 every reject is listed or counted as not placed" || fail "explain: in 合计 every reject is listed or counted as not placed" "$(head -c 400 "$TMP/.out")"
import json, sys
e, i, v = (json.load(open(a)) for a in sys.argv[1:4])
ing = [r for r in e["rejects"] if r["stage"] == "ingest"]
val = [r for r in e["rejects"] if r["stage"] == "validate"]
assert len(ing) + sum(e["ingest_rejects_unplaced"].values()) == i["reject_total"], (len(ing), e["ingest_rejects_unplaced"], i["reject_total"])
assert e["ingest_rejects_unplaced"] == {"malformed_line": i["rejects"]["malformed_line"]}, e["ingest_rejects_unplaced"]
assert len(val) == v["reject_total"], (len(val), v["reject_total"])
PY
expect_exit 0 "explain as text" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 人次
grep -q '导入 身份证号码有误（bad_id）：' "$TMP/.out" && grep -q '^另有12条导入时被剔除的记录无法确定是否属于该单元格（地区、项目、城乡或月份读不出）：字段数不符 6条，救助类别无法识别 6条$' "$TMP/.out" &&
	ok "explain: ingest rejects and those not placed, in Chinese" || fail "explain: ingest rejects and those not placed, in Chinese" "$(tail -4 "$TMP/.out")"
expect_exit 2 "explain an unknown row" "$RS" explain $P --source erqi-2024 --table 分地区汇总表 --row 无此镇 --column 合计人次
grep -q "no row '无此镇'; the nearest rows are '[^']*', " "$TMP/.err" && grep -q "(name a row by its first cells, as the table prints them)$" "$TMP/.err" &&
	ok "explain an unknown row: message, with rows of the table" || fail "explain an unknown row: message, with rows of the table" "$(cat "$TMP/.err")"
# A row label that is not in the table: the nearest rows are offered, by
# the table's own labels (a character off, a township without 镇/街道)
# and by the catalog (a program's alias for the name the tables print).
while IFS='|' read -r table row col hint; do
	expect_exit 2 "explain --row '$row' (no such row)" "$RS" explain $P --source erqi-2024 --table "$table" --row "$row" --column "$col"
	[ "$(cat "$TMP/.err")" = "reliefstat: no row '$row'; $hint (name a row by its first cells, as the table prints them)" ] &&
		ok "... $hint" || fail "... $hint" "$(cat "$TMP/.err")"
done <<EOF2
分地区汇总表|马赛镇|临时救助人次|did you mean '二七区 / 马寨镇'?
分地区汇总表|淮河路|临时救助人次|did you mean '二七区 / 淮河路街道'?
分项目汇总表|城市低保|人次|did you mean '城市最低生活保障 / 城市'?
分项目汇总表|高龄津贴/城镇|人次|did you mean '高龄津贴 / 城市'?
EOF2
expect_exit 2 "explain --row matching several rows" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row 高龄津贴 --column 人次
grep -qx "reliefstat: more than one row '高龄津贴'; name one by its first cells: '高龄津贴 / 城市', '高龄津贴 / 农村', '高龄津贴 / 小计'" "$TMP/.err" &&
	ok "... lists them" || fail "... lists them" "$(cat "$TMP/.err")"
# The counts of beneficiaries (SPEC.md section 4), as the aggregate makes them.
expect_exit 0 "explain 累计保障人数 of a household program" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 累计保障人数
grep -q '：累计保障人数 = 205，等于表中数字$' "$TMP/.out" && ok "explain: 累计保障人数 205 = the households' persons" || fail "explain: 累计保障人数 205 = the households' persons" "$(grep '^合计' "$TMP/.out")"
expect_exit 0 "explain 期末保障户数" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 期末保障户数 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: 期末保障户数 69 from December's records only" || fail "explain: 期末保障户数 69 from December's records only" "$(head -c 300 "$TMP/.out")"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["value"] == e["records_sum"] == "69" and e["equal"], e["value"]
assert {r["month"] for r in e["records"]} == {"2024-12"}, {r["month"] for r in e["records"]}
assert len({r["beneficiary"] for r in e["records"]}) == 69
PY
# 期末 of 合计 counts monthly programs only: no 临时救助 record is listed
# under it (the one-off payments of December are no part of the stock).
expect_exit 0 "explain 期末保障人数 of 合计" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row 合计 --column 期末保障人数 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: 合计 期末 lists no one-off (临时救助) record, and its records sum to it" || fail "explain: 合计 期末 lists no one-off (临时救助) record, and its records sum to it" "$(head -c 300 "$TMP/.out")"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["equal"], (e["value"], e["records_sum"])
names = {r["program_name"] for r in e["records"]}
assert names and not any('临时' in n for n in names), names
assert sum(r["persons"] for r in e["records"]) == int(e["value"]), (sum(r["persons"] for r in e["records"]), e["value"])
PY
# What explain prints for a reject is Chinese: the 退回清单's words, not
# the stage's English message (kept in --json).
expect_exit 0 "explain as text, with ingest rejects" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row 合计 --column 人次
grep '（[a-z_]*）：' "$TMP/.out" >"$TMP/rj.txt"
[ -s "$TMP/rj.txt" ] && ! grep -q "[A-Za-z]\{3,\}[^A-Za-z_）]*（人数" "$TMP/rj.txt" && ! grep -q "is empty\|is not in\|outside" "$TMP/rj.txt" &&
	grep -q '“身份证号码”：必填项为空，请补填。' "$TMP/rj.txt" &&
	ok "explain: each reject is told in Chinese" || fail "explain: each reject is told in Chinese" "$(head -5 "$TMP/rj.txt")"
# The merged report is no source: the message says what to type.
expect_exit 2 "explain --source all" "$RS" explain $P --source all --table 分项目汇总表 --row 合计 --column 人次
grep -q "'all' is a merged report.*--source tongan-2024" "$TMP/.err" &&
	ok "... says to ask each source, naming them" || fail "... says to ask each source, naming them" "$(cat "$TMP/.err")"
expect_exit 0 "explain a — cell" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "临时救助 / 城市" --column 期末保障人数
grep -q '表中期末保障人数为“—”：此口径不适用于该行' "$TMP/.out" && ok "explain: a — cell is said not to apply" || fail "explain: a — cell is said not to apply" "$(grep '^合计' "$TMP/.out")"
python3 "$ROOT/tests/explain_all.py" "$RS" $P out tongan-2024 erqi-2023 erqi-2024 aimin-2024 pidu-2023
expect_exit 0 "explain 月人均补助水平, the row typed without spaces" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障/城市" --column 月人均补助水平
grep -q '| 城市最低生活保障 / 城市 | 月人均补助水平（元） = 765.00$' "$TMP/.out" && grep -q '：月人均补助水平（元） = 765.00，等于表中数字$' "$TMP/.out" &&
	ok "explain: 月人均补助水平 = 支出 ÷ 人次 (765.00)" || fail "explain: 月人均补助水平 = 支出 ÷ 人次 (765.00)" "$(grep '^合计' "$TMP/.out")"
expect_exit 0 "explain 累计保障人数 --json" "$RS" explain $P --source erqi-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 累计保障人数 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: 累计保障人数 205 is the persons each of its 71 households counts" || fail "explain: 累计保障人数 205 is the persons each of its 71 households counts" "$(head -c 300 "$TMP/.out")"
import json, sys
e = json.load(open(sys.argv[1]))
b = e["beneficiaries"]
assert len(b) == 71 and sum(x["persons"] for x in b) == 205 == int(e["value"]), (len(b), sum(x["persons"] for x in b))
per = {}
for r in e["records"]:
    per[r["beneficiary"]] = max(per.get(r["beneficiary"], 0), r["persons"])
assert all(x["persons"] >= per[x["beneficiary"]] for x in b)
PY
for c in runs show diff explain check preview; do
	"$RS" $c --help >"$TMP/.out" 2>&1
	head -1 "$TMP/.out" | grep -q "^usage: reliefstat $c PIPELINE" || { fail "reliefstat $c --help is its own" "$(head -1 "$TMP/.out")"; continue; }
	ok "reliefstat $c --help is its own"
done
expect_exit 2 "explain an unknown source" "$RS" explain $P --source nowhere --table x --row y --column z
grep -q "no source 'nowhere' in 'pipelines/yearend.yaml'.*sources: 'tongan-2024'" "$TMP/.err" && ok "explain an unknown source: message lists the sources" || fail "explain an unknown source: message lists the sources" "$(cat "$TMP/.err")"
# An ingest reject whose program label only the mapping's programs: know
# (aimin's 最低生活保障（城市）) is placed in its cell as ingest read it.
A=$TMP/aimin
mkdir -p "$A/pipelines" && cp -a samples "$A/" && ln -s "$BIN" "$A/bin" &&
	cp pipelines/yearend.yaml "$A/pipelines/" &&
	grep -e '^#' -e '^sources:' -e 'name: aimin-2024' pipelines/sources.yaml >"$A/pipelines/sources.yaml" &&
	sed -i '7s/,3021\.00,/,3021.0x,/' "$A/samples/exports/aimin-2024.csv" || exit 1
expect_exit 0 "aimin alone, one 最低生活保障（城市） amount spoilt" "$RS" run "$A/pipelines/yearend.yaml"
expect_exit 0 "explain a cell of a mapped program label" "$RS" explain "$A/pipelines/yearend.yaml" --source aimin-2024 --table 分项目汇总表 --row "城市最低生活保障 / 城市" --column 人次 --json
python3 - "$TMP/.out" <<'PY' && ok "explain: an ingest reject placed by the mapping's program label" || fail "explain: an ingest reject placed by the mapping's program label" "$(head -c 400 "$TMP/.out")"
import json, sys
e = json.load(open(sys.argv[1]))
ing = [(r["line"], r["reason"]) for r in e["rejects"] if r["stage"] == "ingest"]
assert ("7", "bad_amount") in ing, ing
assert "bad_amount" not in e["ingest_rejects_unplaced"], e["ingest_rejects_unplaced"]
PY

# A failed night: the published reports downstream say they are stale;
# the next good night writes them as they were.
cp samples/exports/erqi-2024.csv "$TMP/good.csv"
printf 'garbage\n' >samples/exports/erqi-2024.csv
expect_exit 1 "a failed night (mark_stale: yes)" "$RS" run $P --var mark_stale=yes
grep -q '^【本期数据未能按时更新，以下数据截至20[0-9]*年[0-9]*月[0-9]*日（上次成功更新）。】$' out/erqi-2024/report/published/bulletin.txt &&
	grep -q '数据未能按时更新' out/erqi-2024/report/published/report.html &&
	grep -q '数据未能按时更新' out/all/report/published/report.html &&
	! grep -q '数据未能按时更新' out/tongan-2024/report/published/report.html &&
	ok "a failed night marks its reports 数据未能按时更新 (and only those)" || fail "a failed night marks its reports 数据未能按时更新 (and only those)" "$(head -2 out/erqi-2024/report/published/bulletin.txt)"
cp "$TMP/good.csv" samples/exports/erqi-2024.csv
expect_exit 0 "the next good night" "$RS" run $P --var mark_stale=yes
pubsets "$TMP/night4"
diff -r "$TMP/night2" "$TMP/night4" >/dev/null && ok "the good night after restores the published set byte for byte" ||
	fail "the good night after restores the published set byte for byte" "$(diff -rq "$TMP/night2" "$TMP/night4" | head -3)"

# The documented crontab line, as cron runs it: no environment, from /,
# no terminal (setsid: no controlling one either).
line=$(grep -v '^#' "$ROOT/pipelines/schedule/reliefstat.crontab" | grep -E '^[0-9*]' | head -1)
cmd=$(printf '%s\n' "$line" | cut -d' ' -f6- | sed "s#/srv/reliefstat#$W#g")
[ -n "$cmd" ] && ok "the crontab example has a job line" || fail "the crontab example has a job line" "$line"
(cd / && setsid env -i sh -c "$cmd" </dev/null >"$TMP/cron.out" 2>&1); rc=$?
[ $rc = 0 ] && ok "the crontab line under env -i from / exits 0" || fail "the crontab line under env -i from / exits 0" "exit $rc" "$(tail -3 "$TMP/cron.out")"
[ "$(wc -l <"$TMP/cron.out")" = 1 ] && grep -Eq '^\[20[0-9-]+ [0-9:]+\] reliefstat: ran 0 stages, [0-9]+ up to date, 0 failed in [0-9.]+s; 0 published figures changed since run 4$' "$TMP/cron.out" &&
	ok "the cron run prints one dated line" || fail "the cron run prints one dated line" "$(cat "$TMP/cron.out")"
touch samples/mappings/erqi.yaml; echo "# edited" >>samples/mappings/erqi.yaml
(cd / && setsid env -i sh -c "$cmd" </dev/null >"$TMP/cron.out" 2>&1); rc=$?
[ $rc = 0 ] && grep -q 'ran 2 stages' "$TMP/cron.out" && ok "the cron run runs stages with no PATH" || fail "the cron run runs stages with no PATH" "exit $rc" "$(tail -3 "$TMP/cron.out")"
