#!/bin/bash
# make install PREFIX=... gives programs that run outside the source tree
# with their default data (catalog, regions, rules) found beside them.
. "$(dirname "$0")/lib.sh"
unset RS_DATADIR

expect_exit 0 "make install PREFIX=$TMP/prefix" make -s -C "$ROOT" install PREFIX="$TMP/prefix" DESTDIR=
for f in programs.yaml programs-local.yaml regions.csv rules.yaml; do
	[ -s "$TMP/prefix/share/reliefstat/$f" ] && ok "installed share/reliefstat/$f" || fail "installed share/reliefstat/$f"
done
mkdir -p "$TMP/elsewhere" && cd "$TMP/elsewhere" || exit 1
cp "$KEY" key && chmod 600 key
cp "$ROOT/samples/exports/erqi-2024.csv" "$ROOT/samples/mappings/erqi.yaml" .
P=$TMP/prefix/bin
expect_exit 0 "installed rs-ingest runs with default data" "$P/rs-ingest" -q -m erqi.yaml -k key -o r.csv.gz -s i.json erqi-2024.csv
expect_exit 0 "installed rs-validate finds rules and regions" "$P/rs-validate" -q -p 2024 -o v.csv.gz -s v.json r.csv.gz
expect_exit 0 "installed rs-aggregate --groups" "$P/rs-aggregate" -q -o a.csv.gz -g g.csv.gz v.csv.gz
expect_exit 0 "installed rs-report" "$P/rs-report" --period 2024 -o rep a.csv.gz
python3 "$ROOT/tests/truth_check.py" "$ROOT/samples/exports/erqi-2024.truth.json" v.csv.gz i.json v.json a.csv.gz

# Packaging: man pages, uniform -V and usage errors, per-command help, and
# make uninstall leaving nothing. The installed programs run from a PREFIX
# the build was not made with (the data path is found beside bin/).
cd "$TMP/elsewhere" || exit 1
expect_exit 0 "installed rs-gen finds its regions in PREFIX/share" "$P/rs-gen" --rows 20 -o g.csv
M=$TMP/prefix/share/man
if command -v man >/dev/null; then
	MANPATH=$M man rs-ingest 2>/dev/null | grep -q 'rs-ingest - read' &&
		ok "man rs-ingest works from the install (MANPATH=PREFIX/share/man)" ||
		fail "man rs-ingest works from the install" "$(MANPATH=$M man rs-ingest 2>&1 | head -3)"
fi
bad=
for p in "$P"/*; do
	n=${p##*/}
	[ -s "$M/man1/$n.1" ] || bad="$bad $n(no man page)"
	[ "$("$p" -V 2>&1)" = "$n $(sed -n 's/^VERSION = //p' "$ROOT/Makefile")" ] || bad="$bad $n(-V: $("$p" -V 2>&1 | head -1))"
	[ "$("$p" --version 2>&1)" = "$("$p" -V 2>&1)" ] || bad="$bad $n(--version)"
	"$p" --no-such-option >/dev/null 2>"$TMP/u.err"; rc=$?
	{ [ $rc = 2 ] && grep -q "^$n: .*'--no-such-option'" "$TMP/u.err" &&
	  grep -q "^Try '$n --help' for more information.$" "$TMP/u.err"; } ||
		bad="$bad $n(usage error: exit $rc, $(head -2 "$TMP/u.err" | tr '\n' ' '))"
done
n=$(ls "$P" | wc -l)
[ -z "$bad" ] && [ "$n" -ge 8 ] &&
	ok "all $n programs: a man page, '-V' = '--version' = 'NAME VERSION', a wrong option exits 2 naming it and --help" ||
	fail "every program has a man page, -V and the same usage error" $bad
for c in run status dag; do
	"$P/reliefstat" $c --help >"$TMP/h.$c" 2>&1
done
head -1 "$TMP/h.status" | grep -q '^usage: reliefstat status' && head -1 "$TMP/h.dag" | grep -q '^usage: reliefstat dag' &&
	! cmp -s "$TMP/h.status" "$TMP/h.run" &&
	ok "reliefstat status --help and dag --help print their own text" ||
	fail "per-command help" "$(head -1 "$TMP/h.status" "$TMP/h.dag")"
expect_exit 0 "make uninstall PREFIX=..." make -s -C "$ROOT" uninstall PREFIX="$TMP/prefix" DESTDIR=
left=$(cd "$TMP/prefix" && find . -mindepth 1 | head -5)
[ -d "$TMP/prefix" ] && [ -z "$left" ] && ok "make uninstall leaves nothing in PREFIX (and keeps PREFIX)" ||
	fail "make uninstall leaves nothing" "$left"
