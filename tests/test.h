/* Assertions in the style of the kernel BPF selftests: each logs its name,
 * the actual and the expected value, and returns whether it held, so a test
 * reads  if (!ASSERT_EQ(got, 6, "established")) goto out;
 * A test exits 0 (pass), 1 (fail) or 77 (skip, see sb_test_skip()). */
#ifndef SB_TEST_H
#define SB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sb_test_failures;

#define SB_TEST_REPORT(ok, fmt, ...)                                                         \
	do {                                                                                 \
		if (ok)                                                                      \
			fprintf(stderr, "  ok   " fmt "\n", __VA_ARGS__);                    \
		else {                                                                       \
			fprintf(stderr, "  FAIL %s:%d: " fmt "\n", __FILE__, __LINE__,       \
				__VA_ARGS__);                                                \
			sb_test_failures++;                                                  \
		}                                                                            \
	} while (0)

#define ASSERT_OP_(a, op, b, name)                                                           \
	({                                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);                          \
		int ok_ = a_ op b_;                                                          \
		SB_TEST_REPORT(ok_, "%s: %lld %s %lld", name, a_, #op, b_);                  \
		ok_;                                                                         \
	})
#define ASSERT_EQ(a, b, name) ASSERT_OP_(a, ==, b, name)
#define ASSERT_NE(a, b, name) ASSERT_OP_(a, !=, b, name)
#define ASSERT_LT(a, b, name) ASSERT_OP_(a, <, b, name)
#define ASSERT_LE(a, b, name) ASSERT_OP_(a, <=, b, name)
#define ASSERT_GT(a, b, name) ASSERT_OP_(a, >, b, name)
#define ASSERT_GE(a, b, name) ASSERT_OP_(a, >=, b, name)
#define ASSERT_OK(err, name) ASSERT_OP_(err, ==, 0, name)
#define ASSERT_TRUE(c, name) ASSERT_OP_(!!(c), ==, 1, name)
#define ASSERT_FALSE(c, name) ASSERT_OP_(!!(c), ==, 0, name)
#define ASSERT_OK_PTR(p, name)                                                               \
	({                                                                                   \
		int ok_ = (p) != NULL;                                                       \
		SB_TEST_REPORT(ok_, "%s: pointer %s", name, ok_ ? "ok" : "NULL");            \
		ok_;                                                                         \
	})
#define ASSERT_STREQ(a, b, name)                                                             \
	({                                                                                   \
		const char *a_ = (a), *b_ = (b);                                             \
		int ok_ = a_ && b_ && strcmp(a_, b_) == 0;                                   \
		SB_TEST_REPORT(ok_, "%s: \"%s\" == \"%s\"", name, a_ ? a_ : "(null)",         \
			       b_ ? b_ : "(null)");                                          \
		ok_;                                                                         \
	})
#define ASSERT_NEAR(a, b, tol, name)                                                         \
	({                                                                                   \
		double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);               \
		int ok_ = a_ - b_ <= t_ && b_ - a_ <= t_;                                    \
		SB_TEST_REPORT(ok_, "%s: %g == %g +- %g", name, a_, b_, t_);                 \
		ok_;                                                                         \
	})

/* The exit code of a test. */
static inline int sb_test_result(void)
{
	fprintf(stderr, sb_test_failures ? "FAILED (%d)\n" : "PASSED%.0d\n", sb_test_failures);
	return sb_test_failures ? 1 : 0;
}

/* True when a skip must count as a failure: in CI the BPF tests must run. */
static inline int sb_test_skip_is_failure(void)
{
	const char *ci = getenv("CI"), *req = getenv("BENCH_REQUIRE_BPF");

	return (ci && strcmp(ci, "true") == 0) || (req && strcmp(req, "1") == 0);
}

/* Exit code for "cannot run here": 77 (skip), or 1 under CI=true. */
static inline int sb_test_skip(const char *why)
{
	if (sb_test_skip_is_failure()) {
		fprintf(stderr, "FAIL: cannot run (%s), and CI=true or BENCH_REQUIRE_BPF=1 forbids skipping\n", why);
		return 1;
	}
	fprintf(stderr, "SKIP: %s\n", why);
	return 77;
}

/* Root tests call this first: skip (or fail in CI) without privileges. */
static inline int sb_test_need_root(void)
{
	return geteuid() == 0 ? 0 : sb_test_skip("needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)");
}

#endif
