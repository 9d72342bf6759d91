/* What a kernel connection record (bpf/synbench.h) says: the names of TCP
 * states, and whether a socket reached ESTABLISHED. */
#ifndef SB_KREC_H
#define SB_KREC_H

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

#endif
