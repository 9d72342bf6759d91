/* The listener sampler's mode without BPF (tcp_info): accept-queue depth,
 * limit and drops of the namespace's listeners from a sock_diag dump. */
#ifndef SB_LISTEN_DIAG_H
#define SB_LISTEN_DIAG_H

#include <stdint.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"

struct sb_listen_diag;

/* A netlink socket in the caller's network namespace, filtering on ports
 * (none: every listener). */
int sb_listen_diag__new(const uint16_t *ports, uint32_t nports, struct sb_listen_diag **out);
/* One sample per matching listener (IPv4 and IPv6) into out (at most max).
 * Returns the number written or a negative errno. */
int sb_listen_diag__sample(struct sb_listen_diag *d, struct sb_listen_sample *out, int max);
/* The same, with each listener's socket inode in ino[i] beside out[i]. */
int sb_listen_diag__sample_ino(struct sb_listen_diag *d, struct sb_listen_sample *out,
			       uint32_t *ino, int max);
void sb_listen_diag__free(struct sb_listen_diag *d);

#endif
