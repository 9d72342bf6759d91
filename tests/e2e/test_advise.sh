#!/bin/sh
# e2e: bench advise against the built-in listener with --accept delay:1 and
# a burst of 200 connects: the backlog it returns is confirmed by a run of
# our own (0 ListenOverflows), a run at half of it overflows; every row of
# advise.csv is its run's own counters; a somaxconn the user sets binds and
# is said; the same for a --target server started by --server-cmd, whose
# backlog the search caps with somaxconn, and whose own smaller backlog is
# said to bind; bad input exits 2 with nothing written. Env: SYNBENCH (CTest).
set -u
: "${SYNBENCH:?SYNBENCH must point at the synbench binary}"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (private network namespaces, BPF)"
	[ "${CI:-}" = true ] || [ "${BENCH_REQUIRE_BPF:-}" = 1 ] && exit 1
	exit 77
fi
command -v jq >/dev/null || { echo "FAIL: needs jq"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-advise-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
load="--conns 200 --concurrency 200 --accept delay:1 --connect-timeout 10000"

echo "1. bad input: exit 2, nothing written"
for args in "--backlog 4" "--target 127.0.0.1:80" "--target 127.0.0.1:80 --server-cmd true --somaxconn 9" "--goal p99:abc" "--goal fast" \
	"--repeat 0" "--max-backlog 70000" "--conns 0" "--json"; do
	# shellcheck disable=SC2086
	"$SYNBENCH" advise $args --out "$tmp/bad" >"$tmp/bad.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] || bad "advise $args: exit $rc, expected 2"
	[ "$(wc -l <"$tmp/bad.out")" = 1 ] || bad "advise $args: not one line: $(cat "$tmp/bad.out")"
	[ -e "$tmp/bad" ] && bad "advise $args: wrote $tmp/bad" && rm -rf "$tmp/bad"
done

echo "2. the search: $load"
# shellcheck disable=SC2086
"$SYNBENCH" advise $load --repeat 1 --out "$tmp/adv" >"$tmp/adv.out" 2>"$tmp/adv.err"
rc=$?
cat "$tmp/adv.out"
[ "$rc" = 0 ] || bad "advise exited $rc: $(tail -3 "$tmp/adv.err")"
j=$tmp/adv/advise.json
csv=$tmp/adv/advise.csv
b=$(jq -r '.backlog // 0' "$j" 2>/dev/null || echo 0)
lo=$(jq -r '.largest_failing_backlog // 0' "$j" 2>/dev/null || echo 0)
[ "$b" -gt 0 ] 2>/dev/null || bad "advise.json has no backlog"
[ "$(jq -r .confirmed "$j")" = true ] || bad "not confirmed"
[ "$lo" -lt "$b" ] || bad "largest failing backlog $lo not below the answer $b"
[ "$(jq -r .runs "$j")" = "$(($(wc -l <"$csv") - 1))" ] || bad "advise.json runs != advise.csv rows"
# every row is its run's own counters
tail -n +2 "$csv" | while IFS=, read -r run phase backlog rep ex ovf reqq retr p99 eff meets dir; do
	s=$tmp/adv/$dir/summary.json
	[ -f "$s" ] || { echo "FAIL: row $run: no $dir/summary.json"; continue; }
	[ "$ovf" = "$(jq .kernel_counters.ListenOverflows "$s")" ] ||
		echo "FAIL: row $run: ListenOverflows $ovf, its run's $(jq .kernel_counters.ListenOverflows "$s")"
	[ "$backlog" = "$(jq .options.backlog "$tmp/adv/$dir/config.json")" ] ||
		echo "FAIL: row $run: backlog $backlog, its run's config $(jq .options.backlog "$tmp/adv/$dir/config.json")"
	case $phase in
	confirm) [ "$ovf" = 0 ] && [ "$meets" = 1 ] || echo "FAIL: confirming row $run: $ovf overflows" ;;
	half) [ "$ovf" -gt 0 ] || echo "FAIL: the run at half ($backlog) did not overflow" ;;
	esac
	[ "$backlog" = "$lo" ] && [ "$ovf" = 0 ] && echo "FAIL: row $run: backlog $lo said failing, 0 overflows"
done >"$tmp/rows"
cat "$tmp/rows"
fails=$((fails + $(grep -c '^FAIL' "$tmp/rows")))
[ "$(jq .half.backlog "$j")" = "$((b / 2))" ] || bad "half.backlog $(jq .half.backlog "$j"), expected $((b / 2))"
[ "$(jq '.half.syn_retransmit_band >= 1' "$j")" = true ] ||
	bad "the run at half: band $(jq .half.syn_retransmit_band "$j") (p99 $(jq .half.p99_user_connect_us "$j") us): a dropped SYN waits for a retransmit (>= 1 s)"
grep -q "net.core.somaxconn 4096 >= $b: does not bind" "$tmp/adv.out" || bad "somaxconn not said"

echo "3. our own runs at $b and at $((b / 2))"
# shellcheck disable=SC2086
"$SYNBENCH" $load --backlog "$b" --quiet --no-plot --out "$tmp/at" >/dev/null 2>&1 || bad "run at $b failed"
# shellcheck disable=SC2086
"$SYNBENCH" $load --backlog "$((b / 2))" --quiet --no-plot --out "$tmp/half" >/dev/null 2>&1 ||
	bad "run at $((b / 2)) failed"
o1=$(jq .kernel_counters.ListenOverflows "$tmp/at/summary.json" 2>/dev/null)
o2=$(jq .kernel_counters.ListenOverflows "$tmp/half/summary.json" 2>/dev/null)
echo "  ListenOverflows: $o1 at backlog $b, $o2 at $((b / 2))"
[ "$o1" = 0 ] || bad "a run at the advised backlog $b overflowed ($o1)"
[ "${o2:-0}" -gt 0 ] || bad "a run at half of it ($((b / 2))) did not overflow"

echo "4. a somaxconn the user sets binds: no backlog up to 128 with somaxconn 64"
# shellcheck disable=SC2086
"$SYNBENCH" advise $load --somaxconn 64 --max-backlog 128 --repeat 1 --out "$tmp/cap" \
	>"$tmp/cap.out" 2>"$tmp/cap.err"
rc=$?
cat "$tmp/cap.out"
[ "$rc" = 1 ] || bad "capped advise exited $rc, expected 1"
[ "$(jq -r .backlog "$tmp/cap/advise.json")" = null ] || bad "capped advise found a backlog"
grep -q "net.core.somaxconn 64 binds" "$tmp/cap.out" || bad "the binding somaxconn not said"
[ -f "$tmp/adv/runs.log" ] || bad "no runs.log"
[ "$(awk -F, '$3 == 128 { print $10 }' "$tmp/cap/advise.csv")" = 64 ] ||
	bad "the run at backlog 128: effective backlog $(awk -F, '$3 == 128 { print $10 }' "$tmp/cap/advise.csv"), expected 64"

# a server of our own that accepts one connection per ms: listen(BACKLOG)
srv() {
	printf '%s' "exec python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"127.0.0.1\", 8080)); s.listen($1)
while True:
    c, _ = s.accept(); c.close(); time.sleep(0.001)'"
}
tload="--conns 200 --concurrency 200 --connect-timeout 10000 --target 127.0.0.1:8080"

echo "5. --target with --server-cmd: the server's own backlog (65535) capped by somaxconn"
# shellcheck disable=SC2086
"$SYNBENCH" advise $tload --server-cmd "$(srv 65535)" --repeat 1 --out "$tmp/tgt" \
	>"$tmp/tgt.out" 2>"$tmp/tgt.err"
rc=$?
cat "$tmp/tgt.out"
[ "$rc" = 0 ] || bad "advise --target exited $rc: $(tail -3 "$tmp/tgt.err")"
j=$tmp/tgt/advise.json
b=$(jq -r '.backlog // 0' "$j" 2>/dev/null || echo 0)
[ "$b" -gt 1 ] 2>/dev/null || bad "advise --target: no backlog"
[ "$(jq -r .confirmed "$j")" = true ] || bad "advise --target: not confirmed"
[ "$(jq -r .limits.target "$j")" = true ] || bad "advise.json limits.target not true"
tail -n +2 "$tmp/tgt/advise.csv" | while IFS=, read -r run phase backlog rep ex ovf reqq retr p99 eff meets dir; do
	c=$tmp/tgt/$dir/config.json
	[ "$backlog" = "$(jq -r '.options.somaxconn' "$c")" ] ||
		echo "FAIL: row $run: backlog $backlog, its run's somaxconn $(jq -r .options.somaxconn "$c")"
	[ "$eff" = "$backlog" ] || echo "FAIL: row $run: the server's backlog $eff, not capped at $backlog"
	case $phase in
	confirm) [ "$ovf" = 0 ] || echo "FAIL: confirming row $run: $ovf overflows" ;;
	half) [ "$ovf" -gt 0 ] || echo "FAIL: the run at half ($backlog) did not overflow" ;;
	esac
done >"$tmp/trows"
cat "$tmp/trows"
fails=$((fails + $(grep -c '^FAIL' "$tmp/trows")))
grep -q "the server's listen backlog and net.core.somaxconn: both at least $b" "$tmp/tgt.out" ||
	bad "advise --target: the limits not said"

echo "6. --target whose own backlog (64) binds: said, exit 1, no larger tried"
# shellcheck disable=SC2086
"$SYNBENCH" advise $tload --server-cmd "$(srv 64)" --repeat 1 --out "$tmp/tcap" \
	>"$tmp/tcap.out" 2>"$tmp/tcap.err"
rc=$?
cat "$tmp/tcap.out"
[ "$rc" = 1 ] || bad "advise --target with listen(64): exit $rc, expected 1"
[ "$(jq -r .limits.server_backlog_binds "$tmp/tcap/advise.json")" = 64 ] ||
	bad "server_backlog_binds $(jq -r .limits.server_backlog_binds "$tmp/tcap/advise.json"), expected 64"
[ "$(awk -F, 'NR > 1 { print $3 }' "$tmp/tcap/advise.csv" | sort -n | tail -1)" = 128 ] ||
	bad "the search went past the first backlog above the server's 64"
grep -q "the server's own listen backlog 64 binds" "$tmp/tcap.out" || bad "the binding server backlog not said"

if [ "$fails" -gt 0 ]; then
	echo "FAILED ($fails)"
	exit 1
fi
echo PASSED
