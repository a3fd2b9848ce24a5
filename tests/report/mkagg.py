#!/usr/bin/env python3
"""mkagg.py PROFILE OUT.csv.gz - write a calibrated aggregate file for rs-report.

Profiles reproduce the figures a seed article published (shared/seeds/),
so a test can check that the report prints them:

  seed004  成都市郫都区, 2021年1—7月 (seed 004): 低保 9418人次、667.46万元 with
           城乡月人均 734元、695元; 临时救助 53户107人次、45.05万元; 困难残疾人
           生活补贴 5726人次、125.23万元; 重度残疾人护理补贴 35171人次、306.313万元;
           高龄津贴 116094人次、972.445万元 (half-up: 972.45); 特困 all 集中供养
           (11 persons: 集中供养率 100%).
  seed001  郑州市二七区, 2021年 (seed 001): 各类救助资金 1407.74万元 to 7100人次,
           临时救助 6户 1.12万元, 流浪乞讨人员救助 159人次; funding sources named.
  demo2023, demo2024
           郑州市二七区 in two years, for 同比: four townships (one only in
           2024), a program paid only in 2024, 特困 split into 集中/分散 by
           the records' support_mode (not by program code), funding sources
           named; also the screenshot's
           page when no pipeline output exists.

Rows are the aggregate file's (README, "The aggregate file"): one per
(village, program, area, month, funding, support_mode, beneficiary), sorted
bytewise by the key. Amounts are exact: a program's total in fen is spread
over its rows in proportion to persons, remainders a fen at a time.
"""
import gzip, sys

HEADER = ('region_code,program,area,period,funding,support_mode,beneficiary,'
          'sex,age,payments,persons,amount')


class Agg:
    def __init__(self):
        self.rows = []
        self.next_ben = 1

    def ben(self):
        b = self.next_ben
        self.next_ben += 1
        return f'{b:032x}'

    def program(self, prog, area, villages, months, person_times, fen,
                sizes=(1,), monthly=True, funding=('',), mode='', age=60,
                beneficiaries=None):
        """Rows of one program: beneficiaries paid every month (monthly)
        or once (one-off) until person_times persons are paid; amounts sum
        to fen exactly. For one-off programs beneficiaries fixes how many
        payments share the person_times."""
        pays = []           # (village, month, ben, persons, funding)
        left = person_times
        i = 0
        nf = len(funding)
        if monthly:
            while left > 0:
                b, v = self.ben(), villages[i % len(villages)]
                size = sizes[i % len(sizes)]
                if left >= size * len(months):
                    pays += [(v, m, b, size, funding[(len(pays) + j) % nf])
                             for j, m in enumerate(months)]
                    left -= size * len(months)
                else:
                    for m in months:
                        if left <= 0:
                            break
                        p = min(size, left)
                        pays.append((v, m, b, p, funding[len(pays) % nf]))
                        left -= p
                i += 1
        else:
            n = beneficiaries or person_times
            base, extra = divmod(person_times, n)
            for j in range(n):
                p = base + (1 if j < extra else 0)
                pays.append((villages[j % len(villages)], months[j % len(months)],
                             self.ben(), p, funding[j % len(funding)]))
        # Spread fen over the payments in proportion to persons, exactly.
        total_p = sum(p for _, _, _, p, _ in pays)
        shares = [fen * p // total_p for _, _, _, p, _ in pays]
        # (The remainder is below the number of payments.)
        for j in range(fen - sum(shares)):
            shares[j % len(shares)] += 1
        # A line starting with its key sorts as the key: ',' sorts before
        # every character a field holds.
        tail = f',M,{age},1,'
        self.rows += [f'{v},{prog},{area},{m},{f},{mode},{b}{tail}{p},{amt // 100}.{amt % 100:02d}'
                      for (v, m, b, p, f), amt in zip(pays, shares)]

    def write(self, path):
        # Code point order is UTF-8 byte order: a plain sort is bytewise.
        self.rows.sort()
        with gzip.open(path, 'wb', compresslevel=1) as f:
            f.write(('\n'.join([HEADER] + self.rows) + '\n').encode())


def months(year, first, last):
    return [f'{year}-{m:02d}' for m in range(first, last + 1)]


def seed004(a):
    # 郫都区 townships/villages from the region table.
    v = ['510117001001', '510117004001', '510117005001', '510117006001',
         '510117104001', '510117115001']
    ms = months(2021, 1, 7)
    # 低保: 3310 urban person-times at 734.00 元, 6108 rural at 695.00 元:
    # 2429540 + 4245060 = 6674600 元 = 667.46 万元.
    a.program('dibao_urban', 'urban', v, ms, 3310, 242954000, sizes=(1, 2, 3, 4))
    a.program('dibao_rural', 'rural', v, ms, 6108, 424506000, sizes=(2, 3, 4, 5))
    a.program('linshi', 'rural', v, ms, 107, 45050000, monthly=False, beneficiaries=53)
    a.program('disab_living', 'rural', v, ms, 5726, 125230000)
    a.program('disab_care', 'rural', v, ms, 35171, 306313000)
    a.program('gaoling', 'urban', v, ms, 116094, 972445000, age=85)
    a.program('tekun_centralized', 'rural', v, ms, 77, 9240000, age=75)


def seed001(a):
    v = ['410103001001', '410103003003', '410103005001', '410103100001']
    ms = months(2021, 1, 12)
    fund = ('中央财政', '省级财政', '市级财政', '区级财政')
    # 7100 person-times and 1407.74 万元 in all:
    #   低保 4800 (1200.00 万元), 特困 1800 (189.03 万元), 高龄 335 (17.59 万元),
    #   临时救助 6 户 (1.12 万元, 6 person-times), 流浪 159 (0.00: in kind)
    a.program('dibao_urban', 'urban', v, ms, 2400, 600000000, sizes=(2, 3), funding=fund)
    a.program('dibao_rural', 'rural', v, ms, 2400, 600000000, sizes=(3, 2), funding=fund)
    a.program('tekun_centralized', 'rural', v, ms, 600, 63010000, funding=fund, age=75)
    a.program('tekun_dispersed', 'rural', v, ms, 1200, 126020000, funding=fund, age=75)
    a.program('gaoling', 'urban', v, ms, 335, 17590000, funding=('区级财政',), age=85)
    a.program('linshi', 'urban', v, ms, 6, 1120000, monthly=False, funding=('区级财政',))
    a.program('liulang', 'urban', v, ms, 159, 0, monthly=False, funding=('区级财政',))


def demo(a, year):
    v = ['410103001001', '410103001003', '410103005001', '410103100001']
    if year == 2024:
        v.append('410103011001')
    ms = months(year, 1, 12)
    fund = ('中央财政', '省级财政', '市级财政', '区级财政')
    grow = 1 if year == 2023 else 2
    a.program('dibao_urban', 'urban', v, ms, 960 + 24 * grow, 72000000 + 1234567 * grow,
              sizes=(1, 2, 3), funding=fund)
    a.program('dibao_rural', 'rural', v, ms, 1200 - 12 * grow, 66000000 + 765432 * grow,
              sizes=(2, 3), funding=fund)
    a.program('tekun', 'rural', v, ms, 240, 36000000 + 100000 * grow, mode='集中',
              funding=fund, age=75)
    a.program('tekun', 'rural', v, ms, 480 + 12 * grow, 60000000, mode='分散',
              funding=fund, age=75)
    a.program('linshi', 'urban', v, ms, 40 - 5 * grow, 3000000 - 400000 * grow,
              monthly=False, beneficiaries=20, funding=('区级财政',))
    a.program('gaoling', 'rural', v, ms, 600 + 36 * grow, 6000000 + 360000 * grow,
              funding=('区级财政',), age=85)
    if year == 2024:
        # A program new in 2024: the 合计 columns move right by two.
        a.program('disab_living', 'rural', v, ms, 120, 1800000, funding=('区级财政',))


def main():
    profiles = {'seed004': seed004, 'seed001': seed001,
                'demo2023': lambda a: demo(a, 2023), 'demo2024': lambda a: demo(a, 2024)}
    if len(sys.argv) != 3 or sys.argv[1] not in profiles:
        sys.exit(__doc__)
    a = Agg()
    profiles[sys.argv[1]](a)
    a.write(sys.argv[2])


if __name__ == '__main__':
    main()
