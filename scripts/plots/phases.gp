# Where a crr connection's setup goes, by phase, at p50, p90, p99 and p99.9:
# connect (submit -> completion seen: the kernel handshake and user space),
# the TLS handshake (ClientHello sent -> done), request sent -> first
# response byte, first -> last byte, stacked; the server's TLS accept
# (accept -> its handshake done) as a thin bar beside each, since it
# overlaps the client's handshake. Each segment is that phase's own
# percentile (summary.json latency_us), so a bar is not one connection.
# Reads plots/phases.dat (written by `bench plot DIR` and by every run).
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/phases.gp
name = "phases"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

dat = dir . "/plots/phases.dat"
set datafile separator whitespace
undefine STATS_*
stats dat using 2 nooutput
n = exists("STATS_records") ? STATS_records : 0
stats dat using ($2 + $3 + $4 + $5) nooutput
tot = exists("STATS_max") ? STATS_max : 0
stats dat using 6 nooutput
srv = exists("STATS_max") ? STATS_max : 0
top = tot > srv ? tot : srv

set title "Where connection setup goes (each phase's own percentile, stacked)"
if (n == 0 || top <= 0) {
	why = "no crr phases (phases.dat missing or all zero)"
	eval EMPTY
} else {
	# each phase's p50 and p99 in its key entry
	part(c) = sprintf("p50 %s, p99 %s", fmt_us(P[c]), fmt_us(Q[c]))
	array P[6]
	array Q[6]
	do for [c = 2:6] {
		stats dat every ::0::0 using c nooutput; P[c] = STATS_max
		stats dat every ::2::2 using c nooutput; Q[c] = STATS_max
	}
	unit = top >= 2e6 ? 1e6 : top >= 2e3 ? 1e3 : 1
	uname = unit == 1e6 ? "s" : unit == 1e3 ? "ms" : "µs"
	set ylabel "time (" . uname . ")"
	set yrange [0:top / unit * 1.15]
	set xrange [-0.6:3.6]
	set xtics ("p50" 0, "p90" 1, "p99" 2, "p99.9" 3)
	set style fill solid 0.85 border -1
	set grid noxtics
	set key outside bottom center horizontal maxrows 3 width 2
	w = 0.5
	# stacked client phases: boxes from the sum of those below to the sum with it
	plot dat using ($0 - 0.1):(($2) / unit / 2):(w / 2):(($2) / unit / 2) with boxxyerror lc rgb C_KERNEL title "connect: " . part(2), \
	     dat using ($0 - 0.1):(($2 + $3 / 2) / unit):(w / 2):(($3) / unit / 2) with boxxyerror lc rgb C_PURPLE title "TLS handshake: " . part(3), \
	     dat using ($0 - 0.1):(($2 + $3 + $4 / 2) / unit):(w / 2):(($4) / unit / 2) with boxxyerror lc rgb C_USER title "request -> first byte: " . part(4), \
	     dat using ($0 - 0.1):(($2 + $3 + $4 + $5 / 2) / unit):(w / 2):(($5) / unit / 2) with boxxyerror lc rgb C_GREEN title "first -> last byte: " . part(5), \
	     dat using ($0 + 0.28):(($6) / unit / 2):(0.06):(($6) / unit / 2) with boxxyerror lc rgb C_GREY title "server TLS accept (beside): " . part(6), \
	     dat using ($0 - 0.1):(($2 + $3 + $4 + $5) / unit):(sprintf("%.4g %s", ($2 + $3 + $4 + $5) / unit, uname)) with labels offset 0, 1 notitle
}
