/* What a kernel connection record says, read the same way by the join, the
 * reconciliation and the writers (krec.h). */
#include "harness/run/krec.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const state_names[SB_NSTATES] = {
    "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",	   "TIME_WAIT",
    "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV",
};

const char *sb_tcp_state_name(unsigned int state)
{
	return state < SB_NSTATES ? state_names[state] : "UNKNOWN";
}

int sb_rec_established(const struct sb_conn_rec *r)
{
	static const int later[] = {SB_TCP_FIN_WAIT1, SB_TCP_FIN_WAIT2,	 SB_TCP_CLOSING,
				    SB_TCP_TIME_WAIT, SB_TCP_CLOSE_WAIT, SB_TCP_LAST_ACK};

	if (r->ts[SB_TCP_ESTABLISHED])
		return 1;
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (r->ts[later[i]])
			return 1;
	return 0;
}

/* The kernel's compact record (IPv4: the first SB_KREC_V4 bytes) as the
 * rest of the harness reads it: a stamp per state. */
void sb_krec_expand(const struct sb_krec *k, size_t len, struct sb_conn_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->cookie = k->cookie;
	if (k->role == SB_ROLE_CLIENT) {
		r->ts[SB_TCP_SYN_SENT] = k->t_open;
		r->ts[SB_TCP_CLOSE] = k->t_end;
	} else {
		r->ts[SB_TCP_SYN_RECV] = k->t_open;
		r->ts[SB_TCP_LAST_ACK] = k->t_end;
	}
	r->ts[SB_TCP_FIN_WAIT1] = k->t_fin;
	r->ts[SB_TCP_ESTABLISHED] = k->t_est;
	r->sport = k->sport;
	r->dport = k->dport;
	r->family = k->family;
	r->syn_retrans = k->syn_retrans;
	r->role = k->role;
	r->final_state = k->final_state;
	r->flushed = k->flags & SB_KF_FLUSH_MASK;
	r->partial = !!(k->flags & SB_KF_PARTIAL);
	r->srtt_us = k->srtt_us;
	r->side = k->side;
	r->has_isn = !!(k->flags & SB_KF_ISN);
	r->isn = k->isn;
	r->err = k->err;
	r->err_soft = !!(k->flags & SB_KF_ERR_SOFT);
	if (k->family == AF_INET6 && len >= sizeof(*k)) {
		memcpy(r->saddr, &k->addr[0], sizeof(r->saddr));
		memcpy(r->daddr, &k->addr[4], sizeof(r->daddr));
	} else {
		r->saddr[0] = k->addr[0];
		r->daddr[0] = k->addr[1];
	}
}

enum sb_fail_cause sb_rec_fail_cause(const struct sb_conn_rec *r)
{
	if (r->role != SB_ROLE_CLIENT || r->flushed == SB_REC_LIVE_AT_END)
		return SB_FAIL_NONE;
	if (sb_rec_established(r))
		return !r->err_soft && r->err == ECONNRESET && !r->ts[SB_TCP_FIN_WAIT1]
			   ? SB_FAIL_RESET
			   : SB_FAIL_NONE;
	if (r->flushed == SB_REC_CLOSE_MISSED)
		return SB_FAIL_OTHER; /* its error was never read */
	if (!r->err || r->err_soft)
		return SB_FAIL_ABORTED;
	switch (r->err) {
	case ETIMEDOUT:
		return SB_FAIL_TIMEOUT;
	case ECONNREFUSED:
		return SB_FAIL_REFUSED;
	case ECONNRESET:
		return SB_FAIL_RESET;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
	case ENONET:
		return SB_FAIL_UNREACHABLE;
	default:
		return SB_FAIL_OTHER;
	}
}

int sb_rec_reset_after_fin(const struct sb_conn_rec *r)
{
	return r->role == SB_ROLE_CLIENT && sb_rec_established(r) && !r->err_soft &&
	       r->err == ECONNRESET && r->ts[SB_TCP_FIN_WAIT1] && !r->ts[SB_TCP_FIN_WAIT2];
}

enum sb_fail_cause sb_rec_serverless_cause(const struct sb_conn_rec *r, int syncookies)
{
	enum sb_fail_cause k = sb_rec_fail_cause(r);

	if (k == SB_FAIL_NONE && syncookies == 0 && sb_rec_reset_after_fin(r))
		return SB_FAIL_RESET;
	return k;
}
