/* Human output: report.txt and the short stdout table. Every number printed
 * here is also in summary.json / counters.csv. Mismatches are printed as
 * "warning: ..." lines, never hidden. */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <stdio.h>

#include "harness/analysis/join.h"
#include "harness/run/rundata.h"

/* Short side-by-side table (kernel vs user latencies), outcomes,
 * reconciliation lines and warnings. 0 or -EIO. */
int sb_report_print_table(FILE *f, const struct sb_rundata *rd, const struct sb_join *j);

/* The full report.txt: config line, the table, outcomes, reconciliation,
 * kernel counters of interest, loadgen stats, warnings. 0 or -EIO. */
int sb_report_write(FILE *f, const struct sb_rundata *rd, const struct sb_join *j);

#endif
