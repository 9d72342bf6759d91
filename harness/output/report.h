/* report.txt and the stdout table, rendered from the report model. */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <stdio.h>

#include "harness/output/reportmodel.h"

/* Every number printed here is also in summary.json / counters.csv, which
 * the model is read from. Mismatches are printed as "warning: ..." lines,
 * never hidden. Latencies are in a person's unit (s, ms, µs). */

/* The short side-by-side table (kernel vs user latencies), outcomes,
 * reconciliation lines and warnings: the run's stdout. 0 or -EIO. */
int sb_report_text_table(FILE *f, const struct sb_report_model *m);

/* The full report.txt: config lines, the table, outcomes, reconciliation,
 * kernel counters of interest, load generator and join counts, warnings.
 * 0 or -EIO. */
int sb_report_text_write(FILE *f, const struct sb_report_model *m);

#endif
