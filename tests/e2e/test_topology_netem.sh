# --topology veth --delay / --loss where the kernel has sch_netem (Debian's
# 6.1 and 6.12 do); on a kernel without it (this project's 6.18 host), the
# one-line error naming netem and CONFIG_NET_SCH_NETEM, exit 2, nothing written.
# The handshake cannot beat the configured RTT (netem holds each packet for
# half of it, each way): p50 >= 20 ms exactly, and within 10% above it
# natively. Under 5% loss, the SYNs the client retransmits are exactly its
# namespace's TCPSynRetrans.
. "$SB_TESTS/e2e/lib.sh"
need_root
if ! unshare -n tc qdisc add dev lo root netem delay 1ms >/dev/null 2>&1; then
	# no netem (this project's 6.18 host): the one-line error before anything
	"$SYNBENCH" --topology veth --delay 20 --conns 10 --out "$WORK/nonetem" >"$WORK/no" 2>"$WORK/ne"
	check "--delay without netem: exit" "$?" -eq 2
	check "one line" "$(wc -l <"$WORK/ne")" -eq 1
	grep -q "netem" "$WORK/ne" && grep -q "CONFIG_NET_SCH_NETEM" "$WORK/ne" &&
		ok "names netem and CONFIG_NET_SCH_NETEM: $(cat "$WORK/ne")" || bad "message: $(cat "$WORK/ne")"
	[ -e "$WORK/nonetem" ] && bad "result directory written" || ok "nothing written"
	[ -s "$WORK/no" ] && bad "stdout not empty" || ok "stdout empty"
	finish
fi

out="$WORK/delay"
timeout 300 "$SYNBENCH" --topology veth --delay 20 --conns 300 --rate 200 --backlog 128 \
	--no-plot --out "$out" >"$WORK/stdout" 2>"$WORK/stderr"
check "--delay 20: exit" "$?" -eq 0
s="$out/summary.json"
check "join rate" "$(jqv "$s" .join_rate)" = 1
p50=$(jqv "$s" '.latency_us.kernel_handshake.p50 | floor')
min=$(jqv "$s" '.latency_us.kernel_handshake.min | floor')
check "handshake min >= configured RTT 20 ms" "$min" -ge 20000
check "handshake p50 >= 20 ms" "$p50" -ge 20000
if [ -z "${SB_EMULATED:-}" ]; then
	check "handshake p50 within 10% above 20 ms" "$p50" -le 22000
else
	ok "handshake p50 $p50 us (not bounded above under emulation)"
fi
grep -q "x configured RTT" "$out/report.md" && ok "finding names the RTT" || bad "no RTT finding"

out="$WORK/loss"
timeout 300 "$SYNBENCH" --topology veth --loss 5 --conns 1000 --backlog 128 --syn-retries 6 \
	--no-plot --out "$out" >"$WORK/stdout" 2>"$WORK/stderr"
check "--loss 5: exit" "$?" -eq 0
s="$out/summary.json"
c=$(jqv "$s" .reconciliation.client.probe_syn_retransmits)
check "SYN retransmits under 5% loss" "$c" -gt 0
check "client TCPSynRetrans = probe SYN retransmits (+ untraced failures before 6.18)" \
	"$(jqv "$s" .client_kernel_counters.TCPSynRetrans)" -eq \
	"$(jqv "$s" '.reconciliation.client | .probe_syn_retransmits + (if .retransmit_failures_traced then 0 else .mib_retrans_fail end)')"
check "server TCPSynRetrans = probe SYN-ACK retransmits" \
	"$(jqv "$s" .kernel_counters.TCPSynRetrans)" -eq "$(jqv "$s" .reconciliation.server.probe_synack_retransmits)"
for id in client_syn_retransmits server_synack_retransmits client_active_opens server_active_opens; do
	check "identity $id" "$(jqv "$s" ".reconciliation.identities.$id.status")" = holds
done
finish
