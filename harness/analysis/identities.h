/* The reconciliation identities between the probes and the kernel's own
 * counters, each checked where this run and this kernel allow it and
 * skipped with the reason otherwise (a component off, a drop reason the
 * kernel does not have, syncookies on). */
#ifndef SB_IDENTITIES_H
#define SB_IDENTITIES_H

#include "harness/analysis/join.h"
#include "harness/run/rundata.h"

enum sb_identity_id {
	SB_ID_CLIENT_ESTABLISHED, /* client ESTABLISHED = accepted + queued + ghosts + other */
	SB_ID_SYN_RETRANS,	  /* probe SYN + SYN-ACK retransmits = TcpExt TCPSynRetrans */
	SB_ID_LISTENER_DROPS,	  /* sk_drops = ListenDrops + TCP_LISTEN_OVERFLOW skb drops */
	/* --topology veth only, each namespace's MIB on its own: */
	SB_ID_CLIENT_SYN_RETRANS,  /* client TCPSynRetrans = its SYN (+ SYN-ACK) retransmits */
	SB_ID_SERVER_SYN_RETRANS,  /* server TCPSynRetrans = its SYN-ACK (+ SYN) retransmits */
	SB_ID_CLIENT_ACTIVE_OPENS, /* client Tcp ActiveOpens = connects started */
	SB_ID_SERVER_ACTIVE_OPENS, /* server Tcp ActiveOpens = 0 */
	SB_NIDENTITIES,
};

enum sb_id_status { SB_ID_HOLDS, SB_ID_FAILS, SB_ID_SKIPPED };

struct sb_identity {
	enum sb_id_status status;
	char why[200]; /* SB_ID_SKIPPED: why it cannot be checked on this run */
};

/* --topology veth before Linux 6.18: the client's failed retransmits the
 * tracepoint did not see (TcpExt TCPRetransFail, join.h); else 0. */
int64_t sb_untraced_retrans_fail(const struct sb_reconcile *rec);
/* Names as summary.json spells them (tables here: the writers read them
 * without calling into the analysis). */
static inline const char *sb_identity_name(enum sb_identity_id id)
{
	static const char *const names[SB_NIDENTITIES] = {
		[SB_ID_CLIENT_ESTABLISHED] = "client_established",
		[SB_ID_SYN_RETRANS] = "syn_retransmits",
		[SB_ID_LISTENER_DROPS] = "listener_drops",
		[SB_ID_CLIENT_SYN_RETRANS] = "client_syn_retransmits",
		[SB_ID_SERVER_SYN_RETRANS] = "server_synack_retransmits",
		[SB_ID_CLIENT_ACTIVE_OPENS] = "client_active_opens",
		[SB_ID_SERVER_ACTIVE_OPENS] = "server_active_opens",
	};

	return (unsigned)id < SB_NIDENTITIES ? names[id] : "?";
}

static inline const char *sb_id_status_name(enum sb_id_status s)
{
	return s == SB_ID_HOLDS ? "holds" : s == SB_ID_FAILS ? "fails" : "skipped";
}
/* Checks identity id of a joined run (rec filled by the join). */
void sb_identity_check(const struct sb_rundata *rd, const struct sb_reconcile *rec,
		       enum sb_identity_id id, struct sb_identity *out);

#endif
