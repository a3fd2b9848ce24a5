# tests/lib.sh - sourced by every tests/t_*.sh.
#
# Each check prints "ok - NAME" or "not ok - NAME" (with the reason
# indented below); tests/run.sh counts them. Checks assert the exit code
# first, as in OpenBSD's regress and coreutils' tests.
#
#   expect_exit CODE NAME CMD...   run CMD, pass if it exits CODE
#   ok NAME                        record a pass
#   fail NAME WHY                  record a failure
#   check NAME CMD...              pass if CMD exits 0
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The programs under test: bin/, or the build `make test` made (RS_BIN:
# bin-san/ for make SANITIZE=... test). RS_FAULT_BIN holds the
# fault-injection build of the same (make FAULT=1) for tests/t_faults.sh.
BIN=${RS_BIN:-$ROOT/bin}
SHARED=${RS_SHARED:-$ROOT/../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rs-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export RS_DATADIR=$ROOT/samples/reference
KEY=$ROOT/samples/keys/demo.key

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1"; shift; printf '    %s\n' "$@"; }

check() {
	name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "command failed: $*" "$(printf '%s' "$out" | tail -5)"; fi
}

expect_exit() {
	want=$1; name=$2; shift 2
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		fail "$name" "exit $got, want $want: $*" "$(tail -3 "$TMP/.err")"
	fi
}

# thread_shim: builds tests/shims/nothreads.c into $TMP/nothreads.so and
# sets NT to the environment that preloads it (RS_SHIM_THREADS=N then lets
# N pthread_create calls through). Returns 1, NT unset, when no compiler
# can build it.
thread_shim() {
	local cc=${CC:-cc}
	command -v "$cc" >/dev/null 2>&1 &&
		"$cc" -shared -fPIC -o "$TMP/nothreads.so" "$ROOT/tests/shims/nothreads.c" -ldl 2>"$TMP/cc.err" ||
		return 1
	# A sanitizer runtime wants to be first; the shim must be, to win.
	NT=(LD_PRELOAD="$TMP/nothreads.so" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
}

# yearend_copy DIR [-e SED-EXPR]...: a copy of the sample pipeline in DIR,
# DIR/yearend.yaml and the sources file it reads (DIR/sources.yaml, found
# beside it), rooted at the repository, each SED-EXPR applied to both.
yearend_copy() {
	_d=$1; shift
	mkdir -p "$_d" &&
	sed -e "s#^root: \.\.#root: $ROOT#" "$@" "$ROOT/pipelines/yearend.yaml" >"$_d/yearend.yaml" &&
	sed "$@" "$ROOT/pipelines/sources.yaml" >"$_d/sources.yaml"
}
