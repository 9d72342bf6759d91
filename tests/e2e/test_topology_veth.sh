# --topology veth on any kernel: client and server in two namespaces joined
# by a veth pair. A backlog-5 burst must join 100% with every per-side
# identity exact (each namespace's MIB against the probes of that side);
# bad network options are one-line errors (exit 2, nothing written), and
. "$SB_TESTS/e2e/lib.sh"
need_root

out="$WORK/veth"
run_exact "$out" "$WORK/stdout" timeout 300 "$SYNBENCH" --topology veth --conns 3000 --backlog 5 \
	--no-plot --max-time 120
check "exit" "$?" -eq 0
s="$out/summary.json"
check "join rate" "$(jqv "$s" .join_rate)" = 1
check "lost events" "$(jqv "$s" .lost_events)" -eq "$(jqv "$s" .probes.missed_events)"
for id in client_established syn_retransmits client_syn_retransmits server_synack_retransmits \
	client_active_opens server_active_opens; do
	check "identity $id" "$(jqv "$s" ".reconciliation.identities.$id.status")" = holds
done
# the numbers behind the identities, from the two namespaces' own MIBs
check "client ActiveOpens = 3000 connects" "$(jqv "$s" .client_kernel_counters.ActiveOpens)" -eq 3000
check "server ActiveOpens" "$(jqv "$s" .kernel_counters.ActiveOpens)" -eq 0
check "client PassiveOpens" "$(jqv "$s" .client_kernel_counters.PassiveOpens)" -eq 0
# before Linux 6.18 the tracepoint misses a SYN retransmit that failed to
# leave (the server's backlog full: -ENOBUFS from the veth); TCPRetransFail
# counts those
check "client TCPSynRetrans = probe SYN retransmits (+ untraced failures before 6.18)" \
	"$(jqv "$s" .client_kernel_counters.TCPSynRetrans)" -eq \
	"$(jqv "$s" '.reconciliation.client | .probe_syn_retransmits + (if .retransmit_failures_traced then 0 else .mib_retrans_fail end)')"
check "server TCPSynRetrans = probe SYN-ACK retransmits" \
	"$(jqv "$s" .kernel_counters.TCPSynRetrans)" -eq "$(jqv "$s" .reconciliation.server.probe_synack_retransmits)"
check "no SYN retransmit in the server namespace" "$(jqv "$s" .reconciliation.server.probe_syn_retransmits)" -eq 0
check "no SYN-ACK retransmit in the client namespace" "$(jqv "$s" .reconciliation.client.probe_synack_retransmits)" -eq 0
# a backlog-5 burst overflows the listener: the client side retransmits SYNs
check "client SYN retransmits" "$(jqv "$s" .reconciliation.client.probe_syn_retransmits)" -gt 0
check "server ListenOverflows" "$(jqv "$s" .kernel_counters.ListenOverflows)" -gt 0
check "client ListenOverflows" "$(jqv "$s" .client_kernel_counters.ListenOverflows)" -eq 0
check "two namespaces" "$(jqv "$out/config.json" '.client_netns_inode != .netns_inode')" = true
check "topology option" "$(jqv "$out/config.json" .options.topology)" = veth
grep -q "^per side: client SYN retransmits" "$WORK/stdout" && ok "per-side line printed" || bad "no per-side line"
# each connection its own 4-tuple: 3000 connections stay inside one wrap of
# the threads' port shares, so no local port repeats
n=$(column lport "$out/connections.csv" | sort -u | wc -l)
check "distinct client ports" "$n" -eq 3000
if [ "$failures" -gt 0 ]; then # what the identities saw, for the report
	jq -c '{client: .reconciliation.client, server: .reconciliation.server,
		cmib: .client_kernel_counters, missed: .probes.missed_events,
		softnet: .softnet, warnings: .reconciliation.warnings}' "$s"
fi
# nothing left in the host namespace
ip link show sb-srv >/dev/null 2>&1 && bad "sb-srv left in the host namespace" || ok "no veth in the host namespace"

# bad input: exit 2, one line, nothing written
for args in "--delay 20" "--loss 5" "--rate-limit 10" "--topology veth --ipv6" \
	"--topology veth --dests 4" "--topology veth --delay 0" "--topology veth --delay 20,30" \
	"--topology veth --loss 101" "--topology wire" "--topology veth --target 127.0.0.1:80"; do
	# shellcheck disable=SC2086
	"$SYNBENCH" $args --conns 10 --out "$WORK/bad" >"$WORK/bo" 2>"$WORK/be"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/be")" -eq 1 ] && [ ! -e "$WORK/bad" ]; then
		ok "$args: exit 2, one line: $(cat "$WORK/be")"
	else
		bad "$args: rc $rc, $(wc -l <"$WORK/be") lines, $(ls -d "$WORK/bad" 2>/dev/null)"
	fi
done

# the seed experiment in two-host form: the same kernel facts hold
cmd_exact 5201 "$WORK/exp" timeout 120 "$SYNBENCH" experiment listen-no-accept --topology veth
rc=$?
check "experiment listen-no-accept --topology veth: exit" "$rc" -eq 0
[ "$rc" -eq 0 ] || grep FAIL "$WORK/exp"
# (SYN_RECV -> ESTABLISHED: before 6.15 LISTEN -> SYN_RECV still carries
# the listener's addresses, docs/kernel-facts.md, fact 17)
grep -q "198.18.0.1  *5201  *198.18.0.2 .*SYN_RECV  *-> ESTABLISHED" "$WORK/exp" &&
	ok "server timeline from the server namespace (198.18.0.1:5201)" || bad "no server timeline on 198.18.0.1"
"$SYNBENCH" experiment listen-no-accept --topology wire >"$WORK/exp" 2>"$WORK/expe"
check "experiment --topology wire: exit" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/expe")" -eq 1

finish
