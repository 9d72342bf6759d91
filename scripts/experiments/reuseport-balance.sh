#!/bin/sh
# desc: a SO_REUSEPORT group with one slow socket: the kernel hashes its share to it anyway and it overflows
# docs/kernel-facts.md, fact 4 (and the per-socket view of docs/results.md).
. "$(dirname "$0")/_lib.sh"

N=400
B=16
echo "== $N connects at 2000/s from one thread to four SO_REUSEPORT sockets on one"
echo "   port, listen($B) each; socket 1 accepts every 200 ms, the others at once"
run rb --threads 1 --conns $N --rate 2000 --backlog $B --reuseport 4 --accept-socket 1=delay:200 \
	--syncookies 0 --connect-timeout 1500
named=$(j rb .listeners.overflow_with_room.socket)
d1=$(j rb '(.listeners.sockets[] | select(.index == 1)).drops')
dmax=$(j rb '[.listeners.sockets[].drops] | max')
echo "  drops per socket: $(j rb '[.listeners.sockets[] | "\(.index):\(.drops)"] | join(" ")')"
echo "  accepts per socket: $(j rb '[.listeners.sockets[] | "\(.index):\(.accepts)"] | join(" ")')"
echo "  imbalance (max/mean): accepts $(j rb .listeners.accepts_imbalance), drops $(j rb .listeners.drops_imbalance)"
expect_eq "the report names socket 1 (it overflowed while a sibling had room)" 1 "$named"
expect_gt "socket 1 dropped" 0 "$d1"
expect_eq "socket 1 dropped the most" "$dmax" "$d1"
expect_listener_drops rb
expect_eq "accepts per socket add up to the accepted connections" \
	"$(j rb .outcomes.accepted)" "$(j rb .listeners.accepts_sum)"
echo
echo "  SO_REUSEPORT picks a socket by the connection's hash, not by which has room:"
echo "  one slow acceptor overflows and drops its share while its siblings idle."
finish
