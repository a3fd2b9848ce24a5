#!/usr/bin/env python3
"""audit.py [--k K] [--prev PREV_PUBLISHED] [--catalog F]... INTERNAL PUBLISHED

Checks rs-report's disclosure control (SPEC.md section 7) from the files
alone, independently of the C code:

 1. every published cell of programs, towns, months and funding is the
    internal cell or "*";
 2. a programs row counting 1..k-1 beneficiaries is hidden;
 3. no hidden cell can be recomputed: every additive relation the tables
    print (a roll-up row = its children, the 合计 column = the public
    programs, the 合计 row = the months / townships / sources, each table's
    合计 row = table 1's rows, a funding share = its 合计 over the total,
    and with --prev each 同比 change = this year - last year's published
    cell) is written as a linear equation over the hidden cells (of this
    year and, with --prev, of last year's published tables), per measure;
    exact elimination over the rationals must leave no hidden cell fixed;
 4. a shown 同比 change has both ends shown;
 5. the published bulletin states no hidden figure: each 万元, 人次, 户次
    and 期末 figure is a shown cell of table 1 (or, for 万元 and 人次, of the
    spending table), each per-person 元 the rounding of a shown average,
    each per cent a shown one.
Tables 5 and 6 are audited too: in people (保障对象情况表) a 其中 or flow
count of 1..k-1 must be hidden, each column of a roll-up row is related
to its children's as table 1's distinct counts are, and 保障人数 equals
table 1's; in spending (财政与其他资金支出表) table 1's 合计 = 财政 + the
donated part, 其他资金 = its parts, 总计 = 财政 + 其他资金, a program row =
table 1's top row of that program, and the donated part = the 合计 column
of the funding table's donated sources (other_money_funding of the
catalog, default 捐 and 慈善).
With --by-year each period's tables (programs-2024.csv ...) are audited
on their own; --prev applies to a single period.
Prints "ok"/"not ok" lines; exits 1 on a failure.
"""
import csv, os, re, sys
from fractions import Fraction

args = sys.argv[1:]
K, PREV, CATS = 3, None, []
while args and args[0].startswith('--'):
    o = args.pop(0)
    if o == '--k':
        K = int(args.pop(0))
    elif o == '--prev':
        PREV = args.pop(0)
    elif o == '--catalog':
        CATS.append(args.pop(0))
INT, PUB = args
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
if not CATS:
    CATS = [os.path.join(ROOT, 'samples/reference/programs.yaml'),
            os.path.join(ROOT, 'samples/reference/programs-local.yaml')]
failed = []


def fail(msg):
    failed.append(msg)


OTHER_FUNDING = ['捐', '慈善']


def catalog():
    """name_zh -> code, code -> parent (None at top), code -> public."""
    global OTHER_FUNDING
    names, parent, public, code = {}, {}, {}, None
    for path in CATS:
        for line in open(path, encoding='utf-8'):
            m = re.match(r'^other_money_funding:\s*\[(.*)\]\s*$', line)
            if m:
                OTHER_FUNDING = [x.strip().strip('"\'') for x in m.group(1).split(',') if x.strip()]
                continue
            m = re.match(r'^- code: (\S+)', line)
            if m:
                code = m.group(1)
                parent.setdefault(code, None)
                public.setdefault(code, True)
                continue
            m = re.match(r'^  (name_zh|parent|public_money): (.*)$', line)
            if m and code:
                k, v = m.group(1), m.group(2).strip()
                if k == 'name_zh':
                    names[v] = code
                elif k == 'parent':
                    parent[code] = None if v in ('null', '~', '') else v
                else:
                    public[code] = v != 'false'
    return names, parent, public


NAMES, PARENT, PUBLIC = catalog()
CODE_NAME = {c: n for n, c in NAMES.items()}


def root_of(label):
    label = label.replace('（未细分）', '')
    c = NAMES.get(label)
    while c and PARENT.get(c):
        c = PARENT[c]
    return c


SUFFIX = ''


def load(d, stem):
    p = os.path.join(d, stem + SUFFIX + '.csv')
    if not os.path.exists(p):
        return None
    return list(csv.reader(open(p, encoding='utf-8-sig')))


# Measures whose equations share cells: table 1's 期末保障人数 is the
# months table's last-month 人次 (SPEC.md section 4), and the flows of
# table 5 tie the months' 人次 together, so those are solved as one system.
JOIN = {'stock_p': 'persons', 'flows': 'persons', 'people6': 'persons', 'people7': 'persons',
        'people8': 'persons', 'people9': 'persons'}


class System:
    """Linear equations over named cells; a cell is hidden when its
    published text is '*'."""

    def __init__(self):
        self.eqs = {}

    def add(self, measure, terms):
        """terms: (coefficient, name, text)."""
        self.eqs.setdefault(JOIN.get(measure, measure), []).append(terms)

    def determined(self, measure):
        eqs = self.eqs.get(measure, [])
        names = sorted({n for e in eqs for c, n, t in e if t == '*'})
        col = {n: i for i, n in enumerate(names)}
        m = []
        for e in eqs:
            row = [Fraction(0)] * len(names)
            for c, n, t in e:
                if t == '*':
                    row[col[n]] += Fraction(c)
            if any(row):
                m.append(row)
        r = 0
        for c in range(len(names)):
            p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
            if p is None:
                continue
            m[r], m[p] = m[p], m[r]
            piv = m[r][c]
            m[r] = [x / piv for x in m[r]]
            for i in range(len(m)):
                if i != r and m[i][c] != 0:
                    f = m[i][c]
                    m[i] = [a - f * b for a, b in zip(m[i], m[r])]
            r += 1
        out = []
        for row in m[:r]:
            nz = [i for i, x in enumerate(row) if x != 0]
            if len(nz) == 1:
                out.append(names[nz[0]])
        return out


PC = {}
PER_HH = []


def set_pc(head):
    """Table 1's columns by name (they move as columns are added)."""
    PC.clear()
    PC.update({n: i for i, n in enumerate(head)})


def programs_tree(rows):
    """rows: data rows of programs.csv. Returns (parent index per row or
    None, top row per root code, public flag per row, monthly per row)."""
    total = next(i for i, r in enumerate(rows) if r[0] == '合计' and r[1] == '')
    parent = [None] * len(rows)
    top = {}
    monthly = [r[PC['期末保障人数']] != '—' for r in rows]
    i = 0
    while i < len(rows):
        if i == total:
            i += 1
            continue
        root = root_of(rows[i][0])
        j = i
        while j + 1 < len(rows) and j + 1 != total and root_of(rows[j + 1][0]) == root:
            j += 1
        block = list(range(i, j + 1))
        up = total if i < total else None
        if len(block) == 1:
            parent[i] = up
            top[root] = i
        else:
            sub = j
            assert rows[sub][1] == '小计', rows[sub]
            parent[sub] = up
            top[root] = sub
            rname = CODE_NAME.get(root)
            areas = {}
            # Area roll-ups exist when the block mixes programs (a leaf of
            # the root itself is then named 未细分): rows named as the root.
            mixed = any(rows[x][0] != rname for x in block[:-1])
            for b in block[:-1]:
                if mixed and rows[b][0] == rname and rows[b][1] in ('城市', '农村'):
                    areas[rows[b][1]] = b
            for b in block[:-1]:
                if b in areas.values():
                    parent[b] = sub
                else:
                    parent[b] = areas.get(rows[b][1], sub)
        i = j + 1
    return parent, top, total, monthly


IDENT = {'held': 0, 'failed': []}


def holds(terms, ivals):
    """An identity between tables is used only where the internal set
    satisfies it exactly (a definition that a quirk of the data breaks is
    no equation an outsider can solve); ivals: name -> internal text."""
    tot = Fraction(0)
    for c, n, _ in terms:
        v = ivals.get(n)
        if v is None or v in ('—', '*', ''):
            return False
        tot += Fraction(c) * Fraction(v)
    return tot == 0


def add_tables(S, pre, d_pub, d_int=None):
    """Adds the equations of one published set (prefix pre for names).
    Returns the programs rows (published) and tree for later links.
    With d_int, the internal set beside it, the identities between tables
    that the internal figures satisfy are added too: a monthly program's
    期末保障人数 (table 1) = its last month's 人次 (months table), and the
    flows of table 5 = the change of its monthly 人次 over the period."""
    prog = load(d_pub, 'programs')
    if prog is None:
        return None
    head, rows = prog[0], prog[1:]
    set_pc(head)
    parent, top, total, monthly = programs_tree(rows)
    cols = {'persons': PC['人次'], 'payments': PC['户次'], 'amount': PC['支出（万元）']}
    named = {'stock_p': PC['期末保障人数'], 'stock_h': PC['期末保障户数'],
             'ben': PC['累计保障人数'], 'ben_h': PC['累计保障户数']}
    P = lambda i, m: (f'{pre}programs:{i}:{m}', rows[i][cols.get(m) if m in cols else named[m]])
    for i in range(len(rows)):
        kids = [j for j in range(len(rows)) if parent[j] == i]
        if not kids:
            continue
        for m in cols:
            S.add(m, [(1, *P(i, m))] + [(-1, *P(j, m)) for j in kids])
        mk = [j for j in kids if monthly[j]]
        if monthly[i] and mk:
            for m in ('stock_p', 'stock_h'):
                if rows[i][named[m]] == '—':
                    continue
                S.add(m, [(1, *P(i, m))] + [(-1, *P(j, m)) for j in mk if rows[j][named[m]] != '—'])
        # Distinct counts are treated as sums (people rarely sit in two
        # children), the strictest reading for a hidden child.
        for m in ('ben', 'ben_h'):
            if rows[i][named[m]] == '—':
                continue
            S.add(m, [(1, *P(i, m))] + [(-1, *P(j, m)) for j in kids if rows[j][named[m]] != '—'])

    # months: pairs of columns per program.
    mon = load(d_pub, 'months')
    mh, mr = mon[0], mon[1:]
    pcols = [(mh[c][:-2], c, c + 1) for c in range(1, len(mh), 2)]
    tcol = next(k for k, (n, _, _) in enumerate(pcols) if n == '合计')
    M = lambda i, k, m: (f'{pre}months:{i}:{k}:{m}', mr[i][pcols[k][1 if m == 'persons' else 2]])
    for m in ('persons', 'amount'):
        for i in range(len(mr)):
            S.add(m, [(1, *M(i, tcol, m))] + [(-1, *M(i, k, m)) for k in range(tcol)])
        for k in range(len(pcols)):
            S.add(m, [(1, *M(len(mr) - 1, k, m))] + [(-1, *M(i, k, m)) for i in range(len(mr) - 1)])
            if k == tcol:
                S.add(m, [(1, *M(len(mr) - 1, k, m)), (-1, *P(total, m))])
            else:
                leaves = [j for j in range(len(rows)) if rows[j][0] == pcols[k][0] and j not in parent]
                S.add(m, [(1, *M(len(mr) - 1, k, m))] + [(-1, *P(j, m)) for j in leaves])

    if d_int is not None:
        irows = load(d_int, 'programs')[1:]
        imr = load(d_int, 'months')[1:]
        iv = {}
        for i in range(len(rows)):
            for m in list(cols) + list(named):
                iv[P(i, m)[0]] = irows[i][cols.get(m) if m in cols else named[m]]
        for i in range(len(mr)):
            for k in range(len(pcols)):
                for m in ('persons', 'amount'):
                    iv[M(i, k, m)[0]] = imr[i][pcols[k][1 if m == 'persons' else 2]]
        last = len(mr) - 2
        for k in range(tcol):
            leaves = [j for j in range(len(rows))
                      if rows[j][0] == pcols[k][0] and monthly[j] and j not in parent]
            if not leaves or last < 0:
                continue
            eq = [(1, *M(last, k, 'persons'))] + [(-1, *P(j, 'stock_p')) for j in leaves]
            if holds(eq, iv):
                S.add('stock_p', eq)
                IDENT['held'] += 1
            else:
                IDENT['failed'].append(f'{pre}期末 of {pcols[k][0]} != its last month')
        pe, ipe = load(d_pub, 'people'), load(d_int, 'people')
        if pe is not None and last > 0:
            er, ier = pe[1:], ipe[1:]
            at = {(r[0], r[1]): i for i, r in enumerate(rows)}
            prow = [at[(r[0], r[1])] for r in er]
            for k in range(tcol):
                prs = [i for i, r in enumerate(er) if r[0] == pcols[k][0] and prow[i] not in parent]
                if not prs:
                    continue
                for (cn, cx) in ((6, 8), (7, 9)):
                    eq = [(1, *M(last, k, 'persons')), (-1, *M(0, k, 'persons'))]
                    for i in prs:
                        eq += [(-1, f'{pre}people:{i}:{cn}', er[i][cn]),
                               (1, f'{pre}people:{i}:{cx}', er[i][cx])]
                        iv[f'{pre}people:{i}:{cn}'] = ier[i][cn]
                        iv[f'{pre}people:{i}:{cx}'] = ier[i][cx]
                    if holds(eq, iv):
                        S.add('flows', eq)
                        IDENT['held'] += 1

    # towns and funding: rows x roots, a 合计 column, a 合计 row.
    for stem, nleft in (('towns', 2), ('funding', 1)):
        t = load(d_pub, stem)
        if t is None:
            continue
        th, tr = t[0], t[1:]
        per = {}
        for c in range(nleft, len(th)):
            name = th[c]
            if '同比' in name or name == '占比（%）':
                continue
            if name.endswith('人次'):
                per.setdefault(name[:-2], {})['persons'] = c
            elif name.endswith('支出（万元）'):
                per.setdefault(name[:-6], {})['amount'] = c
            elif name.endswith('（万元）'):
                per.setdefault(name[:-4], {})['amount'] = c
        names = list(per)
        tk = names.index('合计')
        trow = next(i for i, r in enumerate(tr) if r[0] == '合计')
        T = lambda i, n, m: (f'{pre}{stem}:{i}:{n}:{m}', tr[i][per[n][m]])
        subs = [i for i, r in enumerate(tr) if nleft == 2 and r[1] == '小计']
        for m in ('persons', 'amount'):
            if not all(m in per[n] for n in names):
                continue
            for i in range(len(tr)):
                S.add(m, [(1, *T(i, '合计', m))] + [(-1, *T(i, n, m)) for n in names[:tk]])
            for n in names:
                if subs:
                    start = 0
                    for s in subs:
                        S.add(m, [(1, *T(s, n, m))] + [(-1, *T(i, n, m)) for i in range(start, s)])
                        start = s + 1
                    S.add(m, [(1, *T(trow, n, m))] + [(-1, *T(s, n, m)) for s in subs])
                else:
                    S.add(m, [(1, *T(trow, n, m))] + [(-1, *T(i, n, m)) for i in range(trow)])
                link = total if n == '合计' else top[NAMES[n]]
                S.add(m, [(1, *T(trow, n, m)), (-1, *P(link, m))])
            if stem == 'funding' and m == 'amount':
                donated = [i for i in range(len(tr)) if i != trow and
                           any(x in tr[i][0] for x in OTHER_FUNDING)]
                sp = load(d_pub, 'spending')
                if sp is not None:
                    di = next(i for i, r in enumerate(sp[1:]) if r[0] == '财政救助项目中的捐赠等资金')
                    S.add(m, [(1, f'{pre}spending:{di}:amount', sp[1 + di][3])] +
                          [(-1, *T(i, '合计', m)) for i in donated])
        if '占比（%）' in th:
            sc = th.index('占比（%）')
            for i in range(len(tr)):
                if tr[i][sc] not in ('*', '—') and i != trow:
                    f = Fraction(tr[i][sc]) / 100
                    S.add('amount', [(1, *T(i, '合计', 'amount')), (-f, *T(trow, '合计', 'amount'))])
    # people: 保障人数 = table 1's; roll-ups over the count columns.
    pe = load(d_pub, 'people')
    if pe is not None:
        er = pe[1:]
        at = {(r[0], r[1]): i for i, r in enumerate(rows)}
        prow = [at[(r[0], r[1])] for r in er]
        for i in range(len(er)):
            S.add('ben', [(1, f'{pre}people:{i}:ben', er[i][2]), (-1, *P(prow[i], 'ben'))])
            for c in range(3, 10):
                kids = [j for j in range(len(er)) if parent[prow[j]] == prow[i] and er[j][c] != '—']
                if er[i][c] == '—' or not kids:
                    continue
                S.add(f'people{c}', [(1, f'{pre}people:{i}:{c}', er[i][c])] +
                      [(-1, f'{pre}people:{j}:{c}', er[j][c]) for j in kids])
    # spending: public against other money.
    sp = load(d_pub, 'spending')
    if sp is not None:
        sr = sp[1:]
        lab = {r[0]: i for i, r in enumerate(sr)}
        pub, oth, don, tot = (lab['财政社会救助支出'], lab['其他资金'],
                              lab['财政救助项目中的捐赠等资金'], lab['总计'])
        progs = [i for i in range(len(sr)) if i not in (pub, oth, don, tot)]
        for m, c in (('persons', 1), ('payments', 2), ('amount', 3)):
            X = lambda i: (f'{pre}spending:{i}:{m}', sr[i][c])
            S.add(m, [(1, *P(total, m)), (-1, *X(pub)), (-1, *X(don))])
            S.add(m, [(1, *X(oth)), (-1, *X(don))] + [(-1, *X(i)) for i in progs])
            S.add(m, [(1, *X(tot)), (-1, *X(pub)), (-1, *X(oth))])
            for i in progs:
                S.add(m, [(1, *X(i)), (-1, *P(top[NAMES[sr[i][0]]], m))])
    return {'rows': rows, 'total': total, 'towns': load(d_pub, 'towns')}


yoy_seen = hidden_total = 0
SHOWN, NOTES = {}, ''


def audit_set():
    global yoy_seen, hidden_total
    # 1. published = internal or "*"; 2. primary suppression in programs.
    for stem in ('programs', 'towns', 'months', 'funding', 'people', 'spending'):
        a, b = load(INT, stem), load(PUB, stem)
        if a is None and b is None:
            continue
        if a is None or b is None or len(a) != len(b):
            fail(f'{stem}: the versions differ in shape')
            continue
        for ra, rb in zip(a, b):
            for x, y in zip(ra, rb):
                if y != '*' and y != x:
                    fail(f'{stem}: published {y!r} is neither {x!r} nor "*"')
    pi, pp = load(INT, 'programs'), load(PUB, 'programs')
    set_pc(pi[0])
    for ri, rp in zip(pi[1:], pp[1:]):
        # beneficiaries: the households of a household program, else the
        # persons (an upper bound for a program paid either way)
        h = ri[PC['累计保障户数']]
        n = int(h) if h != '—' else int(ri[PC['累计保障人数']])
        if 0 < n < K and rp[2] != '*':
            fail(f'programs: {ri[0]} {ri[1]} counts {n} beneficiaries and is shown')
    ei, ep = load(INT, 'people'), load(PUB, 'people')
    for ri, rp in zip((ei or [])[1:], (ep or [])[1:]):
        for c in (3, 4, 5, 6, 8):
            if ri[c] != '—' and 0 < int(ri[c]) < K and rp[c] != '*':
                fail(f'people: {ri[0]} {ri[1]} column {c} counts {ri[c]} and is shown')

    # 3. the equations.
    S = System()
    cur = add_tables(S, '', PUB, INT)
    prev = add_tables(S, 'prev:', PREV) if PREV and not SUFFIX else None
    pub_rows = cur['rows']
    if prev:
        prow = {(r[0], r[1]): i for i, r in enumerate(prev['rows'])}
        ph = load(PUB, 'programs')[0]
        for i, r in enumerate(pub_rows):
            j = prow.get((r[0], r[1]))
            for m, src, chg in (('persons', ph.index('人次'), ph.index('人次同比增减')),
                                ('amount', ph.index('支出（万元）'), ph.index('支出同比增减（万元）'))):
                if j is None or r[chg] == '—':
                    continue
                S.add(m, [(1, f'programs:{i}:{m}', r[src]),
                          (-1, f'prev:programs:{j}:{m}', prev['rows'][j][src]),
                          (-1, f'yoy:programs:{i}:{m}', r[chg])])
                if r[chg] != '*':
                    yoy_seen += 1
                    if r[src] == '*' or prev['rows'][j][src] == '*':
                        fail(f'programs: 同比 of {r[0]} {r[1]} shown with a hidden end')
        t, pt = cur['towns'], prev['towns']
        th, tr = t[0], t[1:]
        ptr = {(r[0], r[1]): i for i, r in enumerate(pt[1:])}
        for i, r in enumerate(tr):
            j = ptr.get((r[0], r[1]))
            # Last year's column by name: columns move with the programs paid.
            for m, name, chg in (('persons', '合计人次', th.index('合计人次同比增减')),
                                 ('amount', '合计支出（万元）', th.index('合计支出同比增减（万元）'))):
                src, psrc = th.index(name), pt[0].index(name)
                if j is None or r[chg] == '—':
                    continue
                S.add(m, [(1, f'towns:{i}:合计:{m}', r[src]),
                          (-1, f'prev:towns:{j}:合计:{m}', pt[1 + j][psrc]),
                          (-1, f'yoy:towns:{i}:{m}', r[chg])])
                if r[chg] != '*':
                    yoy_seen += 1
                    if r[src] == '*' or pt[1 + j][psrc] == '*':
                        fail(f'towns: 同比 of {r[1]} shown with a hidden end')
    hidden_total += sum(1 for e in S.eqs.values() for q in e for c, n, t in q if t == '*')
    for m in S.eqs:
        for n in S.determined(m):
            fail(f'hidden cell {n} ({m}) can be recomputed from the published tables')

    # For the bulletin check: what table 1 shows, over every period.
    set_pc(load(PUB, 'programs')[0])
    for r in pub_rows:
        for c in ('人次', '户次', '累计保障人数', '累计保障户数', '期末保障人数', '期末保障户数',
                  '支出（万元）', '月人均补助水平（元）', '平均救助水平（元）'):
            if r[PC[c]] != '*':
                SHOWN.setdefault(c, set()).add(r[PC[c]])
    # 户均 of the bulletin: 支出 ÷ 户次 of a row showing both, whole 元 half-up
    for r in pub_rows:
        a, h = r[PC['支出（万元）']], r[PC['户次']]
        if a not in ('*', '—') and h not in ('*', '—') and int(h) > 0:
            # 万元 to two decimals is within 50 元 of the exact amount
            PER_HH.append((Fraction(a) * 10000 / int(h), Fraction(50, int(h)) + Fraction(51, 100)))
    for r in (load(PUB, 'spending') or [[]])[1:]:
        for c, into in ((1, '人次'), (3, '支出（万元）')):
            if r[c] != '*':
                SHOWN.setdefault(into, set()).add(r[c])
    ph = load(PUB, 'programs')[0]
    if '支出同比增长（%）' in ph:
        t = pub_rows[cur['total']][ph.index('支出同比增长（%）')]
        if t != '*':
            SHOWN.setdefault('yoy', set()).add(t.lstrip('-'))
    global NOTES
    NOTES += open(os.path.join(PUB, 'programs' + SUFFIX + '.md'), encoding='utf-8').read()

# One set of tables per reporting period (programs.csv, or programs-YYYY.csv
# with --by-year): each is audited on its own.
suffixes = sorted(f[len('programs'):-4] for f in os.listdir(PUB)
                  if f.startswith('programs') and f.endswith('.csv'))
for SUFFIX in suffixes:
    audit_set()
hidden = hidden_total

# With --by-year, a year's first month of flows is judged against the
# December before, which the previous year's months table shows: the flows
# of table 5 then equal this year's last month's 人次 less last year's.
# All the years' equations are solved together with those identities.
if len(suffixes) > 1:
    S = System()
    sets = {}
    for SUFFIX in suffixes:
        add_tables(S, SUFFIX + ':', PUB, INT)
    for a, b in zip(suffixes, suffixes[1:]):
        SUFFIX = b
        mb, ma = load(PUB, 'months'), None
        SUFFIX = a
        ma, ima = load(PUB, 'months'), load(INT, 'months')
        SUFFIX = b
        imb, pe, ipe = load(INT, 'months'), load(PUB, 'people'), load(INT, 'people')
        if pe is None:
            continue
        ha, hb = ma[0], mb[0]
        for c in range(1, len(hb), 2):
            name = hb[c][:-2]
            if name == '合计' or hb[c] not in ha:
                continue
            ca = ha.index(hb[c])
            prs = [i for i, r in enumerate(pe[1:]) if r[0] == name and r[1] != '小计']
            if not prs:
                continue
            for cn, cx in ((6, 8), (7, 9)):
                eq = [(1, f'{b}:months:{len(mb) - 3}:{(c - 1) // 2}:persons', mb[-2][c]),
                      (-1, f'{a}:months:{len(ma) - 3}:{(ca - 1) // 2}:persons', ma[-2][ca])]
                iv = {eq[0][1]: imb[-2][c], eq[1][1]: ima[-2][ca]}
                for i in prs:
                    eq += [(-1, f'{b}:people:{i}:{cn}', pe[1 + i][cn]),
                           (1, f'{b}:people:{i}:{cx}', pe[1 + i][cx])]
                    iv[eq[-2][1]] = ipe[1 + i][cn]
                    iv[eq[-1][1]] = ipe[1 + i][cx]
                if holds(eq, iv):
                    S.add('flows', eq)
                    IDENT['held'] += 1
    for m in S.eqs:
        for n in S.determined(m):
            fail(f'hidden cell {n} ({m}) can be recomputed from the published tables of all years together')

# 5. the published bulletin.
bul = open(os.path.join(PUB, 'bulletin.txt'), encoding='utf-8').read()
shown = lambda col: SHOWN.get(col, set())
body = bul.split('\n注：')[0]
for v in re.findall(r'([0-9]+\.[0-9]{2})万元', body):
    if v not in shown('支出（万元）'):
        fail(f'bulletin states {v}万元, not a shown 支出 of table 1')
for v in re.findall(r'([0-9]+)人次', body):
    if v not in shown('人次'):
        fail(f'bulletin states {v}人次, not a shown 人次 of table 1')
for v in re.findall(r'([0-9]+)户次', body):
    if v not in shown('户次'):
        fail(f'bulletin states {v}户次, not a shown 户次 of table 1')
for v in re.findall(r'期末[^0-9，。；]*([0-9]+)人', body):
    if v not in shown('期末保障人数'):
        fail(f'bulletin states 期末 {v}人, not a shown 期末保障人数 of table 1')
for h, v in re.findall(r'期末[^0-9，。；]*([0-9]+)户([0-9]+)人', body):
    if h not in shown('期末保障户数') or v not in shown('期末保障人数'):
        fail(f'bulletin states 期末 {h}户{v}人, not shown in table 1')
for v in re.findall(r'累计保障[^0-9，。；]*?([0-9]+)人', body):
    if v not in shown('累计保障人数'):
        fail(f'bulletin states 累计 {v}人, not a shown 累计保障人数 of table 1')
for h, v in re.findall(r'累计保障[^0-9，。；]*?([0-9]+)户([0-9]+)人', body):
    if h not in shown('累计保障户数') or v not in shown('累计保障人数'):
        fail(f'bulletin states 累计 {h}户{v}人, not shown in table 1')
for v in re.findall(r'同比(?:增长|下降)([0-9.]+)%', body):
    if v not in shown('yoy'):
        fail(f'bulletin states a 同比 of {v}%, not shown in table 1')
avgs = [Fraction(x.replace(',', '')) for c in ('月人均补助水平（元）', '平均救助水平（元）', '户均')
        for x in shown(c) if x != '—']
for v in re.findall(r'户均([0-9]+)元', body):
    if not any(abs(x - int(v)) <= tol for x, tol in PER_HH):
        fail(f'bulletin states 户均{v}元, not 支出 ÷ 户次 of a shown row of table 1')
for v in re.findall(r'(?<![0-9.])(?<!户均)([0-9]+)元', body):
    if not any(abs(a - int(v)) <= Fraction(51, 100) for a in avgs):
        fail(f'bulletin states {v}元, not the rounding of a shown average of table 1')
for v in re.findall(r'集中供养率([0-9.]+)%', body):
    if f'集中供养率为{v}%' not in NOTES:
        fail(f'bulletin states 集中供养率 {v}%, not shown in table 1\'s notes')
if failed:
    print('not ok - disclosure audit of ' + PUB)
    for f in failed[:20]:
        print('    ' + f)
    sys.exit(1)
print(f'ok - disclosure audit of {os.path.basename(os.path.dirname(PUB.rstrip("/")))}: '
      f'{hidden} hidden cell references, none recomputable, {IDENT["held"]} identities between tables used ({len(IDENT["failed"])} not met by the data){", 同比 checked (%d shown)" % yoy_seen if PREV else ""}')
