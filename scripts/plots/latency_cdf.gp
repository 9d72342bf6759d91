# Connect latency CDF, log x: kernel handshake (SYN_SENT -> ESTABLISHED) vs
# user connect (submit -> connect returned), p50/p99 marked (nearest rank,
# computed here from connections.csv).
#   gnuplot -e "dir='results/X'; fmt='png'" scripts/plots/latency_cdf.gp
name = "latency_cdf"
here = ARG0; i = strlen(here); while (i > 0 && here[i:i] ne "/") { i = i - 1 }
here = i > 1 ? here[1:i - 1] : (i == 1 ? "/" : ".")
load here . "/common.gp"

f = dir . "/connections.csv"
undefine STATS_*
stats f using (column("kernel_handshake_us")) nooutput
nk = exists("STATS_records") ? STATS_records : 0
undefine STATS_*
stats f using (column("user_connect_us")) nooutput
nu = exists("STATS_records") ? STATS_records : 0

# q(p): the smallest x whose cumulative count reaches ceil(p * n)
if (nk > 0) {
	set table $KCUM
	plot f using (column("kernel_handshake_us")):(1) smooth cumulative
	unset table
	set datafile separator whitespace
	stats $KCUM using ($2 >= ceil(0.5 * nk) ? $1 : NaN) nooutput; k50 = STATS_min
	stats $KCUM using ($2 >= ceil(0.99 * nk) ? $1 : NaN) nooutput; k99 = STATS_min
	set datafile separator comma
}
if (nu > 0) {
	set table $UCUM
	plot f using (column("user_connect_us")):(1) smooth cumulative
	unset table
	set datafile separator whitespace
	stats $UCUM using ($2 >= ceil(0.5 * nu) ? $1 : NaN) nooutput; u50 = STATS_min
	stats $UCUM using ($2 >= ceil(0.99 * nu) ? $1 : NaN) nooutput; u99 = STATS_min
	set datafile separator comma
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
	if (nk > 0) {
		set arrow 1 from k50, graph 0 to k50, graph 1 nohead dt 2 lc rgb C_KERNEL
		set arrow 2 from k99, graph 0 to k99, graph 1 nohead dt 3 lc rgb C_KERNEL
		set label 1 "kernel p50 " . fmt_us(k50) at k50, 0.45 right offset -0.5, 0 tc rgb C_KERNEL
		set label 2 "kernel p99 " . fmt_us(k99) at k99, 0.93 right offset -0.5, 0 tc rgb C_KERNEL
	}
	if (nu > 0) {
		set arrow 3 from u50, graph 0 to u50, graph 1 nohead dt 2 lc rgb C_USER
		set arrow 4 from u99, graph 0 to u99, graph 1 nohead dt 3 lc rgb C_USER
		set label 3 "user p50 " . fmt_us(u50) at u50, 0.56 right offset -0.5, 0 tc rgb C_USER
		set label 4 "user p99 " . fmt_us(u99) at u99, 1.03 right offset -0.5, 0 tc rgb C_USER
	}
	kt = nk > 0 ? sprintf("kernel handshake, SYN_SENT→ESTABLISHED (n=%d)", nk) : "kernel handshake: no data (--no-probes?)"
	ut = nu > 0 ? sprintf("user connect(), submit→connected (n=%d)", nu) : "user connect: no completed connects"
	KP = "f using (column('kernel_handshake_us')):(1) smooth cnormal lw 2 lc rgb C_KERNEL title kt"
	UP = "f using (column('user_connect_us')):(1) smooth cnormal lw 2 lc rgb C_USER title ut"
	# a series without data still gets a key entry saying why
	NK = "NaN lc rgb C_KERNEL title kt"
	NU = "NaN lc rgb C_USER title ut"
	eval "plot " . (nk > 0 ? KP : NK) . ", " . (nu > 0 ? UP : NU)
}
