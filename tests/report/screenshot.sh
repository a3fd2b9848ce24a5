#!/bin/sh
# tests/report/screenshot.sh OUTDIR [HTML] - render a report page in headless
# Chromium and write OUTDIR/screenshot.png (1280 x 2000) and the printed
# page OUTDIR/report.pdf, to look at.
#
# Without HTML, the page is the published report of 郑州市二七区 2024 with
# 同比 against 2023, built into OUTDIR/screenshot-report/ from the sample
# pipeline's aggregates (out/erqi-2023, out/erqi-2024: `make run`) or, when
# those are missing, from generated ones (tests/report/mkagg.py). Not part
# of `make test` (Chromium is heavy); `make screenshot` runs it. Needs the
# Debian packages chromium and a CJK font (fonts-wqy-zenhei or
# fonts-noto-cjk); the page itself loads nothing from anywhere.
set -eu
out=${1:?usage: tests/report/screenshot.sh OUTDIR [HTML]}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
html=${2:-}
if [ -z "$html" ]; then
	if [ -s "$root/out/erqi-2024/agg.csv.gz" ] && [ -s "$root/out/erqi-2023/agg.csv.gz" ]; then
		RS_DATADIR=$root/samples/reference "$root/bin/rs-report" -q \
			--period 2024-01..2024-12 --title 郑州市二七区 --unit 郑州市二七区民政局 \
			--previous "$root/out/erqi-2023/agg.csv.gz" \
			-o "$out/screenshot-report" "$root/out/erqi-2024/agg.csv.gz"
	else
		python3 "$root/tests/report/mkagg.py" demo2023 "$out/demo-2023.csv.gz"
		python3 "$root/tests/report/mkagg.py" demo2024 "$out/demo-2024.csv.gz"
		RS_DATADIR=$root/samples/reference "$root/bin/rs-report" -q \
			--title 郑州市二七区 --previous "$out/demo-2023.csv.gz" \
			-o "$out/screenshot-report" "$out/demo-2024.csv.gz"
	fi
	html=$out/screenshot-report/published/report.html
fi
case $html in /*) ;; *) html=$(pwd)/$html ;; esac
[ -s "$html" ] || { echo "screenshot: no page '$html'" >&2; exit 1; }
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
[ -n "${browser:-}" ] || { echo "screenshot: no chromium (apt-get install chromium fonts-wqy-zenhei)" >&2; exit 1; }
profile=$(mktemp -d "${TMPDIR:-/tmp}/rs-chromium.XXXXXX")
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile" \
	--screenshot="$out/screenshot.png" --window-size=1280,2000 \
	"file://$html" >"$profile/log" 2>&1 || { cat "$profile/log" >&2; exit 1; }
[ -s "$out/screenshot.png" ] || { echo "screenshot: chromium wrote nothing" >&2; cat "$profile/log" >&2; exit 1; }
echo "$out/screenshot.png"
# The page as printed (A4 landscape, the page's own page numbers).
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" \
	"file://$html" >"$profile/log" 2>&1 || { cat "$profile/log" >&2; exit 1; }
[ -s "$out/report.pdf" ] && echo "$out/report.pdf"
