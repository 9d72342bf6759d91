# Listener queues over time: the deepest accept queue (sk_ack_backlog) and
# the longest SYN queue (reqsk qlen) per time bin, with the limit B+1 drawn;
# listener drops (sk_drops, cumulative) on the right axis. Reads
# plots/queue.dat: queue.csv in at most 1000 time bins, each the maximum of
# its samples, so a day-long watch draws as fast as a second-long run.
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/queue.gp
name = "queue"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/plots/queue.dat"
set datafile separator whitespace
undefine STATS_*
stats f using 1 nooutput
n = exists("STATS_records") ? STATS_records : 0

set title "Listener queues over time"
if (n == 0) {
	why = "no listener samples (queue.csv is empty: --no-probes, or the sampler did not run)"
	eval EMPTY
} else {
	stats f using 4 nooutput; lim = STATS_max
	stats f using 2 nooutput; aq = STATS_max
	stats f using 3 nooutput; sq = STATS_max
	stats f using 5 nooutput; dmax = STATS_max
	top = lim > aq ? lim : aq
	top = sq > top ? sq : top
	set yrange [0:(top < 1 ? 1 : top) * 1.25]
	set autoscale xfix
	set xlabel "time since the run started, s"
	set ylabel "sockets in queue (deepest per time bin)"
	set y2label "listener drops (sk_drops, cumulative)" tc rgb C_RED
	set y2tics tc rgb C_RED
	set y2range [0:(dmax < 1 ? 1 : dmax) * 1.1]
	set key top left box opaque
	# a SO_REUSEPORT group: each socket's own accept queue (columns 6 ...)
	ns = 0
	if (exists("dir")) {
		undefine STATS_*
		stats dir . "/plots/queue_sockets.dat" using 1 nooutput
		ns = exists("STATS_max") ? int(STATS_max) : 0
	}
	if (ns > 1) {
		set key top left box opaque font ",8"
		plot f using 1:2 with steps lw 2 lc rgb C_KERNEL title "accept queue, deepest socket", \
		     for [k=0:ns-1] f using 1:(column(6 + k)) with steps lw 1.2 lc (k + 3) \
		         title sprintf("socket %d's accept queue", k), \
		     f using 1:3 with steps lw 1.5 lc rgb C_GREEN title "SYN queue (request socks)", \
		     f using 1:4 with lines dt 2 lw 1.5 lc rgb C_GREY title sprintf("limit B+1 = %d (per socket)", lim), \
		     f using 1:5 axes x1y2 with lines lw 1.5 lc rgb C_RED title "listener drops, a socket's most (right axis)"
	} else {
		plot f using 1:2 with steps lw 2 lc rgb C_KERNEL title "accept queue (sk_ack_backlog)", \
		     f using 1:3 with steps lw 1.5 lc rgb C_GREEN title "SYN queue (request socks)", \
		     f using 1:4 with lines dt 2 lw 1.5 lc rgb C_GREY title sprintf("limit B+1 = %d (accept queue full)", lim), \
		     f using 1:5 axes x1y2 with lines lw 1.5 lc rgb C_RED title "listener drops (right axis)"
	}
}
