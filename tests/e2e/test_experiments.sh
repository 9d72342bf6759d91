#!/bin/sh
# e2e: every `bench experiment NAME` runs and its kernel facts hold (exit 0),
# each under the tracefs observer (cmd_exact: once more only on the
# machine's attested hole); the list and the unknown-name error. Env:
# SYNBENCH, SB_SRC, SB_TESTS (set by CTest).
set -u
: "${SYNBENCH:?SYNBENCH must point at the synbench binary}"
: "${SB_SRC:?SB_SRC must point at the source tree}"
: "${SB_TESTS:?SB_TESTS must point at the tests directory}"
export SB_SRC
. "$SB_TESTS/e2e/lib.sh"
need_root
list=$("$SYNBENCH" experiment --list) || bad "experiment --list exited $?"
for name in listen-no-accept client-close server-close syncookies abort-on-overflow reuseport-balance listener-restart; do
	echo "$list" | grep -q "^  $name  *[a-z]" || bad "--list does not describe $name"
done
[ "$("$SYNBENCH" experiment | wc -l)" = "$(echo "$list" | wc -l)" ] ||
	bad "experiment without NAME does not list"
"$SYNBENCH" experiment no-such-thing >/dev/null 2>"$WORK/err"
rc=$?
[ $rc = 2 ] || bad "unknown experiment: exit $rc, expected 2"
[ "$(wc -l <"$WORK/err")" = 1 ] || bad "unknown experiment: not one line"

for name in listen-no-accept client-close server-close syncookies abort-on-overflow reuseport-balance listener-restart; do
	start=$(date +%s)
	cmd_exact 5201 "$WORK/out" "$SYNBENCH" experiment "$name"
	rc=$?
	out=$(cat "$WORK/out")
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
finish
