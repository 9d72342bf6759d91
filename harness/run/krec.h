/* What a kernel connection record (bpf/synbench.h) says: the names of TCP
 * states, whether a socket reached ESTABLISHED, and the compact record the
 * kernel sends expanded to a stamp per state. */
#ifndef SB_KREC_H
#define SB_KREC_H

#include <stddef.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"

/* "SYN_SENT", ...; "UNKNOWN" out of range. */
const char *sb_tcp_state_name(unsigned int state);
/* A client or child socket reached ESTABLISHED: its stamp, or a state that
 * only an established socket enters (FIN_WAIT1, FIN_WAIT2, CLOSING,
 * TIME_WAIT, CLOSE_WAIT, LAST_ACK): SYN_SENT and SYN_RECV lead only to
 * ESTABLISHED or CLOSE, so a record without the stamp but in such a state
 * lost that one event (README, "Events hidden from BPF"). */
int sb_rec_established(const struct sb_conn_rec *r);

/* The kernel's compact record (len bytes: SB_KREC_V4 for IPv4) as the rest
 * of the harness reads it: a stamp per state. */
void sb_krec_expand(const struct sb_krec *k, size_t len, struct sb_conn_rec *r);

#endif
