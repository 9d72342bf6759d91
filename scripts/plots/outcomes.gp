# Outcome counts (summary.json outcomes): accepted, queued, ghost, timed
# out, refused, reset, other. Reads plots/outcomes.dat (written by
# `bench plot DIR` and by every run).
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/outcomes.gp
name = "outcomes"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

dat = dir . "/plots/outcomes.dat"
set datafile separator whitespace
undefine STATS_*
stats dat using 2 nooutput
n = exists("STATS_records") ? STATS_records : 0
top = n > 0 ? STATS_max : 0

set title "Connection outcomes"
if (n == 0) {
	why = "no outcome counts (outcomes.dat missing)"
	eval EMPTY
} else {
	color(s) = s eq "accepted" ? 0x1f77b4 : s eq "queued" ? 0x2ca02c : s eq "ghost" ? 0xff7f0e : s eq "timeout" ? 0xd62728 : s eq "refused" ? 0x9467bd : s eq "reset" ? 0x8c564b : 0x7f7f7f
	set yrange [0:(top < 1 ? 1 : top) * 1.15]
	set ylabel "connections"
	set style fill solid 0.85 border -1
	set boxwidth 0.6
	set grid noxtics
	set xrange [-0.6:n - 0.4]
	plot dat using 0:2:(color(strcol(1))):xtic(1) with boxes lc rgb variable notitle, \
	     dat using 0:2:(sprintf("%d", $2)) with labels offset 0, 0.8 notitle
}
