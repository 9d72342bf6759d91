# bench watch beside traffic synbench did not make: python3 -m http.server
# (listen backlog 5) and bursts of Python client connects inside a namespace
# this test creates (deleted at the end, even on failure). Asserts that every
# client connect appears once with the clients' own success/failure counts,
# that the overflow equals ListenOverflows, that --connlat prints a line per
# handshake, that --pid keeps one client process out of two, and that an
# unfiltered watch reconciles exactly with the namespace's counters.
. "$SB_TESTS/e2e/lib.sh"
need_root
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2 missing"; exit 77; }

CLIENTS="$SB_TESTS/e2e/watch_clients.py"
PIDS=""
NSS=""
CG=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for n in $NSS; do ip netns del "$n" 2>/dev/null; done
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# new_ns NAME: a namespace with lo up and python3 -m http.server 8000 in it
# (NS = NAME). Ghost clients of one burst keep retransmitting FINs for
# minutes and can still create server children (docs/kernel-facts.md, fact 19), so an
# exact count needs a namespace of its own.
new_ns() {
	NS=$1
	ns_add "$NS"
	NSS="$NSS $NS"
	# ip netns exec execs the command: $! is python's PID
	ip netns exec "$NS" python3 -m http.server 8000 --bind 127.0.0.1 >"$WORK/http-$NS.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until ip netns exec "$NS" ss -Hltn 'sport = :8000' | grep -q 8000; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "FAIL: http.server did not listen within 10 s"; exit 1; }
		sleep 0.1
	done
}
new_ns "sbw-$$"

# Each watch must outlast its clients. Natively python3 starts in ~30 ms and
# 10 s is ample; under emulation (scripts/kernel-matrix, QEMU TCG) everything
# is slower, so the watches grow with python3's start-up time (at most x6; one step per 300 ms).
# Only the first watch is bounded by --duration (the issue's example); the
# others end with Ctrl-C once their clients are done, at any speed.
python3 -c pass # warm the page cache: the second start is the machine's speed
t0=$(date +%s%N)
python3 -c pass
ms=$((($(date +%s%N) - t0) / 1000000))
SCALE=$((ms / 300))
[ "$SCALE" -lt 1 ] && SCALE=1
[ "$SCALE" -gt 6 ] && SCALE=6
echo "python3 starts in $ms ms: watches x$SCALE"

# clients_done: fail loudly if the watch ended before the clients did
clients_done() {
	kill -0 "$WATCH" 2>/dev/null ||
		bad "the watch ended before its clients finished (a slow machine?): its counts are partial"
}

# overflow_checks SUMMARY: overflow = ListenOverflows where the kernel names
# TCP_LISTEN_OVERFLOW drops (6.15+); before, those drops cannot be told from
# others and the identity is skipped with that reason
overflow_checks() {
	if jqv "$1" .reconciliation.identities.listen_overflows.reason | grep -q "6.15"; then
		check "overflow >= ListenOverflows (no TCP_LISTEN_OVERFLOW reason before 6.15)" \
			"$(jqv "$1" .reconciliation.overflows)" -ge "$(jqv "$1" .kernel_counters.ListenOverflows)"
	else
		check "overflow identity checked" \
			"$(jqv "$1" .reconciliation.identities.listen_overflows.status)" = holds
		check "overflow = ListenOverflows delta" "$(jqv "$1" .reconciliation.overflows)" -eq \
			"$(jqv "$1" .kernel_counters.ListenOverflows)"
	fi
}

# start_watch LOG ARGS...: synbench watch in the background ($WATCH), back
# once its probes are attached
start_watch() {
	log=$1
	shift
	"$SYNBENCH" watch --netns "$NS" --no-plot "$@" >"$log.out" 2>"$log.err" &
	WATCH=$!
	PIDS="$PIDS $WATCH"
	i=0
	until grep -q "synbench: watching" "$log.err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$WATCH" 2>/dev/null; then
			echo "FAIL: the watch did not start:"
			cat "$log.err"
			exit 1
		fi
		sleep 0.1
	done
}

# wait_watch: its exit code, killing it after 60 s (x SCALE)
wait_watch() {
	deadline $((60 * SCALE)) "$WATCH"
	wait "$WATCH"
	rc=$?
	end_deadline
	return $rc
}

# stop_watch: Ctrl-C once the clients are done and their sockets closed;
# returns the watch's exit code
stop_watch() {
	clients_done
	sleep 2
	kill -INT "$WATCH" 2>/dev/null
	wait_watch
}

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# handshakes_check DESC HS OK PENDING: the watch's handshakes HS equal the
# clients' OK, but for clients that gave up at their deadline while still
# connecting (PENDING of them): the kernel may establish one the instant
# its client closes it (seen under emulation on 6.1: 83 against 82). Sets
# LATE = HS - OK, which the failure counts then lack.
handshakes_check() {
	LATE=$(($2 - $3))
	if [ "$LATE" -ge 0 ] && [ "$LATE" -le "$4" ]; then
		if [ "$LATE" = 0 ]; then
			ok "$1: $2"
		else
			ok "$1: $2, of which $LATE established as their clients gave up ($4 still connecting then)"
		fi
	else
		check "$1" "$2" -eq "$3"
		LATE=0
	fi
}

echo "1. a burst of 2000 connects, --port 8000 --connlat"
out="$WORK/burst"
# once more only for the machine's hole: on this project's VMs the kernel
# runs no BPF program for softirq work on top of PID 1's threads
# (docs/kernel-facts.md#fact-22): a record short, or ESTABLISHED events
# missed. The tracefs observer (lib.sh), independent of BPF, must have seen
# events on PID 1's threads in the same watch; any other hole fails. No
# observer under emulation (fact 40), so no retry there.
for attempt in 1 2; do
	rm -rf "$out"
	observer=0
	[ -z "${SB_EMULATED:-}" ] && tracer_try_start 8000 && observer=1
	start_watch "$WORK/burst" --port 8000 --duration $((10 * SCALE)) --connlat --quiet --out "$out"
	res=$(timeout 600 ip netns exec "$NS" python3 "$CLIENTS" 2000 8000 4)
	echo "  clients: $res"
	clients_done
	wait_watch
	wrc=$?
	[ "$observer" = 1 ] && tracer_stop
	[ "$attempt" = 2 ] || [ "$wrc" != 0 ] && break
	recs=$(jqv "$out/summary.json" .reconciliation.client_records)
	hs=$(jqv "$out/summary.json" .watch.handshakes)
	untimed=$(jqv "$out/summary.json" .watch.handshakes_untimed)
	late=$((hs - $(field "$res" ok)))
	[ "$recs" = 2000 ] && [ "$late" -ge 0 ] && [ "$late" -le "$(field "$res" pending)" ] &&
		[ "$untimed" = 0 ] && break
	p1=$(awk '{ n += $4 } END { print n + 0 }' "$WORK/trace.counts" 2>/dev/null || echo 0)
	if [ "$observer" != 1 ] || [ "$p1" = 0 ]; then
		echo "  note: $recs client records of 2000, $hs handshakes ($untimed without a time); no retry: $([ "$observer" = 1 ] && echo "tracefs saw no event on PID 1's threads" || echo "no tracefs observer ran")"
		break
	fi
	echo "  note: $recs client records of 2000, $hs handshakes ($untimed without a time); retry 1: tracefs saw $p1 events on PID 1's threads ($(pid1_events))"
done
check "watch exit" "$wrc" -eq 0
cpid=$(field "$res" pid)
ok=$(field "$res" ok)
fail=$(field "$res" fail)
s="$out/summary.json"
check "mode" "$(jqv "$s" .mode)" = watch
check "every connect appears once" "$(jqv "$s" .reconciliation.client_records)" -eq 2000
handshakes_check "handshakes = clients' connects that reached ESTABLISHED" \
	"$(jqv "$s" .watch.handshakes)" "$ok" "$(field "$res" pending)"
check "failed = clients' failures" "$(jqv "$s" '.outcomes.failed + .outcomes.open')" -eq "$((fail - LATE))"
check "lost events" "$(jqv "$s" .lost_events)" -eq 0
[ "$(jqv "$s" .lost_events)" = 0 ] || jqv "$s" '.reconciliation.warnings[]' # which kind
check "burst above the backlog overflowed" "$(jqv "$s" .kernel_counters.ListenOverflows)" -gt 0
check "no request-queue drops (syncookies on)" "$(jqv "$s" .kernel_counters.TCPReqQFullDrop)" -eq 0
overflow_checks "$s" # --port 8000 is every listener of the namespace: checked
check "--port: the counter identities say filtered" \
	"$(jqv "$s" .reconciliation.identities.client_sockets.reason | cut -c1-9)" = "filtered:"
check "SYN retransmits = TCPSynRetrans" \
	"$(jqv "$s" .reconciliation.identities.syn_retransmits.status)" = holds
lines=$(awk 'NR > 1 && NF == 7 && $3 ~ /^[46]$/' "$WORK/burst.out" | wc -l)
check "--connlat lines = handshakes with a time" "$lines" -eq \
	"$(jqv "$s" '.watch.handshakes - .watch.handshakes_untimed')"
check "--connlat lines name the client's PID" \
	"$(awk 'NR > 1 && NF == 7 && $3 ~ /^[46]$/ { print $1 }' "$WORK/burst.out" | sort -u)" = "$cpid"
check "connections.csv: a client row per connect" \
	"$(awk -F, 'NR > 1 && $2 == "client"' "$out/connections.csv" | wc -l)" -eq 2000
check "connections.csv: clients carry the PID" \
	"$(awk -F, 'NR > 1 && $2 == "client" { print $3 }' "$out/connections.csv" | sort -u)" = "$cpid"
check "queue.csv sampled the listener (limit 5)" \
	"$(column limit "$out/queue.csv" | sort -u)" = 5
for f in config.json connections.csv queue.csv dwell.csv counters.csv report.txt report.html; do
	check "$f written" "$([ -s "$out/$f" ] && echo 1 || echo 0)" -eq 1
done
check "overhead measured" "$(jqv "$s" '.overhead.bpf_runs > 0')" = true

echo "2. --pid keeps one of two client processes"
go="$WORK/go"
ip netns exec "$NS" python3 "$CLIENTS" 100 8000 3 "$go" >"$WORK/a.txt" &
A=$!
ip netns exec "$NS" python3 "$CLIENTS" 100 8000 3 "$go" >"$WORK/b.txt" &
B=$!
PIDS="$PIDS $A $B"
out="$WORK/pid"
start_watch "$WORK/pid" --port 8000 --pid "$A" --connlat --quiet --out "$out"
touch "$go"
wait "$A"
wait "$B"
stop_watch
check "watch exit" "$?" -eq 0
ra=$(cat "$WORK/a.txt")
echo "  clients: $ra / $(cat "$WORK/b.txt")"
s="$out/summary.json"
check "client records of A only" "$(jqv "$s" .reconciliation.client_records)" -eq 100
handshakes_check "handshakes of A" "$(jqv "$s" .watch.handshakes)" "$(field "$ra" ok)" \
	"$(field "$ra" pending)"
check "every client row is A's" \
	"$(awk -F, 'NR > 1 && $2 == "client" { print $3 }' "$out/connections.csv" | sort -u)" = "$A"
check "no connlat line of B" "$(awk -v b="$B" 'NR > 1 && $1 == b' "$WORK/pid.out" | wc -l)" -eq 0
check "filtered out: B's clients" "$(jqv "$s" '.watch.filtered_out >= 100')" = true

echo "2b. --cgroup keeps the client process in a cgroup (v2)"
root=/sys/fs/cgroup
[ -e "$root/cgroup.controllers" ] || root=/sys/fs/cgroup/unified
if [ -e "$root/cgroup.controllers" ] && mkdir "$root/sbw-$$" 2>/dev/null; then
	CG="$root/sbw-$$"
	rm -f "$go"
	ip netns exec "$NS" python3 "$CLIENTS" 50 8000 3 "$go" >"$WORK/c.txt" &
	C=$!
	ip netns exec "$NS" python3 "$CLIENTS" 50 8000 3 "$go" >"$WORK/d.txt" &
	D=$!
	PIDS="$PIDS $C $D"
	echo "$C" >"$CG/cgroup.procs"
	out="$WORK/cg"
	start_watch "$WORK/cg" --port 8000 --cgroup "$CG" --quiet --out "$out"
	touch "$go"
	wait "$C"
	wait "$D"
	stop_watch
	check "watch exit" "$?" -eq 0
	s="$out/summary.json"
	check "client records of the cgroup's process only" \
		"$(jqv "$s" .reconciliation.client_records)" -eq 50
	check "every client row is its" \
		"$(awk -F, 'NR > 1 && $2 == "client" { print $3 }' "$out/connections.csv" | sort -u)" = "$C"
	check "summary names the cgroup" "$(jqv "$s" .watch.filters.cgroup)" = "/sbw-$$"
else
	echo "  (no writable cgroup v2 hierarchy: --cgroup not exercised)"
fi

echo "3. unfiltered, 0.5 s client timeout: exact against the namespace's counters"
new_ns "sbw-$$-b"
out="$WORK/all"
start_watch "$WORK/all" --quiet --out "$out"
# 0.5 s: the connects whose SYN was dropped give up before its retransmit
res=$(timeout 600 ip netns exec "$NS" python3 "$CLIENTS" 200 8000 0.5)
echo "  clients: $res"
stop_watch
check "watch exit" "$?" -eq 0
s="$out/summary.json"
for id in client_sockets child_sockets syn_retransmits; do
	check "identity $id" "$(jqv "$s" .reconciliation.identities.$id.status)" = holds
done
overflow_checks "$s"
handshakes_check "handshakes = clients' ok" "$(jqv "$s" .watch.handshakes)" "$(field "$res" ok)" \
	"$(field "$res" pending)"
check "failed = clients' failures (timed out)" "$(jqv "$s" .outcomes.failed)" -eq "$(($(field "$res" fail) - LATE))"
check "some clients timed out" "$(field "$res" fail)" -gt 0

"$SYNBENCH" compare "$WORK/burst" "$WORK/all" >"$WORK/compare.txt" 2>&1
check "bench compare reads two watches (0 pass, 1 regression; not 2)" "$?" -le 1

echo "4. Ctrl-C ends an unbounded watch cleanly"
out="$WORK/int"
start_watch "$WORK/int" --quiet --out "$out"
kill -INT "$WATCH"
wait_watch
check "exit after SIGINT" "$?" -eq 0
check "results written" "$(jqv "$out/summary.json" .interrupted)" = false
out="$WORK/term"
start_watch "$WORK/term" --duration 30 --quiet --out "$out"
kill -TERM "$WATCH"
wait_watch
check "exit after SIGTERM before --duration" "$?" -eq 130
check "marked interrupted" "$(jqv "$out/summary.json" .interrupted)" = true

echo "5. started and stopped while clients retransmit SYNs: the probes count the MIB's window"
# a listener that never accepts (listen(1)) and clients connecting every 50 ms,
# 60 kept open: SYN retransmits all along, before, during and after the watch.
# The probes' counters are read on both sides of the MIB's first and last
# snapshot (observe.c); read at the attach and the detach they counted more
NS=sbwr-$$
ns_add "$NS"
NSS="$NSS $NS"
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_syncookies=0
ip netns exec "$NS" timeout 30 python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 5201)); s.listen(1)
cs = []
for i in range(600):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", 5201))
    except BlockingIOError: pass
    cs.append(c)
    if len(cs) > 60: cs.pop(0).close()
    time.sleep(0.05)' &
PIDS="$PIDS $!"
sleep 1.5
# one run under the observer (sockets opened before the watch are its holes
# by design: untracked, partial; only the retransmits are checked here)
exact_port=5201
exact_once "$WORK/mid" "$WORK/mid.log" "$SYNBENCH" watch --netns "$NS" --duration 2 --quiet
check "watch amid retransmits: exit" "$?" -eq 0
s="$WORK/mid/summary.json"
check "SYN retransmits during the watch" "$(jqv "$s" .probes.syn_retransmits)" -gt 20
check_attested "probe SYN + SYN-ACK retransmits = TCPSynRetrans over the watch" \
	"$(jqv "$s" '.probes.syn_retransmits + .probes.synack_retransmits')" \
	"$(jqv "$s" .kernel_counters.TCPSynRetrans)" RETRANSMIT SYN

echo "6. bad input: one line, exit 2, nothing written"
for args in "--port 0" "--ipv4 --ipv6" "--duration x" "--netns sbw-none-$$" "--cgroup /x"; do
	# shellcheck disable=SC2086
	"$SYNBENCH" watch $args --out "$WORK/bad" >/dev/null 2>"$WORK/bad.err"
	check "watch $args: exit" "$?" -eq 2
	check "watch $args: one line" "$(wc -l <"$WORK/bad.err")" -eq 1
	check "watch $args: nothing written" "$([ -e "$WORK/bad" ] && echo 1 || echo 0)" -eq 0
done
finish
