/* summary.json probes.cost, from the analysis' struct sb_cost (the run's
 * and bench watch's summaries; docs/results.md). */
#ifndef SB_COST_JSON_H
#define SB_COST_JSON_H

#include "harness/analysis/cost.h"
#include "harness/output/json.h"

void sb_results_json_cost(struct sb_json *js, const struct sb_cost *c);

#endif
