# --tls against synbench's own listener (it terminates TLS with a
# certificate made in memory): every connection's phases stamped in order
# by both engines, joined by cookie, the kernel's sum exact; resumption on
# (tickets) against off makes the handshake cheaper, and bench compare
# flags the difference; a --tls-sni the certificate does not name and an
# expired certificate (made with the openssl command) are TLS failures with
# OpenSSL's reason on both sides; a certificate that cannot be used is one
# line and exit 2, nothing written.
. "$SB_TESTS/e2e/lib.sh"
need_root

# phases_in_order CSV: "rows bad": rows with a response, and those whose
# stamps are missing or out of order (connected <= ClientHello sent <
# handshake done <= request sent <= first byte <= last byte; the kernel's
# ESTABLISHED before the ClientHello; the server's handshake after its
# accept)
phases_in_order() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["user_outcome"] == "ok" {
			n++
			bad += $c["kernel_handshake_us"] == "" || $c["tls_handshake_us"] == "" ||
			       $c["first_byte_us"] == "" || $c["last_byte_us"] == "" || $c["tls_accept_us"] == ""
			bad += !($c["t_connected_ns"] <= $c["t_tls_start_ns"] && $c["t_tls_start_ns"] < $c["t_tls_done_ns"] &&
			         $c["t_tls_done_ns"] <= $c["t_sent_ns"] && $c["t_sent_ns"] <= $c["t_first_ns"] &&
			         $c["t_first_ns"] <= $c["t_resp_ns"] && $c["k_established_ns"] < $c["t_tls_start_ns"] &&
			         $c["t_accept_ns"] < $c["t_tls_accept_ns"])
			bad += $c["outcome"] != "accepted" || $c["tls_version"] != "1.3" || $c["tls_error"] != ""
		}
		END { printf "%d %d", n, bad }' "$1"
}

# the issue's command, shorter: 3000 connections, backlog 128, io_uring
out="$WORK/uring"
"$SYNBENCH" --mode crr --tls --conns 3000 --backlog 128 --quiet --out "$out" >"$WORK/uring.log" 2>&1
check "uring: exit" "$?" -eq 0
s="$out/summary.json"
check "uring: 3000 accepted" "$(jqv "$s" .outcomes.accepted)" -eq 3000
check "uring: join by cookie" "$(jqv "$s" .join_rate)" = 1
check "uring: client ESTABLISHED = accepted + queued + ghosts + TLS failed + other" \
	"$(jqv "$s" .reconciliation.identities.client_established.status)" = holds
check "uring: one server child per connection (PassiveOpens)" \
	"$(jqv "$s" .kernel_counters.PassiveOpens)" -eq 3000
check "uring: client handshakes" "$(jqv "$s" .tls.handshakes)" -eq 3000
check "uring: server handshakes" "$(jqv "$s" .tls.server.handshakes)" -eq 3000
for p in user_connect kernel_handshake tls_handshake first_byte last_byte accept_wait tls_accept; do
	check "uring: latency_us.$p counts every connection" "$(jqv "$s" ".latency_us.$p.count")" -eq 3000
done
set -- $(phases_in_order "$out/connections.csv")
check "uring: rows" "$1" -eq 3000
check "uring: every phase stamped, in order" "$2" -eq 0
grep -q "^TLS handshake  *3000 " "$out/report.txt" && ok "uring: the phases in report.txt" ||
	bad "uring: no TLS handshake row in report.txt"
check "uring: the phases plot" "$( [ -s "$out/plots/phases.png" ] && echo 1 || echo 0)" -eq 1

out="$WORK/epoll"
"$SYNBENCH" --mode crr --tls --engine epoll --conns 500 --no-plot --quiet --out "$out" >"$WORK/epoll.log" 2>&1
check "epoll: exit" "$?" -eq 0
check "epoll: join by cookie" "$(jqv "$out/summary.json" .join_rate)" = 1
check "epoll: the kernel's sum" \
	"$(jqv "$out/summary.json" .reconciliation.identities.client_established.status)" = holds
set -- $(phases_in_order "$out/connections.csv")
check "epoll: rows" "$1" -eq 500
check "epoll: every phase stamped, in order" "$2" -eq 0

# resumption: two connections in flight on one thread, so every later one
# starts after a ticket arrived; a resumed handshake skips the certificate
# (TLS 1.3) or the key exchange too (1.2): its median falls
med() { awk -F, -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c[k] != "" { print $c[k] }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] + 0 }'; }
for v in 1.2 1.3; do
	for r in off on; do
		flag=""
		[ "$r" = on ] && flag=--tls-resume
		"$SYNBENCH" --mode crr --tls --tls-version "$v" $flag --conns 300 --concurrency 2 \
			--threads 1 --no-plot --quiet --out "$WORK/r$v-$r" >"$WORK/r$v-$r.log" 2>&1
		check "TLS $v resumption $r: exit" "$?" -eq 0
	done
	off="$WORK/r$v-off/summary.json" on="$WORK/r$v-on/summary.json"
	check "TLS $v off: nothing resumed (client)" "$(jqv "$off" .tls.resumed)" -eq 0
	check "TLS $v off: nothing resumed (server)" "$(jqv "$off" .tls.server.resumed)" -eq 0
	check "TLS $v on: every connection but the first two resumed" "$(jqv "$on" .tls.resumed)" -eq 298
	check "TLS $v on: the server saw the same" "$(jqv "$on" .tls.server.resumed)" -eq 298
	check "TLS $v on: per connection" "$(column tls_resumed "$WORK/r$v-on/connections.csv" | grep -c '^1$')" -eq 298
	# a timing: under emulation (the kernel matrix, SB_EMULATED=1) a 6.1
	# guest's medians came out the other way (18.7 ms resumed, 15.6 ms
	# full), as the `timing` tests' bounds would; said, not asserted there
	m_on=$(med "$WORK/r$v-on/connections.csv" tls_handshake_us | awk '{ print int($1 * 1000) }')
	m_off=$(med "$WORK/r$v-off/connections.csv" tls_handshake_us | awk '{ print int($1 * 1000) }')
	if [ -z "${SB_EMULATED:-}" ]; then
		check "TLS $v: resumption lowers the handshake's median (ns)" "$m_on" -lt "$m_off"
	else
		ok "TLS $v: handshake median $m_on ns resumed, $m_off ns full (emulated: not compared)"
	fi
done
# bench compare: BASE resumed, NEW full handshakes: the TLS handshake's p50 is
# a regression; the other way round it is not
"$SYNBENCH" compare "$WORK/r1.2-on" "$WORK/r1.2-off" --max-latency-regress 50 --json >"$WORK/cmp1.json" 2>"$WORK/cmp1.err"
check "compare on -> off: exit 1" "$?" -eq 1
check "compare on -> off: tls_handshake p50 flagged" \
	"$(jq -r '.rows[] | select(.metric == "latency_us.tls_handshake.p50") | .verdict' "$WORK/cmp1.json")" = FAIL
"$SYNBENCH" compare "$WORK/r1.2-off" "$WORK/r1.2-on" --max-latency-regress 50 --json >"$WORK/cmp2.json" 2>"$WORK/cmp2.err"
check "compare off -> on: tls_handshake p50 not flagged" \
	"$(jq -r '.rows[] | select(.metric == "latency_us.tls_handshake.p50") | .verdict' "$WORK/cmp2.json")" = ok

# a name the listener's certificate (for localhost) does not have
out="$WORK/sni"
"$SYNBENCH" --mode crr --tls --tls-sni wrong.synbench.test --conns 50 --no-plot --quiet --out "$out" >"$WORK/sni.log" 2>&1
check "wrong SNI: exit" "$?" -eq 0
s="$out/summary.json"
check "wrong SNI: 50 tls_failed" "$(jqv "$s" .outcomes.tls_failed)" -eq 50
check "wrong SNI: the client's reason" "$(jqv "$s" '.tls.failures[0].reason + " (" + .tls.failures[0].verify + ")"')" = \
	"certificate verify failed (hostname mismatch)"
check "wrong SNI: the server got the client's alert" "$(jqv "$s" '.tls.server.failures[0].reason')" = "sslv3 alert bad certificate"
check "wrong SNI: the server's count" "$(jqv "$s" '.tls.server.failures[0].count')" -eq 50
check "wrong SNI: the kernel's sum" "$(jqv "$s" .reconciliation.identities.client_established.status)" = holds
check "wrong SNI: join by cookie" "$(jqv "$s" .join_rate)" = 1

# an expired certificate for the listener (--tls-cert, made by openssl)
tls_cert "$WORK" localhost expired
out="$WORK/expired"
"$SYNBENCH" --mode crr --tls --tls-cert "$WORK/localhost.crt" --tls-key "$WORK/localhost.key" --conns 50 \
	--no-plot --quiet --out "$out" >"$WORK/expired.log" 2>&1
check "expired: exit" "$?" -eq 0
check "expired: 50 tls_failed" "$(jqv "$out/summary.json" .outcomes.tls_failed)" -eq 50
check "expired: per connection, OpenSSL's words" "$(column tls_error "$out/connections.csv" |
	grep -c '^certificate verify failed (certificate has expired)$')" -eq 50

# a certificate that cannot be used: one line, exit 2, nothing written
tls_cert "$WORK" other
"$SYNBENCH" --mode crr --tls --tls-cert "$WORK/localhost.crt" --tls-key "$WORK/other.key" --conns 5 \
	--no-plot --quiet --out "$WORK/bad" >"$WORK/bad.log" 2>&1
check "key of another certificate: exit 2" "$?" -eq 2
check "key of another certificate: one line" "$(grep -c . "$WORK/bad.log")" -eq 1
grep -q "does not match --tls-cert" "$WORK/bad.log" && ok "names the problem" || bad "$(cat "$WORK/bad.log")"
check "nothing written" "$( [ -e "$WORK/bad" ] && echo 1 || echo 0)" -eq 0
"$SYNBENCH" --mode crr --tls --tls-cert "$WORK/localhost.key" --tls-key "$WORK/localhost.key" --conns 5 \
	--no-plot --quiet --out "$WORK/bad2" >"$WORK/bad2.log" 2>&1
check "a key as certificate: exit 2" "$?" -eq 2
grep -q "^.*--tls-cert: cannot use the certificate" "$WORK/bad2.log" && ok "names the option" || bad "$(cat "$WORK/bad2.log")"
finish
