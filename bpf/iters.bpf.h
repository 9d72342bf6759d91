/* The iterator programs: the listener sampler's modes (harness/run/
 * probes_plan.c picks one) and the end-of-run pass over the namespace's
 * sockets. Included once, at the end of synbench.bpf.c (its maps and
 * filters first). */
#ifndef SB_ITERS_BPF_H
#define SB_ITERS_BPF_H

/* ---- the listener sampler (harness/run/probes_plan.c picks the mode) ---- */

/* One sample of a listener, read through the typed pointer an iterator
 * hands over. */
static __always_inline void fill_sample_sk(struct sb_listen_sample *s, const struct sock *sk,
					   __u32 syn_qlen)
{
	s->ts = bpf_ktime_get_ns();
	s->port = sk->__sk_common.skc_num;
	s->family = sk->__sk_common.skc_family;
	s->ack_backlog = sk->sk_ack_backlog;
	s->max_ack_backlog = sk->sk_max_ack_backlog;
	s->syn_qlen = syn_qlen;
	s->drops = sk->sk_drops.counter;
	/* sk_incoming_cpu: -1 unset, stored as 0 */
	s->incoming_cpu = (__u32)(sk->__sk_common.skc_incoming_cpu + 1);
}

/* With the socket's cookie, made now if nobody asked for it yet
 * (bpf_get_socket_cookie: tracing programs since Linux 5.12): which socket
 * of a SO_REUSEPORT group this is. */
static __always_inline void fill_sample(struct sb_listen_sample *s, struct tcp_sock *tp)
{
	fill_sample_sk(s, (struct sock *)tp, tp->inet_conn.icsk_accept_queue.qlen.counter);
	s->cookie = bpf_get_socket_cookie(tp);
}

/* The listener on a filtered port in our namespace that skc is, or NULL. */
static __always_inline int is_wanted_listener(const struct sock_common *skc)
{
	return skc && skc->skc_state == SB_TCP_LISTEN && port_wanted(skc->skc_num) &&
	       skc->skc_net.net->ns.inum == netns_ino;
}

static __always_inline struct tcp_sock *wanted_listener(struct sock_common *skc)
{
	return is_wanted_listener(skc) ? bpf_skc_to_tcp_sock(skc) : NULL;
}

/* Mode sk_storage_iter, step 1: one pass over the namespace's TCP sockets
 * (iter/tcp walks the namespace of the process that reads it) marks every
 * listener on a filtered port in the "listeners" map; the sampler then
 * reads only those (a pass of iter/tcp would walk every socket, TIME_WAIT
 * included: 100k+ per sample). Works the same for the built-in listener
 * and for a server the harness did not start (--target). */
SEC("iter/tcp")
int find_listeners(struct bpf_iter__tcp *ctx)
{
	struct tcp_sock *tp = wanted_listener(ctx->sk_common);
	__u16 port;
	__u32 *mark;

	if (!tp)
		return 0;
	mark = bpf_sk_storage_get(&listeners, tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (mark && !*mark) {
		*mark = 1;
		/* a stack copy: Linux 6.1's verifier refuses bpf_seq_write()
		 * from a kernel pointer (docs/kernel-facts.md, fact 16) */
		port = ((struct sock *)tp)->__sk_common.skc_num;
		bpf_seq_write(ctx->meta->seq, &port, sizeof(port));
	}
	return 0;
}

/* Mode sk_storage_iter, step 2: one record per registered listener. Some
 * kernels refuse map-element iterators (docs/kernel-facts.md, fact 15): then tcp_iter. */
SEC("iter/bpf_sk_storage_map")
int sample_listeners(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sb_listen_sample s = {};
	struct sock *sk = ctx->sk; /* read once: 6.1 refuses a second, unchecked read */
	struct tcp_sock *tp;

	if (!sk)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	fill_sample(&s, tp);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}

/* Mode tcp_iter: iter/tcp shows every listener before any other socket
 * (the listening hash first, then the established one), so a pass stops at
 * the first socket that is not a listener: returning 1 ends the read there
 * and user space closes the iterator. A pass costs a run per listener, not
 * one per socket of the namespace (TIME_WAIT included). */
SEC("iter/tcp")
int sample_listeners_tcp(struct bpf_iter__tcp *ctx)
{
	struct sb_listen_sample s = {};
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	if (skc->skc_state != SB_TCP_LISTEN)
		return 1;
	tp = wanted_listener(skc);
	if (!tp)
		return 0;
	fill_sample(&s, tp);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}

/* Mode file_iter: this process's own descriptors, lowest first
 * (iter/task_file for one process: Linux 6.1), each one's socket by
 * bpf_sock_from_file(). The listeners are opened before the load's sockets:
 * a first pass (listen_fd_max 0) finds them, and every later pass stops
 * after the highest one (listen_fd_max, set by user space from
 * listen_fd_seen), so a pass costs a run per descriptor below it, whatever
 * the number of sockets in the namespace or on the machine. */
__u32 listen_fd_max = 0;
__u32 listen_fd_seen = 0;

SEC("iter/task_file")
int sample_listeners_file(struct bpf_iter__task_file *ctx)
{
	struct sb_listen_sample s = {};
	struct file *file = ctx->file;
	struct socket *sock;
	struct sock *sk;

	if (!file)
		return 0;
	if (listen_fd_max && ctx->fd > listen_fd_max)
		return 1;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	/* socket->sk is an untrusted pointer to the verifier (6.18), which
	 * bpf_skc_to_tcp_sock() refuses: the TCP check by hand, and the one
	 * tcp_sock field read with CO-RE */
	sk = sock->sk;
	if (!sk || sk->sk_protocol != IPPROTO_TCP || !is_wanted_listener(&sk->__sk_common))
		return 0;
	if (ctx->fd > listen_fd_seen)
		listen_fd_seen = ctx->fd;
	fill_sample_sk(&s, sk,
		       BPF_CORE_READ((struct tcp_sock *)sk, inet_conn.icsk_accept_queue.qlen.counter));
	/* the cookie as the socket holds it (the helper refuses this untrusted
	 * pointer): 0 until someone asked; the harness asks for its own
	 * listeners' (SO_COOKIE) before the first pass */
	s.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	bpf_seq_write(ctx->meta->seq, &s, sizeof(s));
	return 0;
}

/* At the end of a run: the address of every TCP socket of the namespace,
 * so that user space can tell a tracked socket still open (LIVE_AT_END)
 * from one whose CLOSE event the kernel skipped (CLOSE_MISSED). */
SEC("iter/tcp")
int live_socks(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	__u64 addr;

	if (!skc || ns_side(skc->skc_net.net->ns.inum) < 0)
		return 0;
	addr = sk_key(skc, SB_KEY_SLOT_ITER);
	bpf_seq_write(ctx->meta->seq, &addr, sizeof(addr));
	return 0;
}

#endif
