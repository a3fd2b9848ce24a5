#!/usr/bin/env python3
"""compare.py PLAIN_RECORDS.csv.gz VENDOR_RECORDS.csv.gz lines.json csv|sheet

The vendor's records equal the plain export's, field for field after
source and line, except the rows lines.json lists as broken; and each
vendor record's line is the CSV line (csv) or sheet row (sheet) that
lines.json gives for its plain line."""
import csv, gzip, io, json, sys

def records(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        r = csv.reader(fh)
        next(r)
        return [row for row in r]

plain, vendor, lines, kind = sys.argv[1:5]
info = json.load(open(lines))
where = {p: (c if kind == "csv" else s) for p, c, s in info["map"]}
broken = set(info["broken"])
want = [(where[int(r[1])], r[2:]) for r in records(plain)
        if int(r[1]) not in broken and int(r[1]) in where]
got = [(int(r[1]), r[2:]) for r in records(vendor)]
if want != got:
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            sys.exit("record %d differs:\n  want %s\n  got  %s" % (i + 1, a, b))
    sys.exit("%d records wanted, %d got" % (len(want), len(got)))
print("%d records equal" % len(got))
