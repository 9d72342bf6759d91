/* The per-connection join: user records (struct lg_conn, struct lg_accept)
 * and kernel records (struct sb_conn_rec) of one run, one row per client
 * connection, plus the derived latencies, outcomes and the reconciliation of
 * kernel counters against the records (docs/design.md "The join").
 *
 * Matching:
 *  - client kernel record: same cookie, role SB_ROLE_CLIENT (hash table);
 *  - server children: first by the client's initial sequence number (the
 *    kernel records it at both ends, SB_KF_ISN) on the mirrored 4-tuple:
 *    the client whose ISN is the closest at or below the child's (a
 *    syncookie child made from a later client segment carries that
 *    segment's sequence - 1); across hosts (rd->cross_host) that is the
 *    only way. Otherwise by the
 *    4-tuple mirrored (child saddr/sport == client
 *    daddr/dport, child daddr/dport == client saddr/sport). Local ports are
 *    reused within a run, so a child belongs to the client on that tuple whose
 *    SYN_SENT is the latest one not after the child's SYN_RECV. A client
 *    connection may get several children (docs/kernel-facts.md, fact 19: a syncookie ghost
 *    revived by the client's FIN, then a second child on the same 4-tuple
 *    after the first closed): the join keeps them all;
 *  - accept records: the cookie of one of those children. A child's cookie
 *    counts only when no other child record carries it: before Linux 6.15 a
 *    child stamped at LISTEN -> SYN_RECV carries the listener's cookie
 *    (docs/kernel-facts.md, fact 17), shared by every such child. An accept no child cookie
 *    claims (no probes, a lost child record, a shared cookie) joins by peer
 *    port and address to the latest client on that port not after it, and
 *    pairs with that client's latest unpaired child ESTABLISHED before it;
 *    across hosts, to the latest unpaired child on its peer tuple
 *    ESTABLISHED before it (both stamps in the server host's clock).
 */
#ifndef SB_JOIN_H
#define SB_JOIN_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/krec.h"
#include "harness/run/rundata.h"
#include "harness/analysis/stats.h"

enum sb_outcome {
	SB_OUT_ACCEPTED = 0, /* the server accepted it */
	SB_OUT_QUEUED,	     /* server child ESTABLISHED, never accepted */
	SB_OUT_GHOST,	     /* client ESTABLISHED, the server never had a socket */
	SB_OUT_TIMEOUT,	     /* connect timed out */
	SB_OUT_REFUSED,	     /* ECONNREFUSED */
	SB_OUT_RESET,	     /* reset */
	SB_OUT_UNACCEPTED,   /* no probes: connected, never accepted (ghost or queued) */
	SB_OUT_OTHER,	     /* other errors, never finished */
	SB_OUT_TLS_FAILED,   /* --tls: the handshake failed (OpenSSL's reason in the record) */
	SB_NOUTCOMES,
};

/* "accepted", "queued", ... (a table here, so the writers read names
 * without calling into the analysis) */
static inline const char *sb_outcome_name(enum sb_outcome o)
{
	static const char *const names[SB_NOUTCOMES] = {
		[SB_OUT_ACCEPTED] = "accepted", [SB_OUT_QUEUED] = "queued",
		[SB_OUT_GHOST] = "ghost",	[SB_OUT_TIMEOUT] = "timeout",
		[SB_OUT_REFUSED] = "refused",	[SB_OUT_RESET] = "reset",
		[SB_OUT_UNACCEPTED] = "unaccepted", [SB_OUT_OTHER] = "other",
		[SB_OUT_TLS_FAILED] = "tls_failed",
	};

	return (unsigned int)o < SB_NOUTCOMES ? names[o] : "invalid";
}

/* Derived latencies, ns. */
enum sb_lat {
	SB_LAT_KERNEL_HANDSHAKE = 0, /* client ESTABLISHED - SYN_SENT */
	SB_LAT_USER_CONNECT,	     /* t_connected - t_submit (successful connects) */
	SB_LAT_PRE_SYN,		     /* client SYN_SENT - t_submit */
	SB_LAT_NOTIFY_DELAY,	     /* t_connected - client ESTABLISHED */
	SB_LAT_ACCEPT_WAIT,	     /* t_accept - child ESTABLISHED */
	SB_LAT_USER_CONNECT_SCHED,   /* t_connected - t_sched (open loop: queueing included) */
	SB_LAT_RESPONSE,	     /* crr: t_resp - t_connected */
	SB_LAT_CHILD_EST,	     /* child ESTABLISHED - SYN_RECV */
	/* child ESTABLISHED -> the server closed it (FIN_WAIT1, or LAST_ACK
	 * after the client's FIN): accept + service time as the kernel saw
	 * it, the accept-wait bound for a server without our accept stamps */
	SB_LAT_SERVER_CLOSE,
	/* crr phases (docs/tls.md): */
	SB_LAT_TLS_HANDSHAKE, /* --tls: t_tls_done - t_tls_start (ClientHello sent -> done) */
	SB_LAT_FIRST_BYTE,    /* t_first - t_sent: request sent -> first response byte */
	SB_LAT_LAST_BYTE,     /* t_resp - t_first: first -> last response byte */
	SB_LAT_TLS_ACCEPT,    /* --tls, our listener: its handshake done - accept() returned */
	SB_NLATS,
};

/* "kernel_handshake", "user_connect", "pre_syn", "notify_delay",
 * "accept_wait", "user_connect_sched", "response", "child_established",
 * "server_close", "tls_handshake", "first_byte", "last_byte", "tls_accept". */
static inline const char *sb_lat_name(enum sb_lat l)
{
	static const char *const names[SB_NLATS] = {
		[SB_LAT_KERNEL_HANDSHAKE] = "kernel_handshake",
		[SB_LAT_USER_CONNECT] = "user_connect",
		[SB_LAT_PRE_SYN] = "pre_syn",
		[SB_LAT_NOTIFY_DELAY] = "notify_delay",
		[SB_LAT_ACCEPT_WAIT] = "accept_wait",
		[SB_LAT_USER_CONNECT_SCHED] = "user_connect_sched",
		[SB_LAT_RESPONSE] = "response",
		[SB_LAT_CHILD_EST] = "child_established",
		[SB_LAT_SERVER_CLOSE] = "server_close",
		[SB_LAT_TLS_HANDSHAKE] = "tls_handshake",
		[SB_LAT_FIRST_BYTE] = "first_byte",
		[SB_LAT_LAST_BYTE] = "last_byte",
		[SB_LAT_TLS_ACCEPT] = "tls_accept",
	};

	return (unsigned int)l < SB_NLATS ? names[l] : "invalid";
}

/* Index of no row / no record in sb_join.krec_row and sb_join.accept_row. */
#define SB_JOIN_NONE UINT32_MAX


struct sb_join_row {
	const struct lg_conn *conn;	   /* never NULL */
	const struct sb_conn_rec *kclient; /* NULL: no kernel client record */
	/* The server child of `accept` when that is known, else the first
	 * child (earliest SYN_RECV); NULL: no server child record. */
	const struct sb_conn_rec *kchild;
	/* The first accept of the first child that has one, else the
	 * earliest accept joined to the row; NULL: never accepted. */
	const struct lg_accept *accept;
	int accept_of_kchild; /* accept is kchild's (cookie, or by time) */
	uint32_t nchildren;   /* server child records joined to the row */
	uint32_t naccepts;    /* accept records joined to the row */
	/* A syncookie ghost the client's own segments revived
	 * (docs/kernel-facts.md, fact 19): the first child appeared only
	 * after the client sent its FIN (SYN_RECV >= the client's FIN_WAIT1),
	 * or the row has two children or more. Counted once, under its outcome
	 * (accepted or queued). */
	int revived;
	int64_t lat[SB_NLATS]; /* ns, SB_NA when not computable */
	int syn_retrans;       /* -1 without a kernel client record */
	enum sb_outcome outcome;
	/* the kernel's cause when its client socket failed (its error at
	 * CLOSE; reset only without a server child), else SB_FAIL_NONE */
	enum sb_fail_cause cause;
};

struct sb_join_counts {
	uint64_t user_conns;  /* struct lg_conn records */
	uint64_t not_started; /* never submitted: no row */
	uint64_t rows;
	uint64_t with_cookie;		 /* rows with cookie != 0 */
	uint64_t joined;		 /* ... and a kernel client record */
	uint64_t kclients;		 /* kernel client records */
	uint64_t kclients_est;		 /* ... that reached ESTABLISHED (sb_rec_established) */
	uint64_t kclients_est_inferred;	 /* ... without the ESTABLISHED stamp (a missed event) */
	uint64_t kclients_unmatched;	 /* ... with no user record */
	uint64_t kchildren;		 /* kernel child records */
	uint64_t kchildren_est;		 /* ... that reached ESTABLISHED */
	uint64_t kchildren_unmatched;	 /* ... with no client row */
	uint64_t children_by_isn;	 /* ... joined by 4-tuple + client ISN */
	uint64_t kchildren_queued;	 /* ... ESTABLISHED, never accepted nor server-closed */
	uint64_t kchildren_extra;	 /* ... beyond the first on one client row */
	uint64_t child_cookies_shared;	 /* ... whose cookie another child record carries */
	uint64_t kother;		 /* kernel records with an unknown role */
	uint64_t dup_cookies;		 /* kernel records whose cookie was seen before */
	uint64_t accepts;		 /* struct lg_accept records */
	uint64_t accepts_unmatched;	 /* ... joined to no row */
	uint64_t accepts_by_peer;	 /* ... joined by peer port (no child cookie) */
	uint64_t accepts_extra;		 /* ... beyond the first on one client row */
	uint64_t revived;		 /* rows with revived set */
	uint64_t user_ok_kernel_not_est; /* user connected, kernel never saw ESTABLISHED */
	/* rows whose client reached ESTABLISHED in the kernel with an outcome
	 * other than accepted, queued, ghost or tls_failed (a reset after
	 * ESTABLISHED ...) */
	uint64_t established_other;
	uint64_t outcomes[SB_NOUTCOMES];
	uint64_t causes[SB_NFAIL]; /* rows by the kernel's cause (causes[0] unused) */
	/* of causes[SB_FAIL_RESET], those whose server child waited in our
	 * listener's accept queue, never accepted: reset as the listener
	 * closed (no EmbryonicRsts) */
	uint64_t resets_queued;
};

/* Kernel counters against records; docs/design.md and docs/kernel-facts.md, facts 2-4, 8, 11.
 *
 * The identity, each client connection counted once (a revived ghost with
 * two children and two accepts is one accepted connection):
 *   client_established = accepted + queued + ghosts + tls_failed
 *                        + established_other
 * with client_established the kernel client records that reached
 * ESTABLISHED, and the right-hand side the rows by outcome (tls_failed: a
 * TLS handshake that failed after the TCP one; established_other: rows
 * whose client reached ESTABLISHED with another outcome, e.g. reset).
 * With syncookies 0 there can be no ghost, so ghosts must be 0 as well. */
struct sb_reconcile {
	int probes;		     /* kernel records/counters exist */
	uint64_t client_established; /* kernel client records ESTABLISHED */
	uint64_t accepted;	     /* rows accepted (outcome) */
	uint64_t queued;	     /* rows queued: a child ESTABLISHED, never accepted */
	uint64_t ghosts;	     /* rows ghost */
	uint64_t tls_failed;	     /* rows tls_failed */
	uint64_t established_other;  /* rows ESTABLISHED in the kernel, other outcomes */
	uint64_t revived;	     /* rows revived (among accepted and queued) */
	uint64_t extra_children;     /* child records beyond the first per row */
	uint64_t extra_accepts;	     /* accept records beyond the first per row */
	uint64_t timeouts;
	int syncookies;		       /* effective value, -1 unknown */
	int identity_checked;	       /* syncookies == 0 and probes: no ghost allowed */
	int identity_holds;	       /* the identity above (probes only) */
	uint64_t probe_syn_retrans;    /* counters[SB_C_SYN_RETRANS] */
	uint64_t probe_synack_retrans; /* counters[SB_C_SYNACK_RETRANS] */
	/* TcpExt TCPSynRetrans delta, -1 absent. Linux counts SYN-ACK
	 * retransmits there too (tcp_rtx_synack), so it must equal
	 * probe_syn_retrans + probe_synack_retrans. */
	int64_t mib_syn_retrans;
	/* --topology veth (two_sides): each namespace on its own. The probes
	 * count what happened in each; the kernel's MIB of that namespace
	 * must agree: side TCPSynRetrans = side SYN + SYN-ACK retransmits
	 * (SYNs only on the client, SYN-ACKs only on the server), client
	 * ActiveOpens = connects started, server ActiveOpens = 0. The
	 * mib_syn_retrans above is then the sum of both namespaces. */
	int two_sides;
	uint64_t probe_client_syn_retrans, probe_client_synack_retrans;
	uint64_t probe_server_syn_retrans, probe_server_synack_retrans;
	int64_t mib_client_syn_retrans, mib_server_syn_retrans; /* -1 absent */
	int64_t mib_client_active_opens, mib_server_active_opens;
	uint64_t conns_started; /* connects the load generator submitted */
	/* Before Linux 6.18 the retransmit tracepoint fires only for a
	 * retransmit that left; one that failed to transmit (veth: the peer's
	 * backlog full, -ENOBUFS) still counts in TCPSynRetrans, and in
	 * TCPRetransFail. Then the client identity adds the client's
	 * TCPRetransFail (its only retransmits in flight are SYNs and FINs). */
	int retrans_fail_untraced;
	int64_t mib_client_retrans_fail; /* client TcpExt TCPRetransFail delta, 0 absent */
	int64_t listener_drops; /* last sample's sk_drops for the port, -1 none */
	/* kfree_skb TCP_LISTEN_OVERFLOW drops: an ACK for a request socket
	 * while the accept queue is full. tcp_v4_rcv adds each to the
	 * listener's sk_drops a second time, so listener_drops must equal
	 * mib_listen_drops + this. */
	uint64_t listen_overflow_skb_drops;
	int64_t mib_listen_drops;     /* TcpExt ListenDrops delta, -1 absent */
	int64_t mib_listen_overflows; /* TcpExt ListenOverflows delta, -1 absent */
	int64_t softnet_dropped;      /* softnet dropped delta (global), -1 absent */
	uint64_t lost_events;	      /* RB_FAIL + MAP_FULL + lost_samples */
	double join_rate;	      /* joined / with_cookie; -1 when not defined */
	char **warnings;
	size_t nwarnings;
};

/* One batch of records joined (harness/analysis/analyze.h turns the
 * batches into one result). */
struct sb_join {
	struct sb_join_row *rows;
	size_t nrows;
	/* row index per kernel record (client or child) and per accept
	 * record, SB_JOIN_NONE when it joined no row */
	uint32_t *krec_row;
	uint32_t *accept_row;
	struct sb_join_counts counts;
};

/* Joins rd's records. The rows point into rd: keep rd alive while j is.
 * 0 or -ENOMEM. */
int sb_join__new(const struct sb_rundata *rd, struct sb_join **out);
void sb_join__free(struct sb_join *j); /* NULL ok */

#endif
