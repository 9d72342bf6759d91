/* Shared start of the probe tests: a fresh namespace, the real skeleton
 * loaded and attached, the ring-buffer consumer running. */
#ifndef SB_PROBE_UTIL_H
#define SB_PROBE_UTIL_H

#include "tests/test.h"
#include "harness/run/netns.h"
#include "harness/run/probes.h"

/* Enters a new namespace (its inode goes into po->netns_ino), loads and
 * starts the probes. SB_VERBOSE=1 shows libbpf's log. NULL on failure. */
static inline struct sb_probes *probe_test_start(struct sb_probes_opts *po, const char *syncookies)
{
	struct sb_probes *p = NULL;
	char err[512];

	po->verbose = getenv("SB_VERBOSE") != NULL;
	if (!ASSERT_OK(sb_netns_enter(&po->netns_ino), "fresh namespace"))
		return NULL;
	if (syncookies)
		sb_sysctl_write("net.ipv4.tcp_syncookies", syncookies);
	if (!ASSERT_OK(sb_probes__new(po, &p, err, sizeof(err)), "load and attach")) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	ASSERT_OK(sb_probes__start(p), "start the consumer");
	return p;
}

#endif
