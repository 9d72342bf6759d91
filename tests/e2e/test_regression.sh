# The CI regression gate: short runs (bench baseline run) compared with the
# committed baselines in results/baselines/ (each holds args, compare options,
# summary.json; written by bench baseline save) by `bench compare`, with exact counts and latency/rate thresholds that noise
# cannot trip. A doctored baseline must make compare exit 1.
. "$SB_TESTS/e2e/lib.sh"
need_root

for b in "$SB_SRC"/results/baselines/*/; do
	name=$(basename "$b")
	out="$WORK/$name"
	"$SYNBENCH" baseline run "$b" --out "$out"
	check "$name: run exit" "$?" -eq 0
	# the baseline's compare file supplies the options
	"$SYNBENCH" compare "$b" "$out" >"$WORK/cmp" 2>&1
	rc=$?
	tail -1 "$WORK/cmp"
	[ "$rc" = 0 ] || cat "$WORK/cmp"
	check "$name: compare with the baseline" "$rc" -eq 0
done

# a regression must be caught: one accepted connection less than the baseline
b="$SB_SRC/results/baselines/crr-2000"
mkdir -p "$WORK/doctored"
jq '.outcomes.accepted -= 1' "$b/summary.json" >"$WORK/doctored/summary.json"
# shellcheck disable=SC2046
"$SYNBENCH" compare $(cat "$b/compare") "$WORK/doctored" "$WORK/crr-2000" >"$WORK/cmp" 2>&1
check "doctored baseline: compare exits 1" "$?" -eq 1
grep -q "FAIL: outcomes.accepted" "$WORK/cmp" && ok "names the changed count" || bad "$(tail -1 "$WORK/cmp")"
# and a latency regression beyond a threshold: p99 tripled
jq '.latency_us.user_connect.p99 *= 3' "$b/summary.json" >"$WORK/doctored/summary.json"
"$SYNBENCH" compare --no-baseline-opts --exact none --max-p99-regress 50 "$b" "$WORK/doctored" >"$WORK/cmp" 2>&1
check "tripled p99: compare exits 1" "$?" -eq 1
grep -q "FAIL: latency_us.user_connect.p99" "$WORK/cmp" && ok "names the p99" || bad "$(tail -1 "$WORK/cmp")"
finish
