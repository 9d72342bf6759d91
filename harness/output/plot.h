/* Plots and the human reports of a result directory.
 *
 * The gnuplot scripts (scripts/plots, one .gp per plot) read the result files directly
 * (gnuplot -e "dir='results/X'; fmt='png'" scripts/plots/latency_cdf.gp);
 * synbench runs each of them twice (PNG via pngcairo, SVG) into DIR/plots/,
 * after writing the two small data files the summary plots read
 * (plots/breakdown.dat, plots/outcomes.dat). Then harness/htmlreport.h
 * writes DIR/report.html and DIR/report.md from the files alone, so
 * `bench plot DIR` and a run produce the same thing.
 *
 * Scripts are found by sb_data_dir("plots") (harness/paths.h: a checkout or
 * an installed tree); gnuplot is $SYNBENCH_GNUPLOT or the first gnuplot on
 * PATH. */
#ifndef SB_PLOT_H
#define SB_PLOT_H

#include <stddef.h>
#include "harness/output/plotdefs.h"



/* For the run, after the result files are written: data files, plots
 * (unless no_plot), report.html and report.md. Prints one line per problem
 * on stderr. Returns 0; 2 when gnuplot or the scripts are missing (the
 * reports are still written and say so) or the results cannot be read
 * (no summary.json); 1 when a plot failed to draw (see DIR/plots/gnuplot.log). */
int sb_plot_run_dir(const char *dir, int no_plot);

/* bench plot [--no-plot] DIR: redraws the plots and regenerates the
 * reports from the files in DIR. Exit codes as sb_plot_run_dir. */
int sb_plot_main(int argc, char **argv);

/* Writes DIR/plots/breakdown.dat and outcomes.dat from DIR/summary.json
 * (creating DIR/plots). 0 or negative errno; err gets one line. */
int sb_plot_write_data(const char *dir, char *err, size_t errlen);

/* Finds the directory holding the .gp scripts / the gnuplot binary.
 * 0 or -ENOENT. */
int sb_plot_scripts_dir(char *buf, size_t len);
int sb_plot_find_gnuplot(char *buf, size_t len);

#endif
