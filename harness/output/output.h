/* Everything a finished (or interrupted) run writes: join, statistics,
 * result files, the stdout table, plots. */
#ifndef SB_OUTPUT_H
#define SB_OUTPUT_H

#include "harness/run/rundata.h"

/* Creates dir and writes the results of rd into it; prints the table (or
 * summary.json with --json) on stdout. Returns 0, or a negative errno with
 * its one-line message printed (a failed plot is only a warning). */
int sb_output_write(struct sb_rundata *rd, const char *dir);

#endif
