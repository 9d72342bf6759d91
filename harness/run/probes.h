/* The kernel probes' lifecycle: open, filter, size, load with each
 * component in the best mode this kernel runs (harness/run/probes_plan.c),
 * attach, drain the record queues, sample listeners, detach, collect. */
#ifndef SB_PROBES_H
#define SB_PROBES_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"
#include "harness/cli/opts.h"
#include "harness/run/probes_opts.h"
#include "harness/run/rundata.h"

struct sb_probes;

/* Checks the environment (privileges, BTF), loads and attaches. On failure
 * returns a negative errno and writes one line naming the problem and the
 * fix into err. */
int sb_probes__new(const struct sb_probes_opts *opts, struct sb_probes **out, char *err,
		   size_t errlen);
/* state_changes' mode: "tp_btf", "raw_tp" or "tracepoint". */
const char *sb_probes__plan(const struct sb_probes *p);
/* Every component's mode and why it is not the preferred one. */
const struct sb_components *sb_probes__components(const struct sb_probes *p);
/* Starts the thread that drains the record queues. */
int sb_probes__start(struct sb_probes *p);
/* Hands over an enable-stats descriptor (BPF run time counted while it is
 * open): closed once the probes have read window_records records, the
 * window's events kept to scale the run time to the whole run, or at the
 * end (window_records 0). */
void sb_probes__stats_window(struct sb_probes *p, int stats_fd, uint64_t window_records);
/* Finds the listening sockets of the namespace on the filtered ports (one
 * iter/tcp pass) and adds the new ones to the set the sampler reads.
 * Returns how many are watched in all, or a negative errno. */
int sb_probes__find_listeners(struct sb_probes *p);
/* Runs the sampler once: one sample per watched listener, appended to out
 * (at most max). Returns the number written or a negative errno. */
int sb_probes__sample(struct sb_probes *p, struct sb_listen_sample *out, int max);
/* Live count of sockets the probes are tracking now (sockets not yet
 * CLOSE), -1 if unknown. */
long sb_probes__live(struct sb_probes *p);
/* Reads now the counters that the identities compare with the kernel's
 * MIB counters (the retransmits, the drops and their reasons), as the
 * window's begin (end 0) or end (1): call it on both sides of the MIB's
 * first and last snapshot, until two reads agree (observe.c). Returns 1
 * when they moved since the last read of the same end, else 0. Events
 * outside the window (a watched server's traffic between the attach and
 * the first snapshot, a request socket left in a server's queue
 * retransmitting its SYN-ACK before the detach) are in neither side;
 * collect reports these counters as the difference. */
int sb_probes__window_mark(struct sb_probes *p, int end);
/* Detaches every program, drains the record queues and flushes sockets that
 * never closed. Idempotent. */
void sb_probes__stop(struct sb_probes *p);
/* Moves records, counters, histograms and drop reasons into rd (which then
 * owns them: free with sb_rundata_free_kernel()). Call after stop. */
int sb_probes__collect(struct sb_probes *p, struct sb_rundata *rd);
void sb_probes__free(struct sb_probes *p);

/* While the probes run (bench watch --serve), nothing stopped: their
 * counters, drop reasons (and the kernel's names for them, once), the
 * histograms below SB_H_DWELL (handshake, child established, srtt: into
 * rd->hists when it is not NULL, which then holds at least SB_H_DWELL *
 * SB_HIST_BUCKETS), the programs' run time, the events the
 * kernel skipped, into rd, as sb_probes__collect counts them. 0 or
 * negative errno. */
int sb_probes__peek(struct sb_probes *p, struct sb_rundata *rd);
/* One read-only pass over the sockets the kernel tracks now (in flight):
 * each one's record as it stands (struct sb_krec) to emit. 0 or negative
 * errno. */
int sb_probes__tracked(struct sb_probes *p, int (*emit)(void *ctx, void *data, size_t len),
		       void *ctx);

/* Frees what sb_probes__collect() put into rd. */
void sb_rundata_free_kernel(struct sb_rundata *rd);

struct sb_kbtf;
/* Names of the kernel's enum skb_drop_reason, read from its BTF
 * (harness/run/kbtf.h):
 * names[value] = "NO_SOCKET" (strdup'ed; free with the array's owner). */
int sb_drop_reason_names(const struct sb_kbtf *btf, const char **names, size_t n);
/* 1 if the kernel's tcp_retransmit_skb tracepoint also fires for a
 * retransmit that failed to transmit (Linux 6.18+: its err field), 0 if
 * only for those that left (harness/run/probes_kmem.c). */
int sb_retransmit_traces_failures(const struct sb_kbtf *btf);

#endif
