# Listener queues over time (queue.csv): accept-queue depth (sk_ack_backlog)
# and SYN-queue length (reqsk qlen) with the limit B+1 drawn; listener drops
# (sk_drops, cumulative) on the right axis.
#   gnuplot -e "dir='results/X'; fmt='png'" scripts/plots/queue.gp
name = "queue"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/queue.csv"
undefine STATS_*
stats f using (column("t_ms")) nooutput
n = exists("STATS_records") ? STATS_records : 0

set title "Listener queues over time"
if (n == 0) {
	why = "no listener samples (queue.csv is empty: --no-probes, or the sampler did not run)"
	eval EMPTY
} else {
	stats f using (column("limit") + 1) nooutput; lim = STATS_max
	stats f using (column("accept_queue")) nooutput; aq = STATS_max
	stats f using (column("syn_queue")) nooutput; sq = STATS_max
	stats f using (column("drops")) nooutput; dmax = STATS_max
	top = lim > aq ? lim : aq
	top = sq > top ? sq : top
	set yrange [0:(top < 1 ? 1 : top) * 1.25]
	set xlabel "time since the run started, s"
	set ylabel "sockets in queue"
	set y2label "listener drops (sk_drops, cumulative)" tc rgb C_RED
	set y2tics tc rgb C_RED
	set y2range [0:(dmax < 1 ? 1 : dmax) * 1.1]
	set key top left box opaque
	plot f using (column("t_ms") / 1e3):(column("accept_queue")) with steps lw 2 lc rgb C_KERNEL title "accept queue (sk_ack_backlog)", \
	     f using (column("t_ms") / 1e3):(column("syn_queue")) with steps lw 1.5 lc rgb C_GREEN title "SYN queue (request socks)", \
	     f using (column("t_ms") / 1e3):(column("limit") + 1) with lines dt 2 lw 1.5 lc rgb C_GREY title sprintf("limit B+1 = %d (accept queue full)", lim), \
	     f using (column("t_ms") / 1e3):(column("drops")) axes x1y2 with lines lw 1.5 lc rgb C_RED title "listener drops (right axis)"
}
