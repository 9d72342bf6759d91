/* The main job: one run of the experiment. */
#ifndef SB_RUN_H
#define SB_RUN_H

#include <signal.h>
#include <stddef.h>
#include "harness/run/rundata.h"

/* What must hold before anything is made: root, and the io_uring
 * operations the engine needs. 0, or a negative errno with one line in err. */
int sb_run_preflight(const struct sb_opts *o, char *err, size_t errlen);

/* Runs the experiment described by o and fills *rd with what both sides
 * recorded (the caller writes the results: harness/output/). 0; or -EINVAL
 * for bad input or a bad environment, its one-line message printed and
 * nothing made. *rd is set only on 0; free it with sb_rundata_free(). */
int sb_run(const struct sb_opts *o, struct sb_rundata *rd);

/* Which halves of the experiment run in this process: both (one host), or
 * one host's half of a run across machines (--server-via, --client-via). */
enum sb_half { SB_HALF_BOTH = 0, SB_HALF_SERVER, SB_HALF_CLIENT };

/* How another party drives the run (harness/run/hosts.c, remote.c). */
struct sb_run_hooks {
	enum sb_half half;
	void *ctx;
	/* Everything is up (namespace, probes, listener, sampler, MIB before)
	 * and no connection made: return 0 to go on (a client half when its
	 * start time has come), else fail with one line in err. */
	int (*before_load)(void *ctx, struct sb_rundata *rd, char *err, size_t len);
	/* Every 100 ms while the load runs (a server half: until it returns
	 * nonzero): waits up to timeout_ms for control input; done is this
	 * host's finished connections so far; nonzero stops the run. */
	int (*tick)(void *ctx, int timeout_ms, uint64_t done);
	/* The coordinator: the other client hosts' finished connections and
	 * their shares; returns how many of them are still running (this host
	 * keeps ticking, and its progress line counts them, until none is). */
	int (*others)(void *ctx, uint64_t *done, uint64_t *conns);
	/* This host's load finished or stopped with done connections (a
	 * client half: waits until stop). */
	void (*after_load)(void *ctx, uint64_t done);
	/* where sb_run_with also leaves its one-line failure (NULL: only printed) */
	char *err;
	size_t errlen;
};

/* sb_run with hooks (NULL: sb_run). A half runs in the calling process's
 * namespace (or --netns), sets only the sysctls asked for, and a client
 * half connects to --server-addr. */
int sb_run_with(const struct sb_opts *o, const struct sb_run_hooks *h, struct sb_rundata *rd);

/* Frees what sb_run() put in rd, its server log included. */
void sb_rundata_free(struct sb_rundata *rd);

#endif
