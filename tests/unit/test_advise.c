/* bench advise: the SYN-retransmit bands and the goal's syntax. Pure code,
 * no runs (tests/e2e/test_advise.sh runs the search). */
#include <errno.h>
#include <math.h>

#include "harness/commands/advise.h"
#include "tests/test.h"

static void test_bands(void)
{
	/* Linux 6.1: no linear timeouts, the timeout doubles from 1 s: the
	 * retransmits go out 1, 3, 7, 15 s after the first SYN */
	ASSERT_TRUE(sb_advise_band_s(1, 0) == 1 && sb_advise_band_s(2, 0) == 3 &&
			    sb_advise_band_s(3, 0) == 7 && sb_advise_band_s(4, 0) == 15,
		    "6.1 bands 1 3 7 15");
	/* tcp_syn_linear_timeouts 4 (Linux 6.18's default): 1, 2, 3, 4, 5 s,
	 * then doubling: 7, 11 */
	ASSERT_TRUE(sb_advise_band_s(1, 4) == 1 && sb_advise_band_s(4, 4) == 4 &&
			    sb_advise_band_s(5, 4) == 5 && sb_advise_band_s(6, 4) == 7 &&
			    sb_advise_band_s(7, 4) == 11,
		    "linear 4: 1 2 3 4 5 7 11");
	ASSERT_EQ(sb_advise_band_s(0, 0), 0, "band 0");
	ASSERT_EQ(sb_advise_band_of(2400, 0), 0, "2.4 ms: no retransmit");
	ASSERT_EQ(sb_advise_band_of(1.009e6, 0), 1, "1.009 s: one");
	ASSERT_EQ(sb_advise_band_of(0.99e6, 0), 1, "0.99 s: one (answered as it is sent)");
	ASSERT_EQ(sb_advise_band_of(2.5e6, 0), 1, "2.5 s on 6.1: still one");
	ASSERT_EQ(sb_advise_band_of(3.02e6, 0), 2, "3.02 s on 6.1: two");
	ASSERT_EQ(sb_advise_band_of(3.02e6, 4), 3, "3.02 s with linear timeouts: three");
}

static void test_goal(void)
{
	enum sb_advise_goal g;
	double us = -1;

	ASSERT_OK(sb_advise_parse_goal("no-overflow", &g, &us), "no-overflow");
	ASSERT_EQ(g, SB_GOAL_NO_OVERFLOW, "no-overflow goal");
	ASSERT_OK(sb_advise_parse_goal("p99:5ms", &g, &us), "p99:5ms");
	ASSERT_TRUE(g == SB_GOAL_P99 && fabs(us - 5000) < 1e-9, "5 ms");
	ASSERT_OK(sb_advise_parse_goal("p99:800us", &g, &us), "p99:800us");
	ASSERT_TRUE(fabs(us - 800) < 1e-9, "800 us");
	ASSERT_OK(sb_advise_parse_goal("p99:1.5s", &g, &us), "p99:1.5s");
	ASSERT_TRUE(fabs(us - 1.5e6) < 1e-3, "1.5 s");
	ASSERT_EQ(sb_advise_parse_goal("p99:5", &g, &us), -EINVAL, "no unit");
	ASSERT_EQ(sb_advise_parse_goal("p99:-5ms", &g, &us), -EINVAL, "negative");
	ASSERT_EQ(sb_advise_parse_goal("p99:0ms", &g, &us), -EINVAL, "zero");
	ASSERT_EQ(sb_advise_parse_goal("p99:nanms", &g, &us), -EINVAL, "nan");
	ASSERT_EQ(sb_advise_parse_goal("p50:5ms", &g, &us), -EINVAL, "p50");
	ASSERT_EQ(sb_advise_parse_goal("", &g, &us), -EINVAL, "empty");
}

int main(void)
{
	test_bands();
	test_goal();
	return sb_test_result();
}
