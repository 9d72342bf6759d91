# TLS against a real server: Debian's nginx, one process, in a namespace
# this test makes, serving plain HTTP on 8080 and TLS 1.3 on 8443 (a
# certificate for synbench.test made here with the openssl command; a
# default server that refuses any other name) and on 8444 (an expired
# certificate). The same namespace with and without TLS: every 200 is an
# accepted connection with all its phases stamped; TLS adds its handshake;
# a wrong --tls-sni and an expired certificate are each their own outcome
# with OpenSSL's reason, and the kernel's sum still holds.
. "$SB_TESTS/e2e/lib.sh"
need_root
need_nginx "the TLS target"

tls_cert "$WORK" synbench.test
tls_cert "$WORK" old.synbench.test expired
for c in synbench.test old.synbench.test; do
	[ -s "$WORK/$c.crt" ] || { bad "openssl made no certificate for $c: $(cat "$WORK/$c.log")"; finish; }
done
conf="$WORK/nginx.conf"
nginx_conf "$conf" 511 "master_process off" "$(tls_server 8443 "$WORK/synbench.test.crt" \
	"$WORK/synbench.test.key" synbench.test)
$(tls_server 8444 "$WORK/old.synbench.test.crt" "$WORK/old.synbench.test.key")"

ns="synbench-e2e-tls-$$"
ip netns add "$ns" || { bad "cannot create network namespace $ns"; finish; }
ip -n "$ns" link set lo up
ip netns exec "$ns" "$NGINX" -c "$conf" -p "$WORK" 2>"$WORK/nginx.err" &
ngx=$!
deadline 120 "$ngx"
cleanup_ns() {
	kill "$ngx" 2>/dev/null
	wait "$ngx" 2>/dev/null
	end_deadline
	ip netns del "$ns" 2>/dev/null
}
for i in 1 2 3 4 5 6 7 8 9 10; do
	ip netns exec "$ns" ss -Hltn 'sport = :8444' | grep -q . && break
	sleep 0.2
done

# run NAME ARGS...: one run against nginx in the namespace, its exit code
run() {
	name=$1
	shift
	"$SYNBENCH" --netns "$ns" --mode crr --http --conns 400 --concurrency 4 --threads 2 \
		--connect-timeout 3000 --no-plot --quiet --out "$WORK/$name" "$@" >"$WORK/$name.log" 2>&1
}

run plain --target 127.0.0.1:8080
check "plain: exit" "$?" -eq 0
run tls --target 127.0.0.1:8443 --tls --tls-sni synbench.test --tls-ca "$WORK/synbench.test.crt"
check "tls: exit" "$?" -eq 0
s="$WORK/tls/summary.json"
c="$WORK/tls/connections.csv"
check "tls: 400 TLS 1.3 handshakes" "$(jqv "$s" '.tls.handshakes')" -eq 400
check "tls: all TLS 1.3" "$(jqv "$s" '.tls.tls13')" -eq 400
check "tls: verified" "$(jqv "$s" '.tls.verified')" = true
check "tls: 400 responses 200" "$(jqv "$s" '.http.responses_2xx')" -eq 400
check "tls: join by cookie" "$(jqv "$s" .join_rate)" = 1
check "tls: client ESTABLISHED = accepted + queued + ghosts + TLS failed + other" \
	"$(jqv "$s" .reconciliation.identities.client_established.status)" = holds
check "tls: kernel client records = connections (PassiveOpens)" \
	"$(jqv "$s" .kernel_counters.PassiveOpens)" -eq 400
# per connection: a 200 is an accepted connection with every phase stamped,
# in order: connected, ClientHello sent, handshake done, request sent, first
# and last byte; the kernel's ESTABLISHED before the ClientHello
rows=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["http_status"] == 200 {
		n++
		bad += $c["outcome"] != "accepted"
		bad += $c["kernel_handshake_us"] == "" || $c["user_connect_us"] == "" ||
		       $c["tls_handshake_us"] == "" || $c["first_byte_us"] == "" || $c["last_byte_us"] == ""
		bad += !($c["t_connected_ns"] <= $c["t_tls_start_ns"] && $c["t_tls_start_ns"] < $c["t_tls_done_ns"] &&
		         $c["t_tls_done_ns"] <= $c["t_sent_ns"] && $c["t_sent_ns"] <= $c["t_first_ns"] &&
		         $c["t_first_ns"] <= $c["t_resp_ns"] && $c["k_established_ns"] < $c["t_tls_start_ns"])
		bad += $c["tls_version"] != "1.3" || $c["tls_error"] != ""
	}
	END { printf "%d %d", n, bad }' "$c")
set -- $rows
check "tls: rows with a 200" "$1" -eq 400
check "tls: every 200 accepted, all phases stamped and in order" "$2" -eq 0
# the same server with and without TLS: TLS costs its handshake before the
# request (medians of submit -> last byte, concurrency 4)
med() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["t_resp_ns"] != "" { print $c["t_resp_ns"] - $c["t_submit_ns"] }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] + 0 }'; }
check "plain: 400 responses 200" "$(jqv "$WORK/plain/summary.json" '.http.responses_2xx')" -eq 400
check "plain: no TLS block" "$(jqv "$WORK/plain/summary.json" 'has("tls")')" = false
check "plain: no TLS phase" "$(jqv "$WORK/plain/summary.json" '.latency_us.tls_handshake.count')" -eq 0
check "TLS adds to a connection's time to its last byte (median ns)" \
	"$(med "$c")" -gt "$(med "$WORK/plain/connections.csv")"

# a name the server does not serve: nginx refuses the handshake
run sni --target 127.0.0.1:8443 --tls --tls-sni wrong.synbench.test --conns 40
check "wrong SNI: exit" "$?" -eq 0
s="$WORK/sni/summary.json"
check "wrong SNI: 40 tls_failed" "$(jqv "$s" .outcomes.tls_failed)" -eq 40
check "wrong SNI: OpenSSL's reason" "$(jqv "$s" '.tls.failures[0].reason')" = "tlsv1 unrecognized name"
check "wrong SNI: counted once per connection" "$(jqv "$s" '.tls.failures[0].count')" -eq 40
check "wrong SNI: the reason per connection" \
	"$(column tls_error "$WORK/sni/connections.csv" | grep -c '^tlsv1 unrecognized name$')" -eq 40
check "wrong SNI: the kernel's sum holds" \
	"$(jqv "$s" .reconciliation.identities.client_established.status)" = holds
check "wrong SNI: client ESTABLISHED = TLS failed" "$(jqv "$s" .reconciliation.client_established)" -eq 40
check "wrong SNI: join by cookie" "$(jqv "$s" .join_rate)" = 1

# an expired certificate, verified against itself (--tls-ca)
run expired --target 127.0.0.1:8444 --tls --tls-ca "$WORK/old.synbench.test.crt" --conns 40
check "expired: exit" "$?" -eq 0
s="$WORK/expired/summary.json"
check "expired: 40 tls_failed" "$(jqv "$s" .outcomes.tls_failed)" -eq 40
check "expired: the reason" "$(jqv "$s" '.tls.failures[0].reason')" = "certificate verify failed"
check "expired: the verify result" "$(jqv "$s" '.tls.failures[0].verify')" = "certificate has expired"
check "expired: per connection" "$(column tls_error "$WORK/expired/connections.csv" |
	grep -c '^certificate verify failed (certificate has expired)$')" -eq 40
grep -q "tls_failed 40" "$WORK/expired/report.txt" && ok "expired: in report.txt" || bad "expired: report.txt: $(grep outcomes "$WORK/expired/report.txt")"
check "expired: the kernel's sum holds" \
	"$(jqv "$s" .reconciliation.identities.client_established.status)" = holds

cleanup_ns
check "nginx stopped" "$(kill -0 "$ngx" 2>/dev/null && echo 1 || echo 0)" -eq 0
finish
