# User connect latency against connection start: a density image (x = start
# time since the first connect(), y = latency on a log axis), darker where
# more connections fell: connected ones (accepted, queued) in blue, ghosts
# (connected, no server socket) in orange, failed ones (timeout, refused,
# reset: the time the caller waited for the error) in red; p50 and p99 of
# each time column as lines. SYN retransmit bands (1 s, 2 s, 3 s ...) show
# as horizontal stripes. A burst (every connect started within a sliver of
# the latencies) is spread by row in connections.csv instead of time.
# Reads plots/latency_time.dat (200 columns x 16 rows per decade, whatever the
# number of connections; the exact values are in connections.csv),
# plots/latency_time_pct.dat and plots/latency_time_info.dat.
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/latency_vs_time.gp
name = "latency_vs_time"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/plots/latency_time.dat"
pct = dir . "/plots/latency_time_pct.dat"
info = dir . "/plots/latency_time_info.dat"
set datafile separator whitespace
by_row = 0; n = 0; span = 0; x0 = 0; x1 = 1; y0 = 0; y1 = 1
undefine STATS_*
stats info using 1 nooutput
if (exists("STATS_records") && STATS_records > 0) {
	by_row = int(STATS_max)
	stats info using 2 nooutput; n = int(STATS_max)
	stats info using 3 nooutput; span = STATS_max
	stats info using 4 nooutput; x0 = STATS_max
	stats info using 5 nooutput; x1 = STATS_max
	stats info using 6 nooutput; y0 = STATS_max
	stats info using 7 nooutput; y1 = STATS_max
}
undefine STATS_*
stats f using 1 nooutput
cells = exists("STATS_records") ? STATS_records : 0

set title "Connect latency vs connection start time"
if (n == 0 || cells == 0) {
	why = "no connections in connections.csv"
	eval EMPTY
} else {
	eval sprintf(LOG_TICS, "ytics")
	# 2, 3 and 5 of each decade as minor tics: the SYN retransmit bands
	do for [d = -1:8] {
		set ytics add ("" log10(2) + d 1, "" log10(3) + d 1, "" log10(5) + d 1)
	}
	set grid ytics mytics
	set xrange [x0:x1]
	set yrange [y0:y1]
	set ylabel "user connect latency (log scale)"
	set key outside bottom center horizontal
	if (by_row) {
		set xlabel sprintf("connection (row in connections.csv): all %d started within %.3g ms, a burst", n, span)
	} else {
		set xlabel "connection start, s after the first connect()"
	}
	# key entries for the image layers (an image has none of its own)
	plot f index 0 using 1:2:3:4:5:6 with rgbalpha notitle, \
	     f index 1 using 1:2:3:4:5:6 with rgbalpha notitle, \
	     f index 2 using 1:2:3:4:5:6 with rgbalpha notitle, \
	     pct using 1:2 with lines lw 1 lc rgb "#000000" title (by_row ? "" : "p50 per column"), \
	     pct using 1:3 with lines lw 1 dt 2 lc rgb "#000000" title (by_row ? "" : "p99"), \
	     NaN with boxes fs solid lc rgb "#2171b5" title "accepted/queued (darker: more)", \
	     NaN with boxes fs solid lc rgb "#e6550d" title "ghost (no server socket)", \
	     NaN with boxes fs solid lc rgb "#cb181d" title "failed: timeout/refused/reset (time to the error)"
}
