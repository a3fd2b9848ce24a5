#!/usr/bin/env python3
"""check.py - tests/t_load.sh's comparisons of the report files and a database.

  check.py cells OUT DUMP     every cell of every report CSV under OUT/*/report
                              against DUMP (the cells table as
                              dataset|tableset|report|row_no|col_no|col|value|status
                              lines): same set, same values, '*' suppressed,
                              '—' not applicable
  check.py totals DB.sqlite OUT
                              for each source, the published 合计 支出（万元）
                              of programs.csv against the records' fen, and
                              the records and rejects counts against the
                              stage summaries
Prints ok/not ok lines.
"""
import csv, glob, json, os, sqlite3, sys


def report_cells(out):
    cells = {}
    for f in sorted(glob.glob(os.path.join(out, '*', 'report', '*', '*.csv'))):
        parts = f.split(os.sep)
        dataset, tableset, report = parts[-4], parts[-2], parts[-1][:-4]
        with open(f, encoding='utf-8-sig', newline='') as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        for rn, row in enumerate(rows[1:], 1):
            for cn, v in enumerate(row, 1):
                cells[(dataset, tableset, report, rn, cn)] = (header[cn - 1], v)
    return cells


def cmd_cells(out, dump):
    want = report_cells(out)
    got, keycols = {}, 0
    for line in open(dump, encoding='utf-8'):
        d, t, r, rn, cn, col, val, st = line.rstrip('\n').split('|')
        got[(d, t, r, int(rn), int(cn))] = (col, val, st)
    bad = []
    for k, (col, v) in want.items():
        g = got.get(k)
        if g is None:
            keycols += 1          # a row-key cell: checked through row_key
            continue
        exp = ('suppressed', '') if v == '*' else \
              ('not_applicable', '') if v in ('', '—', '-') else ('published', v)
        if (g[0], g[2], g[1]) != (col, exp[0], exp[1]):
            bad.append('%s: file %r %r, database %r' % (k, col, v, g))
    extra = [k for k in got if k not in want]
    pub = sum(1 for k in want if k[1] == 'published')
    name = '%s: every figure of %d report cells (%d published) equals the database\'s' % (
        os.path.basename(dump), len(want) - keycols, pub)
    if not bad and not extra and len(got) > 1000:
        print('ok - ' + name)
    else:
        print('not ok - ' + name)
        for b in (bad + ['extra %s' % (e,) for e in extra])[:8]:
            print('    ' + b)


def cmd_totals(db, out):
    con = sqlite3.connect(db)
    bad, n = [], 0
    for d in sorted(os.listdir(out)):
        prog = os.path.join(out, d, 'report', 'published', 'programs.csv')
        ing = os.path.join(out, d, 'ingest.json')
        if d == 'all' or not os.path.exists(prog) or not os.path.exists(ing):
            continue
        n += 1
        with open(prog, encoding='utf-8-sig', newline='') as fh:
            rows = list(csv.reader(fh))
        ci = rows[0].index('支出（万元）')
        total = [r for r in rows if r[0] == '合计'][-1][ci]
        fen, recs = con.execute("SELECT SUM(amount_fen), COUNT(*) FROM records "
                                "WHERE run='yearend' AND dataset=?", (d,)).fetchone()
        # exact half-up of fen / 10^6 to two decimals, without a float sum
        q, r = divmod(fen, 10000)
        q += 1 if r * 2 >= 10000 else 0
        wan = '%d.%02d' % (q // 100, q % 100)
        if wan != total:
            bad.append('%s: 合计 支出 %s in the table, %s from the records' % (d, total, wan))
        v = json.load(open(os.path.join(out, d, 'validate.json')))
        i = json.load(open(ing))
        rej = con.execute("SELECT stage, COUNT(*) FROM rejects WHERE run='yearend' "
                          "AND dataset=? GROUP BY stage", (d,)).fetchall()
        rej = dict(rej)
        if recs != v['records'] or rej.get('ingest', 0) != sum(i['rejects'].values()) \
           or rej.get('validate', 0) != sum(v['rejects'].values()):
            bad.append('%s: %d records %s rejects in the database, summaries %s / %s'
                       % (d, recs, rej, v.get('records'), v.get('rejects')))
    name = ('%d sources: the published 合计 支出 equals the records\' exact sum, and records and '
            'rejects equal the stage summaries' % n)
    print(('ok - ' if not bad and n >= 5 else 'not ok - ') + name)
    for b in bad[:8]:
        print('    ' + b)


if __name__ == '__main__':
    {'cells': cmd_cells, 'totals': cmd_totals}[sys.argv[1]](*sys.argv[2:])
