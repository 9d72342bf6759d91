/* The record queues' user side (recq.h). */
#include "harness/run/recq.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define QUEUES_MAX_BYTES (16u << 20)

static uint32_t twin_slots(uint32_t slots)
{
	return slots / 16 > 64 ? slots / 16 : 64;
}

uint32_t sb_recq_slots(int ncpu)
{
	uint32_t n = 16384;

	if (ncpu < 1)
		ncpu = 1;
	while (n > 512 && (uint64_t)sb_recq_entries((uint32_t)ncpu, n) * sizeof(struct sb_krec) >
				  QUEUES_MAX_BYTES)
		n >>= 1;
	return n;
}

uint32_t sb_recq_entries(uint32_t ncpu, uint32_t slots)
{
	return ncpu * (slots + twin_slots(slots));
}

static void *map(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int sb_recq__map(struct sb_recq *q, int ctl_fd, int slot_fd, uint32_t ncpu, uint32_t slots)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	memset(q, 0, sizeof(*q));
	q->ncpu = ncpu;
	q->slots = slots;
	q->tslots = twin_slots(slots);
	/* an mmapable array's values, contiguous, from offset 0 */
	q->ctl_len = ((size_t)2 * ncpu * sizeof(*q->ctl) + page - 1) & ~(page - 1);
	q->slot_len = ((size_t)sb_recq_entries(ncpu, slots) * sizeof(*q->slot) + page - 1) &
		      ~(page - 1);
	q->ctl = map(ctl_fd, q->ctl_len);
	q->slot = map(slot_fd, q->slot_len);
	if (!q->ctl || !q->slot) {
		int e = -errno;

		sb_recq__unmap(q);
		return e;
	}
	return 0;
}

size_t sb_recq__drain(struct sb_recq *q, void (*fn)(void *ctx, const struct sb_krec *r, size_t n),
		      void *ctx, uint32_t *fullest)
{
	size_t n = 0;

	*fullest = 0;
	for (uint32_t i = 0; q->ctl && i < 2 * q->ncpu; i++) {
		struct sb_recq_ctl *c = &q->ctl[i];
		int twin = i >= q->ncpu;
		uint32_t cpu = twin ? i - q->ncpu : i, size = twin ? q->tslots : q->slots;
		struct sb_krec *base = q->slot + (twin ? (size_t)q->ncpu * q->slots : 0) +
				       (size_t)cpu * size;
		/* acquire: the records up to head are written */
		uint64_t h = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE), t = c->tail;

		if (!twin && (h - t) * 64 / size > *fullest)
			*fullest = (uint32_t)((h - t) * 64 / size);
		while (t != h) {
			uint64_t at = t & (size - 1), run = h - t < size - at ? h - t : size - at;

			fn(ctx, &base[at], (size_t)run);
			t += run;
			n += (size_t)run;
		}
		/* release: the slots are read, the programs may reuse them */
		__atomic_store_n(&c->tail, t, __ATOMIC_RELEASE);
	}
	return n;
}

void sb_recq__unmap(struct sb_recq *q)
{
	if (q->ctl)
		munmap(q->ctl, q->ctl_len);
	if (q->slot)
		munmap(q->slot, q->slot_len);
	q->ctl = NULL;
	q->slot = NULL;
}
