/* The probes' kernel-side state read back: one iterator pass read, the records left in the per-socket maps at the
 * end told apart (still open or CLOSE missed), the maps' sizes, the
 * kernel's drop-reason names. Used by harness/run/probes.c and
 * probes_collect.c only. */
#ifndef SB_PROBES_KMEM_H
#define SB_PROBES_KMEM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "bpf/synbench.h"

/* Reads one iterator pass of fixed-size items into out (at most max are
 * stored). A pass that a program ended early (it returned 1: EAGAIN) is
 * complete. Returns the count of items in the pass or a negative errno. */
int sb_read_iter(struct bpf_link *link, void *out, size_t size, int max);

/* A per-CPU array's value at key summed over the CPUs (vals: room for
 * ncpu values); 0 if it cannot be read. */
uint64_t sb_percpu_sum(int fd, uint32_t key, uint64_t *vals, int ncpu);
/* Counter c of the "counters" map: the handlers' and their catcher
 * twins' (the second half, bpf/synbench.bpf.c count()), summed. */
uint64_t sb_counter_sum(int fd, uint32_t c, uint64_t *vals, int ncpu);

/* The addresses of the namespace's TCP sockets now, sorted, read with the
 * iter/tcp program prog from a thread in that namespace (netns_ino), or
 * NULL if they cannot be read. */
uint64_t *sb_live_addrs(struct bpf_program *prog, uint64_t netns_ino, size_t *n);
/* The same over the calling thread's namespace (netns_ino) and, when ino2
 * is not 0, the namespace of descriptor fd2 too (--topology veth: the
 * thread visits it with setns and comes back). NULL if either cannot be
 * read. */
uint64_t *sb_live_addrs2(struct bpf_program *prog, uint64_t netns_ino, int fd2, uint64_t ino2,
			 size_t *n);

struct sb_flush {
	const uint64_t *live; /* sorted socket addresses before the detach, or NULL */
	size_t nlive;
	uint64_t close_missed; /* out: records whose socket was gone */
	int (*emit)(void *ctx, void *data, size_t len);
	void *ctx;
};

/* Sends every record left in the slot array (nslots, read in batches) and
 * the hash behind it to f->emit, marked LIVE_AT_END, or CLOSE_MISSED (and
 * partial) when its socket was not among f->live. */
void sb_flush_slots(int slots_fd, uint32_t nslots, int hash_fd, struct sb_flush *f);

/* Kernel memory the object's maps hold, from their sizes. */
uint64_t sb_map_bytes(struct bpf_object *obj, int ncpu);

#endif
