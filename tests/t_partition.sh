#!/bin/bash
# tests/t_partition.sh - pipelines/partitioned.yaml run locally (no Slurm:
# tests/slurm/run.sh runs it there) gives the unpartitioned figures byte for
# byte; rs-merge --warnings finds beneficiaries paid by two partitions; the
# YAML the partitioned pipeline uses (each over an item's list, executor,
# resources) is checked.
#
# Why partitioned equals unpartitioned: every per-row check sees the same
# row either way, and the cross-row checks (duplicate_payment,
# conflicting_programs) compare rows of one beneficiary in one month. A
# partition sees all of a beneficiary's rows when no beneficiary is paid in
# two partitions: rs-gen pays each person in one village, the sample
# exports are one county each, so the rows compared are the same and so is
# "earlier in (source, line) order" (a partition keeps its export's source
# and line numbers). The test checks that premise on the data too: no
# beneficiary of the generated export is in two township partitions.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
RS=$BIN/reliefstat
P=$TMP/p Y=$TMP/y U=$TMP/u
ROWS=50000
SAMPLES="tongan-2024 erqi-2023 erqi-2024 aimin-2024 pidu-2023"

# --- The partitioned pipeline against the unpartitioned one. --------------
expect_exit 0 "partitioned pipeline runs locally" \
	"$RS" run -q -j 2 --allow-outside pipelines/partitioned.yaml --var out="$P" --var gen_rows=$ROWS
expect_exit 0 "year-end pipeline up to aggregate (the unpartitioned reference)" \
	"$RS" run -q -j 2 --allow-outside pipelines/yearend.yaml --var out="$Y" --until aggregate
for s in $SAMPLES; do
	for f in valid.csv.gz validate-rejects.csv.gz agg.csv.gz; do
		cmp -s "$Y/$s/$f" "$P/part/$s/$f" || { fail "$s: $f as unpartitioned" "$P/part/$s/$f differs"; continue 2; }
	done
	ok "$s: valid records, rejects and aggregate byte-identical to the year-end pipeline's"
done

# The generated export, unpartitioned.
G=$P/gen/350212-2024.csv
mkdir -p "$U"
"$BIN/rs-ingest" -q -m samples/mappings/generated.yaml -k "$KEY" -o "$U/records.csv.gz" \
	-r "$U/ingest-rejects.csv.gz" -s "$U/ingest.json" "$G" &&
"$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$U/valid.csv.gz" -r "$U/validate-rejects.csv.gz" \
	-w "$U/warnings.csv.gz" -s "$U/validate.json" "$U/records.csv.gz" &&
"$BIN/rs-aggregate" -q -o "$U/agg.csv.gz" "$U/valid.csv.gz" ||
	fail "the generated export through ingest, validate, aggregate unpartitioned"

python3 - "$P" "$U" <<'PY'
import csv, glob, gzip, json, os, sys
p, u = sys.argv[1:3]
parts = sorted(glob.glob(f"{p}/part/gen-*"))
def say(good, name, why=""):
    print(("ok - " if good else "not ok - ") + name)
    if not good and why:
        print("    " + why)
def rows(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return f.read().splitlines()[1:]
whole = json.load(open(f"{u}/ingest.json"))
ing = [json.load(open(f"{d}/ingest.json")) for d in parts]
say(len(parts) == 11 and sum(s["rows_read"] for s in ing) == whole["rows_read"] and
    all(s["rows_in_file"] == whole["rows_read"] for s in ing),
    "the 11 township partitions of the generated export read each of its rows once",
    f"{[s['rows_read'] for s in ing]} vs {whole['rows_read']}")
for f in ("records.csv.gz", "ingest-rejects.csv.gz", "valid.csv.gz", "validate-rejects.csv.gz"):
    together = sorted(r for d in parts for r in rows(f"{d}/{f}"))
    say(together == sorted(rows(f"{u}/{f}")),
        f"the partitions' {f} together are the unpartitioned run's, row for row")
# The premise of identical cross-row checks.
seen = {}
for d in parts:
    with gzip.open(f"{d}/records.csv.gz", "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            seen.setdefault(r["beneficiary"], set()).add(os.path.basename(d))
multi = [b for b, s in seen.items() if len(s) > 1]
say(not multi, f"no beneficiary of the generated export is in two partitions ({len(seen)} beneficiaries)",
    f"{len(multi)} are")
PY

"$BIN/rs-aggregate" -q -o "$TMP/c350212.csv.gz" "$Y/tongan-2024/valid.csv.gz" "$U/valid.csv.gz"
cmp -s "$TMP/c350212.csv.gz" "$P/county/350212/agg.csv.gz" &&
	ok "county 350212 (tongan + 11 generated partitions) merged = aggregated unpartitioned, byte for byte" ||
	fail "county 350212 merged = aggregated unpartitioned"
"$BIN/rs-aggregate" -q -o "$TMP/all.csv.gz" $(for s in $SAMPLES; do echo "$Y/$s/valid.csv.gz"; done) "$U/valid.csv.gz"
cmp -s "$TMP/all.csv.gz" "$P/all/agg.csv.gz" &&
	ok "the merge tree's top (county, city, province, all) = everything aggregated at once" ||
	fail "the merge tree's top = everything aggregated at once"
nw=0
for w in "$P"/county/*/warnings.csv.gz "$P"/city/*/warnings.csv.gz "$P"/province/*/warnings.csv.gz "$P/all/warnings.csv.gz"; do
	[ "$(zcat "$w")" = "beneficiary,program,period,files,regions" ] || { nw=$((nw + 1)); echo "    $w: $(zcat "$w" | sed -n 2p)"; }
done
[ $nw = 0 ] && ok "no merge finds a beneficiary paid by two partitions (13 warning tables, header only)" ||
	fail "no merge finds a beneficiary paid by two partitions" "$nw tables have rows"
[ -s "$P/all/report/internal/programs-2024.csv" ] && [ -s "$P/all/report/published/report.md" ] &&
	ok "the report by year is written" || fail "the report by year is written"
ran_lines() { grep '"kind":"task"' "$P/.reliefstat/ledger.jsonl" | grep -vc '"state":"up to date"'; }
n0=$(ran_lines)
expect_exit 0 "second run" "$RS" run -q --allow-outside pipelines/partitioned.yaml --var out="$P" --var gen_rows=$ROWS
[ "$(ran_lines)" = "$n0" ] && ok "a second run runs nothing" || fail "a second run runs nothing"

# --- rs-merge --warnings --------------------------------------------------
M=$BIN/rs-merge
H='region_code,program,area,period,funding,support_mode,beneficiary,sex,age,payments,persons,amount'
b() { printf '%032x' "$1"; }
V=350212001002 W=350212001003 X=350212105201
# b(1) paid dibao_urban 2024-01 in a (V) and b (W); 2024-02 twice in a only.
# b(2) linshi 2024-03 in a, b and c (c and a in V). b(3) only in b.
# b(1) dibao_rural 2024-01 in c: another program. b(7) in a and c.
{ echo "$H"
  echo "$V,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-02,,,$(b 1),M,40,1,3,1500.00"
  echo "$V,dibao_urban,urban,2024-02,区级财政,,$(b 1),M,40,1,3,10.00"
  echo "$V,linshi,rural,2024-03,,,$(b 2),F,30,1,1,200.05"
  echo "$W,gaoling,rural,2024-01,,,$(b 7),F,85,1,1,100.00"
} >"$TMP/wa.csv"
{ echo "$H"
  echo "$W,dibao_urban,urban,2024-01,,,$(b 1),M,40,1,3,1500.00"
  echo "$W,gaoling,rural,2024-01,,,$(b 3),F,85,1,1,100.00"
  echo "$W,linshi,rural,2024-03,,,$(b 2),F,30,1,1,50.00"
} >"$TMP/wb.csv"
{ echo "$H"
  echo "$V,linshi,rural,2024-03,,,$(b 2),F,30,1,1,50.00"
  echo "$X,dibao_rural,rural,2024-01,,,$(b 1),M,40,1,3,900.00"
  echo "$X,gaoling,rural,2024-01,,,$(b 7),F,85,1,1,100.00"
} >"$TMP/wc.csv"
expect_exit 0 "rs-merge --warnings with labels" "$M" -q -o "$TMP/w.csv.gz" --summary "$TMP/w.json" \
	--max-overlap 1 --warnings "$TMP/warn.csv.gz" --label a --label b --label 'c,"3"' "$TMP/wa.csv" "$TMP/wb.csv" "$TMP/wc.csv"
cat >"$TMP/warn.expected" <<EOF
beneficiary,program,period,files,regions
$(b 1),dibao_urban,2024-01,a;b,$V;$W
$(b 2),linshi,2024-03,"a;b;c,""3""",$V;$W
$(b 7),gaoling,2024-01,"a;c,""3""",$W;$X
EOF
zcat "$TMP/warn.csv.gz" | cmp -s - "$TMP/warn.expected" &&
	ok "the warning table: keys in two or more inputs, files in input order, regions sorted" ||
	fail "the warning table" "$(zcat "$TMP/warn.csv.gz" | diff "$TMP/warn.expected" - | head)"
grep -q '"warnings":3,"overlap":{"keys":6,"paid_by_two":3,"max_overlap":1.0,"over":false,"accepted":false}}' "$TMP/w.json" && ok "the summary counts the warnings" || fail "the summary counts the warnings" "$(cat "$TMP/w.json")"
"$M" -q -o "$TMP/w2.csv.gz" "$TMP/wa.csv" "$TMP/wb.csv" "$TMP/wc.csv" &&
	cmp -s "$TMP/w.csv.gz" "$TMP/w2.csv.gz" && ok "--warnings does not change the merged file" || fail "--warnings does not change the merged file"
expect_exit 0 "without labels" "$M" -q -o "$TMP/w3.csv.gz" --max-overlap 100% --warnings "$TMP/warn3.csv" "$TMP/wa.csv" "$TMP/wb.csv"
sed -n 2p "$TMP/warn3.csv" | grep -qx "$(b 1),dibao_urban,2024-01,$TMP/wa.csv;$TMP/wb.csv,$V;$W" &&
	ok "without labels the files are named as given (a plain table when not .gz)" || fail "without labels the files are named as given" "$(cat "$TMP/warn3.csv")"
printf '%s\n%s\n' "$H" "$V,dibao_urban,urban,2024-01,,,$(b 9),M,40,1,3,1500.00" >"$TMP/wd.csv"
expect_exit 0 "inputs that share no key" "$M" -q -o "$TMP/w4.csv.gz" --warnings "$TMP/warn4.csv.gz" "$TMP/wb.csv" "$TMP/wd.csv"
[ "$(zcat "$TMP/warn4.csv.gz")" = "beneficiary,program,period,files,regions" ] && ok "no shared key: a header-only table" || fail "no shared key: a header-only table" "$(zcat "$TMP/warn4.csv.gz")"
expect_exit 2 "--label for some inputs only is a usage error" "$M" -o "$TMP/x.csv.gz" --warnings "$TMP/x.w" --label a "$TMP/wa.csv" "$TMP/wb.csv"
expect_exit 2 "--label without --warnings is a usage error" "$M" -o "$TMP/x.csv.gz" --label a --label b "$TMP/wa.csv" "$TMP/wb.csv"

# Real data: tongan-2024 taken twice by overlapping "partitions" (the
# county, and its streets 3502120xx): validation of each cannot see that
# the streets' payments are made twice; the merge lists every one of them.
x=samples/exports/tongan-2024.csv m=samples/mappings/tongan.yaml
for part in 350212 3502120; do
	mkdir -p "$TMP/o$part"
	"$BIN/rs-ingest" -q -m $m -k "$KEY" --region-prefix $part -o "$TMP/o$part/r.csv.gz" \
		-r "$TMP/o$part/rj.csv.gz" -s "$TMP/o$part/i.json" $x
	"$BIN/rs-validate" -q --period 2024-01..2024-12 -o "$TMP/o$part/v.csv.gz" -r "$TMP/o$part/vr.csv.gz" \
		-w "$TMP/o$part/w.csv.gz" -s "$TMP/o$part/v.json" "$TMP/o$part/r.csv.gz"
	"$BIN/rs-aggregate" -q -o "$TMP/o$part/a.csv.gz" "$TMP/o$part/v.csv.gz"
done
# Overlapping partitions count their payments twice: over 1 % of the keys
# in two inputs (here half) fails the merge, naming the two, with the
# outputs written for inspection; --accept-loss takes it for one run.
expect_exit 1 "merge of overlapping partitions: over the overlap gate, exit 1" "$M" -q -o "$TMP/ov.csv.gz" \
	--summary "$TMP/ov.json" --warnings "$TMP/ov.w.csv.gz" \
	--label county --label streets "$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
grep -q "^rs-merge: 2687 of 5327 payments (beneficiary, program, month), 50.44%, are paid by two or more inputs, over the 1% allowed (--max-overlap): most of them (2687) by both 'county' and 'streets'; listed in '$TMP/ov.w.csv.gz'" "$TMP/.err" &&
	grep -q "^rs-merge: likely fix: one export given twice .*accept it for this run with --accept-loss$" "$TMP/.err" &&
	grep -q '"overlap":{"keys":5327,"paid_by_two":2687,"max_overlap":0.01,"over":true,"accepted":false},"stop":{"kind":"overlap","what":"2687 of 5327 payments (beneficiary, program, month), 50.44%, are paid by two or more inputs, most of them (2687) by both '"'county' and 'streets'"'","fix":"one export given twice' "$TMP/ov.json" &&
	[ -s "$TMP/ov.csv.gz" ] && [ -s "$TMP/ov.w.csv.gz" ] &&
	ok "... naming the two inputs, the share and the fix; outputs and summary written" ||
	fail "... naming the two inputs, the share and the fix" "$(cat "$TMP/.err" "$TMP/ov.json")"
expect_exit 0 "... --accept-loss takes it for the run" "$M" -q -o "$TMP/ov.csv.gz" --summary "$TMP/ov.json" \
	--warnings "$TMP/ov.w.csv.gz" --accept-loss --label county --label streets "$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
grep -q "accepted for this run (--accept-loss)" "$TMP/.err" && grep -q '"over":true,"accepted":true' "$TMP/ov.json" &&
	ok "... said on stderr and in the summary" || fail "... said on stderr and in the summary" "$(cat "$TMP/.err" "$TMP/ov.json")"
expect_exit 0 "... --max-overlap 60% lets half through" "$M" -q -o "$TMP/ov2.csv.gz" --warnings "$TMP/ov2.w.csv.gz" \
	--max-overlap 60% "$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
expect_exit 2 "--max-overlap without --warnings: usage error" "$M" -q -o "$TMP/ov3.csv.gz" --max-overlap 5% \
	"$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
grep -q "max-overlap goes with --warnings" "$TMP/.err" && ok "... saying so" || fail "... saying so" "$(cat "$TMP/.err")"
expect_exit 2 "--max-overlap 2: usage error" "$M" -q -o "$TMP/ov3.csv.gz" --warnings "$TMP/ov3.w.csv" --max-overlap 2 \
	"$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
expect_exit 0 "without --warnings no gate (as before)" "$M" -q -o "$TMP/ov4.csv.gz" "$TMP/o350212/a.csv.gz" "$TMP/o3502120/a.csv.gz"
python3 - "$TMP/o3502120/v.csv.gz" "$TMP/ov.w.csv.gz" <<'PY'
import csv, gzip, sys
keys = {(r["beneficiary"], r["program"], r["period"])
        for r in csv.DictReader(gzip.open(sys.argv[1], "rt", encoding="utf-8"))}
w = list(csv.DictReader(gzip.open(sys.argv[2], "rt", encoding="utf-8")))
got = {(r["beneficiary"], r["program"], r["period"]) for r in w}
good = got == keys and len(w) == len(keys) and all(r["files"] == "county;streets" for r in w) \
    and all(len(r["regions"].split(";")) == 1 and r["regions"].startswith("3502120") for r in w)
print(("ok" if good else "not ok") + f" - every payment of the overlap is in the warning table ({len(keys)} keys), once")
PY

# --- The YAML the partitioned pipeline uses. ------------------------------
cd "$TMP" || exit 1
cat >args.sh <<'EOF'
#!/bin/sh
o=$1; shift
{ echo "$#"; for a in "$@"; do echo "[$a]"; done; } >"$o"
EOF
chmod +x args.sh
cat >each.yaml <<'EOF'
vars:
  out: eo
  parts:
    - {name: whole, select: []}
    - {name: some, select: [--region-prefix=1, --unattributed]}
stages:
  a:
    foreach: parts
    run: [./args.sh, "${out}/${item.name}.txt", {each: item.select, value: "${item}"}, end]
    outputs: ["${out}/${item.name}.txt"]
EOF
expect_exit 0 "each over an item's own list" "$RS" run -q each.yaml
[ "$(tr '\n' ' ' <eo/whole.txt)" = "1 [end] " ] && [ "$(tr '\n' ' ' <eo/some.txt)" = "3 [--region-prefix=1] [--unattributed] [end] " ] &&
	ok "each: item.FIELD gives one element per entry, none for []" || fail "each: item.FIELD" "$(cat eo/*.txt)"
bad() { # NAME REGEX YAML
	printf '%s\n' "$3" >bad.yaml
	expect_exit 2 "$1" "$RS" run bad.yaml
	grep -Eq "^reliefstat: 'bad.yaml':[0-9]+:[0-9]+: .*$2" "$TMP/.err" && ok "$1: message" ||
		fail "$1: message" "$(cat "$TMP/.err")"
}
bad "each: item.FIELD that is not a list" "has no list 'name'" 'vars: {l: [{name: x}]}
stages:
  a:
    foreach: l
    run: [echo, {each: item.name, value: "${item}"}]'
bad "each: item.FIELD outside foreach" "needs a foreach item" 'stages:
  a:
    run: [echo, {each: item.x, value: "${item}"}]'
bad "an unknown executor" "unknown executor 'grid'" 'executor: grid
stages:
  a:
    run: [echo]'
bad "resources: a misspelt key" "unknown key 'cpu'" 'stages:
  a:
    run: [echo]
    resources: {cpu: 2}'
bad "resources: extra must be --name[=value]" "extra takes sbatch options" 'resources: {extra: [-A, acct]}
stages:
  a:
    run: [echo]'
bad "resources: cpus out of range" "cpus" 'stages:
  a:
    run: [echo]
    resources: {cpus: 0}'
cd "$ROOT" || exit 1
expect_exit 0 "dry run with --executor slurm (no Slurm needed)" \
	"$RS" run -n --allow-outside pipelines/partitioned.yaml --executor slurm --var out="$TMP/dry"
grep -qx "# sbatch --job-name=rs:county@350212 --time=30 --mem=2G --cpus-per-task=1" "$TMP/.out" &&
	ok "the dry run shows each job's sbatch options, stage resources over the defaults" ||
	fail "the dry run shows each job's sbatch options" "$(grep -m3 sbatch "$TMP/.out")"
