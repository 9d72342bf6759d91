# bench plot DIR on a copy of the committed run (tests/fixtures/run-small):
# plots (PNG + SVG), report.html (self-contained, SVGs inlined) and
# report.md; bad input; then report.html rendered in headless chromium to a
# screenshot that must be a real, non-trivial PNG. Skips (77) without
# gnuplot or chromium, unless CI=true. No root needed.
. "$SB_TESTS/e2e/lib.sh"

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $* (CI=true forbids skipping)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# is_png FILE: the 8-byte PNG signature
is_png() { [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a ]; }
size() { wc -c <"$1" 2>/dev/null || echo 0; }

command -v jq >/dev/null || skip "jq missing (scripts/deps.sh --test installs it)"
command -v gnuplot >/dev/null || skip "gnuplot missing (apt-get install gnuplot-nox)"
RUN="$WORK/run"
cp -r "$SB_TESTS/fixtures/run-small" "$RUN"

echo "bench plot DIR"
"$SYNBENCH" plot "$RUN" >"$WORK/out" 2>"$WORK/err"
check "exit status" "$?" -eq 0
for p in latency_cdf latency_vs_time queue dwell breakdown outcomes; do
	if is_png "$RUN/plots/$p.png" && [ "$(size "$RUN/plots/$p.png")" -gt 5000 ]; then
		ok "plots/$p.png is a PNG"
	else
		bad "plots/$p.png missing or not a PNG"
	fi
	check "plots/$p.svg size" "$(size "$RUN/plots/$p.svg")" -gt 5000
	grep -q "plots/$p.png" "$RUN/report.md" && ok "report.md links $p.png" || bad "report.md lacks $p.png"
done
H="$RUN/report.html"
check "inlined SVGs" "$(grep -o '<svg ' "$H" | wc -l)" -eq 6
check "scripts" "$(grep -c '<script' "$H")" -eq 0
check "network references" "$(grep -Ec '(src|href)="(https?:)?//' "$H")" -eq 0
ghost=$(jq -r .outcomes.ghost "$RUN/summary.json")
p99=$(jq -r '.latency_us.kernel_handshake.p99' "$RUN/summary.json")
# in a person's unit, every digit in the title: 1024523.366 µs -> 1.024523366 s
p99h=$(awk -v v="$p99" 'BEGIN { if (v >= 1e6) printf "%.9f s", v / 1e6; else if (v >= 1e3) printf "%.6f ms", v / 1e3; else printf "%.3f µs", v }')
grep -q "title=\"$p99h\"" "$H" && ok "kernel p99 $p99h in the table" || bad "kernel p99 $p99h not in report.html"
cmp -s "$RUN/report.txt" "$SB_TESTS/fixtures/run-small/report.txt" && ok "report.txt regenerated, byte for byte" ||
	bad "report.txt differs: $(diff "$SB_TESTS/fixtures/run-small/report.txt" "$RUN/report.txt" | head -5)"
[ "$ghost" -gt 0 ] && { grep -q "$ghost ghost connections" "$H" && ok "ghost finding" || bad "no ghost finding for $ghost"; }

echo "bad input"
"$SYNBENCH" plot "$WORK/nonexistent" 2>/dev/null
check "missing dir" "$?" -eq 2
"$SYNBENCH" plot 2>/dev/null
check "no dir" "$?" -eq 2
SYNBENCH_GNUPLOT=/nonexistent/gnuplot "$SYNBENCH" plot "$RUN" 2>"$WORK/err"
check "no gnuplot" "$?" -eq 2
grep -q "gnuplot not found; install it with apt-get install gnuplot-nox, or pass --no-plot" "$WORK/err" &&
	ok "no gnuplot: message" || bad "no gnuplot: message: $(cat "$WORK/err")"
SYNBENCH_GNUPLOT=/nonexistent/gnuplot "$SYNBENCH" plot --no-plot "$RUN"
check "--no-plot without gnuplot" "$?" -eq 0
"$SYNBENCH" plot "$RUN" >/dev/null 2>&1 # restore the plots for the screenshot
BAD="$WORK/bad"
mkdir -p "$BAD" && cp "$SB_TESTS/fixtures/run-small/connections.csv" "$BAD/"
printf '{"schema": 1, "latency_us": [}\n' >"$BAD/summary.json"
"$SYNBENCH" plot --no-plot "$BAD" >/dev/null 2>"$WORK/err"
check "malformed summary.json" "$?" -eq 2
[ "$(wc -l <"$WORK/err")" = 1 ] && grep -q "$BAD/summary.json" "$WORK/err" &&
	ok "one line naming summary.json" || bad "error: $(cat "$WORK/err")"
ls "$BAD" | grep -Eq 'report|tmp|plots' && bad "written despite bad input: $(ls "$BAD")" ||
	ok "nothing written"

echo "screenshot"
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROME" ] || { [ "$failures" -gt 0 ] && finish; skip "chromium missing: no screenshot"; }
SHOT="${SB_REPORT_SHOT:-$WORK/report.png}"
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$WORK/chrome" --screenshot="$SHOT" --window-size=1280,4000 \
	"file://$H" >"$WORK/chrome.log" 2>&1
if is_png "$SHOT" && [ "$(size "$SHOT")" -gt 100000 ]; then
	ok "screenshot $SHOT ($(size "$SHOT") bytes)"
else
	bad "screenshot missing or trivial: $(tail -3 "$WORK/chrome.log")"
fi
finish
