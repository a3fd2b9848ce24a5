#!/bin/bash
# tests/slurm/cluster.sh start|stop DIR - a single-node Slurm cluster on
# this machine, for tests/slurm/run.sh and for trying the Slurm executor by
# hand (as root, on Debian 12; see ../shared/SLURM-NOTES.md).
#
#   start DIR  installs slurmctld, slurmd, slurm-client and munge when they
#              are missing (apt-get, --no-install-recommends), writes a
#              slurm.conf and a munge key under DIR, starts munged,
#              slurmctld and slurmd (config, state, spool, logs and pid files
#              all in DIR), waits for the node to be idle and prints
#              "export SLURM_CONF=DIR/slurm.conf" for eval.
#   stop DIR   stops the three daemons by the pids they wrote (each read
#              before its kill), waiting up to 5 s each, then SIGKILL.
#
# Nothing outside DIR is changed apart from the packages installed; a
# system-wide munged or Slurm, if any, is not touched (munged listens on a
# socket in DIR and slurm.conf points Slurm there with AuthInfo). Exits 0,
# or 1 with the daemons' log tails on stderr.
set -u
cmd=${1:-}
D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$D" && D=$(cd "$D" && pwd) || exit 1

say() { echo "slurm: $*" >&2; }

# Stops the daemon whose pid file is $1: read the pid first (the file goes
# away as the daemon exits), TERM, wait up to 5 s, then KILL.
stop_pid() {
	local f=$1 pid i
	[ -s "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null) || return 0
	case $pid in '' | *[!0-9]*) return 0 ;; esac
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	say "pid $pid ($f) still alive after 5 s: SIGKILL"
	kill -9 "$pid" 2>/dev/null
	return 0
}

if [ "$cmd" = stop ]; then
	stop_pid "$D/run/slurmd.pid"
	stop_pid "$D/run/slurmctld.pid"
	stop_pid "$D/munge/munged.pid"
	exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

fail() {
	say "$*"
	for l in "$D"/log/*.log "$D"/munge/munged.log; do
		[ -s "$l" ] && { echo "--- $l" >&2; tail -15 "$l" >&2; }
	done
	"$0" stop "$D"
	exit 1
}

need=""
for p in slurmctld slurmd slurm-client munge; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || { say "missing packages:$need (run as root to install them)"; exit 1; }
	say "installing$need"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $need; } >"$D/apt.log" 2>&1 ||
		{ tail -20 "$D/apt.log" >&2; say "apt-get install$need failed"; exit 1; }
fi
[ "$(id -u)" = 0 ] || { say "slurmd must run as root"; exit 1; }
# Daemons open /dev/null; a stray rename over it (a program writing its
# output "atomically" to /dev/null) leaves a plain file that they cannot use.
[ -c /dev/null ] || { say "/dev/null is not a device: restore it with 'rm /dev/null; mknod -m 666 /dev/null c 1 3'"; exit 1; }

mkdir -p "$D/state" "$D/spool" "$D/log" "$D/run" "$D/munge" || exit 1

# munge: a private key and socket, the daemon running as user munge.
if [ ! -s "$D/munge/munge.key" ]; then
	dd if=/dev/urandom of="$D/munge/munge.key" bs=128 count=1 status=none || exit 1
fi
chmod 0700 "$D/munge" && chmod 0600 "$D/munge/munge.key" && chown -R munge:munge "$D/munge" || exit 1
runuser -u munge -- test -w "$D/munge" ||
	fail "user munge cannot reach '$D/munge': make the directories above it searchable (chmod o+x)"
MSOCK=$D/munge/munge.socket
runuser -u munge -- /usr/sbin/munged --force --socket="$MSOCK" \
	--key-file="$D/munge/munge.key" --pid-file="$D/munge/munged.pid" \
	--log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" ||
	fail "munged did not start"
for i in $(seq 50); do [ -S "$MSOCK" ] && break; sleep 0.1; done
munge -S "$MSOCK" -n </dev/null | unmunge -S "$MSOCK" >/dev/null 2>&1 || fail "munge does not work"

# The node line from slurmd -C, so NodeName, CPUs and RealMemory are right.
# Up to 4 jobs may share a core (OverSubscribe=FORCE:4): a test's jobs are
# short, and most of their time is Slurm's own start and end latency.
node=$(slurmd -C | head -1)
case $node in NodeName=*) ;; *) fail "slurmd -C printed '$node'" ;; esac
host=$(hostname -s)
cat >"$D/slurm.conf" <<CONF
# Written by tests/slurm/cluster.sh: a single-node test cluster.
ClusterName=rstest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MSOCK
SlurmctldPort=$(( 16817 + RANDOM % 1000 * 2 ))
SlurmdPort=$(( 17818 + RANDOM % 1000 * 2 ))
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
ReturnToService=2
MinJobAge=300
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF=$D/slurm.conf
/usr/sbin/slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
/usr/sbin/slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for i in $(seq 100); do
	st=$(sinfo -h -N -o %T 2>/dev/null | head -1)
	[ "$st" = idle ] && break
	sleep 0.2
done
[ "$st" = idle ] || fail "the node is '${st:-unknown}', not idle, after 20 s"
echo "export SLURM_CONF=$SLURM_CONF"
