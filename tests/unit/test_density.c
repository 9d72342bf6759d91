/* sb_logbin (harness/output/density.c) on what a damaged connections.csv
 * can hold: every value lands in a row, none is undefined behaviour (this
 * binary runs under UBSan; fuzz/fuzz_connections_csv found +inf). */
#include "tests/test.h"
#include "harness/output/density.h"

#include <float.h>
#include <math.h>

int main(void)
{
	int n = sb_logbin_rows(10);

	ASSERT_EQ(sb_logbin(0, 10), 0, "0 in the first row");
	ASSERT_EQ(sb_logbin(-5, 10), 0, "negative in the first row");
	ASSERT_EQ(sb_logbin(NAN, 10), 0, "NaN in the first row");
	ASSERT_EQ(sb_logbin(1e-30, 10), 0, "tiny in the first row");
	ASSERT_EQ(sb_logbin(INFINITY, 10), n - 1, "+inf in the last row");
	ASSERT_EQ(sb_logbin(DBL_MAX, 10), n - 1, "DBL_MAX in the last row");
	ASSERT_EQ(sb_logbin(INFINITY, 40), sb_logbin_rows(40) - 1, "+inf on the CDF's axis");
	ASSERT_EQ(sb_logbin(1, 10), 10, "1 us: a decade above 0.1 us");
	ASSERT_EQ(sb_logbin(1000, 10), 40, "1 ms: four decades above");
	return sb_test_result();
}
