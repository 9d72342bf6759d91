/* The reconciliation of one join (struct sb_reconcile in harness/analysis/join.h):
 * kernel counters against the joined records, and the warnings. */
#ifndef SB_RECONCILE_H
#define SB_RECONCILE_H

#include "harness/analysis/join.h"

/* Fills rec from rd and the joined rows' counts n. probes: kernel records
 * or counters exist. Never fails: a warning that cannot be allocated is
 * left out. */
void sb_reconcile_fill(const struct sb_rundata *rd, const struct sb_join_counts *n, int probes,
		       struct sb_reconcile *rec);
/* Adds a warning to rec (left out if it cannot be allocated). */
void sb_reconcile_warn(struct sb_reconcile *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees rec's warnings. */
void sb_reconcile_free(struct sb_reconcile *rec);

#endif
