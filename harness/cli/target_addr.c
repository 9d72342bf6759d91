/* --target HOST:PORT parsed into an address and port. */
#include "harness/cli/target_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_target_parse(const char *s, int have_netns, uint32_t *addr, uint16_t *port, char *err,
		    size_t errlen)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	char *end;
	unsigned long p;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host)) {
		snprintf(err, errlen, "--target must be HOST:PORT (got '%s'); try --target "
				      "127.0.0.1:8080", s);
		return -EINVAL;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p < 1 || p > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(err, errlen, "--target port must be 1..65535 (got '%s'); try "
				      "--target 127.0.0.1:8080", colon + 1);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &a) != 1) {
		snprintf(err, errlen, "--target host must be an IPv4 address (got '%s'); "
				      "try --target 127.0.0.1:%lu", host, p);
		return -EINVAL;
	}
	if (!have_netns && (ntohl(a.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "--target %s is not a loopback address; the run's own "
				      "namespace has only lo: use 127.x.y.z, or --netns NAME for a "
				      "namespace that has that address", host);
		return -EINVAL;
	}
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}
