/* Everything a finished (or interrupted) run writes, from what the run
 * recorded (rundata) and what the analysis made of it (struct sb_result):
 * serializing and rendering only, no computing. connections.csv comes from
 * the analysis' row sink (sb_conn_writer, harness/output/results.h). */
#ifndef SB_OUTPUT_H
#define SB_OUTPUT_H

#include "harness/analysis/analyze.h"
#include "harness/run/rundata.h"

/* The result files into dir (which exists): each host's directory across
 * machines, config.json, queue.csv, dwell.csv, counters.csv, summary.json
 * last. 0, or a negative errno with its one-line message printed. */
int sb_output_write(const char *dir, struct sb_rundata *rd, const struct sb_result *res);

/* The plots (unless no_plot) and reports from dir's files (as `bench plot
 * DIR` does), then the table, a watch's summary, or summary.json (json),
 * unless quiet, and "results: DIR" on stdout. 0, or a negative errno with
 * its one-line message printed (a failed plot is only a warning). */
int sb_output_render(const char *dir, const struct sb_rundata *rd, const struct sb_result *res,
		     int no_plot, int json, int quiet);

#endif
