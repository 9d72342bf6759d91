# Why client connections failed (issue 27): the kernel's cause, sk_err as the
# client socket entered CLOSE, split in summary.json failure_causes and
# connections.csv k_fail_cause, each checked against the namespace's own
# counters (docs/kernel-facts.md, fact 39):
#  1. listen(3), never accept, syncookies 0, --connect-timeout 200: the 16
#     clients beyond B+1 are closed by synbench in SYN_SENT before the
#     kernel gives up: aborted, AttemptFails 0;
#  2. the same with --syn-retries 1 and a connect timeout longer than the
#     kernel's: its SYN retries run out: timeout = AttemptFails =
#     TCPAbortOnTimeout = 16;
#  3. --target a port nothing listens on (the server listens on another
#     address of it): refused = AttemptFails = OutRsts = 20;
#  4. --abort-on-overflow, two threads at 4,000 connects/s, accept every 1 ms:
#     ACKs that meet the full accept queue are answered with an RST: reset =
#     EmbryonicRsts (a race of microseconds: measured 43-63 of 4,000);
#  5. bench watch in a namespace of this test's own (lib.sh own_netns), 20
#     Python connects to a closed port: refused = AttemptFails = 20;
#  6. the same under bench watch --serve, scraped: synbench_client_failures_total
#     {cause="refused"} 20 = AttemptFails gained, both identities 1.
. "$SB_TESTS/e2e/lib.sh"
need_root

# causes SUMMARY: the six counts on one line (for the log)
causes() { jq -c .failure_causes "$1"; }
# csv_count CSV CAUSE: rows whose k_fail_cause is CAUSE
csv_count() { column k_fail_cause "$1" | grep -cx "$2"; }

echo "1. --accept none --connect-timeout 200: synbench closes them (aborted)"
out="$WORK/abort"
run_exact "$out" "$WORK/abort.log" "$SYNBENCH" --threads 1 --conns 20 --backlog 3 --accept none \
	--syncookies 0 --connect-timeout 200 --no-plot --quiet
check "exit" "$?" -eq 0
s="$out/summary.json"
causes "$s"
check "user-side timeouts" "$(jqv "$s" .outcomes.timeout)" -eq 16
check "aborted by the application (synbench's own timeout)" \
	"$(jqv "$s" .failure_causes.aborted)" -eq 16
check "kernel timeouts" "$(jqv "$s" .failure_causes.timeout)" -eq 0
check "Tcp AttemptFails (an application's close is not one)" \
	"$(jqv "$s" .kernel_counters.AttemptFails)" -eq 0
check "aborted = ActiveOpens - client ESTABLISHED - AttemptFails" \
	"$(jqv "$s" .failure_causes.aborted)" -eq \
	"$(jqv "$s" '.kernel_counters.ActiveOpens - .reconciliation.client_established - .kernel_counters.AttemptFails')"
check "attempt_fails identity" "$(jqv "$s" .reconciliation.identities.attempt_fails.status)" = holds
check "connections.csv: 16 aborted" "$(csv_count "$out/connections.csv" aborted)" -eq 16

echo "2. --syn-retries 1 --connect-timeout 6000: the kernel gives up (timeout)"
out="$WORK/timeout"
run_exact "$out" "$WORK/timeout.log" "$SYNBENCH" --threads 1 --conns 20 --backlog 3 --accept none \
	--syncookies 0 --syn-retries 1 --connect-timeout 6000 --no-plot --quiet
check "exit" "$?" -eq 0
s="$out/summary.json"
causes "$s"
check "timed out (ETIMEDOUT)" "$(jqv "$s" .failure_causes.timeout)" -eq 16
check "= Tcp AttemptFails" "$(jqv "$s" .kernel_counters.AttemptFails)" -eq 16
check "= TcpExt TCPAbortOnTimeout" "$(jqv "$s" .kernel_counters.TCPAbortOnTimeout)" -eq 16
check "none aborted" "$(jqv "$s" .failure_causes.aborted)" -eq 0
check "attempt_fails identity" "$(jqv "$s" .reconciliation.identities.attempt_fails.status)" = holds
check "connections.csv: 16 timeout" "$(csv_count "$out/connections.csv" timeout)" -eq 16

echo "3. --target 127.0.0.1:8081, the server on 127.0.0.2:8081 only: refused"
out="$WORK/refused"
run_exact "$out" "$WORK/refused.log" "$SYNBENCH" --threads 1 --conns 20 --target 127.0.0.1:8081 \
	--server-cmd "exec python3 -c 'import socket, time; s = socket.socket(); \
s.bind((\"127.0.0.2\", 8081)); s.listen(5); time.sleep(600)'" --no-plot --quiet
check "exit" "$?" -eq 0
s="$out/summary.json"
causes "$s"
check "refused (ECONNREFUSED)" "$(jqv "$s" .failure_causes.refused)" -eq 20
check "user-side refused" "$(jqv "$s" .outcomes.refused)" -eq 20
check "= Tcp AttemptFails" "$(jqv "$s" .kernel_counters.AttemptFails)" -eq 20
check "= Tcp OutRsts (the namespace's RSTs to the SYNs)" "$(jqv "$s" .kernel_counters.OutRsts)" -eq 20
check "attempt_fails identity" "$(jqv "$s" .reconciliation.identities.attempt_fails.status)" = holds
check "connections.csv: 20 refused" "$(csv_count "$out/connections.csv" refused)" -eq 20

echo "4. --abort-on-overflow: reset after the SYN-ACK"
out="$WORK/reset"
run_exact "$out" "$WORK/reset.log" "$SYNBENCH" --threads 2 --conns 4000 --rate 4000 --backlog 5 \
	--accept delay:1 --syncookies 0 --abort-on-overflow --connect-timeout 1500 --no-plot --quiet
check "exit" "$?" -eq 0
s="$out/summary.json"
causes "$s"
rst=$(jqv "$s" .kernel_counters.EmbryonicRsts)
check "resets happened (measured 43-63 of 4000)" "$(jqv "$s" .failure_causes.reset)" -gt 0
check "reset = TcpExt EmbryonicRsts" "$(jqv "$s" .failure_causes.reset)" -eq "$rst"
check "= outcomes.reset" "$(jqv "$s" .outcomes.reset)" -eq "$rst"
# a client that closed at once may have sent its FIN before the RST came
# (FIN_WAIT1 -> CLOSE: no EstabResets, its application saw no error; 6 of
# 4,000 on 6.1 under TCG); the others were ESTABLISHED
closed_first=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "k_fail_cause") c = i; if ($i == "user_outcome") u = i }; next }
	$c == "reset" && $u == "ok" { n++ } END { print n + 0 }' "$out/connections.csv")
echo "  resets of clients that had closed first: $closed_first"
check "= Tcp EstabResets + those that had closed first" \
	"$(($(jqv "$s" .kernel_counters.EstabResets) + closed_first))" -eq "$rst"
check "= user-side resets + those that had closed first" \
	"$(($(column user_outcome "$out/connections.csv" | grep -cx reset) + closed_first))" -eq "$rst"
check "embryonic_rsts identity" "$(jqv "$s" .reconciliation.identities.embryonic_rsts.status)" = holds
check "attempt_fails identity" "$(jqv "$s" .reconciliation.identities.attempt_fails.status)" = holds
check "connections.csv: the resets" "$(csv_count "$out/connections.csv" reset)" -eq "$rst"

echo "5. bench watch: 20 connects to a closed port in a namespace of our own"
command -v curl >/dev/null || { echo "SKIP: curl missing (scripts/deps.sh --test installs it)"; exit 77; }
own_netns sbfc
# wait_started ERR: back once the watch ($WATCH) logged that it watches
wait_started() {
	i=0
	until grep -q "synbench: watching" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$WATCH" 2>/dev/null; then
			bad "the watch did not start: $(cat "$1")"
			finish
		fi
		sleep 0.1
	done
}
out="$WORK/watch"
"$SYNBENCH" watch --netns "$NS" --no-plot --quiet --out "$out" >"$WORK/watch.out" 2>"$WORK/watch.err" &
WATCH=$!
PIDS="$PIDS $WATCH"
wait_started "$WORK/watch.err"
af0=$(mib Tcp AttemptFails)
res=$(in_ns python3 "$SB_TESTS/e2e/watch_clients.py" 20 8001 2)
echo "  clients: $res"
sleep 1
kill -INT "$WATCH"
wait "$WATCH"
check "watch exit" "$?" -eq 0
s="$out/summary.json"
causes "$s"
check "failed" "$(jqv "$s" .outcomes.failed)" -eq 20
check "refused" "$(jqv "$s" .failure_causes.refused)" -eq 20
check "= Tcp AttemptFails" "$(jqv "$s" .kernel_counters.AttemptFails)" -eq 20
check "  (the namespace's own, read apart)" "$(($(mib Tcp AttemptFails) - af0))" -eq 20
check "attempt_fails identity" "$(jqv "$s" .reconciliation.identities.attempt_fails.status)" = holds
check "embryonic_rsts identity" "$(jqv "$s" .reconciliation.identities.embryonic_rsts.status)" = holds
check "connections.csv: 20 refused" "$(csv_count "$out/connections.csv" refused)" -eq 20

echo "6. bench watch --serve: the same 20, scraped"
E=$((20000 + $$ % 20000))
"$SYNBENCH" watch --netns "$NS" --serve "127.0.0.1:$E" >"$WORK/serve.out" 2>"$WORK/serve.err" &
WATCH=$!
PIDS="$PIDS $WATCH"
wait_started "$WORK/serve.err"
af0=$(mib Tcp AttemptFails)
res=$(in_ns python3 "$SB_TESTS/e2e/watch_clients.py" 20 8001 2)
echo "  clients: $res"
sleep 2
in_ns curl -sf --max-time 5 "http://127.0.0.1:$E/metrics" >"$WORK/metrics.txt" || bad "GET /metrics"
kill -INT "$WATCH"
wait "$WATCH"
metric() { awk -v k="$1" 'index($0, k) == 1 { print $NF }' "$WORK/metrics.txt"; }
grep '^synbench_client_failures_total\|identity="attempt_fails"\|identity="embryonic_rsts"' "$WORK/metrics.txt"
check "failures{cause=refused}" \
	"$(metric "synbench_client_failures_total{netns=\"$NS\",cause=\"refused\"}")" -eq 20
check "= AttemptFails gained" "$(($(mib Tcp AttemptFails) - af0))" -eq 20
check "outcomes{outcome=failed}" \
	"$(metric "synbench_client_outcomes_total{netns=\"$NS\",outcome=\"failed\"}")" -eq 20
check "identity attempt_fails holds" \
	"$(metric "synbench_identity_holds{netns=\"$NS\",identity=\"attempt_fails\"}")" -eq 1
check "identity embryonic_rsts holds" \
	"$(metric "synbench_identity_holds{netns=\"$NS\",identity=\"embryonic_rsts\"}")" -eq 1
finish
