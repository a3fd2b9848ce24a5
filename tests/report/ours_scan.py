#!/usr/bin/env python3
"""ours_scan.py CATALOG.yaml REPORTDIR...

Scans every file in REPORTDIR/published/ and REPORTDIR/returns/ (CSV, text,
HTML without its tags, .xlsx's sheet XML) for what is ours and not the
public's: a reject reason code, a program code of the catalog, a program or
file name of ours. Prints the number of files and the first hits; exits 1
when there is a hit or no file at all.
"""
import glob, html, os, re, sys, zipfile
codes = set(re.findall(r'^- code: (\S+)', open(sys.argv[1], encoding='utf-8').read(), re.M))
reasons = ['malformed_line', 'bad_encoding', 'missing_field', 'bad_id', 'bad_amount', 'negative_amount',
           'bad_period', 'unknown_program', 'unknown_region', 'period_out_of_range', 'persons_out_of_range',
           'age_ineligible', 'off_standard', 'duplicate_payment', 'conflicting_programs', 'unknown_area',
           'unmatched_reversal']
ours = reasons + sorted(codes) + ['reliefstat', 'rs-merge', 'rs-report', 'rs-aggregate', 'rs-ingest',
                                   'rs-validate', 'SPEC', 'other_money_funding', '.yaml', 'beneficiary']
pat = re.compile(r'(?<![A-Za-z0-9_])(' + '|'.join(re.escape(w) for w in ours) + r')(?![A-Za-z0-9_])')
bad, n = [], 0
def text_of(path):
    if path.endswith('.xlsx'):
        z = zipfile.ZipFile(path)
        return ' '.join(z.read(i).decode('utf-8') for i in z.namelist()
                        if i.startswith('xl/') and i.endswith('.xml'))
    s = open(path, encoding='utf-8-sig').read()
    if path.endswith('.html'):
        s = re.sub(r'<style>.*?</style>', ' ', s, flags=re.S)
        s = html.unescape(re.sub(r'<[^>]*>', ' ', s))
    return s
for d in sys.argv[2:]:
    for path in glob.glob(os.path.join(d, 'published', '*')) + glob.glob(os.path.join(d, 'returns', '*')):
        n += 1
        for m in pat.finditer(text_of(path)):
            bad.append(f'{path}: {m.group(1)!r}')
print(f'{n} files')
for b in bad[:10]:
    print(b)
sys.exit(1 if bad or not n else 0)
