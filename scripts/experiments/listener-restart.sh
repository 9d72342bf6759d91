#!/bin/sh
# desc: one socket of a SO_REUSEPORT group restarts mid-run: its accept queue is reset, or moved with tcp_migrate_req=1
# docs/kernel-facts.md, fact 41.
. "$(dirname "$0")/_lib.sh"

if [ ! -e /proc/sys/net/ipv4/tcp_migrate_req ]; then
	echo "this kernel has no net.ipv4.tcp_migrate_req (Linux 5.14): a closing listener's"
	echo "queue is always reset; nothing to compare"
	finish
fi
N=400
B=8
common="--reuseport 2 --accept-socket 1=none --close-socket 1@500 --backlog $B --conns $N --rate 400
	--mode crr --connect-timeout 5000 --syncookies 0"
echo "== $N connects at 400/s (request, response) to two SO_REUSEPORT sockets on one"
echo "   port, listen($B) each; socket 1 never accepts (a hung worker) and closes"
echo "   500 ms in (its restart); socket 0 accepts at once"
for m in 0 1; do
	# shellcheck disable=SC2086
	run m$m $common --migrate-req $m
	q=$(j m$m .listeners.restart.queued)
	reset=$(j m$m .listeners.restart.reset)
	moved=$(j m$m .listeners.restart.migrated)
	failed=$(j m$m .listeners.restart.migrate_failed)
	acc=$(j m$m .outcomes.accepted)
	named=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "k_fail_cause") c = i; next }
		$c == "reset" { n++ } END { print n + 0 }' "$work/m$m/connections.csv")
	echo
	echo "-- tcp_migrate_req=$m: socket 1 closed at $(j m$m .listeners.restart.at_ms) ms with $q"
	echo "   connections in its accept queue; $moved moved to socket 0"
	echo "   (TCPMigrateReqSuccess), $failed not (TCPMigrateReqFailure); $reset clients reset"
	echo "   by the close; $acc of $N accepted"
	expect_eq "its queue at the close: full (backlog + 1)" $((B + 1)) "$q"
	# a request socket the closing listener had (SYN_RECV, its ACK still
	# to come) goes with it: reset when its ACK comes (0), or moved (1:
	# TCPMigrateReqSuccess counts it too; 6.1 under TCG: 10 moved, 9 queued)
	if [ $m = 0 ]; then
		expect_eq "every connection in it reset by the close" "$q" "$reset"
		expect_eq "none moved (TCPMigrateReqSuccess)" 0 "$moved"
		expect_ge "each named in connections.csv (k_fail_cause reset; with a request socket's)" \
			"$q" "$named"
		expect_eq "every other connection accepted (SYNs the full queue dropped come back to socket 0)" \
			$((N - named)) "$acc"
	else
		expect_ge "every connection in it moved to socket 0 (TCPMigrateReqSuccess; with a request socket's)" \
			"$q" "$moved"
		expect_eq "none reset by the close" 0 "$reset"
		expect_eq "connections.csv: no reset" 0 "$named"
		expect_eq "every connection accepted" $N "$acc"
	fi
	expect_eq "none failed to move (TCPMigrateReqFailure)" 0 "$failed"
	expect_listener_drops m$m
done
echo
echo "  With tcp_migrate_req=0 (the default) a listener's close resets every"
echo "  connection waiting in its accept queue (inet_csk_listen_stop): the clients"
echo "  see ECONNRESET though the handshake had completed. With 1 the kernel moves"
echo "  them to a sibling of the group, which accepts them: a restart loses none."
finish
