#!/usr/bin/env python3
"""Rewrites a generated export (bin/rs-gen) as another vendor would, as CSV,
.xlsx (openpyxl) and .xls (xlwt): two title lines and a blank line above a
renamed, reordered header with an extra column; months as Excel writes
dates (2024/3/1, 2024-03-01, 2024年3月1日, 3/1/2024, serial 45352, and real
date cells in the workbooks); apostrophe IDs; blank rows; a final 合计 row.
Rows deliberately broken (an ID stored as a number) are listed, so the test
can compare the records with the plain export's except those.

usage: vendor.py PLAIN.csv OUTDIR      writes OUTDIR/vendor.{csv,xlsx,xls}
and OUTDIR/lines.json: {"map": [[plain_line, csv_line, sheet_row], ...],
"broken": [plain_line, ...], "amount_total": "...", "persons_total": N}
"""
import csv, datetime, decimal, json, re, sys

plain, outdir = sys.argv[1], sys.argv[2]
HEADER = ["序号", "救助类型", "证件号码", "户主姓名", "区划代码", "城乡类别",
          "家庭人数", "享受人数", "所属年月", "发放金额", "资金来源", "联系电话", "备注"]
# plain column -> index in the plain export
P = dict(seq=0, region=1, name=4, id=5, program=6, area=7, hh=8, persons=9,
         period=10, amount=11, funding=12, note=14)

rows = list(csv.reader(open(plain, encoding="utf-8", newline="")))[1:]

def serial(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1899, 12, 30)).days

def fen(a):
    try:
        v = decimal.Decimal(a)
    except decimal.InvalidOperation:
        return None
    if not v.is_finite() or v.as_tuple().exponent < -2:
        return None
    return int(v * 100)

def count(s):
    return int(s) if s.isdigit() and len(s) <= 9 and int(s) <= 100000 else None

out = []          # (cells for csv, cells for workbooks, plain_line, blank_after)
broken = []
amount_sum = 0
persons_sum = 0
for i, r in enumerate(rows):
    line = i + 2                       # the plain export's physical line
    if len(r) != 15:
        continue                       # malformed: a reject there, absent here
    ident, region, period, amount = r[P["id"]], r[P["region"]], r[P["period"]], r[P["amount"]]
    f = fen(amount)
    if f is not None:
        amount_sum += f
    c = count(r[P["persons"]])
    if c is not None:
        persons_sum += c
    # the month in one of Excel's forms
    wb_period = period
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if m and 1 <= int(m.group(2)) <= 12:
        y, mo = int(m.group(1)), int(m.group(2))
        k = i % 6
        period = ["%d/%d/1" % (y, mo), "%d-%02d-01" % (y, mo), "%d年%d月1日" % (y, mo),
                  "%d/1/%d" % (mo, y), str(serial(y, mo, 1)), period][k]
        wb_period = [datetime.datetime(y, mo, 1), period, period, period,
                     serial(y, mo, 1), period][k]
    csv_id = wb_id = ident
    if i % 7 == 3:
        csv_id = wb_id = "'" + ident
    if i % 97 == 50 and re.fullmatch(r"\d{18}", ident):
        broken.append(line)
        csv_id = "%.5E" % float(ident)   # what Excel writes of a number
        wb_id = float(ident)
    csv_region = "'" + region if i % 11 == 5 else region
    wb_region = int(region) if i % 2 and region.isdigit() else csv_region
    num = lambda s: (float(s) if fen(s) is not None or re.fullmatch(r"-?\d+(\.\d+)?", s) else s)
    intc = lambda s: int(s) if s.isdigit() else s
    csv_cells = [r[P["seq"]], r[P["program"]], csv_id, r[P["name"]], csv_region,
                 r[P["area"]], r[P["hh"]], r[P["persons"]], period, amount,
                 r[P["funding"]], "1380000%04d" % (i % 10000), r[P["note"]]]
    wb_cells = [intc(r[P["seq"]]), r[P["program"]], wb_id, r[P["name"]], wb_region,
                r[P["area"]], intc(r[P["hh"]]), intc(r[P["persons"]]), wb_period,
                num(amount), r[P["funding"]], "1380000%04d" % (i % 10000), r[P["note"]]]
    out.append((csv_cells, wb_cells, line, i % 50 == 49))

total_amount = "%d.%02d" % divmod(amount_sum, 100) if amount_sum >= 0 else None
title1 = "某区2024年度社会救助资金发放明细表"
title2 = "制表单位：区民政局　　金额单位：元"
total_csv = ["合计", "", "", "", "", "", "", str(persons_sum), "", total_amount,
             "", "", ""]
total_wb = ["合 计", "", "", "", "", "", "", persons_sum, "", amount_sum / 100,
            "", "", ""]

# CSV: UTF-8 with a BOM (Excel's "CSV UTF-8"), CRLF
mapping = []
with open(outdir + "/vendor.csv", "w", encoding="utf-8-sig", newline="") as fh:
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow([title1] + [""] * 12)
    w.writerow([title2] + [""] * 12)
    fh.write("\r\n")
    w.writerow(HEADER)
    ln = 4
    sheet_row = 4
    for k, (cc, wc, pl, blank) in enumerate(out):
        ln += 1
        sheet_row += 1
        w.writerow(cc)
        mapping.append([pl, ln, sheet_row])
        if blank:
            ln += 1
            sheet_row += 1
            if k % 100 == 49:
                fh.write("\r\n")
            else:
                w.writerow([""] * 13)
    w.writerow(total_csv)

def workbook_rows():
    yield [title1]
    yield [title2]
    yield []
    yield HEADER
    for cc, wc, pl, blank in out:
        yield wc
        if blank:
            yield []
    yield total_wb

import openpyxl
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("封面")
ws.append(["本表由系统导出"])
ws = wb.create_sheet("发放明细")
for r in workbook_rows():
    cells = []
    for v in r:
        if isinstance(v, datetime.datetime):
            c = openpyxl.cell.WriteOnlyCell(ws, value=v)
            c.number_format = "yyyy/m/d"
            cells.append(c)
        else:
            cells.append(None if v == "" else v)
    ws.append(cells)
wb.save(outdir + "/vendor.xlsx")

import xlwt
book = xlwt.Workbook(encoding="utf-8")
book.add_sheet("封面").write(0, 0, "本表由系统导出")
sh = book.add_sheet("发放明细")
datefmt = xlwt.easyxf(num_format_str="yyyy/m/d")
for ri, r in enumerate(workbook_rows()):
    for ci, v in enumerate(r):
        if v == "" or v is None:
            continue
        if isinstance(v, datetime.datetime):
            sh.write(ri, ci, v, datefmt)
        else:
            sh.write(ri, ci, v)
book.save(outdir + "/vendor.xls")

json.dump({"map": mapping, "broken": broken, "amount_total": total_amount,
           "persons_total": persons_sum}, open(outdir + "/lines.json", "w"))
