/* Every listener socket on its own: per-socket figures from the listener
 * samples (one sample per socket per sampler pass, told apart by the
 * socket's cookie) and, for the built-in listener, the accepts counted on
 * each socket (rd->own). A SO_REUSEPORT group's sockets share a port: the
 * per-port figures elsewhere are their sums. */
#ifndef SB_LISTENERS_H
#define SB_LISTENERS_H

#include <stddef.h>
#include <stdint.h>

#include "harness/run/rundata.h"

#define SB_MAX_LISTENERS 64

struct sb_listener_stat {
	uint16_t port, family;
	int32_t index;	    /* the built-in listener's socket number (--reuseport
			     * order); others: the order first sampled, per port */
	uint64_t cookie;    /* SO_COOKIE, 0 when the sampler's mode cannot read it */
	int64_t drops;	    /* sk_drops gained: a run's listeners were made with
			     * it (their last sample, or the final count of one
			     * closed mid-run); a watch's since their first
			     * sample (the per-port listener_drops sums these) */
	int64_t accepts;    /* accept() on it (built-in listener), -1 unknown */
	uint32_t max_queue; /* deepest accept queue sampled */
	uint32_t limit;	    /* sk_max_ack_backlog (the queue holds limit + 1) */
	uint64_t samples, full_samples; /* samples; those with the queue full */
	uint64_t full_ns;   /* time at full queue: each full sample until the next */
	/* sampler passes in which this socket dropped (sk_drops grew since
	 * the previous pass) while a sibling on its port had room (queue below
	 * its limit) */
	uint64_t dropped_sibling_room;
	uint64_t room_sibling_dropped; /* passes it had room while a sibling dropped */
	struct lg_accept_policy policy; /* built-in listener: its policy */
	int own;			/* one of rd->own */
	const struct sb_listen_owner *owner; /* its process (rd->owners), or NULL */
	int32_t incoming_cpu; /* SO_INCOMING_CPU, -1 unset or unknown */
	int64_t drops_at_close; /* --close-socket: its final sk_drops (-1: none) */
	uint32_t first_drops, last_drops; /* sk_drops at its first and last sample */
	uint64_t last_ts;
	int last_full;
};

struct sb_listeners {
	struct sb_listener_stat l[SB_MAX_LISTENERS];
	size_t n;
	uint64_t untracked; /* samples of sockets beyond SB_MAX_LISTENERS */
	/* max / mean over the sockets of the run's port (NAN: fewer than
	 * two sockets, or a mean of 0) */
	double accepts_imbalance, drops_imbalance;
	int64_t accepts_sum, drops_sum; /* over the run's port; accepts -1 unknown */
	/* the socket with the most passes dropped while a sibling had room,
	 * and that sibling's index; -1 when no such pass */
	int overflow_socket, room_socket;
	uint64_t overflow_passes;
};

/* max / mean of v[0..n): NAN when n < 2 or the mean is 0. */
double sb_listeners_imbalance(const int64_t *v, size_t n);

/* The per-socket figures of rd's samples; port 0: every port counts for
 * the sums and imbalance, else only that port's sockets. */
void sb_listeners_compute(const struct sb_rundata *rd, uint16_t port, struct sb_listeners *out);

#endif
