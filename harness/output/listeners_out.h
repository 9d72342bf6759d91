/* Every listener socket on its own, written out: summary.json's
 * "listeners" object, from the analysis' struct sb_listeners. */
#ifndef SB_LISTENERS_OUT_H
#define SB_LISTENERS_OUT_H

#include "harness/analysis/analyze.h"
#include "harness/output/json.h"

void sb_listeners_json(struct sb_json *js, const struct sb_rundata *rd,
		       const struct sb_result *res);

#endif
