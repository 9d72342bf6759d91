# bench watch --serve for five minutes under steady load (label soak: the
# host suite only, never the kernel matrix): nginx in a namespace of the
# test's own, synbench connecting at a fixed rate (SOAK_RATE/s, default
# 1000, for SOAK_SECONDS, default 300), /metrics scraped every 10 s.
# Asserts the exporter's resident memory stays within 5% from the first
# minute on, its BPF maps' memory (the kernel's fdinfo of its map
# descriptors) never changes, no event is lost, the sockets it tracks do
# not pile up, and at the end its counters equal the namespace's
# (/proc/net/snmp and /proc/net/netstat deltas since it began). Prints the
# exporter's CPU and memory for the README ("Running as an exporter").
. "$SB_TESTS/e2e/lib.sh"
need_root
need_nginx "the server under load"
command -v curl >/dev/null || { echo "SKIP: curl missing (scripts/deps.sh --test)"; exit 77; }

RATE=${SOAK_RATE:-1000}
SECS=${SOAK_SECONDS:-300}
P=$((20000 + $$ % 15000 * 3))
E=$((P + 1))
own_netns sbsk
# metric NAME{LABELS} from the last scrape
metric() { awk -v m="$1" 'index($0, m " ") == 1 { print $2 }' "$WORK/metrics.txt"; }
scrape() { in_ns curl -sf --max-time 5 "http://127.0.0.1:$E/metrics" >"$WORK/metrics.txt"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVE/status"; }
# the kernel memory of the exporter's BPF maps: memlock of each map
# descriptor it holds (/proc/PID/fdinfo)
map_bytes() {
	for f in /proc/"$SERVE"/fdinfo/*; do
		grep -q '^map_type:' "$f" 2>/dev/null && awk '/^memlock:/ { print $2 }' "$f"
	done | awk '{ s += $1 } END { print s + 0 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVE/stat"; }

nginx_conf "$WORK/nginx.conf" 511 "master_process off"
sed -i "s/127.0.0.1:8080/127.0.0.1:$P/" "$WORK/nginx.conf"
ip netns exec "$NS" "$NGINX" -c "$WORK/nginx.conf" &
PIDS="$PIDS $!"
in_ns sh -c 'i=0; until ss -Hltn "sport = :$1" | grep -q .; do i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done' sh "$P" ||
	{ echo "FAIL: nginx did not listen"; exit 1; }

serve_start "127.0.0.1:$E" $((SECS + 300))
A0=$(mib Tcp ActiveOpens) P0=$(mib Tcp PassiveOpens) O0=$(($(mib TcpExt ListenOverflows) + $(mib TcpExt TCPReqQFullDrop)))
mib_snapshot "$WORK/mib0"
tracer_start "$P" "$E"
PIDS="$PIDS $TRACER"

conns=$((RATE * SECS))
"$SYNBENCH" --netns "$NS" --target "127.0.0.1:$P" --rate "$RATE" --conns "$conns" \
	--max-time $((SECS + 120)) --no-probes --no-plot --quiet --out "$WORK/run" >"$WORK/run.log" 2>&1 &
LOAD=$!
PIDS="$PIDS $LOAD"
t0=$(date +%s)
c0=$(cpu_ticks)
hz=$(getconf CLK_TCK)
echo "soak: $conns connections at $RATE/s, scraping every 10 s"
n=0
rss_first=0 rss_min=0 rss_max=0 maps_first=0 maps_changed=0 tracked_max=0
while kill -0 "$LOAD" 2>/dev/null; do
	sleep 10
	n=$((n + 1))
	scrape || { bad "scrape $n failed"; continue; }
	rss=$(rss_kb)
	maps=$(map_bytes)
	tracked=$(metric 'synbench_tracked_sockets{netns="'"$NS"'"}')
	[ "${tracked:-0}" -gt "$tracked_max" ] && tracked_max=$tracked
	echo "  t=$(($(date +%s) - t0))s rss ${rss} kB, maps ${maps} B, tracked ${tracked}, client sockets $(metric 'synbench_sockets_total{netns="'"$NS"'",side="client"}')"
	# from the first minute on: warmed up
	[ $(($(date +%s) - t0)) -lt 60 ] && continue
	if [ "$rss_first" = 0 ]; then
		rss_first=$rss rss_min=$rss rss_max=$rss maps_first=$maps
		continue
	fi
	[ "$rss" -lt "$rss_min" ] && rss_min=$rss
	[ "$rss" -gt "$rss_max" ] && rss_max=$rss
	[ "$maps" != "$maps_first" ] && maps_changed=1
done
wait "$LOAD"
load_rc=$?
t1=$(date +%s)
c1=$(cpu_ticks)
check "the load ran to its end" "$load_rc" -eq 0
check "the load ran $SECS s or more" $((t1 - t0)) -ge "$SECS"
# the sockets closed (none on the port but TIME_WAIT), the namespace quiet
port_quiet "$P"
sleep 3 # the waiting clients paired (a pass a second once they waited 1 s)
# the last scrape, then the counters: its own connection is in both
scrape || bad "the last scrape"
A1=$(mib Tcp ActiveOpens) P1=$(mib Tcp PassiveOpens) O1=$(($(mib TcpExt ListenOverflows) + $(mib TcpExt TCPReqQFullDrop)))
mib_snapshot "$WORK/mib1"
tracer_stop

cpu_s=$(echo "scale=2; ($c1 - $c0) / $hz" | bc)
echo "exporter: CPU $cpu_s s over $((t1 - t0)) s of load ($(echo "scale=2; 100 * ($c1 - $c0) / $hz / ($t1 - $t0)" | bc)% of one CPU);" \
	"RSS from the first minute: first $rss_first kB, min $rss_min kB, max $rss_max kB; BPF maps $maps_first B"
check "scrapes taken" "$n" -ge $((SECS / 10 - 1))
check "RSS within 5% from the first minute: max*100 <= min*105" $((rss_max * 100)) -le $((rss_min * 105))
check "BPF map memory unchanged" "$maps_changed" -eq 0
check "no lost event" "$(metric 'synbench_lost_events_total{netns="'"$NS"'",cause="ring"}')+$(metric 'synbench_lost_events_total{netns="'"$NS"'",cause="map"}')+$(metric 'synbench_lost_events_total{netns="'"$NS"'",cause="skipped"}')+$(metric 'synbench_lost_events_total{netns="'"$NS"'",cause="sampler"}')" = "0+0+0+0"
check "tracked sockets stay few (in flight only, at most the rate)" "$tracked_max" -le "$RATE"
if tracer_complete; then
	h_child=$(tracer_count LISTEN SYN_RECV 1)
	h_cest=$(tracer_count SYN_SENT ESTABLISHED 1)
	h_sest=$(tracer_count SYN_RECV ESTABLISHED 1)
else
	h_child=0 h_cest=0 h_sest=0
	echo "  note: the tracefs observer overran: no hole can be excused"
fi
echo "tracefs: on PID 1's threads $h_child child opens, $h_cest client and $h_sest child handshakes"
check "client sockets = ActiveOpens delta" "$(metric 'synbench_sockets_total{netns="'"$NS"'",side="client"}')" -eq $((A1 - A0))
check "server sockets = PassiveOpens delta (- tracefs PID-1 ones)" \
	"$(metric 'synbench_sockets_total{netns="'"$NS"'",side="server"}')" -eq $((P1 - P0 - h_child))
check "client handshake count = PassiveOpens delta (- tracefs PID-1 ones)" \
	"$(metric 'synbench_handshake_duration_seconds_count{netns="'"$NS"'",side="client"}')" -eq $((P1 - P0 - h_cest))
check "server handshake count = PassiveOpens delta (- tracefs PID-1 ones)" \
	"$(metric 'synbench_handshake_duration_seconds_count{netns="'"$NS"'",side="server"}')" -eq $((P1 - P0 - h_sest))
check "listen overflows = ListenOverflows + TCPReqQFullDrop delta" \
	"$(metric 'synbench_listen_overflows_total{netns="'"$NS"'"}')" -eq $((O1 - O0))
check "the load's connections were all made" $((A1 - A0)) -ge "$conns"
out() { metric 'synbench_client_outcomes_total{netns="'"$NS"'",outcome="'"$1"'"}'; }
echo "client outcomes: accepted $(out accepted), queued $(out queued), ghost $(out ghost)," \
	"established $(out established), failed $(out failed); waiting" \
	"$(metric 'synbench_pairing_waiting{netns="'"$NS"'",side="client"}'), unpaired" \
	"$(metric 'synbench_client_unpaired_total{netns="'"$NS"'"}')"
check "every client has its outcome but the last scrape's, still open" \
	$(($(out accepted) + $(out queued) + $(out ghost) + $(out established) + $(out failed))) -eq $((A1 - A0 - 1))
check "nothing left waiting, nothing given up" \
	"$(metric 'synbench_pairing_waiting{netns="'"$NS"'",side="client"}')+$(metric 'synbench_client_unpaired_total{netns="'"$NS"'"}')" = "0+0"

kill -TERM "$SERVE"
wait "$SERVE"
rc=$?
end_deadline
check "the exporter ends on SIGTERM with exit 0" "$rc" -eq 0
if [ "$failures" -gt 0 ]; then
	# the evidence for the next reader: what else the kernel counted, and
	# what the exporter said of drops
	echo "the namespace's TCP counters that moved (over the load):"
	mib_moved "$WORK/mib0" "$WORK/mib1" | grep -E '^Tcp(Ext)?:' | sed 's/^/    /'
	echo "the exporter's drops (last scrape):"
	grep -E '^synbench_(listener_)?drops_total|^synbench_client_outcomes_total' "$WORK/metrics.txt" | sed 's/^/    /'
fi
finish
