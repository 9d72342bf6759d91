#!/bin/sh
# e2e: a tiny `bench sweep` (2 backlogs x 2 repeats): sweep.csv rows and
# columns, plots; bad input exits 2 before anything is written; Ctrl-C keeps
# the completed rows only. Env: SYNBENCH (set by CTest).
set -u
: "${SYNBENCH:?SYNBENCH must point at the synbench binary}"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (private network namespaces, BPF)"
	[ "${CI:-}" = true ] || [ "${BENCH_REQUIRE_BPF:-}" = 1 ] && exit 1
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-sweep-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# col NAME: the values of a sweep.csv column, one line per row
col() {
	awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
		{ print (c ? $c : "NOCOLUMN") }' "$tmp/sw/sweep.csv"
}

sweep() {
	rm -rf "$tmp/sw"
	"$SYNBENCH" sweep --backlog 1,8 --conns 200 --repeat 2 --connect-timeout 2000 \
		--out "$tmp/sw" >"$tmp/out" 2>&1
}
sweep
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || bad "sweep exited $rc"
csv=$tmp/sw/sweep.csv
if [ -f "$csv" ]; then
	[ "$(wc -l <"$csv")" = 5 ] || bad "sweep.csv: $(wc -l <"$csv") lines, expected header + 4"
	for c in backlog conns accept mode repeat rate_conns_per_s p50_user_connect_us \
		p99_user_connect_us p50_kernel_handshake_us p99_kernel_handshake_us accepted \
		ghost timeout ListenOverflows ListenDrops TCPSynRetrans lost_events join_rate; do
		head -1 "$csv" | tr ',' '\n' | grep -qx "$c" || bad "sweep.csv has no column $c"
	done
	[ "$(col backlog | tr '\n' ' ')" = "1 1 8 8 " ] ||
		bad "backlog column: $(col backlog | tr '\n' ' '), expected 1 1 8 8"
	[ "$(col conns | sort -u)" = 200 ] || bad "conns column: $(col conns | tr '\n' ' ')"
	[ "$(col repeat | tr '\n' ' ')" = "0 1 0 1 " ] || bad "repeat column: $(col repeat | tr '\n' ' ')"
	[ "$(col exit | sort -u)" = 0 ] || bad "a run failed: exit column $(col exit | tr '\n' ' ')"
	for v in $(col accepted); do
		[ "$v" -gt 0 ] 2>/dev/null || bad "accepted '$v' in a row"
	done
	# the join's exactness is the exact tests' (run_exact, with the tracefs
	# observer); here: a rate in every row
	for v in $(col join_rate); do
		awk -v v="$v" 'BEGIN { exit !(v + 0 > 0 && v + 0 <= 1) }' || bad "join_rate '$v' in a row"
	done
	for r in 1 2 3 4; do
		[ -f "$tmp/sw/run-00$r/summary.json" ] || bad "run-00$r/summary.json missing"
	done
else
	bad "no sweep.csv"
fi
for f in p99_vs_backlog overflows_vs_backlog; do
	for e in png svg; do
		[ -s "$tmp/sw/$f.$e" ] || bad "plot $f.$e missing"
	done
done
[ "$(grep -c '^run [0-9]/4:' "$tmp/out")" = 4 ] || bad "expected 4 progress lines"
# human units: the progress lines and the p99 axis (s, ms or µs, plain tick
# labels, not 1x10^6 µs)
grep -Eq '^run 1/4:.*p99 connect [0-9.]+ (s|ms|µs),' "$tmp/out" ||
	bad "progress line: p99 not in a person's unit: $(grep -m1 '^run 1/4' "$tmp/out")"
if [ -s "$tmp/sw/p99_vs_backlog.svg" ]; then
	grep -Eq 'p99 connect \((s|ms|µs)' "$tmp/sw/p99_vs_backlog.svg" ||
		bad "p99_vs_backlog: the axis names no unit"
	! grep -Eq '10\^|x10|e\+0' "$tmp/sw/p99_vs_backlog.svg" ||
		bad "p99_vs_backlog: exponent tick labels"
fi

# bad input: exit 2, one line naming the option, nothing written
for args in "--backlog 1,x" "--backlog 1,,8" "--accept fast,bogus" "--repeat 0" \
	"--conns 10,0"; do
	# shellcheck disable=SC2086
	"$SYNBENCH" sweep $args --out "$tmp/bad" >"$tmp/bad.out" 2>"$tmp/bad.err"
	rc=$?
	[ $rc = 2 ] || bad "sweep $args: exit $rc, expected 2"
	[ ! -e "$tmp/bad" ] || bad "sweep $args: created the output directory"
	[ "$(wc -l <"$tmp/bad.err")" = 1 ] || bad "sweep $args: error is not one line"
	opt=${args%% *}
	grep -q -- "$opt" "$tmp/bad.err" || bad "sweep $args: error does not name $opt"
	rm -rf "$tmp/bad"
done

# Ctrl-C during the first run: exit 130, header only, the run marked interrupted
"$SYNBENCH" sweep --backlog 1,2 --conns 20 --accept none --syncookies 0 \
	--connect-timeout 3000 --out "$tmp/int" >"$tmp/int.out" 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || bad "interrupted sweep exited $rc, expected 130"
[ "$(wc -l <"$tmp/int/sweep.csv")" = 1 ] || bad "interrupted sweep.csv has rows"
[ "$(jq -r .interrupted "$tmp/int/run-001/summary.json" 2>/dev/null)" = true ] ||
	bad "run-001 not marked interrupted"
[ ! -e "$tmp/int/run-002" ] || bad "a run started after Ctrl-C"

[ $fails = 0 ] && echo PASSED || echo "FAILED ($fails)"
[ $fails = 0 ]
