#!/usr/bin/env python3
"""truth_check.py TRUTH.json VALID.csv.gz INGEST.json VALIDATE.json [AGG.csv.gz]

Independent check of a pipeline run against a .truth.json file: recomputes
the (county, program, area) measures from the valid canonical records (and,
when given, from the aggregate file) and the reject counts from the two
stage summaries. Prints one "ok - ..." / "not ok - ..." line per check.
"""
import csv, gzip, io, json, sys
from decimal import Decimal

def groups_from_records(path):
    g = {}
    with gzip.open(path, 'rt', encoding='utf-8', newline='') as f:
        for r in csv.DictReader(f):
            k = (r['region_code'][:6], r['program'], r['area'])
            e = g.setdefault(k, [0, 0, set(), 0])
            e[0] += int(r['persons']); e[1] += 1; e[2].add(r['beneficiary'])
            e[3] += int(Decimal(r['amount']) * 100)
    return g

def groups_from_agg(path):
    g = {}
    with gzip.open(path, 'rt', encoding='utf-8', newline='') as f:
        for r in csv.DictReader(f):
            k = (r['region_code'][:6], r['program'], r['area'])
            e = g.setdefault(k, [0, 0, set(), 0])
            e[0] += int(r['persons']); e[1] += int(r['payments']); e[2].add(r['beneficiary'])
            e[3] += int(Decimal(r['amount']) * 100)
    return g

def compare(name, truth, g):
    want = {(t['county'], t['program'], t['area']):
            (t['person_times'], t['household_times'], t['beneficiaries'], t['amount_fen'])
            for t in truth['groups']}
    got = {k: (v[0], v[1], len(v[2]), v[3]) for k, v in g.items()}
    if want == got:
        print(f"ok - {name}: {len(want)} groups equal the truth")
        return 0
    print(f"not ok - {name}: groups differ from the truth")
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            print(f"    {k}: want {want.get(k)} got {got.get(k)}")
    return 1

def main():
    truth = json.load(open(sys.argv[1]))
    profile = truth['profile']
    bad = compare(f"{profile} records", truth, groups_from_records(sys.argv[2]))
    ing = json.load(open(sys.argv[3])); val = json.load(open(sys.argv[4]))
    rej = dict(ing['rejects'])
    for k, v in val['rejects'].items():
        rej[k] = rej.get(k, 0) + v
    if rej == truth['rejects'] and val['records'] == truth['valid_rows']:
        print(f"ok - {profile} rejects by reason and valid_rows ({truth['valid_rows']}) equal the truth")
    else:
        bad += 1
        print(f"not ok - {profile} rejects: want {truth['rejects']} valid {truth['valid_rows']}, got {rej} valid {val['records']}")
    read = ing['rows_read']
    if read == ing['records'] + ing['reject_total'] and ing['records'] == val['rows_read'] \
            and val['rows_read'] == val['records'] + val['reject_total']:
        print(f"ok - {profile} rows read ({read}) = records + rejects at every stage")
    else:
        bad += 1
        print(f"not ok - {profile} row accounting broken: {ing} {val}")
    if len(sys.argv) > 5:
        bad += compare(f"{profile} aggregate", truth, groups_from_agg(sys.argv[5]))
    return 1 if bad else 0

sys.exit(main())
