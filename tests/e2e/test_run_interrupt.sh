# SIGINT in the middle of a run: probes detached, results written and
# marked interrupted, exit 130.
. "$SB_TESTS/e2e/lib.sh"
need_root

out="$WORK/run"
"$SYNBENCH" --conns 200 --concurrency 20 --backlog 0 --accept none --syncookies 0 \
	--connect-timeout 20000 --no-plot --quiet --out "$out" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
check "exit" "$rc" -eq 130
check "summary written" "$( [ -s "$out/summary.json" ] && echo 1 || echo 0)" -eq 1
check "marked interrupted" "$(jqv "$out/summary.json" .interrupted)" = true
check "connections.csv written" "$( [ -s "$out/connections.csv" ] && echo 1 || echo 0)" -eq 1
check "stop_reason" "$(jqv "$out/summary.json" .stop_reason)" = signal

# SIGTERM after the load, while the records are analyzed (in parts: a
# small --record-memory) or the reports rendered: out within 5 s, the result
# files written and marked, exit 130
n=200000
[ -n "${SB_EMULATED:-}" ] && n=20000
out="$WORK/late"
"$SYNBENCH" --conns "$n" --mode crr --concurrency 64 --record-memory 1 --quiet \
	--out "$out" >"$WORK/late.out" 2>&1 &
pid=$!
i=0
while [ ! -d "$out" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "SIGTERM after the load: exit" "$rc" -eq 130
check "SIGTERM after the load: out within 5 s (ms)" "$ms" -le 5000
# the signal meets the analysis (the summary covers the parts analyzed and
# says it was interrupted) or, on a slow machine, the rendering after a
# complete summary (then the summary is whole and not marked; the plots
# and reports stop)
if [ "$(jqv "$out/summary.json" .interrupted)" = true ]; then
	echo "  (the signal stopped the analysis)"
	check "SIGTERM after the load: stop_reason" "$(jqv "$out/summary.json" .stop_reason)" = signal
	check "SIGTERM after the load: parts analyzed <= parts" "$(jqv "$out/summary.json" '.analysis.parts_analyzed <= .analysis.parts')" = true
else
	echo "  (the signal stopped the rendering)"
	check "SIGTERM while rendering: the summary is complete" "$(jqv "$out/summary.json" '.stop_reason == "complete" and .analysis.parts_analyzed == .analysis.parts')" = true
fi
grep -q "bench plot" "$WORK/late.out" && ok "says how to make the reports" || bad "said: $(cat "$WORK/late.out")"

# a run its --max-time ends before it started or finished every connection
# says so: stop_reason, a warning, and bench compare refuses it as NEW
out="$WORK/short"
"$SYNBENCH" --conns 2000 --rate 100 --max-time 2 --no-plot --out "$out" >"$WORK/short.out" 2>&1
check "--max-time: exit" "$?" -eq 0
check "--max-time: not interrupted" "$(jqv "$out/summary.json" .interrupted)" = false
check "--max-time: stop_reason" "$(jqv "$out/summary.json" .stop_reason)" = max_time
started=$(jqv "$out/summary.json" .conns_started)
check "--max-time: fewer started than asked" "$started" -lt 2000
grep -q "warning: stopped by --max-time 2 s: $started of 2000 connections started" "$WORK/short.out" &&
	ok "--max-time: a warning says so" || bad "no warning: $(grep -i warn "$WORK/short.out")"
"$SYNBENCH" compare "$out" "$out" >"$WORK/cmp.out" 2>&1
check "compare refuses a truncated BASE" "$?" -eq 2
grep -q "stopped early (max_time)" "$WORK/cmp.out" && ok "compare names it" || bad "compare said: $(cat "$WORK/cmp.out")"
finish
