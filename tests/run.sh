#!/bin/bash
# tests/run.sh [PATTERN] - run every tests/t_*.sh (or those matching PATTERN)
# and print a closing "N passed, N failed" line. Exits 1 if any check failed
# or a test script died without reporting.
cd "$(dirname "$0")/.." || exit 2
pass=0; failc=0
for t in tests/t_*.sh; do
	case $t in *${1:-}*) ;; *) continue ;; esac
	echo "# $t"
	start=$(date +%s)
	out=$(bash "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $t exited $rc"; f=1
	fi
	# A checker that died (a Python traceback) checked nothing, whatever
	# the script's exit status says.
	c=$(printf '%s\n' "$out" | grep -c '^Traceback (most recent call last)')
	if [ "$c" != 0 ]; then
		echo "not ok - $t: $c Python checker(s) crashed (Traceback above)"; f=$((f + 1))
	fi
	echo "# $t: $p passed, $f failed, $(( $(date +%s) - start ))s"
	pass=$((pass + p)); failc=$((failc + f))
done
echo "$pass passed, $failc failed"
[ "$failc" = 0 ] && [ "$pass" -gt 0 ]
