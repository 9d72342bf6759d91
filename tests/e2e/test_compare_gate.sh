# bench compare as a CI gate, from committed fixtures (no root needed):
# a doctored x50 summary fails by default, a missing input is exit 2 with
# nothing written, A vs A passes, --junit marks exactly the failing metrics
# (parsed back with xmllint), --markdown and --json are well formed, and the
# BASE directory's `compare` file applies unless the command line overrides.
. "$SB_TESTS/e2e/lib.sh"
command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/deps.sh --test installs it)"; exit 1; }
command -v xmllint >/dev/null || { echo "FAIL: xmllint missing (apt-get install libxml2-utils)"; exit 1; }

fx="$SB_TESTS/fixtures"
base="$fx/run-small"
cp -r "$base" "$WORK/x50"
# every p50/p90/p99/max of every latency block x50 (null percentiles stay null)
jq '.latency_us |= with_entries(.value |= (if type == "object" then with_entries(
      if (.key | test("^(p50|p90|p99|max)$")) and (.value | type) == "number"
      then .value *= 50 else . end) else . end))' "$base/summary.json" >"$WORK/x50/summary.json"

"$SYNBENCH" compare "$base" "$WORK/x50" >"$WORK/out" 2>&1
check "x50 latencies fail by default" "$?" -eq 1
grep -q "significance cannot be judged" "$WORK/out" && ok "single runs: says significance cannot be judged" || bad "no single-run note"
grep -q "^gates: latency user_connect/kernel_handshake p50,p99 +100%" "$WORK/out" && ok "defaults in the header" || bad "no defaults in the header"
tail -1 "$WORK/out" | grep -q "^compare: FAIL: latency_us.user_connect.p50" && ok "names the latency rows" || bad "$(tail -1 "$WORK/out")"

"$SYNBENCH" compare "$base" "$base" >"$WORK/out" 2>&1
check "A vs A passes" "$?" -eq 0

"$SYNBENCH" compare "$fx/compare/base" "$fx/compare/base" --junit "$WORK/aa.xml" >/dev/null 2>&1
check "A vs A with --junit" "$?" -eq 0
check "A vs A: no failure elements" "$(xmllint --xpath 'count(//failure)' "$WORK/aa.xml")" -eq 0

# missing input: exit 2, one line naming it, no report written
"$SYNBENCH" compare "$base" "$WORK/nope" --junit "$WORK/miss.xml" --markdown "$WORK/miss.md" >"$WORK/out" 2>"$WORK/err"
check "missing NEW: exit 2" "$?" -eq 2
check "missing NEW: one line" "$(wc -l <"$WORK/err")" -eq 1
grep -q "NEW '$WORK/nope'" "$WORK/err" && ok "names the path" || bad "$(cat "$WORK/err")"
[ ! -e "$WORK/miss.xml" ] && [ ! -e "$WORK/miss.md" ] && [ ! -s "$WORK/out" ] && ok "nothing written" || bad "files written on bad input"

# --junit marks exactly the failing metrics: p99 +50% (2 rows) under a 10% gate
# and a doctored rate drop and ghost count
mkdir -p "$WORK/reg"
jq '.rate_conns_per_s /= 4 | .outcomes.ghost += 1' "$fx/compare/p99_regress/summary.json" >"$WORK/reg/summary.json"
"$SYNBENCH" compare "$fx/compare/base" "$WORK/reg" --max-latency-regress 10 --exact conns_requested,outcomes.ghost \
	--junit "$WORK/j.xml" --markdown "$WORK/m.md" --json >"$WORK/v.json" 2>"$WORK/err"
check "regressions: exit 1" "$?" -eq 1
xmllint --noout "$WORK/j.xml" && ok "JUnit is well-formed XML" || bad "JUnit does not parse"
got=$(xmllint --xpath '//testcase[failure]/@name' "$WORK/j.xml" | grep -o '"[^"]*"' | tr -d '"' | sort | tr '\n' ' ')
want="latency_us.kernel_handshake.p99 latency_us.user_connect.p99 outcomes.ghost rate_conns_per_s "
check "JUnit failures are exactly the regressions" "'$got'" = "'$want'"
check "JUnit failures attribute" "$(xmllint --xpath 'string(//testsuite/@failures)' "$WORK/j.xml")" -eq 4
check "JUnit testcases = gated rows" "$(xmllint --xpath 'count(//testcase)' "$WORK/j.xml")" -eq \
	"$(jq '[.rows[] | select(.kind != "info" and .verdict != "info")] | length' "$WORK/v.json")"
xmllint --xpath 'string(//testcase[@name="latency_us.user_connect.p99"]/failure/@message)' "$WORK/j.xml" | grep -q "160 -> 240" \
	&& ok "failure message has the numbers" || bad "failure message without numbers"
check "--json failed count" "$(jq .failed "$WORK/v.json")" -eq 4
check "--json failing metrics" "$(jq -r '[.rows[] | select(.verdict == "FAIL") | .metric] | sort | join(" ")' "$WORK/v.json")" = \
	"latency_us.kernel_handshake.p99 latency_us.user_connect.p99 outcomes.ghost rate_conns_per_s"
grep -q '^| `rate_conns_per_s` |.*\*\*FAIL\*\*' "$WORK/m.md" && ok "Markdown row marks the failure" || bad "Markdown: $(cat "$WORK/m.md")"
grep -q '^### synbench compare: \*\*FAIL\*\*' "$WORK/m.md" && ok "Markdown title" || bad "Markdown title"
ls "$WORK" | grep -q '\.tmp-' && bad "temporary files left" || ok "no temporary files left"

# --no-probes runs: kernel blocks n/a; only gated rows become testcases
"$SYNBENCH" compare "$fx/compare/no_probes_base" "$fx/compare/no_probes" --junit "$WORK/np.xml" >/dev/null 2>&1
check "no-probes pair passes" "$?" -eq 0
check "n/a gated rows are skipped testcases" "$(xmllint --xpath 'count(//testcase[skipped])' "$WORK/np.xml")" -eq 3
check "information rows are no testcases" "$(xmllint --xpath 'count(//testcase[@name="latency_us.pre_syn.p50"])' "$WORK/np.xml")" -eq 0

# BASE/compare applies; the command line wins
cp -r "$fx/compare/base" "$WORK/bl"
echo "--exact conns_requested,outcomes.accepted" >"$WORK/bl/compare"
"$SYNBENCH" compare "$WORK/bl" "$fx/compare/exact_changed" >"$WORK/out" 2>&1
check "BASE/compare's exact keys gate" "$?" -eq 1
grep -q "options from $WORK/bl/compare" "$WORK/out" && ok "header names BASE/compare" || bad "no options note"
"$SYNBENCH" compare "$WORK/bl" "$fx/compare/exact_changed" --exact conns_requested >/dev/null 2>&1
check "command line overrides BASE/compare" "$?" -eq 0
"$SYNBENCH" compare --no-baseline-opts "$WORK/bl" "$fx/compare/exact_changed" >/dev/null 2>&1
check "--no-baseline-opts" "$?" -eq 0
echo "--exact 'a \$(reboot)" >"$WORK/bl/compare"
"$SYNBENCH" compare "$WORK/bl" "$fx/compare/base" >/dev/null 2>"$WORK/err"
check "bad BASE/compare: exit 2" "$?" -eq 2
grep -q "bl/compare: column 9: the quote ' is never closed" "$WORK/err" && ok "names the file and the problem" || bad "$(cat "$WORK/err")"

# repeats given one by one with --base/--new
"$SYNBENCH" compare --base "$fx/compare/repeats_base/run1" --base "$fx/compare/repeats_base/run2" \
	--base "$fx/compare/repeats_base/run3" --new "$fx/compare/repeats_regress" --json >"$WORK/v.json" 2>/dev/null
check "--base x3 vs a directory of 3: exit 1" "$?" -eq 1
check "--base x3: mode" "$(jq -r .mode "$WORK/v.json")" = mann-whitney
finish
