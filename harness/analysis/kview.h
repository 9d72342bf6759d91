/* The kernel-only mode of the analysis (bench watch): the records of traffic
 * synbench did not make, with no user-side stamps to join. Each socket is a
 * row: a client, or a server child paired with its client when both ends
 * live in the watched namespace (the mirrored 4-tuple, the latest SYN_SENT
 * not after the child's SYN_RECV). Rows are classified, summed and
 * reconciled with the namespace's counters into the same struct sb_result
 * a run gets (mode SB_RESULT_WATCH), and handed to the row sink. Pure
 * computation on records: no BPF, testable on recorded ones. */
#ifndef SB_KVIEW_H
#define SB_KVIEW_H

#include "harness/analysis/analyze.h"

/* One watched socket. */
struct sb_krow {
	const struct sb_conn_rec *r;
	const struct sb_conn_rec *peer; /* the other end in this namespace, or NULL */
	int tagged;			/* client: the connecting task is known */
	uint32_t pid;
	char comm[16];
	enum sb_wout outcome;
	enum sb_fail_cause cause; /* a failed client's, else SB_FAIL_NONE */
	int64_t lat[SB_NLATS]; /* kernel_handshake, child_established, server_close; else SB_NA */
};

/* A batch of watched sockets (rows valid during the sink's call). */
struct sb_kview {
	const struct sb_krow *rows;
	size_t nrows;
};

struct sb_kview_opts {
	int family; /* AF_INET, AF_INET6, 0: both */
	/* the connecting task of a client record (1, with pid, comm and
	 * whether it was in --cgroup then), or 0 when unknown; NULL: none */
	int (*tag)(void *ctx, const struct sb_conn_rec *r, uint32_t *pid, char comm[16],
		   int *in_cgroup);
	void *tag_ctx;
	/* the task filters: --pid (-1 any), --comm ("" any), --cgroup */
	int64_t pid;
	const char *comm;
	int cgroup;
	/* the first filter given, for messages ("--port" ...), NULL: none */
	const char *filter_name;
	const uint16_t *ports; /* --port (the probes filtered on them), nports 0: all */
	uint32_t nports;
	/* every port a socket of the namespace listened on at the start or the
	 * end (> 64: more than listed): whether --port covers the listeners
	 * ListenOverflows counts */
	const uint16_t *ns_listen_ports;
	uint32_t ns_nlisten_ports;
};

/* Analyzes a watch's records (rd: kernel side, samples, counters) into *out
 * (sb_result__free); the rows go to sink->krows. 0 or negative errno. */
int sb_kview_analyze(const struct sb_rundata *rd, const struct sb_kview_opts *o,
		     const struct sb_row_sink *sink, struct sb_result **out);

/* The outcome rules, one place for a watch and its streaming mode
 * (kfold.h): a server child's from its record; a client's from its record,
 * its child's when paired (peer, else NULL), and whether a listener on its
 * port was in the namespace (a ghost, or failed when reset after the
 * SYN-ACK, or after its FIN where syncookies were 0: sb_rec_serverless_cause;
 * else the server is elsewhere), with a failed client's cause in *cause
 * (SB_FAIL_NONE otherwise). */
enum sb_wout sb_kview_child_outcome(const struct sb_conn_rec *c);
enum sb_wout sb_kview_client_outcome(const struct sb_conn_rec *c, const struct sb_conn_rec *peer,
				     int listener_here, int syncookies,
				     enum sb_fail_cause *cause);
/* The four identities a watch checks (the run's others skipped, with why)
 * from rd's counters and MIB deltas and res->watch's listener figures
 * (listener_drops set); the failing ones warned in res->rec. */
void sb_kview_reconcile(const struct sb_rundata *rd, const struct sb_kview_opts *o,
			struct sb_result *res);

#endif
