/* The analysis stage's entry point: a run's records joined per connection,
 * reconciled against the kernel's counters, every identity checked, every
 * figure summary.json states computed once, into one struct sb_result. The
 * writers (harness/output/) only serialize it; they never compute.
 *
 *   run (rundata) ──► sb_analyze ──► struct sb_result ──► write, render
 *                         │
 *                         └──► the joined rows, batch by batch, to a row
 *                              sink (connections.csv): rows are never all
 *                              kept, only their sums and histograms
 */
#ifndef SB_ANALYZE_H
#define SB_ANALYZE_H

#include "harness/analysis/cost.h"
#include "harness/analysis/host_checks.h"
#include "harness/analysis/identities.h"
#include "harness/analysis/join.h"
#include "harness/analysis/listeners.h"
#include "harness/run/krec.h"

/* What summary.json says about one host of a run across machines. */
struct sb_host_result {
	uint64_t rows, joined, accepted;    /* client host: its connections */
	uint64_t children, children_joined; /* server host: its child records */
	double rate_per_s; /* connects (client) or accepts (server) per second */
	uint64_t lost_events;
	/* client host: its client ESTABLISHED to the server child's, clocks
	 * corrected (ns), and the offsets' uncertainty */
	struct sb_summary established_gap;
	int64_t gap_uncertainty_ns;
	int nchecks;
	struct sb_host_check checks[SB_HOST_MAX_CHECKS];
};

/* A dwell.csv row: time in FROM before TO (to "" for a whole-path
 * histogram: handshake, child_established, srtt). */
struct sb_dwell {
	const char *from, *to;
	struct sb_summary s;
};

#define SB_MAX_DWELL (SB_NSTATES * SB_NSTATES + 3)

/* What a result is of: a run (its own load, joined to user stamps), or a
 * watch (traffic synbench did not make: kernel records alone, analysis/kview.h). */
enum sb_result_mode { SB_RESULT_RUN = 0, SB_RESULT_WATCH };

/* A watched socket's outcome (kernel records alone). */
enum sb_wout {
	/* client sockets */
	SB_WOUT_ACCEPTED = 0, /* the server child (in this namespace) was closed by its server */
	SB_WOUT_QUEUED,	      /* server child ESTABLISHED, never closed by the server */
	SB_WOUT_GHOST,	      /* ESTABLISHED, no server child, a listener on its port here */
	SB_WOUT_ESTABLISHED,  /* ESTABLISHED, the server is elsewhere */
	SB_WOUT_FAILED,	      /* SYN_SENT -> CLOSE, or reset after the SYN-ACK with no server
			       * socket here: by cause in causes[] (enum sb_fail_cause) */
	SB_WOUT_OPEN,	      /* still SYN_SENT when the watch ended */
	SB_NWOUT_CLIENT,
	/* server children */
	SB_WOUT_SERVED = SB_NWOUT_CLIENT, /* closed by the server (FIN_WAIT1 or LAST_ACK) */
	SB_WOUT_CHILD_OPEN,		   /* ESTABLISHED, not closed by the server */
	SB_WOUT_CHILD_RESET,		   /* ESTABLISHED -> CLOSE directly */
	SB_WOUT_CHILD_FAILED,		   /* never ESTABLISHED */
	SB_NWOUT,
};

static inline const char *sb_wout_name(enum sb_wout o)
{
	static const char *const n[SB_NWOUT] = {
		[SB_WOUT_ACCEPTED] = "accepted",     [SB_WOUT_QUEUED] = "queued",
		[SB_WOUT_GHOST] = "ghost",	     [SB_WOUT_ESTABLISHED] = "established",
		[SB_WOUT_FAILED] = "failed",	     [SB_WOUT_OPEN] = "open",
		[SB_WOUT_SERVED] = "served",	     [SB_WOUT_CHILD_OPEN] = "child_open",
		[SB_WOUT_CHILD_RESET] = "child_reset", [SB_WOUT_CHILD_FAILED] = "child_failed",
	};

	return (unsigned)o < SB_NWOUT ? n[o] : "other";
}

/* What only a watch has: its sockets by role and outcome, its handshakes,
 * its listeners. */
struct sb_watch_figures {
	uint64_t clients, children;   /* rows by role */
	uint64_t handshakes;	      /* client rows that reached ESTABLISHED */
	uint64_t child_handshakes;    /* child rows that reached ESTABLISHED */
	uint64_t untimed;	      /* ... of both, whose ESTABLISHED stamp was missed */
	uint64_t syn_retrans;	      /* sum over client rows */
	uint64_t untagged;	      /* client records without PID/COMM */
	uint64_t filtered_out;	      /* records the user-space filters dropped */
	uint64_t outcomes[SB_NWOUT];
	uint64_t causes[SB_NFAIL];    /* failed clients by cause (causes[0] unused) */
	int64_t listener_drops;	      /* sum over listeners of last - first sk_drops, -1 none */
	int64_t overflows;	      /* listener drops - TCP_LISTEN_OVERFLOW skb drops, -1 */
	uint64_t listeners;	      /* distinct sockets (port, family, cookie) sampled */
	int effective_backlog;	      /* the listeners' when they agree, else -1 */
	uint64_t listen_overflow_skb_drops;
	int listen_overflow_known;    /* this kernel has that drop reason */
};

/* --tls: what the handshakes did. A failure's words are OpenSSL's
 * (lg_tls_reason(err), lg_tls_verify_reason(verify)). */
#define SB_TLS_MAX_REASONS 16
struct sb_tls_reasons {
	struct {
		uint32_t err;	     /* OpenSSL's packed error code */
		uint16_t verify;     /* X509 verify result, 0 none */
		uint64_t n;
	} r[SB_TLS_MAX_REASONS]; /* first seen first */
	size_t n;
	uint64_t other;		     /* beyond SB_TLS_MAX_REASONS distinct reasons */
};
struct sb_tls_figures {
	int on;			     /* the run used --tls */
	uint64_t handshakes;	     /* client rows whose handshake completed */
	uint64_t resumed;	     /* ... by resuming a session */
	uint64_t failed;	     /* rows tls_failed */
	uint64_t version12, version13; /* handshakes by version */
	struct sb_tls_reasons reasons; /* the failures by reason */
	/* our listener's side, from its accept records */
	uint64_t server_handshakes, server_resumed, server_failed;
	struct sb_tls_reasons server_reasons;
};

/* bench watch --serve: what only a watch that keeps no records states
 * (analysis/kfold.h), cumulative since the watch began; the writer of
 * /metrics serializes it (harness/output/metrics.c). */
#define SB_LIVE_LE 26	     /* histogram buckets, +Inf included */
#define SB_LIVE_LISTENERS 64 /* (port, family) listener groups */
#define SB_LIVE_MEMBERS 16   /* sockets of a SO_REUSEPORT group shown one by one */

struct sb_live_hist {
	double le_s[SB_LIVE_LE]; /* upper bounds, seconds; the last is +Inf */
	uint64_t cum[SB_LIVE_LE]; /* values <= le_s[i] (a kernel bucket counts under
				   * the first bound its upper end is within) */
	uint64_t count;
	double sum_s; /* from the kernel buckets' midpoints: within 0.4% */
};

struct sb_live_listener {
	uint16_t port, family;
	uint32_t members; /* sockets in the last pass (SO_REUSEPORT: several) */
	struct {
		uint32_t depth, limit, syn_qlen; /* syn_qlen SB_SYN_QLEN_UNKNOWN: unknown */
	} m[SB_LIVE_MEMBERS];
	uint64_t drops; /* sk_drops gained while watched, the group summed */
};

struct sb_live_drop {
	char name[48]; /* the kernel's enum skb_drop_reason name */
	uint64_t n;
};

struct sb_live {
	uint64_t sockets[2];	  /* kernel counts: client sockets, server children */
	struct sb_live_hist hs[2]; /* handshakes: client SYN_SENT->ESTABLISHED, child
				    * SYN_RECV->ESTABLISHED (the kernel's histograms) */
	uint64_t syn_retrans, synack_retrans;
	uint64_t records;	  /* records folded */
	uint64_t unpaired;	  /* clients whose pairing was given up (table full) */
	uint64_t waiting[2];	  /* clients, children waiting for the other end now */
	uint64_t revived;	  /* paired clients whose child came after their FIN */
	uint64_t in_flight;	  /* sockets the kernel tracks now */
	struct sb_live_listener l[SB_LIVE_LISTENERS];
	size_t nl;
	uint64_t listeners_untracked; /* groups beyond SB_LIVE_LISTENERS */
	struct sb_live_drop *drops; /* non-zero reasons */
	size_t ndrops;
	/* lost: ring buffer full, socket map full, skipped by the kernel
	 * (recursion), sampler reads that failed */
	uint64_t lost_ring, lost_map, lost_skipped, lost_sampler;
	uint64_t bpf_run_ns, bpf_runs; /* every CPU, every namespace (the filter runs first) */
	int bpf_stats_on;
	double cpu_s;		 /* this process, user + system */
	uint64_t rss_bytes;	 /* now */
	double started_unix_s;	 /* when the watch began (wall clock) */
	double uptime_s;
};

struct sb_result {
	enum sb_result_mode mode;
	/* the run's, or set when a signal cut the analysis short (the parts
	 * analyzed so far are written, the rest are not: parts_done of
	 * parts) */
	int interrupted;
	int stop_reason; /* enum sb_stop */
	unsigned int parts, parts_done;
	uint64_t conns_started; /* joined rows: connects submitted */
	uint64_t krecs;		/* kernel records (client and child) */
	struct sb_join_counts counts;
	struct sb_reconcile rec;
	struct sb_identity ids[SB_NIDENTITIES];
	struct sb_summary lat[SB_NLATS];	 /* over the rows, per latency */
	struct sb_summary kernel_handshake_hist; /* from the kernel's histograms */
	struct sb_summary child_est_hist;
	int have_hists;				 /* the kernel's histograms were read */
	double rate_conns_per_s;		 /* user outcome ok per second of the run */
	double duration_s;
	/* --http: responses by status */
	int http;
	uint64_t http_2xx, http_other, http_none;
	struct sb_tls_figures tls;
	struct sb_dwell dwell[SB_MAX_DWELL];
	size_t ndwell;
	struct sb_watch_figures watch; /* mode SB_RESULT_WATCH */
	struct sb_live *live;	       /* bench watch --serve, else NULL */
	struct sb_host_result *hosts; /* rd->nhosts of them, NULL when none */
	size_t nhosts;
	struct sb_cost cost; /* what the probes cost (probes.cost) */
	struct sb_listeners listeners; /* every listener socket on its own */
};

struct sb_kview;

/* A consumer of rows: rows(ctx, j) is called once per batch of a run with
 * the batch's join, krows(ctx, v) once per batch of a watch (kview.h); the
 * rows point into the batch's records: valid only during the call. 0 or
 * negative errno (which ends the analysis). */
struct sb_row_sink {
	int (*rows)(void *ctx, const struct sb_join *j);
	int (*krows)(void *ctx, const struct sb_kview *v);
	void *ctx;
};

/* Analyzes rd into *out (sb_result__free); every batch of rows goes to
 * sink (NULL: none). A SIGINT or SIGTERM (sb_stop_requested) ends it at
 * the next batch: the result says so (interrupted, parts_done < parts).
 * 0 or negative errno. */
int sb_analyze(const struct sb_rundata *rd, const struct sb_row_sink *sink,
	       struct sb_result **out);
void sb_result__free(struct sb_result *r); /* NULL ok */

/* The part of sb_analyze that reads only the kernel's histograms (bench
 * watch, which has no user records): the handshake and child summaries and
 * the dwell rows into res. */
void sb_analyze_kernel_hists(struct sb_result *res, const struct sb_rundata *rd);

#endif
