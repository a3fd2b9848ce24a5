#!/usr/bin/env python3
"""html_check.py DIR - check DIR/report.html against DIR's other files.

 - well-formed: every element closed in order (void and self-closed SVG
   elements aside), one <html>, a <title>, UTF-8 declared;
 - self-contained: no http:// or https:// at all, no <script>, <link>,
   <img>, <iframe>, no CSS url() or @import: nothing is fetched;
 - printable: an @media print style sheet;
 - every table equals its CSV file, cell by cell ("*" where hidden);
 - the bulletin section holds bulletin.txt's lines;
 - every figure a chart prints (class "v") is "*" or a cell the tables
   show: a bar is table 1's 支出, a point the months table's 合计支出.
Prints ok / not ok; exits 1 on a failure.
"""
import csv, glob, os, sys
from html.parser import HTMLParser

d = sys.argv[1]
src = open(os.path.join(d, 'report.html'), encoding='utf-8').read()
bad = []
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta',
        'source', 'track', 'wbr'}


class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tables, self.bulletin, self.values = [], {}, [], []
        self.section = None
        self.cell = None
        self.row = None
        self.in_head = False
        self.text_v = None
        self.svg_caption = None
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)
        if tag == 'section':
            self.section = a.get('id')
            if a.get('class') == 'tbl':
                self.tables[self.section] = []
        elif tag == 'tr' and self.section in self.tables:
            self.row = []
            self.tables[self.section].append(self.row)
        elif tag in ('td', 'th') and self.row is not None:
            self.cell = ''
        elif tag == 'p' and self.section == 'bulletin':
            self.cell = ''
        elif tag == 'text' and a.get('class') == 'v':
            self.text_v = ''
        elif tag == 'figcaption':
            self.svg_caption = ''

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            bad.append(f'</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}')
        else:
            self.stack.pop()
        if tag in ('td', 'th') and self.cell is not None and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == 'p' and self.section == 'bulletin' and self.cell is not None:
            self.bulletin.append(self.cell)
            self.cell = None
        elif tag == 'tr':
            self.row = None
        elif tag == 'text' and self.text_v is not None:
            self.values.append((self.kind, self.text_v))
            self.text_v = None
        elif tag == 'figcaption':
            self.kind = 'bars' if '各项目支出' in self.svg_caption else 'months'
            self.svg_caption = None
        elif tag == 'section':
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.text_v is not None:
            self.text_v += data
        if self.svg_caption is not None:
            self.svg_caption += data


p = P()
p.feed(src)
p.close()
if p.stack:
    bad.append(f'unclosed elements: {p.stack}')
if p.tags.get('html') != 1 or p.tags.get('title') != 1 or '<meta charset="utf-8">' not in src:
    bad.append('not one <html> with a <title> and <meta charset="utf-8">')
for s in ('http://', 'https://', 'url(', '@import', '<script', '<link', '<img', '<iframe'):
    if s in src:
        bad.append(f'not self-contained: {s!r} in the page')
if '@media print' not in src:
    bad.append('no print style sheet')
csvs = {os.path.basename(f)[:-4]: list(csv.reader(open(f, encoding='utf-8-sig')))
        for f in glob.glob(os.path.join(d, '*.csv'))}
if set(csvs) != set(p.tables):
    bad.append(f'tables {sorted(p.tables)} but CSV files {sorted(csvs)}')
cells = 0
for name, rows in csvs.items():
    got = p.tables.get(name, [])
    if got != rows:
        diff = next(((i, a, b) for i, (a, b) in enumerate(zip(rows, got)) if a != b), None)
        bad.append(f'{name}: the HTML table differs from the CSV (first at {diff})')
    cells += sum(len(r) for r in rows)
lines = [l for l in open(os.path.join(d, 'bulletin.txt'), encoding='utf-8').read().split('\n')[1:] if l]
if p.bulletin != lines:
    bad.append(f'the bulletin section differs from bulletin.txt: {p.bulletin[:2]} / {lines[:2]}')
shown = {'bars': set(), 'months': set()}
for name, rows in csvs.items():
    if name.startswith('programs'):
        c = rows[0].index('支出（万元）')
        shown['bars'] |= {r[c] for r in rows[1:]}
    elif name.startswith('months'):
        c = rows[0].index('合计支出（万元）')
        shown['months'] |= {r[c] for r in rows[1:]}
for kind, v in p.values:
    if v != '*' and v not in shown[kind]:
        bad.append(f'a {kind} chart prints {v!r}, which no table shows')
if not p.values:
    bad.append('no chart values')
if bad:
    print(f'not ok - report.html in {d} is well-formed, self-contained and shows the tables')
    for b in bad[:20]:
        print('    ' + b)
    sys.exit(1)
print(f'ok - report.html in {d}: well-formed, self-contained, {len(p.tables)} tables '
      f'({cells} cells) and the bulletin as in the other files, {len(p.values)} chart figures shown')
