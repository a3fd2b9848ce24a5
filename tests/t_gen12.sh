#!/bin/bash
# tests/t_gen12.sh - rs-gen --extras (issue 12, "the lines official tables
# add"): reversals (冲正, corrected or not, unmatched), back-pay (补发 with
# 所属期), 慈善救助 / 节日慰问 / donation-funded money, orphans, entries and
# exits. Its truth is first recomputed from the CSV alone by an independent
# python3 reading of README ("Reversals and back-pay", "Grouped measures"),
# then a 50 k-row export goes through rs-ingest -> rs-validate ->
# rs-aggregate --groups and every figure is compared with the truth: groups
# after netting and back-pay, 当月新增/当月退出, the 其中 lines (women, 60+,
# under 18), public against other money, and rejects.
. "$(dirname "$0")/lib.sh"

GEN=${RS_GEN:-$BIN/rs-gen}
REGIONS=$ROOT/samples/reference/regions.csv
YEAR=2024
D=$TMP/x
mkdir "$D"
gen() { "$GEN" --regions "$REGIONS" "$@" 2>/dev/null; }

# --- the default export is what it always was (old seeds keep their bytes) ---
gen --rows 20000 --seed 42 --truth "$D/old.json" -o "$D/old.csv"
sum=$(cat "$D/old.csv" "$D/old.json" | md5sum | cut -c1-32)
[ "$sum" = "$(cat <<'EOF'
175afcece765852e1d6375cceafd2360
EOF
)" ] && ok "gen without --extras: the same bytes as before --extras existed" ||
	fail "gen without --extras: the same bytes as before --extras existed" "md5 $sum"

# --- --extras: usage, determinism, shape ---
expect_exit 0 "gen --extras 50k rows" "$GEN" --regions "$REGIONS" --rows 50000 --seed 12 --extras \
	--truth "$D/truth.json" -o "$D/export.csv"
gen --rows 50000 --seed 12 --extras --truth "$D/b.json" -o "$D/b.csv"
cmp -s "$D/export.csv" "$D/b.csv" && cmp -s "$D/truth.json" "$D/b.json" &&
	ok "gen --extras is deterministic" || fail "gen --extras is deterministic" "two runs differ"
"$GEN" --help | grep -q -- '--extras' && ok "gen --help describes --extras" ||
	fail "gen --help describes --extras"
want='序号,行政区划代码,乡镇（街道）,村（社区）,户主姓名,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,发放方式,备注,所属期'
[ "$(head -1 "$D/export.csv")" = "$want" ] && [ "$(wc -l <"$D/export.csv")" = 50001 ] &&
	ok "gen --extras: the 16-column header (所属期 last), header + N lines" ||
	fail "gen --extras: the 16-column header (所属期 last), header + N lines" "$(head -1 "$D/export.csv")"

# --- the mapping (samples/mappings/generated-extras.yaml once the lead adds it) ---
MAP=$ROOT/samples/mappings/generated-extras.yaml
if [ ! -f "$MAP" ]; then
	MAP=$TMP/generated-extras.yaml
	cat >"$MAP" <<'EOF'
source: generated
encoding: utf-8
amount_unit: 元
columns:
  region_code: 行政区划代码
  id: 身份证号码
  program: 救助类别
  area: 城乡属性
  household_size: 家庭人口
  persons: 保障人数
  period: 发放年月
  amount: 发放金额（元）
  funding: 资金来源
  kind: 备注
  covers: 所属期
reversal_marker: 冲正
backpay_marker: 补发
EOF
fi

# --- the independent recount: CSV -> every figure of the truth ---
cat >"$TMP/recount.py" <<'EOF'
# recount.py EXPORT.csv TRUTH.json REGIONS.csv [--quiet]
# Classifies every row by the first failing check (SPEC.md section 3, plus
# unmatched_reversal), nets reversals and spreads back-pay as README says,
# folds the valid rows into leaves (region, program, area, month, funding,
# ID) as rs-aggregate does, and derives the truth's figures from them.
import collections, csv, datetime, json, re, sys

path, truth_path, regions_path = sys.argv[1:4]
truth = json.load(open(truth_path, encoding="utf-8"))
year = truth["year"]
villages = set()
with open(regions_path, encoding="utf-8-sig", newline="") as f:
    for r in csv.reader(f):
        if len(r) >= 3 and r[2] == "village":
            villages.add(r[0])
LABELS = {"城市低保": "dibao_urban", "农村低保": "dibao_rural",
          "特困人员救助供养": "tekun", "高龄津贴": "gaoling",
          "困难残疾人生活补贴": "disab_living", "临时救助": "linshi",
          "孤儿基本生活费": "orphan", "慈善救助": "charity_aid", "节日慰问": "holiday_visit"}
MONTHLY = {"dibao_urban", "dibao_rural", "tekun", "gaoling", "disab_living", "orphan"}
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

def birth(s):
    try:
        return datetime.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None

def id_ok(s):
    return bool(re.fullmatch(r"\d{17}[\dX]", s)) and birth(s) is not None and \
        "10X98765432"[sum(int(a) * w for a, w in zip(s, W)) % 11] == s[17]

def age(s, ym):
    y, m = divmod(ym, 12); m += 1
    b = birth(s)
    last = datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)
    return last.year - b.year - ((last.month, last.day) < (b.month, b.day))

def month(s):
    m = re.fullmatch(r"(\d{4})-(\d{2})", s)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1 if m and 1 <= int(m.group(2)) <= 12 else None

rej = collections.Counter()
standing, bp_seen, fam = set(), set(), collections.defaultdict(set)
leaves = {}    # (region, prog, area, ym, funding, id) -> [payments, persons, fen, age, sex]
valid = 0
with open(path, encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
assert len(rows[0]) == 16 and rows[0][15] == "所属期", rows[0]

def leaf(k, a, s):
    return leaves.setdefault(k, [0, 0, 0, a, s])

for r in rows[1:]:
    if len(r) != 16:
        rej["malformed_line"] += 1; continue
    _, code, _, _, _, idn, label, area, hh, persons, period, amount, funding, _, note, covers = r
    if "" in (code, idn, label, area, persons, period, amount):
        rej["missing_field"] += 1; continue
    if not id_ok(idn):
        rej["bad_id"] += 1; continue
    rev = "冲正" in note
    bp = not rev and "补发" in note
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d{1,2}))?", amount)
    if not m:
        rej["bad_amount"] += 1; continue
    fen = int(m.group(2)) * 100 + int((m.group(3) or "0").ljust(2, "0"))
    if m.group(1) and fen and not rev:
        rej["negative_amount"] += 1; continue
    if rev:
        fen = -fen
    ym = month(period)
    if ym is None:
        rej["bad_period"] += 1; continue
    if bp:
        c = covers.split("..")
        first, last = month(c[0]), month(c[-1])
        if None in (first, last) or len(c) > 2 or last < first or last >= ym:
            rej["bad_period"] += 1; continue
    prog = LABELS.get(label)
    if prog is None:
        rej["unknown_program"] += 1; continue
    if code not in villages:
        rej["unknown_region"] += 1; continue
    if ym // 12 != year:
        rej["period_out_of_range"] += 1; continue
    p = int(persons)
    if not 1 <= p <= int(hh):
        rej["persons_out_of_range"] += 1; continue
    a = age(idn, ym)
    if (prog == "gaoling" and a < 80) or (prog == "orphan" and a > 17):
        rej["age_ineligible"] += 1; continue
    key = (idn, prog, ym)
    if rev:
        if key not in standing:
            rej["unmatched_reversal"] += 1; continue
        standing.remove(key)
    elif bp:
        if key in bp_seen:
            rej["duplicate_payment"] += 1; continue
        bp_seen.add(key)
    else:
        if key in standing:
            rej["duplicate_payment"] += 1; continue
        f = {"dibao_urban": "dibao", "dibao_rural": "dibao", "tekun": "tekun"}.get(prog)
        if f and ({"dibao", "tekun"} - {f}) & fam[(idn, ym)]:
            rej["conflicting_programs"] += 1; continue
        standing.add(key)
        if f:
            fam[(idn, ym)].add(f)
    valid += 1
    ar = {"dibao_urban": "urban", "dibao_rural": "rural"}.get(prog) or \
        ("urban" if area == "城镇" else "rural")
    sex = "M" if int(idn[16]) % 2 else "F"
    l = leaf((code, prog, ar, ym, funding, idn), a, sex)
    if rev:
        l[0] -= 1; l[1] -= p; l[2] += fen
    elif bp:
        l[0] += 1; l[2] += fen
        for c in range(first, last + 1):
            leaf((code, prog, ar, c, funding, idn), a, sex)[1] += p
    else:
        l[0] += 1; l[1] += p; l[2] += fen

groups = {}
paid = collections.defaultdict(lambda: collections.defaultdict(dict))
of = {}
money = collections.Counter()
for (code, prog, ar, ym, funding, idn), (pay, pers, fen, a, sex) in leaves.items():
    g = groups.setdefault((code[:6], prog, ar), [0, 0, set(), 0])
    g[0] += pers; g[1] += pay; g[3] += fen
    money["charity_aid_fen" if prog == "charity_aid" else "holiday_visit_fen"
          if prog == "holiday_visit" else "donation_fen" if funding == "慈善捐赠"
          else "public_amount_fen"] += fen
    if pay <= 0 and pers <= 0:
        continue
    g[2].add(idn)
    o = of.setdefault((code[:6], prog), [set(), set(), set(), set()])
    o[0].add(idn)
    if sex == "F": o[1].add(idn)
    if a >= 60: o[2].add(idn)
    if a < 18: o[3].add(idn)
    if prog in MONTHLY:    # in payment: a payment, or covered by back-pay
        d = paid[(code[:6], prog, ar)][idn]
        d[ym] = d.get(ym, 0) + pers
flows = collections.defaultdict(lambda: [0, 0, 0, 0])
first, last = year * 12, year * 12 + 11
for base, benes in paid.items():
    for months in benes.values():
        for ym, pers in months.items():
            if ym > first and ym - 1 not in months:
                w = flows[base + (ym,)]; w[0] += 1; w[1] += pers
            if ym < last and ym + 1 not in months:
                w = flows[base + (ym + 1,)]; w[2] += 1; w[3] += pers
money["other_amount_fen"] = money["charity_aid_fen"] + money["holiday_visit_fen"] + money["donation_fen"]
mine = {
    "valid_rows": valid,
    "rejects": dict(sorted((k, v) for k, v in rej.items() if v)),
    "groups": sorted([{"county": c, "program": p, "area": a, "person_times": g[0],
                "household_times": g[1], "beneficiaries": len(g[2]), "amount_fen": g[3]}
               for (c, p, a), g in groups.items() if g[0] or g[1] or g[2] or g[3]],
              key=lambda x: (x["county"], x["program"], x["area"])),
    "flows": [{"county": c, "program": p, "area": a, "month": "%d-%02d" % (ym // 12, ym % 12 + 1),
               "new_households": v[0], "new_persons": v[1], "exit_households": v[2],
               "exit_persons": v[3]} for (c, p, a, ym), v in sorted(flows.items())],
    "of_which": [{"county": c, "program": p, "beneficiaries": len(o[0]), "female": len(o[1]),
                  "elderly": len(o[2]), "minors": len(o[3])} for (c, p), o in sorted(of.items())],
    "public_money": {k: money[k] for k in ("public_amount_fen", "other_amount_fen",
                     "charity_aid_fen", "holiday_visit_fen", "donation_fen")},
}
errors = []
for k, v in mine.items():
    t = dict(sorted(truth[k].items())) if k == "rejects" else truth[k]
    if v != t:
        if isinstance(v, list):
            a = {json.dumps(x, sort_keys=True) for x in v}
            b = {json.dumps(x, sort_keys=True) for x in t}
            errors.append("%s differ: recount only %s; truth only %s" % (
                k, sorted(a - b)[:3], sorted(b - a)[:3]))
        else:
            errors.append("%s differ: recount %s, truth %s" % (k, v, t))
if valid + sum(truth["rejects"].values()) != len(rows) - 1:
    errors.append("valid_rows + rejects != rows")
if open(truth_path, encoding="utf-8").read() != json.dumps(truth, indent=1, ensure_ascii=False):
    errors.append("truth layout differs from json.dumps(indent=1)")
if errors:
    print("\n".join(errors))
    sys.exit(1)
if "--quiet" not in sys.argv:
    x = truth["extras"]
    print("rows %d valid %d; reversals %d (corrected %d, twice %d), unmatched %d, back-pay %d "
          "(dup %d); minors %d; flows %d" % (len(rows) - 1, valid, x["reversals"],
          x["corrected_payments"], x["second_reversals"], rej["unmatched_reversal"],
          x["backpays"], x["backpay_duplicates"], sum(o["minors"] for o in mine["of_which"]),
          len(mine["flows"])))
EOF

if out=$(python3 "$TMP/recount.py" "$D/export.csv" "$D/truth.json" "$REGIONS" 2>&1); then
	ok "gen --extras: truth recomputed independently from the CSV (50k rows: $out)"
else
	fail "gen --extras: truth recomputed independently from the CSV (50k rows)" "$(printf '%s' "$out" | head -8)"
fi
# Every kind of extra row is there, in realistic numbers.
if out=$(python3 - "$D/truth.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
x, n, bad = t["extras"], t["valid_rows"], []
def want(what, v, lo, hi):
    if not lo <= v <= hi: bad.append("%s %s not in %s..%s" % (what, v, lo, hi))
want("reversals", x["reversals"], n // 400, n // 50)
want("corrected", x["corrected_payments"], 1, x["reversals"] - 1)
want("second reversals", x["second_reversals"], 1, x["reversals"])
want("unmatched", t["rejects"].get("unmatched_reversal", 0), 10, n // 200)
want("back-pay", x["backpays"], n // 1000, n // 50)
want("back-pay duplicates", x["backpay_duplicates"], 1, t["rejects"]["duplicate_payment"] - 1)
of = {o["program"]: o for o in t["of_which"]}
want("orphans under 18", of["orphan"]["minors"], 20, of["orphan"]["beneficiaries"])
ben = sum(o["beneficiaries"] for o in t["of_which"])
want("women %", 100 * sum(o["female"] for o in t["of_which"]) // ben, 40, 60)
want("60+ %", 100 * sum(o["elderly"] for o in t["of_which"]) // ben, 30, 70)
want("entries", sum(f["new_households"] for f in t["flows"]), n // 200, n // 10)
want("exits", sum(f["exit_households"] for f in t["flows"]), n // 200, n // 10)
pm = t["public_money"]
want("other money", pm["other_amount_fen"], 1, pm["public_amount_fen"] // 10)
for k in ("charity_aid_fen", "holiday_visit_fen", "donation_fen"):
    want(k, pm[k], 1, pm["other_amount_fen"])
print("\n".join(bad)); sys.exit(1 if bad else 0)
EOF
); then ok "gen --extras: every kind of extra row, in realistic shares"
else fail "gen --extras: every kind of extra row, in realistic shares" "$out"; fi
recheck() {
	name=$1; shift
	if gen --extras "$@" --truth "$D/r.json" -o "$D/r.csv" &&
		out=$(python3 "$TMP/recount.py" "$D/r.csv" "$D/r.json" "$REGIONS" --quiet 2>&1); then
		ok "$name"
	else
		fail "$name" "$(printf '%s' "${out:-rs-gen failed}" | head -8)"
	fi
}
recheck "gen --extras: truth recomputed, --county all --defects 0.2" --rows 30000 --seed 7 --county all --defects 0.2
recheck "gen --extras: truth recomputed, --year 2023 --defects 0" --rows 5000 --seed 3 --year 2023 --defects 0
recheck "gen --extras: truth recomputed, 300 rows" --rows 300 --seed 5
recheck "gen --extras: truth recomputed, all rows defects" --rows 200 --defects 1
recheck "gen --extras: truth recomputed, one row" --rows 1 --defects 0.5
recheck "gen --extras: truth recomputed, no rows" --rows 0

# --- through the pipeline ---
sed 's/^max_reject_rate: .*/max_reject_rate: 1/' "$ROOT/samples/reference/rules.yaml" >"$TMP/rules.yaml"
expect_exit 0 "ingest the --extras export" "$BIN/rs-ingest" -q -m "$MAP" -k "$KEY" \
	-o "$D/records.csv.gz" -r "$D/ir.csv.gz" -s "$D/ingest.json" "$D/export.csv"
expect_exit 0 "validate it" "$BIN/rs-validate" -q --period $YEAR-01..$YEAR-12 --rules "$TMP/rules.yaml" \
	-o "$D/valid.csv.gz" -r "$D/vr.csv.gz" -w "$D/w.csv.gz" -s "$D/validate.json" "$D/records.csv.gz"
expect_exit 0 "aggregate it by county, program, area and month" "$BIN/rs-aggregate" -q -o "$D/agg.csv.gz" \
	-g "$D/groups.csv.gz" --by region=county,program,area,period=month --period $YEAR-01..$YEAR-12 "$D/valid.csv.gz"
python3 - "$D/truth.json" "$D/ingest.json" "$D/validate.json" "$D/groups.csv.gz" "$D/agg.csv.gz" <<'EOF'
import csv, gzip, json, sys
from decimal import Decimal
truth, ing, val = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:4])
year = str(truth["year"])
PROGS = {g["program"] for g in truth["groups"]} | {"dibao_urban", "dibao_rural", "tekun",
         "gaoling", "disab_living", "linshi", "orphan", "charity_aid", "holiday_visit"}
def fen(s): return int(Decimal(s) * 100)
rows = [r for r in csv.DictReader(gzip.open(sys.argv[4], "rt", encoding="utf-8", newline=""))
        if r["region_level"] == "county" and r["program"] in PROGS
        and r["funding"] == "all" and r["support_mode"] == "all"]
def report(name, want, got, zero):
    bad = sorted(k for k in set(want) | set(got) if want.get(k, zero) != got.get(k, zero))
    if not bad:
        print("ok - %s (%d rows)" % (name, len(want)))
        return
    print("not ok - %s: %d of %d differ" % (name, len(bad), len(set(want) | set(got))))
    for k in bad[:6]:
        print("    %s: truth %s, pipeline %s" % (k, want.get(k, zero), got.get(k, zero)))

# groups: county x leaf program x area, the year
want = {(g["county"], g["program"], g["area"]): (g["person_times"], g["household_times"],
        g["beneficiaries"], g["amount_fen"]) for g in truth["groups"]}
got = {(r["region_code"][:6], r["program"], r["area"]): (int(r["person_times"]),
       int(r["household_times"]), int(r["beneficiaries"]), fen(r["amount"]))
       for r in rows if r["area"] != "all" and r["period"] == year}
report("groups after netting reversals and spreading back-pay: 人次, 户次, 保障人数, 支出 equal the truth",
       want, got, (0, 0, 0, 0))
# flows: county x monthly program x area x month
want = {(f["county"], f["program"], f["area"], f["month"]): (f["new_households"], f["new_persons"],
        f["exit_households"], f["exit_persons"]) for f in truth["flows"]}
got = {(r["region_code"][:6], r["program"], r["area"], r["period"]): tuple(int(r[c]) for c in
       ("new_households", "new_persons", "exit_households", "exit_persons"))
       for r in rows if r["area"] != "all" and len(r["period"]) == 7}
report("当月新增 / 当月退出 (households, persons) per county, program, area and month equal the truth",
       want, got, (0, 0, 0, 0))
# 其中: county x program, area all, the year
want = {(o["county"], o["program"]): (o["beneficiaries"], o["female"], o["elderly"], o["minors"])
        for o in truth["of_which"]}
got = {(r["region_code"][:6], r["program"]): tuple(int(r[c]) for c in
       ("beneficiaries", "female", "elderly", "minors"))
       for r in rows if r["area"] == "all" and r["period"] == year}
report("其中 female, 60+, under 18 (and 保障人数) per county and program equal the truth",
       want, got, (0, 0, 0, 0))
# public against other money, from the aggregate's leaves
m = {"public_amount_fen": 0, "charity_aid_fen": 0, "holiday_visit_fen": 0, "donation_fen": 0}
for r in csv.DictReader(gzip.open(sys.argv[5], "rt", encoding="utf-8", newline="")):
    m["charity_aid_fen" if r["program"] == "charity_aid" else "holiday_visit_fen"
      if r["program"] == "holiday_visit" else "donation_fen" if r["funding"] == "慈善捐赠"
      else "public_amount_fen"] += fen(r["amount"])
m["other_amount_fen"] = m["charity_aid_fen"] + m["holiday_visit_fen"] + m["donation_fen"]
report("public money against 慈善救助, 节日慰问 and 慈善捐赠-funded money equals the truth",
       truth["public_money"], m, None)
# rejects
rej = dict(ing["rejects"])
for k, v in val["rejects"].items():
    rej[k] = rej.get(k, 0) + v
report("rejects by reason (ingest + validate, incl. unmatched_reversal) equal the truth",
       truth["rejects"], {k: v for k, v in rej.items() if v}, 0)
n = truth["valid_rows"] + sum(truth["rejects"].values())
ok = val["records"] == truth["valid_rows"] and ing["rows_read"] == n and \
    ing["rows_read"] == ing["records"] + ing["reject_total"] == val["rows_read"] + ing["reject_total"]
print(("ok" if ok else "not ok") + " - valid rows %d (truth %d); rows read = records + rejects at each stage"
      % (val["records"], truth["valid_rows"]))
EOF
