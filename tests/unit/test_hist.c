#include "tests/test.h"
#include "bpf/hist.h"

int main(void)
{
	/* every bucket is contiguous with the next and maps back to itself */
	unsigned int bad = 0;

	for (unsigned int b = 0; b + 1 < SB_HIST_BUCKETS; b++) {
		if (sb_hist_bucket(sb_hist_lower(b)) != b || sb_hist_bucket(sb_hist_upper(b)) != b ||
		    sb_hist_upper(b) + 1 != sb_hist_lower(b + 1))
			bad++;
	}
	ASSERT_EQ(bad, 0, "buckets contiguous and invertible");
	/* relative width <= 1/128 above the exact range */
	for (unsigned int b = SB_HIST_SUB; b + 1 < SB_HIST_BUCKETS; b++) {
		unsigned long long lo = sb_hist_lower(b), hi = sb_hist_upper(b);
		if ((double)(hi - lo + 1) / (double)lo > 1.0 / 128 + 1e-12)
			bad++;
	}
	ASSERT_EQ(bad, 0, "relative bucket width <= 0.78%");
	ASSERT_EQ(sb_hist_bucket(255), 255, "exact below 256");
	ASSERT_EQ(sb_hist_lower(sb_hist_bucket(200000000000ull)) <= 200000000000ull, 1, "200 s fits");
	ASSERT_LT(sb_hist_bucket(200000000000ull), SB_HIST_BUCKETS - 1, "200 s below the overflow bucket");
	ASSERT_EQ(sb_hist_bucket(~0ull), SB_HIST_BUCKETS - 1, "huge values in the last bucket");
	return sb_test_result();
}
