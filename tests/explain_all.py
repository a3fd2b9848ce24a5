#!/usr/bin/env python3
"""explain_all.py RELIEFSTAT PIPELINE OUTDIR SOURCE...

Asks `reliefstat explain` for every 累计保障人数/户数 and 期末保障人数/户数
cell of each source's 分项目汇总表 and 保障对象情况表 (internal set) and
prints "ok - ..." when every one is rebuilt from its records exactly
(exit 0), or "not ok - ..." naming the cells that are not.
"""
import csv, subprocess, sys

rs, pipeline, out, sources = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
tables = [('分项目汇总表', 'programs', ['累计保障户数', '累计保障人数', '期末保障人数', '期末保障户数']),
          ('保障对象情况表', 'people', ['累计保障人数'])]
bad, n, dashes = [], 0, 0
for src in sources:
    for title, name, cols in tables:
        rows = list(csv.reader(open(f'{out}/{src}/report/internal/{name}.csv', encoding='utf-8-sig')))
        head = rows[0]
        for r in rows[1:]:
            key = ' / '.join(c for c in r[:2] if c)
            for col in cols:
                n += 1
                dashes += r[head.index(col)] == '—'
                p = subprocess.run([rs, 'explain', pipeline, '--source', src, '--table', title,
                                    '--row', key, '--column', col], capture_output=True, text=True)
                if p.returncode != 0:
                    last = [l for l in p.stdout.splitlines() if l.startswith('合计')]
                    bad.append(f"{src} {title} {key} {col}: exit {p.returncode}: "
                               + (last[-1] if last else p.stderr.strip()[:200]))
what = f"explain rebuilds all {n} 累计/期末 cells of {len(sources)} sources ({dashes} of them —)"
if bad:
    print(f"not ok - {what}")
    for b in bad[:20]:
        print(f"    {b}")
    sys.exit(1)
print(f"ok - {what}")
