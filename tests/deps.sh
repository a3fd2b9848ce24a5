#!/bin/sh
# tests/deps.sh build|test|fuzz|valgrind|man|screenshot - make sure the system packages are present.
# Installs them with apt-get when running as root; otherwise prints the exact
# command and fails.
set -u
what=${1:-build}
case $what in
build) pkgs="gcc make libc6-dev libcsv-dev libyaml-dev zlib1g-dev libdeflate-dev libisal-dev libsodium-dev libxxhash-dev libopencc-dev opencc libxlsxwriter-dev libsqlite3-dev libpq-dev libjansson-dev libzip-dev libxml2-dev libfreexl-dev pkg-config" ;;
test)  pkgs="python3 python3-openpyxl python3-xlwt python3-xxhash sqlite3 postgresql"
       # LibreOffice reads the workbooks in t_report_publish.sh; the test
       # skips it, saying so, when it cannot be installed
       optional="libreoffice-calc-nogui" ;;
fuzz)  pkgs="clang libclang-rt-14-dev" ;;      # make fuzz: libFuzzer
valgrind) pkgs="valgrind" ;;                   # make valgrind
man) pkgs="help2man man-db" ;;                 # make install: man pages
screenshot) pkgs="chromium fonts-wqy-zenhei" ;; # make screenshot
*) echo "usage: tests/deps.sh build|test|fuzz|valgrind|man|screenshot" >&2; exit 2 ;;
esac
optional=${optional:-}
if [ -n "$optional" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	for p in $optional; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
		echo "deps: installing $p (optional)" >&2
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p"; } \
			>/dev/null 2>&1 || echo "deps: could not install $p; the tests that need it are skipped" >&2
	done
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "deps: apt-get install$missing failed" >&2; exit 1; }
	exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
exit 1
