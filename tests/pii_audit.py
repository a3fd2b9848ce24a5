#!/usr/bin/env python3
"""pii_audit.py - no raw ID number of the sample exports in the files given.

  pii_audit.py EXPORTS_DIR WHAT PATH...

Collects every ID-shaped token of the exports (18 digits or 17 and X, or 15
digits; full-width digits and lowercase x folded) and looks for them in each
PATH (a file, gzip file or folder; XLSX members unzipped). Prints one
ok/not ok line naming WHAT. tests/t_security.sh audits the pipeline's
outputs with it, tests/t_load.sh the dumps of both databases.
"""
import glob, gzip, io, os, re, sys, zipfile

FW = str.maketrans('０１２３４５６７８９Ｘｘx', '0123456789XXX')
ID = re.compile(r'(?<!\d)(\d{17}[\dX]|\d{15})(?![\dX])')


def export_ids(d):
    ids = set()
    for f in glob.glob(os.path.join(d, '*.csv')):
        raw = open(f, 'rb').read()
        for enc in ('utf-8-sig', 'gb18030'):
            try:
                txt = raw.decode(enc)
                break
            except UnicodeDecodeError:
                pass
        ids.update(ID.findall(txt.translate(FW)))
    return ids


def texts(path):
    data = open(path, 'rb').read()
    if path.endswith('.gz'):
        data = gzip.decompress(data)
    if data[:2] == b'PK':
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for n in z.namelist():
                yield path + ':' + n, z.read(n)
        return
    yield path, data


def main():
    ids = export_ids(sys.argv[1])
    what, paths = sys.argv[2], sys.argv[3:]
    leaks, nbytes = [], 0
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += [os.path.join(r, n) for r, _, ns in os.walk(p) for n in ns]
        else:
            files.append(p)
    for p in files:
        for where, data in texts(p):
            nbytes += len(data)
            found = set(ID.findall(data.decode('utf-8', 'replace').translate(FW))) & ids
            if found:
                leaks.append('%s (%d IDs)' % (where, len(found)))
    if ids and not leaks and nbytes > 10000:
        print('ok - identity audit of the %s: none of %d raw IDs in %d bytes'
              % (what, len(ids), nbytes))
    else:
        print('not ok - identity audit of the %s: %d raw IDs, %d bytes' % (what, len(ids), nbytes))
        for l in leaks[:10]:
            print('    raw IDs in ' + l)


main()
