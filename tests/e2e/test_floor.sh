# synbench-floor (the machine's floor that scripts/bench-speed prints): both
# shapes complete every connection inside their own namespace, as the
# kernel counts them too (ActiveOpens = PassiveOpens = connections), with
# the io_uring operations and with their syscall fallbacks forced
# (SYNBENCH_URING_NO: setsockopt and bind as syscalls, what a 6.1 kernel
# needs); the host's sysctls are left alone; bad arguments and a missing
# io_uring operation get exit 2.
. "$SB_TESTS/e2e/lib.sh"
need_root
: "${SYNBENCH_FLOOR:?run through ctest: SYNBENCH_FLOOR must name synbench-floor}"

errf=$(mktemp)
tw_before=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
for no in "" bind sockopt sockopt,bind; do
	for shape in crr rst; do
		name="$shape${no:+ (SYNBENCH_URING_NO=$no)}"
		out=$(SYNBENCH_URING_NO=$no "$SYNBENCH_FLOOR" "$shape" 4000 8 2>"$errf")
		check "$name: exit" "$?" -eq 0
		case $out in
		"floor $shape: 4000 conns in "*" conns/s ("*" CPUs, 0 failed)
kernel: ActiveOpens 4000 PassiveOpens 4000") ok "$name: $(echo $out)" ;;
		*) bad "$name: unexpected output: $out $(cat "$errf")" ;;
		esac
		# a fallback is said on stderr, each op by name: "bind=no(forced)",
		# or "bind=no" on a kernel without it (6.1 has neither op)
		for op in $(echo "$no" | tr , ' '); do
			grep -q " $op=no" "$errf" ||
				bad "$name: stderr does not name $op: $(cat "$errf")"
		done
	done
done
rm -f "$errf"
check "host tcp_max_tw_buckets untouched" "$(sysctl -n net.ipv4.tcp_max_tw_buckets)" -eq "$tw_before"

# no fallback for the ring's own socket and accept: a one-line error naming
# the operation and the kernel it needs
err=$(SYNBENCH_URING_NO=socket "$SYNBENCH_FLOOR" crr 100 2>&1)
check "socket missing: exit" "$?" -eq 2
case $err in
"synbench-floor: needs IORING_OP_SOCKET (Linux 5.19+) (or SYNBENCH_URING_NO took it away)") ok "socket missing: $err" ;;
*) bad "socket missing: unexpected message: $err" ;;
esac
SYNBENCH_URING_NO=connect "$SYNBENCH_FLOOR" crr 100 >/dev/null 2>&1
check "unknown SYNBENCH_URING_NO op: exit" "$?" -eq 2

"$SYNBENCH_FLOOR" burst >/dev/null 2>&1
check "unknown shape: exit" "$?" -eq 2
"$SYNBENCH_FLOOR" crr 10x >/dev/null 2>&1
check "non-numeric count: exit" "$?" -eq 2
"$SYNBENCH_FLOOR" crr 100 0 >/dev/null 2>&1
check "zero in flight: exit" "$?" -eq 2
"$SYNBENCH_FLOOR" crr -1 >/dev/null 2>&1
check "negative count: exit" "$?" -eq 2
"$SYNBENCH_FLOOR" crr 100 1025 >/dev/null 2>&1
check "too many in flight: exit" "$?" -eq 2
finish
