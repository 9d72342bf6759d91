# contrib/grafana-dashboard.json: valid JSON, and every metric it queries is
# one bench watch --serve emits (harness/output/metrics.c). No privileges.
# Usage: sh test_contrib.sh SRC_DIR
SRC=${1:-${SB_SRC:-.}}
DASH="$SRC/contrib/grafana-dashboard.json"
METRICS="$SRC/harness/output/metrics.c"
command -v jq >/dev/null || { echo "SKIP: jq missing (scripts/deps.sh)"; exit 77; }
jq -e '.panels | length > 0' "$DASH" >/dev/null || { echo "FAIL: $DASH is not a dashboard (jq)"; exit 1; }
names=$(jq -r '.panels[].targets[].expr' "$DASH" | grep -oE '\b(synbench|process)_[a-z0-9_]+' | sort -u)
[ -n "$names" ] || { echo "FAIL: no metric queried in $DASH"; exit 1; }
fail=0
for n in $names; do
	base=$n
	case $n in *_bucket | *_sum | *_count) base=${n%_*} ;; esac
	if grep -qE "[\" ]$base[\" ]" "$METRICS"; then
		echo "  ok   $n"
	else
		echo "FAIL: $n is queried by the dashboard but not emitted by $METRICS"
		fail=1
	fi
done
exit $fail
