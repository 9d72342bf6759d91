/* The reconciliation identities between the probes and the kernel's own
 * counters, each checked where this run and this kernel allow it and
 * skipped with the reason otherwise (a component off, a drop reason the
 * kernel does not have, syncookies on). */
#ifndef SB_IDENTITIES_H
#define SB_IDENTITIES_H

#include "harness/analysis/join.h"
#include "harness/run/rundata.h"

enum sb_identity_id {
	SB_ID_CLIENT_ESTABLISHED, /* client ESTABLISHED = accepted + queued + ghosts + TLS failed
				   * + other */
	SB_ID_SYN_RETRANS,	  /* probe SYN + SYN-ACK retransmits = TcpExt TCPSynRetrans */
	SB_ID_LISTENER_DROPS,	  /* sk_drops = ListenDrops + TCP_LISTEN_OVERFLOW skb drops */
	/* --topology veth only, each namespace's MIB on its own: */
	SB_ID_CLIENT_SYN_RETRANS,  /* client TCPSynRetrans = its SYN (+ SYN-ACK) retransmits */
	SB_ID_SERVER_SYN_RETRANS,  /* server TCPSynRetrans = its SYN-ACK (+ SYN) retransmits */
	SB_ID_CLIENT_ACTIVE_OPENS, /* client Tcp ActiveOpens = connects started */
	SB_ID_SERVER_ACTIVE_OPENS, /* server Tcp ActiveOpens = 0 */
	/* bench watch (kview.h), whatever made the traffic: */
	SB_ID_CLIENT_SOCKETS,	 /* probe client sockets = Tcp ActiveOpens */
	SB_ID_CHILD_SOCKETS,	 /* probe server children = Tcp PassiveOpens */
	SB_ID_LISTEN_OVERFLOWS, /* listener sk_drops - TCP_LISTEN_OVERFLOW skb drops =
				 * ListenOverflows + TCPReqQFullDrop */
	/* both, from the failed clients' causes (harness/run/krec.h): */
	SB_ID_ATTEMPT_FAILS,	/* timeouts + refused + unreachable + other = Tcp AttemptFails */
	SB_ID_EMBRYONIC_RSTS,	/* resets after the SYN-ACK = TcpExt EmbryonicRsts */
	SB_NIDENTITIES,
	SB_NRUN_IDENTITIES = SB_ID_CLIENT_SOCKETS, /* a run checks those before */
};

enum sb_id_status { SB_ID_HOLDS, SB_ID_FAILS, SB_ID_SKIPPED };

struct sb_identity {
	enum sb_id_status status;
	char why[200]; /* SB_ID_SKIPPED: why it cannot be checked on this run */
	int64_t probe, kernel; /* watch: the two sides, -1 unknown */
};

/* 1 when identity id is one a run (watch 0) or a watch (1) states: each
 * mode's own, and the ones both check. */
static inline int sb_identity_of_mode(enum sb_identity_id id, int watch)
{
	if (id == SB_ID_SYN_RETRANS || id >= SB_ID_ATTEMPT_FAILS)
		return 1;
	return watch ? id >= SB_NRUN_IDENTITIES : id < SB_NRUN_IDENTITIES;
}

/* The failure identities, a run's and a watch's alike, into ids: causes[]
 * the failed clients by the kernel's cause; the counters of the clients'
 * namespace (AttemptFails) and of the server's (EmbryonicRsts), -1 absent;
 * skip_why: why neither can be checked (a filter, no probes), else NULL. */
void sb_identity_failures(const uint64_t *causes, int64_t attempt_fails, int64_t embryonic_rsts,
			  const char *skip_why, struct sb_identity *ids);
/* The embryonic_rsts rule alone: resets (clients reset after the SYN-ACK)
 * against EmbryonicRsts; holds when equal, skipped (why set) when the
 * counter exceeds them by no more than the aborted clients, else fails. */
enum sb_id_status sb_embryonic_status(int64_t resets, int64_t embryonic_rsts, uint64_t aborted,
				      char *why, size_t len);

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
		[SB_ID_CLIENT_SOCKETS] = "client_sockets",
		[SB_ID_CHILD_SOCKETS] = "child_sockets",
		[SB_ID_LISTEN_OVERFLOWS] = "listen_overflows",
		[SB_ID_ATTEMPT_FAILS] = "attempt_fails",
		[SB_ID_EMBRYONIC_RSTS] = "embryonic_rsts",
	};

	return (unsigned)id < SB_NIDENTITIES ? names[id] : "?";
}

/* The identity in words (summary.json "identity"). */
static inline const char *sb_identity_what(enum sb_identity_id id)
{
	static const char *const what[SB_NIDENTITIES] = {
		[SB_ID_CLIENT_ESTABLISHED] = "client ESTABLISHED = accepted + queued + ghosts + "
					     "TLS failed + other ESTABLISHED",
		[SB_ID_SYN_RETRANS] = "probe SYN + SYN-ACK retransmits = TcpExt TCPSynRetrans",
		[SB_ID_LISTENER_DROPS] = "listener sk_drops = TcpExt ListenDrops + "
					 "TCP_LISTEN_OVERFLOW skb drops",
		[SB_ID_CLIENT_SYN_RETRANS] = "client namespace: TcpExt TCPSynRetrans = its SYN "
					     "(+ SYN-ACK) retransmits",
		[SB_ID_SERVER_SYN_RETRANS] = "server namespace: TcpExt TCPSynRetrans = its "
					     "SYN-ACK (+ SYN) retransmits",
		[SB_ID_CLIENT_ACTIVE_OPENS] = "client namespace: Tcp ActiveOpens = connects "
					      "started",
		[SB_ID_SERVER_ACTIVE_OPENS] = "server namespace: Tcp ActiveOpens = 0",
		[SB_ID_CLIENT_SOCKETS] = "client sockets (CLOSE->SYN_SENT) = Tcp ActiveOpens",
		[SB_ID_CHILD_SOCKETS] = "server children (LISTEN->SYN_RECV) = Tcp PassiveOpens",
		[SB_ID_LISTEN_OVERFLOWS] = "listener sk_drops - TCP_LISTEN_OVERFLOW skb drops = "
					   "ListenOverflows + TCPReqQFullDrop",
		[SB_ID_ATTEMPT_FAILS] = "failed clients timed out, refused, unreachable or other "
					"(sk_err at CLOSE) = Tcp AttemptFails",
		[SB_ID_EMBRYONIC_RSTS] = "clients reset after the SYN-ACK without a server socket "
					 "= TcpExt EmbryonicRsts",
	};

	return (unsigned)id < SB_NIDENTITIES ? what[id] : "?";
}

static inline const char *sb_id_status_name(enum sb_id_status s)
{
	return s == SB_ID_HOLDS ? "holds" : s == SB_ID_FAILS ? "fails" : "skipped";
}
/* Checks identity id of a joined run (rec filled by the join). */
void sb_identity_check(const struct sb_rundata *rd, const struct sb_reconcile *rec,
		       enum sb_identity_id id, struct sb_identity *out);

#endif
