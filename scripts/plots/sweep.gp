# bench sweep plots: p99 connect latency and ListenOverflows against backlog,
# one line per combination of the other swept options (column "series",
# titled by column "series_label"; repeats of a point are averaged by smooth
# unique). bench sweep runs it with the sweep directory as gnuplot's working
# directory and nothing set, so no path or label is part of what gnuplot
# parses (the labels are read as data):
#   cd DIR && gnuplot /path/to/scripts/plots/sweep.gp
if (!exists("csv")) csv = 'sweep.csv'
if (!exists("outdir")) outdir = '.'
set datafile separator ','
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
stats csv using (column("series")) nooutput
if (!exists("nseries")) nseries = int(STATS_max) + 1
array T[nseries]
do for [s = 1:nseries] { T[s] = sprintf('series %d', s - 1) }
stats csv using (column("series") >= 0 && column("series") < nseries ? (T[int(column("series")) + 1] = strcol("series_label"), 0) : 0) nooutput
stats csv using (column("backlog")) nooutput
xlog = STATS_min > 0 && STATS_max >= 16 * STATS_min
ttl(s) = T[s + 1]
set key outside right top
set grid
set xlabel 'listen() backlog'
if (xlog) set logscale x 2
set format x '%g'

# p99 axis in a person's unit chosen from the data (s, ms or µs), plain tick
# labels ("1.2", not "1x10^6"), log scale only when the values span 10x or
# more, and the range fitted to the data so it fills the plot.
p99(c) = column("p99_user_connect_us") > 0 ? column("p99_user_connect_us") : NaN
p99_min = 1
p99_max = 1
stats csv using (p99(0)) nooutput
if (exists("STATS_records") && STATS_records > 0) { p99_min = STATS_min; p99_max = STATS_max }
unit = p99_max >= 1e6 ? 1e6 : p99_max >= 1e3 ? 1e3 : 1
uname = unit == 1e6 ? 's' : unit == 1e3 ? 'ms' : 'µs'
ylog = p99_min > 0 && p99_max >= 10 * p99_min
set encoding utf8

do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 1000,600 } else { set terminal svg size 1000,600 dynamic }
	set output sprintf('%s/p99_vs_backlog.%s', outdir, fmt)
	set title 'p99 user connect latency vs backlog'
	set ylabel sprintf('p99 connect (%s%s)', uname, ylog ? ', log scale' : '')
	set format y '%g'
	if (ylog) {
		set logscale y
		set yrange [p99_min / unit / 1.25 : p99_max / unit * 1.25]
	} else {
		pad = (p99_max - p99_min) / unit * 0.08
		pad = pad > 0 ? pad : p99_max / unit * 0.05 + (p99_max > 0 ? 0 : 1)
		set yrange [(p99_min / unit - pad < 0 ? 0 : p99_min / unit - pad) : p99_max / unit + pad]
	}
	plot for [s=0:nseries-1] csv using (column("series") == s ? column("backlog") : NaN):(p99(0) / unit) smooth unique with linespoints title ttl(s)
	unset logscale y
	set yrange [*:*]
	set format y '%g'
	set output sprintf('%s/overflows_vs_backlog.%s', outdir, fmt)
	set title 'ListenOverflows vs backlog'
	set ylabel 'ListenOverflows (SYNs/ACKs dropped on a full accept queue)'
	plot for [s=0:nseries-1] csv using (column("series") == s ? column("backlog") : NaN):(column("ListenOverflows")) smooth unique with linespoints title ttl(s)
	set output
}
