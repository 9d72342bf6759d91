/* Who owns each listener socket the sampler saw. Ours: read through our own
 * descriptors, with the CPU it serves (SO_INCOMING_CPU). Another process's
 * (a --target server, a watched one): its socket inode from a sock_diag dump
 * of the server's namespace, matched against /proc/PID/fd links of that
 * namespace's processes; nothing of theirs is opened or held. */
#ifndef SB_LISTEN_OWNER_H
#define SB_LISTEN_OWNER_H

#include "harness/run/rundata.h"

/* Fills rd->owners for the cookies of rd->samples: pid -1 where no process
 * holds it any more or it cannot be told; incoming_cpu for ours only. */
void sb_listen_owners(struct sb_rundata *rd);

#endif
