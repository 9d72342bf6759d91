#!/bin/sh
# desc: tcp_abort_on_overflow=1 resets handshakes whose ACK meets a full accept queue; SYNs stay silent
# docs/kernel-facts.md, facts 2, 4 and 5.
. "$(dirname "$0")/_lib.sh"

N=2000
B=5
common="--conns $N --backlog $B --accept delay:1 --connect-timeout 1500"
echo "== $N connects at once, listen($B), accept() every 1 ms, tcp_syncookies=0,"
echo "   tcp_abort_on_overflow=0 (the default)"
# shellcheck disable=SC2086
run ab0 $common --syncookies 0
rsts=$(j ab0 .kernel_counters.EmbryonicRsts)
reset=$(j ab0 .outcomes.reset)
lo=$(j ab0 '.probes.drops_by_reason.TCP_LISTEN_OVERFLOW')
tmo=$(j ab0 .outcomes.timeout)
ovf=$(j ab0 .kernel_counters.ListenOverflows)
echo "  EmbryonicRsts $rsts, client resets $reset, kfree_skb TCP_LISTEN_OVERFLOW $lo,"
echo "  ListenOverflows $ovf, clients timed out in SYN_SENT $tmo"
echo "  SYNs that meet a full accept queue are dropped in silence. The $lo final"
echo "  ACK(s) that reached a request socket while the accept queue was full were"
echo "  dropped too (TCP_LISTEN_OVERFLOW; the request socket stays for a SYN-ACK"
echo "  retransmit). Nobody is told."
expect_eq "EmbryonicRsts" 0 "$rsts"
expect_eq "client resets" 0 "$reset"
expect_gt "SYNs dropped silently: clients timed out" 0 "$tmo"
echo
echo "== the same with tcp_abort_on_overflow=1"
echo "   (an ACK must reach a request socket just as the accept queue fills: a"
echo "   race of a few microseconds, so up to 8 bursts are tried until one hits)"
try=1
while :; do
	# shellcheck disable=SC2086
	run ab1 $common --syncookies 0 --abort-on-overflow
	rsts=$(j ab1 .kernel_counters.EmbryonicRsts)
	reset=$(j ab1 .outcomes.reset)
	lo=$(j ab1 '.probes.drops_by_reason.TCP_LISTEN_OVERFLOW')
	tmo=$(j ab1 .outcomes.timeout)
	ovf=$(j ab1 .kernel_counters.ListenOverflows)
	echo "  burst $try: EmbryonicRsts $rsts, client resets $reset, kfree_skb"
	echo "    TCP_LISTEN_OVERFLOW $lo, ListenOverflows $ovf, timed out in SYN_SENT $tmo"
	expect_ge "client resets <= EmbryonicRsts" "$reset" "$rsts"
	[ "$rsts" -gt 0 ] || [ $try -ge 8 ] && break
	try=$((try + 1))
	rm -rf "$work/ab1"
done
echo "  The ACKs that would have been dropped are answered with a RST"
echo "  (EmbryonicRsts): those clients, already ESTABLISHED, see ECONNRESET. SYNs"
echo "  that meet the full queue are still dropped silently (tcp_conn_request"
echo "  never looks at tcp_abort_on_overflow)."
expect_gt "EmbryonicRsts with abort_on_overflow=1" 0 "$rsts"
expect_gt "client resets" 0 "$reset"
expect_gt "SYNs still dropped silently: clients timed out" 0 "$tmo"
expect_gt "ListenOverflows > EmbryonicRsts" "$rsts" "$ovf"
echo
echo "== the same with tcp_syncookies=1 and tcp_abort_on_overflow=1"
# shellcheck disable=SC2086
run ab1c $common --syncookies 1 --abort-on-overflow
rsts=$(j ab1c .kernel_counters.EmbryonicRsts)
ghost=$(j ab1c .outcomes.ghost)
reset=$(j ab1c .outcomes.reset)
echo "  EmbryonicRsts $rsts, client resets $reset, ghosts $ghost"
echo "  The cookie path (cookie_v4_check) fails silently when the accept queue is"
echo "  full, abort_on_overflow or not: ghosts instead of resets."
expect_gt "ghosts despite abort_on_overflow=1" 0 "$ghost"
expect_ge "client resets <= EmbryonicRsts (ghosts get no RST)" "$reset" "$rsts"
finish
