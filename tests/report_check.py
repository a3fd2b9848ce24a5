#!/usr/bin/env python3
"""report_check.py TRUTH.json PROGRAMS.csv CATALOG.yaml

Checks the report's 分项目汇总表 (internal set) against a truth file: for
every (program, area) leaf row, 人次, 户次, 累计保障人数 and 支出（万元,
half-up from exact fen) must equal the truth. Names are matched through the
catalog's name_zh.
"""
import csv, re, sys, json

def names(path):
    out, grain, code = {}, {}, None
    for line in open(path, encoding='utf-8'):
        m = re.match(r'^- code: (\S+)', line)
        if m: code = m.group(1)
        m = re.match(r'^  name_zh: (\S+)', line)
        if m and code: out[m.group(1)] = code
        m = re.match(r'^  payment_grain: (\S+)', line)
        if m and code: grain[code] = m.group(1)
    return out, grain

def wan(fen):
    q, r = divmod(fen, 10000)
    if 2 * r >= 10000: q += 1
    return f"{q // 100}.{q % 100:02d}"

truth = json.load(open(sys.argv[1]))
by_name, grain = names(sys.argv[3])
area = {'城市': 'urban', '农村': 'rural'}
got = {}
for r in csv.DictReader(open(sys.argv[2], encoding='utf-8-sig')):
    code = by_name.get(r['项目'])
    if code and r['城乡'] in area:
        hh, persons = r['累计保障户数'], int(r['累计保障人数'])
        if hh != '—' and persons < int(hh):
            print(f"not ok - {truth['profile']} {r['项目']} {r['城乡']}: 累计保障人数 {persons} < 累计保障户数 {hh}")
            sys.exit(1)
        ids = int(hh) if hh != '—' else persons
        if grain.get(code) == 'household_or_person':
            # Which IDs are households is not known: the table shows the
            # persons covered, at least one per ID and at most the 人次.
            tb = next((g['beneficiaries'] for g in truth['groups']
                       if (g['program'], g['area']) == (code, area[r['城乡']])), None)
            ids = tb if tb is not None and tb <= persons <= int(r['人次']) else -persons
        got[(code, area[r['城乡']])] = (int(r['人次']), int(r['户次']), ids, r['支出（万元）'])
want = {(g['program'], g['area']): (g['person_times'], g['household_times'], g['beneficiaries'], wan(g['amount_fen']))
        for g in truth['groups']}
missing = {k: v for k, v in want.items() if got.get(k) != v}
if missing:
    print(f"not ok - {truth['profile']} report table equals the truth")
    for k, v in missing.items(): print(f"    {k}: want {v} got {got.get(k)}")
    sys.exit(1)
print(f"ok - {truth['profile']} report table: {len(want)} program x area rows equal the truth")
