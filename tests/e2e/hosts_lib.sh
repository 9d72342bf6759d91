# Hosts in one box for the tests across machines (POSIX sh; source after
# lib.sh): a server namespace with 198.18.0.1 on lo, and client namespaces
# each on its own veth pair (198.18.K.2 <-> 198.18.K.1 on the server side)
# with a route to 198.18.0.1. Names carry this shell's PID; everything made
# here goes at exit (namespaces deleted, our sshd ended by its PID).
HOSTS_PFX="sbh$$"
SRV_NS="${HOSTS_PFX}srv"
HOSTS_NS=""
SSHD_PID=""

hosts_cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	for ns in $HOSTS_NS; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap hosts_cleanup EXIT

# hosts_make N: the server namespace and N client namespaces cli1..cliN
# ($HOSTS_PFX"cli"K); exits the test on failure.
hosts_make() {
	ip netns add "$SRV_NS" || { echo "FAIL: cannot create namespace $SRV_NS"; exit 1; }
	HOSTS_NS="$SRV_NS"
	ip -n "$SRV_NS" link set lo up
	ip -n "$SRV_NS" addr add 198.18.0.1/32 dev lo
	k=1
	while [ "$k" -le "$1" ]; do
		ns="${HOSTS_PFX}cli$k"
		ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }
		HOSTS_NS="$HOSTS_NS $ns"
		ip link add "h$$s$k" type veth peer name "h$$c$k" &&
			ip link set "h$$s$k" netns "$SRV_NS" && ip link set "h$$c$k" netns "$ns" &&
			ip -n "$SRV_NS" addr add "198.18.$k.1/24" dev "h$$s$k" &&
			ip -n "$SRV_NS" link set "h$$s$k" up &&
			ip -n "$ns" link set lo up &&
			ip -n "$ns" addr add "198.18.$k.2/24" dev "h$$c$k" &&
			ip -n "$ns" link set "h$$c$k" up &&
			ip -n "$ns" route add 198.18.0.1/32 via "198.18.$k.1" ||
			{ echo "FAIL: cannot link $ns to $SRV_NS"; exit 1; }
		k=$((k + 1))
	done
}

# hosts_sshd: sshd in the server namespace on 198.18.0.1:22 with throwaway
# keys; sets SSH_VIA (the --server-via command for root@198.18.0.1).
hosts_sshd() {
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$WORK/key" ||
		{ echo "FAIL: ssh-keygen failed (openssh-client: scripts/deps.sh --test)"; exit 1; }
	cp "$WORK/key.pub" "$WORK/authorized_keys"
	mkdir -p /run/sshd # its privilege separation directory
	ip netns exec "$SRV_NS" /usr/sbin/sshd -D -e -f /dev/null -o ListenAddress=198.18.0.1 \
		-o HostKey="$WORK/hostkey" -o AuthorizedKeysFile="$WORK/authorized_keys" \
		-o PermitRootLogin=prohibit-password -o StrictModes=no -o PidFile=none -o UsePAM=no \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no 2>"$WORK/sshd.log" &
	SSHD_PID=$!
	SSH_OPTS="-T -i $WORK/key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR"
	SSH_VIA="ssh $SSH_OPTS root@198.18.0.1"
	i=0
	while ! ip netns exec "$SRV_NS" ss -Hltn 'sport = :22' | grep -q .; do
		i=$((i + 1))
		[ "$i" -gt 100 ] && { echo "FAIL: sshd did not listen: $(cat "$WORK/sshd.log")"; exit 1; }
		sleep 0.1
	done
}

# bpf_progs: how many synbench BPF programs are loaded now
bpf_progs() {
	bpftool prog show 2>/dev/null | grep -Ec 'name (btf|raw|tp)_(set_state|retransmit|synack|drop)' || true
}

# check_host_identities SUMMARY: the per-host identities of a run with one
# client host (hosts[0]) and the server (hosts[1]), each by name; the
# server's overflow identity may be skipped on a kernel without the
# TCP_LISTEN_OVERFLOW drop reason (before 6.15), and says why.
check_host_identities() {
	# the retransmit identities: exact, or short by what the observer saw
	# on PID 1's threads (lib.sh, check_attested)
	check_attested "client host: client_syn_retransmits (probe = kernel)" \
		"$(jqv "$1" ".hosts[0].identities.client_syn_retransmits.probe")" \
		"$(jqv "$1" ".hosts[0].identities.client_syn_retransmits.kernel")" RETRANSMIT SYN
	check_attested "server host: server_synack_retransmits (probe = kernel)" \
		"$(jqv "$1" ".hosts[1].identities.server_synack_retransmits.probe")" \
		"$(jqv "$1" ".hosts[1].identities.server_synack_retransmits.kernel")" RETRANSMIT SYNACK
	check "client host: client_active_opens" "$(jqv "$1" ".hosts[0].identities.client_active_opens.status")" = holds
	check "server host: server_active_opens" "$(jqv "$1" ".hosts[1].identities.server_active_opens.status")" = holds
	check "server overflowed" "$(jqv "$1" '.hosts[1].kernel_counters.ListenOverflows')" -gt 0
	if [ "$(jqv "$1" '.hosts[1].identities.listener_drops.status')" = skipped ]; then
		ok "server overflow identity skipped on this kernel: $(jqv "$1" '.hosts[1].identities.listener_drops.reason')"
	else
		check "server: listener drops (probe) = ListenDrops + overflow skb drops" \
			"$(jqv "$1" '.hosts[1].identities.listener_drops.probe')" -eq "$(jqv "$1" '.hosts[1].identities.listener_drops.kernel')"
		check "  and it holds" "$(jqv "$1" '.hosts[1].identities.listener_drops.status')" = holds
	fi
}
