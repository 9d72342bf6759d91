/* Latency statistics on the log-linear buckets of bpf/hist.h, shared with
 * the kernel histograms so user and kernel summaries are comparable.
 *
 * Percentiles are nearest-rank (the value at rank ceil(q * n) of the sorted
 * sample), reported as the midpoint of the bucket holding that rank, clamped
 * into [min, max]: relative error <= 0.4% (buckets below 256 ns are exact).
 * Values are signed ns: negative values (a user stamp before a kernel stamp)
 * are kept in a mirror histogram, so they are counted and ordered, not lost. */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A value that could not be computed (an input stamp is missing). */
#define SB_NA INT64_MIN

struct sb_summary {
	uint64_t count;
	int64_t min, p50, p90, p99, p999, max; /* ns; meaningless when count == 0 */
	double mean;			       /* ns */
};

struct sb_hist;

struct sb_hist *sb_hist__new(void);    /* NULL on ENOMEM */
void sb_hist__free(struct sb_hist *h); /* NULL ok */
void sb_hist__reset(struct sb_hist *h);
void sb_hist__add(struct sb_hist *h, int64_t v);
uint64_t sb_hist__count(const struct sb_hist *h);
/* Value (ns) at quantile q in [0, 1]; min and max exact for q 0 and 1. */
int64_t sb_hist__quantile(const struct sb_hist *h, double q);
void sb_hist__summary(const struct sb_hist *h, struct sb_summary *s);

/* Summary of a kernel histogram (counts[SB_HIST_BUCKETS] of non-negative ns):
 * min is the lowest non-empty bucket's lower bound, max the highest non-empty
 * bucket's upper bound (its lower bound for the open last bucket), so the true
 * values lie inside [min, max]. mean uses bucket midpoints. */
void sb_summary_from_buckets(const uint64_t *counts, struct sb_summary *s);

/* Summary of n values (ns) without keeping a histogram object around. -ENOMEM. */
int sb_summary_of(const int64_t *v, size_t n, struct sb_summary *s);

#endif
