/* The analysis stage's entry point: a run's records joined per connection,
 * then reconciled against the kernel's counters. */
#ifndef SB_ANALYZE_H
#define SB_ANALYZE_H

#include "harness/analysis/join.h"

/* sb_join__new() then sb_reconcile_fill(): j->rec is filled. The rows point
 * into rd: keep rd alive while *out is. 0 or negative errno. */
int sb_analyze(const struct sb_rundata *rd, struct sb_join **out);

#endif
