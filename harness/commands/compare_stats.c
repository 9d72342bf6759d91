/* One-sided Mann-Whitney U, exact for small samples. */
#include "harness/commands/compare_stats.h"

#include <math.h>
#include <stdlib.h>

double sb_mwu_min_p(size_t m, size_t n)
{
	double c = 1;

	/* C(m+n, m) = prod_{i=1..m} (n+i)/i */
	for (size_t i = 1; i <= m; i++)
		c = c * (double)(n + i) / (double)i;
	return m && n ? 1.0 / c : NAN;
}

/* P(U >= u) under H0, exact: counts of arrangements by U, built with the
 * recurrence f(i,j,u) = f(i-1,j,u-j) + f(i,j-1,u) (the largest of the i+j
 * values is an x, ahead of all j ys, or a y). Counts as doubles: C(40,20)
 * is 1.4e11, exact in a double. */
static double exact_tail(size_t m, size_t n, double u)
{
	size_t umax = m * n, w = umax + 1;
	double *f = calloc((m + 1) * (n + 1) * w, sizeof(*f)), tail = 0, total = 0;

	if (!f)
		return NAN;
#define F(i, j, k) f[((i) * (n + 1) + (j)) * w + (k)]
	for (size_t i = 0; i <= m; i++)
		for (size_t j = 0; j <= n; j++) {
			if (i == 0 || j == 0) {
				F(i, j, 0) = 1;
				continue;
			}
			for (size_t k = 0; k <= i * j; k++)
				F(i, j, k) = (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
		}
	for (size_t k = 0; k <= umax; k++) {
		total += F(m, n, k);
		if ((double)k >= u)
			tail += F(m, n, k);
	}
#undef F
	free(f);
	return tail / total;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Normal approximation with continuity and tie correction. */
static double normal_tail(const double *x, size_t m, const double *y, size_t n, double u)
{
	size_t N = m + n, i = 0;
	double *all = malloc(N * sizeof(*all)), ties = 0, mu = (double)m * (double)n / 2, var, z;

	if (!all)
		return NAN;
	for (size_t k = 0; k < m; k++)
		all[k] = x[k];
	for (size_t k = 0; k < n; k++)
		all[m + k] = y[k];
	qsort(all, N, sizeof(*all), cmp_double);
	while (i < N) {
		size_t j = i;

		while (j + 1 < N && all[j + 1] == all[i])
			j++;
		ties += pow((double)(j - i + 1), 3) - (double)(j - i + 1);
		i = j + 1;
	}
	free(all);
	var = (double)m * (double)n / 12.0 * ((double)(N + 1) - ties / ((double)N * (N - 1)));
	if (var <= 0)
		return 0.5;
	z = (u - mu - 0.5) / sqrt(var);
	return 0.5 * erfc(z / sqrt(2.0));
}

double sb_mwu_p_greater(const double *x, size_t m, const double *y, size_t n, int *exact)
{
	double u = 0;

	if (exact)
		*exact = 0;
	if (!m || !n)
		return NAN;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++)
			u += y[j] > x[i] ? 1.0 : y[j] == x[i] ? 0.5 : 0.0;
	if (m <= SB_MWU_EXACT_MAX && n <= SB_MWU_EXACT_MAX) {
		if (exact)
			*exact = 1;
		return exact_tail(m, n, floor(u));
	}
	return normal_tail(x, m, y, n, u);
}

double sb_compare_median(double *v, size_t n)
{
	/* insertion sort: n is the number of repeats */
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}
