# Time per TCP state (dwell.csv, in-kernel histograms): p50/p90/p99 of the
# time between entering FROM and entering TO, per state pair; log y.
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/dwell.gp
name = "dwell"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/dwell.csv"
undefine STATS_*
stats f using (column("count")) nooutput
n = exists("STATS_records") ? STATS_records : 0

set title "Time per TCP state transition (kernel, percentiles)"
if (n == 0) {
	why = "no state dwell histograms (dwell.csv is empty: --no-probes)"
	eval EMPTY
} else {
	set logscale y
	eval sprintf(LAT_TICS, "ytics")
	set ylabel "time in state (log scale)"
	set style data histogram
	set style histogram clustered gap 1
	set style fill solid 0.85 border -1
	set boxwidth 0.9
	set xtics rotate by 30 right font ",9"
	set grid noxtics
	set key outside top center horizontal
	set bmargin 8
	set lmargin 16
	lbl(x) = (strcol("to_state") eq "" ? strcol("from_state") : strcol("from_state") . "→" . strcol("to_state")) . sprintf(" (%d)", column("count"))
	plot f using (column("p50_us")):xtic(lbl(0)) lc rgb C_KERNEL title "p50", \
	     f using (column("p90_us")) lc rgb C_USER title "p90", \
	     f using (column("p99_us")) lc rgb C_RED title "p99"
}
