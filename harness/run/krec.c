/* What a kernel connection record says, read the same way by the join, the
 * reconciliation and the writers (krec.h). */
#include "harness/run/krec.h"

#include <stddef.h>

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
