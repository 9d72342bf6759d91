/* The reconciliation of one join (struct sb_reconcile in harness/analysis/join.h):
 * kernel counters against the joined records, and the warnings. */
#ifndef SB_RECONCILE_H
#define SB_RECONCILE_H

#include "harness/analysis/join.h"

/* Fills j->rec from rd and j's rows and counts. probes: kernel records or
 * counters exist. Never fails: a warning that cannot be allocated is left out. */
void sb_reconcile_fill(const struct sb_rundata *rd, struct sb_join *j, int probes);

#endif
