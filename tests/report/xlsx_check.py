#!/usr/bin/env python3
"""xlsx_check.py DIR - read DIR/report.xlsx with openpyxl (an independent
reader) and check it against DIR's CSV files, cell by cell.

For every table CSV there must be a sheet (分项目汇总表, 分地区汇总表, ...,
with the year of a --by-year stem) holding: the heading in A1, the CSV's
header in row 2 and its rows from row 3, each cell showing exactly the CSV
text when displayed with its number format: a figure is a number whose
format shows it as the CSV does, in one style: thousands separated
("#,##0" for counts, so 2400 displays as 2,400 for the CSV's 2400;
"#,##0.00" for 万元 and 元), anything else ("*",
"—", names) is text. Headers are frozen (panes at row 3), every column has
a width that fits its longest cell (a CJK character counting two) and a
third of its header (which wraps), and
the document's creation time is fixed. Prints ok / not ok; exits 1 on a
failure.
"""
import csv, glob, os, re, sys
import openpyxl

d = sys.argv[1]
SHEET = {'programs': '分项目汇总表', 'towns': '分地区汇总表', 'months': '分月情况表',
         'funding': '资金来源表', 'quality': '数据质量表', 'people': '保障对象情况表',
         'spending': '财政与其他资金支出表'}
wb = openpyxl.load_workbook(os.path.join(d, 'report.xlsx'))
bad, cells = [], 0


def shown(v, fmt):
    """A cell's value as Excel shows it with its number format."""
    if isinstance(v, str):
        return v
    m = re.fullmatch(r'#,##0(?:\.(0+))?', fmt)
    if m:
        return f'{v:,.{len(m.group(1) or "")}f}'
    return f'unexpected format {fmt!r} for {v!r}'


def want(text, is_number):
    """The CSV text as the sheet must show it (counts get separators)."""
    m = re.fullmatch(r'(-?)([0-9]+)(\.[0-9]+)?', text)
    if is_number and m:
        return f'{m.group(1)}{int(m.group(2)):,}{m.group(3) or ""}'
    return text


def width(s):
    return sum(2 if ord(ch) >= 0x2E80 or ch == '—' else 1 for ch in s)


csvs = sorted(glob.glob(os.path.join(d, '*.csv')))
names = []
for path in csvs:
    stem = os.path.basename(path)[:-4]
    base, _, year = stem.partition('-')
    name = SHEET[base] + year
    names.append(name)
    rows = list(csv.reader(open(path, encoding='utf-8-sig')))
    if name not in wb.sheetnames:
        bad.append(f'no sheet {name} for {stem}.csv')
        continue
    ws = wb[name]
    if ws.freeze_panes is None or not ws.freeze_panes.endswith('3'):
        bad.append(f'{name}: headers not frozen ({ws.freeze_panes})')
    if ws.max_row < len(rows) + 1:
        bad.append(f'{name}: {ws.max_row} rows for {len(rows)} CSV lines')
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            c = ws.cell(row=i + 2, column=j + 1)
            cells += 1
            is_num = isinstance(c.value, (int, float))
            got = shown(c.value if c.value is not None else '', c.number_format)
            if got != want(text, is_num):
                bad.append(f'{name}!{c.coordinate}: shows {got!r}, CSV has {text!r}')
            if i > 0 and re.fullmatch(r'-?[0-9]+(\.[0-9]+)?', text) and not is_num and j > 0:
                bad.append(f'{name}!{c.coordinate}: {text!r} stored as text, not a number')
            if text == '*' and c.value != '*':
                bad.append(f'{name}!{c.coordinate}: a hidden cell is not the text "*"')
    for j in range(len(rows[0])):
        letter = openpyxl.utils.get_column_letter(j + 1)
        w = ws.column_dimensions[letter].width or 0
        # the header wraps onto up to three lines
        need = max([width(r[j]) for r in rows[1:] if j < len(r)] + [-(-width(rows[0][j]) // 3)])
        if w < need:
            bad.append(f'{name}: column {letter} width {w} < {need}')
extra = set(wb.sheetnames) - set(names)
if extra:
    bad.append(f'sheets without a CSV: {sorted(extra)}')
created = wb.properties.created
if created is None:
    bad.append('no creation time')
if bad:
    print(f'not ok - report.xlsx in {d} shows what the CSV files hold')
    for b in bad[:20]:
        print('    ' + b)
    sys.exit(1)
print(f'ok - report.xlsx in {d}: {len(names)} sheets, {cells} cells as in the CSV files, '
      f'headers frozen, created {created.isoformat()}')
