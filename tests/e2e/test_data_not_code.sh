# Data is never code, and files are never followed. Every path-taking option
# and sub-command gets names full of shell and gnuplot metacharacters (', ",
# $(), backticks, ;, system(), newline, space, comma); each payload would
# create a file named PWNED* if anything evaluated it. Nothing may run, and
# each command still does its job (plots drawn, reports written). Then:
#  - a symlink planted at a result file's name is replaced, never followed;
#  - `bench baseline save DIR --force` refuses a DIR that is not a baseline;
#  - a --label or --remote-bin with such characters is bad input (exit 2).
. "$SB_TESTS/e2e/lib.sh"
need_root
cwd="$WORK/cwd"
mkdir -p "$cwd" && cd "$cwd" || exit 1
nl='
'
pwned() { find "$WORK" -name 'PWNED*' | wc -l; }
# six plots, each as PNG and SVG, and the three reports
drawn() {
	n=$(find "$1/plots" -name '*.svg' -size +0 -exec printf x \; | wc -c)
	[ "$n" -eq 6 ] && [ -s "$1/report.html" ] && [ -s "$1/report.txt" ] && [ -s "$1/report.md" ]
}

echo "1. a run whose --out holds quotes, \$(), a backtick and a semicolon"
run="$cwd/r'\$(touch PWNED1)'\"\$(touch PWNED2)\"\`touch PWNED3\`; touch PWNED4"
"$SYNBENCH" --conns 300 --backlog 5 --quiet --out "$run" >"$WORK/run.out" 2>&1
check "exit" "$?" -eq 0
drawn "$run" && ok "plots and reports" || bad "plots or reports missing: $(ls "$run" "$run/plots" 2>&1 | tr '\n' ' ')"
grep -q warning "$run/plots/gnuplot.log" && bad "gnuplot warned: $(head -3 "$run/plots/gnuplot.log")"
check "nothing ran" "$(pwned)" -eq 0

echo "2. bench plot on copies named like code (shell and gnuplot)"
i=0
for name in "q'\$(touch PWNED5)'" "d\"\$(touch PWNED6)\"" "swp'; system('touch PWNED7'); x='" \
	"g\"); system(\"touch PWNED8\"); (\"" "sp ace, comma" "n${nl}l\$(touch PWNED9)" \
	"-dash"; do
	i=$((i + 1))
	d="$cwd/$name"
	cp -r "$run" "$d" && rm -rf "$d/plots" "$d"/report.*
	"$SYNBENCH" plot "$d" >"$WORK/plot$i.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && drawn "$d"; then ok "plot $i"; else bad "plot $i (exit $rc): $(head -3 "$WORK/plot$i.out")"; fi
done
check "nothing ran" "$(pwned)" -eq 0

echo "3. bench sweep into a directory named like gnuplot code"
sw="$cwd/sw'; system('touch PWNED10'); x='\$(touch PWNED11)"
"$SYNBENCH" sweep --backlog 5,8 --conns 100 --out "$sw" >"$WORK/sweep.out" 2>&1
check "exit" "$?" -eq 0
[ -s "$sw/p99_vs_backlog.svg" ] && [ -s "$sw/overflows_vs_backlog.png" ] && ok "sweep plots" ||
	bad "sweep plots missing: $(ls "$sw" 2>&1 | tr '\n' ' '); $(head -3 "$sw/sweep-plot.log" 2>/dev/null)"
check "nothing ran" "$(pwned)" -eq 0

echo "4. bench baseline save and compare with such names"
bl="$cwd/bl'\$(touch PWNED12)'; touch PWNED13"
"$SYNBENCH" baseline save "$bl" --args "--conns 100 --backlog 5" >"$WORK/bl.out" 2>&1
check "baseline save" "$?" -eq 0
"$SYNBENCH" compare "$bl" "$run" >"$WORK/cmp.out" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] && ok "compare ran (exit $rc)" || bad "compare exit $rc: $(head -3 "$WORK/cmp.out")"
check "nothing ran" "$(pwned)" -eq 0

echo "5. --force replaces only a baseline"
plain="$cwd/plain"
mkdir -p "$plain" && echo keep >"$plain/mine.txt"
"$SYNBENCH" baseline save "$plain" --force --args "--conns 50" >"$WORK/force.out" 2>&1
check "exit" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/force.out")" -eq 1
grep -q "not a baseline" "$WORK/force.out" && ok "names the problem" || bad "message: $(cat "$WORK/force.out")"
[ -f "$plain/mine.txt" ] && ok "the directory is intact" || bad "the directory was touched"
"$SYNBENCH" baseline save "$bl" --force --args "--conns 100 --backlog 5" >"$WORK/force2.out" 2>&1
check "--force on a baseline replaces it" "$?" -eq 0

echo "6. a symlink at a result file's name is replaced, not followed"
victim="$WORK/victim"
echo precious >"$victim"
d="$cwd/linked"
cp -r "$run" "$d"
for f in report.html report.txt plots/queue.dat plots/queue.svg; do
	rm -f "$d/$f" && ln -s "$victim" "$d/$f"
done
"$SYNBENCH" plot "$d" >"$WORK/linked.out" 2>&1
check "exit" "$?" -eq 0
check "the symlink's target untouched" "$(cat "$victim")" = precious
for f in report.html report.txt plots/queue.dat plots/queue.svg; do
	[ -f "$d/$f" ] && [ ! -L "$d/$f" ] && ok "$f is a file of its own" || bad "$f still a link"
done

echo "7. bad input: names that cannot be data"
"$SYNBENCH" --conns 10 --label "x'\$(touch PWNED14)'" >"$WORK/label.out" 2>&1
check "--label exit" "$?" -eq 2
[ ! -d "$cwd/results" ] && ok "nothing written" || bad "results/ created"
"$SYNBENCH" --conns 10 --server-via 'ip netns exec nowhere' --server-addr 198.18.0.1 \
	--remote-bin "/x;touch PWNED15" >"$WORK/rb.out" 2>&1
check "--remote-bin exit" "$?" -eq 2
check "one line" "$(wc -l <"$WORK/rb.out")" -eq 1
check "nothing ran" "$(pwned)" -eq 0
finish
