#!/bin/bash
# tests/slurm/run.sh - the Slurm executor against a real single-node Slurm
# cluster (make test-slurm; as root on Debian 12, installing slurmctld,
# slurmd, slurm-client and munge when missing).
#
# Starts the cluster (tests/slurm/cluster.sh, everything in a temporary
# directory), runs pipelines/partitioned.yaml locally and with
# --executor slurm and compares every output byte for byte, moves a run
# between the executors, then drives a small pipeline through the failure
# cases: a job exiting 1, a job scancel'led, the runner stopped by SIGTERM
# and by SIGKILL, a timeout. Executions are counted in the ledger. Prints
# "ok - ..." / "not ok - ..." lines and "N passed, N failed"; exits 1 on a
# failure. The daemons are stopped by pid whatever happens.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
RS=$ROOT/bin/reliefstat
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rs-slurm.XXXXXX")
CL=$TMP/cluster
export RS_DATADIR=$ROOT/samples/reference
pass=0 failc=0
t0=$(date +%s)

ok() { echo "ok - $1"; pass=$((pass + 1)); }
fail() { echo "not ok - $1"; shift; printf '    %s\n' "$@"; failc=$((failc + 1)); }
finish() {
	"$ROOT/tests/slurm/cluster.sh" stop "$CL"
	rm -rf "$TMP"
}
trap finish EXIT
trap 'exit 130' INT TERM

expect_exit() { # CODE NAME CMD...
	local want=$1 name=$2 got
	shift 2
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		fail "$name" "exit $got, want $want: $*" "$(tail -5 "$TMP/.err")"
	fi
}
grep_err() { # NAME REGEX: the last command's stderr matches
	if grep -Eq -- "$2" "$TMP/.err"; then ok "$1"; else fail "$1" "stderr lacks /$2/" "$(tail -5 "$TMP/.err")"; fi
}
# The ledger holds a line per task of a run ("kind":"task"; "state" is
# "ok" or "failed" when it executed, "up to date" when it did not) and one
# per run ("kind":"run"); these count and list the executions only.
tasks() { grep -E '"kind":"task","stage":"[^"]*","state":"(ok|failed)"' "$1" 2>/dev/null; }
# ledger_since FILE N: the stages run after the ledger's first N task lines, sorted.
ledger_since() { tasks "$1" | tail -n +$(($2 + 1)) | sed 's/.*"stage":"\([^"]*\)".*/\1/' | sort | tr '\n' ' '; }
lines() { tasks "$1" | wc -l; }
# No job of ours is left waiting or running in the cluster.
no_jobs_left() { # NAME
	local left
	left=$(squeue -h -t PENDING,RUNNING,CONFIGURING,SUSPENDED -o '%i %j %T' 2>&1)
	if [ -z "$left" ]; then ok "$1"; else fail "$1" "$left"; fi
}
wait_for() { local i=0; while [ ! -s "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }

[ -x "$RS" ] || { echo "not ok - bin/reliefstat is not built (make all)"; echo "0 passed, 1 failed"; exit 1; }
# munged runs as user munge and must reach its files under $CL.
chmod 0711 "$TMP"
if ! env=$("$ROOT/tests/slurm/cluster.sh" start "$CL"); then
	echo "not ok - a single-node Slurm cluster starts"
	echo "0 passed, 1 failed"
	exit 1
fi
eval "$env"
ok "a single-node Slurm cluster starts ($(( $(date +%s) - t0 ))s)"

# --- The partitioned pipeline: local and Slurm outputs are identical. ---
L=$TMP/local S=$TMP/slurm
P=pipelines/partitioned.yaml
t=$(date +%s)
expect_exit 0 "partitioned pipeline, local executor" "$RS" run -q -j 2 --allow-outside "$P" --var out="$L"
tl=$(( $(date +%s) - t )); t=$(date +%s)
expect_exit 0 "partitioned pipeline, --executor slurm" "$RS" run -q -j 8 --allow-outside "$P" --var out="$S" --executor slurm
ts=$(( $(date +%s) - t ))
echo "# local run ${tl}s, Slurm run ${ts}s"
ntasks=$("$RS" dag "$P" --var out="$S" | wc -l)
n=$(lines "$S/.reliefstat/ledger.jsonl")
js=$(grep -c '"executor":"slurm","job":"[0-9][0-9]*","job_state":"COMPLETED"' "$S/.reliefstat/ledger.jsonl")
[ "$n" = "$ntasks" ] && [ "$js" = "$ntasks" ] && ok "every task ($ntasks) ran once as a Slurm job, its id in the ledger" ||
	fail "every task ran once as a Slurm job" "$n ledger lines, $js completed jobs, $ntasks tasks"
files=0 differ=0
while IFS= read -r f; do
	files=$((files + 1))
	cmp -s "$L/$f" "$S/$f" || { differ=$((differ + 1)); echo "    differs: $f"; }
done < <(cd "$L" && find . -path ./.reliefstat -prune -o -type f -print | sort)
others=$(cd "$S" && find . -path ./.reliefstat -prune -o -type f -print | wc -l)
[ "$files" -gt 100 ] && [ "$differ" = 0 ] && [ "$others" = "$files" ] &&
	ok "Slurm outputs are byte-identical to the local run's ($files files)" ||
	fail "Slurm outputs are byte-identical to the local run's" "$files files, $differ differ, $others in the Slurm run"
log=$S/.reliefstat/logs/ingest@tongan-2024.log
grep -q 'rs-ingest' "$log" 2>/dev/null && ok "a job's output is in the stage's log" || fail "a job's output is in the stage's log" "$(head -3 "$log")"
script=$S/.reliefstat/slurm/ingest@gen-rest.sh
grep -q "^cd '\?$ROOT'\? || exit 127$" "$script" && grep -q -- " --region-exclude=350212001,[0-9,]* --unattributed " "$script" &&
	ok "the job script cds to the run's directory and quotes each argument" || fail "the job script" "$(cat "$script")"

n0=$(lines "$S/.reliefstat/ledger.jsonl")
expect_exit 0 "second Slurm run" "$RS" run -q --allow-outside "$P" --var out="$S" --executor slurm
[ "$(lines "$S/.reliefstat/ledger.jsonl")" = "$n0" ] && ok "a second Slurm run submits nothing" || fail "a second Slurm run submits nothing"
expect_exit 0 "the Slurm run's state is up to date for the local executor" "$RS" status "$P" --var out="$S"

# Moving between executors: what a Slurm run left, a local run resumes,
# and the reverse; only what is missing runs.
rm "$S/county/410103/agg.csv.gz" "$S/part/pidu-2023/valid.csv.gz"
expect_exit 0 "resume a Slurm run locally" "$RS" run -q --allow-outside "$P" --var out="$S" --executor local
got=$(ledger_since "$S/.reliefstat/ledger.jsonl" "$n0")
[ "$got" = "county@410103 validate@pidu-2023 " ] && ok "the local resume reruns only the missing outputs' stages" || fail "the local resume reruns only what is missing" "ran: $got"
tasks "$S/.reliefstat/ledger.jsonl" | tail -2 | grep -q '"executor"' && fail "the resumed stages ran locally" || ok "the resumed stages ran locally"
n0=$(lines "$L/.reliefstat/ledger.jsonl")
rm "$L/province/41/agg.csv.gz"
expect_exit 0 "resume a local run on Slurm" "$RS" run -q --allow-outside "$P" --var out="$L" --executor slurm
got=$(ledger_since "$L/.reliefstat/ledger.jsonl" "$n0")
[ "$got" = "province@41 " ] && tasks "$L/.reliefstat/ledger.jsonl" | tail -1 | grep -q '"executor":"slurm"' &&
	ok "the Slurm resume reruns only the missing output's stage, as a job" || fail "the Slurm resume reruns only what is missing" "ran: $got"
cmp -s "$L/province/41/agg.csv.gz" "$S/province/41/agg.csv.gz" && ok "the resumed output is identical" || fail "the resumed output is identical"

# --- Failures, on a small pipeline (executor: slurm in the file). ---
W=$TMP/w
mkdir -p "$W" && cd "$W" || exit 2
# part.sh NAME OUT: p2 fails until "fixed" exists; p3 first leaves its job
# id in p3.jobid and, while "hold" exists, waits for "go" (at most 60 s).
cat >part.sh <<'EOF'
#!/bin/sh
echo "part $1: job $SLURM_JOB_ID"
if [ "$1" = p2 ] && [ ! -e fixed ]; then echo "p2: boom" >&2; exit 1; fi
if [ "$1" = p3 ] && [ -e hold ]; then
	echo "$SLURM_JOB_ID" >p3.jobid.tmp && mv p3.jobid.tmp p3.jobid
	i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e go ] || exit 9
fi
echo "$1" >"$2"
EOF
# args.sh OUT ARG...: each argument on a line of its own, bracketed.
cat >args.sh <<'EOF'
#!/bin/sh
o=$1; shift
{ echo "$#"; for a in "$@"; do echo "[$a]"; done; } >"$o"
EOF
chmod +x part.sh args.sh
cat >f.yaml <<'EOF'
executor: slurm
vars:
  out: fo
  parts: [p1, p2, p3]
  odd: "it's $HOME `id` $${x} \"q\" ;&|<>*?"
stages:
  work:
    foreach: parts
    run: [./part.sh, "${item}", "${out}/${item}.txt"]
    outputs: ["${out}/${item}.txt"]
    resources: {time: "5", mem: 64M, cpus: 1}
  merge:
    run: [sh, -c, 'cat "$@" >"$0"', "${out}/all.txt", {each: parts, value: "${out}/${item}.txt"}]
    inputs: [{each: parts, value: "${out}/${item}.txt"}]
    outputs: ["${out}/all.txt"]
  argv:
    run: [./args.sh, "${out}/argv.txt", "${odd}", "", "a b", "line1\nline2", "$${x}"]
    outputs: ["${out}/argv.txt"]
  slow:
    timeout: 2
    run: [sh, -c, 'if [ -e slow ]; then sleep 30; fi; : >"$0"', "${out}/slow.txt"]
    outputs: ["${out}/slow.txt"]
EOF

# A job exiting 1: the run stops naming the stage, the job and the log;
# nothing is left pending; the rerun runs what failed and what waited.
expect_exit 1 "a job exiting 1 fails the run" "$RS" run f.yaml -j 8
grep_err "the failure names the stage and the job id" "stage 'work@p2' failed: exit 1 \(slurm job [0-9]+\)"
grep_err "the failure shows the job's stderr" 'p2: boom'
grep_err "the failure names the stage's log" 'log: fo/\.reliefstat/(runs/[0-9]+/)?logs/work@p2\.log$'
grep_err "and says the published tables were not updated" 'published tables not updated: work@p2 failed'
grep -q '"stage":"work@p2".*"exit":1,"executor":"slurm","job":"[0-9]*","job_state":"FAILED"' fo/.reliefstat/ledger.jsonl &&
	ok "the ledger records the failed job" || fail "the ledger records the failed job" "$(cat fo/.reliefstat/ledger.jsonl)"
no_jobs_left "no job is left pending after a failure"
[ ! -e fo/all.txt ] && ! grep -q '"stage":"merge"' fo/.reliefstat/ledger.jsonl && ok "the dependent stage was never submitted" || fail "the dependent stage was never submitted"
cmp -s fo/argv.txt - <<'EOF' && ok "argv reaches a Slurm job exactly, no shell interpretation" || fail "argv reaches a Slurm job exactly" "$(cat fo/argv.txt)"
5
[it's $HOME `id` ${x} "q" ;&|<>*?]
[]
[a b]
[line1
line2]
[${x}]
EOF
n0=$(lines fo/.reliefstat/ledger.jsonl)
touch fixed
expect_exit 0 "rerun after the fix" "$RS" run f.yaml -j 4
got=$(ledger_since fo/.reliefstat/ledger.jsonl "$n0")
[ "$got" = "merge work@p2 " ] && ok "the rerun runs only the failed job and its dependent" || fail "the rerun runs only what failed" "ran: $got"
expect_exit 0 "the same pipeline locally is up to date" "$RS" run f.yaml --executor local
[ "$(ledger_since fo/.reliefstat/ledger.jsonl "$n0")" = "merge work@p2 " ] && ok "a local run after the Slurm run runs nothing" || fail "a local run after the Slurm run runs nothing"
"$RS" run -q f.yaml --executor local --var out=lo >/dev/null 2>&1
cmp -s lo/argv.txt fo/argv.txt && ok "the same argv locally" || fail "the same argv locally" "$(cat lo/argv.txt)"

# A job cancelled with scancel: the same, with the job named.
rm -f p3.jobid go; touch hold
"$RS" run f.yaml -j 4 --var out=co >"$TMP/c.out" 2>"$TMP/c.err" &
pid=$!
if wait_for p3.jobid; then
	scancel "$(cat p3.jobid)"
	wait $pid; rc=$?
	cp "$TMP/c.err" "$TMP/.err"
	[ $rc = 1 ] && ok "a scancel'led job fails the run (exit 1)" || fail "a scancel'led job fails the run" "exit $rc" "$(tail -5 "$TMP/c.err")"
	# (slurmctld may see the script end with the stage's 143 before it
	# marks the job CANCELLED: then the signal is what the runner names)
	grep_err "the failure names the cancelled job" "stage 'work@p3' failed: slurm job $(cat p3.jobid) (was cancelled|was stopped by SIGTERM)"
	grep_err "and its log" "log: co/.reliefstat/logs/work@p3.log"
	grep -q '"stage":"work@p3".*"job_state":"CANCELLED"' co/.reliefstat/ledger.jsonl && ok "the ledger records the cancelled job" || fail "the ledger records the cancelled job"
else
	kill $pid; wait $pid
	fail "the held job started" "$(cat "$TMP/c.err")"
fi
no_jobs_left "no job is left pending after a scancel"
n0=$(lines co/.reliefstat/ledger.jsonl)
touch go
expect_exit 0 "rerun after the scancel" "$RS" run f.yaml -j 4 --var out=co
got=$(ledger_since co/.reliefstat/ledger.jsonl "$n0")
[ "$got" = "merge work@p3 " ] && ok "the rerun runs only the cancelled job and its dependent" || fail "the rerun runs only what was cancelled" "ran: $got"

# SIGTERM to the runner: it cancels its jobs and exits 143.
rm -f p3.jobid go
"$RS" run f.yaml -j 4 --var out=to >"$TMP/t.out" 2>"$TMP/t.err" &
pid=$!
if wait_for p3.jobid; then
	job=$(cat p3.jobid)
	kill -TERM $pid
	wait $pid; rc=$?
	[ $rc = 143 ] && ok "SIGTERM stops a Slurm run (143)" || fail "SIGTERM stops a Slurm run (143)" "exit $rc" "$(tail -5 "$TMP/t.err")"
	st=$(squeue -h -t all -j "$job" -o %T 2>/dev/null)
	[ "$st" = CANCELLED ] && ok "the runner scancel'led its job on SIGTERM" || fail "the runner scancel'led its job on SIGTERM" "state '$st'"
else
	kill $pid; wait $pid
	fail "the held job started (SIGTERM)" "$(cat "$TMP/t.err")"
fi
no_jobs_left "no job is left after SIGTERM"

# SIGKILL to the runner: its job goes on, and the next run cancels it
# before running anything.
rm -f p3.jobid go
"$RS" run f.yaml -j 4 --var out=ko >/dev/null 2>&1 &
pid=$!
if wait_for p3.jobid; then
	job=$(cat p3.jobid)
	kill -KILL $pid
	wait $pid 2>/dev/null
	st=$(squeue -h -t all -j "$job" -o %T 2>/dev/null)
	[ "$st" = RUNNING ] && ok "a job outlives a runner killed with SIGKILL" || fail "a job outlives a runner killed with SIGKILL" "state '$st'"
	rm -f hold      # the orphan still waits for go; p3's next job won't
	expect_exit 0 "the next run after SIGKILL" "$RS" run f.yaml -j 4 --var out=ko
	grep_err "the next run cancels the job the killed run left" "cancelling slurm job $job, left RUNNING by a killed run"
else
	kill $pid; wait $pid
	fail "the held job started (SIGKILL)" 
fi
no_jobs_left "no job is left after the rerun"

# A stage over its timeout: the runner cancels the job.
touch slow
expect_exit 1 "a job over the stage's timeout fails the run" "$RS" run f.yaml --only slow --var out=so
grep_err "the timeout names the job" "stage 'slow' failed: timed out after 2s \(slurm job [0-9]+\)"
no_jobs_left "no job is left after a timeout"
rm -f slow

# Usage: a missing sbatch is a configuration error, named.
expect_exit 2 "--executor slurm without sbatch in PATH exits 2" env PATH=/nonexistent "$RS" run f.yaml --var out=np
grep_err "the missing command is named" "'sbatch' is not in PATH"
expect_exit 2 "an unknown executor is a usage error" "$RS" run f.yaml --executor grid
cat >bad.yaml <<'EOF'
stages:
  a:
    run: [echo]
    resources: {memory: 2G}
EOF
expect_exit 2 "a misspelt resources key is an error" "$RS" run bad.yaml
grep_err "... naming the key" "'bad.yaml':4:[0-9]+: .*unknown key 'memory'"

cd "$ROOT" || exit 2
echo "# tests/slurm/run.sh: $(( $(date +%s) - t0 ))s"
echo "$pass passed, $failc failed"
[ "$failc" = 0 ]
