#!/usr/bin/env python3
"""What a reviewer does with reports published together: difference them.

usage: suppress_check.py [-v] MERGED_REPORT_DIR COMPONENT_REPORT_DIR...

Each directory is an rs-report OUTDIR (its published/ set is read; its
internal/ set only to say what a recovered value really is). The merged
report is by year (TABLE-YYYY.csv); a component's tables are TABLE.csv and
its year is read from its report.md (报告期：2024年).

For every table kind, year, row and column the merged report publishes, a
component's cell is given back when the component hides it ("*") and every
other component of that year shows the cell (or lacks the row or column:
then it is zero): the merged figure minus theirs is the hidden one. A
district's 分地区汇总表 合计 is also its county's 小计 in the merged table.
Stronger, and what makes the merged report tell nothing the components do
not: no cell the merged report shows is hidden by any component (-v lists
them). Prints each cell given back and exits 1 if there is any, or any
such shown cell, else 0.
"""
import csv
import os
import re
import sys

# leading label columns per table kind
LEFT = {"programs": 2, "towns": 2, "months": 1, "funding": 1, "people": 2,
        "spending": 1}


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def cells(path, kind):
    """{(row label, column): text} of a CSV table."""
    head, rows = read(path)
    n = LEFT[kind]
    out = {}
    for r in rows:
        lab = " / ".join(x for x in r[:n] if x)
        for c in range(n, len(head)):
            out[(lab, head[c])] = r[c]
    subs = [r for r in rows if len(r) > 1 and r[1] == "小计"]
    if kind == "towns" and not subs and rows:
        county = rows[0][0]
        for (lab, col), v in list(out.items()):
            if lab == "合计":
                out[(county + " / 小计", col)] = v
    return out


def alias(t, kind, key):
    """The cell of component table t that adds into the merged cell key
    under another name, or None: a program paid only as such there is
    "（未细分）" where another report splits it; a program's only row
    there is its 小计 here."""
    lab, col = key
    v = t.get((lab.replace("（未细分）", ""), col.replace("（未细分）", "")))
    if v is not None or kind not in ("programs", "people"):
        return v
    if lab.endswith(" / 小计"):
        root = lab[:-len(" / 小计")]
        labs = {l for (l, c) in t if l.split(" / ")[0] in (root, root + "（未细分）")}
        if len(labs) == 1:
            return t.get((labs.pop(), col))
    return None


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def name_of(d):
    """A report's name: its directory's, or its source's for SOURCE/report."""
    d = os.path.abspath(d)
    b = os.path.basename(d)
    return os.path.basename(os.path.dirname(d)) if b == "report" else b


def year_of(d):
    with open(os.path.join(d, "published", "report.md"), encoding="utf-8") as f:
        m = re.search(r"报告期：(\d{4})年", f.read())
    return int(m.group(1)) if m else None


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    verbose = argv[1] == "-v"
    if verbose:
        argv = argv[1:]
    merged, comps = argv[1], argv[2:]
    years = {c: year_of(c) for c in comps}
    found = checked = shown = 0
    for name in sorted(os.listdir(os.path.join(merged, "published"))):
        m = re.fullmatch(r"([a-z]+)-(\d{4})\.csv", name)
        if not m or m.group(1) not in LEFT:
            continue
        kind, year = m.group(1), int(m.group(2))
        mc = cells(os.path.join(merged, "published", name), kind)
        cc = {}
        for c in comps:
            p = os.path.join(c, "published", kind + ".csv")
            if years[c] == year and os.path.exists(p):
                cc[c] = cells(p, kind)
        for key, text in sorted(mc.items()):
            total = number(text)
            if total is None:
                continue
            hidden, known = [], 0.0
            for c, t in cc.items():
                v = t.get(key)
                if v is None:
                    v = alias(t, kind, key)
                if v is None:
                    continue
                if v == "*":
                    hidden.append(c)
                elif number(v) is None:
                    hidden = None
                    break
                else:
                    known += number(v)
            if hidden is None:
                continue
            checked += 1
            if hidden:
                shown += 1
                if verbose:
                    print("shown here, hidden in %s: %s %d [%s] [%s] = %s" %
                          (",".join(hidden), kind, year, key[0], key[1], text))
            if len(hidden) != 1:
                continue
            c = hidden[0]
            ip = os.path.join(c, "internal", kind + ".csv")
            it = cells(ip, kind)
            truth = it.get(key, alias(it, kind, key))
            # a reading of the labels that gives a wrong figure gives
            # nothing back: only a difference that is the hidden value counts
            if truth is None or abs(number(truth) - (total - known)) > 0.0151:
                continue
            found += 1
            print("given back: %s %s %d [%s] [%s] = %s - %s = %s (internal %s)" %
                  (name_of(c), kind,
                   year, key[0], key[1], text, round(known, 2),
                   round(total - known, 2), truth))
    print("%d published cells of the merged report checked against %d reports: "
          "%d hidden cells given back, %d shown that a report hides" %
          (checked, len(comps), found, shown))
    return 1 if found or shown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
