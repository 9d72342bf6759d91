/* The plotting step of a result directory: data files for the summary plots, then gnuplot draws every plot as PNG and SVG.
 *
 * The gnuplot scripts (scripts/plots, one .gp per plot) read the result
 * files directly (gnuplot -e "dir='results/X'; fmt='png'"
 * scripts/plots/latency_cdf.gp); synbench runs each of them twice (PNG via
 * pngcairo, SVG) into DIR/plots/, after writing the two small data files
 * the summary plots read (plots/breakdown.dat, plots/outcomes.dat).
 *
 * Scripts are found by sb_data_dir("plots") (harness/cli/paths.h: a checkout or
 * an installed tree); gnuplot is $SYNBENCH_GNUPLOT or the first gnuplot on
 * PATH. Plotting never renders a report (harness/output/render.h does both). */
#ifndef SB_PLOTDRAW_H
#define SB_PLOTDRAW_H

#include <stddef.h>

#include "harness/output/plotdefs.h"

/* Data files, then the plots unless no_plot; *rp says what was drawn (for
 * the reports). Prints one line per problem on stderr. Returns 0; 2 when
 * summary.json cannot be read, or gnuplot or the scripts are missing; 1
 * when a plot failed to draw (see DIR/plots/gnuplot.log). */
int sb_plot_draw(const char *dir, int no_plot, struct sb_report_plots *rp);

/* Writes DIR/plots/breakdown.dat and outcomes.dat from DIR/summary.json
 * (creating DIR/plots). 0 or negative errno; err gets one line. */
int sb_plot_write_data(const char *dir, char *err, size_t errlen);

/* Finds the directory holding the .gp scripts / the gnuplot binary.
 * 0 or -ENOENT. */
int sb_plot_scripts_dir(char *buf, size_t len);
int sb_plot_find_gnuplot(char *buf, size_t len);

#endif
