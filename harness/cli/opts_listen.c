/* The options of the built-in listener's SO_REUSEPORT group: which socket
 * accepts how (--accept-socket), which one closes mid-run (--close-socket)
 * and whether its queue moves (--migrate-req), against the rest of the
 * command line (opts_table.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "harness/cli/opts.h"
#include "harness/cli/opts_table.h"

/* "K" then sep then the rest: K (0..LG_MAX_REUSEPORT-1) and the rest */
static int socket_index(const char *val, char sep, int *k, const char **rest)
{
	const char *at = strchr(val, sep);
	uint64_t v;
	char num[8];

	if (!at || at == val || (size_t)(at - val) >= sizeof(num))
		return -EINVAL;
	memcpy(num, val, (size_t)(at - val));
	num[at - val] = 0;
	if (sb_optparse_u64(num, &v) || v >= LG_MAX_REUSEPORT)
		return -EINVAL;
	*k = (int)v;
	*rest = at + 1;
	return 0;
}

int sb_opts_parse_accept_socket(const char *val, struct sb_opts *o)
{
	const char *policy;
	int k;

	if (socket_index(val, '=', &k, &policy) ||
	    lg_accept_policy_parse(policy, &o->accept_socket_policy))
		return -EINVAL;
	o->accept_socket = k;
	return 0;
}

int sb_opts_parse_close_socket(const char *val, struct sb_opts *o)
{
	const char *ms;
	uint64_t v;
	int k;

	/* at most a day into the run */
	if (socket_index(val, '@', &k, &ms) || sb_optparse_u64(ms, &v) || v > 86400000)
		return -EINVAL;
	o->close_socket = k;
	o->close_at_ms = (uint32_t)v;
	return 0;
}

int sb_opts_finish_reuseport(const struct sb_opts *o, const unsigned char *given, char *err,
			     size_t len)
{
	const struct lg_accept_policy *closing;

	if (given[O_ACCEPT_SOCKET] && !o->reuseport)
		return sb_errf(err, len, -EINVAL,
			       "--accept-socket picks a socket of a --reuseport group; add "
			       "--reuseport N");
	if (o->reuseport && o->accept_socket >= (int)o->reuseport)
		return sb_errf(err, len, -EINVAL,
			       "--accept-socket %d is not a socket of --reuseport %u (0..%u); "
			       "pick one of those",
			       o->accept_socket, o->reuseport, o->reuseport - 1);
	if (o->reuseport && (o->per_cpu_listeners || o->paired))
		return sb_errf(err, len, -EINVAL,
			       "--reuseport makes its own SO_REUSEPORT group; drop --%s",
			       o->paired ? "paired" : "per-cpu-listeners");
	if (o->reuseport && (o->server_via[0] || o->nclient_via))
		return sb_errf(err, len, -EINVAL,
			       "--reuseport works with the listener on this host only; drop "
			       "--%s or --reuseport",
			       o->server_via[0] ? "server-via" : "client-via");
	if (given[O_CLOSE_SOCKET] && o->reuseport < 2)
		return sb_errf(err, len, -EINVAL,
			       "--close-socket closes one socket of a --reuseport group while a "
			       "sibling takes the load; add --reuseport 2 (or more)");
	if (o->close_socket < 0)
		return 0;
	if (o->close_socket >= (int)o->reuseport)
		return sb_errf(err, len, -EINVAL,
			       "--close-socket %d is not a socket of --reuseport %u (0..%u); pick "
			       "one of those",
			       o->close_socket, o->reuseport, o->reuseport - 1);
	closing = o->accept_socket == o->close_socket ? &o->accept_socket_policy : &o->accept;
	if (closing->kind != LG_ACCEPT_NONE)
		return sb_errf(err, len, -EINVAL,
			       "--close-socket %d needs that socket to accept nothing (its accept "
			       "threads would race the close); add --accept-socket %d=none",
			       o->close_socket, o->close_socket);
	return 0;
}

