# A real server: Debian's nginx, started by synbench inside the run's
# namespace (--server-cmd), listen ... backlog=8, one worker. A connect storm
# shows the overflow in the probe counts and in the namespace's
# ListenOverflows delta; the sampler reads nginx's listener.
. "$SB_TESTS/e2e/lib.sh"
need_root
need_nginx "the target"

conf="$WORK/nginx.conf"
nginx_conf "$conf" 8 "worker_processes 1"

out="$WORK/storm"
run_exact "$out" "$WORK/storm.log" "$SYNBENCH" --target 127.0.0.1:8080 \
	--server-cmd "$NGINX -c $conf -p $WORK" --conns 3000 --connect-timeout 3000 --no-plot --quiet
check "storm: exit" "$?" -eq 0
s="$out/summary.json"
check "effective backlog read from nginx's listener" "$(jqv "$s" .effective_backlog)" -eq 8
lo=$(jqv "$s" .kernel_counters.ListenOverflows)
check "ListenOverflows delta > 0" "$lo" -gt 0
# sk_drops = ListenDrops + TCP_LISTEN_OVERFLOW drops where the kernel has that
# drop reason (6.15+); before, the identity is skipped with that reason
if [ "$(jqv "$s" .reconciliation.identities.listener_drops.status)" = skipped ]; then
	case $(jqv "$s" .reconciliation.identities.listener_drops.reason) in
	*"before Linux 6.15"*) ok "listener drops identity skipped: no TCP_LISTEN_OVERFLOW reason on $(uname -r)" ;;
	*) bad "listener drops identity skipped: $(jqv "$s" .reconciliation.identities.listener_drops.reason)" ;;
	esac
else
	check "sampler: nginx's listener drops = ListenDrops + TCP_LISTEN_OVERFLOW drops" \
		"$(jqv "$s" .reconciliation.listener_drops)" -eq \
		"$(jqv "$s" '.kernel_counters.ListenDrops + .reconciliation.listen_overflow_skb_drops')"
fi
check "probe SYN + SYN-ACK retransmits = TCPSynRetrans" \
	"$(jqv "$s" '.probes.syn_retransmits + .probes.synack_retransmits')" -eq \
	"$(jqv "$s" .kernel_counters.TCPSynRetrans)"
check "sampler saw the queue limit 8" "$(column limit "$out/queue.csv" | sort -n | tail -1)" -eq 8
check "accepted by nginx (kernel evidence)" "$(jqv "$s" .outcomes.accepted)" -gt 0
check "server_close measured" "$(jqv "$s" .latency_us.server_close.count)" -gt 0
check "join rate" "$(jqv "$s" .join_rate)" = 1
check "server.log kept" "$( [ -f "$out/server.log" ] && echo 1 || echo 0)" -eq 1
check "nginx stopped after the run" "$(pgrep -f "$conf" | wc -l)" -eq 0

# crr with a real HTTP request: every connection nginx accepted answered 200
out="$WORK/http"
"$SYNBENCH" --target 127.0.0.1:8080 --server-cmd "$NGINX -c $conf -p $WORK" --mode crr --http \
	--conns 2000 --connect-timeout 3000 --no-plot --quiet --out "$out"
check "http: exit" "$?" -eq 0
s="$out/summary.json"
ok2xx=$(jqv "$s" .http.responses_2xx)
check "http: 200 responses counted" "$ok2xx" -gt 0
# per connection: a 200 is a connection nginx accepted, and a connection it
# accepted got its 200 unless the client gave up first (its 3 s timeout:
# under emulation, nginx can be that slow)
rows=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ a = $c["outcome"] == "accepted"; ok = $c["http_status"] == 200
	  n200_not_acc += ok && !a; nacc_no200_ok += a && !ok && $c["user_outcome"] == "ok"
	  nacc_no200 += a && !ok }
	END { printf "%d %d %d", n200_not_acc, nacc_no200_ok, nacc_no200 }' "$out/connections.csv")
set -- $rows
check "http: every 200 is a connection nginx accepted" "$1" -eq 0
check "http: every accepted connection without a 200 is one whose client gave up" "$2" -eq 0
check "http: one 200 per connection nginx accepted, less those" "$ok2xx" -eq "$(($(jqv "$s" .outcomes.accepted) - $3))"
check "http: no other status" "$(jqv "$s" .http.responses_other)" -eq 0
check "http: status column" "$(column http_status "$out/connections.csv" | grep -c '^200$')" -eq "$ok2xx"
check "http: overflow counted" "$(jqv "$s" .kernel_counters.ListenOverflows)" -gt 0

# a server already running in a named namespace (--netns), started by this test
ns="synbench-e2e-$$"
if ip netns add "$ns" 2>/dev/null; then
	ip -n "$ns" link set lo up
	ip netns exec "$ns" "$NGINX" -c "$conf" -p "$WORK" &
	ngx=$!
	"$SYNBENCH" --netns "$ns" --target 127.0.0.1:8080 --conns 500 --connect-timeout 3000 \
		--no-plot --quiet --out "$WORK/netns"
	check "--netns: exit" "$?" -eq 0
	check "--netns: nginx's backlog" "$(jqv "$WORK/netns/summary.json" .effective_backlog)" -eq 8
	check "--netns: overflow counted" \
		"$(jqv "$WORK/netns/summary.json" .kernel_counters.ListenOverflows)" -gt 0
	kill "$ngx"
	wait "$ngx"
	ip netns del "$ns"
else
	bad "cannot create network namespace $ns"
fi

# a server command that never listens: one line, exit 2
"$SYNBENCH" --target 127.0.0.1:8081 --server-cmd "exit 3" --conns 10 --no-plot --quiet \
	--out "$WORK/bad" 2>"$WORK/err"
check "dead server command: exit 2" "$?" -eq 2
grep -q "exited (status 3)" "$WORK/err" && ok "names the exit status" || bad "$(cat "$WORK/err")"
check "dead server command: nothing written" "$( [ -e "$WORK/bad" ] && echo 1 || echo 0)" -eq 0
finish
