# Across machines with a hostile or broken other end: a scripted fake
# `synbench serve` (tests/e2e/fake_peer.py) as the server host, the
# coordinator in a namespace of its own (--server-addr 127.0.0.1 there:
# nothing listens, its connections are refused at once). Each way of
# misbehaving ends the run with exit 2 and exactly one line naming the
# host and the problem, within 60 s: garbage, a NUL byte or silence at
# hello, another protocol or synbench version, oversized blob
# announcements, a count that does not match its blob, a record field out
# of range, a path where the old memory dump had server_log, garbage during
# the run, silence or endless progress lines instead of results (their
# bound set to 3 s by SYNBENCH_RESULTS_TIMEOUT). No crash, no file of the
# peer's choosing deleted (a canary whose path it sends survives), nothing
# left running. A well-behaved fake run succeeds (the fake speaks the
# protocol right); a SIGINT while results are awaited from a silent peer
# ends the run within seconds, interrupted, with what came; a second
# SIGINT ends the coordinator at once.
. "$SB_TESTS/e2e/lib.sh"
need_root
PY=$(command -v python3) || { echo "FAIL: python3 missing"; exit 1; }
FAKE="$SB_TESTS/e2e/fake_peer.py"
NS="sbhp$$"
ns_add "$NS"
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
CANARY="$WORK/canary"
echo "keep me" >"$CANARY"
# silence and chatter instead of results: give up after 3 s, not 120
export SYNBENCH_RESULTS_TIMEOUT=3

# fakes_left: how many fake peers still run (waits up to 5 s for them)
fakes_left() {
	i=0
	while pgrep -f "$FAKE" >/dev/null && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
	pgrep -f "$FAKE" | wc -l
}

# coord MODE NAME [ARGS...]: the coordinator against a fake in MODE, output
# in $WORK/NAME, stdout and stderr in $WORK/NAME.out and .err (EXEC=exec:
# in place of the calling (sub)shell)
coord() {
	mode=$1 name=$2
	shift 2
	${EXEC:-} "$SYNBENCH" --netns "$NS" --server-via "env SB_FAKE=$mode SB_FAKE_CANARY=$CANARY SB_FAKE_MARK=$WORK/$name.stop $PY" \
		--remote-bin "$FAKE" --server-addr 127.0.0.1 --conns 5 --no-probes --quiet --no-plot \
		--out "$WORK/$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# refused MODE WANT: exit 2 within 60 s, one line naming the host and WANT
refused() {
	mode=$1 want=$2
	echo "$mode"
	t0=$(date +%s)
	(EXEC=exec coord "$mode" "$mode") &
	pid=$!
	deadline 60 "$pid" KILL
	wait "$pid"
	rc=$?
	end_deadline
	secs=$(($(date +%s) - t0))
	check "$mode: exit" "$rc" -eq 2
	check "$mode: within 60 s" "$secs" -lt 60
	check "$mode: one line" "$(wc -l <"$WORK/$mode.err")" -eq 1
	if grep -q "host server (env SB_FAKE=$mode .*$want" "$WORK/$mode.err"; then
		ok "$mode: names the host and the problem: $(cut -c1-220 "$WORK/$mode.err")"
	else
		bad "$mode: want 'host server (...): ...$want', got: $(cat "$WORK/$mode.err")"
	fi
	check "$mode: printable only" "$(tr -d '\n' <"$WORK/$mode.err" | LC_ALL=C tr -d '[:print:]' | wc -c)" -eq 0
	[ -e "$WORK/$mode" ] && bad "$mode: output written" || ok "$mode: nothing written"
	[ -f "$CANARY" ] && ok "$mode: the canary survives" || { bad "$mode: the canary was deleted"; echo "keep me" >"$CANARY"; }
	check "$mode: no fake left running" "$(fakes_left)" -eq 0
}

echo "0. a well-behaved fake: the run succeeds"
coord good good
check "good: exit" "$?" -eq 0
check "good: the server's record came (header + 1 row)" "$(wc -l <"$WORK/good/hosts/server/records.csv")" -eq 2
check "good: the server host not lost" "$(jqv "$WORK/good/summary.json" '.hosts[] | select(.name == "server") | .lost')" = false
check "good: no fake left running" "$(fakes_left)" -eq 0

refused garbage "no synbench hello, it said '??\[31mSSH-2.0-garbage ?/"
refused nul "no synbench hello: a line with a NUL byte"
refused proto "it runs synbench [^ ]* (protocol 99), this host synbench [^ ]* (protocol [0-9]*); install the same synbench on every host"
refused version "it runs synbench 9.9.9 (protocol [0-9]*), this host synbench [^ ]* (protocol [0-9]*); install the same synbench on every host"
refused silent_hello "no answer within 10 s"
refused bigmeta "results refused: meta: 99999999999 bytes announced, over the cap"
refused bigblob "results refused: krecs: 99999999999 bytes announced, meta counted 5"
refused bigcount "results refused: krecs: 99999999999 announced, over the cap"
refused count "results refused: krecs: 192 bytes announced, meta counted 2 records"
refused enum "results refused: krecs record 0: role 7 out of range"
refused path "results refused: meta: unknown field server_log"
refused olddump "results refused: results expected, it said 'blob rundata 4096'"
refused rungarbage "broke the protocol during the run: it said '?]0;owned? garbage during the run'"
refused silent "no results within 3 s"
refused progress "no results within 3 s: it said progress, done or pong [0-9]* times, then no results"

echo "SIGINT while the results of a silent peer are awaited"
unset SYNBENCH_RESULTS_TIMEOUT # the default bound: minutes
(EXEC=exec coord sigint sigint) &
pid=$!
i=0
while [ ! -e "$WORK/sigint.stop" ] && [ "$i" -lt 300 ]; do i=$((i + 1)); sleep 0.1; done
[ -e "$WORK/sigint.stop" ] && ok "the fake was told to stop" || bad "the fake was never told to stop"
sleep 0.5
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "sigint: exit" "$rc" -eq 130
check "sigint: ended within 5 s (ms)" "$ms" -lt 5000
check "sigint: one line" "$(wc -l <"$WORK/sigint.err")" -eq 1
grep -q "interrupted while collecting the results of host server" "$WORK/sigint.err" &&
	ok "sigint: said so: $(cat "$WORK/sigint.err")" || bad "sigint: $(cat "$WORK/sigint.err")"
s="$WORK/sigint/summary.json"
check "sigint: written, interrupted" "$(jqv "$s" .interrupted)" = true
check "sigint: the server host lost" "$(jqv "$s" '.hosts[] | select(.name == "server") | .lost')" = true
check "sigint: this host's connections kept" "$(jqv "$s" '.hosts[] | select(.name == "client0") | .conns_started')" -eq 5
check "sigint: no fake left running" "$(fakes_left)" -eq 0

echo "a second SIGINT ends the coordinator at once"
# the first stops the run (1000 connections at 100/s), the second comes
# while the slow fake's results are awaited
(EXEC=exec coord slow slow --conns 1000 --rate 100) &
pid=$!
sleep 2
kill -INT "$pid"
i=0
while [ ! -e "$WORK/slow.stop" ] && [ "$i" -lt 300 ]; do i=$((i + 1)); sleep 0.1; done
[ -e "$WORK/slow.stop" ] && ok "the first SIGINT stopped the run; results awaited" || bad "the fake was never told to stop"
sleep 0.5
# the transport's log (the fake's stderr): the coordinator, killed, leaves it
flog=$(readlink "/proc/$(pgrep -f "$FAKE" | head -1)/fd/2")
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "second SIGINT: ended by it (exit 128 + 2)" "$rc" -eq 130
check "second SIGINT: at once (ms)" "$ms" -lt 1000
check "second SIGINT: no fake left running (it saw its input close)" "$(fakes_left)" -eq 0
case $flog in /tmp/synbench-host-*) rm -f "$flog" ;; esac
[ -f "$CANARY" ] && ok "the canary survives" || bad "the canary was deleted"
finish
