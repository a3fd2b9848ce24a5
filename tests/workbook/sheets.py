#!/usr/bin/env python3
"""sheets.py OUT.xlsx NAME=ROWS.csv[:hidden]... - writes a workbook of
several sheets, one per argument in order, each from a CSV file, straight
as XML through zipfile (no openpyxl): every field a shared string, except
one written as "#2024.1", which becomes the number cell 2024.1 (as a
month typed into a General cell is stored). ":hidden" gives the sheet
state="hidden". For the multi-sheet tests (tests/t_sheets.sh)."""
import csv, sys, zipfile

from xlsxml import Strings, col
from xml.sax.saxutils import escape, quoteattr

out, specs = sys.argv[1], sys.argv[2:]
strings = Strings()
shared, sst = strings.shared, strings.id


sheets = []
for spec in specs:
    name, rest = spec.split("=", 1)
    hidden = rest.endswith(":hidden")
    path = rest[:-len(":hidden")] if hidden else rest
    parts = []
    for n, row in enumerate(csv.reader(open(path, encoding="utf-8", newline="")), 1):
        parts.append('<row r="%d">' % n)
        for i, v in enumerate(row):
            if v == "":
                continue
            ref = col(i) + str(n)
            if v.startswith("#"):
                parts.append('<c r="%s"><v>%s</v></c>' % (ref, v[1:]))
            else:
                parts.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst(v)))
        parts.append("</row>")
    sheets.append((name, hidden, "".join(parts)))

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % REL)
z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook %s %s><sheets>%s</sheets></workbook>' % (
    NS, RNS, "".join('<sheet name=%s sheetId="%d" r:id="rId%d"%s/>' % (
        quoteattr(n), k + 1, k + 1, ' state="hidden"' if h else "")
        for k, (n, h, _) in enumerate(sheets))))
z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/></Relationships>' % (
    "".join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (k + 1, REL, k + 1)
            for k in range(len(sheets))), len(sheets) + 1, REL))
for k, (_, _, body) in enumerate(sheets):
    z.writestr("xl/worksheets/sheet%d.xml" % (k + 1),
               '<?xml version="1.0"?><worksheet %s><sheetData>%s</sheetData></worksheet>' % (NS, body))
z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst %s count="%d" uniqueCount="%d">%s</sst>' % (
    NS, len(shared), len(shared), "".join("<si><t>%s</t></si>" % escape(s) for s in shared)))
z.close()
