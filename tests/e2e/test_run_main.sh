# The main job: ./bench --conns 10000 --backlog 5 -> every file, 10,000 joined
# rows, join rate 100%, no lost events, kernel handshake <= user connect for
# every joined connection.
. "$SB_TESTS/e2e/lib.sh"
need_root

out="$WORK/run"
start=$(date +%s)
run_exact "$out" "$WORK/stdout" "$SYNBENCH" --conns 10000 --backlog 5 --no-plot --verbose
rc=$?
end=$(date +%s)
check "exit" "$rc" -eq 0
echo "  (wall $((end - start)) s)"
for f in config.json connections.csv queue.csv dwell.csv counters.csv summary.json report.txt; do
	[ -s "$out/$f" ] && ok "$f written" || bad "$f missing"
done
s="$out/summary.json"
check "schema" "$(jqv "$s" .schema)" -eq 1
check "interrupted" "$(jqv "$s" .interrupted)" = false
check "rows" "$(($(wc -l <"$out/connections.csv") - 1))" -eq 10000
check "join rate" "$(jqv "$s" .join_rate)" = 1
# each server child found its client by the client's ISN, which the kernel
# records at both ends (the key across hosts, --server-via)
check "children joined by 4-tuple + ISN" "$(jqv "$s" .reconciliation.kernel_children_by_isn)" -eq "$(jqv "$s" .reconciliation.kernel_children)"
check "children recorded" "$(jqv "$s" .reconciliation.kernel_children)" -gt 0
# nothing lost to our sizing (ring buffer, socket map, sampler); tracepoint
# hits the kernel itself skipped and no twin caught (a softirq over a
# running handler without a twin: the drops) are counted, and rare
check "lost events: only hits the kernel kept from the probes" "$(jqv "$s" .lost_events)" -eq "$(jqv "$s" .probes.missed_events)"
# how often a softirq lands on a running handler depends on how long the
# handler runs: under emulation (SB_EMULATED=1, set by scripts/kernel-matrix)
# handlers run many times slower and the rate is no property of the probes
if [ -z "${SB_EMULATED:-}" ]; then
	check "hits the kernel kept from the probes < 0.1% of events" "$(jqv "$s" '.probes.missed_events * 1000')" -le "$(jqv "$s" .probes.events)"
else
	ok "hits the kernel kept from the probes: $(jqv "$s" .probes.missed_events) of $(jqv "$s" .probes.events) events (not bounded under emulation)"
fi
# the kernel's own count of the skips of the handlers that have a catcher
# twin by default (recursion_misses, --verbose: a line for each program that
# ran or was skipped) against the twins' catches: every skip caught, whether
# the softirq came in the handler's code or in the kernel's around it
# (docs/kernel-facts.md#fact-44)
# (a handler's twin is the program named after it with _nested: the ones
# that ran are those --verbose lists)
skips=$(awk '$2 == "bpf" { missed[$3] = $(NF - 1) }
	END { for (p in missed) if ((p "_nested") in missed) { n += missed[p]; k++ }
	      if (k) print n + 0 }' "$WORK/stdout")
if [ -n "$skips" ]; then
	check "skips of the handlers with twins = the twins' catches (nested_caught)" \
		"$(awk -F, '$2 == "nested_caught" { print $5 }' "$out/counters.csv")" -eq "$skips"
elif [ "$(jqv "$s" .probes.components.state_changes.mode)" = tp_btf ]; then
	bad "--verbose named no handler with a twin"
else
	ok "no tp_btf state handler here: no twin"
fi
check "a record per tracked socket" "$(jqv "$s" .probes.records)" -eq "$(jqv "$s" '.probes.clients + .probes.children')"
check "outcomes add up" "$(jqv "$s" '[.outcomes[]] | add')" -eq 10000
# per connection: the kernel handshake lies inside the user's connect()
viol=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "kernel_handshake_us") k = i; if ($i == "user_connect_us") u = i } next }
	$k != "" && $u != "" { n++; if ($k + 0 > $u + 0) v++ } END { print v + 0 "/" n + 0 }' "$out/connections.csv")
check "kernel handshake > user connect (violations/joined)" "${viol%/*}" -eq 0
check "joined pairs compared" "${viol#*/}" -gt 0
# the stdout table is there, with the reconciliation
grep -q "kernel" "$WORK/stdout" && ok "table printed" || bad "no table on stdout"
grep -q "TCPSynRetrans" "$WORK/stdout" && ok "reconciliation printed" || bad "no reconciliation"
# one report path: the run's reports are what bench plot DIR renders from the
# result files, byte for byte; every figure in a person's unit (no raw µs
# such as 1029701.631 in the reports or on stdout)
for f in report.txt report.md report.html; do
	[ -s "$out/$f" ] && cp "$out/$f" "$WORK/run-$f" || bad "$f missing"
done
"$SYNBENCH" plot --no-plot "$out" >"$WORK/plot.out" 2>&1
check "bench plot --no-plot DIR" "$?" -eq 0
for f in report.txt report.md report.html; do
	cmp -s "$WORK/run-$f" "$out/$f" && ok "bench plot reproduces $f" ||
		bad "bench plot DIR changed $f: $(diff "$WORK/run-$f" "$out/$f" | head -5)"
done
ls -a "$out" | grep -q '\.tmp' && bad "temporary files left in $out" || ok "no temporary files"
for f in "$out/report.txt" "$out/report.md" "$WORK/stdout"; do
	raw=$(grep -Eo '(^|[^0-9.])[0-9]{4,}\.[0-9]{3}([^0-9]|$)' "$f" | head -1)
	[ -z "$raw" ] && ok "$(basename "$f"): human units" || bad "$(basename "$f") shows raw µs: $raw"
done
raw=$(sed -e 's/<svg.*<\/svg>//' -e '/<pre>/,/<\/pre>/d' "$out/report.html" | grep -Eo '(^|[^0-9.])[0-9]{4,}\.[0-9]{3}([^0-9]|$)' | head -1)
[ -z "$raw" ] && ok "report.html: human units" || bad "report.html shows raw µs: $raw"
finish
