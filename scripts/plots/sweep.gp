# bench sweep plots: p99 connect latency and ListenOverflows against backlog,
# one line per combination of the other swept options (column "series";
# repeats of a point are averaged by smooth unique).
#   gnuplot -e "csv='DIR/sweep.csv'; outdir='DIR'; titles='a b'; nseries=2" sweep.gp
# titles: one word per series (series 0 first); optional.
if (!exists("csv")) csv = 'sweep.csv'
if (!exists("outdir")) outdir = '.'
if (!exists("titles")) titles = ''
set datafile separator ','
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
stats csv using (column("series")) nooutput
if (!exists("nseries")) nseries = int(STATS_max) + 1
stats csv using (column("backlog")) nooutput
xlog = STATS_min > 0 && STATS_max >= 16 * STATS_min
ttl(s) = words(titles) > s ? word(titles, s + 1) : sprintf('series %d', s)
set key outside right top
set grid
set xlabel 'listen() backlog'
if (xlog) set logscale x 2

do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 1000,600 } else { set terminal svg size 1000,600 dynamic }
	set output sprintf('%s/p99_vs_backlog.%s', outdir, fmt)
	set title 'p99 user connect latency vs backlog'
	set ylabel 'p99 connect (us)'
	set logscale y
	plot for [s=0:nseries-1] csv using (column("series") == s ? column("backlog") : NaN):(column("p99_user_connect_us") > 0 ? column("p99_user_connect_us") : NaN) smooth unique with linespoints title ttl(s)
	unset logscale y
	set output sprintf('%s/overflows_vs_backlog.%s', outdir, fmt)
	set title 'ListenOverflows vs backlog'
	set ylabel 'ListenOverflows (SYNs/ACKs dropped on a full accept queue)'
	plot for [s=0:nseries-1] csv using (column("series") == s ? column("backlog") : NaN):(column("ListenOverflows")) smooth unique with linespoints title ttl(s)
	set output
}
