# Across machines, the cheap transport (`ip netns exec`): a server host and
# two client hosts as three namespaces (tests/e2e/hosts_lib.sh).
#  1. --server-via: every accepted connection joined across hosts by 4-tuple
#     + client ISN, each host's identities exact, the server's overflow
#     counters equal to its probes'; hosts/<name>/ and summary.json hosts[].
#  2. + --client-via: each client host's share as asked, every connection
#     counted once, per-host rates and CPU.
#  3. a host that cannot start: one line naming it, exit 2, nothing written.
#  4. a remote killed mid-run: the run ends interrupted with what was
#     collected; no process and no BPF program left behind.
. "$SB_TESTS/e2e/lib.sh"
. "$SB_TESTS/e2e/hosts_lib.sh"
need_root
hosts_make 2
CLI1="${HOSTS_PFX}cli1"
CLI2="${HOSTS_PFX}cli2"
VIA="ip netns exec $SRV_NS"
common="--server-addr 198.18.0.1 --remote-bin $SYNBENCH --backlog 5 --no-plot --quiet --syncookies 0"
progs0=$(bpf_progs)
netns0=$(lsns -n -t net -o NS | sort -u | wc -l)
# under emulation (the kernel matrix, SB_EMULATED=1) a third of the load
n1=3000 n2=3001 nk=4000 rk=400
[ -n "${SB_EMULATED:-}" ] && n1=1000 n2=1001 nk=1600 rk=160

# per-host identities: every one checked on this kernel holds
# SUMMARY -> the failing identities but the retransmit ones, which
# retransmits_attested checks one by one against the observer (a CI run:
# client_syn_retransmits 8,086 against 9,352, within the 1,266 SYN
# retransmits tracefs saw on PID 1's threads, failed the count here)
identities_hold() {
	jq '[.hosts[].identities | to_entries[] | select(.value.status == "fails")
		| select(.key | test("_retransmits$") | not)] | length' "$1"
}
# retransmits_attested SUMMARY: every host's retransmit identities, exact or
# short by no more than the observer saw on PID 1's threads (lib.sh)
retransmits_attested() {
	for i in $(jq -r '.hosts | keys[]' "$1"); do
		for id in $(jq -r ".hosts[$i].identities | to_entries[] | select((.key | test(\"_retransmits$\")) and .value.probe != null) | .key" "$1"); do
			case $id in *synack*) ev=SYNACK ;; *) ev=SYN ;; esac
			check_attested "host $i: $id (probe = kernel)" \
				"$(jqv "$1" ".hosts[$i].identities.$id.probe")" \
				"$(jqv "$1" ".hosts[$i].identities.$id.kernel")" RETRANSMIT "$ev"
		done
	done
}

echo "1. --server-via, $n1 connections at backlog 5"
out="$WORK/one"
# shellcheck disable=SC2086
run_exact "$out" "$WORK/one.out" "$SYNBENCH" --netns "$CLI1" --server-via "$VIA" $common --conns "$n1"
check "exit" "$?" -eq 0
s="$out/summary.json"
check "join rate" "$(jqv "$s" .join_rate)" = 1
check "server child records" "$(jqv "$s" .reconciliation.kernel_children)" -gt 0
check "every server child joined across hosts by 4-tuple + ISN" "$(jqv "$s" .reconciliation.kernel_children_by_isn)" -eq "$(jqv "$s" .reconciliation.kernel_children)"
check_attested "every accept joined" "$(jqv "$s" .reconciliation.accepts_unmatched)" 0 SYN_RECV ESTABLISHED
check "accepts joined through a child (none by port alone)" "$(jqv "$s" .reconciliation.accepts_by_peer)" -eq 0
check "accepted = server accepts" "$(jqv "$s" .outcomes.accepted)" -eq "$(jqv "$s" '.hosts[] | select(.role == "server") | .accepts')"
check "syncookies 0: client ESTABLISHED = accepted + queued + ghosts holds" "$(jqv "$s" .reconciliation.identities.client_established.status)" = holds
check "hosts" "$(jqv "$s" '.hosts | length')" -eq 2
check "per-host identities failing (but the retransmits')" "$(identities_hold "$s")" -eq 0
check_host_identities "$s"
check "server backlog" "$(jqv "$s" '.hosts[1].effective_backlog')" -eq 5
check "client host namespace is the coordinator's" "$(jqv "$s" '.hosts[0].netns_inode')" -eq "$(stat -L -c %i "/run/netns/$CLI1")"
check "server host namespace" "$(jqv "$s" '.hosts[1].netns_inode')" -eq "$(stat -L -c %i "/run/netns/$SRV_NS")"
unc=$(jqv "$s" '.hosts[1].clock_uncertainty_ns')
off=$(jqv "$s" '.hosts[1].clock_offset_ns')
# one kernel, one CLOCK_MONOTONIC: the estimated offset is 0 within its
# uncertainty (plus the scheduling noise of one exchange)
check "clock offset within its uncertainty of 0 (one kernel)" "${off#-}" -le "$((unc + 1000000))"
for f in hosts/client0/records.csv hosts/client0/counters.csv hosts/client0/config.json \
	hosts/server/records.csv hosts/server/queue.csv hosts/server/counters.csv hosts/server/config.json; do
	[ -s "$out/$f" ] && ok "$f" || bad "$f missing"
done
check "server records.csv: one row per child record" "$(awk -F, 'NR > 1 && $2 == "child"' "$out/hosts/server/records.csv" | wc -l)" -eq "$(jqv "$s" .reconciliation.kernel_children)"
grep -q "^host server" "$out/report.txt" && ok "report: a line per host" || bad "report has no host line"

echo "2. + --client-via: two client hosts, $n2 connections"
out="$WORK/two"
# shellcheck disable=SC2086
run_exact "$out" "$WORK/two.out" "$SYNBENCH" --netns "$CLI1" --server-via "$VIA" --client-via "ip netns exec $CLI2" $common --conns "$n2"
check "exit" "$?" -eq 0
s="$out/summary.json"
check "hosts" "$(jqv "$s" '.hosts | length')" -eq 3
check "client0's share" "$(jqv "$s" '.hosts[0].conns_started')" -eq $((n2 / 2 + 1))
check "client1's share" "$(jqv "$s" '.hosts[1].conns_started')" -eq $((n2 / 2))
check "client1's config.json: its share" "$(jqv "$out/hosts/client1/config.json" .options.conns)" -eq $((n2 / 2))
check "client0's config.json: its share" "$(jqv "$out/hosts/client0/config.json" .options.conns)" -eq $((n2 / 2 + 1))
check "rows: every connection once" "$(($(wc -l <"$out/connections.csv") - 1))" -eq "$n2"
check "distinct cookies" "$(column cookie "$out/connections.csv" | sort -u | wc -l)" -eq "$n2"
check "outcomes add up" "$(jqv "$s" '[.outcomes[]] | add')" -eq "$n2"
check "join rate" "$(jqv "$s" .join_rate)" = 1
check "every server child joined by ISN" "$(jqv "$s" .reconciliation.kernel_children_by_isn)" -eq "$(jqv "$s" .reconciliation.kernel_children)"
check "accepts joined" "$(jqv "$s" .reconciliation.accepts_unmatched)" -eq 0
check "per-host identities failing (but the retransmits')" "$(identities_hold "$s")" -eq 0
retransmits_attested "$s"
check "client1 ran in its own namespace" "$(jqv "$s" '.hosts[1].netns_inode')" -eq "$(stat -L -c %i "/run/netns/$CLI2")"
for i in 0 1 2; do
	check "host $i rate reported" "$(jqv "$s" ".hosts[$i].rate_per_s | floor")" -gt 0
	check "host $i CPU reported" "$(jqv "$s" ".hosts[$i] | (.cpu_user_s + .cpu_sys_s) * 1000 | floor")" -gt 0
done
check "report.html: the hosts table, a row per host" \
	"$(grep -A4 '<table class="hosts">' "$out/report.html" | grep -c '^<tr><th>\(client0\|client1\|server\)</th><td>')" -eq 3
check "report.md: a row per host" "$(grep -c '^| \(client0\|client1\|server\) | \(client\|server\) |' "$out/report.md")" -eq 3

echo "2b. the progress line on a terminal counts every client host"
if command -v script >/dev/null; then
	# two hosts at 300/s each for 3 s: past 900 done, client1's count is in
	loud=$(echo "$common" | sed 's/ --quiet//')
	timeout 300 script -qec "$SYNBENCH --netns $CLI1 --server-via '$VIA' --client-via 'ip netns exec $CLI2' $loud --conns 1800 --rate 600 --out $WORK/prog" /dev/null >"$WORK/prog.tty" 2>&1
	check "exit" "$?" -eq 0
	tr '\r' '\n' <"$WORK/prog.tty" | sed 's/\x1b\[K//g' >"$WORK/prog.lines"
	check "progress counts both hosts' shares" "$(grep -c '^[0-9]*/1800 connections' "$WORK/prog.lines")" -gt 0
	check "progress names the other host" "$(grep -c 'other host' "$WORK/prog.lines")" -gt 0
	check "progress counts client1's connections (past client0's 900)" \
		"$(awk -F/ '/^[0-9]+\/1800 connections/ { if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }' "$WORK/prog.lines")" -gt 900
else
	echo "  (no script(1): the terminal progress line not exercised)"
fi

echo "3. a host that cannot start"
out="$WORK/bad"
# shellcheck disable=SC2086
"$SYNBENCH" --netns "$CLI1" --server-via "ip netns exec ${HOSTS_PFX}nosuch" $common --conns 100 --out "$out" >"$WORK/bad.out" 2>"$WORK/bad.err"
check "exit" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/bad.err")" -eq 1
grep -q "host server (ip netns exec ${HOSTS_PFX}nosuch)" "$WORK/bad.err" && ok "names the host: $(cat "$WORK/bad.err")" || bad "does not name the host: $(cat "$WORK/bad.err")"
[ -e "$out" ] && bad "$out written" || ok "nothing written"
# shellcheck disable=SC2086
"$SYNBENCH" --netns "$CLI1" --server-via "$VIA" $common --remote-bin /nonexistent/synbench --conns 100 --out "$out" >"$WORK/bad.out" 2>"$WORK/bad.err"
check "missing remote synbench: exit" "$?" -eq 2
grep -q "host server.*/nonexistent/synbench" "$WORK/bad.err" && ok "names the host and what is missing: $(cat "$WORK/bad.err")" || bad "$(cat "$WORK/bad.err")"

# active_opens NS: the namespace's Tcp ActiveOpens (connects started)
active_opens() {
	ip netns exec "$1" awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp
}

# load_started NS BASE: waits (at most 120 s) until namespace NS has
# started 20 connects more than BASE, i.e. every host is set up and the
# load runs (a connect lives microseconds: counted, not looked for)
load_started() {
	i=0
	while [ "$(active_opens "$1")" -lt $(($2 + 20)) ]; do
		i=$((i + 1))
		[ "$i" -gt 1200 ] && return 1
		sleep 0.1
	done
}

# nothing_left: no synbench half, BPF program or namespace of ours remains;
# a half stops as its channel closes, within seconds (under emulation the
# detach takes a while), so wait up to 60 s before judging
nothing_left() {
	i=0
	while [ "$(pgrep -f "$SYNBENCH (serve|client)" | wc -l)" != 0 ] && [ "$i" -lt 600 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	check "no synbench half left running" "$(pgrep -f "$SYNBENCH (serve|client)" | wc -l)" -eq 0
	check "no BPF program left" "$(bpf_progs)" -eq "$progs0"
	check "no network namespace left (in use)" "$(lsns -n -t net -o NS | sort -u | wc -l)" -le "$netns0"
}

# start_loaded NAME: a three-host run into $WORK/NAME (out) in the
# background (coord: its PID), returned once its load runs
start_loaded() {
	out="$WORK/$1"
	base=$(active_opens "$CLI2")
	# shellcheck disable=SC2086
	"$SYNBENCH" --netns "$CLI1" --server-via "$VIA" --client-via "ip netns exec $CLI2" $common \
		--conns "$nk" --rate "$rk" --out "$out" >"$WORK/$1.out" 2>"$WORK/$1.err" &
	coord=$!
	load_started "$CLI2" "$base" && ok "load running" || bad "no load within 120 s"
}

echo "4. the server host killed mid-run"
start_loaded kill
srv=""
# the server half (ours): a descendant of the coordinator, under the guard
# of its transport, whose command is exactly "$SYNBENCH serve"
for p in $(pgrep -x -f "$SYNBENCH serve"); do
	q=$p
	while [ -n "$q" ] && [ "$q" -gt 1 ] && [ "$q" != "$coord" ]; do
		q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null)
	done
	[ "$q" = "$coord" ] && srv=$p
done
[ -n "$srv" ] && ok "server half pid $srv" || bad "no server half found"
sleep 2
[ -n "$srv" ] && kill -KILL "$srv"
wait "$coord"
check "exit: interrupted" "$?" -eq 130
s="$out/summary.json"
check "summary written" "$(jqv "$s" .interrupted)" = true
check "server marked lost" "$(jqv "$s" '.hosts[] | select(.name == "server") | .lost')" = true
grep -q "host server .*went away" "$WORK/kill.err" && ok "said so: $(grep 'went away' "$WORK/kill.err")" || bad "no message: $(cat "$WORK/kill.err")"
check "client hosts' records kept" "$(jqv "$s" '.hosts[] | select(.name == "client1") | .conns_started')" -gt 0
nothing_left

echo "5. the coordinator stopped (SIGTERM) mid-run"
start_loaded term
sleep 2
kill -TERM "$coord"
wait "$coord"
check "exit: interrupted" "$?" -eq 130
s="$out/summary.json"
check "interrupted" "$(jqv "$s" .interrupted)" = true
check "every host's results came" "$(jqv "$s" '[.hosts[] | select(.lost)] | length')" -eq 0
check "server records kept" "$(jqv "$s" '.hosts[] | select(.name == "server") | .probes.records')" -gt 0
nothing_left

echo "6. the coordinator stopped while the hosts set up"
out="$WORK/early"
# shellcheck disable=SC2086
"$SYNBENCH" --netns "$CLI1" --server-via "$VIA" $common --conns 100 --out "$out" >"$WORK/early.out" 2>"$WORK/early.err" &
coord=$!
i=0
while [ -z "$(pgrep -P "$coord")" ] && [ "$i" -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
kill -TERM "$coord"
wait "$coord"
check "exit: interrupted" "$?" -eq 130
[ -e "$out" ] && bad "$out written" || ok "nothing written (no load ran)"
grep -q "interrupted" "$WORK/early.err" && ok "said so: $(cat "$WORK/early.err")" || bad "no message: $(cat "$WORK/early.err")"
nothing_left
finish
