/* Large arrays (the run's records, their expansion, the join's indexes) on
 * transparent huge pages where the kernel gives them to memory that asks
 * (madvise(MADV_HUGEPAGE); transparent_hugepage "madvise" or "always"): on
 * the development VMs a 4 KiB page fault costs about 11 µs, so touching
 * 40 MB took 115 ms with 4 KiB pages and 8 ms with 2 MiB ones
 * (docs/speed.md). Elsewhere the advice is ignored and nothing changes. */
#ifndef SB_BIGMEM_H
#define SB_BIGMEM_H

#include <stddef.h>

/* The process's malloc policy, set once, first thing: every block of 1 MiB
 * or more is a mapping of its own (mallopt M_MMAP_THRESHOLD; glibc
 * otherwise raises the threshold up to 32 MiB as blocks are freed), which
 * sb_bigmem_calloc() can advise before anything touches it. */
void sb_bigmem_policy(void);
#define SB_BIGMEM_MIN (1u << 20) /* the threshold sb_bigmem_policy() sets */

/* Advises the 2 MiB-aligned part of [p, p + len) to use huge pages (none
 * when it holds no whole one). */
void sb_bigmem_advise(void *p, size_t len);
/* calloc(n, size), advised as above before anything touches it (free() it). */
void *sb_bigmem_calloc(size_t n, size_t size);
/* malloc(n * size) (n 0: one element), advised; NULL on overflow. */
void *sb_bigmem_malloc(size_t n, size_t size);

/* A growable array in an anonymous mapping of its own, advised: it grows
 * with mremap(), so nothing is copied and no page is touched twice (glibc's
 * realloc() copies a block into a new one, and its pages fault again). */
struct sb_bigbuf {
	char *p;
	size_t len, cap; /* bytes used, bytes mapped */
};
/* Room for len + more bytes. 0 or -ENOMEM. */
int sb_bigbuf_reserve(struct sb_bigbuf *b, size_t more);
/* Unmaps it; b is empty again (NULL ok to pass an empty one). */
void sb_bigbuf_free(struct sb_bigbuf *b);

#endif
