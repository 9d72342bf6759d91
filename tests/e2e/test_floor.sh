# synbench-floor (the machine's floor that scripts/bench-speed prints): both
# shapes complete every connection inside their own namespace, the host's
# sysctls are left alone, bad arguments get exit 2.
. "$SB_TESTS/e2e/lib.sh"
need_root
: "${SYNBENCH_FLOOR:?run through ctest: SYNBENCH_FLOOR must name synbench-floor}"

tw_before=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
for shape in crr rst; do
	out=$("$SYNBENCH_FLOOR" "$shape" 4000 8 2>&1)
	check "$shape: exit" "$?" -eq 0
	case $out in
	"floor $shape: 4000 conns in "*" conns/s ("*" CPUs, 0 failed)") ok "$shape: $out" ;;
	*) bad "$shape: unexpected output: $out" ;;
	esac
done
check "host tcp_max_tw_buckets untouched" "$(sysctl -n net.ipv4.tcp_max_tw_buckets)" -eq "$tw_before"

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
