/* Result writers: everything a run produced, as files in results/<run>/.
 *
 *   config.json      every effective option, kernel release, sysctls, attach plan
 *   connections.csv  one row per client connection (SB_CONNECTIONS_HEADER)
 *   queue.csv        listener samples: t_ms,port,accept_queue,limit,syn_queue,drops
 *   dwell.csv        in-kernel state dwell histograms, one row per state pair
 *   counters.csv     source,name,before,after,delta: MIB, probe, drop reasons, lost
 *   summary.json     the contract in docs/results.md
 *   report.txt       the human report (harness/output/report.h)
 *
 * Every file is written to a temporary name in dir and renamed into place,
 * so a reader never sees half a file. Functions return 0 or negative errno. */
#ifndef SB_RESULTS_H
#define SB_RESULTS_H

#include <stdio.h>

#include "harness/analysis/analyze.h"
#include "harness/run/rundata.h"

#define SB_SUMMARY_SCHEMA 1

#define SB_CONNECTIONS_HEADER                                                                      \
	"cookie,t_sched_ns,t_submit_ns,t_connected_ns,t_sent_ns,t_resp_ns,t_closed_ns,"            \
	"k_syn_sent_ns,k_established_ns,k_close_ns,child_cookie,child_syn_recv_ns,"                \
	"child_established_ns,t_accept_ns,user_connect_us,user_connect_sched_us,"                  \
	"kernel_handshake_us,pre_syn_us,notify_delay_us,accept_wait_us,response_us,"               \
	"child_est_us,server_close_us,syn_retrans,outcome,err,user_outcome,lport,rport,thread,"      \
	"k_final_state,http_status,k_srtt_us,server_children,accepts,revived,"                      \
	"t_first_ns,t_tls_start_ns,t_tls_done_ns,t_tls_accept_ns,tls_handshake_us,first_byte_us,"   \
	"last_byte_us,tls_accept_us,tls_version,tls_resumed,tls_error,k_fail_cause"
#define SB_WATCH_CONNECTIONS_HEADER                                                                \
	"cookie,role,pid,comm,ip,saddr,lport,daddr,rport,peer_cookie,k_syn_sent_ns,"               \
	"k_syn_recv_ns,k_established_ns,k_close_ns,kernel_handshake_us,child_est_us,"              \
	"server_close_us,syn_retrans,k_state_path,k_final_state,k_srtt_us,outcome,flushed,"          \
	"t_submit_ns,t_connected_ns,user_connect_us,k_fail_cause"
#define SB_QUEUE_HEADER	   "t_ms,port,accept_queue,limit,syn_queue,drops,listener,cookie"
#define SB_DWELL_HEADER	   "from_state,to_state,count,min_us,p50_us,p90_us,p99_us,p999_us,max_us"
#define SB_COUNTERS_HEADER "source,name,before,after,delta"

/* Writes the files above but connections.csv into dir (which must exist),
 * summary.json last. They only serialize rd (what the run recorded) and res
 * (what the analysis made of it). Stops at the first failure; returns its
 * negative errno. */
int sb_results_write(const char *dir, const struct sb_rundata *rd, const struct sb_result *res);

/* connections.csv, row batch by row batch as the analysis joins them: a
 * struct sb_row_sink is {sb_conn_writer__rows, the writer}. close with
 * commit 1 renames the file into place, 0 drops it. */
struct sb_conn_writer;
struct sb_kview;
int sb_conn_writer__open(const char *dir, struct sb_conn_writer **out);
int sb_conn_writer__rows(void *w, const struct sb_join *j);
/* A watch's rows (one a socket: SB_WATCH_CONNECTIONS_HEADER). */
int sb_conn_writer__krows(void *w, const struct sb_kview *v);
int sb_conn_writer__close(struct sb_conn_writer *w, int commit); /* NULL ok */

/* The individual writers, on any stream (--json writes the summary to stdout). */
int sb_results_write_summary(FILE *f, const struct sb_rundata *rd, const struct sb_result *res);
int sb_results_write_config(FILE *f, const struct sb_rundata *rd);
int sb_results_write_queue(FILE *f, const struct sb_rundata *rd);
int sb_results_write_dwell(FILE *f, const struct sb_result *res);
int sb_results_write_counters(FILE *f, const struct sb_rundata *rd);

/* Writes dir/name atomically (temporary file + rename) through fn. */
int sb_results_write_file(const char *dir, const char *name,
			  int (*fn)(FILE *f, const struct sb_rundata *rd,
				    const struct sb_result *res),
			  const struct sb_rundata *rd, const struct sb_result *res);

/* "events", "clients", ... for enum sb_counter. */
const char *sb_probe_counter_name(unsigned int c);

struct sb_json;
/* "kernel_counters": the named namespace MIB deltas (null when absent), then
 * every other TcpExt/Tcp counter that moved. Shared with bench watch. */
void sb_results_json_kernel_counters(struct sb_json *js, const struct sb_rundata *rd);
/* A latency summary in us under key ({count, min .. max, mean}; values null
 * without samples); present 0: null. Shared with bench watch. */
void sb_results_json_latency(struct sb_json *js, const char *key, const struct sb_summary *s,
			     int present);
/* "tls" (--tls only): handshakes, resumptions, failures by OpenSSL's
 * reason, our listener's side (results_tls.c). */
void sb_results_json_tls(struct sb_json *js, const struct sb_rundata *rd,
			 const struct sb_result *res);
/* "components": every probe component's mode and why not the best one. */
void sb_results_json_components(struct sb_json *js, const struct sb_rundata *rd);

#endif
