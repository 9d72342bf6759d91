# cmake --install to a temporary prefix; the installed synbench runs from /
# with its own data (plots, experiments): the checkout's scripts/ is hidden
# under an empty tmpfs in a private mount namespace while it runs.
. "$SB_TESTS/e2e/lib.sh"
need_root

build=$(dirname "$(dirname "$SYNBENCH")") # <build>/harness/synbench
cmake --install "$build" --prefix "$WORK/p" >"$WORK/install.log" 2>&1
check "cmake --install: exit 0" "$?" -eq 0
check "bin/synbench installed" "$( [ -x "$WORK/p/bin/synbench" ] && echo 1 || echo 0)" -eq 1
check "gnuplot scripts installed" "$(ls "$WORK/p/share/synbench/plots/"*.gp | wc -l)" -ge 7
check "experiments installed" "$(ls "$WORK/p/share/synbench/experiments/"*.sh | wc -l)" -ge 5

cat >"$WORK/inside.sh" <<EOT
mount -t tmpfs none "$SB_SRC/scripts" || exit 3
cd / || exit 3
"$WORK/p/bin/synbench" --conns 100 --backlog 5 --out "$WORK/run" --quiet || exit \$?
"$WORK/p/bin/synbench" experiment --list >"$WORK/list.txt" || exit 4
EOT
env -u SB_SRC -u SB_TESTS unshare -m --propagation private sh "$WORK/inside.sh" >"$WORK/run.out" 2>&1
check "installed run from / with the checkout's scripts hidden: exit 0 ($(tail -1 "$WORK/run.out"))" "$?" -eq 0
check "its summary.json" "$(jqv "$WORK/run/summary.json" .conns_requested)" -eq 100
check "its plots, from the installed gnuplot scripts" \
	"$( [ -s "$WORK/run/plots/latency_cdf.png" ] && echo 1 || echo 0)" -eq 1
check "its HTML report" "$( [ -s "$WORK/run/report.html" ] && echo 1 || echo 0)" -eq 1
check "experiment --list names the installed directory" \
	"$(grep -c "$WORK/p/share/synbench/experiments" "$WORK/list.txt")" -eq 1
check "the checkout's scripts/ is back (the tmpfs was private)" \
	"$( [ -f "$SB_SRC/scripts/plots/common.gp" ] && echo 1 || echo 0)" -eq 1
finish
