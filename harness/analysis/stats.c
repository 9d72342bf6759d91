/* Latency statistics on the log-linear buckets of bpf/hist.h (stats.h). */
#include "harness/analysis/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/hist.h"

struct sb_hist {
	uint64_t n, nneg;
	int64_t min, max;
	long double sum;
	uint64_t pos[SB_HIST_BUCKETS]; /* v >= 0 */
	uint64_t neg[SB_HIST_BUCKETS]; /* v < 0, by magnitude */
};

struct sb_hist *sb_hist__new(void)
{
	struct sb_hist *h = calloc(1, sizeof(*h));

	return h;
}

void sb_hist__free(struct sb_hist *h)
{
	free(h);
}

void sb_hist__reset(struct sb_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
}

void sb_hist__add(struct sb_hist *h, int64_t v)
{
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	if (v < 0) {
		h->nneg++;
		h->neg[sb_hist_bucket(magnitude(v))]++;
	} else {
		h->pos[sb_hist_bucket((uint64_t)v)]++;
	}
}

uint64_t sb_hist__count(const struct sb_hist *h)
{
	return h->n;
}

static uint64_t bucket_mid(unsigned int b)
{
	uint64_t lo = sb_hist_lower(b), hi = sb_hist_upper(b);

	if (b + 1 >= SB_HIST_BUCKETS)
		return lo;
	return lo + (hi - lo) / 2;
}

/* 1-based nearest rank of quantile q among n values. */
static uint64_t rank_of(double q, uint64_t n)
{
	double r = ceil(q * (double)n);

	if (r < 1)
		return 1;
	if (r > (double)n)
		return n;
	return (uint64_t)r;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int64_t sb_hist__quantile(const struct sb_hist *h, double q)
{
	uint64_t rank, seen = 0;
	int64_t v = 0;

	if (h->n == 0)
		return 0;
	rank = rank_of(q, h->n);
	if (rank == 1)
		return h->min;
	if (rank == h->n)
		return h->max;
	if (rank <= h->nneg) {
		/* negative values: the largest magnitude comes first */
		for (unsigned int b = SB_HIST_BUCKETS; b-- > 0;) {
			seen += h->neg[b];
			if (seen >= rank) {
				uint64_t m = bucket_mid(b);

				v = m > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)m;
				break;
			}
		}
	} else {
		seen = h->nneg;
		for (unsigned int b = 0; b < SB_HIST_BUCKETS; b++) {
			seen += h->pos[b];
			if (seen >= rank) {
				uint64_t m = bucket_mid(b);

				v = m > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)m;
				break;
			}
		}
	}
	return clamp(v, h->min, h->max);
}

void sb_hist__summary(const struct sb_hist *h, struct sb_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->count = h->n;
	if (!h->n)
		return;
	s->min = h->min;
	s->max = h->max;
	s->p50 = sb_hist__quantile(h, 0.5);
	s->p90 = sb_hist__quantile(h, 0.9);
	s->p99 = sb_hist__quantile(h, 0.99);
	s->p999 = sb_hist__quantile(h, 0.999);
	s->mean = (double)(h->sum / (long double)h->n);
}

static int64_t bucket_quantile(const uint64_t *counts, uint64_t n, double q)
{
	uint64_t rank = rank_of(q, n), seen = 0;

	for (unsigned int b = 0; b < SB_HIST_BUCKETS; b++) {
		seen += counts[b];
		if (seen >= rank)
			return (int64_t)bucket_mid(b);
	}
	return 0;
}

void sb_summary_from_buckets(const uint64_t *counts, struct sb_summary *s)
{
	unsigned int lo = SB_HIST_BUCKETS, hi = 0;
	long double sum = 0;

	memset(s, 0, sizeof(*s));
	if (!counts)
		return;
	for (unsigned int b = 0; b < SB_HIST_BUCKETS; b++) {
		if (!counts[b])
			continue;
		if (lo == SB_HIST_BUCKETS)
			lo = b;
		hi = b;
		s->count += counts[b];
		sum += (long double)counts[b] * (long double)bucket_mid(b);
	}
	if (!s->count)
		return;
	s->min = (int64_t)sb_hist_lower(lo);
	s->max = (int64_t)(hi + 1 >= SB_HIST_BUCKETS ? sb_hist_lower(hi) : sb_hist_upper(hi));
	s->p50 = clamp(bucket_quantile(counts, s->count, 0.5), s->min, s->max);
	s->p90 = clamp(bucket_quantile(counts, s->count, 0.9), s->min, s->max);
	s->p99 = clamp(bucket_quantile(counts, s->count, 0.99), s->min, s->max);
	s->p999 = clamp(bucket_quantile(counts, s->count, 0.999), s->min, s->max);
	s->mean = (double)(sum / (long double)s->count);
}

int sb_summary_of(const int64_t *v, size_t n, struct sb_summary *s)
{
	struct sb_hist *h = sb_hist__new();

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sb_hist__add(h, v[i]);
	sb_hist__summary(h, s);
	sb_hist__free(h);
	return 0;
}
