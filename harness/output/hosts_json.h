/* A run across machines: summary.json's "hosts" array, each host's own
 * view (its counters, its probes, its identities, its clock offset). */
#ifndef SB_HOSTS_JSON_H
#define SB_HOSTS_JSON_H

#include "harness/analysis/analyze.h"
#include "harness/run/rundata.h"

struct sb_json;

/* "hosts": one object per host (nothing when rd->nhosts is 0). */
void sb_results_json_hosts(struct sb_json *js, const struct sb_rundata *rd,
			   const struct sb_result *res);

#endif
