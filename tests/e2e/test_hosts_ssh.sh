# Across machines over ssh, the transport of real deployments: openssh's
# sshd in the server namespace on 198.18.0.1 with a throwaway key, the
# coordinator in a client namespace (tests/e2e/hosts_lib.sh).
#  1. --server-via 'ssh -T ... root@198.18.0.1', 10,000 connections at
#     backlog 5: join 100% across hosts (every server child by 4-tuple +
#     ISN), each host's identities exact, the server's overflow counters
#     equal to its probes'.
#  2. an ssh that cannot connect: one line naming the host and ssh's
#     reason, exit 2, nothing written.
. "$SB_TESTS/e2e/lib.sh"
. "$SB_TESTS/e2e/hosts_lib.sh"
need_root
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null || {
	echo "FAIL: openssh-server and openssh-client missing (scripts/deps.sh --test installs them)"
	exit 1
}
hosts_make 1
hosts_sshd
CLI1="${HOSTS_PFX}cli1"

echo "1. --server-via ssh, 10000 connections at backlog 5"
out="$WORK/ssh"
run_exact "$out" "$WORK/ssh.out" "$SYNBENCH" --netns "$CLI1" --server-via "$SSH_VIA" --server-addr 198.18.0.1 \
	--remote-bin "$SYNBENCH" --conns 10000 --backlog 5 --syncookies 0 --no-plot
rc=$?
check "exit" "$rc" -eq 0
[ "$rc" = 0 ] || tail -5 "$WORK/ssh.out"
s="$out/summary.json"
check "hosts" "$(jqv "$s" '.hosts | length')" -eq 2
check "server reached over ssh" "$(jqv "$s" '.hosts[1].via')" = "$SSH_VIA"
check "rows" "$(($(wc -l <"$out/connections.csv") - 1))" -eq 10000
check "join rate across hosts" "$(jqv "$s" .join_rate)" = 1
check "server children" "$(jqv "$s" .reconciliation.kernel_children)" -gt 0
check "every server child joined by 4-tuple + ISN" "$(jqv "$s" .reconciliation.kernel_children_by_isn)" -eq "$(jqv "$s" .reconciliation.kernel_children)"
check_attested "every accept joined (through its child)" "$(jqv "$s" .reconciliation.accepts_unmatched)" 0 \
	SYN_RECV ESTABLISHED
check_attested "accepted = the server's accepts" "$(jqv "$s" .outcomes.accepted)" "$(jqv "$s" '.hosts[1].accepts')" \
	SYN_RECV ESTABLISHED
check_host_identities "$s"
check "no synbench serve left" "$(pgrep -f "$SYNBENCH serve" | wc -l)" -eq 0

echo "2. an ssh that cannot connect"
out="$WORK/nossh"
"$SYNBENCH" --netns "$CLI1" --server-via "ssh $SSH_OPTS root@198.18.0.9" --server-addr 198.18.0.9 \
	--remote-bin "$SYNBENCH" --conns 100 --no-plot --out "$out" >"$WORK/nossh.out" 2>"$WORK/nossh.err"
check "exit" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/nossh.err")" -eq 1
grep -q "host server (ssh .*root@198.18.0.9).*ssh: connect to host 198.18.0.9" "$WORK/nossh.err" &&
	ok "names the host and ssh's reason: $(cat "$WORK/nossh.err")" || bad "$(cat "$WORK/nossh.err")"
[ -e "$out" ] && bad "$out written" || ok "nothing written"
finish
