#!/bin/bash
# tests/t_runner.sh - the pipeline runner, bin/reliefstat: reruns decided by
# content, DAG and YAML errors with positions, failures, retries, timeouts,
# the lock, interruption. Stages are tiny shell scripts that append their
# name to $COUNT, so the checks count executions and never rely on timing.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
W=$TMP/w
mkdir -p "$W" && cd "$W" || exit 1
export COUNT=$W/count
: >"$COUNT"

# step.sh NAME OUT IN...: upper-cases the INs into OUT.
cat >step.sh <<'EOF'
#!/bin/sh
echo "$1" >>"$COUNT"
o=$2; shift 2
cat "$@" | tr a-z A-Z >"$o.tmp" && mv "$o.tmp" "$o"
EOF
# gate.sh NAME OUT IN: like step.sh, but first says it started and waits
# (at most 20 s) for the file "go".
cat >gate.sh <<'EOF'
#!/bin/sh
echo "$1" >>"$COUNT"
echo $$ >"$1.pid"
: >"$1.started"
i=0
while [ ! -e go ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -e go ] || exit 9
tr a-z A-Z <"$3" >"$2.tmp" && mv "$2.tmp" "$2"
EOF
# args.sh OUT ARG...: writes how many arguments it got, and each.
cat >args.sh <<'EOF'
#!/bin/sh
o=$1; shift
{ echo "$#"; for a in "$@"; do echo "[$a]"; done; } >"$o"
EOF
chmod +x step.sh gate.sh args.sh
echo hello >a.txt
echo world >b.txt
mkdir victim

cat >p.yaml <<'EOF'
# up@a, up@b -> merge -> final
vars:
  out: o
  tag: plain
  srcs:
    - {name: a, file: a.txt}
    - {name: b, file: b.txt}
stages:
  up:
    foreach: srcs
    run: [./step.sh, "up@${item.name}", "${out}/${item.name}/u.txt", "${item.file}"]
    inputs: ["${item.file}"]
    outputs: ["${out}/${item.name}/u.txt"]
  merge:
    run: [./step.sh, merge, "${out}/all.txt", {each: srcs, value: "${out}/${item.name}/u.txt"}]
    inputs: [{each: srcs, value: "${out}/${item.name}/u.txt"}]
    outputs: ["${out}/all.txt"]
  final:
    run: [./step.sh, "final", "${out}/final.txt", "${out}/all.txt", "${tag}.txt"]
    inputs: ["${out}/all.txt", "${tag}.txt"]
    outputs: ["${out}/final.txt"]
EOF
echo p >plain.txt
echo q >other.txt

# runs: how many stages ran since the last call.
runs() { n=$(wc -l <"$COUNT" 2>/dev/null || echo 0); : >"$COUNT"; echo $((n)); }
ran() { sort "$COUNT" | tr '\n' ' '; : >"$COUNT"; }
want_runs() { # NAME WANT
	got=$(runs)
	if [ "$got" = "$2" ]; then ok "$1"; else fail "$1" "$got stages ran, want $2"; fi
}
want_ran() { # NAME "sorted names "
	got=$(ran)
	if [ "$got" = "$2" ]; then ok "$1"; else fail "$1" "ran '$got', want '$2'"; fi
}
grep_err() { # NAME REGEX: the last command's stderr matches
	if grep -Eq -- "$2" "$TMP/.err"; then ok "$1"; else fail "$1" "stderr lacks /$2/" "$(tail -5 "$TMP/.err")"; fi
}

# Usage.
expect_exit 0 "--help" "$RS" --help
expect_exit 0 "--version" "$RS" --version
grep -q '^reliefstat [0-9]' "$TMP/.out" && ok "--version prints the version" || fail "--version prints the version"
expect_exit 0 "run --help" "$RS" run --help
expect_exit 0 "status --version" "$RS" status --version
expect_exit 2 "unknown option" "$RS" run p.yaml --frobnicate
expect_exit 2 "unknown command" "$RS" frobnicate p.yaml
expect_exit 2 "no pipeline" "$RS" run
expect_exit 2 "bad -j" "$RS" run p.yaml -j 0
expect_exit 2 "unknown --only stage" "$RS" run p.yaml --only nosuch
expect_exit 2 "missing pipeline file" "$RS" run nosuch.yaml

# dag.
expect_exit 0 "dag" "$RS" dag p.yaml
grep -qx 'merge <- up@a, up@b' "$TMP/.out" && ok "dag lists dependencies" || fail "dag lists dependencies" "$(cat "$TMP/.out")"
expect_exit 0 "dag --dot" "$RS" dag p.yaml --dot
grep -q '"up@a" -> "merge";' "$TMP/.out" && ok "dag --dot edges" || fail "dag --dot edges"

# Dry run and status before anything ran.
expect_exit 1 "status before the first run exits 1" "$RS" status p.yaml
expect_exit 0 "dry run" "$RS" run p.yaml --dry-run
grep -qx './step.sh merge o/all.txt o/a/u.txt o/b/u.txt' "$TMP/.out" &&
	ok "dry run prints the commands, each expanded" || fail "dry run prints the commands, each expanded" "$(cat "$TMP/.out")"
want_runs "dry run runs nothing" 0
[ ! -e o/a/u.txt ] && ok "dry run writes nothing" || fail "dry run writes nothing"

# First and second run.
expect_exit 0 "first run" "$RS" run p.yaml -v
want_runs "first run runs every stage" 4
grep -q '^\./step\.sh up@a o/a/u\.txt a\.txt$' "$TMP/.err" && ok "run -v prints each command" || fail "run -v prints each command"
grep_err "run -v, off a terminal, dates each step" '^\[20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] done up@a in '
grep_err "run ends with a summary" 'ran 4 stages, 0 up to date, 0 failed in [0-9.]+s'
[ "$(cat o/final.txt)" = "$(printf 'HELLO\nWORLD\nP')" ] && ok "outputs" || fail "outputs" "$(cat o/final.txt)"
expect_exit 0 "second run" "$RS" run p.yaml
want_runs "second run of an unchanged pipeline runs nothing" 0
expect_exit 0 "status when up to date exits 0" "$RS" status p.yaml
expect_exit 0 "status --json" "$RS" status p.yaml --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(s["state"]=="ok" for s in d["stages"]), d' "$TMP/.out" &&
	ok "status --json is JSON" || fail "status --json is JSON" "$(cat "$TMP/.out")"

# Content, not time.
touch a.txt b.txt o/a/u.txt step.sh
expect_exit 0 "run after touch" "$RS" run p.yaml
want_runs "touching files without changing them runs nothing" 0
echo world2 >b.txt
expect_exit 1 "status after an input changed exits 1" "$RS" status p.yaml
grep -q 'up@b .*stale: input b.txt changed' "$TMP/.out" && ok "status says which input changed" || fail "status says which input changed" "$(cat "$TMP/.out")"
grep -q '^up@a .*up to date' "$TMP/.out" && ok "status: others up to date" || fail "status: others up to date" "$(cat "$TMP/.out")"
expect_exit 0 "run after an input changed" "$RS" run p.yaml
want_ran "a changed input reruns that stage and its dependents only" "final merge up@b "
echo HELLO >a.txt
expect_exit 0 "run after a change that makes the same output" "$RS" run p.yaml
want_ran "identical upstream output leaves dependents up to date" "up@a "
rm o/all.txt
expect_exit 1 "status with an output missing" "$RS" status p.yaml
grep -q 'output o/all.txt missing' "$TMP/.out" && ok "status says which output is missing" || fail "status says which output is missing" "$(cat "$TMP/.out")"
expect_exit 0 "run restores a deleted output" "$RS" run p.yaml
want_ran "a deleted output reruns its stage" "merge "
echo tampered >o/final.txt
expect_exit 0 "run after an output was changed" "$RS" run p.yaml
want_ran "a changed output reruns its stage" "final "
expect_exit 0 "a changed variable" "$RS" run p.yaml --var tag=other
want_ran "a changed command reruns the stage" "final "
expect_exit 1 "status says the command changed" "$RS" status p.yaml
grep -q 'final .*command changed' "$TMP/.out" && ok "status: command changed" || fail "status: command changed" "$(cat "$TMP/.out")"
expect_exit 0 "back to the old variable" "$RS" run p.yaml
want_ran "changing the variable back reruns the stage" "final "

# Selection and --force.
expect_exit 0 "--force" "$RS" run p.yaml --force
want_runs "--force reruns everything" 4
expect_exit 0 "--force STAGE" "$RS" run p.yaml --force up
want_ran "--force STAGE reruns its tasks only" "up@a up@b "
expect_exit 0 "--only TASK --force" "$RS" run p.yaml --only up@b --force
want_ran "--only TASK" "up@b "
expect_exit 0 "--from --force" "$RS" run p.yaml --from merge --force
want_ran "--from S runs S and downstream" "final merge "
expect_exit 0 "--until --force" "$RS" run p.yaml --until merge --force
want_ran "--until S runs S and upstream" "merge up@a up@b "
expect_exit 0 "-j 4 --force" "$RS" run p.yaml -j 4 --force
want_runs "-j 4 runs everything once" 4

# Ledger.
python3 - "o/.reliefstat/ledger.jsonl" <<'EOF' && ok "ledger lines" || fail "ledger lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines and all(set(l) >= {"run", "kind"} for l in lines), lines
ran = [l for l in lines if l["kind"] == "task" and l["state"] != "up to date"]
assert ran and all(set(l) >= {"stage", "start", "end", "exit", "inputs", "log"}
                   for l in ran), ran
assert all(l["outputs"] for l in ran if l["state"] == "ok"), ran
runs = [l["run"] for l in lines if l["kind"] == "run"]
assert runs == list(range(1, len(runs) + 1)), runs
EOF
[ -s o/.reliefstat/logs/merge.log ] || [ -e o/.reliefstat/logs/merge.log ] && ok "per-stage log file" || fail "per-stage log file"

# Parallelism, proved without timing: two stages that each wait for the other.
cat >par.yaml <<'EOF'
vars: {out: par}
stages:
  x:
    run: [sh, -c, ': >par/x.on; i=0; until [ -e par/y.on ]; do sleep 0.05; i=$((i+1)); [ $i -gt 200 ] && exit 1; done; echo x >par/x']
    outputs: [par/x]
  y:
    run: [sh, -c, ': >par/y.on; i=0; until [ -e par/x.on ]; do sleep 0.05; i=$((i+1)); [ $i -gt 200 ] && exit 1; done; echo y >par/y']
    outputs: [par/y]
EOF
expect_exit 0 "-j 2 runs independent stages at once" "$RS" run par.yaml -j 2

# A variable holding shell syntax is one harmless argument.
cat >evil.yaml <<'EOF'
vars: {out: ev, evil: "x"}
stages:
  argv:
    run: [./args.sh, ev/argv.txt, "${evil}"]
    outputs: [ev/argv.txt]
  shell:
    shell: true
    run: printf '%s\n' ${evil} >ev/shell.txt
    outputs: [ev/shell.txt]
EOF
mkdir -p ev
expect_exit 0 "run with a hostile variable" "$RS" run evil.yaml --var 'evil=; rm -rf victim'
[ "$(cat ev/argv.txt)" = "$(printf '1\n[; rm -rf victim]')" ] && ok "hostile variable arrives as one argv element" ||
	fail "hostile variable arrives as one argv element" "$(cat ev/argv.txt)"
[ "$(cat ev/shell.txt)" = "; rm -rf victim" ] && ok "hostile variable is quoted under shell: true" ||
	fail "hostile variable is quoted under shell: true" "$(cat ev/shell.txt)"
[ -d victim ] && ok "hostile variable removed nothing" || fail "hostile variable removed nothing"

# each with where and a list of templates: several argv elements per item.
cat >each.yaml <<'EOF'
vars:
  out: eo
  srcs:
    - {name: a, year: "1", file: a.txt}
    - {name: b, year: "2", file: b.txt}
    - {name: c, year: "1", file: plain.txt}
stages:
  pick:
    foreach: ["1"]
    run: [./args.sh, "eo/${item}.txt", {each: srcs, where: {year: "${item}"}, value: [-i, "${item.file}"]}]
    inputs: [{each: srcs, where: {year: "${item}"}, value: "${item.file}"}]
    outputs: ["eo/${item}.txt"]
EOF
expect_exit 0 "each with where" "$RS" run each.yaml
[ "$(tr '\n' ' ' <eo/1.txt)" = "4 [-i] [a.txt] [-i] [plain.txt] " ] && ok "each: where filters, value lists expand" ||
	fail "each: where filters, value lists expand" "$(cat eo/1.txt)"

# A failing stage: exit 1, dependents not run, the log tail and path last.
cat >fail.yaml <<'EOF'
vars: {out: fo}
stages:
  bad:
    run: [sh, -c, 'echo bad >>"$COUNT"; if [ -e fixed ]; then echo ok >fo/bad; exit 0; fi; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "noise $i"; done; echo "boom: it broke" >&2; exit 3']
    outputs: [fo/bad]
  after:
    run: [./step.sh, after, fo/after, fo/bad]
    inputs: [fo/bad]
    outputs: [fo/after]
  indep:
    run: [./step.sh, indep, fo/indep, a.txt]
    inputs: [a.txt]
    outputs: [fo/indep]
EOF
expect_exit 1 "a failing stage exits 1" "$RS" run fail.yaml
want_ran "dependents and later stages do not run" "bad "
grep_err "the failure shows the log tail" 'boom: it broke'
last=$(tail -2 "$TMP/.err" | head -1)
case $last in *fo/.reliefstat/logs/bad.log) ok "the log path comes last but one" ;; *) fail "the log path comes last but one" "$last" ;; esac
last=$(tail -1 "$TMP/.err")
case $last in "reliefstat: published tables not updated: bad failed") ok "the last line: the published tables were not updated" ;;
*) fail "the last line: the published tables were not updated" "$last" ;; esac
grep -q 'noise 2$' "$TMP/.err" && fail "the tail is short" || ok "the tail is short"
grep -q '"stage":"bad".*"exit":3' fo/.reliefstat/ledger.jsonl && ok "the ledger records the exit" || fail "the ledger records the exit"
expect_exit 1 "--keep-going" "$RS" run fail.yaml --keep-going
want_ran "a failed stage reruns; --keep-going runs independent stages" "bad indep "
expect_exit 1 "status after a failure" "$RS" status fail.yaml
touch fixed
expect_exit 0 "rerun after the fix" "$RS" run fail.yaml
want_ran "the fixed stage and its dependents run" "after bad "

# Missing output, retries, timeout.
cat >misc.yaml <<'EOF'
vars: {out: mo}
stages:
  noout:
    run: [sh, -c, 'exit 0']
    outputs: [mo/never]
EOF
expect_exit 1 "a stage that does not write its output fails" "$RS" run misc.yaml
grep_err "the missing output is named" "did not write 'mo/never'"
cat >retry.yaml <<'EOF'
vars: {out: ro}
stages:
  flaky:
    retries: 1
    run: [sh, -c, 'echo flaky >>"$COUNT"; if [ -e ro/tried ]; then echo ok >ro/flaky; else : >ro/tried; exit 1; fi']
    outputs: [ro/flaky]
EOF
expect_exit 0 "retries" "$RS" run retry.yaml
want_runs "a retry reruns the failed stage" 2
cat >timeout.yaml <<'EOF'
vars: {out: to}
stages:
  slow:
    timeout: 1
    run: [sh, -c, 'sleep 30; echo late >to/slow']
    outputs: [to/slow]
EOF
expect_exit 1 "a stage over its timeout fails" "$RS" run timeout.yaml
grep_err "the timeout is named" 'timed out after 1s'

# A gated stage (named rs-ingest) that fails: its summary says whether it
# was over its reject threshold; a summary that is not JSON is named.
mkdir -p lgbin && cat >lgbin/rs-ingest <<'EOF'
#!/bin/sh
mkdir -p lg && cat summary.txt >lg/ingest.json && exit 1
EOF
chmod +x lgbin/rs-ingest
cat >lossgate.yaml <<'EOF'
vars: {out: lg}
stages:
  ingest:
    foreach: [x]
    run: [./lgbin/rs-ingest]
    inputs: [summary.txt]
    outputs: [lg/ingest.json]
EOF
printf '{"stage":"ingest","rejects":{"bad_id":9},\n "gate":{"max_reject_rate":0.05,"over":true,"top_reason":"bad_id"}}\n' >summary.txt
expect_exit 1 "a gated stage over its threshold exits 1" "$RS" run lossgate.yaml
case $(tail -1 "$TMP/.err") in *"published tables not updated: ingest@x over its reject threshold (fix the cause named above, or accept the loss: reliefstat run lossgate.yaml --accept-loss x:bad_id)") ok "  ... the summary's gate and top reason read" ;;
*) fail "  ... the summary's gate and top reason read" "$(tail -2 "$TMP/.err")" ;; esac
printf '{"stage":"ingest","gate":{"over":false,"top_reason":"bad_id"}}\n' >summary.txt
expect_exit 1 "a gated stage failing under its threshold exits 1" "$RS" run lossgate.yaml
case $(tail -1 "$TMP/.err") in "reliefstat: published tables not updated: ingest@x failed") ok "  ... and is not said to be over it" ;;
*) fail "  ... and is not said to be over it" "$(tail -2 "$TMP/.err")" ;; esac
printf '{"stage":"ingest",\n "gate":{"over":tru' >summary.txt
expect_exit 1 "a gated stage with a damaged summary exits 1" "$RS" run lossgate.yaml
grep -q "reliefstat: cannot read the summary 'lg/ingest.json' of stage 'ingest@x' at 2:[0-9]*: .*; rerun the stage (--only ingest@x --force)$" "$TMP/.err" &&
	[ "$(tail -1 "$TMP/.err")" = "reliefstat: published tables not updated: ingest@x failed" ] &&
	ok "  ... names the summary and where it is damaged" || fail "  ... names the summary and where it is damaged" "$(tail -3 "$TMP/.err")"

# The lock: a second run while the first is in a stage exits 3.
cat >gate.yaml <<'EOF'
vars: {out: go_out}
stages:
  first:
    run: [./step.sh, first, "${out}/first", a.txt]
    inputs: [a.txt]
    outputs: ["${out}/first"]
  held:
    run: [./gate.sh, held, "${out}/held", "${out}/first"]
    inputs: ["${out}/first"]
    outputs: ["${out}/held"]
  last:
    run: [./step.sh, last, "${out}/last", "${out}/held"]
    inputs: ["${out}/held"]
    outputs: ["${out}/last"]
EOF
wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; }
rm -f go held.started
"$RS" run gate.yaml -q 2>"$TMP/first.err" &
pid=$!
wait_for held.started
expect_exit 3 "a second concurrent run exits 3" "$RS" run gate.yaml
grep_err "the lock holder is named" "another run holds the lock: pid $pid since "
touch go
wait $pid
[ $? = 0 ] && ok "the first run finishes" || fail "the first run finishes" "$(cat "$TMP/first.err")"
: >"$COUNT"

# kill -9 of the runner mid-stage: no writer is left, and the rerun
# completes with outputs identical to an uninterrupted run.
"$RS" run gate.yaml --var out=ref -q || fail "reference run"
rm -f go held.started
"$RS" run gate.yaml --var out=k9 -q 2>/dev/null &
pid=$!
wait_for held.started
exec 3>&2 2>/dev/null # bash would report the killed job on stderr
kill -9 $pid
wait $pid
exec 2>&3 3>&-
stage=$(cat held.pid)
i=0
while kill -0 "$stage" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -0 "$stage" 2>/dev/null && fail "no stage survives a killed runner" "pid $stage alive" || ok "no stage survives a killed runner"
[ ! -e k9/held ] && ok "a killed stage leaves no output" || fail "a killed stage leaves no output"
touch go
expect_exit 0 "rerun after kill -9" "$RS" run gate.yaml --var out=k9
grep_err "the dead run's lock is taken over" "taking over the lock of pid $pid"
for f in first held last; do
	cmp -s ref/$f k9/$f || fail "identical outputs after kill -9 ($f)"
done && ok "outputs after kill -9 are byte-identical to an uninterrupted run"
: >"$COUNT"

# SIGTERM: the runner stops its stage and exits 128+15, lock released.
rm -f go held.started
"$RS" run gate.yaml --var out=term -q 2>"$TMP/term.err" &
pid=$!
wait_for held.started
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 143 ] && ok "SIGTERM stops the run (143)" || fail "SIGTERM stops the run (143)" "exit $rc" "$(cat "$TMP/term.err")"
touch go
expect_exit 0 "rerun after SIGTERM" "$RS" run gate.yaml --var out=term
grep -q 'taking over' "$TMP/.err" && fail "a clean stop releases the lock" || ok "a clean stop releases the lock"

# Configuration errors: exit 2 naming 'file':line:col.
bad() { # NAME REGEX YAML
	printf '%s\n' "$3" >bad.yaml
	expect_exit 2 "$1" "$RS" run bad.yaml
	grep_err "$1: message" "^reliefstat: 'bad.yaml':[0-9]+:[0-9]+: .*$2"
}
bad "bad indentation" "" 'stages:
  a:
    run: [x]
   inputs: [y]'
bad "unknown variable" "unknown variable 'nope'" 'stages:
  a:
    run: [cp, "${nope}", b]'
bad "cycle" "cycle: 'a' -> 'b' -> 'a'" 'stages:
  a:
    run: [cp, y.txt, x.txt]
    inputs: [y.txt]
    outputs: [x.txt]
  b:
    run: [cp, x.txt, y.txt]
    inputs: [x.txt]
    outputs: [y.txt]'
bad "two stages write one output" "output 'x.txt' is also written by 'a'" 'stages:
  a:
    run: [touch, x.txt]
    outputs: [x.txt]
  b:
    run: [touch, x.txt]
    outputs: [./x.txt]'
bad "missing input" "input 'nonexist.txt' does not exist" 'stages:
  a:
    run: [cat, nonexist.txt]
    inputs: [nonexist.txt]'
bad "misspelt key" "unknown key 'inputz'" 'stages:
  a:
    run: [cat, a.txt]
    inputz: [a.txt]'
bad "each: where matches nothing" "no item matches 'where'" 'vars: {l: [{n: x}]}
stages:
  a:
    run: [echo, {each: l, where: {n: y}, value: "${item.n}"}]'
bad "\${item} outside foreach" "unknown variable 'item'" 'stages:
  a:
    run: [cat, "${item}"]'
expect_exit 2 "status on a bad pipeline exits 2" "$RS" status bad.yaml
