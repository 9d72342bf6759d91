# Shared setup for the synbench plot scripts; each script sets `name` and
# loads this file. synbench runs every script with the result directory as
# gnuplot's working directory and only fmt set, so no path or other data is
# ever part of what gnuplot parses:
#   cd results/X && gnuplot -e "fmt='svg'" /path/to/scripts/plots/queue.gp
# The scripts read the bounded data files in plots/ that every run and
# `bench plot DIR` write (harness/output/plotdata.h), and dwell.csv.
# Variables a caller may set with -e:
#   fmt  png | svg (default png)   out  output file (default plots/NAME.FMT)
#   dir  result directory (default ".": prefer cd)
if (!exists("dir")) dir = "."
if (!exists("fmt")) fmt = "png"
if (!exists("out")) out = dir . "/plots/" . name . "." . fmt
if (!exists("width")) width = 960
if (!exists("height")) height = 540
set encoding utf8
if (fmt eq "svg") {
	set terminal svg size width, height dynamic noenhanced font "DejaVu Sans,12" background "#ffffff"
} else {
	set terminal pngcairo size width, height noenhanced font "DejaVu Sans,10" background "#ffffff"
}
set output out
set datafile separator comma
set border 3 lc rgb "#555555"
set tics nomirror textcolor rgb "#333333"
set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt 1
set key noautotitle

# Colors used across plots: kernel view blue, user view orange.
C_KERNEL = "#1f77b4"
C_USER = "#ff7f0e"
C_GREEN = "#2ca02c"
C_RED = "#d62728"
C_PURPLE = "#9467bd"
C_GREY = "#7f7f7f"
C_BROWN = "#8c564b"

# Latency axis in microseconds, log scale, with labels a person reads.
LAT_TICS = 'set %s ("1 µs" 1, "10 µs" 10, "100 µs" 100, "1 ms" 1e3, "10 ms" 1e4, "100 ms" 1e5, "1 s" 1e6, "10 s" 1e7, "100 s" 1e8)'
# The same labels on an axis of log10(µs) (the density images).
LOG_TICS = 'set %s ("1 µs" 0, "10 µs" 1, "100 µs" 2, "1 ms" 3, "10 ms" 4, "100 ms" 5, "1 s" 6, "10 s" 7, "100 s" 8)'
fmt_us(x) = x >= 1e6 ? sprintf("%.3g s", x / 1e6) : x >= 1e3 ? sprintf("%.3g ms", x / 1e3) : sprintf("%.3g µs", x)

# An explanatory empty plot: set `why` and `eval EMPTY`.
EMPTY = 'unset border; unset tics; unset grid; unset key; unset logscale; unset y2tics; set label 99 why at graph 0.5, graph 0.5 center font ",14" tc rgb "#666666"; plot [0:1][0:1] -1 notitle'
