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
finish
