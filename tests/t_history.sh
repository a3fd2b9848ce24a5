#!/bin/bash
# tests/t_history.sh - run history (run numbers, the ledger's task lines,
# per-run logs, pruning, `runs` and `show`) and the runner's state
# directory hardening of issue 26: symbolic links refused (item 3), stale
# temporary files of killed stages removed (item 4), closed stderr and
# `status --allow-outside` (item 8). Stages are tiny shell scripts.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
W=$TMP/w
mkdir -p "$W" && cd "$W" || exit 1

grep_err() { # NAME REGEX: the last command's stderr matches
	if grep -Eq -- "$2" "$TMP/.err"; then ok "$1"; else fail "$1" "stderr: $(head -3 "$TMP/.err")"; fi
}
grep_out() { # NAME REGEX: the last command's stdout matches
	if grep -Eq -- "$2" "$TMP/.out"; then ok "$1"; else fail "$1" "stdout: $(head -5 "$TMP/.out")"; fi
}

# sum.sh OUT SUMMARY IN: copies IN to OUT and writes a stage-like summary.
cat >sum.sh <<'EOF2'
#!/bin/sh
n=$(wc -l <"$3")
cp "$3" "$1"
printf '{"stage":"t","rows_read":%d,"records":%d,"rejects":{"bad_amount":1,"bad_id":0},"reject_total":1}\n' \
	$((n + 1)) "$n" >"$2"
EOF2
cat >lockcopy.sh <<'EOF2'
#!/bin/sh
cat o/.reliefstat/lock >"$1"
EOF2
chmod +x sum.sh lockcopy.sh
printf 'a\nb\n' >in.txt
cat >p.yaml <<'EOF2'
vars:
  out: o
  keep_runs: 3
stages:
  one:
    run: [./sum.sh, "${out}/x/one.txt", "${out}/x/one.json", in.txt]
    inputs: [in.txt]
    outputs: ["${out}/x/one.txt", "${out}/x/one.json"]
  two:
    run: [./lockcopy.sh, "${out}/x/lock-seen.txt"]
    inputs: ["${out}/x/one.txt"]
    outputs: ["${out}/x/lock-seen.txt"]
EOF2

expect_exit 0 "runs before any run" "$RS" runs p.yaml
grep_err "runs before any run: says so" "no runs yet"
expect_exit 2 "show before any run" "$RS" show p.yaml
grep_err "show before any run: says so" "no runs yet in 'o'"

expect_exit 0 "first run" "$RS" run p.yaml
echo c >>in.txt
expect_exit 0 "second run" "$RS" run p.yaml
expect_exit 0 "third run (nothing to do)" "$RS" run p.yaml
expect_exit 0 "runs" "$RS" runs p.yaml
[ "$(grep -cE '^ +[0-9]+  20[0-9-]+ ' "$TMP/.out")" = 3 ] && ok "runs lists three runs" ||
	fail "runs lists three runs" "$(cat "$TMP/.out")"
expect_exit 0 "show 2" "$RS" show p.yaml 2
grep_out "show: the run's line" "^run 2, started .*exit 0: ran 2, 0 up to date"
grep_out "show: rows and rejects from the summary" "^one +ok +exit 0 in .*rows 4 -> 3, 1 rejected \(bad_amount 1\)"
grep_out "show: input with its hash" "^    in   [0-9a-f]{12}  in.txt$"
grep_out "show: the run's own log" "log  o/.reliefstat/runs/2/logs/one.log"
expect_exit 0 "show --json (last run)" "$RS" show p.yaml --json
python3 - "$TMP/.out" <<'EOF2' && ok "show --json: run 3, both up to date" || fail "show --json: run 3, both up to date"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["run"] == 3 and r["summary"]["up_to_date"] == 2, r
assert [t["state"] for t in r["tasks"]] == ["up to date", "up to date"], r
EOF2
expect_exit 0 "runs --json" "$RS" runs p.yaml --json
python3 - "$TMP/.out" o/.reliefstat/ledger.jsonl <<'EOF2' && ok "ledger: hashes, rows and rejects per task" || fail "ledger: hashes, rows and rejects per task"
import json, sys
try:
    import xxhash
except ImportError:          # Debian's python3-xxhash beside another python3
    sys.path.append("/usr/lib/python3/dist-packages")
    import xxhash
runs = json.load(open(sys.argv[1]))
assert [r["run"] for r in runs] == [1, 2, 3], runs
one = [t for t in runs[1]["tasks"] if t["stage"] == "one"][0]
assert one["rows_in"] == 4 and one["rows_out"] == 3, one
assert one["rejects"] == {"bad_amount": 1, "bad_id": 0} and one["reject_total"] == 1, one
h = xxhash.xxh3_128_hexdigest(open("in.txt", "rb").read())
assert one["inputs"] == [{"path": "in.txt", "hash": h}], one
out = {o["path"]: o["hash"] for o in one["outputs"]}
assert out["o/x/one.txt"] == xxhash.xxh3_128_hexdigest(open("o/x/one.txt", "rb").read())
EOF2
expect_exit 2 "show an unknown run" "$RS" show p.yaml 9
grep_err "show an unknown run: names the range" "no run '9' in 'o/.reliefstat/ledger.jsonl': runs are numbered 1 to 3"

# Logs per run, the latest hard-linked; pruned beyond keep_runs (3).
[ -e o/.reliefstat/runs/1/logs/one.log ] && [ -e o/.reliefstat/runs/2/logs/one.log ] &&
	[ o/.reliefstat/logs/one.log -ef o/.reliefstat/runs/2/logs/one.log ] &&
	ok "logs kept per run, logs/ is the latest" || fail "logs kept per run, logs/ is the latest" "$(ls -R o/.reliefstat)"
expect_exit 0 "fourth run" "$RS" run p.yaml --force
[ ! -e o/.reliefstat/runs/1 ] && [ -d o/.reliefstat/runs/2 ] && [ -d o/.reliefstat/runs/4 ] &&
	ok "keep_runs: 3 prunes the oldest run's logs" || fail "keep_runs: 3 prunes the oldest run's logs" "$(ls o/.reliefstat/runs)"
expect_exit 2 "keep_runs must be a number" "$RS" run p.yaml --var keep_runs=lots
grep_err "keep_runs must be a number: message" "keep_runs must be a number of runs from 1 to 100000, not 'lots'"

# Issue 26, item 8: with stderr closed the runner's messages must not land
# in the lock file (stage two copies the lock while it runs).
"$RS" run p.yaml --force 2>&-
rc=$?
[ $rc = 0 ] && ok "run with stderr closed exits 0" || fail "run with stderr closed exits 0" "exit $rc"
if [ "$(wc -l <o/x/lock-seen.txt)" = 1 ] && grep -Eq '^[0-9]+ 20[0-9T:+-]+$' o/x/lock-seen.txt; then
	ok "stderr closed: the lock holds only pid and time"
else
	fail "stderr closed: the lock holds only pid and time" "$(head -c 300 o/x/lock-seen.txt)"
fi
expect_exit 0 "status --allow-outside is accepted" "$RS" status p.yaml --allow-outside
grep_out "status --allow-outside: prints the status" "^one +up to date"

# Issue 26, item 4: stale temporaries of our outputs (dead owner) removed,
# a live owner's kept.
sh -c 'exit 0' & wait $!; dead=$!
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
head -c 1000 /dev/zero >"o/x/.one.txt.tmp.$dead.0"
head -c 10 /dev/zero >"o/x/.one.json.tmp.$dead.3"
: >"o/x/.one.txt.tmp.$$.1"
: >"o/x/.unrelated.tmp.$dead.0"
expect_exit 0 "run after a kill -9 left temporaries" "$RS" run p.yaml
grep_err "stale temporaries: says how many" "removed 2 stale temporary files \(1010 bytes\)"
[ ! -e "o/x/.one.txt.tmp.$dead.0" ] && [ ! -e "o/x/.one.json.tmp.$dead.3" ] &&
	ok "stale temporaries of a dead pid removed" || fail "stale temporaries of a dead pid removed" "$(ls -a o/x)"
[ -e "o/x/.one.txt.tmp.$$.1" ] && [ -e "o/x/.unrelated.tmp.$dead.0" ] &&
	ok "a live pid's and a foreign file's temporaries kept" || fail "a live pid's and a foreign file's temporaries kept" "$(ls -a o/x)"

# Issue 26, item 3: the state directory and its files are never followed.
mkdir -p outside
echo keep >outside/file
for f in lock ledger.jsonl state; do
	cp -a o o.bak
	rm -f "o/.reliefstat/$f"
	ln -s ../../outside/file "o/.reliefstat/$f"
	expect_exit 2 "symlinked $f refused" "$RS" run p.yaml --force
	grep_err "symlinked $f: message" "'o/.reliefstat/$f' is a symbolic link.*remove it"
	[ "$(cat outside/file)" = keep ] && ok "symlinked $f: the target untouched" ||
		fail "symlinked $f: the target untouched" "$(head -c 200 outside/file)"
	rm -rf o && mv o.bak o
done
rm -rf o/.reliefstat/logs/one.log
ln -s ../../../outside/file o/.reliefstat/logs/one.log
expect_exit 0 "symlinked latest log replaced" "$RS" run p.yaml --force
[ "$(cat outside/file)" = keep ] && [ ! -L o/.reliefstat/logs/one.log ] &&
	ok "symlinked log: the target untouched" || fail "symlinked log: the target untouched" "$(head -c 200 outside/file)"
mv o/.reliefstat o/state-real
ln -s state-real o/.reliefstat
expect_exit 2 "symlinked state directory refused" "$RS" run p.yaml
grep_err "symlinked state directory: message" "state directory 'o/.reliefstat' is a symbolic link.*remove it"
rm o/.reliefstat
mkdir -p o/.reliefstat
chown 12345 o/.reliefstat 2>/dev/null
if [ "$(stat -c %u o/.reliefstat)" = 12345 ]; then
	expect_exit 2 "someone else's state directory refused" "$RS" run p.yaml
	grep_err "someone else's state directory: message" "state directory 'o/.reliefstat' belongs to uid 12345, not to us"
fi

# A variable's list in a file of its own, beside the pipeline (the sample
# pipeline's sources): a district is added there without editing the
# pipeline, and errors in it name that file. Run from elsewhere: paths are
# the pipeline's root's.
mkdir -p sub/conf && cd sub || exit 1
printf 'one\n' >a.txt; printf 'two\n' >b.txt
cat >conf/p.yaml <<'EOF2'
root: ..
vars:
  items: {file: items.yaml}
stages:
  copy:
    foreach: items
    run: [cp, "${item.file}", "o/${item.name}.txt"]
    inputs: ["${item.file}"]
    outputs: ["o/${item.name}.txt"]
EOF2
printf -- '- {name: a, file: a.txt}\n' >conf/items.yaml
cd / || exit 1
expect_exit 0 "a list from its own file, run from /" "$RS" run "$W/sub/conf/p.yaml"
printf -- '- {name: b, file: b.txt}\n' >>"$W/sub/conf/items.yaml"
expect_exit 0 "an item added to that file" "$RS" run "$W/sub/conf/p.yaml"
[ "$(cat "$W/sub/o/b.txt")" = two ] && grep -q 'ran 1 stage, 1 up to date' "$TMP/.err" &&
	ok "the added item runs, the other is up to date" || fail "the added item runs, the other is up to date" "$(cat "$TMP/.err")"
printf -- '- {name: c, file: b.txt, extra: [}\n' >>"$W/sub/conf/items.yaml"
expect_exit 2 "a syntax error in the list's file" "$RS" run "$W/sub/conf/p.yaml"
grep -q "items.yaml'*:3:" "$TMP/.err" && ok "the error names the list's file and line" || fail "the error names the list's file and line" "$(cat "$TMP/.err")"
printf -- '- {name: c, filee: b.txt}\n' >"$W/sub/conf/items.yaml"
expect_exit 2 "an unknown field of an item in the list's file" "$RS" run "$W/sub/conf/p.yaml"
grep -q "the item at '[^']*conf/items.yaml':1:3 has no 'file'" "$TMP/.err" && ok "the item's error names the list's file" || fail "the item's error names the list's file" "$(cat "$TMP/.err")"
rm "$W/sub/conf/items.yaml"
expect_exit 2 "the list's file missing" "$RS" run "$W/sub/conf/p.yaml"
grep -q "variable 'items' ('[^']*p.yaml':3:" "$TMP/.err" && ok "the missing file: the variable and its line named" || fail "the missing file: the variable and its line named" "$(cat "$TMP/.err")"
