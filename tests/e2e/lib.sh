# Shared helpers for the e2e tests (POSIX sh). Source it: . "$SB_TESTS/e2e/lib.sh"
# Environment from CTest: SYNBENCH (the binary), SB_SRC (repo), SB_TESTS.
: "${SYNBENCH:?run through ctest: SYNBENCH must name the synbench binary}"
failures=0
WORK=$(mktemp -d /tmp/synbench-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

need_root() {
	if [ "$(id -u)" != 0 ]; then
		if [ "${CI:-}" = true ] || [ "${BENCH_REQUIRE_BPF:-}" = 1 ]; then
			echo "FAIL: needs root, and CI forbids skipping"
			exit 1
		fi
		echo "SKIP: needs root"
		exit 77
	fi
	command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/deps.sh --test installs it)"; exit 1; }
}

ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; failures=$((failures + 1)); }

# check NAME GOT OP WANT   (OP: -eq -ne -gt -ge -lt -le = !=)
check() {
	if [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1: $2 $3 $4"; else bad "$1: got '$2', want $3 '$4'"; fi
}

# jqv FILE FILTER -> value
jqv() { jq -r "$2" "$1"; }

# need_nginx WHY: sets NGINX (Debian's nginx), or skips (fails in CI)
need_nginx() {
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	if [ ! -x "$NGINX" ]; then
		if [ "${CI:-}" = true ]; then echo "FAIL: nginx missing (scripts/deps.sh --test installs nginx-light)"; exit 1; fi
		echo "SKIP: nginx not installed ($1)"
		exit 77
	fi
}

# nginx_conf FILE BACKLOG PROCESS [SERVERS]: an nginx configuration in
# $WORK that answers "ok" on 127.0.0.1:8080 with listen(BACKLOG); PROCESS is
# its process directive ("master_process off": one process, ended by its
# PID); SERVERS, more server blocks in http (TLS listeners: tls_server)
nginx_conf() {
	cat >"$1" <<NGX
$3;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    server {
        listen 127.0.0.1:8080 backlog=$2;
        location / { return 200 "ok\n"; }
    }
${4:-}
}
NGX
}

# tls_cert DIR NAME [expired]: DIR/NAME.crt and DIR/NAME.key, an ECDSA P-256
# certificate for the DNS name NAME made with the openssl command: valid
# from an hour ago for a day, or (expired) for one day of 2020 (openssl ca
# -selfsign: the only way the 3.0 command sets both dates)
tls_cert() {
	command -v openssl >/dev/null || { echo "FAIL: the openssl command is missing (scripts/deps.sh --test installs it)"; exit 1; }
	if [ "${3:-}" != expired ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-keyout "$1/$2.key" -out "$1/$2.crt" -subj "/CN=$2" \
			-addext "subjectAltName=DNS:$2" 2>"$1/$2.log"
		return
	fi
	mkdir -p "$1/ca-$2" && : >"$1/ca-$2/index.txt" && echo 01 >"$1/ca-$2/serial"
	printf '[ca]\ndefault_ca=any\n[any]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=pol\ncopy_extensions=copy\nunique_subject=no\n[pol]\ncommonName=supplied\n' \
		"$1/ca-$2" "$1/ca-$2" "$1/ca-$2" >"$1/ca-$2/ca.cnf"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/$2.key" \
		-out "$1/ca-$2/req.csr" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" 2>"$1/$2.log" &&
		openssl ca -batch -config "$1/ca-$2/ca.cnf" -selfsign -keyfile "$1/$2.key" \
			-in "$1/ca-$2/req.csr" -out "$1/$2.crt" -startdate 20200101000000Z \
			-enddate 20200102000000Z -notext >>"$1/$2.log" 2>&1
}

# tls_server PORT CERT KEY [NAME]: an nginx server block answering "ok" over
# TLS 1.2 or 1.3 (nginx 1.22's default lacks 1.3) on 127.0.0.1:PORT for
# server_name NAME; with NAME, a default server
# on the same port refuses a handshake for any other name
# (ssl_reject_handshake: the alert "unrecognized name")
tls_server() {
	if [ -n "${4:-}" ]; then
		printf '    server {\n        listen 127.0.0.1:%s ssl default_server;\n        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_reject_handshake on;\n    }\n' "$1"
	fi
	printf '    server {\n        listen 127.0.0.1:%s ssl;\n        server_name %s;\n        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_certificate %s;\n        ssl_certificate_key %s;\n        location / { return 200 "ok\\n"; }\n    }\n' \
		"$1" "${4:-_}" "$2" "$3"
}

# deadline SECS PID [SIG]: a watchdog that sends SIG (default TERM) to PID
# after SECS; end_deadline ends it, its sleep included. Its output goes
# nowhere, so a watchdog never holds the test's output open (ctest waits
# for every holder).
deadline() {
	(
		sleep "$1" &
		s=$!
		trap 'kill $s 2>/dev/null; exit 0' TERM
		wait $s && kill -"${3:-TERM}" "$2" 2>/dev/null
	) >/dev/null 2>&1 &
	DEADLINE=$!
}
end_deadline() {
	kill "$DEADLINE" 2>/dev/null
	wait "$DEADLINE" 2>/dev/null
	return 0
}

# column NAME CSV -> the column's values, one per line
column() {
	awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$2"
}

# run_exact OUT LOG CMD...: runs a synbench run writing OUT (stdout and
# stderr in LOG; stderr in $exact_err instead when set) with the tracefs
# observer (tracer_start) on the run's port. A hole in its kernel view (an
# event that reached no probe: a record missing, a transition missed, an
# untracked socket, a failing identity, an accept without its child) is the
# machine's only when the observer, independent of BPF, saw handshake
# transitions or SYN/SYN-ACK retransmits run on PID 1's threads in the same
# run: on this project's VMs
# the kernel runs no BPF program for softirq work on top of them
# (docs/kernel-facts.md#fact-22). Then the run is made once more (the first
# summary kept as OUT.first.json, the retry said); otherwise the hole stays
# and the test's checks see it. Returns the last exit code.
run_exact() {
	out=$1 log=$2
	shift 2
	exact_port=5201
	prev=""
	for a in "$@"; do
		case $prev in
		--port) exact_port=$a ;;
		--target) exact_port=${a##*:} ;;
		esac
		prev=$a
	done
	exact_once "$out" "$log" "$@"
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	kernel_holes "$out/summary.json" || return 0
	p1=$(awk '{ n += $4 } END { print n + 0 }' "$WORK/trace.counts" 2>/dev/null || echo 0)
	if [ "$exact_observer" != 1 ]; then
		echo "  note: no retry: no tracefs observer ran (${SB_EMULATED:+emulated; }$(head -1 "$WORK/tracer.log" 2>/dev/null))"
		return 0
	fi
	if [ "$p1" = 0 ]; then
		echo "  note: no retry: tracefs saw no event on PID 1's threads; the hole is ours"
		return 0
	fi
	echo "  note: retry 1: tracefs saw $p1 events on PID 1's threads (the machine's hole: $(pid1_events))"
	mv "$out/summary.json" "$out.first.json"
	rm -rf "$out"
	exact_once "$out" "$log" "$@"
	rc=$?
	[ "$rc" = 0 ] && kernel_holes "$out/summary.json" &&
		echo "  note: the retry has a hole too; tracefs saw on PID 1's threads: $(pid1_events)"
	return "$rc"
}
# cmd_exact PORT LOG CMD...: CMD (stdout and stderr in LOG), a command
# whose checks need the kernel view exact (an experiment), under the
# observer on PORT; made once more only when it failed and the observer saw
# events on PID 1's threads in the same run (run_exact's rule). Returns the
# last exit code.
cmd_exact() {
	ce_port=$1 ce_log=$2
	shift 2
	ce_obs=0
	[ -z "${SB_EMULATED:-}" ] && tracer_try_start "$ce_port" && ce_obs=1
	"$@" >"$ce_log" 2>&1
	ce_rc=$?
	[ "$ce_obs" = 1 ] && tracer_stop
	[ "$ce_rc" = 0 ] && return 0
	p1=$(awk '{ n += $4 } END { print n + 0 }' "$WORK/trace.counts" 2>/dev/null || echo 0)
	if [ "$ce_obs" != 1 ] || [ "$p1" = 0 ]; then
		echo "  note: no retry: ${SB_EMULATED:+emulated, }tracefs saw no event on PID 1's threads"
		return "$ce_rc"
	fi
	echo "  note: retry 1: tracefs saw $p1 events on PID 1's threads (the machine's hole: $(pid1_events)); the first try's failures:"
	grep FAIL "$ce_log"
	tracer_try_start "$ce_port" || ce_obs=0
	"$@" >"$ce_log" 2>&1
	ce_rc=$?
	[ "$ce_obs" = 1 ] && tracer_stop
	return "$ce_rc"
}
# pid1_events: the observer's events on PID 1's threads, by kind
pid1_events() {
	awk '$4 > 0 { printf "%s%s %s %s", s, $1, $2, $4; s = ", " } END { if (!s) printf "none" }' \
		"$WORK/trace.counts" 2>/dev/null
}
# exact_once OUT LOG CMD...: one run under the observer (exact_observer 1
# when it ran)
exact_once() {
	once_out=$1 once_log=$2
	shift 2
	exact_observer=0
	# not under emulation: each start and stop of the observer patches the
	# scheduler's tracepoints (record-tgid), and a 6.12 guest under QEMU TCG
	# died of it (docs/kernel-facts.md#fact-40); no retry there either
	[ -z "${SB_EMULATED:-}" ] && tracer_try_start "$exact_port" && exact_observer=1
	if [ -n "${exact_err:-}" ]; then
		"$@" --out "$once_out" >"$once_log" 2>"$exact_err"
	else
		"$@" --out "$once_out" >"$once_log" 2>&1
	fi
	rc=$?
	[ "$exact_observer" = 1 ] && tracer_stop
	return "$rc"
}

# kernel_holes SUMMARY: true (with a note naming them) when a run's kernel
# view has holes (run_exact's list), false when it has none
kernel_holes() {
	holes=$(jq '([.hosts[]?.identities[]?, .reconciliation.identities[]? | select(.status == "fails")] | length)
		+ .probes.partial_records + .probes.untracked + .reconciliation.accepts_unmatched
		+ ((.probes.records - .probes.clients - .probes.children) | fabs)
		+ (if .join_rate != null and .join_rate < 1 then 1 else 0 end)' "$1")
	[ "$holes" = 0 ] && return 1
	echo "  note: the run's kernel view had holes ($holes: $(jq -c '{join_rate, partial: .probes.partial_records, untracked: .probes.untracked, missed: .probes.missed_events, fails: [.hosts[]?.identities, .reconciliation.identities | to_entries[]? | select(.value.status == "fails") | .key]}' "$1"))"
	return 0
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "FAILED ($failures)"
		exit 1
	fi
	echo "PASSED"
	exit 0
}

# tracer_start PORT...: an observer independent of BPF, for the events the
# kernel runs no BPF program for on this project's VMs (softirq work on PID
# 1's threads, docs/kernel-facts.md#fact-22): a tracefs instance of the
# test's own, in a private mount namespace, streaming the handshake
# transitions (->SYN_SENT, ->SYN_RECV, ->ESTABLISHED) and the SYN and
# SYN-ACK retransmits (RETRANSMIT SYN, RETRANSMIT SYNACK) of sockets on the
# given ports (the test's own, in its namespace) with each one's thread
# group (record-tgid) into a tally: bounded however long it runs. Sets
# TRACER (its PID: in the caller's cleanup list). tracer_stop: the tally in
# $WORK/trace.counts, per-CPU stats in $WORK/trace.stats, the instance
# removed.
tracer_start() {
	tracer_try_start "$@" || {
		echo "FAIL: the tracefs observer did not start: $(cat "$WORK/tracer.log")"
		exit 1
	}
}
# tracer_try_start PORT...: the same, false when it cannot start
tracer_try_start() {
	pfilt=""
	for p in "$@"; do pfilt="${pfilt:+$pfilt || }sport == $p || dport == $p"; done
	filt="($pfilt) && (newstate == 1 || newstate == 2 || newstate == 3)"
	rm -f "$WORK/tracer.ready" "$WORK/trace.counts" "$WORK/trace.stats"
	# a client's transition is the test's when its remote port is one of
	# the ports, a server child's when its local port is
	cat >"$WORK/tracer.awk" <<'AWK'
/inet_sock_set_state:/ {
	match($0, / sport=[0-9]+/); sp = substr($0, RSTART + 7, RLENGTH - 7)
	match($0, / dport=[0-9]+/); dp = substr($0, RSTART + 7, RLENGTH - 7)
	match($0, /oldstate=TCP_[A-Z_0-9]+/); o = substr($0, RSTART + 13, RLENGTH - 13)
	match($0, /newstate=TCP_[A-Z_0-9]+/); n = substr($0, RSTART + 13, RLENGTH - 13)
	mine = o == "SYN_SENT" || n == "SYN_SENT" ? dp : sp
	if (!index(ports, " " mine " ")) next
	all[o " " n]++
	if ($0 ~ /\( *1\) /) p1[o " " n]++
}
/tcp_retransmit_(skb|synack):/ {
	match($0, / sport=[0-9]+/); sp = substr($0, RSTART + 7, RLENGTH - 7)
	match($0, / dport=[0-9]+/); dp = substr($0, RSTART + 7, RLENGTH - 7)
	if (!index(ports, " " sp " ") && !index(ports, " " dp " ")) next
	# tcp_retransmit_skb: the SYNs only (the syn_retransmits identities)
	if ($0 ~ /tcp_retransmit_skb:/ && $0 !~ / state=TCP_SYN_SENT/) next
	k = $0 ~ /tcp_retransmit_synack:/ ? "RETRANSMIT SYNACK" : "RETRANSMIT SYN"
	all[k]++
	if ($0 ~ /\( *1\) /) p1[k]++
}
END { for (k in all) print k, all[k], p1[k] + 0 }
AWK
	cat >"$WORK/tracer.sh" <<'SH'
w=$1 filt=$2 ports=$3 owner=$4 pfilt=$5
# mounted already (a guest of the kernel matrix mounts it), else ours, in
# this private mount namespace
[ -d /sys/kernel/tracing/instances ] || mount -t tracefs nodev /sys/kernel/tracing || exit 1
d=/sys/kernel/tracing/instances/synbench-e2e-$$
mkdir "$d" || exit 1
echo 4096 >"$d/buffer_size_kb"
echo 1 >"$d/options/record-tgid"
echo "$filt" >"$d/events/sock/inet_sock_set_state/filter" || { rmdir "$d"; exit 1; }
# the retransmits too (the syn_retransmits identities): where the kernel has them
for e in tcp_retransmit_skb tcp_retransmit_synack; do
	echo "$pfilt" >"$d/events/tcp/$e/filter" 2>/dev/null && echo 1 >"$d/events/tcp/$e/enable"
done
cat "$d/trace_pipe" >"$w/trace.fifo" &
pipe=$!
awk -v ports=" $ports " -f "$w/tracer.awk" <"$w/trace.fifo" >"$w/trace.counts" &
tally=$!
stop() {
	echo 0 >"$d/tracing_on"
	echo 0 >"$d/events/enable"
	sleep 0.2 # the reader empties the buffer
	cat "$d"/per_cpu/cpu*/stats >"$w/trace.stats"
	kill "$pipe"
	wait "$pipe" "$tally"
	rmdir "$d"
	exit 0
}
trap stop TERM INT
echo 1 >"$d/events/sock/inet_sock_set_state/enable"
touch "$w/tracer.ready"
# bounded by the test: its shell gone (killed), the observer stops too
while kill -0 "$owner" 2>/dev/null; do sleep 1 & wait $!; done
stop
SH
	rm -f "$WORK/trace.fifo"
	mkfifo "$WORK/trace.fifo" || return 1
	unshare -m --propagation private sh "$WORK/tracer.sh" "$WORK" "$filt" "$*" $$ "$pfilt" >"$WORK/tracer.log" 2>&1 &
	TRACER=$!
	i=0
	until [ -e "$WORK/tracer.ready" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$TRACER" 2>/dev/null; then
			kill "$TRACER" 2>/dev/null
			wait "$TRACER" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}
tracer_stop() {
	kill -TERM "$TRACER" 2>/dev/null
	wait "$TRACER" 2>/dev/null
	[ -s "$WORK/trace.stats" ] || echo "  note: the tracefs observer left no stats ($(cat "$WORK/tracer.log"))"
}
# tracer_count OLD NEW [PID1]: the test's traced OLD->NEW transitions (TCP
# state names without TCP_: SYN_SENT ESTABLISHED); with PID1, only those
# run on PID 1's threads
tracer_count() {
	awk -v k="$1 $2" -v c="${3:+4}" '$1 " " $2 == k { print $(c ? c : 3); f = 1 } END { if (!f) print 0 }' \
		"$WORK/trace.counts" 2>/dev/null || echo 0
}
# tracer_complete: true when the observer kept every event (no CPU's
# buffer overran)
tracer_complete() {
	[ -s "$WORK/trace.stats" ] && ! grep -q '^overrun: [1-9]' "$WORK/trace.stats"
}

# own_netns PREFIX: a namespace of the test's own, NS=PREFIX-PID with lo up
# and syncookies off (no ghost clients, whose FINs create server children
# long after the load: docs/kernel-facts.md#fact-19), deleted at exit with
# every PID in $PIDS ended; in_ns CMD... runs CMD there; mib TABLE NAME
# prints the namespace's counter now (/proc/net/snmp, /proc/net/netstat)
# ns_add NAME: a namespace with lo up (the test ends when it cannot be made)
ns_add() {
	ip netns add "$1" || { echo "FAIL: cannot create namespace $1"; exit 1; }
	ip -n "$1" link set lo up
}

own_netns() {
	NS=$1-$$
	PIDS=""
	trap own_netns_cleanup EXIT
	trap 'exit 1' INT TERM
	ns_add "$NS"
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_syncookies=0
}
own_netns_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
in_ns() { ip netns exec "$NS" "$@"; }
mib() {
	in_ns cat /proc/net/snmp /proc/net/netstat |
		awk -v t="$1:" -v n="$2" '$1 == t && !h[t]++ { for (i = 2; i <= NF; i++) c[i] = $i; next }
			$1 == t { for (i = 2; i <= NF; i++) if (c[i] == n) print $i }'
}

# mib_snapshot FILE: $NS's /proc/net/snmp and /proc/net/netstat, for mib_moved
mib_snapshot() { in_ns cat /proc/net/snmp /proc/net/netstat >"$1"; }

# mib_moved FILE0 FILE1: "Group:Name delta" for each counter that moved
# between two snapshots (a failed test's evidence: what else the kernel saw)
mib_moved() {
	cat "$1" "$2" | awk '
		{ g = $1 }
		!(g in hdr) || hdr[g] == "" { hdr[g] = $0; next }
		{ split(hdr[g], names); hdr[g] = ""
		  for (k = 2; k <= NF; k++) { key = g names[k]
			if (key in v0) { if ($k != v0[key]) printf "%s %d\n", key, $k - v0[key] }
			else v0[key] = $k } }'
}

# serve_start ADDR:PORT SECS [ARGS...]: bench watch --serve in $NS (own_netns)
# in the background, bounded by SECS (deadline), its PID in SERVE and
# $PIDS; returns once it says it serves (stderr in $WORK/serve.err)
serve_start() {
	addr=$1 secs=$2
	shift 2
	"$SYNBENCH" watch --netns "$NS" --serve "$addr" "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	SERVE=$!
	PIDS="$PIDS $SERVE"
	deadline "$secs" "$SERVE"
	i=0
	until grep -q "serving http://" "$WORK/serve.err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$SERVE" 2>/dev/null; then
			echo "FAIL: the exporter did not start:"
			cat "$WORK/serve.err"
			exit 1
		fi
		sleep 0.1
	done
}

# check_attested DESC GOT WANT OLD NEW: GOT = WANT, or GOT short of WANT (or
# over it) by no more than the observer saw of OLD NEW (a transition, or
# RETRANSMIT SYN|SYNACK) on PID 1's threads in the last run_exact run: the
# machine's hole (docs/kernel-facts.md#fact-22), excused by its count and
# said so; anything else fails
check_attested() {
	d=$(($2 - $3))
	[ "$d" -lt 0 ] && d=$((-d))
	if [ "$d" = 0 ]; then
		ok "$1: $2"
		return
	fi
	a=$(tracer_count "$4" "$5" 1)
	if [ "${exact_observer:-0}" = 1 ] && [ "$d" -le "$a" ]; then
		ok "$1: $2, $3 but for $d, within the $a $4 $5 tracefs saw on PID 1's threads (the machine's hole)"
	else
		bad "$1: got '$2', want '$3' (tracefs saw $a $4 $5 on PID 1's threads)"
	fi
}

# port_quiet PORT: waits up to 10 s until no socket of $NS on PORT is left but
# TIME_WAIT and the listener (a failed check when some are)
port_quiet() {
	i=0
	until [ -z "$(in_ns ss -Htan "( sport = :$1 or dport = :$1 )" | grep -v -e TIME-WAIT -e LISTEN)" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { bad "the load's sockets did not close within 10 s"; break; }
		sleep 0.1
	done
}
