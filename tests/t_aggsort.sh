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

# The sort on two threads (leafsort.c): each set of at least
# RS_AGGREGATE_PAR_MIN leaves (a test knob; 64 k by default) is packed in
# two halves and its radix buckets shared by two threads. On these
# records (60 % in three regions, so the top pass's buckets are uneven and
# the largest is cut again) the order must be the fold's, for every room.
for room in "" 1 1000; do
	RS_AGGREGATE_PAR_MIN=1 RS_AGGREGATE_ROOM=$room expect_exit 0 "aggregate on two sorting threads (room '$room')" \
		"$BIN/rs-aggregate" -q -o "$TMP/par$room.csv.gz" "$TMP/in.csv.gz"
	zcat "$TMP/par$room.csv.gz" 2>/dev/null | cmp -s - "$TMP/want.csv" &&
		ok "two sorting threads, room '$room': the independent fold's leaves and order" ||
		fail "two sorting threads, room '$room': the independent fold's leaves and order" \
			"$(diff <(zcat "$TMP/par$room.csv.gz") "$TMP/want.csv" | head -5)"
done

# The same bytes whatever the threads' timing, and when threads cannot be
# started: a shim in front of libc fails every pthread_create after the
# first RS_SHIM_THREADS (as tests/t_gzip.sh does), so each of the reader,
# the packing and sorting helpers and the compressors is in turn run by
# the caller. A generated set of 100 k rows passes the default threshold.
"$BIN/rs-gen" --rows 100000 --seed 11 -o "$TMP/gen.csv" 2>/dev/null &&
	"$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/generated.yaml" -k "$KEY" \
		-o "$TMP/gen.csv.gz" -r "$TMP/genrej.csv.gz" "$TMP/gen.csv" 2>"$TMP/.err" ||
	fail "ingest 100 k generated rows" "$(tail -2 "$TMP/.err")"
expect_exit 0 "aggregate 100 k generated rows" "$BIN/rs-aggregate" -q -o "$TMP/gen0.csv.gz" "$TMP/gen.csv.gz"
[ "$(zcat "$TMP/gen0.csv.gz" | wc -l)" -gt 65537 ] &&
	ok "... more leaves than the threshold of the sort on two threads" ||
	fail "... more leaves than the threshold of the sort on two threads" "$(zcat "$TMP/gen0.csv.gz" | wc -l) lines"
same=0
for i in 1 2 3 4; do
	"$BIN/rs-aggregate" -q -o "$TMP/genr.csv.gz" "$TMP/gen.csv.gz" 2>/dev/null &&
		cmp -s "$TMP/genr.csv.gz" "$TMP/gen0.csv.gz" && same=$((same + 1))
done
[ "$same" = 4 ] && ok "four more runs: the same bytes" || fail "four more runs: the same bytes" "$same of 4 the same"
RS_AGGREGATE_PAR_MIN=1000000000 "$BIN/rs-aggregate" -q -o "$TMP/gen1.csv.gz" "$TMP/gen.csv.gz" 2>/dev/null &&
	cmp -s "$TMP/gen1.csv.gz" "$TMP/gen0.csv.gz" &&
	ok "sorted on one thread: the same bytes" || fail "sorted on one thread: the same bytes" "$(cmp "$TMP/gen1.csv.gz" "$TMP/gen0.csv.gz" 2>&1)"
if thread_shim; then
	for n in 0 1 2 3 4 5; do
		env "${NT[@]}" RS_SHIM_THREADS=$n "$BIN/rs-aggregate" -q -o "$TMP/nt$n.csv.gz" "$TMP/gen.csv.gz" 2>"$TMP/.err" &&
			cmp -s "$TMP/nt$n.csv.gz" "$TMP/gen0.csv.gz" &&
			ok "aggregate with $n thread(s) to start: the same bytes as with all" ||
			fail "aggregate with $n thread(s) to start: the same bytes as with all" \
				"$(cmp "$TMP/nt$n.csv.gz" "$TMP/gen0.csv.gz" 2>&1)" "$(tail -2 "$TMP/.err")"
	done
	for n in 0 1; do
		RS_AGGREGATE_PAR_MIN=1 env "${NT[@]}" RS_SHIM_THREADS=$n "$BIN/rs-aggregate" -q -o "$TMP/ntp$n.csv.gz" "$TMP/in.csv.gz" 2>"$TMP/.err" &&
			zcat "$TMP/ntp$n.csv.gz" | cmp -s - "$TMP/want.csv" &&
			ok "tie-heavy records, $n thread(s) to start: the fold's leaves and order" ||
			fail "tie-heavy records, $n thread(s) to start: the fold's leaves and order" "$(tail -2 "$TMP/.err")"
	done
else
	ok "aggregate without threads to start # skip: no C compiler for the pthread_create shim"
fi
