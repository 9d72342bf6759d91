/* The kernel view's bracket around a run's load or a watch's traffic, one
 * for both: the probes loaded (their plan, each degraded component said
 * once), the namespace's counters and the BPF run time from the begin to
 * the end, the listener sampler in between, the records and counters
 * collected at the end.
 *
 *   sb_observe__new     probes loaded (none without po), rd's attach plan
 *   sb_observe__peer_mib  another namespace's MIB read inside the same
 *                       bracket (--topology veth: the client's)
 *   sb_observe__begin   kernel release, start time, MIB before, this
 *                       process's CPU, BPF run-time statistics on (an fd
 *                       the kernel drops with us), the probes' reader and
 *                       the sampler started (the caller found the
 *                       listeners it needs before)
 *   sb_observe__end_sampling  the sampler's last sample, the probes'
 *                       MIB-compared counters and the MIB after, read
 *                       together (before the listener closes)
 *   sb_observe__owners  the listeners' owners (a walk of /proc: after the
 *                       window's reads; before the listener closes)
 *   sb_observe__end     the probes stopped and collected, the BPF run time,
 *                       this process's CPU and peak memory
 *
 * A run brackets its load with it (harness/run/run.c), bench watch the
 * traffic it watches (harness/commands/watch.c).
 */
#ifndef SB_OBSERVE_H
#define SB_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/run/mib.h"
#include "harness/run/probes.h"
#include "harness/run/rundata.h"

struct sb_observe;

/* po NULL: no probes (--no-probes): the bracket keeps the counters only.
 * bpf_stats: count the programs' run time while observing (rd->bpf_run_ns;
 * rd->bpf_stats_on says whether it was counted). 0, or negative errno
 * with one line in err. */
int sb_observe__new(const struct sb_probes_opts *po, int bpf_stats, struct sb_rundata *rd,
		    struct sb_observe **out, char *err, size_t errlen);
/* A second namespace's counters read with the first, between the same
 * marks of the probes' counters, into rd->client_mib at the end (read:
 * 0 or negative errno). Before sb_observe__begin. */
void sb_observe__peer_mib(struct sb_observe *ob, int (*read)(void *ctx, struct sb_mib_snap **out),
			  void *ctx);
/* The probes (NULL without). */
struct sb_probes *sb_observe__probes(const struct sb_observe *ob);
/* sample_us: the listener sampler's period, when its component is on.
 * 0, or negative errno with one line in err. */
int sb_observe__begin(struct sb_observe *ob, struct sb_rundata *rd, uint32_t sample_us,
		      char *err, size_t errlen);
void sb_observe__end_sampling(struct sb_observe *ob, struct sb_rundata *rd);
/* Once, after end_sampling (and any other namespace's MIB read beside
 * it); sb_observe__end calls it when nobody did. */
void sb_observe__owners(struct sb_observe *ob, struct sb_rundata *rd);
/* 0, or negative errno with one line in err (out of memory). */
int sb_observe__end(struct sb_observe *ob, struct sb_rundata *rd, char *err, size_t errlen);
/* This process's CPU time from the begin to the sampling's end. */
void sb_observe__cpu(const struct sb_observe *ob, double *user_s, double *sys_s);
void sb_observe__free(struct sb_observe *ob); /* NULL ok */

#endif
