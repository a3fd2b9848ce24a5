#!/bin/bash
# tests/t_gen.sh - rs-gen, the export generator: usage, determinism, shape,
# and its truth recomputed from the CSV by an independent python3 reading
# of the rules (SPEC.md sections 3 and 4, DOMAIN.md section 5).
. "$(dirname "$0")/lib.sh"

GEN=${RS_GEN:-$BIN/rs-gen}   # RS_GEN: try another build
REGIONS=$ROOT/samples/reference/regions.csv

# --- usage: exit codes first ---
expect_exit 0 "gen --help" "$GEN" --help
expect_exit 0 "gen --version" "$GEN" --version
expect_exit 2 "gen without arguments" "$GEN"
expect_exit 2 "gen without -o" "$GEN" --rows 10
expect_exit 2 "gen --rows not a number" "$GEN" --rows abc -o "$TMP/x.csv"
expect_exit 2 "gen --rows negative" "$GEN" --rows -5 -o "$TMP/x.csv"
expect_exit 2 "gen --defects above 1" "$GEN" --rows 10 --defects 1.5 -o "$TMP/x.csv"
expect_exit 2 "gen --county malformed" "$GEN" --rows 10 --county 35021 -o "$TMP/x.csv"
expect_exit 2 "gen --county without villages" "$GEN" --rows 10 --county 999999 -o "$TMP/x.csv"
expect_exit 2 "gen --regions missing" "$GEN" --rows 10 --regions "$TMP/none.csv" -o "$TMP/x.csv"
expect_exit 1 "gen into a missing directory" "$GEN" --rows 10 -o "$TMP/no/such/x.csv"
"$GEN" --version | grep -q '^rs-gen [0-9]' && ok "gen --version names the version" ||
	fail "gen --version names the version" "$("$GEN" --version 2>&1)"

# --- determinism ---
D=$TMP/g
mkdir "$D"
gen() { "$GEN" --regions "$REGIONS" "$@" 2>/dev/null; }
gen --rows 20000 --seed 42 --truth "$D/a.json" -o "$D/a.csv" &&
	gen --rows 20000 --seed 42 --truth "$D/b.json" -o "$D/b.csv"
if cmp -s "$D/a.csv" "$D/b.csv" && cmp -s "$D/a.json" "$D/b.json"; then
	ok "gen is deterministic (same arguments, same bytes)"
else
	fail "gen is deterministic (same arguments, same bytes)" "a.* and b.* differ"
fi
gen --rows 20000 --seed 43 -o "$D/c.csv"
cmp -s "$D/a.csv" "$D/c.csv" && fail "gen: another seed gives another file" "seed 42 and 43 agree" ||
	ok "gen: another seed gives another file"
gen --rows 20000 --seed 42 -o - >"$D/d.csv"
cmp -s "$D/a.csv" "$D/d.csv" && ok "gen -o - writes the same bytes to stdout" ||
	fail "gen -o - writes the same bytes to stdout" "differs from the file"
ls -A "$D" | grep -q '^\.' && fail "gen leaves no temporary file" "$(ls -A "$D")" ||
	ok "gen leaves no temporary file"
expect_exit 1 "gen: a failed write is a failed run" sh -c '"$0" --regions "$1" --rows 100000 -o - >/dev/full' "$GEN" "$REGIONS"
mkdir "$TMP/k"
"$GEN" --regions "$REGIONS" --rows 20M -o "$TMP/k/x.csv" 2>/dev/null &
pid=$!
sleep 0.5
kill -TERM "$pid" 2>/dev/null
wait "$pid"
[ -z "$(ls -A "$TMP/k")" ] && ok "gen: killed midway, leaves no file" ||
	fail "gen: killed midway, leaves no file" "$(ls -lA "$TMP/k")"

# --- shape ---
lines=$(wc -l <"$D/a.csv")
[ "$lines" = 20001 ] && ok "gen: header + N lines (malformed rows are one line each)" ||
	fail "gen: header + N lines (malformed rows are one line each)" "got $lines lines"
want='序号,行政区划代码,乡镇（街道）,村（社区）,户主姓名,身份证号码,救助类别,城乡属性,家庭人口,保障人数,发放年月,发放金额（元）,资金来源,发放方式,备注'
[ "$(head -1 "$D/a.csv")" = "$want" ] && ok "gen: exact header, no BOM" ||
	fail "gen: exact header, no BOM" "$(head -1 "$D/a.csv" | od -c | head -2)"
if grep -q $'\r' "$D/a.csv" || [ "$(tail -c 1 "$D/a.csv" | od -An -c | tr -d ' ')" != '\n' ]; then
	fail "gen: LF line ends, final newline" "CR found or no final LF"
else
	ok "gen: LF line ends, final newline"
fi

# --- the independent checker ---
cat >"$TMP/check.py" <<'EOF'
# Recomputes from the CSV alone (and regions.csv) what the truth must say:
# every row classified by the first failing check of SPEC.md section 3,
# then per (county, program, area) sums and distinct IDs of the valid rows.
import collections, csv, datetime, json, re, sys

path, truth_path, regions_path = sys.argv[1:4]
truth = json.load(open(truth_path, encoding="utf-8"))
year = truth["year"]
errors = []

villages = set()
with open(regions_path, encoding="utf-8-sig", newline="") as f:
    for r in csv.reader(f):
        if len(r) >= 3 and r[2] == "village":
            villages.add(r[0])

LABELS = {"城市低保": "dibao_urban", "农村低保": "dibao_rural",
          "特困人员救助供养": "tekun", "高龄津贴": "gaoling",
          "困难残疾人生活补贴": "disab_living", "临时救助": "linshi"}
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CK = "10X98765432"

def birth(s):
    try:
        return datetime.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None

def id_ok(s):
    if not re.fullmatch(r"\d{17}[\dX]", s) or birth(s) is None:
        return False
    return CK[sum(int(a) * w for a, w in zip(s, W)) % 11] == s[17]

def age_at_month_end(s, y, m):
    b = birth(s)
    last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1))
    return last.year - b.year - ((last.month, last.day) < (b.month, b.day))

rej = collections.Counter()
passed = []
age_problems = 0
with open(path, encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
for r in rows[1:]:
    if len(r) != 15:
        rej["malformed_line"] += 1; continue
    _, code, _, _, _, idn, label, area, hh, persons, period, amount, _, _, _ = r
    if "" in (code, idn, label, area, persons, period, amount):
        rej["missing_field"] += 1; continue
    if not id_ok(idn):
        rej["bad_id"] += 1; continue
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d{1,2}))?", amount)
    if not m:
        rej["bad_amount"] += 1; continue
    fen = int(m.group(2)) * 100 + int((m.group(3) or "0").ljust(2, "0"))
    if m.group(1) and fen:
        rej["negative_amount"] += 1; continue
    pm = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if not pm or not 1 <= int(pm.group(2)) <= 12:
        rej["bad_period"] += 1; continue
    prog = LABELS.get(label)
    if prog is None:
        rej["unknown_program"] += 1; continue
    if code not in villages:
        rej["unknown_region"] += 1; continue
    y, mo = int(pm.group(1)), int(pm.group(2))
    if y != year:
        rej["period_out_of_range"] += 1; continue
    if not 1 <= int(persons) <= int(hh):
        rej["persons_out_of_range"] += 1; continue
    age = age_at_month_end(idn, y, mo)
    if prog == "gaoling" and age < 80:
        rej["age_ineligible"] += 1; continue
    # The generator promises no age rule can fire: 18..79 unless 高龄.
    if prog != "gaoling" and not 18 <= age <= 79:
        age_problems += 1
    if area not in ("城镇", "农村"):
        errors.append("bad 城乡属性 %r" % area)
    passed.append((code, idn, prog, area, period, int(persons), fen))

seen = set()
kinds = collections.defaultdict(set)
groups = {}
valid = 0
for code, idn, prog, area, period, persons, fen in passed:
    if (idn, prog, period) in seen:
        rej["duplicate_payment"] += 1; continue
    cls = {"dibao_urban": "dibao", "dibao_rural": "dibao", "tekun": "tekun"}.get(prog)
    other = {"dibao": "tekun", "tekun": "dibao"}.get(cls)
    if other and other in kinds[(idn, period)]:
        rej["conflicting_programs"] += 1; continue
    seen.add((idn, prog, period))
    if cls:
        kinds[(idn, period)].add(cls)
    valid += 1
    a = {"dibao_urban": "urban", "dibao_rural": "rural"}.get(prog) or \
        ("urban" if area == "城镇" else "rural")
    g = groups.setdefault((code[:6], prog, a), [0, 0, set(), 0])
    g[0] += persons; g[1] += 1; g[2].add(idn); g[3] += fen

mine = {
    "valid_rows": valid,
    "rejects": {k: v for k, v in rej.items() if v},
    "groups": [{"county": c, "program": p, "area": a, "person_times": g[0],
                "household_times": g[1], "beneficiaries": len(g[2]),
                "amount_fen": g[3]} for (c, p, a), g in sorted(groups.items())],
}
n = len(rows) - 1
if valid + sum(truth["rejects"].values()) != n:
    errors.append("truth: valid_rows + rejects = %d, rows = %d"
                  % (valid + sum(truth["rejects"].values()), n))
for k in ("valid_rows", "rejects", "groups"):
    if mine[k] != truth[k]:
        errors.append("%s differ:\n  recomputed %s\n  truth      %s"
                      % (k, json.dumps(mine[k])[:600], json.dumps(truth[k])[:600]))
if not re.fullmatch(r"gen-\d+-%d" % (len(rows) - 1), truth["profile"]):
    errors.append("profile %r" % truth["profile"])
if truth["months"] != [1, 12]:
    errors.append("months %r" % truth["months"])
if age_problems:
    errors.append("%d valid rows outside ages 18..79" % age_problems)
# Every ID that is not a planted bad_id passes the check digit.
bad_ids = sum(1 for r in rows[1:] if len(r) == 15 and r[5] and not id_ok(r[5]))
if bad_ids != truth["rejects"].get("bad_id", 0):
    errors.append("%d IDs fail the check, truth plants %d"
                  % (bad_ids, truth["rejects"].get("bad_id", 0)))
# Defects spread evenly over the kinds.
d = sum(truth["rejects"].values())
if d >= 10 and valid:
    c = [truth["rejects"].get(k, 0) for k in ("malformed_line", "missing_field",
         "bad_id", "bad_amount", "negative_amount", "bad_period", "unknown_program",
         "unknown_region", "period_out_of_range", "duplicate_payment")]
    if max(c) - min(c) > 1:
        errors.append("defect kinds uneven: %r" % c)
# The layout of the shared truth files (python's indent=1).
if open(truth_path, encoding="utf-8").read() != json.dumps(truth, indent=1, ensure_ascii=False):
    errors.append("truth layout differs from json.dumps(indent=1)")
if errors:
    print("\n".join(errors))
    sys.exit(1)
people = len({r[5] for r in rows[1:] if len(r) == 15})
print("rows %d valid %d people %d groups %d" % (n, valid, people, len(truth["groups"])))
EOF

recheck() {
	name=$1; shift
	if gen "$@" --truth "$D/r.json" -o "$D/r.csv" &&
		out=$(python3 "$TMP/check.py" "$D/r.csv" "$D/r.json" "$REGIONS" 2>&1); then
		ok "$name"
	else
		fail "$name" "$(printf '%s' "${out:-rs-gen failed}" | head -8)"
	fi
}
if out=$(python3 "$TMP/check.py" "$D/a.csv" "$D/a.json" "$REGIONS" 2>&1); then
	ok "gen: truth recomputed independently from the CSV (20k rows)"
	# About ten payments per beneficiary: distinct counts and stocks mean something.
	people=$(printf '%s' "$out" | sed -n 's/.* people \([0-9]*\) .*/\1/p')
	[ "$people" -ge 1300 ] && [ "$people" -le 3000 ] &&
		ok "gen: about rows/10 beneficiaries ($people)" ||
		fail "gen: about rows/10 beneficiaries" "$out"
else
	fail "gen: truth recomputed independently from the CSV (20k rows)" "$out"
fi
recheck "gen: truth recomputed, --county all --defects 0.2" --rows 20000 --seed 7 --county all --defects 0.2
recheck "gen: truth recomputed, --year 2023 --defects 0" --rows 5000 --seed 3 --year 2023 --defects 0
recheck "gen: truth recomputed, all rows defects" --rows 200 --defects 1
recheck "gen: truth recomputed, one row" --rows 1 --defects 0.5
recheck "gen: truth recomputed, no rows" --rows 0

# --- streaming: memory follows the population, not the rows ---
# (A sanitizer build reserves terabytes of shadow memory: skip it there.)
if grep -qa __asan_init "$GEN"; then
	ok "gen: 2M rows within 150 MB of address space # SKIP sanitizer build"
elif (ulimit -v 150000; "$GEN" --regions "$REGIONS" --rows 2M -o - >/dev/null 2>"$TMP/mem.err"); then
	ok "gen: 2M rows within 150 MB of address space"
else
	fail "gen: 2M rows within 150 MB of address space" "$(tail -2 "$TMP/mem.err")"
fi
