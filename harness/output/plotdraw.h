/* The plotting step of a result directory: the plots' data files, then
 * gnuplot draws every plot as PNG and SVG.
 *
 * The report model's densities (harness/output/plotdata.h) are written as
 * DIR/plots/NAME.dat, bounded whatever the connection count; the gnuplot
 * scripts (scripts/plots, one .gp per plot) read only those and the small
 * dwell.csv. synbench runs each script twice (PNG via pngcairo, SVG) with DIR
 * as gnuplot's working directory: no path or other data is ever pasted into
 * what gnuplot parses (by hand: cd DIR && gnuplot -e "fmt='svg'"
 * /path/to/scripts/plots/latency_cdf.gp).
 *
 * Scripts are found by sb_data_dir("plots") (harness/cli/paths.h: a checkout or
 * an installed tree); gnuplot is $SYNBENCH_GNUPLOT or the first gnuplot on
 * PATH. Plotting never renders a report (harness/output/render.h does both). */
#ifndef SB_PLOTDRAW_H
#define SB_PLOTDRAW_H

#include <stddef.h>

#include "harness/output/plotdefs.h"

struct sb_report_model;

/* Data files (creating m->dir/plots), then the plots unless no_plot; *rp
 * says what was drawn (for the reports). Prints one line per problem on
 * stderr. Returns 0; 2 when the data files cannot be written, or gnuplot or
 * the scripts are missing; 1 when a plot failed to draw (see
 * DIR/plots/gnuplot.log). */
int sb_plot_draw(const struct sb_report_model *m, int no_plot, struct sb_report_plots *rp);

/* Finds the directory holding the .gp scripts / the gnuplot binary.
 * 0 or -ENOENT. */
int sb_plot_scripts_dir(char *buf, size_t len);
int sb_plot_find_gnuplot(char *buf, size_t len);

#endif
