# User connect latency vs connection start (x = t_submit relative to the
# first connection, y = user_connect_us, log). SYN retransmit bands (1 s,
# 2 s, 3 s ...) show as horizontal stripes; timed-out connects are drawn at
# the time they gave up.
#   gnuplot -e "dir='results/X'; fmt='png'" scripts/plots/latency_vs_time.gp
name = "latency_vs_time"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/connections.csv"
undefine STATS_*
stats f using (column("t_submit_ns")) nooutput
n = exists("STATS_records") ? STATS_records : 0
t0 = n > 0 ? STATS_min : 0

set title "Connect latency vs connection start time"
if (n == 0) {
	why = "no connections in connections.csv"
	eval EMPTY
} else {
	set logscale y
	eval sprintf(LAT_TICS, "ytics")
	set ylabel "user connect latency (log scale)"
	set key outside bottom center horizontal
	is(s) = strcol("outcome") eq s
	set xlabel "connection start, s after the first connect()"
	tx(d) = (column("t_submit_ns") - t0) / 1e9
	# A burst (every connect started within a sliver of the latencies): start
	# times would stack into one column, so spread by row instead, and say so.
	span = (STATS_max - t0) / 1e9
	undefine STATS_*
	stats f using (column("user_connect_us")) nooutput
	lmax = exists("STATS_max") ? STATS_max / 1e6 : 0
	if (!exists("by_time") && span < 0.05 * lmax) {
		tx(d) = $0
		set xlabel sprintf("connection (row in connections.csv): all %d started within %.3g ms, a burst", n, span * 1e3)
	}
	ok(s) = is(s) ? column("user_connect_us") : NaN
	# a failed connect: how long the caller waited before the error
	failed(d) = !is("accepted") && !is("ghost") && !is("queued") && !is("unaccepted") && column("t_connected_ns") > 0 ? (column("t_connected_ns") - column("t_submit_ns")) / 1e3 : NaN
	plot f using (tx(0)):(ok("accepted")) with points pt 7 ps 0.5 lc rgb "#801f77b4" title "accepted", \
	     f using (tx(0)):(ok("queued")) with points pt 7 ps 0.5 lc rgb "#802ca02c" title "queued (never accepted)", \
	     f using (tx(0)):(ok("ghost")) with points pt 7 ps 0.5 lc rgb "#80ff7f0e" title "ghost (no server socket)", \
	     f using (tx(0)):(failed(0)) with points pt 2 ps 0.5 lc rgb "#a0d62728" title "failed: timeout/refused/reset (time to the error)"
}
