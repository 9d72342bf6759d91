# Connect latency CDF, log x: kernel handshake (SYN_SENT -> ESTABLISHED) vs
# user connect (submit -> connect returned). Reads plots/latency_cdf.dat (the
# CDF on 40 log bins per decade, so its size does not grow with the
# connections) and plots/latency_marks.dat (counts, and p50/p99 from
# summary.json).
#   cd results/X && gnuplot -e "fmt='png'" /path/to/scripts/plots/latency_cdf.gp
name = "latency_cdf"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/plots/latency_cdf.dat"
marks = dir . "/plots/latency_marks.dat"
set datafile separator whitespace
nk = 0; nu = 0; k50 = -1; k99 = -1; u50 = -1; u99 = -1
undefine STATS_*
stats marks using 1 nooutput
if (exists("STATS_records") && STATS_records > 0) {
	stats marks using 1 nooutput; nk = int(STATS_max)
	stats marks using 2 nooutput; nu = int(STATS_max)
	stats marks using 3 nooutput; k50 = STATS_max
	stats marks using 4 nooutput; k99 = STATS_max
	stats marks using 5 nooutput; u50 = STATS_max
	stats marks using 6 nooutput; u99 = STATS_max
}

set title "Connect latency CDF: kernel handshake vs user connect()"
if (nk + nu == 0) {
	why = "no connect latencies in connections.csv (no connection completed)"
	eval EMPTY
} else {
	set logscale x
	eval sprintf(LAT_TICS, "xtics")
	set xlabel "latency (log scale)"
	set ylabel "fraction of connections"
	set yrange [0:1.08]
	set ytics 0, 0.1, 1
	set key top left box opaque
	if (nk > 0 && k50 > 0) {
		set arrow 1 from k50, graph 0 to k50, graph 1 nohead dt 2 lc rgb C_KERNEL
		set label 1 "kernel p50 " . fmt_us(k50) at k50, 0.45 right offset -0.5, 0 tc rgb C_KERNEL
	}
	if (nk > 0 && k99 > 0) {
		set arrow 2 from k99, graph 0 to k99, graph 1 nohead dt 3 lc rgb C_KERNEL
		set label 2 "kernel p99 " . fmt_us(k99) at k99, 0.93 right offset -0.5, 0 tc rgb C_KERNEL
	}
	if (nu > 0 && u50 > 0) {
		set arrow 3 from u50, graph 0 to u50, graph 1 nohead dt 2 lc rgb C_USER
		set label 3 "user p50 " . fmt_us(u50) at u50, 0.56 right offset -0.5, 0 tc rgb C_USER
	}
	if (nu > 0 && u99 > 0) {
		set arrow 4 from u99, graph 0 to u99, graph 1 nohead dt 3 lc rgb C_USER
		set label 4 "user p99 " . fmt_us(u99) at u99, 1.03 right offset -0.5, 0 tc rgb C_USER
	}
	kt = nk > 0 ? sprintf("kernel handshake, SYN_SENT→ESTABLISHED (n=%d)", nk) : "kernel handshake: no data (--no-probes?)"
	ut = nu > 0 ? sprintf("user connect(), submit→connected (n=%d)", nu) : "user connect: no completed connects"
	# an empty block is a single NaN point: the key entry still says why
	plot f index 0 using 1:2 with steps lw 2 lc rgb C_KERNEL title kt, \
	     f index 1 using 1:2 with steps lw 2 lc rgb C_USER title ut
}
