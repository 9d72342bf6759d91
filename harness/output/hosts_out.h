/* A run across machines: the per-host directories hosts/<name>/ (config.json, counters.csv, records.csv, the
 * server's queue.csv, and what the host's command said on stderr). */
#ifndef SB_HOSTS_OUT_H
#define SB_HOSTS_OUT_H

#include "harness/run/rundata.h"

/* dir/hosts/<name>/ for every host. 0 or negative errno. */
int sb_results_write_hosts(const char *dir, struct sb_rundata *rd);

#define SB_RECORDS_HEADER                                                                          \
	"cookie,role,isn,saddr,sport,daddr,dport,t_open_ns,t_established_ns,t_fin_wait1_ns,"      \
	"t_last_ack_ns,t_close_ns,syn_retrans,final_state,srtt_us"

#endif
