#!/bin/bash
# A full disk under one report: that report keeps its whole previous set
# (rs-report swaps its folders in only once every file is on disk), the
# others the run made are held back, not published (the public's set moves
# as one: t_publishset.sh), and the run's last line says which kept the
# previous run's figures and which are held. The full disk is a small
# tmpfs mounted on all/report (root only: skipped, saying so, otherwise).
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
OUT=$TMP/out
RUN=("$RS" run --allow-outside --var "out=$OUT")
MNT=$OUT/all/report
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir -p "$TMP/w"
cp "$ROOT/samples/exports/erqi-2024.csv" "$TMP/w/erqi-2024.csv"
yearend_copy "$TMP/p" -e "s#file: samples/exports/erqi-2024.csv#file: $TMP/w/erqi-2024.csv#"
P=$TMP/p/yearend.yaml
sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
expect_exit 0 "the pipeline runs" "${RUN[@]}" -q "$P"
# Killed at any rename of its commit, rs-report leaves each folder whole:
# all of the previous set or all of the new one. A preloaded rename()
# kills it (SIGKILL) at the Nth call, for every N until it finishes.
cat >"$TMP/killrename.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
static long calls;
int rename(const char *a, const char *b)
{
	const char *s = getenv("KILL_AT_RENAME");
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (s && ++calls == atol(s))
		raise(SIGKILL);
	return real(a, b);
}
C
if cc -shared -fPIC -o "$TMP/killrename.so" "$TMP/killrename.c" -ldl 2>"$TMP/cc.err"; then
	A=$OUT/erqi-2023/agg.csv.gz B=$OUT/erqi-2024/agg.csv.gz; mkdir -p "$TMP/k"
	"$BIN/rs-report" -q -o "$TMP/k/new" "$B" && "$BIN/rs-report" -q -o "$TMP/k/old" "$A"
	sums "$TMP/k/new/published" >"$TMP/k/new.sums"; sums "$TMP/k/old/published" >"$TMP/k/old.sums"
	sums "$TMP/k/new/internal" >"$TMP/k/newi.sums"; sums "$TMP/k/old/internal" >"$TMP/k/oldi.sums"
	bad= n=0
	while [ $n -lt 500 ]; do
		n=$((n + 1))
		rm -rf "$TMP/k/run" && cp -a "$TMP/k/old" "$TMP/k/run"
		(KILL_AT_RENAME=$n LD_PRELOAD=$TMP/killrename.so ASAN_OPTIONS=verify_asan_link_order=0 \
			"$BIN/rs-report" -q -o "$TMP/k/run" "$B"; echo $? >"$TMP/k/rc") 2>/dev/null
		rc=$(cat "$TMP/k/rc")
		p=$(sums "$TMP/k/run/published"); i=$(sums "$TMP/k/run/internal")
		[ "$p" = "$(cat "$TMP/k/new.sums")" ] || [ "$p" = "$(cat "$TMP/k/old.sums")" ] || bad="$bad published@$n"
		[ "$i" = "$(cat "$TMP/k/newi.sums")" ] || [ "$i" = "$(cat "$TMP/k/oldi.sums")" ] || bad="$bad internal@$n"
		[ $rc = 0 ] && break
	done
	[ $rc = 0 ] && [ -z "$bad" ] && ok "killed at each of its $((n - 1)) renames, rs-report leaves published/ and internal/ all old or all new" ||
		fail "killed at any rename, rs-report leaves each folder all old or all new" "rc $rc after $n;$bad"
	# the next rs-report removes what a killed one left
	(KILL_AT_RENAME=1 LD_PRELOAD=$TMP/killrename.so ASAN_OPTIONS=verify_asan_link_order=0 \
		"$BIN/rs-report" -q -o "$TMP/k/run" "$B"; :) 2>/dev/null
	ls -A "$TMP/k/run" | grep -q '^\.published\.new\.' && ok "... a killed one leaves its new folder" ||
		fail "... a killed one leaves its new folder" "$(ls -A "$TMP/k/run")"
	"$BIN/rs-report" -q -o "$TMP/k/run" "$B"
	[ -z "$(ls -A "$TMP/k/run" | grep '^\.')" ] && ok "... and the next run removes the new folders a killed one left" ||
		fail "... and the next run removes the new folders a killed one left" "$(ls -A "$TMP/k/run")"
	# a file system without RENAME_EXCHANGE: moved aside, then in
	cat >"$TMP/noexchange.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
int renameat2(int a, const char *b, int c, const char *d, unsigned int flags)
{
	if (flags & RENAME_EXCHANGE) {
		errno = EINVAL;
		return -1;
	}
	return renameat(a, b, c, d);
}
C
	cc -shared -fPIC -o "$TMP/noexchange.so" "$TMP/noexchange.c" 2>"$TMP/cc.err" || fail "a preloaded renameat2() builds" "$(cat "$TMP/cc.err")"
	rm -rf "$TMP/k/run" && cp -a "$TMP/k/old" "$TMP/k/run"
	expect_exit 0 "without RENAME_EXCHANGE rs-report still writes its folders" \
		env LD_PRELOAD="$TMP/noexchange.so" ASAN_OPTIONS=verify_asan_link_order=0 \
		"$BIN/rs-report" -q -o "$TMP/k/run" "$B"
	[ "$(sums "$TMP/k/run/published")" = "$(cat "$TMP/k/new.sums")" ] && [ -z "$(ls -A "$TMP/k/run" | grep '^\.')" ] &&
		ok "... the new set whole, nothing left beside it" || fail "... the new set whole, nothing left beside it" "$(ls -A "$TMP/k/run")"
else
	fail "a preloaded rename() builds" "$(cat "$TMP/cc.err")"
fi

if [ "$(id -u)" != 0 ] || ! mkdir -p "$TMP/probe" || ! mount -t tmpfs -o size=64k tmpfs "$TMP/probe" 2>/dev/null; then
	ok "# SKIP a full disk: needs root and a tmpfs mount"
	exit 0
fi
umount "$TMP/probe"
cp -a "$MNT" "$TMP/all-report"
used=$(du -sk "$MNT" | cut -f1)
# room for the old set and half a new one
mount -t tmpfs -o size=$((used + used / 2))k tmpfs "$MNT" && cp -a "$TMP/all-report/." "$MNT/"
sums "$MNT" >"$TMP/all.before"
sums "$OUT/erqi-2024/report/published" >"$TMP/erqi.before"
# a source changed: erqi-2024 loses its last 40 rows
head -n -40 "$ROOT/samples/exports/erqi-2024.csv" >"$TMP/w/erqi-2024.csv"
expect_exit 1 "a full disk under all/report fails the run" "${RUN[@]}" "$P"
grep -q "stage 'report_all' failed" "$TMP/.err" && grep -q "No space left on device" "$TMP/.err" &&
	ok "... naming report_all and the full disk" || fail "... naming report_all and the full disk" "$(tail -5 "$TMP/.err")"
sums "$MNT" | cmp -s - "$TMP/all.before" && ok "... all/report keeps every file of its previous set, byte for byte" ||
	fail "... all/report keeps its previous set" "$(sums "$MNT" | diff - "$TMP/all.before" | head -5)"
[ -z "$(find "$MNT" -name '.*' ! -name . | head -1)" ] && ok "... leaving no new folder or temporary file there" ||
	fail "... leaving no new folder or temporary file there" "$(find "$MNT" -name '.*')"
sums "$OUT/erqi-2024/report/published" | cmp -s - "$TMP/erqi.before" && [ -d "$OUT/erqi-2024/report/.held" ] &&
	ok "... erqi-2024's new report is made but held back: its published set is the previous one" ||
	fail "... erqi-2024's new report is made but held back" "$(ls -A "$OUT/erqi-2024/report")"
last=$(tail -1 "$TMP/.err")
case $last in
"reliefstat: published tables not updated: report_all failed -- reports updated: none; kept the previous run's figures: report_all; made, held back until all are published together: report@erqi-2024 (the public keeps the previous set; once fixed, 'reliefstat run $P' publishes them all)")
	ok "... the last line names the report that kept the previous figures and the one held back" ;;
*) fail "... the last line names the report that kept the previous figures and the one held back" "$last" ;;
esac
umount "$MNT"
rm -rf "$MNT" && cp -a "$TMP/all-report" "$MNT"
expect_exit 0 "with room again the run goes through" "${RUN[@]}" -q "$P"
sums "$MNT/published" | grep -v changes | cmp -s - <(sums "$TMP/all-report/published" | grep -v changes) &&
	fail "... all/report is updated" "unchanged" || ok "... all/report is updated"
! sums "$OUT/erqi-2024/report/published" | cmp -s - "$TMP/erqi.before" && [ ! -e "$OUT/erqi-2024/report/.held" ] &&
	ok "... and erqi-2024's held report is published with it" ||
	fail "... and erqi-2024's held report is published with it" "$(ls -A "$OUT/erqi-2024/report")"
