# bench watch --serve scraped by a real Prometheus (Debian's prometheus)
# in a namespace this test creates, beside nginx (listen backlog 5) under
# a burst of synbench connects that overflows its accept queue. Asserts,
# through Prometheus's HTTP API, that the scraped socket counts, handshake
# histogram counts and listen overflows gained over the burst equal the
# namespace's own counters (Tcp ActiveOpens, PassiveOpens, TcpExt
# ListenOverflows + TCPReqQFullDrop) over the same window, with no lost
# event; that `promtool check metrics` accepts /metrics; the page,
# /healthz, 404/405; and bad input (exit 2, one line). A handshake the
# probes missed is excused only when tracefs (an observer independent of
# BPF) saw it run on PID 1's threads (docs/kernel-facts.md#fact-22).
# Every process is ended by PID, the namespace deleted, all bounded.
. "$SB_TESTS/e2e/lib.sh"
need_root
need_nginx "the server under the burst"
for t in prometheus promtool curl unshare; do
	if ! command -v $t >/dev/null; then
		[ "${CI:-}" = true ] && { echo "FAIL: $t missing (scripts/deps.sh --test installs it)"; exit 1; }
		echo "SKIP: $t missing (scripts/deps.sh --test)"
		exit 77
	fi
done

# ports of this test's own (the tracefs observer keeps their events)
P=$((20000 + $$ % 15000 * 3))
E=$((P + 1))
Q=$((P + 2))
own_netns sbws

nginx_conf "$WORK/nginx.conf" 5 "master_process off"
sed -i "s/127.0.0.1:8080/127.0.0.1:$P/" "$WORK/nginx.conf"
# ip netns exec execs the command: $! is its PID (in_ns, a function, would fork)
ip netns exec "$NS" "$NGINX" -c "$WORK/nginx.conf" &
NGX=$!
PIDS="$PIDS $NGX"

tracer_start "$P" "$E" "$Q"
PIDS="$PIDS $TRACER"

# ---- bad input first: exit 2, one line, nothing started ----
bad_input() { # WANT ARGS...
	want=$1
	shift
	"$SYNBENCH" watch "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
	rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <"$WORK/bad.err")" = 1 ] && grep -q -- "$want" "$WORK/bad.err"; then
		ok "exit 2, one line: $*"
	else
		bad "$*: rc $rc, stderr: $(cat "$WORK/bad.err")"
	fi
}
bad_input "give ADDR:PORT" --serve localhost:9000
bad_input "give ADDR:PORT" --serve 127.0.0.1:0
bad_input "give ADDR:PORT" --serve ::1:9000
bad_input "excludes --out" --serve "$E" --out "$WORK/x"
bad_input "excludes --connlat" --serve "$E" --connlat
bad_input "excludes --pid" --serve "$E" --pid 1
bad_input "not one of this namespace's" --netns "$NS" --serve 198.18.7.7:"$E" --duration 1
in_ns sh -c 'until ss -Hltn "sport = :$1" | grep -q .; do sleep 0.1; done' sh "$P"

# ---- the exporter and Prometheus ----
serve_start "127.0.0.1:$E" 240
bad_input "cannot listen there (Address already in use)" --netns "$NS" --serve "127.0.0.1:$E"

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: synbench
    static_configs:
      - targets: ['127.0.0.1:$E']
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null || bad "promtool check config"
ip netns exec "$NS" prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$Q" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM=$!
PIDS="$PIDS $PROM"

# query PROMQL [TIME]: the first series' value (empty when none)
query() {
	in_ns curl -sfG --max-time 5 --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} \
		"http://127.0.0.1:$Q/api/v1/query" | jq -r '.data.result[0].value[1] // empty'
}
i=0
until [ "$(query 'up{job="synbench"}')" = 1 ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$PROM" 2>/dev/null; then
		echo "FAIL: Prometheus did not scrape the exporter within 30 s:"
		tail -5 "$WORK/prometheus.log"
		exit 1
	fi
	sleep 0.1
done
ok "Prometheus scrapes the exporter"

# A window's edge: the kernel's counters after the last query, a scrape
# (1 s apart), the counters again: unchanged (the namespace was quiet),
# the last scrape before then saw the same sockets.
COUNTERS="Tcp:ActiveOpens Tcp:PassiveOpens Tcp:AttemptFails TcpExt:ListenOverflows TcpExt:TCPReqQFullDrop"
counters() { for c in $COUNTERS; do printf '%s ' "$(mib "${c%:*}" "${c#*:}")"; done; }
edge() { # NAME
	last=$(date +%s.%N)
	before=$(counters)
	sleep 2.5
	eval "T_$1=\$(date +%s.%N) L_$1=$last"
	after=$(counters)
	[ "$before" = "$after" ] || bad "edge $1: the namespace was not quiet ($before -> $after)"
	i=1
	for c in $COUNTERS; do
		eval "K_$1_${c#*:}=$(echo "$after" | cut -d' ' -f$i)"
		i=$((i + 1))
	done
}
# scraped SERIES EDGE: its value in the last scrape before the edge, which
# must have come after the edge's last query
scraped() {
	eval "t=\$T_$2 l=\$L_$2"
	ts=$(query "timestamp($1)" "$t")
	if [ -z "$ts" ] || [ "$(echo "$ts < $l" | bc)" = 1 ]; then
		bad "no scrape of $1 between the last query ($l) and the edge ($t): got '$ts'"
	fi
	query "$1" "$t"
}

edge A
"$SYNBENCH" --netns "$NS" --target "127.0.0.1:$P" --conns 1000 --concurrency 200 --no-probes \
	--no-plot --quiet --out "$WORK/run" >"$WORK/run.log" 2>&1 ||
	{ echo "FAIL: the load did not run:"; cat "$WORK/run.log"; exit 1; }
# its sockets closed: none left on the port but TIME_WAIT
port_quiet "$P"
edge B
tracer_stop

d() { eval "echo \$((\$K_B_$1 - \$K_A_$1))"; }
sd() { a=$(scraped "$1" A); b=$(scraped "$1" B); echo $((${b%.*} - ${a%.*})); }

active=$(d ActiveOpens)
passive=$(d PassiveOpens)
fails=$(d AttemptFails)
ovf=$(($(d ListenOverflows) + $(d TCPReqQFullDrop)))
echo "window: ActiveOpens +$active, PassiveOpens +$passive, AttemptFails +$fails, ListenOverflows + TCPReqQFullDrop +$ovf"
check "the burst overflowed the accept queue" "$ovf" -gt 0
check "no connect failed in the kernel (AttemptFails; synbench gave up on some itself)" "$fails" -eq 0
if tracer_complete; then
	h_open=$(tracer_count CLOSE SYN_SENT 1)
	h_cest=$(tracer_count SYN_SENT ESTABLISHED 1)
	h_child=$(tracer_count LISTEN SYN_RECV 1)
	h_sest=$(tracer_count SYN_RECV ESTABLISHED 1)
	echo "tracefs: $(tracer_count SYN_SENT ESTABLISHED) client and $(tracer_count SYN_RECV ESTABLISHED) child handshakes; on PID 1's threads: $h_open $h_cest $h_child $h_sest"
else
	h_open=0 h_cest=0 h_child=0 h_sest=0
	echo "  note: the tracefs observer overran: no hole can be excused"
fi
check "scraped client sockets = ActiveOpens (- tracefs PID-1 opens)" \
	"$(sd 'synbench_sockets_total{side="client"}')" -eq $((active - h_open))
check "scraped server sockets = PassiveOpens (- tracefs PID-1 ones)" \
	"$(sd 'synbench_sockets_total{side="server"}')" -eq $((passive - h_child))
# without syncookies every client handshake has its server child (a
# client whose connect synbench gave up on never had one)
check "scraped client handshake count = PassiveOpens (- tracefs PID-1 ones)" \
	"$(sd 'synbench_handshake_duration_seconds_count{side="client"}')" -eq $((passive - h_cest))
check "scraped server handshake count = PassiveOpens (- tracefs PID-1 ones)" \
	"$(sd 'synbench_handshake_duration_seconds_count{side="server"}')" -eq $((passive - h_sest))
# the overflows apart from a listener's other drops need the skb drop reason
# TCP_LISTEN_OVERFLOW (Linux 6.15); before, the metric is not served
if grep -qa SKB_DROP_REASON_TCP_LISTEN_OVERFLOW /sys/kernel/btf/vmlinux; then
	check "scraped listen overflows = ListenOverflows + TCPReqQFullDrop" \
		"$(sd 'synbench_listen_overflows_total')" -eq "$ovf"
else
	check "no synbench_listen_overflows_total before Linux 6.15 (no TCP_LISTEN_OVERFLOW reason)" \
		"$(query synbench_listen_overflows_total "$T_B")" = ""
fi
check "the load's connects are in the window" "$active" -ge 1000
check "no lost event" "$(scraped 'sum(synbench_lost_events_total)' B)" -eq 0
check "listener limit scraped" "$(query "synbench_accept_queue_limit{port=\"$P\"}")" -eq 5
check "SYN retransmits scraped" "$(sd 'synbench_syn_retransmits_total')" -gt 0

# ---- the endpoints ----
in_ns curl -sf --max-time 5 "http://127.0.0.1:$E/metrics" >"$WORK/metrics.txt" || bad "GET /metrics"
if promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1; then
	ok "promtool check metrics: clean"
else
	bad "promtool check metrics: $(cat "$WORK/promtool.out")"
fi
check "no per-connection label" "$(grep -cE 'cookie=|addr=|pid=|sport=' "$WORK/metrics.txt")" -eq 0
code() { in_ns curl -s -o "$WORK/page" -w '%{http_code}' --max-time 5 "$@"; }
check "/healthz" "$(code "http://127.0.0.1:$E/healthz")" = 200
check "/ (the page)" "$(code "http://127.0.0.1:$E/")" = 200
check "the page names the namespace" "$(grep -c "synbench watch: $NS" "$WORK/page")" -eq 1
check "/nope" "$(code "http://127.0.0.1:$E/nope")" = 404
check "POST /metrics" "$(code -X POST "http://127.0.0.1:$E/metrics")" = 405

# ---- the end: SIGTERM, exit 0, one closing line ----
kill -TERM "$SERVE"
wait "$SERVE"
rc=$?
end_deadline
check "the exporter ends on SIGTERM with exit 0" "$rc" -eq 0
check "its closing line" "$(grep -c "served [0-9]* scrapes" "$WORK/serve.err")" -eq 1
finish
