#!/bin/bash
# The public's reports move as one set. A district report rerun on changed
# data while the merged report fails or is not run (--until, --only) is
# held back (rs-report --hold: report/.held): every published/ folder stays
# as it was, so no hidden district cell comes back as the merged figure
# minus the other districts' (tests/suppress_check.py), and the run's last
# line calls the report held, not updated, and says what to run. The next
# full run releases every held set (the publish task, rs-report --release)
# and all is consistent again. Then rs-report --release itself: idempotent,
# passes over a report with nothing held, finishes a release that was
# killed at any rename; and suppressed.csv comes after the set it lists.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
OUT=$TMP/out
RUN=("$RS" run --allow-outside --var "out=$OUT")
CHECK="python3 $ROOT/tests/suppress_check.py"
DISTRICTS="erqi-2023 pidu-2023 erqi-2024 tongan-2024 aimin-2024"
comps() { for d in $DISTRICTS; do echo "$OUT/$d/report"; done; }
pubsums() { for d in $DISTRICTS all; do (cd "$OUT/$d/report/published" && find . -type f ! -name 'changes.*' | LC_ALL=C sort | xargs sha256sum | sed "s#^#$d #"); done; }
# given_back: how many hidden cells suppress_check gives back
given_back() {
	# shellcheck disable=SC2046
	$CHECK -v "$OUT/all/report" $(comps) >"$TMP/check.out" 2>&1
	sed -n 's/.* \([0-9][0-9]*\) hidden cells given back.*/\1/p' "$TMP/check.out"
}

mkdir -p "$TMP/w"
cp "$ROOT/samples/exports/erqi-2024.csv" "$TMP/w/erqi-2024.csv"
yearend_copy "$TMP/p" -e "s#file: samples/exports/erqi-2024.csv#file: $TMP/w/erqi-2024.csv#"
P=$TMP/p/yearend.yaml
expect_exit 0 "the pipeline runs" "${RUN[@]}" -q "$P"
[ "$(given_back)" = 0 ] && ok "... its published set gives no hidden cell back" ||
	fail "... its published set gives no hidden cell back" "$(tail -3 "$TMP/check.out")"
[ -z "$(ls -A "$OUT"/*/report | grep '^\.')" ] && ok "... and nothing is left held" ||
	fail "... and nothing is left held" "$(ls -A "$OUT"/*/report)"
expect_exit 0 "a rerun with nothing changed" "${RUN[@]}" "$P"
grep -q "ran 0 stages, 2[0-9] up to date" "$TMP/.err" && ok "... finds every task, publish too, up to date" ||
	fail "... finds every task, publish too, up to date" "$(tail -2 "$TMP/.err")"
pubsums >"$TMP/pub.before"
cp -a "$OUT/erqi-2024/report/suppressed.csv" "$TMP/supp.before"

# The reviewer's case: erqi-2024 loses its last 40 rows, only its report
# is rerun. Before, 19 cells came back (programs 2024 特困人员救助供养 /
# 城市 期末保障人数 = 57 - 44 = 13).
head -n -40 "$ROOT/samples/exports/erqi-2024.csv" >"$TMP/w/erqi-2024.csv"
expect_exit 0 "--until report@erqi-2024 on changed data" "${RUN[@]}" "$P" --until report@erqi-2024
pubsums | cmp -s - "$TMP/pub.before" && ok "... leaves every published/ folder as it was" ||
	fail "... leaves every published/ folder as it was" "$(pubsums | diff - "$TMP/pub.before" | head -4)"
n=$(given_back)
[ "$n" = 0 ] && ok "... so no hidden cell is given back" || fail "... so no hidden cell is given back" "$n: $(grep -m3 -i 'given back\|=' "$TMP/check.out")"
[ -d "$OUT/erqi-2024/report/.held" ] && ! cmp -s "$OUT/erqi-2024/report/suppressed.csv" "$TMP/supp.before" &&
	ok "... the new set is held as report/.held, and suppressed.csv lists what it hides" ||
	fail "... the new set is held as report/.held, and suppressed.csv lists what it hides" "$(ls -A "$OUT/erqi-2024/report")"
grep -q "^reliefstat: published tables not updated: report@erqi-2024 made, held back until all are published together (the public keeps the previous set; 'reliefstat run $P' publishes them all)$" "$TMP/.err" &&
	ok "... and the run says the report is held, not published, and what to run" ||
	fail "... and the run says the report is held, not published, and what to run" "$(tail -2 "$TMP/.err")"

# The same with the merged report failing: a file where its internal/
# folder goes.
mv "$OUT/all/report/internal" "$TMP/all-internal" && echo x >"$OUT/all/report/internal"
expect_exit 1 "a full run whose merged report fails" "${RUN[@]}" "$P"
grep -q "stage 'report_all' failed" "$TMP/.err" && ok "... names report_all" || fail "... names report_all" "$(tail -3 "$TMP/.err")"
pubsums | cmp -s - "$TMP/pub.before" &&
	ok "... and the public keeps the whole previous set" ||
	fail "... and the public keeps the whole previous set" "$(pubsums | diff - "$TMP/pub.before" | head -4)"
n=$(given_back)
[ "$n" = 0 ] && ok "... no hidden cell is given back" || fail "... no hidden cell is given back" "$n"
last=$(tail -1 "$TMP/.err")
case $last in
"reliefstat: published tables not updated: report_all failed -- reports updated: none; kept the previous run's figures: report_all; made, held back until all are published together: report@erqi-2024 (the public keeps the previous set; once fixed, 'reliefstat run $P' publishes them all)")
	ok "... the last line calls erqi-2024 held, not updated" ;;
*) fail "... the last line calls erqi-2024 held, not updated" "$last" ;;
esac
rm "$OUT/all/report/internal" && mv "$TMP/all-internal" "$OUT/all/report/internal"
expect_exit 0 "fixed, the next full run goes through" "${RUN[@]}" "$P"
[ -z "$(ls -A "$OUT"/*/report | grep '^\.')" ] && ok "... releasing every held set" ||
	fail "... releasing every held set" "$(ls -A "$OUT"/*/report)"
pubsums | grep '^erqi-2024 ' | cmp -s - <(grep '^erqi-2024 ' "$TMP/pub.before") &&
	fail "... erqi-2024's new figures are published" "unchanged" || ok "... erqi-2024's new figures are published"
n=$(given_back)
[ "$n" = 0 ] && ok "... and the whole set is consistent: 0 cells given back" || fail "... and the whole set is consistent" "$n"

# rs-report --release on its own.
R=$BIN/rs-report
A=$OUT/erqi-2023/agg.csv.gz B=$OUT/erqi-2024/agg.csv.gz
D=$TMP/d
mkdir -p "$D"
sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
"$R" -q -o "$D/old" "$A" && "$R" -q -o "$D/new" "$B" && sums "$D/old/published" >"$TMP/old.sums" &&
	sums "$D/new/published" >"$TMP/new.sums" && cp "$D/new/suppressed.csv" "$TMP/new.supp" &&
	ok "rs-report without --hold publishes directly" || fail "rs-report without --hold publishes directly"
cp -a "$D/old" "$D/r"
expect_exit 0 "rs-report --hold" "$R" -q --hold -o "$D/r" "$B"
sums "$D/r/published" | cmp -s - "$TMP/old.sums" && [ "$(sums "$D/r/.held")" = "$(cat "$TMP/new.sums")" ] &&
	cmp -s "$D/r/suppressed.csv" "$TMP/new.supp" && cmp -s <(sums "$D/r/internal") <(sums "$D/new/internal") &&
	ok "... swaps internal/ in, keeps the new published set whole as .held, lists what it hides" ||
	fail "... swaps internal/ in, keeps the new published set whole as .held" "$(ls -A "$D/r")"
expect_exit 0 "a second --hold replaces the held set" "$R" -q --hold -o "$D/r" "$B"
[ "$(ls -A "$D/r" | grep '^\.')" = .held ] && ok "... leaving one held set only" || fail "... leaving one held set only" "$(ls -A "$D/r")"
mkdir -p "$D/none"
expect_exit 0 "rs-report --release" "$R" --release "$D/none" "$D/r"
grep -q "nothing held in '$D/none'" "$TMP/.err" && ok "... passes over a report with nothing held, saying so" ||
	fail "... passes over a report with nothing held, saying so" "$(cat "$TMP/.err")"
sums "$D/r/published" | cmp -s - "$TMP/new.sums" && [ -z "$(ls -A "$D/r" | grep '^\.')" ] &&
	ok "... swaps the held set in as published/, nothing left beside it" || fail "... swaps the held set in" "$(ls -A "$D/r")"
expect_exit 0 "a second --release" "$R" --release "$D/r"
sums "$D/r/published" | cmp -s - "$TMP/new.sums" && ok "... changes nothing" || fail "... changes nothing"
"$R" -q --hold -o "$D/r" "$A" && "$R" -q -o "$D/r" "$B"
[ ! -e "$D/r/.held" ] && sums "$D/r/published" | cmp -s - "$TMP/new.sums" &&
	ok "a report published directly drops an older held set" || fail "a report published directly drops an older held set" "$(ls -A "$D/r")"
expect_exit 2 "--release with -o is a usage error" "$R" --release -o "$D/r" "$D/r"

# Killed at each rename and at each renameat2 of a release, the next one
# finishes it: published/ is all old or all new, never missing once done.
cat >"$TMP/kill.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
static long calls;
static void count(void)
{
	const char *s = getenv("KILL_AT");
	if (s && ++calls == atol(s))
		raise(SIGKILL);
}
int rename(const char *a, const char *b)
{
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	count();
	return real(a, b);
}
int renameat2(int a, const char *b, int c, const char *d, unsigned int f)
{
	int (*real)(int, const char *, int, const char *, unsigned int) =
		(int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT, "renameat2");
	count();
	if (getenv("NO_EXCHANGE") && (f & RENAME_EXCHANGE))
		return errno = ENOSYS, -1;
	return real(a, b, c, d, f);
}
C
sed -i 's/#include <dlfcn.h>/#include <dlfcn.h>\n#include <errno.h>/' "$TMP/kill.c"
if cc -shared -fPIC -o "$TMP/kill.so" "$TMP/kill.c" -ldl 2>"$TMP/cc.err"; then
	PRE=(env LD_PRELOAD="$TMP/kill.so" ASAN_OPTIONS=verify_asan_link_order=0)
	for mode in exchange noexchange; do
		ne=(); [ $mode = noexchange ] && ne=(NO_EXCHANGE=1)
		bad= n=0 rc=1
		while [ $n -lt 20 ] && [ $rc != 0 ]; do
			n=$((n + 1))
			rm -rf "$D/k" && cp -a "$D/old" "$D/k" && "$R" -q --hold -o "$D/k" "$B" 2>/dev/null
			(env "${ne[@]}" KILL_AT=$n "${PRE[@]}" "$R" -q --release "$D/k"; echo $? >"$TMP/rc") 2>/dev/null
			rc=$(cat "$TMP/rc")
			p=$(sums "$D/k/published" 2>/dev/null)
			[ "$p" = "$(cat "$TMP/new.sums")" ] || [ "$p" = "$(cat "$TMP/old.sums")" ] ||
				{ [ $mode = noexchange ] && [ ! -e "$D/k/published" ]; } || bad="$bad torn@$n"
			env "${ne[@]}" "${PRE[@]}" "$R" -q --release "$D/k" 2>/dev/null || bad="$bad rerun@$n"
			[ "$(sums "$D/k/published" 2>/dev/null)" = "$(cat "$TMP/new.sums")" ] || bad="$bad notdone@$n"
			[ -z "$(ls -A "$D/k" | grep '^\.')" ] || bad="$bad left@$n:$(ls -A "$D/k" | grep '^\.' | tr '\n' ' ')"
		done
		[ "$rc" = 0 ] && [ -z "$bad" ] &&
			ok "($mode) killed at each of its $((n - 1)) renames, a release is finished by the next" ||
			fail "($mode) killed at each rename, a release is finished by the next" "rc $rc after $n;$bad"
	done

	# Without the exchange, a first run: no old folder to move aside.
	rm -rf "$D/f"
	expect_exit 0 "without RENAME_EXCHANGE, a first run publishes" env NO_EXCHANGE=1 "${PRE[@]}" "$R" -q -o "$D/f" "$B"
	sums "$D/f/published" | cmp -s - "$TMP/new.sums" && ok "... the whole set" || fail "... the whole set" "$(cat "$TMP/.err")"
	# Killed between its two renames (the old set aside, the new not yet
	# in): the next run puts the old set back before anything else.
	bad= n=0 rc=1
	while [ $n -lt 400 ] && [ $rc != 0 ]; do
		n=$((n + 1))
		rm -rf "$D/k" && cp -a "$D/old" "$D/k"
		(NO_EXCHANGE=1 KILL_AT=$n "${PRE[@]}" "$R" -q -o "$D/k" "$B"; echo $? >"$TMP/rc") 2>/dev/null
		rc=$(cat "$TMP/rc")
		[ "$rc" = 0 ] && break
		if [ ! -e "$D/k/published" ]; then
			"$R" -q --release "$D/k" 2>/dev/null   # any rs-report on OUTDIR sweeps
			[ "$(sums "$D/k/published" 2>/dev/null)" = "$(cat "$TMP/old.sums")" ] || bad="$bad lost@$n"
			found=1
		fi
	done
	[ "$rc" = 0 ] && [ -z "$bad" ] && [ "${found:-}" = 1 ] &&
		ok "without RENAME_EXCHANGE, killed between its renames, the next rs-report puts the previous set back" ||
		fail "without RENAME_EXCHANGE, killed between its renames, the previous set comes back" "rc $rc after $n;$bad found=${found:-0}"

	# suppressed.csv is committed only once published/ is in place: killed
	# at any rename, a new list never sits beside the old published set.
	bad= n=0 rc=1
	while [ $n -lt 400 ] && [ $rc != 0 ]; do
		n=$((n + 1))
		rm -rf "$D/k" && cp -a "$D/old" "$D/k"
		(KILL_AT=$n "${PRE[@]}" "$R" -q -o "$D/k" "$B"; echo $? >"$TMP/rc") 2>/dev/null
		rc=$(cat "$TMP/rc")
		if cmp -s "$D/k/suppressed.csv" "$TMP/new.supp" && [ "$(sums "$D/k/published")" != "$(cat "$TMP/new.sums")" ]; then
			bad="$bad $n"
		fi
	done
	[ "$rc" = 0 ] && [ -z "$bad" ] && ok "killed at each of its $((n - 1)) renames, rs-report never leaves the new list beside the old published set" ||
		fail "killed at any rename, rs-report never leaves the new list beside the old published set" "rc $rc; at$bad"
else
	fail "a preloaded rename() builds" "$(cat "$TMP/cc.err")"
fi

# published/ a symbolic link (to a web root): refused, naming the link and
# what to do; the link stays.
mkdir -p "$D/www" "$D/sl" && cp -a "$D/old/published/." "$D/www/" && ln -s "$D/www" "$D/sl/published"
expect_exit 1 "published/ a symbolic link" "$R" -q -o "$D/sl" "$B"
grep -q "'$D/sl/published' is a symbolic link (to '$D/www'): .*remove the link" "$TMP/.err" &&
	ok "... is refused, naming the link and what to do" || fail "... is refused, naming the link and what to do" "$(cat "$TMP/.err")"
[ -L "$D/sl/published" ] && sums "$D/www" | cmp -s - "$TMP/old.sums" && ok "... the link and its folder stay as they were" ||
	fail "... the link and its folder stay as they were" "$(ls -lA "$D/sl")"
