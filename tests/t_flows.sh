#!/bin/bash
# 当月新增 / 当月退出: entries and exits per monthly program, summed over the
# period, checked against an independent recount; across a year boundary
# (erqi 2023 + 2024 as one period), January 2024's entries are judged
# against December 2023.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
"$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$TMP/out" --until aggregate >/dev/null 2>&1 ||
	{ fail "pipeline up to aggregate"; exit 0; }
expect_exit 0 "groups over 2023-01..2024-12" "$BIN/rs-aggregate" -q -o "$TMP/a.csv.gz" -g "$TMP/g.csv.gz" \
	--by region=county,program,area,period=month --period 2023-01..2024-12 \
	"$TMP/out/erqi-2023/valid.csv.gz" "$TMP/out/erqi-2024/valid.csv.gz"
python3 - "$TMP/g.csv.gz" "$TMP/out/erqi-2023/valid.csv.gz" "$TMP/out/erqi-2024/valid.csv.gz" "$ROOT/samples/reference/programs.yaml" <<'PY'
import csv, gzip, re, sys
from collections import defaultdict
monthly = set()
code = None
for line in open(sys.argv[4], encoding='utf-8'):
    m = re.match(r'^- code: (\S+)', line)
    if m: code = m.group(1)
    if code and line.strip() == 'recurrence: monthly': monthly.add(code)
paid = defaultdict(dict)      # (program, area) -> bene -> {ym: persons}
for p in sys.argv[2:4]:
    for r in csv.DictReader(gzip.open(p, 'rt', encoding='utf-8', newline='')):
        if r['program'] not in monthly: continue
        y, m = map(int, r['period'].split('-'))
        d = paid[(r['program'], r['area'])].setdefault(r['beneficiary'], {})
        d[y * 12 + m - 1] = d.get(y * 12 + m - 1, 0) + int(r['persons'])
first, last = 2023 * 12, 2024 * 12 + 11
want = defaultdict(lambda: [0, 0, 0, 0])     # (program, area, ym) -> new h, new p, exit h, exit p
for (prog, area), benes in paid.items():
    for months in benes.values():
        for ym, persons in months.items():
            if ym > first and ym - 1 not in months:
                w = want[(prog, area, ym)]; w[0] += 1; w[1] += persons
            if ym < last and ym + 1 not in months:
                w = want[(prog, area, ym + 1)]; w[2] += 1; w[3] += persons
got = {}
for r in csv.DictReader(gzip.open(sys.argv[1], 'rt', encoding='utf-8', newline='')):
    if r['region_level'] == 'county' and r['area'] != 'all' and len(r['period']) == 7 and (r['program'], r['area']) in paid:
        y, m = map(int, r['period'].split('-'))
        got[(r['program'], r['area'], y * 12 + m - 1)] = [int(r[c]) for c in
            ('new_households', 'new_persons', 'exit_households', 'exit_persons')]
bad = [(k, v, got.get(k)) for k, v in want.items() if got.get(k, [0, 0, 0, 0]) != v]
bad += [(k, want.get(k), v) for k, v in got.items() if v != [0, 0, 0, 0] and k not in want]
print(("ok" if not bad else "not ok") + f" - monthly entries and exits equal a recount ({len(want)} program x area x months)")
for b in bad[:5]: print("    ", b)
jan = sum(v[0] for k, v in want.items() if k[2] == 2024 * 12)
print(("ok" if jan > 0 else "not ok") + f" - across the year boundary: {jan} entries in 2024-01 judged against 2023-12")
PY
