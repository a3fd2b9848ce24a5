#!/bin/bash
# rs-aggregate's sort (stages/aggregate/leafsort.c) against an independent
# fold in Python, on records made to reach its rare paths: regions, months
# and labels spread so widely that the packed key keeps only a few bits of
# the beneficiary, and beneficiaries that share their first 48 bits, so
# many leaves tie on the packed bits and leaf_cmp decides (runs longer
# than the insertion sort takes, too); hundreds of funding labels and
# support modes, some longer than 16 bytes, some that need CSV quoting;
# keys repeated with other ages and sexes (the first row's are kept);
# payments cancelled by negative rows (the all-zero leaf is dropped).
# Every room size (RS_AGGREGATE_ROOM) must give the same file.
. "$(dirname "$0")/lib.sh"

python3 - "$TMP/in.csv" "$TMP/want.csv" <<'PY'
import csv, random, sys
random.seed(9)
src, want = sys.argv[1], sys.argv[2]
regions = ['%012d' % random.randrange(10**12) for _ in range(40)] + ['000000000001', '999999999999']
programs = ['dibao_urban', 'dibao_rural', 'tekun', 'gaoling', 'linshi_jiuzhu_with_a_long_name']
funding = ['F%d' % i for i in range(200)] + ['区级财政', '省级财政', '', 'a, "quoted" label', 'a long funding label number %d' % 7]
modes = ['', 'cash', 'M%03d' % 5, 'x,y'] + ['mode %d of many, many modes' % i for i in range(150)]
prefix = '%012x' % random.randrange(16**12)
benes = [prefix + '%020x' % random.randrange(16**20) for _ in range(60)] + \
        ['%032x' % random.randrange(16**32) for _ in range(200)]
rows, line = [], 2
def period(ym): return '%04d-%02d' % (ym // 12, ym % 12 + 1)
keys = []
for _ in range(3000):
    keys.append((random.choice(regions[:3]) if random.random() < 0.6 else random.choice(regions),
                 random.choice(programs), random.choice(['urban', 'rural']),
                 random.choice([1990 * 12, 2024 * 12 + random.randrange(12), 2049 * 12 + 11]),
                 random.choice(funding[:3]) if random.random() < 0.5 else random.choice(funding),
                 random.choice(modes[:2]) if random.random() < 0.5 else random.choice(modes),
                 random.choice(benes)))
# one head with 40 of the beneficiaries that share their first 48 bits: a
# run of ties longer than the insertion sort takes
keys += [(regions[0], programs[0], 'rural', 2024 * 12, funding[0], modes[0], bn) for bn in benes[:40]] * 3
for _ in range(8000):
    k = random.choice(keys)
    persons = random.randrange(1, 5)
    fen = random.randrange(1, 500000)
    age = random.choice(['', str(random.randrange(0, 100))])
    sex = random.choice(['', 'M', 'F'])
    rows.append((k, persons, fen, age, sex, ''))
    if random.random() < 0.05:      # reversed: the leaf may end all zero
        rows.append((k, persons, -fen, '', '', 'reversal'))
random.shuffle(rows)
with open(src, 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow('source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode,kind,covers'.split(','))
    for i, (k, persons, fen, age, sex, kind) in enumerate(rows):
        reg, prog, area, ym, fund, mode, bene = k
        amount = ('-' if fen < 0 else '') + '%d.%02d' % (abs(fen) // 100, abs(fen) % 100)
        w.writerow(['t.csv', i + 2, reg, prog, area, period(ym), bene, '', persons, amount, age, sex, fund, mode, kind, ''])
# A reversal nets against its own key, which has a payment left for each
# (README "Reversals and back-pay"); the leaf's age and sex are its first
# payment's.
leaves = {}
for k, persons, fen, age, sex, kind in rows:
    if kind:
        continue
    if k not in leaves:
        leaves[k] = [0, 0, 0, age, sex]
    l = leaves[k]
    l[0] += 1
    l[1] += persons
    l[2] += fen
for k, persons, fen, age, sex, kind in rows:
    if kind:
        l = leaves[k]
        l[0] -= 1
        l[1] -= persons
        l[2] += fen
b = lambda s: s.encode('utf-8')
order = sorted((k for k, l in leaves.items() if l[0] or l[1] or l[2]),
               key=lambda k: (k[0], b(k[1]), k[2] == 'urban', k[3], b(k[4]), b(k[5]), k[6]))
with open(want, 'w', newline='', encoding='utf-8') as f:
    f.write('region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount\n')
    w = csv.writer(f, lineterminator='\n')
    for k in order:
        pay, per, fen, age, sex = leaves[k]
        amount = ('-' if fen < 0 else '') + '%d.%02d' % (abs(fen) // 100, abs(fen) % 100)
        w.writerow([k[0], k[1], k[2], period(k[3]), k[4], k[5], k[6], sex, age, pay, per, amount])
PY
gzip -c "$TMP/in.csv" >"$TMP/in.csv.gz"
for room in "" 1 7 1000; do
	RS_AGGREGATE_ROOM=$room expect_exit 0 "aggregate the tie-heavy records (room '$room')" \
		"$BIN/rs-aggregate" -q -o "$TMP/agg$room.csv.gz" "$TMP/in.csv.gz"
	zcat "$TMP/agg$room.csv.gz" 2>/dev/null | cmp -s - "$TMP/want.csv" &&
		ok "room '$room': leaves, order, first row's age and sex as the independent fold" ||
		fail "room '$room': leaves, order, first row's age and sex as the independent fold" \
			"$(diff <(zcat "$TMP/agg$room.csv.gz") "$TMP/want.csv" | head -5)"
done
