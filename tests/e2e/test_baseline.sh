# bench baseline save|run: a baseline in the committed format in one command
# (args, compare, summary.json, config.json), rerun K times, compared; bad
# input is exit 2 with one line and nothing written.
. "$SB_TESTS/e2e/lib.sh"
need_root

args='--threads 1 --conns 20 --backlog 3 --accept none --syncookies 0 --connect-timeout 2500 --no-probes'
cmp='--exact conns_requested,outcomes.accepted,outcomes.timeout,outcomes.ghost --skip join_rate'
"$SYNBENCH" baseline save "$WORK/bl" --args "$args" --compare "$cmp" >"$WORK/out" 2>&1
check "save: exit" "$?" -eq 0
for f in args compare summary.json config.json; do
	[ -s "$WORK/bl/$f" ] && ok "save wrote $f" || bad "no $f"
done
check "args file" "$(cat "$WORK/bl/args")" = "$args"
check "compare file" "$(cat "$WORK/bl/compare")" = "$cmp"
check "summary from those args" "$(jqv "$WORK/bl/summary.json" .conns_requested)" -eq 20
ls "$WORK" | grep -q tmp- && bad "temporary directory left" || ok "no temporary directory left"

"$SYNBENCH" baseline save "$WORK/bl" --args "$args" >"$WORK/out" 2>&1
check "save over an existing baseline without --force" "$?" -eq 2
"$SYNBENCH" baseline save "$WORK/bl" --args "$args --conns 21" --force >"$WORK/out" 2>&1
check "save --force" "$?" -eq 0
check "--force replaced the summary" "$(jqv "$WORK/bl/summary.json" .conns_requested)" -eq 21
check "--force kept the compare file" "$(cat "$WORK/bl/compare")" = "$cmp"

"$SYNBENCH" baseline run "$WORK/bl" --out "$WORK/runs" --repeat 2 >"$WORK/out" 2>&1
check "run --repeat 2: exit" "$?" -eq 0
check "two runs" "$(ls -d "$WORK"/runs/run-*/ | wc -l)" -eq 2
"$SYNBENCH" baseline run "$WORK/bl" --out "$WORK/runs" >"$WORK/out" 2>&1
check "run into an existing --out without --append" "$?" -eq 2
"$SYNBENCH" baseline run "$WORK/bl" --out "$WORK/runs" --append >"$WORK/out" 2>&1
check "run --append: exit" "$?" -eq 0
check "--append numbered on" "$(ls -d "$WORK"/runs/run-*/ | wc -l)" -eq 3
[ -s "$WORK/runs/run-03/summary.json" ] && ok "run-03 written" || bad "no run-03"
"$SYNBENCH" compare "$WORK/bl" "$WORK/runs" >"$WORK/cmp" 2>&1
check "compare with the fresh baseline" "$?" -eq 0
grep -q "options from $WORK/bl/compare" "$WORK/cmp" && ok "compare used the baseline's options" || bad "$(head -2 "$WORK/cmp")"
"$SYNBENCH" baseline run "$WORK/bl" --out "$WORK/runs2" -- --conns 22 >"$WORK/out" 2>&1
check "run with an extra option" "$?" -eq 0
"$SYNBENCH" compare "$WORK/bl" "$WORK/runs2" >"$WORK/cmp" 2>&1
check "a changed count fails" "$?" -eq 1

# bad input: exit 2, one line, nothing written
for bad_args in '--conns $(reboot)' "--conns 'x" '--out /tmp/x' '--conns 0'; do
	"$SYNBENCH" baseline save "$WORK/nb" --args "$bad_args" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	check "save --args \"$bad_args\": exit 2" "$rc" -eq 2
	tail -1 "$WORK/err" | grep -q "^synbench: baseline: " && ok "names it: $(tail -1 "$WORK/err")" || bad "$(cat "$WORK/err")"
	[ ! -e "$WORK/nb" ] && ! ls "$WORK" | grep -q "nb.tmp-" && ok "nothing written" || bad "something written"
done
"$SYNBENCH" baseline run "$WORK/none" --out "$WORK/r3" >"$WORK/out" 2>"$WORK/err"
check "run without a baseline: exit 2" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/err")" -eq 1
finish
