/* bench compare: the significance test on per-run figures. One-sided
 * Mann-Whitney U (Wilcoxon rank-sum): is NEW stochastically greater than
 * BASE? Exact null distribution for small samples, normal approximation
 * with tie correction beyond. Pure functions, no allocation on the caller's
 * side; see README "Noise and significance" for why this test. */
#ifndef SB_COMPARE_STATS_H
#define SB_COMPARE_STATS_H

#include <stddef.h>

/* Largest side for which the exact distribution is used. */
#define SB_MWU_EXACT_MAX 20

/* One-sided p-value of H1 "values in y tend to be larger than in x", from
 * U = #{(i,j): y[j] > x[i]} + 0.5 #{ties}. NAN when m or n is 0 or on
 * allocation failure. *exact (may be NULL) tells whether the exact
 * distribution was used (it assumes no ties; with ties U is rounded down,
 * which makes p conservative). */
double sb_mwu_p_greater(const double *x, size_t m, const double *y, size_t n, int *exact);

/* The smallest one-sided p-value m vs n runs can reach: 1 / C(m+n, m). */
double sb_mwu_min_p(size_t m, size_t n);

/* Median of v[0..n-1] (sorts v in place); mean of the middle two when n is
 * even; NAN when n == 0. */
double sb_compare_median(double *v, size_t n);

#endif
