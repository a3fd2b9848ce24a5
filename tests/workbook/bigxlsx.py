#!/usr/bin/env python3
"""bigxlsx.py EXPORT.csv OUT.xlsx - writes the export as a one-sheet .xlsx
the way Excel does (every text a shared string, numbers as numbers),
straight as XML through zipfile: openpyxl would take minutes for a
million rows. For measuring rs-ingest's memory on a big sheet, not a test."""
import csv, sys, zipfile

from xlsxml import Strings, col
from xml.sax.saxutils import escape

src, dst = sys.argv[1], sys.argv[2]
strings = Strings()
shared, sst = strings.shared, strings.id

z = zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
numeric = {0, 8, 9, 11}   # 序号, 家庭人口, 保障人数, 发放金额
with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for n, row in enumerate(csv.reader(open(src, encoding="utf-8", newline="")), 1):
        parts = ['<row r="%d">' % n]
        for i, v in enumerate(row):
            if v == "":
                continue
            ref = col(i) + str(n)
            if n > 1 and i in numeric:
                try:
                    float(v)
                    parts.append('<c r="%s"><v>%s</v></c>' % (ref, v))
                    continue
                except ValueError:
                    pass
            parts.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst(v)))
        parts.append("</row>")
        fh.write("".join(parts).encode())
    fh.write(b"</sheetData></worksheet>")
with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
    fh.write(('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(shared), len(shared))).encode())
    for s in shared:
        fh.write(("<si><t>%s</t></si>" % escape(s)).encode())
    fh.write(b"</sst>")
z.close()
