/* Everything a finished (or interrupted) run writes: join, statistics,
 * result files, the stdout table, plots. */
#ifndef SB_OUTPUT_H
#define SB_OUTPUT_H

#include "harness/run/rundata.h"

/* Creates dir and writes the results of rd into it; prints the table (or
 * summary.json with --json) on stdout. Returns 0, or 2 with a message. */
int sb_output_write(struct sb_rundata *rd, const char *dir);

#endif
