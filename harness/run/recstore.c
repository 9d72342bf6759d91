/* A run's records: in memory up to a budget, then spilled; read back in
 * partitions by client port (recstore.h). */
#include "harness/run/recstore.h"

#include <errno.h>
#include <linux/types.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/synbench.h"
#include "harness/run/anonfile.h"
#include "harness/run/bigmem.h"
#include "loadgen/loadgen.h"

#define BUF_BYTES (256u << 10)	 /* a kind's write buffer once spilled */
#define PART_BUF (32u << 10)	 /* a partition's write buffer while splitting */
#define MAX_PARTS 4096u

static const size_t rec_size[SB_NRK] = {
	[SB_RK_CONN] = sizeof(struct lg_conn),
	[SB_RK_ACCEPT] = sizeof(struct lg_accept),
	[SB_RK_KREC] = sizeof(struct sb_krec),
};

struct kind {
	pthread_mutex_t lock;
	struct sb_bigbuf mem; /* records in memory */
	int fd;	   /* the spill, -1 until this kind spills */
	char *buf; /* what waits to be written to it */
	size_t nbuf;
	uint64_t count, lost;
	int *part_fd; /* after sb_recstore__partition (spilled) */
	uint64_t *part_n;
};

struct sb_recstore {
	size_t budget, part_bytes;
	_Atomic size_t inmem; /* bytes of records in memory, every kind */
	atomic_int spilled;
	unsigned int nparts;
	struct kind k[SB_NRK];
};

uint16_t sb_rec_client_port(enum sb_rec_kind k, const void *rec)
{
	switch (k) {
	case SB_RK_CONN:
		return ((const struct lg_conn *)rec)->lport;
	case SB_RK_ACCEPT:
		return ((const struct lg_accept *)rec)->peer_port;
	default: {
		const struct sb_krec *r = rec;

		return r->role == SB_ROLE_CHILD ? r->dport : r->sport;
	}
	}
}

int sb_recstore__new(size_t mem_budget, size_t part_bytes, struct sb_recstore **out)
{
	struct sb_recstore *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->budget = mem_budget;
	s->part_bytes = part_bytes ? part_bytes : (24u << 20);
	s->nparts = 1;
	for (int k = 0; k < SB_NRK; k++) {
		pthread_mutex_init(&s->k[k].lock, NULL);
		s->k[k].fd = -1;
	}
	*out = s;
	return 0;
}

static void close_parts(struct kind *k, unsigned int n)
{
	for (unsigned int p = 0; k->part_fd && p < n; p++)
		if (k->part_fd[p] > 0)
			close(k->part_fd[p]);
	free(k->part_fd);
	free(k->part_n);
	k->part_fd = NULL;
	k->part_n = NULL;
}

void sb_recstore__free(struct sb_recstore *s)
{
	if (!s)
		return;
	for (int i = 0; i < SB_NRK; i++) {
		struct kind *k = &s->k[i];

		sb_bigbuf_free(&k->mem);
		free(k->buf);
		if (k->fd > 0)
			close(k->fd);
		close_parts(k, s->nparts);
		pthread_mutex_destroy(&k->lock);
	}
	free(s);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The kind's buffer to its spill file; what cannot be written is lost. */
static void flush_buf(struct kind *k, size_t size)
{
	if (k->nbuf && write_all(k->fd, k->buf, k->nbuf) != 0)
		k->lost += k->nbuf / size;
	k->nbuf = 0;
}

/* This kind's memory goes to its spill file (lock held). */
static void spill(struct sb_recstore *s, struct kind *k, size_t size)
{
	if (k->fd < 0) {
		k->fd = sb_anon_file();
		k->buf = malloc(BUF_BYTES);
		if (k->fd < 0 || !k->buf) {
			if (k->fd < 0)
				k->fd = -1;
			return; /* stays in memory: the budget is only a wish then */
		}
		atomic_store(&s->spilled, 1);
	}
	if (k->mem.len && write_all(k->fd, k->mem.p, k->mem.len) != 0)
		k->lost += k->mem.len / size;
	atomic_fetch_sub(&s->inmem, k->mem.len);
	sb_bigbuf_free(&k->mem);
}

void sb_recstore__add(struct sb_recstore *s, enum sb_rec_kind kind, const void *recs, size_t n)
{
	struct kind *k = &s->k[kind];
	size_t size = rec_size[kind], bytes = n * size;

	if (!n)
		return;
	pthread_mutex_lock(&k->lock);
	k->count += n;
	if (k->fd >= 0 && k->buf) {
		/* spilled: through the write buffer */
		if (k->nbuf + bytes > BUF_BYTES)
			flush_buf(k, size);
		if (bytes > BUF_BYTES) {
			if (write_all(k->fd, recs, bytes) != 0)
				k->lost += n;
		} else {
			memcpy(k->buf + k->nbuf, recs, bytes);
			k->nbuf += bytes;
		}
		pthread_mutex_unlock(&k->lock);
		return;
	}
	if (sb_bigbuf_reserve(&k->mem, bytes) != 0) {
		k->lost += n;
		pthread_mutex_unlock(&k->lock);
		return;
	}
	memcpy(k->mem.p + k->mem.len, recs, bytes);
	k->mem.len += bytes;
	if (s->budget && atomic_fetch_add(&s->inmem, bytes) + bytes > s->budget)
		spill(s, k, size);
	pthread_mutex_unlock(&k->lock);
}

uint64_t sb_recstore__count(const struct sb_recstore *s, enum sb_rec_kind k)
{
	return s->k[k].count - s->k[k].lost;
}

uint64_t sb_recstore__lost(const struct sb_recstore *s, enum sb_rec_kind k)
{
	return s->k[k].lost;
}

int sb_recstore__spilled(const struct sb_recstore *s)
{
	return atomic_load(&((struct sb_recstore *)s)->spilled);
}

/* Appends recs of kind to their partitions' buffers (flushed when full). */
static int split(struct sb_recstore *s, enum sb_rec_kind kind, const char *recs, size_t n,
		 char **bufs, size_t *nbuf)
{
	struct kind *k = &s->k[kind];
	size_t size = rec_size[kind];

	for (size_t i = 0; i < n; i++) {
		const char *r = recs + i * size;
		unsigned int p = sb_rec_client_port(kind, r) % s->nparts;

		if (nbuf[p] + size > PART_BUF) {
			int e = write_all(k->part_fd[p], bufs[p], nbuf[p]);

			if (e)
				return e;
			nbuf[p] = 0;
		}
		memcpy(bufs[p] + nbuf[p], r, size);
		nbuf[p] += size;
		k->part_n[p]++;
	}
	return 0;
}

/* One kind: its spill file, then what is still in memory, into nparts
 * partition files. */
static int split_kind(struct sb_recstore *s, enum sb_rec_kind kind)
{
	struct kind *k = &s->k[kind];
	size_t size = rec_size[kind], cap = (BUF_BYTES / size) * size, *nbuf;
	char **bufs, *in = NULL;
	off_t off = 0;
	int e = 0;

	k->part_fd = calloc(s->nparts, sizeof(*k->part_fd));
	k->part_n = calloc(s->nparts, sizeof(*k->part_n));
	bufs = calloc(s->nparts, sizeof(*bufs));
	nbuf = calloc(s->nparts, sizeof(*nbuf));
	if (!k->part_fd || !k->part_n || !bufs || !nbuf)
		e = -ENOMEM;
	for (unsigned int p = 0; p < s->nparts && !e; p++) {
		k->part_fd[p] = sb_anon_file();
		bufs[p] = malloc(PART_BUF);
		if (k->part_fd[p] < 0 || !bufs[p])
			e = k->part_fd[p] < 0 ? k->part_fd[p] : -ENOMEM;
	}
	if (!e && k->fd >= 0) {
		flush_buf(k, size);
		in = malloc(cap);
		if (!in)
			e = -ENOMEM;
		while (!e) {
			ssize_t r = pread(k->fd, in, cap, off);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				e = r < 0 ? -errno : 0;
				break;
			}
			off += r;
			e = split(s, kind, in, (size_t)r / size, bufs, nbuf);
		}
		close(k->fd);
		k->fd = -1;
	}
	if (!e)
		e = split(s, kind, k->mem.p, k->mem.len / size, bufs, nbuf);
	for (unsigned int p = 0; p < s->nparts && !e; p++)
		e = nbuf[p] ? write_all(k->part_fd[p], bufs[p], nbuf[p]) : 0;
	for (unsigned int p = 0; bufs && p < s->nparts; p++)
		free(bufs[p]);
	free(bufs);
	free(nbuf);
	free(in);
	atomic_fetch_sub(&s->inmem, k->mem.len);
	sb_bigbuf_free(&k->mem);
	return e;
}

int sb_recstore__partition(struct sb_recstore *s)
{
	uint64_t bytes = 0;

	if (!sb_recstore__spilled(s))
		return (int)(s->nparts = 1);
	for (int k = 0; k < SB_NRK; k++)
		bytes += s->k[k].count * rec_size[k];
	s->nparts = (unsigned int)((bytes + s->part_bytes - 1) / s->part_bytes);
	if (s->nparts < 1)
		s->nparts = 1;
	if (s->nparts > MAX_PARTS)
		s->nparts = MAX_PARTS;
	for (int k = 0; k < SB_NRK; k++) {
		int e = split_kind(s, k);

		if (e)
			return e;
	}
	return (int)s->nparts;
}

int sb_recstore__take(struct sb_recstore *s, unsigned int part, enum sb_rec_kind kind,
		      void **out, size_t *n)
{
	struct kind *k = &s->k[kind];
	size_t size = rec_size[kind], bytes, got = 0;
	char *a;

	*out = NULL;
	*n = 0;
	if (!k->part_fd) { /* in memory: copied out to memory free() takes */
		if (part != 0 || !k->mem.len)
			return 0;
		a = sb_bigmem_malloc(k->mem.len, 1);
		if (!a)
			return -ENOMEM;
		memcpy(a, k->mem.p, k->mem.len);
		*out = a;
		*n = k->mem.len / size;
		atomic_fetch_sub(&s->inmem, k->mem.len);
		sb_bigbuf_free(&k->mem);
		return 0;
	}
	if (part >= s->nparts || !k->part_n[part])
		return 0;
	bytes = k->part_n[part] * size;
	a = sb_bigmem_malloc(bytes, 1);
	if (!a)
		return -ENOMEM;
	while (got < bytes) {
		ssize_t r = pread(k->part_fd[part], a + got, bytes - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(a);
			return r < 0 ? -errno : -EIO;
		}
		got += (size_t)r;
	}
	/* read once: the partition's file goes now */
	close(k->part_fd[part]);
	k->part_fd[part] = -1;
	*out = a;
	*n = k->part_n[part];
	return 0;
}
