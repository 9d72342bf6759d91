/* The built-in listener's sockets (ownlisten.h). */
#include "harness/run/ownlisten.h"

#include <sys/socket.h>

void sb_ownlisten__opts(const struct sb_opts *o, struct lg_server_opts *so)
{
	*so = (struct lg_server_opts){
		.port = o->port,
		.backlog = o->backlog,
		.ipv6 = o->ipv6,
		.mode = o->mode,
		.req_bytes = o->req_bytes,
		.resp_bytes = o->resp_bytes,
		.close_first = o->close_first,
		.policy = o->accept,
		/* --reuseport: each socket's policy says how many it takes */
		.threads = o->accept.kind == LG_ACCEPT_FAST || o->reuseport ? o->threads : 1,
		.per_cpu_listeners = o->per_cpu_listeners,
		.reuseport = o->reuseport,
		.slow_socket = o->accept_socket,
		.slow_policy = o->accept_socket_policy,
		.close_on = o->close_socket >= 0,
		.close_socket = o->close_socket >= 0 ? (uint32_t)o->close_socket : 0,
		.close_after_ms = o->close_at_ms,
		.paired = o->paired,
	};
}

void sb_ownlisten__start(const struct lg_server *srv, struct sb_rundata *rd)
{
	uint32_t n = lg_server__nlisteners(srv);

	rd->nown = 0;
	for (uint32_t i = 0; i < n && i < SB_MAX_OWN_LISTENERS; i++) {
		struct sb_own_listener *l = &rd->own[rd->nown++];
		socklen_t len = sizeof(l->cookie);

		l->cookie = 0;
		if (getsockopt(lg_server__listener_fd(srv, i), SOL_SOCKET, SO_COOKIE, &l->cookie,
			       &len) != 0)
			l->cookie = 0;
		l->accepts = 0;
		l->policy = *lg_server__policy_of(srv, i);
		l->closed_ns = 0;
		l->queued_at_close = -1;
		l->drops_at_close = -1;
	}
}

void sb_ownlisten__end(const struct lg_server *srv, struct sb_rundata *rd)
{
	struct lg_listen_closed lc;

	for (uint32_t i = 0; srv && i < rd->nown; i++)
		rd->own[i].accepts = lg_server__listener_accepts(srv, i);
	if (srv && lg_server__listener_closed(srv, &lc) && lc.li < rd->nown) {
		rd->own[lc.li].closed_ns = lc.t_ns;
		rd->own[lc.li].queued_at_close = lc.queued;
		rd->own[lc.li].drops_at_close = lc.drops;
	}
}
