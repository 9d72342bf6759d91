// SPDX-License-Identifier: GPL-2.0
/* synbench kernel side: tracepoints only (no kprobes, no fentry).
 *
 * Every handler exists in three flavours with one body: tp_btf (typed
 * arguments, direct loads, bpf_get_socket_cookie), raw_tp and classic
 * tracepoint (CO-RE reads). User space turns on the flavour that loads
 * (harness/run/probes.c) and records which one is in use.
 *
 * Per connection socket one record (struct sb_krec) lives in an array slot
 * tagged with the socket's address (or the "socks" hash behind it) from
 * CLOSE->SYN_SENT (client) or LISTEN->SYN_RECV (child) until ->CLOSE, when
 * it goes to this CPU's record queue in one piece. Histograms and
 * counters are updated in place so that summaries stay exact even when a
 * record is lost; every loss is counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpf/synbench.h"
#include "bpf/hist.h"
#include "bpf/compat.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u64 netns_ino = 0;
/* --topology veth: the client's namespace (0: one namespace, lo) */
const volatile __u64 netns_ino2 = 0;
const volatile __u32 nports = 0;
const volatile __u16 ports[SB_MAX_PORTS] = {};
const volatile __u32 trace_states = 0;
const volatile __u32 catchers = 0; /* 1 << enum sb_catcher: twins loaded */
const volatile __u32 slot_mask = 0; /* slots' max_entries - 1 (a power of two) */

/* Per-socket state: a direct-mapped array slot chosen by a hash of the
 * socket's address and tagged with that address; a socket whose slot is
 * taken by another (counted: SB_C_SLOT_COLLISION) goes to the "socks" hash.
 * Both are sized by the connections in flight (harness/run/probes.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096); /* resized by user space */
	__type(key, __u32);
	__type(value, struct sb_slot);
} slots SEC(".maps");

/* Entries in "socks": it is looked up only when it holds any. */
__u64 socks_live = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096); /* resized by user space */
	__type(key, __u64);
	__type(value, struct sb_slot);
} socks SEC(".maps");

/* The record queues (synbench.h), sized by user space: CPU c's handler
 * queue is recq[c * recq_slots ...], its catcher twins' queue (rarely
 * used) recq[ncpu * recq_slots + c * recq_tslots ...]. */
const volatile __u32 recq_slots = 1;	 /* a handler queue's, a power of two */
const volatile __u32 recq_tslots = 1;	 /* a twin queue's, a power of two */
const volatile __u32 recq_ncpu = 1;	 /* possible CPUs */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* 2 x possible CPUs, set by user space */
	__type(key, __u32);
	__type(value, struct sb_recq_ctl);
} recq_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* queues x recq_slots, set by user space */
	__type(key, __u32);
	__type(value, struct sb_krec);
} recq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* 4 MiB with --trace-states */
} trace SEC(".maps");

/* The listeners to sample: user space adds each listening socket by fd, and
 * the sampler iterates this map only (iter/tcp would walk every socket of
 * the namespace, TIME_WAIT included: 100k+ sockets per sample). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * SB_NCOUNTERS); /* handlers, then twins: count() */
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SB_MAX_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SB_NKHISTS * SB_HIST_NCHUNK);
	__type(key, __u32);
	__type(value, struct sb_hist_chunk);
} hists SEC(".maps");

enum { K_BTF = 1, K_RAW = 2, K_CLASSIC = 3 };

/* The kernel skips a tracing program that fires while the same program is
 * already running on that CPU: a softirq interrupting a handler that runs
 * in task context (a connect() or close()) would be lost. So each tp_btf
 * handler has a catcher twin, attached after it. The handler notes each
 * event it handled in its CPU's short list; the twin, run next for the same
 * event, takes the note off, and handles the event itself when it finds
 * none: the handler was skipped. A flag raised inside the handler would not
 * do: the kernel's guard spans its own code around the program too (two
 * clock reads with kernel.bpf_stats_enabled=1), and a whole softirq batch
 * landing there was lost (docs/kernel-facts.md, fact 44). A note is kept
 * under the program's frame address, the same for a handler and its twin
 * called for one event and different for an event nested in it (another
 * stack, or deeper): one note per frame is awaited at a time, so a note the
 * twin never took (it was skipped itself) is replaced or dropped by the next
 * event there, never taken for a later event of a socket at the same
 * address. The handler's skips equal the twin's catches (SB_C_NESTED). */
#define SB_NOTES 4
struct sb_notes {
	__u64 frame[SB_NOTES]; /* the frame address of the event noted; 0: free */
	__u64 id[SB_NOTES];    /* the event noted (note_of()) */
	__u64 seq[SB_NOTES];   /* when */
	__u64 seq_now;	       /* notes so far */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SB_NCATCH);
	__type(key, __u32);
	__type(value, struct sb_notes);
} handled SEC(".maps");

/* Read a kernel field: a direct load where the pointer is typed (tp_btf),
 * a CO-RE probe read otherwise. `kind` is a constant after inlining. */
#define KREAD(kind, ptr, ...) \
	((kind) == K_BTF ? (ptr)->__VA_ARGS__ : BPF_CORE_READ(ptr, __VA_ARGS__))

/* A counter of this CPU's; a twin (lvl 1) counts in the second half: it
 * runs inside its handler at times, maybe between the handler's load and
 * store of the same counter. */
static __always_inline void count(__u32 c, int lvl)
{
	__u32 k = lvl ? c + SB_NCOUNTERS : c;
	__u64 *v = bpf_map_lookup_elem(&counters, &k);

	if (v)
		*v += 1;
}

/* A global function: the verifier checks it once, apart from its callers
 * (Linux 5.6), instead of once per path into it; inlined, its six-way bucket
 * search multiplied the paths the verifier walked (138k instructions and
 * 80 ms per program load). */
__noinline int hist_add(__u32 id, __u64 ns)
{
	__u32 b = sb_hist_bucket(ns), key = id * SB_HIST_NCHUNK;
	struct sb_hist_chunk *v;

	if (id >= SB_NKHISTS) {
		count(SB_C_HIST_OVER, 0);
		return 0;
	}
	_Static_assert(SB_HIST_NCHUNK == 2, "one comparison picks the chunk");
	if (b >= SB_HIST_CHUNK) {
		b -= SB_HIST_CHUNK;
		key++;
	}
	barrier_var(b); /* keep the bound check below for the verifier */
	v = bpf_map_lookup_elem(&hists, &key);
	/* this CPU's copy, one locked add: a catcher twin runs inside its
	 * handler at times (count()), maybe between a load and a store */
	if (v && b < SB_HIST_CHUNK)
		__sync_fetch_and_add(&v->b[b], 1);
	return 0;
}

#include "bpf/records.bpf.h"

static __always_inline int port_wanted(__u16 port)
{
	if (!nports)
		return 1;
#pragma unroll
	for (int i = 0; i < SB_MAX_PORTS; i++)
		if (i < nports && ports[i] == port)
			return 1;
	return 0;
}

/* SB_SIDE_SERVER or SB_SIDE_CLIENT for one of the run's namespaces, -1
 * for any other. */
static __always_inline int ns_side(__u64 ino)
{
	if (ino == netns_ino)
		return SB_SIDE_SERVER;
	if (netns_ino2 && ino == netns_ino2)
		return SB_SIDE_CLIENT;
	return -1;
}

/* The run's namespaces as the kernel's struct net addresses, learned at the
 * first event in each (their inodes are known before the load); from then
 * on a socket's side is a comparison of the address it holds, where reading
 * net->ns.inum cost a cache miss (about 20 ns per event). A namespace lives
 * as long as the run holds it: its address is not reused meanwhile. */
__u64 net_addr[2] = {}; /* [enum sb_side], 0 until learned */

static __always_inline int net_side(const struct net *net, int kind)
{
	__u64 ino;
	int side;

	if (!net)
		return -1;
	/* root may compare and keep kernel addresses (allow_ptr_leaks) */
	if (net_addr[SB_SIDE_SERVER] == (__u64)net)
		return SB_SIDE_SERVER;
	if (netns_ino2 && net_addr[SB_SIDE_CLIENT] == (__u64)net)
		return SB_SIDE_CLIENT;
	if (net_addr[SB_SIDE_SERVER] && (!netns_ino2 || net_addr[SB_SIDE_CLIENT]))
		return -1;
	ino = KREAD(kind, net, ns.inum);
	side = ns_side(ino);
	if (side == SB_SIDE_SERVER)
		net_addr[SB_SIDE_SERVER] = (__u64)net;
	else if (side == SB_SIDE_CLIENT)
		net_addr[SB_SIDE_CLIENT] = (__u64)net;
	return side;
}

static __always_inline int sk_side(const struct sock *sk, int kind)
{
	return net_side(KREAD(kind, sk, __sk_common.skc_net.net), kind);
}

static __always_inline __u64 sk_cookie(const struct sock *sk, int kind)
{
	if (kind == K_BTF)
		return bpf_get_socket_cookie((void *)sk);
	/* Without typed pointers the cookie can only be read once it exists:
	 * the load generator asks for SO_COOKIE before connect and right after
	 * accept, so it does by the time a socket closes. */
	return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

static __always_inline void fill_krec_addrs(struct sb_krec *r, const struct sock *sk, int kind)
{
	r->family = KREAD(kind, sk, __sk_common.skc_family);
	r->sport = KREAD(kind, sk, __sk_common.skc_num);
	r->dport = bpf_ntohs(KREAD(kind, sk, __sk_common.skc_dport));
	if (r->family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->addr[0], sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&r->addr[4], sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	} else {
		r->addr[0] = KREAD(kind, sk, __sk_common.skc_rcv_saddr);
		r->addr[1] = KREAD(kind, sk, __sk_common.skc_daddr);
	}
}

static __always_inline void trace_state(const struct sock *sk, int old, int new, __u8 role,
					 __u64 now, int kind, int check_port, int lvl)
{
	struct sb_state_event *e;
	struct sb_krec a = {};

	fill_krec_addrs(&a, sk, kind);
	if (check_port && !port_wanted(a.sport) && !port_wanted(a.dport))
		return;
	e = bpf_ringbuf_reserve(&trace, sizeof(*e), 0);
	if (!e) {
		count(SB_C_TRACE_FAIL, lvl);
		return;
	}
	e->ts = now;
	e->skaddr = (__u64)sk;
	if (a.family == AF_INET6) {
		__builtin_memcpy(e->saddr, &a.addr[0], sizeof(e->saddr));
		__builtin_memcpy(e->daddr, &a.addr[4], sizeof(e->daddr));
	} else {
		__builtin_memset(e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		e->saddr[0] = a.addr[0];
		e->daddr[0] = a.addr[1];
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->sport = a.sport;
	e->dport = a.dport;
	e->family = a.family;
	e->oldstate = old;
	e->newstate = new;
	e->role = role;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* A new connection socket (CLOSE->SYN_SENT, LISTEN->SYN_RECV), or one
 * whose opening event was missed (partial). Returns its state or NULL. */
static __always_inline struct sb_slot *track(const struct sock *sk, __u64 key, int new, int client,
					     __u64 now, int kind, int partial, int lvl, int side)
{
	struct sb_slot *s;
	__u16 rport = bpf_ntohs(KREAD(kind, sk, __sk_common.skc_dport));
	__u16 lport = KREAD(kind, sk, __sk_common.skc_num);

	/* either end's port: a client's remote port or a child's listen port
	 * (a run), or a client bound to a filtered local port, or a child whose
	 * peer uses one (bench watch) */
	if (!port_wanted(rport) && !port_wanted(lport))
		return NULL;
	s = rec_create(key, lvl);
	if (!s)
		return NULL;
	s->t_last = now;
	__builtin_memset(&s->rec, 0, sizeof(s->rec));
	fill_krec_addrs(&s->rec, sk, kind);
	s->rec.role = client ? SB_ROLE_CLIENT : SB_ROLE_CHILD;
	s->rec.side = side == SB_SIDE_CLIENT ? SB_SIDE_CLIENT : SB_SIDE_SERVER;
	s->rec.final_state = new;
	if (partial) {
		s->rec.flags = SB_KF_PARTIAL;
		count(SB_C_PARTIAL, lvl);
	} else {
		s->rec.t_open = now;
	}
	/* A child's cookie and 4-tuple are set only after LISTEN->SYN_RECV
	 * before Linux 6.15 (inet_csk_clone_lock() fires the event first; the
	 * fresh child still carries the listener's cookie): they are read at
	 * SYN_RECV->ESTABLISHED, valid on every kernel. */
	if (kind == K_BTF && client)
		s->rec.cookie = sk_cookie(sk, kind);
	count(client ? SB_C_CLIENTS : SB_C_CHILDREN, lvl);
	return s;
}

/* The client's initial sequence number, as each end knows it: the join key
 * across hosts (cookies are per host). RFC 4898's byte counters make it
 * readable at any event after the handshake: a client's bytes_acked counts
 * from its ISN (the SYN's ack included), a child's bytes_received from the
 * client's ISN + 1. */
static __always_inline void set_isn(struct sb_krec *r, const struct sock *sk, int kind)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	/* tp_btf: the socket as a typed tcp_sock, direct loads; a CO-RE read
	 * is a helper call each (about 20 ns) */
	if (kind == K_BTF && (tp = bpf_skc_to_tcp_sock((void *)sk))) {
		if (r->role == SB_ROLE_CLIENT)
			r->isn = tp->snd_una - (__u32)tp->bytes_acked;
		else
			r->isn = tp->rcv_nxt - (__u32)tp->bytes_received - 1;
	} else if (r->role == SB_ROLE_CLIENT) {
		tp = (const struct tcp_sock *)sk;
		r->isn = BPF_CORE_READ(tp, snd_una) - (__u32)BPF_CORE_READ(tp, bytes_acked);
	} else {
		tp = (const struct tcp_sock *)sk;
		r->isn = BPF_CORE_READ(tp, rcv_nxt) - (__u32)BPF_CORE_READ(tp, bytes_received) - 1;
	}
	r->flags |= SB_KF_ISN;
}

/* Why a socket closed, as it enters CLOSE: its error (tcp_reset() and
 * tcp_write_err() set sk_err before tcp_done(): ECONNREFUSED, ETIMEDOUT,
 * ECONNRESET, an ICMP error), else the soft error an ICMP message left
 * while its application held it, else 0: the application closed it. */
static __always_inline void close_err(struct sb_krec *r, const struct sock *sk, int kind)
{
	int e = KREAD(kind, sk, sk_err);

	if (!e) {
		e = KREAD(kind, sk, sk_err_soft);
		if (e)
			r->flags |= SB_KF_ERR_SOFT;
	}
	r->err = e > 0 && e < 255 ? e : (e ? 255 : 0);
}

/* The smoothed RTT, us (srtt_us holds 8 times it). */
static __always_inline __u32 srtt_of(const struct sock *sk, int kind)
{
	const struct tcp_sock *tp;

	if (kind == K_BTF && (tp = bpf_skc_to_tcp_sock((void *)sk)))
		return tp->srtt_us >> 3;
	return BPF_CORE_READ((const struct tcp_sock *)sk, srtt_us) >> 3;
}

/* Filters first (namespace, then the socket's state), one clock read per
 * tracked event, and a stamp only where an output reads one; the time
 * spent in every state goes to the per-CPU dwell histograms. */
static __always_inline int on_set_state(const struct sock *sk, int old, int new, int kind,
					int lvl)
{
	struct sb_slot *s;
	struct sb_krec *r;
	int in_slot = 0, side = sk_side(sk, kind);
	__u64 key, now;

	if (side < 0)
		return 0;
	key = sk_key(sk, sb_key_slot(SB_CATCH_STATE, lvl));
	count(SB_C_EVENTS, lvl);

	if ((old == SB_TCP_CLOSE && new == SB_TCP_SYN_SENT) ||
	    (old == SB_TCP_LISTEN && new == SB_TCP_SYN_RECV)) {
		now = bpf_ktime_get_ns();
		s = track(sk, key, new, new == SB_TCP_SYN_SENT, now, kind, 0, lvl, side);
		if (s && trace_states)
			trace_state(sk, old, new, s->rec.role, now, kind, 0, lvl);
		return 0;
	}
	s = rec_find(key, &in_slot);
	if (!s) {
		if (old == SB_TCP_LISTEN || new == SB_TCP_LISTEN)
			return 0;
		if (old == SB_TCP_SYN_SENT || old == SB_TCP_SYN_RECV) {
			/* its opening event was missed: a partial record */
			now = bpf_ktime_get_ns();
			s = track(sk, key, old, old == SB_TCP_SYN_SENT, now, kind, 1, lvl, side);
		}
		if (!s) {
			count(SB_C_UNTRACKED, lvl);
			if (trace_states)
				trace_state(sk, old, new, 0, bpf_ktime_get_ns(), kind, 1, lvl);
			return 0;
		}
	} else {
		now = bpf_ktime_get_ns();
	}
	r = &s->rec;
	if (trace_states)
		/* a tracked socket passed the port filter when it was created:
		 * a closing socket may have lost its port already */
		trace_state(sk, old, new, r->role, now, kind, 0, lvl);
	if (old != r->final_state && !(r->flags & SB_KF_PARTIAL)) {
		r->flags |= SB_KF_PARTIAL;
		count(SB_C_PARTIAL, lvl);
	}
	/* the handshake histograms are the dwell pairs SYN_SENT->ESTABLISHED
	 * and SYN_RECV->ESTABLISHED, copied by user space: one bucket update
	 * (most often a cache miss) per event, not two */
	if (old == r->final_state && s->t_last && now >= s->t_last)
		hist_add(SB_KH_DWELL + sb_dwell_slot(old, new), now - s->t_last);
	s->t_last = now;
	r->final_state = new;
	if (new == SB_TCP_ESTABLISHED) {
		if (!r->t_est)
			r->t_est = now;
		/* CLOSE->SYN_SENT has sport 0 (docs/kernel-facts.md, fact 9): the port is
		 * known here, and a child's 4-tuple and cookie too */
		fill_krec_addrs(r, sk, kind);
		set_isn(r, sk, kind);
		if (kind == K_BTF && r->role == SB_ROLE_CHILD)
			r->cookie = sk_cookie(sk, kind);
		else if (!r->cookie)
			/* raw_tp/tracepoint read the cookie the socket has: a
			 * client's exists once the load generator asked for it
			 * (before connect); read now too, not only at CLOSE, so
			 * a socket still open when the probes stop is joined */
			r->cookie = sk_cookie(sk, kind);
		return 0;
	}
	if (new == SB_TCP_FIN_WAIT1 && !r->t_fin)
		r->t_fin = now;
	if (new == SB_TCP_LAST_ACK && r->role == SB_ROLE_CHILD && !r->t_end)
		r->t_end = now;
	if (new != SB_TCP_CLOSE)
		return 0;
	if (r->role == SB_ROLE_CLIENT)
		r->t_end = now;
	/* a connect that failed: by then a socket that went through
	 * TIME_WAIT may have released its port: keep what we had */
	if (!r->sport)
		fill_krec_addrs(r, sk, kind);
	if (!r->cookie)
		r->cookie = sk_cookie(sk, kind);
	if (!(r->flags & SB_KF_ISN)) /* its ESTABLISHED event was missed */
		set_isn(r, sk, kind);
	close_err(r, sk, kind);
	/* the socket's smoothed RTT as it closes: one sample per connection
	 * (a tcp_probe program would cost a run per segment received) */
	r->srtt_us = srtt_of(sk, kind);
	if (r->srtt_us) {
		count(SB_C_RTT_SAMPLES, lvl);
		hist_add(SB_KH_SRTT, (__u64)r->srtt_us * 1000);
	}
	rec_emit(r, lvl);
	rec_release(key, s, in_slot);
	return 0;
}

static __always_inline int on_retransmit(const struct sock *sk, int kind, int lvl)
{
	struct sb_slot *s;
	int in_slot, side;
	__u64 key;

	if (KREAD(kind, sk, __sk_common.skc_state) != SB_TCP_SYN_SENT)
		return 0;
	side = sk_side(sk, kind);
	if (side < 0)
		return 0;
	key = sk_key(sk, sb_key_slot(SB_CATCH_RETRANSMIT, lvl));
	count(SB_C_SYN_RETRANS, lvl);
	if (side == SB_SIDE_CLIENT)
		count(SB_C_NS2_SYN_RETRANS, lvl);
	s = rec_find(key, &in_slot);
	if (s)
		s->rec.syn_retrans++;
	return 0;
}

static __always_inline int on_synack(const struct sock *sk, int kind, int lvl)
{
	int side = sk_side(sk, kind);

	if (side >= 0)
		count(SB_C_SYNACK_RETRANS, lvl);
	if (side == SB_SIDE_CLIENT)
		count(SB_C_NS2_SYNACK_RETRANS, lvl);
	return 0;
}

static __always_inline int skb_side(const struct sk_buff *skb, int kind)
{
	const struct net_device *dev = KREAD(kind, skb, dev);
	const struct sock *sk;

	if (dev)
		return net_side(KREAD(kind, dev, nd_net.net), kind);
	sk = KREAD(kind, skb, sk);
	if (sk)
		return sk_side(sk, kind);
	return -1;
}

static __always_inline int on_drop(const struct sk_buff *skb, __u32 reason, int kind, int lvl)
{
	__u64 *v;

	int side = skb_side(skb, kind);

	if (side < 0)
		return 0;
	count(SB_C_DROPS, lvl);
	if (side == SB_SIDE_CLIENT)
		count(SB_C_NS2_DROPS, lvl);
	if (reason >= SB_MAX_DROP_REASONS)
		reason = SB_MAX_DROP_REASONS - 1;
	v = bpf_map_lookup_elem(&drops, &reason);
	if (v) /* a locked add: as in hist_add() */
		__sync_fetch_and_add(v, 1);
	return 0;
}

/* ---- tp_btf: each handler and its catcher for interrupted runs ----
 * A catcher costs a run per event; user space loads it only where it pays
 * (harness/run/probes.c: the rare retransmit events) and attaches it after
 * its handler, so that it runs next. Without one, a skipped state change
 * still leaves a marked record (SB_KF_PARTIAL, or CLOSE_MISSED), and a
 * skipped drop is counted as lost. The notes are per handler: another
 * handler's run on the CPU must not silence a catcher. An event's note is
 * its object's address with the event's own values (tag < 2^16) in the top
 * 16 bits, which every kernel address has set alike. sb_lvl picks the
 * record queue (records.bpf.h), the counters' half and the key scratch: a
 * twin runs inside its handler on one CPU at times. */
static __always_inline __u64 note_of(__u64 addr, __u32 tag)
{
	return addr ^ ((__u64)tag << 48);
}

/* The program's frame address (r10) as a number, through the program's
 * scratch word (sk_key()). The JIT's frame base is the stack pointer at the
 * program's entry: equal for two programs the tracepoint calls in turn. */
static __always_inline __u64 frame_of(__u32 slot)
{
	__u64 fp;

	asm volatile("%0 = r10" : "=r"(fp));
	return sk_key((const void *)fp, slot);
}

static __always_inline void note_put(__u32 idx, __u64 frame, __u64 id)
{
	struct sb_notes *n = bpf_map_lookup_elem(&handled, &idx);
	__u32 k = 0, same = SB_NOTES, free = SB_NOTES;

	if (!n)
		return;
	/* this frame's note (one the twin never took), else a free one,
	 * else the oldest */
#pragma unroll
	for (int i = 0; i < SB_NOTES; i++) {
		if (n->frame[i] == frame)
			same = i;
		else if (!n->frame[i])
			free = i;
		if (n->seq[i] < n->seq[k])
			k = i;
	}
	if (same < SB_NOTES)
		k = same;
	else if (free < SB_NOTES)
		k = free;
	k &= SB_NOTES - 1;
	n->frame[k] = frame;
	n->id[k] = id;
	n->seq[k] = ++n->seq_now;
}

/* 1 if the handler noted the event in this frame (the note taken off),
 * else 0; another event's note there was left by a skipped twin: dropped */
static __always_inline int note_take(__u32 idx, __u64 frame, __u64 id)
{
	struct sb_notes *n = bpf_map_lookup_elem(&handled, &idx);

	if (!n)
		return 1;
#pragma unroll
	for (int i = 0; i < SB_NOTES; i++)
		if (n->frame[i] == frame) {
			n->frame[i] = 0;
			return n->id[i] == id;
		}
	return 0;
}

#define SB_BTF_PAIR(tp, name, idx, obj, tag, call, ...)                                   \
	SEC("tp_btf/" #tp)                                                                 \
	int BPF_PROG(name, __VA_ARGS__)                                                    \
	{                                                                                  \
		const int sb_lvl = 0;                                                      \
		const __u32 slot = sb_key_slot(idx, sb_lvl);                               \
		int ret = call;                                                            \
                                                                                           \
		if (catchers & (1u << idx))                                                \
			note_put(idx, frame_of(slot),                                      \
				 note_of(sk_key((const void *)(obj), slot), (tag)));       \
		return ret;                                                                \
	}                                                                                  \
	SEC("tp_btf/" #tp)                                                                 \
	int BPF_PROG(name##_nested, __VA_ARGS__)                                           \
	{                                                                                  \
		const int sb_lvl = 1;                                                      \
		const __u32 slot = sb_key_slot(idx, sb_lvl);                               \
                                                                                           \
		if (note_take(idx, frame_of(slot),                                         \
			      note_of(sk_key((const void *)(obj), slot), (tag))))          \
			return 0;                                                          \
		count(SB_C_NESTED, sb_lvl);                                                \
		return call;                                                               \
	}

SB_BTF_PAIR(inet_sock_set_state, btf_set_state, SB_CATCH_STATE, sk, (__u32)(old << 4 | new),
	    on_set_state(sk, old, new, K_BTF, sb_lvl), const struct sock *sk, int old, int new)
SB_BTF_PAIR(tcp_retransmit_skb, btf_retransmit, SB_CATCH_RETRANSMIT, sk, 0,
	    on_retransmit(sk, K_BTF, sb_lvl), const struct sock *sk)
SB_BTF_PAIR(tcp_retransmit_synack, btf_synack, SB_CATCH_SYNACK, sk, 0,
	    on_synack(sk, K_BTF, sb_lvl), const struct sock *sk)
SB_BTF_PAIR(kfree_skb, btf_drop, SB_CATCH_DROP, skb, (__u32)reason & 0xffff,
	    on_drop(skb, (__u32)reason, K_BTF, sb_lvl), struct sk_buff *skb, void *location,
	    int reason)

/* ---- raw_tp ---- */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_set_state, const struct sock *sk, int old, int new)
{
	return on_set_state(sk, old, new, K_RAW, 0);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(raw_retransmit, const struct sock *sk)
{
	return on_retransmit(sk, K_RAW, 0);
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(raw_synack, const struct sock *sk)
{
	return on_synack(sk, K_RAW, 0);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(raw_drop, struct sk_buff *skb, void *location, int reason)
{
	return on_drop(skb, (__u32)reason, K_RAW, 0);
}

/* ---- classic tracepoints (need tracefs) ----
 * Their contexts are declared here with a ___sb flavour and
 * preserve_access_index, so CO-RE finds the fields in whatever the running
 * kernel calls the struct, and vmlinux.h of any kernel compiles: Linux 6.1
 * and 6.12 name the tcp_retransmit_skb context
 * trace_event_raw_tcp_event_sk_skb, 6.18 trace_event_raw_tcp_retransmit_skb
 * (docs/kernel-facts.md, fact 16). */
struct trace_event_raw_inet_sock_set_state___sb {
	const void *skaddr;
	int oldstate;
	int newstate;
	__u16 protocol;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_retransmit_skb___sb {
	const void *skaddr;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_event_sk_skb___sb {
	const void *skaddr;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_retransmit_synack___sb {
	const void *skaddr;
} __attribute__((preserve_access_index));

struct trace_event_raw_kfree_skb___sb {
	void *skbaddr;
	enum skb_drop_reason reason; /* Linux 5.17+ */
} __attribute__((preserve_access_index));

SEC("tracepoint/sock/inet_sock_set_state")
int tp_set_state(struct trace_event_raw_inet_sock_set_state___sb *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	return on_set_state(ctx->skaddr, ctx->oldstate, ctx->newstate, K_CLASSIC, 0);
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tp_retransmit(void *ctx)
{
	const void *sk;

	/* read, not loaded: the compiler merges the two offsets into one
	 * modified context pointer, which the verifier refuses to load from */
	if (bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb___sb))
		sk = BPF_CORE_READ((struct trace_event_raw_tcp_retransmit_skb___sb *)ctx, skaddr);
	else
		sk = BPF_CORE_READ((struct trace_event_raw_tcp_event_sk_skb___sb *)ctx, skaddr);
	return on_retransmit(sk, K_CLASSIC, 0);
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int tp_synack(struct trace_event_raw_tcp_retransmit_synack___sb *ctx)
{
	return on_synack(ctx->skaddr, K_CLASSIC, 0);
}

SEC("tracepoint/skb/kfree_skb")
int tp_drop(struct trace_event_raw_kfree_skb___sb *ctx)
{
	__u32 reason = 0; /* 0: NOT_SPECIFIED, what a kernel without reasons means */

	if (bpf_core_field_exists(ctx->reason))
		reason = (__u32)ctx->reason;
	return on_drop(ctx->skbaddr, reason, K_CLASSIC, 0);
}

#include "bpf/iters.bpf.h"
