# What synbench starts dies with it, and its logs live in the result
# directory: a --server-cmd server (and what it forks) ends with the run,
# after SIGKILL too; its output is kept as server.log, never as a file in
# /tmp; a server that dies at once is named with its last words.
. "$SB_TESTS/e2e/lib.sh"
need_root
command -v python3 >/dev/null || { echo "FAIL: python3 missing"; exit 1; }
tag="sbchild$$"
port=18099
# a server that forks a helper (a background sleep) and says something
cat >"$WORK/server.py" <<EOF
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", $port))
s.listen(128)
print("server $tag listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
EOF
cmd="sleep 600 $tag & exec python3 $WORK/server.py $tag"
left() { pgrep -f "$tag" | wc -l; }
cleanup_left() { for p in $(pgrep -f "$tag"); do kill -9 "$p" 2>/dev/null; done; }

echo "1. a normal run: the server's output in server.log, nothing in /tmp"
tmp0=$(ls -d /tmp/synbench-server-* 2>/dev/null | wc -l)
out="$WORK/run"
"$SYNBENCH" --target 127.0.0.1:$port --server-cmd "$cmd" --conns 200 --no-plot --quiet \
	--out "$out" >"$WORK/run.out" 2>&1
check "exit" "$?" -eq 0
grep -q "server $tag listening" "$out/server.log" && ok "server.log kept" || bad "server.log: $(cat "$out/server.log" 2>&1)"
check "no log left in /tmp" "$(ls -d /tmp/synbench-server-* 2>/dev/null | wc -l)" -eq "$tmp0"
sleep 0.5
check "the server and its helper ended" "$(left)" -eq 0
cleanup_left

echo "2. SIGKILL mid-run: the server's whole tree ends too"
"$SYNBENCH" --target 127.0.0.1:$port --server-cmd "$cmd" --conns 1000000 --rate 500 \
	--no-plot --quiet --out "$WORK/killed" >"$WORK/killed.out" 2>&1 &
pid=$!
i=0
while [ "$(left)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the server and its helper run" "$(left)" -ge 2
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null
i=0
while [ "$(left)" -gt 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "none of them left after the kill (in $((i * 100)) ms)" "$(left)" -eq 0
cleanup_left

echo "3. a server that dies at once is named with its last line"
"$SYNBENCH" --target 127.0.0.1:$port --server-cmd "echo no such config >&2; exit 3" \
	--conns 10 --no-plot --quiet --out "$WORK/dead" >"$WORK/dead.out" 2>&1
check "exit" "$?" -eq 2
# (a probe component running in a fallback mode is said too, as a warning)
check "one error line" "$(grep -v ' runs as ' "$WORK/dead.out" | wc -l)" -eq 1
grep -q "exited (status 3).*no such config" "$WORK/dead.out" && ok "names status and words" || bad "said: $(cat "$WORK/dead.out")"
[ ! -e "$WORK/dead" ] && ok "nothing written" || bad "$WORK/dead written"
finish
