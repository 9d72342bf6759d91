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
	SB_NIDENTITIES,
};

enum sb_id_status { SB_ID_HOLDS, SB_ID_FAILS, SB_ID_SKIPPED };

struct sb_identity {
	enum sb_id_status status;
	char why[200]; /* SB_ID_SKIPPED: why it cannot be checked on this run */
};

const char *sb_identity_name(enum sb_identity_id id);
const char *sb_id_status_name(enum sb_id_status s);
/* Checks identity id of a joined run (rec filled by the join). */
void sb_identity_check(const struct sb_rundata *rd, const struct sb_reconcile *rec,
		       enum sb_identity_id id, struct sb_identity *out);

#endif
