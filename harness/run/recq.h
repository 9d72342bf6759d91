/* The record queues' user side (bpf/synbench.h, struct sb_recq_ctl): their
 * sizes, the two arrays mapped into this process, drained. One reader (the
 * probes' consumer thread, then the stop once it is gone). */
#ifndef SB_RECQ_H
#define SB_RECQ_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"

struct sb_recq {
	struct sb_recq_ctl *ctl; /* 2 * ncpu: the handlers', then the twins' */
	struct sb_krec *slot;	 /* ncpu * slots + ncpu * tslots */
	size_t ctl_len, slot_len;
	uint32_t ncpu, slots, tslots;
};

/* Slots of a handler queue (a power of two) for ncpu possible CPUs: 16,384
 * (1.5 MiB: 80 ms of records at 100k connections/s on one CPU, while the
 * reader is kept off the CPUs by the load), fewer on machines with many
 * CPUs so that all queues take at most 16 MiB, at least 512. A twin queue
 * has a sixteenth of that. */
uint32_t sb_recq_slots(int ncpu);
/* Maps the queues' arrays (the maps' descriptors). 0 or -errno. */
int sb_recq__map(struct sb_recq *q, int ctl_fd, int slot_fd, uint32_t ncpu, uint32_t slots);
/* The number of slots of all queues, the "recq" array's entries. */
uint32_t sb_recq_entries(uint32_t ncpu, uint32_t slots);
/* Hands every record written since the last call to fn(ctx, records, n),
 * as runs of consecutive slots, and frees their slots. Returns how many;
 * *fullest: the fullest handler queue's share held, in 1/64ths. */
size_t sb_recq__drain(struct sb_recq *q, void (*fn)(void *ctx, const struct sb_krec *r, size_t n),
		      void *ctx, uint32_t *fullest);
void sb_recq__unmap(struct sb_recq *q);

#endif
