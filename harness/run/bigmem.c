/* Large arrays on transparent huge pages (bigmem.h). */
#include "harness/run/bigmem.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE ((size_t)2 << 20)

static size_t huge_up(size_t n)
{
	return (n + HUGE - 1) & ~(HUGE - 1);
}

void sb_bigmem_policy(void)
{
	void *p;
	char *lo, *hi;

	/* blocks under 32 MiB from the heap (glibc's threshold moves up to that
	 * anyway as blocks are freed), which grows in 64 MiB steps and is never
	 * given back: the first step is advised at once, so libbpf's copies of
	 * the kernel's BTF and every other array of the run land on huge pages,
	 * and memory freed is reused without faulting again */
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
	(void)mallopt(M_TOP_PAD, 64 << 20);
	/* a block just under the threshold makes the heap grow now, by it and
	 * the pad: the heap that the libraries' constructors started before
	 * main is small, and a malloc(1) fitted in it (the heap was never
	 * advised: 2,860 more 4 KiB faults with probes, most of them libbpf
	 * reading the kernel's BTF, ~11 us each on the development VMs) */
	p = malloc((32 << 20) - 4096);
	lo = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	hi = (char *)((uintptr_t)sbrk(0) & ~(uintptr_t)(HUGE - 1));
	if (p && hi > lo)
		(void)madvise(lo, (size_t)(hi - lo), MADV_HUGEPAGE);
	free(p);
}

void sb_bigmem_advise(void *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(HUGE - 1);

	if (!p || e <= a)
		return;
	/* advice only: a kernel without THP says EINVAL, and nothing changes */
	(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

void *sb_bigmem_malloc(size_t n, size_t size)
{
	size_t len;
	void *p;

	if (n == 0)
		n = 1;
	if (size && n > SIZE_MAX / size)
		return NULL;
	len = n * size;
	if (len < SB_BIGMEM_MIN)
		return malloc(len);
	/* 2 MiB-aligned and a whole number of huge pages: no 4 KiB page at
	 * either end (up to 1,024 page faults more otherwise) */
	if (len > SIZE_MAX - HUGE || posix_memalign(&p, HUGE, huge_up(len)) != 0)
		return NULL;
	sb_bigmem_advise(p, huge_up(len));
	return p;
}

void *sb_bigmem_calloc(size_t n, size_t size)
{
	void *p = sb_bigmem_malloc(n, size);

	if (p)
		memset(p, 0, (n ? n : 1) * size);
	return p;
}

/* A new 2 MiB-aligned anonymous range of len bytes (a multiple of 2 MiB),
 * reserved, not yet usable: PROT_NONE. */
static void *reserve_aligned(size_t len)
{
	char *p = mmap(NULL, len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((char *)a + len, (uintptr_t)p + HUGE - a);
	return (void *)a;
}

int sb_bigbuf_reserve(struct sb_bigbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 2 * HUGE;
	void *p;

	if (more > SIZE_MAX / 4 - b->len)
		return -ENOMEM;
	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = reserve_aligned(cap);
	if (!p)
		return -ENOMEM;
	/* usable, then the pages so far move to its start (nothing is
	 * copied, nothing faults again); b stays as it was on failure */
	if (mprotect(p, cap, PROT_READ | PROT_WRITE) != 0 ||
	    (b->p && mremap(b->p, b->cap, b->cap, MREMAP_MAYMOVE | MREMAP_FIXED, p) == MAP_FAILED)) {
		munmap(p, cap);
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	sb_bigmem_advise(p, cap);
	return 0;
}

void sb_bigbuf_free(struct sb_bigbuf *b)
{
	if (b->p)
		munmap(b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
}
