/* The per-connection join: user records (struct lg_conn, struct lg_accept)
 * and kernel records (struct sb_conn_rec) of one run, one row per client
 * connection, plus the derived latencies, outcomes and the reconciliation of
 * kernel counters against the records (DESIGN.md "Per-connection join").
 *
 * Matching:
 *  - client kernel record: same cookie, role SB_ROLE_CLIENT (hash table);
 *  - server child: the 4-tuple mirrored (child saddr/sport == client
 *    daddr/dport, child daddr/dport == client saddr/sport). Local ports are
 *    reused within a run, so a child belongs to the client on that tuple whose
 *    SYN_SENT is the latest one not after the child's SYN_RECV; among the
 *    children a client gets this way it keeps the one closest after SYN_SENT;
 *  - accept record: the child's cookie; without a child record (no probes,
 *    or the record was lost) by peer port/address and time the same way.
 */
#ifndef SB_JOIN_H
#define SB_JOIN_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/rundata.h"
#include "harness/stats.h"

/* A derived value that could not be computed (an input stamp is missing). */
#define SB_NA INT64_MIN

enum sb_outcome {
	SB_OUT_ACCEPTED = 0, /* the server accepted it */
	SB_OUT_QUEUED,	     /* server child ESTABLISHED, never accepted */
	SB_OUT_GHOST,	     /* client ESTABLISHED, the server never had a socket */
	SB_OUT_TIMEOUT,	     /* connect timed out */
	SB_OUT_REFUSED,	     /* ECONNREFUSED */
	SB_OUT_RESET,	     /* reset */
	SB_OUT_UNACCEPTED,   /* no probes: connected, never accepted (ghost or queued) */
	SB_OUT_OTHER,	     /* other errors, never finished */
	SB_NOUTCOMES,
};

const char *sb_outcome_name(enum sb_outcome o); /* "accepted", "queued", ... */

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
	SB_NLATS,
};

/* "kernel_handshake", "user_connect", "pre_syn", "notify_delay",
 * "accept_wait", "user_connect_sched", "response", "child_established". */
const char *sb_lat_name(enum sb_lat l);
/* "SYN_SENT", ...; "UNKNOWN" out of range. */
const char *sb_tcp_state_name(unsigned int state);

struct sb_join_row {
	const struct lg_conn *conn;	   /* never NULL */
	const struct sb_conn_rec *kclient; /* NULL: no kernel client record */
	const struct sb_conn_rec *kchild;  /* NULL: no server child record */
	const struct lg_accept *accept;	   /* NULL: never accepted */
	int64_t lat[SB_NLATS];		   /* ns, SB_NA when not computable */
	int syn_retrans;		   /* -1 without a kernel client record */
	enum sb_outcome outcome;
};

struct sb_join_counts {
	uint64_t user_conns;  /* struct lg_conn records */
	uint64_t not_started; /* never submitted: no row */
	uint64_t rows;
	uint64_t with_cookie;		 /* rows with cookie != 0 */
	uint64_t joined;		 /* ... and a kernel client record */
	uint64_t kclients;		 /* kernel client records */
	uint64_t kclients_est;		 /* ... that reached ESTABLISHED */
	uint64_t kclients_unmatched;	 /* ... with no user record */
	uint64_t kchildren;		 /* kernel child records */
	uint64_t kchildren_est;		 /* ... that reached ESTABLISHED */
	uint64_t kchildren_unmatched;	 /* ... with no client row */
	uint64_t kchildren_queued;	 /* ... ESTABLISHED, no accept record */
	uint64_t kother;		 /* kernel records with an unknown role */
	uint64_t dup_cookies;		 /* kernel records whose cookie was seen before */
	uint64_t accepts;		 /* struct lg_accept records */
	uint64_t accepts_unmatched;	 /* ... joined to no row */
	uint64_t accepts_by_peer;	 /* ... joined by peer port (no child record) */
	uint64_t user_ok_kernel_not_est; /* user connected, kernel never saw ESTABLISHED */
	uint64_t outcomes[SB_NOUTCOMES];
};

/* Kernel counters against records; DESIGN.md and kernel-facts.md 2-4, 8, 11. */
struct sb_reconcile {
	int probes;		     /* kernel records/counters exist */
	uint64_t client_established; /* kernel client records ESTABLISHED */
	uint64_t accepted;	     /* accept records */
	uint64_t queued;	     /* children ESTABLISHED, never accepted */
	uint64_t ghosts;
	uint64_t timeouts;
	int syncookies;		      /* effective value, -1 unknown */
	int identity_checked;	      /* syncookies == 0 and probes */
	int identity_holds;	      /* client_established == accepted + queued */
	uint64_t probe_syn_retrans;   /* counters[SB_C_SYN_RETRANS] */
	uint64_t probe_synack_retrans; /* counters[SB_C_SYNACK_RETRANS] */
	/* TcpExt TCPSynRetrans delta, -1 absent. Linux counts SYN-ACK
	 * retransmits there too (tcp_rtx_synack), so it must equal
	 * probe_syn_retrans + probe_synack_retrans. */
	int64_t mib_syn_retrans;
	int64_t listener_drops;	      /* last sample's sk_drops for the port, -1 none */
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

struct sb_join {
	struct sb_join_row *rows;
	size_t nrows;
	struct sb_join_counts counts;
	struct sb_reconcile rec;
	struct sb_summary lat[SB_NLATS];	 /* over the rows, per latency */
	struct sb_summary kernel_handshake_hist; /* from rd->hists (exact on loss) */
	struct sb_summary child_est_hist;
};

/* Joins rd. The rows point into rd: keep rd alive while j is. 0 or -ENOMEM. */
int sb_join__new(const struct sb_rundata *rd, struct sb_join **out);
void sb_join__free(struct sb_join *j); /* NULL ok */

#endif
