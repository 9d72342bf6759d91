/* A run across machines, on the coordinating host: the server half
 * (--server-via CMD: `CMD synbench serve`) and extra client halves
 * (--client-via CMD: `CMD synbench client`) started over their commands,
 * their clocks measured, started together, stopped, and their records
 * merged with this host's client half (harness/run/remote.c is the other
 * end; harness/run/ctl.h the protocol).
 *
 *   sb_hosts__open -> sb_run_with(local opts, hooks) -> sb_hosts__collect
 */
#ifndef SB_HOSTS_H
#define SB_HOSTS_H

#include <stddef.h>
#include "harness/cli/opts.h"
#include "harness/run/run.h"

struct sb_hosts;

/* Starts every other host's half and waits until each is ready (server:
 * listening, probes attached), then measures each one's clock offset
 * (8 exchanges, the one with the shortest round trip). On failure every
 * started half is stopped and err holds one line naming the host and the
 * reason ("host server (ssh -T root@srv): ..."); negative errno. */
int sb_hosts__open(const struct sb_opts *o, struct sb_hosts **out, char *err, size_t errlen);
/* This host's options: its share of --conns and --rate. */
const struct sb_opts *sb_hosts__local_opts(const struct sb_hosts *h);
/* The hooks that start the other client hosts with this one, watch them
 * during the load, and wait for them after it. */
void sb_hosts__hooks(struct sb_hosts *h, struct sb_run_hooks *hooks);
/* After this host's run (local, consumed): stops every half, receives what
 * each recorded (all within one deadline) and merges everything into *rd
 * (its hosts[] hold each host's own view). A host lost on the way (its
 * channel closed), or a Ctrl-C while waiting (the hosts not heard yet are
 * left out), marks rd interrupted and is named on stderr. A host that
 * broke the protocol (during the run or in its results) or sent no
 * results in time fails the run: negative errno, one line in err naming
 * it, nothing in rd. */
int sb_hosts__collect(struct sb_hosts *h, struct sb_rundata *local, struct sb_rundata *rd,
		      char *err, size_t errlen);
/* Stops whatever still runs (by closing its channel, then by PID). */
void sb_hosts__free(struct sb_hosts *h);

/* Merges n hosts' rundata (hosts[i].rd, moved into rd->hosts) into one:
 * client connections and records of every host, the server host's accepts,
 * samples and counters, client MIB deltas summed (two sides), cookies of
 * host i > 0 tagged with i in their top byte (cookies are per host), and
 * rd->cross_host set. opts: the run's (all hosts' --conns). */
int sb_hosts_merge(const struct sb_opts *opts, struct sb_host *hosts, size_t n,
		   struct sb_rundata *rd);

#define SB_HOST_COOKIE_SHIFT 56

#endif
