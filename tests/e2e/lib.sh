# Shared helpers for the e2e tests (POSIX sh). Source it: . "$SB_TESTS/e2e/lib.sh"
# Environment from CTest: SYNBENCH (the binary), SB_SRC (repo), SB_TESTS.
: "${SYNBENCH:?run through ctest: SYNBENCH must name the synbench binary}"
failures=0
WORK=$(mktemp -d /tmp/synbench-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

need_root() {
	if [ "$(id -u)" != 0 ]; then
		if [ "${CI:-}" = true ] || [ "${BENCH_REQUIRE_BPF:-}" = 1 ]; then
			echo "FAIL: needs root, and CI forbids skipping"
			exit 1
		fi
		echo "SKIP: needs root"
		exit 77
	fi
	command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/deps.sh --test installs it)"; exit 1; }
}

ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; failures=$((failures + 1)); }

# check NAME GOT OP WANT   (OP: -eq -ne -gt -ge -lt -le = !=)
check() {
	if [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1: $2 $3 $4"; else bad "$1: got '$2', want $3 '$4'"; fi
}

# jqv FILE FILTER -> value
jqv() { jq -r "$2" "$1"; }

# column NAME CSV -> the column's values, one per line
column() {
	awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$2"
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "FAILED ($failures)"
		exit 1
	fi
	echo "PASSED"
	exit 0
}
