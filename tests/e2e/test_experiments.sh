#!/bin/sh
# e2e: every `bench experiment NAME` runs and its kernel facts hold (exit 0);
# the list and the unknown-name error. Env: SYNBENCH, SB_SRC (set by CTest).
set -u
: "${SYNBENCH:?SYNBENCH must point at the synbench binary}"
: "${SB_SRC:?SB_SRC must point at the source tree}"
export SB_SRC
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (private network namespaces, BPF)"
	[ "${CI:-}" = true ] || [ "${BENCH_REQUIRE_BPF:-}" = 1 ] && exit 1
	exit 77
fi
fails=0
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

list=$("$SYNBENCH" experiment --list) || bad "experiment --list exited $?"
for name in listen-no-accept client-close server-close syncookies abort-on-overflow reuseport-balance listener-restart; do
	echo "$list" | grep -q "^  $name  *[a-z]" || bad "--list does not describe $name"
done
[ "$("$SYNBENCH" experiment | wc -l)" = "$(echo "$list" | wc -l)" ] ||
	bad "experiment without NAME does not list"
"$SYNBENCH" experiment no-such-thing >/dev/null 2>"${TMPDIR:-/tmp}/sb-exp-err.$$"
rc=$?
[ $rc = 2 ] || bad "unknown experiment: exit $rc, expected 2"
[ "$(wc -l <"${TMPDIR:-/tmp}/sb-exp-err.$$")" = 1 ] || bad "unknown experiment: not one line"
rm -f "${TMPDIR:-/tmp}/sb-exp-err.$$"

for name in listen-no-accept client-close server-close syncookies abort-on-overflow reuseport-balance listener-restart; do
	start=$(date +%s)
	out=$("$SYNBENCH" experiment "$name" 2>&1)
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc != 0 ]; then
		echo "$out"
		bad "experiment $name exited $rc (expected 0)"
		continue
	fi
	echo "$out" | grep -q "^RESULT: every fact above held" || bad "$name: no RESULT line"
	echo "$out" | grep -q "FAIL" && bad "$name: exit 0 but a FAIL line"
	[ "$took" -lt 60 ] || bad "$name took ${took}s (limit 60)"
	echo "ok: experiment $name (${took}s, $(echo "$out" | grep -c '^  ok ') facts)"
done
[ $fails = 0 ] && echo PASSED || echo "FAILED ($fails)"
[ $fails = 0 ]
