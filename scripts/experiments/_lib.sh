# Shared helpers of the experiments (sourced, not an experiment: names that
# start with '_' are not listed). POSIX sh + jq.
#   SYNBENCH  the synbench binary (set by `bench experiment`)
set -u

fail=0
if [ -z "${SYNBENCH:-}" ] || [ ! -x "$SYNBENCH" ]; then
	echo "SYNBENCH is not set to the synbench binary; run: bench experiment NAME" >&2
	exit 2
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "jq is needed (apt-get install jq)" >&2
	exit 2
fi
# bench experiment NAME [--topology lo|veth]: veth runs every step with the
# client and the server in two namespaces (two hosts in one box); the
# server's timeline is then the server namespace's, its counters
# kernel_counters, the client's client_kernel_counters.
TOPO=lo
while [ $# -gt 0 ]; do
	case $1 in
	--topology) TOPO=${2:-}; shift; [ $# -gt 0 ] && shift ;;
	--topology=*) TOPO=${1#*=}; shift ;;
	*) echo "synbench: experiment: unknown argument '$1'; the only one is --topology lo|veth" >&2
		exit 2 ;;
	esac
done
case $TOPO in
lo | veth) ;;
*) echo "synbench: experiment: --topology must be lo or veth (got '$TOPO')" >&2
	exit 2 ;;
esac
[ "$TOPO" = veth ] && echo "(--topology veth: client 198.18.0.2-33 and server 198.18.0.1 in two namespaces)"
work=$(mktemp -d "${TMPDIR:-/tmp}/synbench-exp.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'rm -rf "$work"; exit 130' INT TERM

# run NAME ARGS...: one bounded synbench run into $work/NAME; its stdout
# (the --trace-states lines and the table) goes to $work/NAME.out.
run() {
	name=$1
	shift
	"$SYNBENCH" "$@" --topology "$TOPO" --max-time 30 --no-plot --out "$work/$name" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [ ! -f "$work/$name/summary.json" ]; then
		echo "FAIL: synbench $* exited $rc without a summary:" >&2
		cat "$work/$name.err" >&2
		exit 1
	fi
	return 0
}

# j NAME JQ-PATH: a value of NAME's summary.json (null -> 0)
j() {
	jq -r "($2) // 0" "$work/$1/summary.json"
}

# cj NAME COUNTER: a MIB counter of the client's namespace (veth: its own
# client_kernel_counters; lo: the one namespace's kernel_counters)
cj() {
	jq -r "(.client_kernel_counters // .kernel_counters).$2 // 0" "$work/$1/summary.json"
}

# syn_rtx_before NAME MS: SYN retransmits one client makes before MS ms on
# the kernel of run NAME. A kernel with net.ipv4.tcp_syn_linear_timeouts = L
# (in config.json; upstream since 6.5) retransmits L+1 times at 1 s
# intervals, then doubles: 1, 2, 3, 4, 5, 7, 11 ... s; one without it (6.1)
# doubles from the start: 1, 3, 7, 15 ... s (docs/kernel-facts.md, facts 7
# and 18).
syn_rtx_before() {
	lin=$(jq -r '.sysctls["net.ipv4.tcp_syn_linear_timeouts"] // -1' "$work/$1/config.json")
	awk -v ms="$2" -v lin="$lin" 'BEGIN {
		t = 0; iv = 1000; n = 0
		while (1) { t += iv; if (t >= ms) break; n++; if (lin < 0 || n > lin) iv *= 2 }
		print n }'
}

# syn_schedule NAME: the retransmit times of run NAME's kernel, in words
syn_schedule() {
	if [ "$(jq -r '.sysctls["net.ipv4.tcp_syn_linear_timeouts"] // -1' "$work/$1/config.json")" = -1 ]; then
		echo "1 s, 3 s, 7 s ... (doubling: no tcp_syn_linear_timeouts before Linux 6.18)"
	else
		echo "1 s, 2 s, 3 s ... (tcp_syn_linear_timeouts, Linux 6.18+)"
	fi
}

# dwell NAME FROM TO: how many sockets went FROM -> TO (dwell.csv)
dwell() {
	awk -F, -v f="$2" -v t="$3" '$1 == f && $2 == t { n = $3 } END { print n + 0 }' \
		"$work/$1/dwell.csv"
}

# trace NAME: the --trace-states lines of NAME
trace() {
	awk '$(NF-2) == "->"' "$work/$1.out"
}

_check() {
	if [ "$2" = ok ]; then
		printf '  ok    %s: %s\n' "$1" "$3"
	else
		printf '  FAIL  %s: expected %s\n' "$1" "$3"
		fail=1
	fi
}
# expect_eq WHAT EXPECTED GOT
expect_eq() {
	if [ "$2" = "$3" ]; then _check "$1" ok "$3"; else _check "$1" no "$2, got $3"; fi
}
# expect_gt WHAT LIMIT GOT: GOT > LIMIT (integers)
expect_gt() {
	if [ "$3" -gt "$2" ] 2>/dev/null; then _check "$1" ok "$3 > $2"; else _check "$1" no "> $2, got $3"; fi
}
# expect_ge WHAT LIMIT GOT: GOT >= LIMIT (integers)
expect_ge() {
	if [ "$3" -ge "$2" ] 2>/dev/null; then _check "$1" ok "$3 >= $2"; else _check "$1" no ">= $2, got $3"; fi
}

# expect_listener_drops NAME: the listener sockets' sk_drops summed against
# the namespace's ListenDrops: equal but for the ACKs a full queue dropped,
# which Linux 6.15+ names TCP_LISTEN_OVERFLOW (the listener_drops identity);
# before it those cannot be told apart and the sum can only be >=
# (docs/kernel-facts.md, fact 29)
expect_listener_drops() {
	st=$(jq -r '.reconciliation.identities.listener_drops.status' "$work/$1/summary.json")
	why=$(jq -r '.reconciliation.identities.listener_drops.reason // ""' "$work/$1/summary.json")
	case $st:$why in
	skipped:*TCP_LISTEN_OVERFLOW*)
		expect_ge "the sockets' sk_drops summed >= ListenDrops (no TCP_LISTEN_OVERFLOW reason before 6.15)" \
			"$(j "$1" .kernel_counters.ListenDrops)" "$(j "$1" .listeners.drops_sum)" ;;
	*) expect_eq "the sockets' sk_drops summed = ListenDrops + TCP_LISTEN_OVERFLOW drops (listener_drops identity)" \
		holds "$st"
		if [ "$st" = fails ]; then
			echo "        sk_drops summed $(j "$1" .reconciliation.identities.listener_drops.probe)," \
				"ListenDrops $(j "$1" .kernel_counters.ListenDrops) + overflow drops" \
				"$(j "$1" .probes.drops_by_reason.TCP_LISTEN_OVERFLOW); drops by reason:" \
				"$(j "$1" '.probes.drops_by_reason | to_entries | map("\(.key) \(.value)") | join(", ")')"
		fi ;;
	esac
}

# has_option --opt: does this synbench know the option?
has_option() {
	"$SYNBENCH" --help 2>/dev/null | grep -q -- "$1[ =]"
}

# close_paths NAME PORT: one line per connection of a --trace-states run:
#   CLIENTPORT KIND CLIENT-PATH / SERVER-PATH
# KIND: client (client sent the first FIN), server, simultaneous (both
# FIN_WAIT1), none. A path is the states one socket went through.
close_paths() {
	trace "$1" | awk -v sp="$2" '
	{
		lp = $(NF-6); rp = $(NF-4); o = $(NF-3); n = $(NF-1)
		if (lp == sp && rp != 0) { c = rp; side = "s" } else if (rp == sp) { c = lp; side = "c" } else next
		if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
		key = c SUBSEP side
		if (!(key in path)) path[key] = o
		path[key] = path[key] " " n
		if (o == "ESTABLISHED" && n == "FIN_WAIT1") {
			if (!(c in first)) first[c] = side
			fins[c]++
		}
	}
	END {
		for (i = 1; i <= nc; i++) {
			c = order[i]
			kind = !(c in first) ? "none" : fins[c] > 1 ? "simultaneous" : first[c] == "c" ? "client" : "server"
			printf "%s %s %s / %s\n", c, kind, path[c SUBSEP "c"], path[c SUBSEP "s"]
		}
	}'
}

finish() {
	if [ "$fail" -eq 0 ]; then
		echo "RESULT: every fact above held"
	else
		echo "RESULT: at least one fact did NOT hold (see FAIL lines)"
	fi
	exit "$fail"
}

# close_experiment WHO (client|server): connections where WHO closes first,
# their full state sequence on both sides from --trace-states, checked
# against what Linux 6.18 prints, and the transition counts from dwell.csv.
close_experiment() {
	who=$1
	N=20
	if [ "$who" = client ]; then
		want_c="CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
		want_s="LISTEN SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
	else
		want_c="CLOSE SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
		want_s="LISTEN SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
	fi
	forced=0
	if has_option --close-first; then
		forced=1
		echo "== crr, $N connections one at a time, --close-first $who"
		run cl --mode crr --conns $N --concurrency 1 --close-first "$who" --trace-states
	else
		# without --close-first, crr is a race: the server writes the
		# response and closes, the client reads it and closes; either
		# side, or both at once, may send the first FIN
		N=30
		echo "== (this synbench has no --close-first: plain crr, where who closes"
		echo "   first is a race; only the connections where the $who did are checked)"
		echo "   crr, $N connections one at a time"
		run cl --mode crr --conns $N --concurrency 1 --trace-states
	fi
	close_paths cl 5201 >"$work/paths"
	nc=$(awk -v w="$who" '$2 == w' "$work/paths" | wc -l)
	echo
	echo "who closed first, per connection:"
	awk '{ n[$2]++ } END { for (k in n) printf "  %-13s %d\n", k, n[k] }' "$work/paths"
	echo
	echo "one $who-first connection, every state change of both sockets:"
	p=$(awk -v w="$who" '$2 == w { print $1; exit }' "$work/paths")
	trace cl | awk -v p="${p:-none}" '$(NF-6) == p || $(NF-4) == p'
	echo
	echo "state paths of the $who-first connections (client / server), how many:"
	awk -v w="$who" '$2 == w { $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$work/paths" |
		sort | uniq -c | sed 's/^/  /'
	if grep -q simultaneous "$work/paths"; then
		echo "simultaneous closes (both FINs crossed: FIN_WAIT1 -> CLOSING -> CLOSE), how many:"
		awk '$2 == "simultaneous" { $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$work/paths" |
			sort | uniq -c | sed 's/^/  /'
	fi
	# The server child's last ->CLOSE is not in the trace when its port is
	# released first (tcp_set_state unhashes, inet_put_port zeroes the
	# local port, then the tracepoint fires): accept both, count it below
	# from dwell.csv, which keys the socket by address, not port.
	# Before Linux 6.15 the child's LISTEN -> SYN_RECV event fires before its
	# ports are set (docs/kernel-facts.md, fact 17): it carries the listener's 4-tuple and
	# is not in this connection's path, which then starts at SYN_RECV.
	nok=$(awk -v w="$who" -v c="$want_c" -v s="$want_s" '
		$2 != w { next }
		{ split($0, h, " / "); cp = h[1]; sub(/^[^ ]+ [^ ]+ /, "", cp); sp = h[2] }
		{ if (sp !~ /^LISTEN /) sp = "LISTEN " sp }
		cp == c && (sp == s || sp " CLOSE" == s) { n++ }
		END { print n + 0 }' "$work/paths")
	nogap=$(awk -v w="$who" -v s="$want_s" '$2 == w { split($0, h, " / "); sp = h[2]
			if (sp !~ /^LISTEN /) sp = "LISTEN " sp; if (sp == s) n++ }
		END { print n + 0 }' "$work/paths")
	tw=$(trace cl | awk '$(NF-3) == "TIME_WAIT" || $(NF-1) == "TIME_WAIT"' | wc -l)
	echo
	if [ "$who" = client ]; then
		echo "What happened: the client's close() sends FIN (ESTABLISHED -> FIN_WAIT1); the"
		echo "server ACKs it (client FIN_WAIT1 -> FIN_WAIT2) and its socket goes to CLOSE_WAIT."
		echo "The client socket is already closed by the application, so in FIN_WAIT2 the"
		echo "kernel hands the connection to a small timewait socket and the full socket"
		echo "goes FIN_WAIT2 -> CLOSE at once: TIME_WAIT is never printed by"
		echo "inet_sock_set_state. The server's close() sends its FIN (CLOSE_WAIT -> LAST_ACK)"
		echo "and the client's ACK (answered by the timewait socket) ends it (LAST_ACK -> CLOSE)."
	else
		echo "What happened: the mirror image. The server's close() after the response sends"
		echo "FIN (server ESTABLISHED -> FIN_WAIT1), the client's kernel ACKs it (server"
		echo "FIN_WAIT1 -> FIN_WAIT2, orphaned, so FIN_WAIT2 -> CLOSE into a timewait socket;"
		echo "TIME_WAIT is never printed) and the client socket goes to CLOSE_WAIT; the"
		echo "client's close() sends FIN (CLOSE_WAIT -> LAST_ACK), the ACK ends it (-> CLOSE)."
	fi
	echo "  $who-first connections $nc, with the expected paths $nok,"
	echo "  of which the server's final ->CLOSE is in the trace: $nogap; TIME_WAIT lines: $tw"
	if [ "$forced" = 1 ]; then
		expect_eq "connections where the $who closed first" "$N" "$nc"
		for t in "ESTABLISHED FIN_WAIT1" "FIN_WAIT1 FIN_WAIT2" "FIN_WAIT2 CLOSE" \
			"ESTABLISHED CLOSE_WAIT" "CLOSE_WAIT LAST_ACK" "LAST_ACK CLOSE"; do
			# shellcheck disable=SC2086
			expect_eq "dwell.csv ${t% *} -> ${t#* } sockets" "$N" "$(dwell cl $t)"
		done
	else
		expect_ge "connections where the $who closed first (race)" 1 "$nc"
	fi
	expect_eq "$who-first connections with the expected state paths" "$nc" "$nok"
	expect_eq "TIME_WAIT in inet_sock_set_state (never: FIN_WAIT2 -> CLOSE instead)" 0 "$tw"
	expect_eq "dwell.csv sockets that reached TIME_WAIT" 0 \
		"$(awk -F, '$1 == "TIME_WAIT" || $2 == "TIME_WAIT" { n += $3 } END { print n + 0 }' \
			"$work/cl/dwell.csv")"
}
