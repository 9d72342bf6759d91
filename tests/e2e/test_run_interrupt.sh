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
