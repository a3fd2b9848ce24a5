#!/usr/bin/env python3
"""district.py EXPORT.csv ENCODING OUT.xlsx: a sample export as a district
office sends it after Excel (tests/t_district.sh, README "Add your
district"): a title row above the header, ID numbers as text, amounts,
counts and region codes as numbers, months (2024年3月) as date cells, and
a 合计 row closing the sheet. Rows of the wrong width are kept as text."""
import csv, datetime, decimal, re, sys
try:
    import openpyxl
except ImportError:
    sys.exit("district.py: this python (%s) has no openpyxl: apt-get install "
             "python3-openpyxl, and run /usr/bin/python3 if python3 is another "
             "one (pyenv, a venv)" % sys.executable)

src, enc, dst = sys.argv[1:4]
rows = list(csv.reader(open(src, encoding=enc, newline="")))
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("发放明细")
ws.append(["某区2024年度社会救助资金发放明细表"])
ws.append(rows[0])
width = len(rows[0])
amount = decimal.Decimal(0)
persons = 0
for r in rows[1:]:
    out = list(r)
    if len(r) == width:
        m = re.fullmatch(r"(\d{4})年(\d{1,2})月", r[10])
        if m and 1 <= int(m.group(2)) <= 12:
            c = openpyxl.cell.WriteOnlyCell(ws, value=datetime.datetime(int(m.group(1)), int(m.group(2)), 1))
            c.number_format = 'yyyy"年"m"月"'
            out[10] = c
        a = r[11].replace(",", "")
        if re.fullmatch(r"-?\d+(\.\d{1,2})?", a):
            out[11] = float(a)
            amount += decimal.Decimal(a)
        for k in (0, 8, 9):
            if r[k].isdigit():
                out[k] = int(r[k])
        if r[9].isdigit():
            persons += int(r[9])
        if re.fullmatch(r"\d{12}", r[1]):
            out[1] = int(r[1])
    ws.append([None if v == "" else v for v in out])
ws.append(["合计"] + [None] * 8 + [persons, None, float(amount)])
wb.save(dst)
