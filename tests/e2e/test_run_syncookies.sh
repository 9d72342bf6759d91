# syncookies=1 burst against a slow acceptor (docs/kernel-facts.md, fact 4): ghost
# connections (client ESTABLISHED, no server socket) appear, each backed by
# a cookie ACK the server could not turn into a socket.
. "$SB_TESTS/e2e/lib.sh"
need_root

out="$WORK/run"
run_exact "$out" "$WORK/run.log" "$SYNBENCH" --conns 2000 --backlog 5 --accept delay:1 --syncookies 1 \
	--connect-timeout 3000 --no-plot --quiet
check "exit" "$?" -eq 0
s="$out/summary.json"
g=$(jqv "$s" .outcomes.ghost)
check "ghosts > 0" "$g" -gt 0
check "SyncookiesSent > 0" "$(jqv "$s" .kernel_counters.SyncookiesSent)" -gt 0
check "ghosts <= SyncookiesRecv" "$g" -le "$(jqv "$s" .kernel_counters.SyncookiesRecv)"
check "ghosts <= ListenOverflows" "$g" -le "$(jqv "$s" .kernel_counters.ListenOverflows)"
check "join rate" "$(jqv "$s" .join_rate)" = 1
check "lost events" "$(jqv "$s" .lost_events)" -eq 0
check "TCPSynRetrans = SYN + SYN-ACK retransmits" "$(jqv "$s" .kernel_counters.TCPSynRetrans)" -eq \
	"$(jqv "$s" '.probes.syn_retransmits + .probes.synack_retransmits')"
finish
