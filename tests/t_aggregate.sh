#!/bin/bash
# rs-aggregate's grouped measures: every sample's county x program x area x
# year row equals its truth; a year is the sum of its 12 months; a county is
# the sum of its townships; distinct counts and stocks reconcile; erqi-2023
# gives a 集中供养率. Checked independently in Python from the groups file.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

"$BIN/reliefstat" run -q --allow-outside pipelines/yearend.yaml --var out="$TMP/out" --until aggregate >/dev/null 2>&1 ||
	{ fail "pipeline up to aggregate"; exit 0; }
for s in tongan-2024 erqi-2023 erqi-2024 aimin-2024 pidu-2023; do
	y=${s#*-}
	expect_exit 0 "$s: groups by township, program, area, month" "$BIN/rs-aggregate" -q -o "$TMP/$s.agg.csv.gz" \
		-g "$TMP/$s.groups.csv.gz" --by region=township,program,area,period=month --period "$y-01..$y-12" \
		"$TMP/out/$s/valid.csv.gz"
	cmp -s "$TMP/$s.agg.csv.gz" "$TMP/out/$s/agg.csv.gz" && ok "$s: the leaf file is unchanged by --groups" ||
		fail "$s: the leaf file is unchanged by --groups"
	python3 - "$s" "samples/exports/$s.truth.json" "$TMP/$s.groups.csv.gz" "$TMP/out/$s/valid.csv.gz" <<'PY'
import csv, gzip, json, sys
from collections import defaultdict
from decimal import Decimal
name, truth, path = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
rows = list(csv.DictReader(gzip.open(path, 'rt', encoding='utf-8', newline='')))
fen = lambda r: int(Decimal(r['amount']) * 100)
def check(label, cond, detail=''):
    print(("ok" if cond else "not ok") + f" - {name}: {label}" + ("" if cond else f"\n    {detail}"))
year = str(truth['year'])
# 1. county x leaf program x area x year equals the truth
got = {(r['region_code'][:6], r['program'], r['area']):
       (int(r['person_times']), int(r['household_times']), int(r['beneficiaries']), fen(r))
       for r in rows if r['region_level'] == 'county' and r['period'] == year
       and r['area'] != 'all' and r['funding'] == 'all' and r['support_mode'] == 'all'}
want = {(g['county'], g['program'], g['area']):
        (g['person_times'], g['household_times'], g['beneficiaries'], g['amount_fen']) for g in truth['groups']}
check("county x program x area x year groups equal the truth", all(got.get(k) == v for k, v in want.items()),
      [(k, v, got.get(k)) for k, v in want.items() if got.get(k) != v][:3])
# 2. a year's additive measures are the sum of its 12 months, for every group
by = defaultdict(lambda: [0, 0, 0]); yr = {}
for r in rows:
    k = (r['region_level'], r['region_code'], r['program'], r['area'])
    v = (int(r['person_times']), int(r['household_times']), fen(r))
    if r['period'] == year: yr[k] = v
    elif len(r['period']) == 7:
        for i in range(3): by[k][i] += v[i]
check(f"every year row is the sum of its months ({len(yr)} groups)", all(tuple(by[k]) == v for k, v in yr.items()))
# 3. a county is the sum of its townships (additive), distinct between max and sum
kids = defaultdict(list); county = {}
for r in rows:
    if r['period'] != year: continue
    k = (r['program'], r['area'])
    if r['region_level'] == 'county': county[(r['region_code'][:6],) + k] = r
    if r['region_level'] == 'township': kids[(r['region_code'][:6],) + k].append(r)
okc = True
for k, c in county.items():
    ks = kids[k]
    for m in ('person_times', 'household_times'):
        okc &= int(c[m]) == sum(int(x[m]) for x in ks)
    okc &= fen(c) == sum(fen(x) for x in ks)
    b = int(c['beneficiaries']); okc &= max(int(x['beneficiaries']) for x in ks) <= b <= sum(int(x['beneficiaries']) for x in ks)
check(f"every county row is the sum of its townships ({len(county)} groups)", okc)
# 4. a year's stock is December's
dec = {(r['region_level'], r['region_code'], r['program'], r['area']): r['stock_households']
       for r in rows if r['period'] == f"{year}-12"}
check("a year's stock equals its last month's", all(dec.get(k, '0') == v['stock_households'] for k, v in
      {(r['region_level'], r['region_code'], r['program'], r['area']): r for r in rows if r['period'] == year}.items()))
# 5. 其中 lines: distinct women, people 60 or over, children under 18 (at any
#    payment in the year), per county x program, recomputed from the records
q = defaultdict(lambda: [set(), set(), set()])
for r in csv.DictReader(gzip.open(sys.argv[4], 'rt', encoding='utf-8', newline='')):
    k = (r['region_code'][:6], r['program'])
    if r['sex'] == 'F': q[k][0].add(r['beneficiary'])
    if int(r['age']) >= 60: q[k][1].add(r['beneficiary'])
    if int(r['age']) < 18: q[k][2].add(r['beneficiary'])
got = {(r['region_code'][:6], r['program']): (int(r['female']), int(r['elderly']), int(r['minors']))
       for r in rows if r['region_level'] == 'county' and r['period'] == year and r['area'] == 'all'
       and r['program'] in {p for _, p in q}}
check("其中 女性/老年人/未成年人 equal a recount from the records",
      got and all(got[k] == tuple(len(x) for x in v) for k, v in q.items()), list(got.items())[:3])
if name == 'erqi-2023':
    st = {r['program']: int(r['stock_persons']) for r in rows
          if r['region_level'] == 'county' and r['area'] == 'all' and r['period'] == year}
    rate = st['tekun_centralized'] / st['tekun'] * 100
    check(f"集中供养率 = {st['tekun_centralized']}/{st['tekun']} = {rate:.1f}%", 0 < rate < 100 and
          st['tekun_centralized'] + st['tekun_dispersed'] == st['tekun'])
PY
done
"$BIN/rs-aggregate" -q -o "$TMP/again.csv.gz" -g "$TMP/again.groups.csv.gz" --by region=township,program,area,period=month \
	--period 2023-01..2023-12 "$TMP/out/erqi-2023/valid.csv.gz"
cmp -s "$TMP/again.groups.csv.gz" "$TMP/erqi-2023.groups.csv.gz" && ok "grouped output is byte-identical on a rerun" ||
	fail "grouped output is byte-identical on a rerun"
expect_exit 2 "an unknown grouping is a usage error" "$BIN/rs-aggregate" -o "$TMP/x.csv.gz" -g "$TMP/g.csv.gz" --by region=street "$TMP/out/erqi-2023/valid.csv.gz"

# --- the sort-and-combine path -----------------------------------------------------
# rs-aggregate appends rows to an array and, when it is full, sorts it and
# combines equal keys. A tiny first room (RS_AGGREGATE_ROOM, a test knob)
# sends every row through that path many times; the files must not change.
# The input has reversals (some netted against another funding label),
# back-pay covering earlier months and unmatched reversals (the records
# before validate), and is given twice so that every key repeats.
"$BIN/rs-gen" --rows 20000 --extras --seed 5 -o "$TMP/x.csv" 2>/dev/null &&
"$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/generated-extras.yaml" -k "$ROOT/samples/keys/demo.key" \
	-o "$TMP/x.rec.csv.gz" "$TMP/x.csv" &&
"$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$TMP/x.valid.csv.gz" "$TMP/x.rec.csv.gz" ||
	fail "generated extras up to validate"
for input in x.valid x.rec; do
	for room in "" 1 7 1000; do
		# grouped measures need catalog programs: valid records only
		groups=()
		[ "$input" = x.valid ] && groups=(-g "$TMP/r$room.g.csv.gz"
			--by region=village,program,area,period=month,funding,support_mode --period 2024-01..2024-12)
		RS_AGGREGATE_ROOM=$room "$BIN/rs-aggregate" -q -o "$TMP/r$room.csv.gz" "${groups[@]}" \
			"$TMP/$input.csv.gz" "$TMP/$input.csv.gz" || fail "rs-aggregate with room '$room' on $input"
	done
	for room in 1 7 1000; do
		cmp -s "$TMP/r.csv.gz" "$TMP/r$room.csv.gz" &&
		{ [ "$input" = x.rec ] || cmp -s "$TMP/r.g.csv.gz" "$TMP/r$room.g.csv.gz"; } &&
			ok "$input given twice: room for $room leaves gives byte-identical files" ||
			fail "$input given twice: room for $room leaves gives byte-identical files"
	done
done
# --- the rows made on the compressing threads --------------------------------------
# rs-aggregate has its compressing threads make the rows of each block
# (rs_out_write_items), cutting the blocks by the rows' lengths: the gzip
# members must end where rs_out_write, which rs-merge and rs-csvdump use,
# ends them, to the byte, over many blocks (some 6 MB of rows here); a
# plain output holds the same rows.
"$BIN/rs-gen" --rows 60000 --extras --seed 8 -o "$TMP/big.csv" 2>/dev/null &&
"$BIN/rs-ingest" -q -m "$ROOT/samples/mappings/generated-extras.yaml" -k "$ROOT/samples/keys/demo.key" \
	-o "$TMP/big.rec.csv.gz" "$TMP/big.csv" &&
"$BIN/rs-aggregate" -q -o "$TMP/big.agg.csv.gz" "$TMP/big.rec.csv.gz" &&
"$BIN/rs-aggregate" -q -o "$TMP/big.agg.csv" "$TMP/big.rec.csv.gz" ||
	fail "aggregate of 60000 generated rows"
zcat "$TMP/big.agg.csv.gz" | "$BIN/rs-csvdump" --write "$TMP/big.again.csv.gz"
bytes=$(zcat "$TMP/big.agg.csv.gz" | wc -c)
members=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(bytes([0x1f,0x8b,8,0,0,0,0,0,4,255])))' "$TMP/big.agg.csv.gz")
[ "$bytes" -gt $((5 * 1048576)) ] && [ "$members" -gt 5 ] && cmp -s "$TMP/big.agg.csv.gz" "$TMP/big.again.csv.gz" &&
	ok "rows made by the compressing threads: the same gzip bytes as rs_out_write's ($bytes bytes, $members members)" ||
	fail "rows made by the compressing threads: the same gzip bytes as rs_out_write's" "$bytes bytes, $members members"
zcat "$TMP/big.agg.csv.gz" | cmp -s - "$TMP/big.agg.csv" &&
	ok "a plain output holds the same rows" || fail "a plain output holds the same rows"

n1=$(zcat "$TMP/r.csv.gz" | wc -l)
"$BIN/rs-aggregate" -q -o "$TMP/once.csv.gz" "$TMP/x.rec.csv.gz"
n2=$(zcat "$TMP/once.csv.gz" | wc -l)
[ "$n1" = "$n2" ] && [ "$n1" -gt 15000 ] && ok "a file given twice has the keys of the file once ($n1 rows)" ||
	fail "a file given twice has the keys of the file once" "$n1 vs $n2"
