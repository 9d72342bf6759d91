# Where the time went, p50 and p99: pre-SYN (submit -> kernel SYN_SENT),
# kernel handshake, notify delay (kernel ESTABLISHED -> connect() returned)
# and the server's accept-queue wait, stacked. Each segment is that part's
# own percentile (summary.json latency_us), so a bar is not one connection.
# Reads plots/breakdown.dat (written by `bench plot DIR` and by every run).
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/breakdown.gp
name = "breakdown"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

dat = dir . "/plots/breakdown.dat"
set datafile separator whitespace
undefine STATS_*
stats dat using 2 nooutput
n = exists("STATS_records") ? STATS_records : 0
stats dat using ($2 + $3 + $4 + $5) nooutput
tot = exists("STATS_max") ? STATS_max : 0

set title "Where the time went (each part's own percentile, stacked)"
if (n == 0 || tot <= 0) {
	why = "no latency percentiles (breakdown.dat missing or all zero)"
	eval EMPTY
} else {
	# each part's p50 and p99 in its key entry: thin segments stay readable
	part(c) = sprintf("p50 %s, p99 %s", fmt_us(P[c]), fmt_us(Q[c]))
	array P[5]
	array Q[5]
	do for [c = 2:5] {
		stats dat every ::0::0 using c nooutput; P[c] = STATS_max
		stats dat every ::1::1 using c nooutput; Q[c] = STATS_max
	}
	unit = tot >= 2e6 ? 1e6 : tot >= 2e3 ? 1e3 : 1
	uname = unit == 1e6 ? "s" : unit == 1e3 ? "ms" : "µs"
	set ylabel "time (" . uname . ")"
	set yrange [0:tot / unit * 1.15]
	set style data histogram
	set style histogram rowstacked
	set style fill solid 0.85 border -1
	set boxwidth 0.5
	set grid noxtics
	set key outside bottom center horizontal maxrows 2 width 2
	plot dat using ($2 / unit):xtic(1) lc rgb C_PURPLE title "pre-SYN (submit → SYN_SENT): " . part(2), \
	     dat using ($3 / unit) lc rgb C_KERNEL title "kernel handshake: " . part(3), \
	     dat using ($4 / unit) lc rgb C_USER title "notify delay (ESTABLISHED → connect returns): " . part(4), \
	     dat using ($5 / unit) lc rgb C_GREEN title "accept-queue wait (server): " . part(5), \
	     dat using 0:(($2 + $3 + $4 + $5) / unit):(sprintf("%.4g %s", ($2 + $3 + $4 + $5) / unit, uname)) with labels offset 0, 1 notitle
}
