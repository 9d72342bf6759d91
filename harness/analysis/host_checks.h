/* A run across machines: each host's kernel counters against its own
 * probes, in its own namespace (the per-side identities of
 * harness/analysis/identities.h, one host at a time). */
#ifndef SB_HOST_CHECKS_H
#define SB_HOST_CHECKS_H

#include <stdint.h>
#include "harness/analysis/identities.h"
#include "harness/run/rundata.h"

#define SB_HOST_MAX_CHECKS 3

struct sb_host_check {
	enum sb_identity_id id;
	struct sb_identity r;
	int64_t probe, kernel; /* the two sides of the identity (-1: absent) */
};

/* A client host: its SYN retransmits = its TCPSynRetrans, its ActiveOpens =
 * its connects started. The server host: its SYN-ACK retransmits = its
 * TCPSynRetrans, its ActiveOpens = 0, its listener's drops = its ListenDrops
 * + TCP_LISTEN_OVERFLOW skb drops. Returns how many were filled. */
int sb_host_checks(const struct sb_host *h, struct sb_host_check out[SB_HOST_MAX_CHECKS]);

#endif
