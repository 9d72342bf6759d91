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

#include "harness/analysis/host_checks.h"
#include "harness/analysis/identities.h"
#include "harness/analysis/join.h"

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

struct sb_result {
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
	struct sb_dwell dwell[SB_MAX_DWELL];
	size_t ndwell;
	struct sb_host_result *hosts; /* rd->nhosts of them, NULL when none */
	size_t nhosts;
};

/* A consumer of joined rows: rows(ctx, j) is called once per batch with the
 * batch's join (its rows point into the batch's records: valid only during
 * the call). 0 or negative errno (which ends the analysis). */
struct sb_row_sink {
	int (*rows)(void *ctx, const struct sb_join *j);
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
