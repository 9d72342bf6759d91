# Sysctls a run changes in a namespace synbench did not create (--netns, a
# host's own namespace across machines) are put back (harness/run/restore.c):
#  1. a --netns run: after exit every value is what it was before; also
#     after a run that fails once its sysctls are set;
#  2. the same run stopped by SIGINT, and by SIGTERM, mid-run: put back;
#  3. SIGKILLed mid-run: the values stay changed and a journal is left;
#     `bench doctor` puts them back, says so, and removes the journal; so
#     does the next run;
#  4. a value someone else changed during the run: left, with a warning;
#  5. across hosts (--server-via 'ip netns exec SRV'): the server host's
#     namespace put back after the run, and after the coordinator is
#     SIGKILLed (its half sees the end of its input and stops; on this one
#     machine it also puts back the dead coordinator's namespace).
. "$SB_TESTS/e2e/lib.sh"
. "$SB_TESTS/e2e/hosts_lib.sh"
need_root
need_nginx "the --netns runs' target"
JDIR=/run/synbench/restore
LPID=""
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	hosts_cleanup
}
trap cleanup EXIT
hosts_make 1
CLI1="${HOSTS_PFX}cli1"
NS="${HOSTS_PFX}t"
ns_add "$NS"
HOSTS_NS="$HOSTS_NS $NS"

# a server of the test's own in NS (the target of the --netns runs): one
# nginx process (no master), ended by its PID
nginx_conf "$WORK/nginx.conf" 4096 "master_process off"
ip netns exec "$NS" "$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
LPID=$!
i=0
while ! ip netns exec "$NS" ss -Hltn 'sport = :8080' | grep -q .; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "FAIL: nginx did not start: $(cat "$WORK/error.log")"; exit 1; }
	sleep 0.1
done

# vals NS: tcp_syncookies somaxconn tcp_syn_retries ip_local_port_range
vals() {
	ip netns exec "$1" sh -c 'echo $(cat /proc/sys/net/ipv4/tcp_syncookies /proc/sys/net/core/somaxconn \
		/proc/sys/net/ipv4/tcp_syn_retries /proc/sys/net/ipv4/ip_local_port_range)'
}
# setv NS NAME VALUE (NAME as a path under /proc/sys)
setv() { ip netns exec "$1" sh -c "echo '$3' >/proc/sys/$2"; }
# the namespace's own values, none of them a fresh namespace's default
setv "$NS" net/core/somaxconn 1000
setv "$NS" net/ipv4/tcp_syn_retries 5
setv "$NS" net/ipv4/ip_local_port_range "30000 50000"
ORIG=$(vals "$NS")
CHANGED="0 16 2 20000 30000"
check "the namespace's values before" "$ORIG" = "1 1000 5 30000 50000"
SET="--syncookies 0 --somaxconn 16 --syn-retries 2 --port-range 20000-30000"
RUN="$SYNBENCH --netns $NS --target 127.0.0.1:8080 --no-plot --quiet"

# journals PID: how many journals PID left
journals() { ls "$JDIR" 2>/dev/null | grep -c "^$1-" || true; }

# changed NS WANT: waits (at most 60 s) until NS's values are WANT
changed() {
	i=0
	while [ "$(vals "$1")" != "$2" ]; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && return 1
		sleep 0.1
	done
}

# start_long NAME: a 20 s run in the background (pid), returned once it
# changed the namespace
start_long() {
	# shellcheck disable=SC2086
	$RUN $SET --conns 4000 --rate 200 --out "$WORK/$1" >"$WORK/$1.out" 2>"$WORK/$1.err" &
	pid=$!
	changed "$NS" "$CHANGED" && ok "$1: the run changed the namespace" || bad "$1: values $(vals "$NS")"
	sleep 1
}

echo "1. a --netns run puts the namespace back"
# shellcheck disable=SC2086
$RUN $SET --conns 200 --out "$WORK/one" >"$WORK/one.out" 2>&1
check "exit" "$?" -eq 0
check "the run saw its own values" "$(jqv "$WORK/one/config.json" '.sysctls["net.core.somaxconn"]')" = 16
check "values after = before" "$(vals "$NS")" = "$ORIG"
check "no journal left" "$(ls "$JDIR" 2>/dev/null | grep -c "^[0-9]*-$(stat -L -c %i "/run/netns/$NS")$" || true)" -eq 0

echo "1b. a run failing after its sysctls were set (nothing listens on its target)"
# shellcheck disable=SC2086
$SYNBENCH --netns "$NS" --target 127.0.0.1:8099 --no-plot --quiet $SET --conns 10 --out "$WORK/fail" >"$WORK/fail.out" 2>&1
check "exit" "$?" -eq 2
grep -q "nothing listens on port 8099" "$WORK/fail.out" && ok "the error: $(cat "$WORK/fail.out")" || bad "$(cat "$WORK/fail.out")"
check "values after = before" "$(vals "$NS")" = "$ORIG"

for sig in INT TERM; do
	echo "2. SIG$sig mid-run"
	start_long "$sig"
	kill -"$sig" "$pid"
	wait "$pid"
	check "exit: interrupted" "$?" -eq 130
	check "values after = before" "$(vals "$NS")" = "$ORIG"
	check "no journal left" "$(journals "$pid")" -eq 0
done

echo "3. SIGKILL mid-run, then bench doctor"
start_long kill
kill -KILL "$pid"
wait "$pid"
check "values still changed" "$(vals "$NS")" = "$CHANGED"
check "a journal left" "$(journals "$pid")" -eq 1
"$SYNBENCH" doctor >/dev/null 2>"$WORK/doctor.err"
check "values put back by doctor" "$(vals "$NS")" = "$ORIG"
check "journal removed" "$(journals "$pid")" -eq 0
grep -q "restored net.ipv4.tcp_syncookies=1 net.core.somaxconn=1000 net.ipv4.tcp_syn_retries=5 net.ipv4.ip_local_port_range='30000 50000' in netns $NS, left by synbench pid $pid that did not exit cleanly" "$WORK/doctor.err" &&
	ok "said so: $(grep restored "$WORK/doctor.err")" || bad "doctor said: $(cat "$WORK/doctor.err")"
check "in one line" "$(grep -c "pid $pid" "$WORK/doctor.err")" -eq 1

echo "3b. SIGKILL mid-run, then the next run (in its own private namespace)"
start_long kill2
kill -KILL "$pid"
wait "$pid"
check "a journal left" "$(journals "$pid")" -eq 1
"$SYNBENCH" --conns 10 --no-plot --quiet --out "$WORK/next" >"$WORK/next.out" 2>"$WORK/next.err"
check "the next run: exit" "$?" -eq 0
check "values put back by the next run" "$(vals "$NS")" = "$ORIG"
check "journal removed" "$(journals "$pid")" -eq 0
grep -q "restored .* in netns $NS, left by synbench pid $pid that did not exit cleanly" "$WORK/next.err" &&
	ok "said so" || bad "the next run said: $(cat "$WORK/next.err")"

echo "4. a value someone else changed during the run is left, with a warning"
start_long other
setv "$NS" net/core/somaxconn 77
wait "$pid"
check "exit" "$?" -eq 0
check "values: somaxconn left, the rest put back" "$(vals "$NS")" = "1 77 5 30000 50000"
grep -q "left net.core.somaxconn=77 in netns $NS: changed by someone else since synbench set it to 16 (it was 1000 before)" "$WORK/other.err" &&
	ok "warned: $(grep left "$WORK/other.err")" || bad "no warning: $(cat "$WORK/other.err")"
check "one line" "$(grep -c somaxconn "$WORK/other.err")" -eq 1
setv "$NS" net/core/somaxconn 1000

echo "5. across hosts: the server host's namespace"
SORIG=$(vals "$SRV_NS")
CORIG=$(vals "$CLI1")
XRUN="$SYNBENCH --netns $CLI1 --server-via 'ip netns exec $SRV_NS' --server-addr 198.18.0.1 --remote-bin $SYNBENCH --no-plot --quiet --syncookies 0 --somaxconn 16"
sh -c "$XRUN --conns 200 --out $WORK/x1" >"$WORK/x1.out" 2>&1
check "exit" "$?" -eq 0
check "the server host saw syncookies 0" "$(jqv "$WORK/x1/hosts/server/config.json" '.sysctls["net.ipv4.tcp_syncookies"]')" = 0
check "server namespace after = before" "$(vals "$SRV_NS")" = "$SORIG"
check "client namespace after = before" "$(vals "$CLI1")" = "$CORIG"

echo "5b. the coordinator SIGKILLed mid-run"
sh -c "exec $XRUN --conns 4000 --rate 200 --out $WORK/x2" >"$WORK/x2.out" 2>&1 &
coord=$!
changed "$CLI1" "0 16 $(echo "$CORIG" | cut -d' ' -f3-)" && ok "the load runs" || bad "no load: $(cat "$WORK/x2.out")"
check "the server namespace changed" "$(vals "$SRV_NS" | cut -d' ' -f1-2)" = "0 16"
half=""
for p in $(pgrep -P "$coord"); do
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q ' serve' && half=$p
done
[ -n "$half" ] && ok "server half pid $half" || bad "no server half found"
sleep 1
kill -KILL "$coord"
wait "$coord"
i=0
while [ -n "$half" ] && kill -0 "$half" 2>/dev/null && [ "$i" -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
[ -n "$half" ] && kill -0 "$half" 2>/dev/null && bad "the server half still runs" || ok "the server half ended"
check "server namespace put back by its half" "$(vals "$SRV_NS")" = "$SORIG"
# the coordinator's own namespace: its journal is put back by the next
# synbench on its host to change or end, here the server half at its end
check "client namespace put back (the coordinator's journal, by the half)" "$(vals "$CLI1")" = "$CORIG"
check "the coordinator's journal removed" "$(journals "$coord")" -eq 0
finish
