/* The listener and its accept policies.
 *
 * fast (and pause, once the pause is over): each thread owns an io_uring with
 * a multishot accept on the shared listener; an accepted socket gets
 * [RECV(WAITALL) -> SEND -> CLOSE] (crr) or [CLOSE] (connect), all in the
 * ring; with --close-first client an [RECV(EOF)] before the CLOSE waits for
 * the client's FIN. Without io_uring multishot accept (5.19, struct
 * lg_uring_caps) the thread falls back to poll + accept4; without the socket
 * getsockopt command (6.7) the cookie and peer are read with getsockopt().
 * delay and rate use one thread with poll + accept4 and serve the
 * connection synchronously. none never accepts. With TLS (opts.tls) the
 * fast and pause threads run tls_server.c's epoll loop instead of the
 * ring, and the synchronous path serves TLS there too. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loadgen/accpool.h"
#include "loadgen/lg_internal.h"
#include "loadgen/server_int.h"
#include "loadgen/tls.h"

#define NOREC	     LG_ACC_NOREC
#define SRV_RING     1024u
#define SRV_SYNC_TMO 1 /* s: send/recv timeout of a synchronously served socket */

enum { OP_ACCEPT = 1, OP_STOP, OP_RECV, OP_SEND, OP_CLOSE, OP_EOF, OP_CANCEL };

static int srv_stop_requested(struct lg_server *s)
{
	return atomic_load_explicit(&s->stopping, memory_order_relaxed) ||
	       (s->o.stop && *s->o.stop);
}

/* Sleeps until CLOCK_MONOTONIC t, waking for a stop. -EINTR when stopped. */
static int nap_until(struct lg_server *s, uint64_t t)
{
	for (;;) {
		uint64_t now = lg_now_ns(), w;
		struct pollfd p = {.fd = s->efd, .events = POLLIN};

		if (srv_stop_requested(s))
			return -EINTR;
		if (now >= t)
			return 0;
		w = t - now < LG_IDLE_WAIT_NS ? t - now : LG_IDLE_WAIT_NS;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)w};
		ppoll(&p, 1, &ts, NULL);
	}
}

static void peer_from(struct lg_accept *a, const struct sockaddr_in6 *sa)
{
	if (sa->sin6_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		a->peer_port = ntohs(in->sin_port);
		a->peer_addr = in->sin_addr.s_addr;
	} else if (sa->sin6_family == AF_INET6) {
		a->peer_port = ntohs(sa->sin6_port);
	}
}

/* SO_PEERNAME, unlike getpeername(), still answers after a reset; it wants
 * the exact address length. */
static socklen_t peer_len(const struct lg_server *s)
{
	return s->o.ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static struct lg_acc_rec *rec_at(struct lg_server *s, uint64_t rec)
{
	return lg_accpool_at(&s->th[rec >> LG_ACC_SHIFT].pool, rec);
}

/* Record an accepted socket in t's pool; returns its record number or
 * NOREC. With sync, cookie and peer are read here, else the ring reads
 * them. */
static uint64_t record(struct lg_server *s, struct srv_thread *t, int fd, uint64_t now, int sync)
{
	uint64_t i = lg_accpool_get(&t->pool, t->idx);
	struct lg_acc_rec *r;
	socklen_t len;

	atomic_fetch_add_explicit(&s->nacc, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->lacc[t->li], 1, memory_order_relaxed);
	if (i == NOREC) {
		atomic_fetch_add_explicit(&s->overflow, 1, memory_order_relaxed);
		return NOREC;
	}
	r = rec_at(s, i);
	memset(r, 0, sizeof(*r));
	r->live = 1;
	r->a.t_accept = now;
	if (!sync)
		return i;
	len = sizeof(r->a.cookie);
	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &r->a.cookie, &len);
	len = peer_len(s);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERNAME, &r->peer, &len) == 0)
		peer_from(&r->a, &r->peer);
	return i;
}

/* The socket of record rec is closed: the record is complete, handed on,
 * its slot free again. */
static void closed(struct lg_server *s, uint64_t rec, int ring_gso)
{
	struct lg_acc_rec *r;

	if (rec == NOREC)
		return;
	r = rec_at(s, rec);
	if (ring_gso)
		peer_from(&r->a, &r->peer);
	r->a.t_closed = lg_now_ns();
	lg_accpool_done(&s->th[rec >> LG_ACC_SHIFT].pool, rec, s->o.sink, s->o.sink_ctx);
	atomic_fetch_add_explicit(&s->nclosed, 1, memory_order_relaxed);
}

/* A completion of the serving chain's recv, send or EOF recv (marked
 * skip-on-success: they report only when they fail, a cancel included).
 * The kernel then cancels the rest of the chain without a completion, so
 * the close never runs: close the socket here. 1 if it was one of those. */
static int chain_broken(struct lg_server *s, int op, int fd, uint64_t rec, int ring_gso)
{
	if (op != OP_RECV && op != OP_SEND && op != OP_EOF)
		return 0;
	close(fd);
	closed(s, rec, ring_gso);
	return 1;
}

/* ---- synchronous path: poll + accept4, serve in the thread ---- */

static void serve_sync(struct lg_server *s, struct srv_thread *t, int fd, uint64_t rec)
{
	struct timeval tv = {SRV_SYNC_TMO, 0};
	uint32_t n = 0;

	if (s->o.tls)
		lg_srv_tls_serve_sync(&s->o, fd, s->resp, lg_srv_rec(s, rec));
	else if (s->o.mode == LG_MODE_CRR) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		while (n < s->o.req_bytes) {
			ssize_t r = recv(fd, t->rbuf, s->o.req_bytes - n, 0);

			if (r <= 0)
				break;
			n += (uint32_t)r;
		}
		if (n >= s->o.req_bytes) {
			n = 0;
			while (n < s->o.resp_bytes) {
				ssize_t r =
				    send(fd, s->resp + n, s->o.resp_bytes - n, MSG_NOSIGNAL);

				if (r <= 0)
					break;
				n += (uint32_t)r;
			}
			/* client first: its FIN (recv 0), error or timeout */
			while (s->o.close_first == LG_CLOSE_FIRST_CLIENT && n >= s->o.resp_bytes &&
			       recv(fd, t->rbuf, 1, 0) > 0)
				;
		}
	}
	close(fd);
	closed(s, rec, 0);
}

static int accept_sync_loop(struct lg_server *s, struct srv_thread *t, int paced)
{
	const struct lg_accept_policy *p = t->policy;
	uint64_t t0 = lg_now_ns(), k = 0;

	for (;;) {
		struct pollfd pf[2] = {{.fd = t->lfd, .events = POLLIN},
				       {.fd = s->efd, .events = POLLIN}};
		int fd;

		if (paced && p->kind == LG_ACCEPT_DELAY &&
		    nap_until(s, lg_now_ns() + (uint64_t)p->value * 1000000ull))
			return 0;
		if (paced && p->kind == LG_ACCEPT_RATE &&
		    nap_until(s, t0 + k * 1000000000ull / p->value))
			return 0;
		for (;;) {
			if (srv_stop_requested(s))
				return 0;
			if (poll(pf, 2, (int)(LG_IDLE_WAIT_NS / 1000000)) > 0 && pf[0].revents)
				break;
		}
		fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				nap_until(s, lg_now_ns() + 1000000ull);
				continue;
			}
			return -errno;
		}
		serve_sync(s, t, fd, record(s, t, fd, lg_now_ns(), 1));
		k++;
	}
}

/* ---- io_uring path ---- */

/* op: 3 bits, fd: 32, rec: 28, bit 63: LG_SRV_TAG (paired) */
static inline uint64_t sud(const struct srv_thread *t, int op, int fd, uint64_t rec)
{
	return (uint64_t)op | ((uint64_t)(uint32_t)fd << 3) | (rec << 35) | t->tag;
}

static struct io_uring_sqe *sqe_get(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

static void arm_accept(struct srv_thread *t, struct io_uring *ring)
{
	struct io_uring_sqe *sqe = sqe_get(ring);

	io_uring_prep_multishot_accept(sqe, t->lfd, NULL, NULL, SOCK_CLOEXEC);
	sqe->user_data = OP_ACCEPT | t->tag;
}

/* Room for the whole chain, so a link never spans two submissions badly. */
static void serve_uring(struct lg_server *s, struct srv_thread *t, struct io_uring *ring, int fd,
			uint64_t rec)
{
	struct io_uring_sqe *sqe;

	if (io_uring_sq_space_left(ring) < 6)
		io_uring_submit(ring);
	if (t->ring_gso && rec != NOREC) {
		/* hard links: the connection is served even if one fails */
		sqe = io_uring_get_sqe(ring);
		lg_prep_getsockopt(sqe, fd, SO_COOKIE, &rec_at(s, rec)->a.cookie, sizeof(uint64_t));
		sqe->user_data = sud(t, OP_CANCEL, fd, rec);
		sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS;
		sqe = io_uring_get_sqe(ring);
		lg_prep_getsockopt(sqe, fd, SO_PEERNAME, &rec_at(s, rec)->peer, peer_len(s));
		sqe->user_data = sud(t, OP_CANCEL, fd, rec);
		sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS;
	}
	if (s->o.mode == LG_MODE_CRR) {
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_recv(sqe, fd, t->rbuf, s->o.req_bytes, MSG_WAITALL);
		sqe->user_data = sud(t, OP_RECV, fd, rec);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_send(sqe, fd, s->resp, s->o.resp_bytes, MSG_WAITALL | MSG_NOSIGNAL);
		sqe->user_data = sud(t, OP_SEND, fd, rec);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		if (s->o.close_first == LG_CLOSE_FIRST_CLIENT) {
			/* no WAITALL: the client's FIN (0 bytes) is no short
			 * read, so the link goes on to the close */
			sqe = io_uring_get_sqe(ring);
			io_uring_prep_recv(sqe, fd, t->rbuf, 1, 0);
			sqe->user_data = sud(t, OP_EOF, fd, rec);
			sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		}
	}
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_close(sqe, fd);
	sqe->user_data = sud(t, OP_CLOSE, fd, rec);
}

static int srv_ring_init(struct io_uring *ring)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
	p.cq_entries = 8 * SRV_RING;
	if (io_uring_queue_init_params(SRV_RING, ring, &p) == 0)
		return 0;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 8 * SRV_RING;
	return io_uring_queue_init_params(SRV_RING, ring, &p);
}

/* 1: multishot accept unsupported, use the synchronous loop. */
static int accept_uring_loop(struct lg_server *s, struct srv_thread *t)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	uint64_t inflight = 0, drain_until = 0;
	int stopping = 0, accepted_any = 0, ret = 0;

	if (!(s->caps.have & LG_URING_MULTISHOT) || srv_ring_init(&ring) != 0)
		return 1;
	t->ring_gso = !!(s->caps.have & LG_URING_SOCKOPT);
	arm_accept(t, &ring);
	sqe = sqe_get(&ring);
	io_uring_prep_poll_add(sqe, s->efd, POLLIN);
	sqe->user_data = OP_STOP;
	for (;;) {
		struct __kernel_timespec ts = {0, (long long)LG_IDLE_WAIT_NS};
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		uint64_t now;

		if (!stopping && srv_stop_requested(s)) {
			stopping = 1;
			drain_until = lg_now_ns() + LG_DRAIN_NS / 4;
			sqe = sqe_get(&ring);
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			sqe->user_data = OP_CANCEL;
		}
		if (stopping && (!inflight || lg_now_ns() >= drain_until))
			break;
		io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
		now = lg_now_ns();
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			uint64_t u = cqe->user_data, rec = (u >> 35) & NOREC;
			int op = (int)(u & 7), fd = (int)(uint32_t)(u >> 3), res = cqe->res;

			n++;
			if (op == OP_ACCEPT) {
				if (res >= 0) {
					accepted_any = 1;
					inflight++;
					serve_uring(s, t, &ring, res,
						    record(s, t, res, now, !t->ring_gso));
				} else if (!accepted_any &&
					   (res == -EINVAL || res == -EOPNOTSUPP)) {
					ret = 1;
					stopping = 1;
				}
				if (!(cqe->flags & IORING_CQE_F_MORE) && !stopping)
					arm_accept(t, &ring);
			} else if (op == OP_CLOSE) {
				if (res < 0)
					close(fd);
				closed(s, rec, t->ring_gso);
				inflight--;
			} else if (chain_broken(s, op, fd, rec, t->ring_gso)) {
				inflight--;
			} else if (op == OP_STOP && !stopping) {
				atomic_store(&s->stopping, 1);
	lg_srv_closer_stop(s);
			}
		}
		io_uring_cq_advance(&ring, n);
		if (ret)
			break;
	}
	io_uring_queue_exit(&ring);
	return ret;
}

/* ---- paired: served from the ring of client thread i ---- */

void lg_srv_paired_arm(struct lg_server *s, uint32_t i, struct io_uring *ring, int ring_gso)
{
	struct srv_thread *t = &s->th[i % s->nth];

	atomic_fetch_add(&s->paired_users, 1);
	t->ring_gso = ring_gso;
	arm_accept(t, ring);
}

void lg_srv_paired_leave(struct lg_server *s)
{
	atomic_fetch_sub(&s->paired_users, 1);
}

int lg_srv_paired_stopping(struct lg_server *s)
{
	return atomic_load_explicit(&s->stopping, memory_order_relaxed);
}

int lg_srv_paired_cqe(struct lg_server *s, uint32_t i, struct io_uring *ring,
		      const struct io_uring_cqe *cqe, uint64_t now, int stopping)
{
	struct srv_thread *t = &s->th[i % s->nth];
	uint64_t u = cqe->user_data, rec = (u >> 35) & NOREC;
	int op = (int)(u & 7), fd = (int)(uint32_t)(u >> 3), res = cqe->res;

	if (op == OP_ACCEPT) {
		if (!(cqe->flags & IORING_CQE_F_MORE) && !stopping)
			arm_accept(t, ring);
		if (res < 0)
			return 0;
		serve_uring(s, t, ring, res, record(s, t, res, now, !t->ring_gso));
		return 1;
	}
	if (op == OP_CLOSE) {
		if (res < 0)
			close(fd);
		closed(s, rec, t->ring_gso);
		return -1;
	}
	return chain_broken(s, op, fd, rec, t->ring_gso) ? -1 : 0;
}

static void *srv_thread_main(void *arg)
{
	struct srv_thread *t = arg;
	struct lg_server *s = t->s;
	const struct lg_accept_policy *p = t->policy;

	if (!s->o.no_affinity)
		lg_pin_self(t->idx);
	if (p->kind == LG_ACCEPT_DELAY || p->kind == LG_ACCEPT_RATE) {
		t->err = accept_sync_loop(s, t, 1);
		return NULL;
	}
	if (p->kind == LG_ACCEPT_PAUSE &&
	    nap_until(s, lg_now_ns() + (uint64_t)p->value * 1000000ull))
		return NULL;
	if (s->o.tls) {
		t->err = lg_srv_tls_loop(s, t, &s->o, t->lfd, s->efd, s->resp);
		return NULL;
	}
	if (accept_uring_loop(s, t) == 1) {
		if (s->nth > 1) /* several threads poll one listener: never block */
			fcntl(t->lfd, F_SETFL, fcntl(t->lfd, F_GETFL) | O_NONBLOCK);
		t->err = accept_sync_loop(s, t, 0);
	}
	return NULL;
}

int lg_server__new(const struct lg_server_opts *opts, struct lg_server **out)
{
	struct lg_server *s;
	int err;

	*out = NULL;
	if (!opts->port || opts->policy.kind > LG_ACCEPT_NONE ||
	    (opts->policy.kind == LG_ACCEPT_RATE && !opts->policy.value) ||
	    opts->reuseport > LG_MAX_REUSEPORT ||
	    (opts->reuseport && (opts->per_cpu_listeners || opts->paired)) ||
	    (opts->reuseport && opts->slow_socket >= (int)opts->reuseport) ||
	    (opts->reuseport && opts->slow_socket >= 0 &&
	     (opts->slow_policy.kind > LG_ACCEPT_NONE ||
	      (opts->slow_policy.kind == LG_ACCEPT_RATE && !opts->slow_policy.value))) ||
	    (opts->close_on && (opts->reuseport < 2 || opts->close_socket >= opts->reuseport)))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *opts;
	s->fd = -1;
	s->efd = -1;
	s->closer_efd = -1;
	s->resp = malloc(opts->resp_bytes ? opts->resp_bytes : 1);
	if (!s->resp) {
		err = -ENOMEM;
		goto fail;
	}
	memset(s->resp, 'r', opts->resp_bytes ? opts->resp_bytes : 1);
	if (opts->paired && (opts->policy.kind != LG_ACCEPT_FAST || opts->tls)) {
		err = -EINVAL;
		goto fail;
	}
	/* fast and pause accept in a ring (else poll + accept4), paired
	 * needs the ring's multishot accept */
	err = lg_uring_caps_probe(&s->caps, NULL, 0);
	if (!err && opts->paired && lg_uring_caps_missing(&s->caps, LG_URING_MULTISHOT))
		err = -EOPNOTSUPP;
	if (err)
		goto fail;
	s->nl = (opts->per_cpu_listeners || opts->paired) && opts->policy.kind == LG_ACCEPT_FAST &&
			opts->threads > 1
		    ? opts->threads
		    : 1;
	if (opts->reuseport)
		s->nl = opts->reuseport;
	s->lfd = malloc(s->nl * sizeof(*s->lfd));
	s->lacc = calloc(s->nl, sizeof(*s->lacc));
	if (!s->lfd || !s->lacc) {
		err = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < s->nl; i++)
		s->lfd[i] = -1;
	for (uint32_t i = 0; i < s->nl; i++) {
		err = lg_open_listener(opts, opts->reuseport ? -1 : s->nl > 1 ? lg_cpu_of(i) : -2);
		if (err < 0)
			goto fail;
		s->lfd[i] = err;
	}
	s->fd = s->lfd[0];
	if (opts->close_on && lg_server__policy_of(s, opts->close_socket)->kind != LG_ACCEPT_NONE) {
		err = -EINVAL; /* its accept threads would race the close */
		goto fail;
	}
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		err = -errno;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	lg_server__free(s);
	return err;
}

const struct lg_accept_policy *lg_server__policy_of(const struct lg_server *s, uint32_t li)
{
	return s->o.reuseport && s->o.slow_socket == (int)li ? &s->o.slow_policy : &s->o.policy;
}

/* Accept threads for one listener of policy p (fast and pause: threads). */
static uint32_t threads_for(const struct lg_server *s, const struct lg_accept_policy *p)
{
	uint32_t n = s->o.threads ? s->o.threads : 1;

	if (p->kind == LG_ACCEPT_NONE)
		return 0;
	if (p->kind == LG_ACCEPT_DELAY || p->kind == LG_ACCEPT_RATE)
		return 1;
	/* --reuseport: the threads shared out, at least one per listener */
	return s->o.reuseport ? (n / s->nl ? n / s->nl : 1) : n;
}

int lg_server__start(struct lg_server *s)
{
	uint32_t n = 0, k = 0;
	int err;

	if (s->running)
		return -EALREADY;
	/* one listener: threads_for its policy; --reuseport: for each
	 * listener's own; per-CPU and paired: thread i on listener i */
	for (uint32_t li = 0; li < (s->o.reuseport ? s->nl : 1); li++)
		n += threads_for(s, lg_server__policy_of(s, li));
	s->running = 1;
	err = lg_srv_closer_start(s);
	if (err) {
		s->running = 0;
		return err;
	}
	if (!n)
		return 0;
	s->th = calloc(n, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = n;
	for (uint32_t li = 0; li < (s->o.reuseport ? s->nl : 1); li++)
		for (uint32_t j = threads_for(s, lg_server__policy_of(s, li)); j > 0; j--) {
			s->th[k].li = s->o.reuseport ? li : k % s->nl;
			s->th[k++].policy = lg_server__policy_of(s, li);
		}
	for (uint32_t i = 0; i < n; i++) {
		struct srv_thread *t = &s->th[i];
		err = 0;

		t->s = s;
		t->idx = i;
		t->lfd = s->lfd[t->li];
		t->tag = s->o.paired ? LG_SRV_TAG : 0;
		t->rbuf = malloc(s->o.req_bytes ? s->o.req_bytes : 1);
		if (!t->rbuf || lg_accpool_init(&t->pool, s->o.sink != NULL) ||
		    n > (NOREC >> LG_ACC_SHIFT))
			err = ENOMEM;
		else if (s->o.paired)
			continue; /* the client threads serve */
		else
			err = pthread_create(&t->tid, NULL, srv_thread_main, t);
		if (err) {
			lg_server__stop(s);
			return -err;
		}
		t->joinable = 1;
	}
	return 0;
}

void lg_server__stop(struct lg_server *s)
{
	uint64_t one = 1;

	if (!s || !s->running)
		return;
	atomic_store(&s->stopping, 1);
	lg_srv_closer_stop(s);
	if (write(s->efd, &one, sizeof(one)) < 0) {
		/* the flag alone stops the threads within LG_IDLE_WAIT_NS */
	}
	for (uint32_t i = 0; i < s->nth; i++) {
		if (s->th[i].joinable)
			pthread_join(s->th[i].tid, NULL);
		s->th[i].joinable = 0;
	}
	/* paired: the client threads stop too (cancel and drain, bounded by
	 * LG_DRAIN_NS); wait until none uses the listeners */
	while (atomic_load(&s->paired_users) > 0)
		usleep(1000);
	s->running = 0;
	/* no thread runs now: the sockets still open are records too, and
	 * every batch goes to the sink */
	for (uint32_t i = 0; i < s->nth; i++)
		lg_accpool_flush(&s->th[i].pool, s->o.sink, s->o.sink_ctx);
}

void lg_server__free(struct lg_server *s)
{
	if (!s)
		return;
	lg_server__stop(s);
	for (uint32_t i = 0; i < s->nth; i++) {
		free(s->th[i].rbuf);
		lg_accpool_free(&s->th[i].pool);
	}
	free(s->th);
	for (uint32_t i = 0; s->lfd && i < s->nl; i++)
		if (s->lfd[i] >= 0 && !(atomic_load(&s->lclosed) && i == s->closed.li))
			close(s->lfd[i]);
	free(s->lfd);
	free(s->lacc);
	if (s->efd >= 0)
		close(s->efd);
	free(s->accepts);
	free(s->resp);
	free(s);
}

const struct lg_uring_caps *lg_server__uring_caps(const struct lg_server *s)
{
	return &s->caps;
}

int lg_server__fd(const struct lg_server *s)
{
	return s->fd;
}

/* ---- for tls_server.c ---- */

uint64_t lg_srv_record(struct lg_server *s, struct srv_thread *t, int fd, uint64_t now)
{
	return record(s, t, fd, now, 1);
}

struct lg_accept *lg_srv_rec(struct lg_server *s, uint64_t rec)
{
	return rec == NOREC ? NULL : &rec_at(s, rec)->a;
}

void lg_srv_closed(struct lg_server *s, uint64_t rec)
{
	closed(s, rec, 0);
}

int lg_srv_stopping(struct lg_server *s)
{
	return srv_stop_requested(s);
}
