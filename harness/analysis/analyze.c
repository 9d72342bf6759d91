/* The analysis stage's entry point: join, then reconcile. */
#include "harness/analysis/analyze.h"

#include "harness/analysis/reconcile.h"

int sb_analyze(const struct sb_rundata *rd, struct sb_join **out)
{
	/* kernel records or counters exist */
	int probes = (rd->nkrecs > 0 || rd->hists) && !(rd->opts && rd->opts->no_probes);
	int err = sb_join__new(rd, out);

	if (!err)
		sb_reconcile_fill(rd, *out, probes);
	return err;
}
