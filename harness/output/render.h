/* A result directory's human outputs from its files alone: the plots, then report.txt, report.md and report.html. */
#ifndef SB_RENDER_H
#define SB_RENDER_H

/* Used by the run (after its result files are written), bench watch and
 * bench plot DIR, so all of them write the same bytes from the same files.
 * The report model is read first: a missing or malformed summary.json (or
 * an unreadable connections.csv) prints one line naming the file, writes
 * nothing and returns 2. Then the plots (unless no_plot) and the reports,
 * each report written atomically. Returns 0; 1 when a plot failed to draw
 * (DIR/plots/gnuplot.log); 2 when gnuplot or its scripts are missing (the
 * reports are still written and say so) or a report cannot be written. */
int sb_render_dir(const char *dir, int no_plot);

/* The same for a model already loaded from its directory (m->plots is
 * set to what was drawn). Returns 0, 1 or 2 for the plots as sb_render_dir,
 * or a negative errno when the reports could not be written (one line on
 * stderr). */
struct sb_report_model;
int sb_render_model(struct sb_report_model *m, int no_plot);

#endif
