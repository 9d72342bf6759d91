/* summary.json's and config.json's blocks of a watch (results_watch.c). */
#ifndef SB_RESULTS_WATCH_H
#define SB_RESULTS_WATCH_H

#include "harness/analysis/analyze.h"
#include "harness/run/rundata.h"

struct sb_json;

/* "watch" (its options and figures) and "children" (server children by
 * outcome). */
void sb_results_json_watch(struct sb_json *js, const struct sb_rundata *rd,
			   const struct sb_result *res);
/* The keys of "reconciliation" only a watch has. */
void sb_results_json_watch_reconciliation(struct sb_json *js, const struct sb_rundata *rd,
					  const struct sb_result *res);
/* "overhead": the BPF run time and this process's CPU while watching. */
void sb_results_json_overhead(struct sb_json *js, const struct sb_rundata *rd,
			      const struct sb_result *res);
/* config.json "options" of a watch. */
void sb_results_json_watch_options(struct sb_json *js, const struct sb_watch_info *w);

#endif
