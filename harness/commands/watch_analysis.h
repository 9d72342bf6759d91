/* bench watch: the kernel records of a watch, filtered, paired (client and
 * server child on the mirrored 4-tuple when both ends live in the watched
 * namespace), classified, summarised and reconciled with the namespace's
 * counters. Pure computation on struct sb_watch_data: no BPF, testable on
 * recorded records. */
#ifndef SB_WATCH_ANALYSIS_H
#define SB_WATCH_ANALYSIS_H

#include "harness/analysis/identities.h"
#include "harness/analysis/stats.h"
#include "harness/commands/watch.h"

enum sb_wout {
	/* client sockets */
	SB_WOUT_ACCEPTED = 0, /* the server child (in this namespace) was closed by its server */
	SB_WOUT_QUEUED,	      /* server child ESTABLISHED, never closed by the server */
	SB_WOUT_GHOST,	      /* ESTABLISHED, no server child, a listener on its port here */
	SB_WOUT_ESTABLISHED,  /* ESTABLISHED, the server is elsewhere */
	SB_WOUT_FAILED,	      /* SYN_SENT -> CLOSE: timed out, refused or reset */
	SB_WOUT_OPEN,	      /* still SYN_SENT when the watch ended */
	SB_NWOUT_CLIENT,
	/* server children */
	SB_WOUT_SERVED = SB_NWOUT_CLIENT, /* closed by the server (FIN_WAIT1 or LAST_ACK) */
	SB_WOUT_CHILD_OPEN,		   /* ESTABLISHED, not closed by the server */
	SB_WOUT_CHILD_RESET,		   /* ESTABLISHED -> CLOSE directly */
	SB_WOUT_CHILD_FAILED,		   /* never ESTABLISHED */
	SB_NWOUT,
};

const char *sb_wout_name(enum sb_wout o);

enum sb_wlat {
	SB_WLAT_HANDSHAKE = 0, /* client ESTABLISHED - SYN_SENT */
	SB_WLAT_CHILD_EST,     /* child ESTABLISHED - SYN_RECV */
	SB_WLAT_SERVER_CLOSE,  /* child ESTABLISHED -> FIN_WAIT1 or LAST_ACK */
	SB_NWLAT,
};

struct sb_watch_row {
	const struct sb_conn_rec *r;
	const struct sb_conn_rec *peer; /* the other end in this namespace, or NULL */
	const struct sb_watch_tag *tag; /* client: the connecting task, or NULL */
	enum sb_wout outcome;
	int64_t lat[SB_NWLAT]; /* ns, SB_NA when not computable */
};

enum sb_wid {
	SB_WID_CLIENT_SOCKETS, /* probe clients = Tcp ActiveOpens */
	SB_WID_CHILD_SOCKETS,  /* probe children = Tcp PassiveOpens */
	SB_WID_SYN_RETRANS,    /* probe SYN + SYN-ACK retransmits = TcpExt TCPSynRetrans */
	SB_WID_LISTEN_OVERFLOWS, /* listener drops - TCP_LISTEN_OVERFLOW skb drops =
				  * ListenOverflows + TCPReqQFullDrop (= ListenDrops) */
	SB_NWIDS,
};

struct sb_watch_id {
	const char *name;
	enum sb_id_status status;
	int64_t probe, kernel; /* the two sides; -1 unknown */
	char what[120];	       /* the identity in words */
	char why[200];	       /* skipped: why */
};

struct sb_watch_analysis {
	struct sb_watch_row *rows;
	size_t nrows;
	uint64_t clients, children;	  /* rows by role */
	uint64_t handshakes;		  /* client rows that reached ESTABLISHED */
	uint64_t child_handshakes;	  /* child rows that reached ESTABLISHED */
	uint64_t untimed;		  /* ... of both, whose ESTABLISHED stamp was missed */
	uint64_t syn_retrans;		  /* sum over client rows */
	uint64_t untagged;		  /* client records without PID/COMM */
	uint64_t filtered_out;		  /* records the user-space filters dropped */
	uint64_t outcomes[SB_NWOUT];
	struct sb_summary lat[SB_NWLAT];
	struct sb_summary handshake_hist; /* in-kernel, every tracked client */
	int64_t listener_drops;		  /* sum over listeners of last - first sk_drops, -1 none */
	uint64_t listeners;		  /* distinct (port, family) sampled */
	uint64_t lost_events;		  /* ring buffer + map full + sampler + missed + trace */
	struct sb_watch_id ids[SB_NWIDS];
	char **warnings;
	size_t nwarnings;
};

int sb_watch_analyse(struct sb_watch_data *w, struct sb_watch_analysis **out);
void sb_watch_analysis__free(struct sb_watch_analysis *a);

/* Writers (watch_output.c). */
int sb_watch_write_connections(FILE *f, const struct sb_watch_data *w,
			       const struct sb_watch_analysis *a);
int sb_watch_write_summary(FILE *f, const struct sb_watch_data *w,
			   const struct sb_watch_analysis *a);
int sb_watch_write_config(FILE *f, const struct sb_watch_data *w);
int sb_watch_write_report(FILE *f, const struct sb_watch_data *w,
			  const struct sb_watch_analysis *a);

#endif
