/* Records and constants shared by the BPF programs (bpf/synbench.bpf.c) and
 * user space. Fixed-width fields only, widest first; no bool, no includes. */
#ifndef SB_SYNBENCH_H
#define SB_SYNBENCH_H

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum sb_tcp_state {
	SB_TCP_ESTABLISHED = 1,
	SB_TCP_SYN_SENT = 2,
	SB_TCP_SYN_RECV = 3,
	SB_TCP_FIN_WAIT1 = 4,
	SB_TCP_FIN_WAIT2 = 5,
	SB_TCP_TIME_WAIT = 6,
	SB_TCP_CLOSE = 7,
	SB_TCP_CLOSE_WAIT = 8,
	SB_TCP_LAST_ACK = 9,
	SB_TCP_LISTEN = 10,
	SB_TCP_CLOSING = 11,
	SB_TCP_NEW_SYN_RECV = 12,
	SB_NSTATES = 13,
	SB_TS_SLOTS = 16, /* ts[] size: a power of two, so ts[state & 15] is verifiable */
};

enum sb_role {
	SB_ROLE_CLIENT = 1, /* active open: CLOSE -> SYN_SENT */
	SB_ROLE_CHILD = 2,  /* passive open: LISTEN -> SYN_RECV on the child */
};

/* Which namespace a socket lives in: the run's (lo topology: both sides;
 * veth: the server's) or the second one (veth: the client's). */
enum sb_side {
	SB_SIDE_SERVER = 0,
	SB_SIDE_CLIENT = 1,
};

enum sb_rec_flush {
	SB_REC_LIVE_AT_END = 1,	 /* still open when the probes stopped */
	SB_REC_CLOSE_MISSED = 2, /* its CLOSE event was skipped (recursion) */
};

/* What the kernel keeps per connection socket and sends when it enters
 * CLOSE: only the stamps the outputs read (harness/analysis/join.c, results.c), so
 * that a record is 72 B for IPv4 (96 B for IPv6) and each event stamps at
 * most one field. User space expands it to struct sb_conn_rec
 * (harness/run/probes.c). */
enum sb_krec_flags {
	SB_KF_FLUSH_MASK = 3,	 /* enum sb_rec_flush */
	SB_KF_PARTIAL = 4,	 /* a transition of this socket was missed */
	SB_KF_ISN = 8,		 /* isn is set (at ->ESTABLISHED) */
	SB_KF_ERR_SOFT = 16,	 /* err is sk_err_soft (sk_err was 0) */
};

struct sb_krec {
	__u64 cookie;
	__u64 t_open;  /* client: ->SYN_SENT; child: ->SYN_RECV (0: missed) */
	__u64 t_est;   /* ->ESTABLISHED */
	__u64 t_fin;   /* first ->FIN_WAIT1 */
	__u64 t_end;   /* client: ->CLOSE; child: first ->LAST_ACK */
	__u32 srtt_us;
	/* the client's initial sequence number, read at ->ESTABLISHED or at
	 * CLOSE (client: snd_una - bytes_acked; child: rcv_nxt -
	 * bytes_received - 1, i.e. its rcv_isn): the
	 * same number on both hosts, so client and server records join across
	 * machines by 4-tuple + isn (SB_KF_ISN says it is set) */
	__u32 isn;
	__u16 sport;   /* host byte order */
	__u16 dport;
	__u16 syn_retrans;
	__u8 family;   /* AF_INET or AF_INET6 */
	__u8 role;     /* enum sb_role */
	__u8 final_state;
	__u8 flags;    /* enum sb_krec_flags */
	__u8 side;     /* enum sb_side: the namespace the socket lives in */
	/* why it closed: sk_err as it entered CLOSE (tcp_reset() and
	 * tcp_write_err() set it before tcp_done()), else sk_err_soft
	 * (SB_KF_ERR_SOFT), 0: its application closed it; an errno, 255 when
	 * larger */
	__u8 err;
	__u32 addr[8]; /* IPv4: saddr, daddr; IPv6: saddr[4], daddr[4] (network order) */
};
#define SB_KREC_V4 (sizeof(struct sb_krec) - 6 * sizeof(__u32))
_Static_assert(sizeof(struct sb_krec) == 96 && SB_KREC_V4 == 72,
	       "struct sb_krec: the sizes the comments and the ring's budget use");

/* The records' way to user space: a queue per CPU and nesting level (the
 * state handler, and its catcher twin running inside it on that CPU), each
 * a run of slots of the memory-mapped array "recq" with its head (written by
 * the programs) and tail (written by user space) in "recq_ctl", a cache
 * line apart. No lock and no interrupt masking: a ring buffer reservation
 * took ~230 ns per record on the development VMs (harness/run/probes.c). */
struct sb_recq_ctl {
	__u64 head; /* records written; the slot of record n is n % slots */
	__u64 pad1[7];
	__u64 tail; /* records read by user space */
	__u64 pad2[7];
};

/* One slot of the direct-mapped per-socket array (and one value of the
 * hash behind it). */
struct sb_slot {
	__u64 tag;    /* the socket's address, 0: free */
	__u64 t_last; /* when the socket entered final_state: dwell times */
	struct sb_krec rec;
};

/* One record per connection socket, sent to user space when the socket
 * enters CLOSE (or flushed by user space at the end of a run). ts[state] is
 * the bpf_ktime_get_ns() (== CLOCK_MONOTONIC) stamp at which the socket
 * entered that state, 0 if it never did. ts[0] and ts[13..15] are unused. */
struct sb_conn_rec {
	__u64 cookie; /* bpf_get_socket_cookie() == getsockopt(SO_COOKIE) */
	__u64 ts[SB_TS_SLOTS];
	__u32 saddr[4]; /* network byte order; IPv4 in saddr[0] */
	__u32 daddr[4];
	__u16 sport; /* host byte order */
	__u16 dport; /* host byte order */
	__u16 family;
	__u16 syn_retrans; /* SYN retransmits while in SYN_SENT */
	__u8 role;	   /* enum sb_role */
	__u8 final_state;  /* state entered last */
	__u8 flushed;	   /* 0, or enum sb_rec_flush: why the record has no CLOSE */
	__u8 partial;	   /* 1: a transition was missed (recursion): stamps may lack */
	__u32 srtt_us; /* smoothed RTT when the socket closed, us (0: none yet) */
	__u8 side;     /* enum sb_side */
	__u8 has_isn;  /* isn is set */
	__u8 err;      /* struct sb_krec's: sk_err at CLOSE (or sk_err_soft), 0 none */
	__u8 err_soft; /* err came from sk_err_soft */
	__u32 isn;     /* the client's initial sequence number (struct sb_krec) */
};

/* One state transition, sent only with --trace-states (ring buffer
 * "trace"): what tcpstates prints. */
struct sb_state_event {
	__u64 ts;     /* bpf_ktime_get_ns() */
	__u64 skaddr; /* identifies the socket within a run */
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 pid;    /* task on the CPU at the transition (often softirq) */
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 oldstate;
	__u8 newstate;
	__u8 role;    /* enum sb_role, 0 for a listener or an untracked socket */
	__u8 pad[3];
	char comm[16];
};

/* One accept-queue sample per listener, written by an iterator program or,
 * without BPF, from a sock_diag dump (harness/run/listen_diag.c). */
#define SB_SYN_QLEN_UNKNOWN 0xffffffffu
struct sb_listen_sample {
	__u64 ts;	      /* bpf_ktime_get_ns() */
	__u32 ack_backlog;    /* sk_ack_backlog: accept-queue depth */
	__u32 max_ack_backlog; /* sk_max_ack_backlog: the effective backlog B */
	__u32 syn_qlen;       /* icsk_accept_queue.qlen: request socks, or
			       * SB_SYN_QLEN_UNKNOWN (sampler mode tcp_info) */
	__u32 drops;	      /* sk_drops: ListenDrops on this listener */
	__u16 port;
	__u16 family;
	__u32 incoming_cpu; /* sk_incoming_cpu + 1 (SO_INCOMING_CPU; 0: unset, or a
			     * mode that cannot read it) */
	__u64 cookie; /* the listener's socket cookie (SO_COOKIE): which socket
		       * of a SO_REUSEPORT group; 0 where the mode cannot tell */
};

/* Per-CPU counters (array map "counters"), summed by user space. */
enum sb_counter {
	SB_C_EVENTS,	    /* inet_sock_set_state events in our netns */
	SB_C_CLIENTS,	    /* client sockets tracked (CLOSE -> SYN_SENT) */
	SB_C_CHILDREN,	    /* child sockets tracked (LISTEN -> SYN_RECV) */
	SB_C_RECORDS,	    /* records written to the record queues */
	SB_C_RB_FAIL,	    /* record queue full: record lost */
	SB_C_MAP_FULL,	    /* socket map full: socket not tracked */
	SB_C_UNTRACKED,	    /* events for sockets opened before the probes */
	SB_C_SYN_RETRANS,   /* tcp_retransmit_skb in SYN_SENT */
	SB_C_SYNACK_RETRANS, /* tcp_retransmit_synack */
	SB_C_DROPS,	    /* kfree_skb in our netns, all reasons */
	SB_C_HIST_OVER,	    /* histogram index out of range (never expected) */
	SB_C_RTT_SAMPLES,   /* sockets closed with an RTT estimate */
	SB_C_TRACE_FAIL,    /* --trace-states: trace ring buffer full */
	SB_C_REPLACED,	    /* a new socket at the address of a tracked one */
	SB_C_NESTED,	    /* events the kernel kept from a handler, caught by its twin */
	SB_C_SLOT_COLLISION, /* socket's array slot held by another: kept in the hash */
	SB_C_PARTIAL,	    /* records with a missed transition (SB_KF_PARTIAL) */
	/* --topology veth: the share of three counters above seen in the
	 * second (client) namespace; the rest was in the first (server) */
	SB_C_NS2_SYN_RETRANS,
	SB_C_NS2_SYNACK_RETRANS,
	SB_C_NS2_DROPS,
	SB_NCOUNTERS,
};

/* The tp_btf handlers that may have a _nested catcher twin. */
enum sb_catcher {
	SB_CATCH_STATE,
	SB_CATCH_RETRANSMIT,
	SB_CATCH_SYNACK,
	SB_CATCH_DROP,
	SB_NCATCH,
};

/* The histograms of a result (rundata.h's hists, SB_NHISTS x buckets); the
 * kernel's map keeps fewer: enum sb_khist_id below. */
enum sb_hist_id {
	SB_H_HANDSHAKE = 0, /* client SYN_SENT -> ESTABLISHED (the kernel's dwell
			     * pair, copied by user space) */
	SB_H_CHILD_EST = 1, /* child SYN_RECV -> ESTABLISHED (likewise) */
	SB_H_SRTT = 2,	    /* smoothed RTT per socket at CLOSE, ns */
	SB_H_DWELL = 3,	    /* + old * SB_NSTATES + new: time in old before new */
	SB_NHISTS = SB_H_DWELL + SB_NSTATES * SB_NSTATES,
};

/* The kernel keeps its histograms per CPU (no cache line shared between
 * CPUs on the hot path), so it keeps only the state pairs Linux TCP really
 * goes through: slot SB_KH_DWELL + sb_dwell_slot(old, new). User space
 * spreads them back to SB_H_DWELL + old * SB_NSTATES + new. A pair not in
 * the list (never seen) counts as SB_C_HIST_OVER. */
#define SB_NDWELL 24
static inline unsigned int sb_dwell_slot(unsigned int old, unsigned int new)
{
	switch (old * 16 + new) {
	case SB_TCP_SYN_SENT * 16 + SB_TCP_ESTABLISHED: return 0;
	case SB_TCP_SYN_SENT * 16 + SB_TCP_CLOSE: return 1;
	case SB_TCP_SYN_SENT * 16 + SB_TCP_SYN_RECV: return 2;
	case SB_TCP_SYN_RECV * 16 + SB_TCP_ESTABLISHED: return 3;
	case SB_TCP_SYN_RECV * 16 + SB_TCP_CLOSE: return 4;
	case SB_TCP_SYN_RECV * 16 + SB_TCP_FIN_WAIT1: return 5;
	case SB_TCP_ESTABLISHED * 16 + SB_TCP_FIN_WAIT1: return 6;
	case SB_TCP_ESTABLISHED * 16 + SB_TCP_CLOSE_WAIT: return 7;
	case SB_TCP_ESTABLISHED * 16 + SB_TCP_CLOSE: return 8;
	case SB_TCP_FIN_WAIT1 * 16 + SB_TCP_FIN_WAIT2: return 9;
	case SB_TCP_FIN_WAIT1 * 16 + SB_TCP_CLOSING: return 10;
	case SB_TCP_FIN_WAIT1 * 16 + SB_TCP_TIME_WAIT: return 11;
	case SB_TCP_FIN_WAIT1 * 16 + SB_TCP_CLOSE: return 12;
	case SB_TCP_FIN_WAIT2 * 16 + SB_TCP_TIME_WAIT: return 13;
	case SB_TCP_FIN_WAIT2 * 16 + SB_TCP_CLOSE: return 14;
	case SB_TCP_CLOSING * 16 + SB_TCP_TIME_WAIT: return 15;
	case SB_TCP_CLOSING * 16 + SB_TCP_CLOSE: return 16;
	case SB_TCP_CLOSE_WAIT * 16 + SB_TCP_LAST_ACK: return 17;
	case SB_TCP_CLOSE_WAIT * 16 + SB_TCP_CLOSE: return 18;
	case SB_TCP_LAST_ACK * 16 + SB_TCP_CLOSE: return 19;
	case SB_TCP_TIME_WAIT * 16 + SB_TCP_CLOSE: return 20;
	case SB_TCP_CLOSE_WAIT * 16 + SB_TCP_FIN_WAIT1: return 21;
	case SB_TCP_LAST_ACK * 16 + SB_TCP_CLOSING: return 22;
	case SB_TCP_CLOSE * 16 + SB_TCP_SYN_SENT: return 23;
	default: return SB_NDWELL;
	}
}

/* The kernel's histograms: SRTT, then the dwell pairs. The handshake and
 * child-established histograms of the full layout are the dwell pairs
 * SYN_SENT->ESTABLISHED and SYN_RECV->ESTABLISHED, which user space copies
 * (the kernel counts each event once). */
enum sb_khist_id {
	SB_KH_SRTT = 0,
	SB_KH_DWELL = 1,
	SB_NKHISTS = SB_KH_DWELL + SB_NDWELL,
};

#define SB_MAX_DROP_REASONS 512
#define SB_MAX_PORTS 8

#endif
