/* The listener's records of accepted connections while their sockets are
 * open: one pool per accepting thread (its ring or its loop allocates,
 * closes and hands on, so no lock), in chunks that never move (the ring
 * writes SO_COOKIE and SO_PEERNAME answers into them), slots reused once a
 * socket closed. Memory follows the sockets open at once, not the number
 * accepted. Not part of the public interface (loadgen/server.c). */
#ifndef SB_LG_ACCPOOL_H
#define SB_LG_ACCPOOL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "loadgen/loadgen.h"

/* A record's number, 28 bits in a ring's user_data: the owner (thread) above
 * LG_ACC_SHIFT, its slot below; LG_ACC_NOREC: not recorded. */
#define LG_ACC_SHIFT 20
#define LG_ACC_NOREC 0xfffffffull

struct lg_acc_rec {
	struct lg_accept a;
	struct sockaddr_in6 peer; /* SO_PEERNAME answers written by io_uring */
	int live;
};

struct lg_accpool {
	struct lg_acc_rec **chunks;
	uint32_t nchunks, used; /* slots ever handed out */
	uint32_t *free;		/* slots closed, to reuse */
	uint32_t nfree;
	struct lg_accept *out; /* finished, a batch for the sink */
	uint32_t nout;
	struct lg_accept *kept; /* no sink: every finished record */
	uint64_t nkept, capkept;
};

typedef void (*lg_accept_sink)(void *ctx, const struct lg_accept *recs, size_t n);

/* with_sink: room for a batch. 0 or -ENOMEM. */
int lg_accpool_init(struct lg_accpool *p, int with_sink);
void lg_accpool_free(struct lg_accpool *p);
/* A zeroed record marked live for owner; its number, or LG_ACC_NOREC (no
 * memory, or 2^20 open at once). */
uint64_t lg_accpool_get(struct lg_accpool *p, uint32_t owner);
struct lg_acc_rec *lg_accpool_at(struct lg_accpool *p, uint64_t rec);
/* Record rec is complete: handed on (the sink's batch, or kept), its slot
 * free again. */
void lg_accpool_done(struct lg_accpool *p, uint64_t rec, lg_accept_sink sink, void *ctx);
/* After the owner stopped: the records still live handed on too, and the
 * last batch to the sink. */
void lg_accpool_flush(struct lg_accpool *p, lg_accept_sink sink, void *ctx);

#endif
