/* harness/commands/compare_stats.c: one-sided Mann-Whitney U against values computed
 * by hand (and scipy.stats.mannwhitneyu(y, x, alternative="greater",
 * method="exact")). */
#include <math.h>
#include <stdio.h>

#include "tests/test.h"
#include "harness/commands/compare_stats.h"

int main(void)
{
	double x3[] = {1, 2, 3}, y3[] = {4, 5, 6};
	double x5[] = {10, 11, 12, 13, 14}, y5[] = {15, 16, 17, 18, 19};
	double mix_x[] = {1, 3, 5, 7, 9}, mix_y[] = {2, 4, 6, 8, 10};
	double big_x[30], big_y[30];
	int exact;

	/* complete separation: 1 / C(6,3) and 1 / C(10,5) */
	ASSERT_NEAR(sb_mwu_p_greater(x3, 3, y3, 3, &exact), 1.0 / 20, 1e-12, "3 vs 3 separated");
	ASSERT_TRUE(exact, "exact for 3 vs 3");
	ASSERT_NEAR(sb_mwu_p_greater(x5, 5, y5, 5, NULL), 1.0 / 252, 1e-12, "5 vs 5 separated");
	/* the other direction: every arrangement has U >= 0 */
	ASSERT_NEAR(sb_mwu_p_greater(y5, 5, x5, 5, NULL), 1.0, 1e-12, "5 vs 5 wrong way");
	/* interleaved: U = 15 of 25; P(U >= 15) = 0.3452 (scipy) */
	ASSERT_NEAR(sb_mwu_p_greater(mix_x, 5, mix_y, 5, NULL), 87.0 / 252, 1e-12,
		    "5 vs 5 interleaved");
	/* all tied: U = m*n/2, p = P(U >= 4) for 3 vs 3 (rounded down: conservative) */
	ASSERT_TRUE(sb_mwu_p_greater(x3, 3, x3, 3, NULL) > 0.5, "identical samples: no signal");
	ASSERT_NEAR(sb_mwu_min_p(3, 3), 0.05, 1e-12, "min p 3 vs 3");
	ASSERT_NEAR(sb_mwu_min_p(1, 1), 0.5, 1e-12, "min p 1 vs 1");
	ASSERT_NEAR(sb_mwu_min_p(2, 2), 1.0 / 6, 1e-12, "min p 2 vs 2");
	ASSERT_TRUE(isnan(sb_mwu_min_p(0, 3)), "min p of no runs");
	ASSERT_TRUE(isnan(sb_mwu_p_greater(x3, 0, y3, 3, NULL)), "no runs: NaN");
	/* normal approximation beyond SB_MWU_EXACT_MAX */
	for (int i = 0; i < 30; i++) {
		big_x[i] = i;
		big_y[i] = i + 100;
	}
	ASSERT_TRUE(sb_mwu_p_greater(big_x, 30, big_y, 30, &exact) < 1e-9, "30 vs 30 separated");
	ASSERT_TRUE(!exact, "normal approximation for 30 vs 30");
	ASSERT_TRUE(sb_mwu_p_greater(big_x, 30, big_x, 30, NULL) > 0.4, "30 vs 30 same");
	return sb_test_result();
}
