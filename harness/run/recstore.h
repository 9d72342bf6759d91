/* A run's records as they arrive, in memory up to a budget, then spilled to
 * anonymous files: client connections (struct lg_conn) from the load
 * generator's threads, accepted connections (struct lg_accept) from the
 * listener's, kernel records (struct sb_krec) from the ring buffer's
 * reader. Memory stays flat whatever the number of connections.
 *
 * After the run the records are read back in partitions by client port
 * (lg_conn.lport, lg_accept.peer_port, a client record's sport, a child's
 * dport): every record of one connection shares its client's port, so the
 * join of each partition alone is the join of the whole run
 * (harness/analysis/analyze.c). A run that stayed within the budget is one
 * partition, read from memory.
 *
 * Anonymous files (O_TMPFILE in $TMPDIR or /tmp): no name to guess, nothing
 * left behind whatever ends the process. */
#ifndef SB_RECSTORE_H
#define SB_RECSTORE_H

#include <stddef.h>
#include <stdint.h>

enum sb_rec_kind {
	SB_RK_CONN = 0, /* struct lg_conn */
	SB_RK_ACCEPT,	/* struct lg_accept */
	SB_RK_KREC,	/* struct sb_krec */
	SB_NRK,
};

struct sb_recstore;

/* mem_budget: bytes of records kept in memory before spilling (0: never
 * spill). part_bytes: a partition's share of the records when spilled.
 * 0 or -ENOMEM. */
int sb_recstore__new(size_t mem_budget, size_t part_bytes, struct sb_recstore **out);
void sb_recstore__free(struct sb_recstore *s); /* NULL ok */

/* Appends n records of kind k; safe from any thread. A record that cannot
 * be kept (no memory, no disk) is counted in sb_recstore__lost. */
void sb_recstore__add(struct sb_recstore *s, enum sb_rec_kind k, const void *recs, size_t n);

uint64_t sb_recstore__count(const struct sb_recstore *s, enum sb_rec_kind k);
uint64_t sb_recstore__lost(const struct sb_recstore *s, enum sb_rec_kind k);
int sb_recstore__spilled(const struct sb_recstore *s);

/* After the last add: splits what was spilled into partitions by client
 * port (one pass over the spill). The number of partitions (1 when all is
 * in memory), or negative errno. */
int sb_recstore__partition(struct sb_recstore *s);

/* Partition part's records of kind k into a new array (*out, free it; NULL
 * with *n 0 when none). In memory (one partition), the store's own array
 * changes hands. 0 or negative errno. */
int sb_recstore__take(struct sb_recstore *s, unsigned int part, enum sb_rec_kind k, void **out,
		      size_t *n);

/* The client port of a record of kind k. */
uint16_t sb_rec_client_port(enum sb_rec_kind k, const void *rec);

#endif
