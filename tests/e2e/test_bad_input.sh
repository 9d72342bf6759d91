# Bad input: one line naming the problem, exit 2, nothing left behind.
. "$SB_TESTS/e2e/lib.sh"
need_root

expect_bad() { # description, then the arguments
	what=$1
	shift
	out="$WORK/out-bad"
	"$SYNBENCH" "$@" --out "$out" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	lines=$(wc -l <"$WORK/stderr")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q '^synbench: ' "$WORK/stderr" && [ ! -e "$out" ]; then
		ok "$what: exit 2: $(cat "$WORK/stderr")"
	else
		bad "$what: exit $rc, $lines stderr lines, out dir $( [ -e "$out" ] && echo exists || echo absent): $(head -3 "$WORK/stderr")"
	fi
}

expect_bad "unknown option" --frobnicate
expect_bad "non-numeric --conns" --conns ten
expect_bad "negative --conns" --conns -5
expect_bad "--conns 0" --conns 0
expect_bad "trailing junk" --conns 10x
expect_bad "backlog above 65535" --backlog 65536
expect_bad "negative backlog" --backlog -1
expect_bad "rate 0" --rate 0
expect_bad "bad accept policy" --accept sometimes
expect_bad "bad mode" --mode burst
expect_bad "port 0" --port 0
expect_bad "conflict: --req with --mode connect" --req 10
expect_bad "conflict: --no-syncookies --syncookies 1" --no-syncookies --syncookies 1
expect_bad "stray argument" --conns 10 extra
expect_bad "--ipv6 with an IPv4 --target" --ipv6 --target 127.0.0.1:8080
expect_bad "bad --sampler" --sampler sometimes
expect_bad "--probe-off state_changes" --probe-off state_changes
expect_bad "--probe-off unknown component" --probe-off drops,nosuch
expect_bad "conflict: --sampler with --no-probes" --sampler tcp_info --no-probes
# a kernel without multishot accept (before 5.19), forced: --paired needs it
export SYNBENCH_URING_NO=multishot
expect_bad "--paired without io_uring multishot accept" --paired --mode crr --conns 10
unset SYNBENCH_URING_NO

# libbpf older than 1.0 (Ubuntu 22.04 has 0.5): ./bench stops at configure
# with one line, and leaves no build directory behind
mkdir -p "$WORK/pc"
printf 'Name: libbpf\nDescription: an old one\nVersion: 0.5.0\nLibs: -lbpf\nCflags:\n' >"$WORK/pc/libbpf.pc"
PKG_CONFIG_PATH="$WORK/pc" SYNBENCH_BUILD_DIR="$WORK/oldbpf" "$SB_SRC/bench" --conns 10 \
	>/dev/null 2>"$WORK/stderr"
rc=$?
check "libbpf 0.5: exit 2" "$rc" -eq 2
if grep -q '^synbench: needs libbpf >= 1.0 (found 0.5.0)' "$WORK/stderr"; then
	ok "libbpf 0.5: names the problem and the fix"
else
	bad "libbpf 0.5: $(cat "$WORK/stderr")"
fi
check "libbpf 0.5: no build directory left" "$( [ -e "$WORK/oldbpf" ] && echo 1 || echo 0)" -eq 0

# an existing, non-empty --out without --force
mkdir -p "$WORK/full" && echo x >"$WORK/full/keep"
"$SYNBENCH" --conns 10 --out "$WORK/full" >/dev/null 2>"$WORK/stderr"
rc=$?
check "existing non-empty --out refused" "$rc" -eq 2
check "its one-line error" "$(wc -l <"$WORK/stderr")" -eq 1
check "nothing written into it" "$(ls "$WORK/full" | wc -l)" -eq 1

# an unwritable --out
"$SYNBENCH" --conns 10 --out /proc/synbench-nope >/dev/null 2>"$WORK/stderr"
check "unwritable --out refused" "$?" -eq 2

# unknown sub-command
"$SYNBENCH" frobnicate >/dev/null 2>"$WORK/stderr"
check "unknown command" "$?" -eq 2

# not root: one line, exit 2, nothing written (setpriv from util-linux)
if command -v setpriv >/dev/null; then
	chmod 755 "$WORK"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SYNBENCH" --conns 10 --out "$WORK/nobody" \
		>/dev/null 2>"$WORK/stderr"
	rc=$?
	check "not root: exit 2" "$rc" -eq 2
	if grep -q "needs root" "$WORK/stderr"; then ok "not root: names the fix"; else bad "not root: $(cat "$WORK/stderr")"; fi
	check "not root: nothing written" "$( [ -e "$WORK/nobody" ] && echo 1 || echo 0)" -eq 0
fi

# no kernel BTF: the file is hidden under an empty tmpfs in a private
# mount namespace (unshare, from Debian's essential util-linux); one line
# naming the file and the fix, exit 2, nothing written
unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /sys/kernel/btf &&
	exec "$0" --conns 10 --out "$1"' "$SYNBENCH" "$WORK/nobtf" >/dev/null 2>"$WORK/stderr"
rc=$?
check "no kernel BTF: exit 2" "$rc" -eq 2
check "no kernel BTF: one line" "$(wc -l <"$WORK/stderr")" -eq 1
grep -q "^synbench: kernel BTF not found at /sys/kernel/btf/vmlinux.*--no-probes" "$WORK/stderr" &&
	ok "no kernel BTF: names the file and the fix" || bad "no kernel BTF: $(cat "$WORK/stderr")"
check "no kernel BTF: nothing written" "$( [ -e "$WORK/nobtf" ] && echo 1 || echo 0)" -eq 0
check "the host still has its BTF" "$( [ -r /sys/kernel/btf/vmlinux ] && echo 1 || echo 0)" -eq 1

# help and version succeed
"$SYNBENCH" --help >"$WORK/help" 2>&1
check "--help exit" "$?" -eq 0
grep -q "EXAMPLES" "$WORK/help" && ok "--help has EXAMPLES" || bad "--help lacks EXAMPLES"
"$SYNBENCH" --version >/dev/null 2>&1
check "--version exit" "$?" -eq 0
finish
