/* The streaming mode of the kernel-only analysis (bench watch --serve): each
 * kernel record is folded into cumulative figures as it arrives and then
 * dropped, so memory stays flat however long the watch runs. The figures
 * are a watch's (struct sb_watch_figures: sockets by role and outcome,
 * handshakes, retransmits; the same outcome rules as kview.h) plus what a
 * live exporter states (struct sb_live: the kernel's histograms in
 * Prometheus buckets, listeners, drops by reason, losses).
 *
 * A client's outcome needs its server child (accepted, queued) or the
 * certainty that it had none (a ghost). Records come at CLOSE, in either
 * order, so an established client (or a child) waits in a bounded table for
 * the other end's record; once it has waited hold_ms, a read-only pass over
 * the sockets the kernel tracks now tells whether its other end still
 * lives (then it waits on) or never existed: a client without a child is
 * then a ghost when a listener on its port was sampled in the namespace,
 * else established (its server elsewhere). What the tables cannot hold is
 * counted (struct sb_live.unpaired), never guessed.
 *
 * Threads: sb_kfold__records runs on the probes' consumer thread, the
 * listener passes and the pairing passes on the watch's loop, the result on
 * the HTTP server's thread; one lock inside. */
#ifndef SB_KFOLD_H
#define SB_KFOLD_H

#include "harness/analysis/kview.h"

struct sb_kfold_opts {
	int family;	   /* AF_INET, AF_INET6, 0: both (--ipv4, --ipv6) */
	uint32_t hold_ms;  /* how long an end waits for the other's record before a
			    * pass decides; 0: 1000 */
	uint32_t capacity; /* entries of each pairing table; 0: 32768 */
	int syncookies_off; /* 1: the namespace's tcp_syncookies is 0, so no
			     * ghost can be (the outcome rules: kview.h) */
};

struct sb_kfold;

int sb_kfold__new(const struct sb_kfold_opts *o, struct sb_kfold **out);
void sb_kfold__free(struct sb_kfold *f); /* NULL ok */

/* n records as the kernel sent them (sb_probes_opts.on_record; ctx is the
 * fold). */
void sb_kfold__records(void *ctx, const struct sb_krec *k, size_t n);

/* One sampling pass over the namespace's listeners (n samples). The first
 * call is the baseline: the drops its listeners had are not counted; a
 * listener first seen later counts all of its drops. */
void sb_kfold__listeners(struct sb_kfold *f, const struct sb_listen_sample *s, size_t n);

/* Pairing: 1 when an end has waited hold_ms at now (CLOCK_MONOTONIC ns,
 * the records' clock; an end waits from its record's last stamp) and a
 * pass is due. A pass: the time it begins (stamp), sb_kfold__pass_begin,
 * the kernel's tracked sockets to sb_kfold__pass_live (the emit callback
 * of sb_probes__tracked, ctx the fold), and, once every record the kernel
 * had sent before the pass has been read (the consumer drains every 10 ms:
 * the caller waits longer), sb_kfold__pass_end with the stamp: an end
 * that had waited hold_ms at the stamp and whose other end was neither
 * read nor alive is decided. */
int sb_kfold__due(struct sb_kfold *f, uint64_t now);
void sb_kfold__pass_begin(struct sb_kfold *f);
int sb_kfold__pass_live(void *ctx, void *data, size_t len);
void sb_kfold__pass_end(struct sb_kfold *f, uint64_t stamp);

/* The cumulative result now, in the one model (mode "watch", res->live
 * set): the fold's figures, rd's kernel counters, drop reasons,
 * histograms (sb_probes__peek) and MIB deltas since the watch began, the
 * four watch identities (kview.h) with o's filters. 0 or -ENOMEM. */
int sb_kfold__result(struct sb_kfold *f, const struct sb_rundata *rd, const struct sb_kview_opts *o,
		     struct sb_result **out);

#endif
