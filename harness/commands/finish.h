/* After a run or a watch, one arrow per stage: analyze (its rows stream into
 * connections.csv) -> write (serialize the result) -> render (plots,
 * reports, the table). The run and bench watch both end here. */
#ifndef SB_FINISH_H
#define SB_FINISH_H

#include "harness/analysis/kview.h"
#include "harness/run/rundata.h"

struct sb_finish_opts {
	const struct sb_kview_opts *kview; /* a watch's; NULL: a run (sb_analyze) */
	int no_plot, json, quiet, verbose;
};

/* Creates dir and writes everything into it. The stop flag starts afresh:
 * a signal now ends the analysis at its next part and the rendering at
 * once. Returns the exit code: 0, 130 (interrupted, results written), 2
 * (one line said why). */
int sb_finish(struct sb_rundata *rd, const char *dir, const struct sb_finish_opts *o);

#endif
