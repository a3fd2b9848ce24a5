#!/bin/sh
# tests/valgrind.sh [BIN] - the sample pipeline (pipelines/yearend.yaml)
# under valgrind memcheck: the runner and, through --trace-children, every
# stage it starts. Passes when the run succeeds and valgrind reports no
# error and no definite or indirect leak in any process. Run by
# `make valgrind` and by CI; about two minutes.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-bin}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
sh "$root/tests/deps.sh" valgrind || exit 1
w=$(mktemp -d "${TMPDIR:-/tmp}/rs-valgrind.XXXXXX")
trap 'rm -rf "$w"' EXIT
# A working directory like the source tree whose bin/ is the build under
# test: the pipeline runs bin/rs-* relative to where the runner starts.
for e in "$root"/*; do
	case ${e##*/} in bin|bin-*|build|build-*|out) ;; *) ln -s "$e" "$w/${e##*/}" ;; esac
done
ln -s "$bin" "$w/bin"
mkdir "$w/vg"
export RS_DATADIR=$root/samples/reference
start=$(date +%s)
(cd "$w" && valgrind -q --trace-children=yes --error-exitcode=99 \
	--leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --track-fds=no \
	--suppressions="$root/tests/valgrind.supp" \
	--log-file="$w/vg/%p.log" \
	"$bin/reliefstat" run pipelines/yearend.yaml --var out=out -j 2 -q)
rc=$?
n=$(ls "$w/vg" | wc -l)
bad=0
for f in "$w"/vg/*.log; do
	if [ -s "$f" ]; then
		bad=$((bad + 1))
		echo "valgrind: report from process ${f##*/}:"
		head -60 "$f" | sed 's/^/    /'
	fi
done
tasks=$(grep -c "\"kind\":\"task\"" "$w/out/.reliefstat/ledger.jsonl" 2>/dev/null || echo 0)
echo "valgrind: $n processes checked ($tasks stages), $bad with reports, run exit $rc, $(( $(date +%s) - start ))s"
if [ "$rc" != 0 ]; then
	for l in "$w"/out/.reliefstat/logs/*.log; do
		grep -q . "$l" 2>/dev/null && { echo "  $l:"; tail -5 "$l" | sed 's/^/    /'; }
	done
fi
[ "$rc" = 0 ] && [ "$bad" = 0 ] && [ "$n" -gt 1 ]
