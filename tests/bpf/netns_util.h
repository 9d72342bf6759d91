/* Test set-up shared by the load generator tests. */
#ifndef SB_TESTS_NETNS_UTIL_H
#define SB_TESTS_NETNS_UTIL_H

#include <stdint.h>

#include "harness/run/netns.h"
#include "tests/test.h"

/* Root check, then moves the test into a fresh network namespace (lo up)
 * with the wide local port range the load generator binds from. 0: go on;
 * otherwise the test's exit code (skip without root, failure). */
static inline int nu_enter_fresh_netns(void)
{
	uint64_t ino;
	int rc = sb_test_need_root();

	if (rc)
		return rc;
	if (!ASSERT_OK(sb_netns_enter(&ino), "fresh namespace"))
		return sb_test_result();
	ASSERT_OK(sb_sysctl_write("net.ipv4.ip_local_port_range", "1024 65535"),
		  "local port range 1024-65535");
	return 0;
}

#endif
