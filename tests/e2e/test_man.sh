# synbench(8): the page the build wrote is what `synbench man` prints, man(1)
# renders it without a warning, every option of every table (the run's and
# each sub-command's) is in its section of the rendered page, every option
# that --help lists is in the tables the page is made from, and
# cmake --install puts the page in share/man/man8. No root needed.
. "$SB_TESTS/e2e/lib.sh"
if ! command -v man >/dev/null || ! command -v col >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: man or col missing (scripts/deps.sh --test installs man-db and bsdextrautils)"
		exit 1
	fi
	echo "SKIP: man or col missing (scripts/deps.sh --test installs them)"
	exit 77
fi

build=$(dirname "$(dirname "$SYNBENCH")") # <build>/harness/synbench
page=$build/synbench.8
check "the build wrote synbench.8" "$( [ -s "$page" ] && echo 1 || echo 0)" -eq 1
"$SYNBENCH" man >"$WORK/now.8"
check "synbench man: exit 0" "$?" -eq 0
check "synbench.8 is what this binary prints" "$(cmp -s "$page" "$WORK/now.8" && echo 1 || echo 0)" -eq 1
"$SYNBENCH" man --names >"$WORK/names"
check "option names listed" "$(wc -l <"$WORK/names")" -gt 100

LC_ALL=C MANWIDTH=200 man --warnings -l "$page" 2>"$WORK/man.err" | col -b >"$WORK/page.txt"
check "man -l renders it" "$(wc -l <"$WORK/page.txt")" -gt 200
check "with no warning ($(head -1 "$WORK/man.err"))" "$(wc -c <"$WORK/man.err")" -eq 0
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES \
	"SEE ALSO"; do
	check "section $s" "$(grep -c "^$s\$" "$WORK/page.txt")" -eq 1
done

# section CMD: the rendered lines of the run's OPTIONS (CMD = run) or of the
# sub-command's own subsection under COMMANDS
section() {
	if [ "$1" = run ]; then
		sed -n '/^OPTIONS$/,/^COMMANDS$/p' "$WORK/page.txt"
	else
		awk -v c="$1" '$0 == "   " c { on = 1; next } on && (/^   [a-z]/ || /^[A-Z]/) { exit } on' \
			"$WORK/page.txt"
	fi
}
missing=""
n=0
while read -r cmd opt; do
	n=$((n + 1))
	section "$cmd" | grep -Eq -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" || missing="$missing $cmd:$opt"
done <"$WORK/names"
check "every table option in its section of the rendered page ($n;${missing:- none missing})" \
	"${missing:-none}" = none

# what --help lists comes from the same tables
notin=""
for cmd in run compare baseline plot sweep experiment doctor watch; do
	if [ "$cmd" = run ]; then "$SYNBENCH" --help; else "$SYNBENCH" "$cmd" --help; fi \
		>"$WORK/help.txt" 2>&1
	for opt in $(sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z0-9][a-z0-9-]*\).*/\2/p' \
		"$WORK/help.txt"); do
		grep -qx -- "$cmd $opt" "$WORK/names" || notin="$notin $cmd:$opt"
	done
done
check "every option --help lists is in the page's tables (${notin:-all})" "${notin:-none}" = none

cmake --install "$build" --prefix "$WORK/p" >"$WORK/install.log" 2>&1
check "cmake --install: exit 0" "$?" -eq 0
check "share/man/man8/synbench.8 installed" \
	"$(cmp -s "$page" "$WORK/p/share/man/man8/synbench.8" && echo 1 || echo 0)" -eq 1
finish
