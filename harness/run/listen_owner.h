/* Who owns each listener socket the sampler saw: the process holding it (a
 * descriptor of a process in the server's namespace, or of this one) and the
 * CPU it asked to serve (SO_INCOMING_CPU), read through a duplicate of that
 * descriptor (pidfd_getfd, Linux 5.6; closed at once, the server's own is
 * untouched). */
#ifndef SB_LISTEN_OWNER_H
#define SB_LISTEN_OWNER_H

#include "harness/run/rundata.h"

/* Fills rd->owners for the cookies of rd->samples: pid -1 where no process
 * of the namespace rd->netns_inode (or this one) holds it any more, or its
 * descriptors cannot be read (no pidfd_getfd, ptrace refused). */
void sb_listen_owners(struct sb_rundata *rd);

#endif
