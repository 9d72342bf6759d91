/* The listener's accept records in flight (accpool.h). */
#include "loadgen/accpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/lg_internal.h" /* LG_OUT_BATCH */

#define SLOTS (1u << LG_ACC_SHIFT) /* in flight per owner at most */
#define CHUNK 4096u		   /* records per chunk */

int lg_accpool_init(struct lg_accpool *p, int with_sink)
{
	memset(p, 0, sizeof(*p));
	if (!with_sink)
		return 0;
	p->out = calloc(LG_OUT_BATCH, sizeof(*p->out));
	return p->out ? 0 : -ENOMEM;
}

void lg_accpool_free(struct lg_accpool *p)
{
	for (uint32_t c = 0; c < p->nchunks; c++)
		free(p->chunks[c]);
	free(p->chunks);
	free(p->free);
	free(p->out);
	free(p->kept);
	memset(p, 0, sizeof(*p));
}

/* One more chunk of slots. 0 or -ENOMEM. */
static int grow(struct lg_accpool *p)
{
	struct lg_acc_rec **c;
	uint32_t *f;

	if ((uint64_t)(p->nchunks + 1) * CHUNK > SLOTS)
		return -ENOMEM;
	c = realloc(p->chunks, (p->nchunks + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->chunks = c;
	f = realloc(p->free, (size_t)(p->nchunks + 1) * CHUNK * sizeof(*f));
	if (!f)
		return -ENOMEM;
	p->free = f;
	c[p->nchunks] = calloc(CHUNK, sizeof(**c));
	if (!c[p->nchunks])
		return -ENOMEM;
	p->nchunks++;
	return 0;
}

uint64_t lg_accpool_get(struct lg_accpool *p, uint32_t owner)
{
	struct lg_acc_rec *r;
	uint64_t rec;
	uint32_t slot;

	if (p->nfree)
		slot = p->free[--p->nfree];
	else if (p->used < p->nchunks * CHUNK || grow(p) == 0)
		slot = p->used++;
	else
		return LG_ACC_NOREC;
	rec = ((uint64_t)owner << LG_ACC_SHIFT) | slot;
	r = lg_accpool_at(p, rec);
	memset(r, 0, sizeof(*r));
	r->live = 1;
	return rec;
}

struct lg_acc_rec *lg_accpool_at(struct lg_accpool *p, uint64_t rec)
{
	uint32_t slot = (uint32_t)(rec & (SLOTS - 1));

	return &p->chunks[slot / CHUNK][slot % CHUNK];
}

static void hand_on(struct lg_accpool *p, const struct lg_accept *a, lg_accept_sink sink,
		    void *ctx)
{
	if (sink) {
		p->out[p->nout++] = *a;
		if (p->nout == LG_OUT_BATCH) {
			sink(ctx, p->out, p->nout);
			p->nout = 0;
		}
		return;
	}
	if (p->nkept == p->capkept) {
		uint64_t n = p->capkept ? 2 * p->capkept : 1024;
		struct lg_accept *k = realloc(p->kept, n * sizeof(*k));

		if (!k)
			return; /* lost; lg_server__accepted still counts it */
		p->kept = k;
		p->capkept = n;
	}
	p->kept[p->nkept++] = *a;
}

void lg_accpool_done(struct lg_accpool *p, uint64_t rec, lg_accept_sink sink, void *ctx)
{
	struct lg_acc_rec *r = lg_accpool_at(p, rec);

	r->live = 0;
	hand_on(p, &r->a, sink, ctx);
	p->free[p->nfree++] = (uint32_t)(rec & (SLOTS - 1));
}

void lg_accpool_flush(struct lg_accpool *p, lg_accept_sink sink, void *ctx)
{
	for (uint32_t k = 0; k < p->used; k++) {
		struct lg_acc_rec *r = &p->chunks[k / CHUNK][k % CHUNK];

		if (r->live) {
			r->live = 0;
			hand_on(p, &r->a, sink, ctx);
		}
	}
	if (p->nout && sink)
		sink(ctx, p->out, p->nout);
	p->nout = 0;
}
