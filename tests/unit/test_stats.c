/* Histogram percentiles against exact nearest-rank percentiles of the
 * sorted sample (relative error <= 1%), min/max exact, kernel buckets. */
#include <math.h>
#include <stdlib.h>

#include "tests/test.h"
#include "bpf/hist.h"
#include "harness/analysis/stats.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t exact(const int64_t *sorted, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n);

	if (r < 1)
		r = 1;
	return sorted[r - 1];
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int close_enough(int64_t got, int64_t want)
{
	double tol = fabs((double)want) * 0.01;

	return fabs((double)got - (double)want) <= (tol < 1 ? 0.5 : tol);
}

/* One distribution: compares every percentile; returns failures. */
static int check(const char *name, int64_t *v, size_t n)
{
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	struct sb_summary s;
	int64_t want[4];
	int bad = 0;

	if (sb_summary_of(v, n, &s))
		return 1;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (int i = 0; i < 4; i++)
		want[i] = exact(v, n, qs[i]);
	bad += !ASSERT_EQ(s.count, n, name);
	bad += !ASSERT_EQ(s.min, v[0], name);
	bad += !ASSERT_EQ(s.max, v[n - 1], name);
	bad += !ASSERT_TRUE(close_enough(s.p50, want[0]), name);
	bad += !ASSERT_TRUE(close_enough(s.p90, want[1]), name);
	bad += !ASSERT_TRUE(close_enough(s.p99, want[2]), name);
	bad += !ASSERT_TRUE(close_enough(s.p999, want[3]), name);
	if (bad)
		fprintf(stderr, "  %s: p50 %lld/%lld p90 %lld/%lld p99 %lld/%lld p999 %lld/%lld\n",
			name, (long long)s.p50, (long long)want[0], (long long)s.p90,
			(long long)want[1], (long long)s.p99, (long long)want[2], (long long)s.p999,
			(long long)want[3]);
	return bad;
}

static void test_random(void)
{
	size_t n = 200000;
	int64_t *v = malloc(n * sizeof(*v));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	if (!ASSERT_OK_PTR(v, "alloc"))
		return;
	/* uniform 0..1 ms */
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rng(&seed) % 1000000);
	check("uniform", v, n);
	/* log-uniform 10 ns .. 100 s: every bucket range */
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(10 * pow(1e10, (double)(rng(&seed) % 1000000) / 1e6));
	check("log-uniform", v, n);
	/* SYN retransmit bands: 20 us handshakes plus 1 s and 3 s tails */
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rng(&seed) % 1000;

		v[i] = (int64_t)(r < 900   ? 20000 + rng(&seed) % 30000
				 : r < 990 ? 1010000000 + rng(&seed) % 5000000
					   : 3060000000 + rng(&seed) % 5000000);
	}
	check("bands", v, n);
	/* signed: notify delays around zero */
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rng(&seed) % 20001) - 5000;
	check("signed", v, n);
	/* small exact values */
	for (size_t i = 0; i < 1000; i++)
		v[i] = (int64_t)(rng(&seed) % 200);
	check("exact range", v, 1000);
	/* tiny samples */
	v[0] = 7;
	check("one value", v, 1);
	v[0] = 5, v[1] = 1000000;
	check("two values", v, 2);
	free(v);
}

static void test_fixed(void)
{
	int64_t v[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	struct sb_summary s;
	struct sb_hist *h = sb_hist__new();

	sb_summary_of(v, 10, &s);
	ASSERT_EQ(s.p50, 5, "p50 of 1..10 is rank 5");
	ASSERT_EQ(s.p90, 9, "p90 of 1..10 is rank 9");
	ASSERT_EQ(s.p99, 10, "p99 of 1..10");
	ASSERT_NEAR(s.mean, 5.5, 1e-9, "mean");
	sb_summary_of(v, 0, &s);
	ASSERT_EQ(s.count, 0, "empty");
	if (!ASSERT_OK_PTR(h, "hist"))
		return;
	sb_hist__add(h, INT64_MIN);
	sb_hist__add(h, INT64_MAX);
	sb_hist__add(h, 0);
	ASSERT_EQ(sb_hist__quantile(h, 0), INT64_MIN, "q0 = min");
	ASSERT_EQ(sb_hist__quantile(h, 1), INT64_MAX, "q1 = max");
	ASSERT_EQ(sb_hist__quantile(h, 0.5), 0, "median");
	sb_hist__free(h);
}

static void test_buckets(void)
{
	uint64_t *c = calloc(SB_HIST_BUCKETS, sizeof(*c));
	struct sb_summary s;
	unsigned int b1 = sb_hist_bucket(20000), b2 = sb_hist_bucket(1010000000);

	if (!ASSERT_OK_PTR(c, "alloc"))
		return;
	sb_summary_from_buckets(c, &s);
	ASSERT_EQ(s.count, 0, "empty kernel histogram");
	c[b1] = 990;
	c[b2] = 10;
	sb_summary_from_buckets(c, &s);
	ASSERT_EQ(s.count, 1000, "count");
	ASSERT_EQ(s.min, sb_hist_lower(b1), "min = lowest bucket's lower bound");
	ASSERT_EQ(s.max, sb_hist_upper(b2), "max = highest bucket's upper bound");
	ASSERT_NEAR(s.p50, 20000, 20000 * 0.01, "p50");
	ASSERT_NEAR(s.p90, 20000, 20000 * 0.01, "p90");
	ASSERT_NEAR(s.p99, 20000, 20000 * 0.01, "p99 (rank 990)");
	ASSERT_NEAR(s.p999, 1010000000, 1010000000 * 0.01, "p999 (rank 999)");
	ASSERT_LE(s.p999, s.max, "p999 <= max");
	memset(c, 0, SB_HIST_BUCKETS * sizeof(*c));
	c[SB_HIST_BUCKETS - 1] = 1;
	sb_summary_from_buckets(c, &s);
	ASSERT_EQ(s.max, sb_hist_lower(SB_HIST_BUCKETS - 1), "open last bucket: its lower bound");
	free(c);
}

int main(void)
{
	test_fixed();
	test_random();
	test_buckets();
	return sb_test_result();
}
