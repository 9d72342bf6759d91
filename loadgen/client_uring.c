/* io_uring client engine: many connections in flight per ring.
 *
 * Per connection: [SOCKET] -> [SO_COOKIE (getsockopt) -> SO_REUSEADDR /
 * SO_LINGER (setsockopt) -> BIND(own port) -> CONNECT] in the ring; each step
 * the kernel cannot run in a ring (struct lg_uring_caps: socket 5.19,
 * socket commands 6.7, bind 6.11) is its syscall instead, made before the
 * rest goes in; on success either [CLOSE] (connect mode) or
 * [SEND -> RECV(WAITALL) -> CLOSE] (crr); with --close-first server an
 * [RECV(EOF)] waits for the server's FIN before the CLOSE. A slot is settled
 * when all the completions it expects have arrived. The connect and the crr
 * phase are each bounded by the connect timeout: a scan, due only when the
 * earliest deadline passed, cancels the operations of a late connection
 * (outcome TIMEOUT); no timer per connection. With a paired server the ring
 * also accepts and serves its CPU's listener (server.c).
 *
 * --tls (tls.h): after the connect, [SEND(TLS output) -> RECV] into the
 * slot's own buffer, linked, until the handshake, the request and the
 * response are done, then [CLOSE]; the first send's submission stamps
 * t_tls_start. */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"
#include "loadgen/tls.h"

enum { OP_CONNECT = 1, OP_SEND, OP_RECV, OP_CLOSE, OP_EOF, OP_CANCEL, OP_SOCKET, OP_TSEND, OP_TRECV };
enum { S_FREE = 0, S_CONNECT, S_CRR, S_CLOSE, S_SOCKET, S_TLS };

struct uctx {
	struct io_uring ring;
	int ring_gso;  /* SO_COOKIE read in the ring, linked before the connect */
	int ring_bind; /* SO_REUSEADDR/SO_LINGER + bind in the ring (6.11+) */
	int ring_sock; /* socket() in the ring too (5.19+), with ring_bind */
	uint32_t *batch; /* slots whose connect is prepared but not yet submitted */
	uint32_t nbatch;
	uint32_t *tbatch; /* --tls: slots whose ClientHello send is prepared, not submitted */
	uint32_t ntbatch;
	uint64_t inflight;
	int64_t srv_inflight; /* paired: server connections in this ring */
	int own_done;	      /* paired: this thread's connections are all done */
	uint64_t tmo_ns;      /* connect timeout: also the crr phase bound; 0 = none */
	uint64_t next_tmo;    /* earliest crr deadline, UINT64_MAX = none */
	int stopping;
};

/* user_data of a setsockopt/bind linked before a connect (op OP_CANCEL) */
#define UD_PREP (1ull << 62)

static inline uint64_t ud(const struct lg_thread *t, const struct lg_slot *s, int op)
{
	return ((uint64_t)(s - t->slots) << 4) | (uint64_t)op;
}

/* Stamps t_submit on the prepared connects (and t_tls_start on the
 * prepared ClientHellos), then hands the SQEs over. */
static void stamp_batch(struct uctx *u, struct lg_thread *t)
{
	uint64_t now;

	if (!u->nbatch && !u->ntbatch)
		return;
	now = lg_now_ns();
	for (uint32_t i = 0; i < u->ntbatch; i++) {
		struct lg_conn *r = &t->slots[u->tbatch[i]].rec;

		if (!r->t_tls_start)
			r->t_tls_start = now;
	}
	u->ntbatch = 0;
	for (uint32_t i = 0; i < u->nbatch; i++) {
		struct lg_slot *s = &t->slots[u->batch[i]];
		struct lg_conn *r = &s->rec;

		if (s->tries)
			r->t_submit = now;
		else
			lg_note_start(t, r, (s->conn - t->idx) / t->c->o.threads, now);
		if (u->tmo_ns) {
			s->deadline = now + u->tmo_ns;
			if (s->deadline < u->next_tmo)
				u->next_tmo = s->deadline;
		}
	}
	u->nbatch = 0;
}

/* Room for n SQEs, submitting what is queued if needed. */
static void need(struct uctx *u, struct lg_thread *t, unsigned int n)
{
	if (io_uring_sq_space_left(&u->ring) >= n)
		return;
	stamp_batch(u, t);
	io_uring_submit(&u->ring);
}

/* [SO_REUSEADDR] [SO_LINGER] BIND, linked before the connect; each posts a
 * CQE (a failure with CQE_SKIP_SUCCESS would hide the rest of the chain's). */
static void prep_bind_chain(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	static const int one = 1;
	static const struct linger lin = {1, 0};
	const struct lg_client_opts *o = &t->c->o;
	struct io_uring_sqe *sqe;

	if (lg_need_reuseaddr(t)) {
		sqe = io_uring_get_sqe(&u->ring);
		lg_prep_setsockopt(sqe, s->fd, SO_REUSEADDR, &one, sizeof(one));
		sqe->user_data = ud(t, s, OP_CANCEL) | UD_PREP;
		sqe->flags |= IOSQE_IO_LINK;
		s->pending++;
	}
	if (o->close == LG_CLOSE_RST) {
		sqe = io_uring_get_sqe(&u->ring);
		lg_prep_setsockopt(sqe, s->fd, SO_LINGER, &lin, sizeof(lin));
		sqe->user_data = ud(t, s, OP_CANCEL) | UD_PREP;
		sqe->flags |= IOSQE_IO_LINK;
		s->pending++;
	}
	sqe = io_uring_get_sqe(&u->ring);
	lg_prep_bind(sqe, s->fd, &s->src, lg_slot_dst_len(t));
	sqe->user_data = ud(t, s, OP_CANCEL) | UD_PREP;
	sqe->flags |= IOSQE_IO_LINK;
	s->pending++;
}

static void prep_connect(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	struct io_uring_sqe *sqe;

	need(u, t, 6);
	s->pending = 0;
	if (u->ring_gso) {
		/* the cookie exists before the SYN; a hard link: connect anyway,
		 * and a failure's CQE (success posts none) is ignored */
		sqe = io_uring_get_sqe(&u->ring);
		lg_prep_getsockopt(sqe, s->fd, SO_COOKIE, &s->rec.cookie,
				   sizeof(uint64_t));
		sqe->user_data = OP_CANCEL;
		sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS;
	}
	if (u->ring_bind)
		prep_bind_chain(u, t, s);
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_connect(sqe, s->fd, (struct sockaddr *)&s->dst, lg_slot_dst_len(t));
	sqe->user_data = ud(t, s, OP_CONNECT);
	s->pending = (uint8_t)(s->pending + 1);
	s->state = S_CONNECT;
	u->batch[u->nbatch++] = (uint32_t)(s - t->slots);
}

static void prep_close(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	struct io_uring_sqe *sqe;

	need(u, t, 1);
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_close(sqe, s->fd);
	sqe->user_data = ud(t, s, OP_CLOSE);
	s->pending++;
	s->state = S_CLOSE;
}

/* [RECV (-> [RECV(EOF)] -> CLOSE when this read completes the response)] */
/* --http: one read at a time until the server's FIN; the first bytes go
 * to the slot's head so the status line survives the shared buffer. */
static void prep_recv_http(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	int in_head = s->got < sizeof(s->head);
	struct io_uring_sqe *sqe;

	need(u, t, 1);
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_recv(sqe, s->fd, in_head ? s->head + s->got : t->recvbuf,
			   in_head ? (uint32_t)sizeof(s->head) - s->got : t->recvlen, 0);
	sqe->user_data = ud(t, s, OP_RECV);
	s->pending++;
	s->state = S_CRR;
}

static void prep_recv(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	uint32_t left = t->c->o.resp_bytes - s->got;
	uint32_t len = left < t->recvlen ? left : t->recvlen;
	struct io_uring_sqe *sqe;

	need(u, t, 3);
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_recv(sqe, s->fd, t->recvbuf, len, MSG_WAITALL);
	sqe->user_data = ud(t, s, OP_RECV);
	s->pending++;
	s->state = S_CRR;
	if (len == left) {
		sqe->flags |= IOSQE_IO_LINK;
		if (t->c->o.close_first == LG_CLOSE_FIRST_SERVER) {
			/* no WAITALL: the server's FIN (0 bytes) is no short
			 * read, so the link goes on to the close */
			sqe = io_uring_get_sqe(&u->ring);
			io_uring_prep_recv(sqe, s->fd, t->recvbuf, 1, 0);
			sqe->user_data = ud(t, s, OP_EOF);
			sqe->flags |= IOSQE_IO_LINK;
			s->pending++;
		}
		prep_close(u, t, s);
		s->state = S_CRR;
	}
}

static void prep_crr(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	struct io_uring_sqe *sqe;

	need(u, t, 4);
	if (u->tmo_ns) {
		s->deadline = lg_now_ns() + u->tmo_ns;
		if (s->deadline < u->next_tmo)
			u->next_tmo = s->deadline;
	}
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_send(sqe, s->fd, t->sendbuf, t->c->o.req_bytes, MSG_NOSIGNAL | MSG_WAITALL);
	sqe->user_data = ud(t, s, OP_SEND);
	sqe->flags |= IOSQE_IO_LINK;
	s->pending++;
	if (t->c->o.http)
		prep_recv_http(u, t, s);
	else
		prep_recv(u, t, s);
}

/* --tls: the slot's TLS output as one send and, when the exchange waits
 * for the server, the receive linked after it; DONE: the close. */
static void tls_pump(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);
	struct io_uring_sqe *sqe;
	size_t n;

	if (c->phase == LG_TLS_DONE)
		return prep_close(u, t, s);
	if (c->phase != LG_TLS_HANDSHAKE && c->phase != LG_TLS_RESPONSE && c->phase != LG_TLS_EOF)
		return; /* failed: s->err says why, the slot settles */
	if (!c->buf && !(c->buf = malloc(LG_TLS_BUF))) {
		s->err = ENOMEM;
		return;
	}
	need(u, t, 2);
	n = lg_tls_output(t, s, c->buf, LG_TLS_BUF);
	if (n) {
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_send(sqe, s->fd, c->buf, (unsigned int)n, MSG_NOSIGNAL | MSG_WAITALL);
		sqe->user_data = ud(t, s, OP_TSEND);
		s->pending++;
		s->sent = (uint32_t)n;
		if (!s->rec.t_tls_start)
			u->tbatch[u->ntbatch++] = (uint32_t)(s - t->slots);
		if (lg_tls_pending(t, s))
			return; /* more than a buffer: the next send after this one */
		sqe->flags |= IOSQE_IO_LINK;
	}
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_recv(sqe, s->fd, c->buf, LG_TLS_BUF, 0);
	sqe->user_data = ud(t, s, OP_TRECV);
	s->pending++;
}

/* --tls: connected; the exchange is bounded like a crr's. */
static void tls_start(struct uctx *u, struct lg_thread *t, struct lg_slot *s)
{
	if (u->tmo_ns) {
		s->deadline = lg_now_ns() + u->tmo_ns;
		if (s->deadline < u->next_tmo)
			u->next_tmo = s->deadline;
	}
	s->state = S_TLS;
	if (lg_tls_begin(t, s) == 0)
		tls_pump(u, t, s);
}

static void fail(struct uctx *u, struct lg_slot *s, int res)
{
	if (s->err)
		return;
	s->err = (res == -ECANCELED && u->stopping) ? EINTR : -res;
}

/* Response ended early: RST (socket now CLOSE) or FIN (CLOSE_WAIT). */
static int short_reason(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    ti.tcpi_state == TCP_CLOSE)
		return ECONNRESET;
	return ENODATA;
}

static void start_one(struct uctx *u, struct lg_thread *t, uint64_t k, uint64_t now)
{
	struct lg_slot *s = &t->slots[lg_slot_get(t)];
	int err;

	s->conn = t->idx + k * t->c->o.threads;
	t->started++;
	u->inflight++;
	if (u->ring_sock) {
		struct io_uring_sqe *sqe;

		need(u, t, 1);
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_socket(sqe, t->c->o.ipv6 ? AF_INET6 : AF_INET,
				     SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
		sqe->user_data = ud(t, s, OP_SOCKET);
		s->pending = 1;
		s->state = S_SOCKET;
		return;
	}
	err = lg_conn_socket(t, s, 0, !u->ring_gso, u->ring_bind);
	if (err) {
		lg_note_start(t, &s->rec, k, now);
		s->err = -err;
		lg_finish(t, s, now);
		u->inflight--;
		return;
	}
	prep_connect(u, t, s);
}

/* The ring made the socket (res: fd or -errno): on to the connect. */
static void socket_done(struct uctx *u, struct lg_thread *t, struct lg_slot *s, int res,
			uint64_t now)
{
	struct lg_conn *r = &s->rec;
	int err = res < 0 ? res : u->stopping ? -EINTR : 0;

	if (res >= 0)
		s->fd = res;
	if (!err)
		err = lg_conn_socket(t, s, 0, !u->ring_gso, 1);
	if (!err) {
		prep_connect(u, t, s);
		return;
	}
	lg_note_start(t, r, (s->conn - t->idx) / t->c->o.threads, now);
	s->err = -err;
	lg_finish(t, s, now);
	u->inflight--;
}

/* All completions of slot s are in: next step, retry, or done. */
static void settle(struct uctx *u, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	struct lg_conn *r = &s->rec;
	int err;

	if (s->retry && !u->stopping) {
		close(s->fd);
		s->fd = -1;
		s->retry = 0;
		s->tries++;
		t->port_retries++;
		r->t_connected = 0;
		err = lg_conn_socket(t, s, 0, !u->ring_gso, u->ring_bind);
		if (err) {
			s->err = -err;
		} else {
			prep_connect(u, t, s);
			return;
		}
	} else if (s->retry) {
		s->err = EINTR;
	}
	if (!s->err && s->state == S_CONNECT && o->mode == LG_MODE_CRR)
		s->err = EINTR; /* connected while stopping: never sent */
	if (!s->err && s->state == S_TLS)
		s->err = u->stopping ? EINTR : EPROTO;
	if (!s->err && o->mode == LG_MODE_CRR && s->state == S_CRR && s->got < o->resp_bytes)
		s->err = u->stopping ? EINTR : ENODATA;
	lg_finish(t, s, now);
	u->inflight--;
}

static void on_cqe(struct uctx *u, struct lg_thread *t, const struct io_uring_cqe *cqe,
		   uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	int op = (int)(cqe->user_data & 15), res = cqe->res;
	struct lg_slot *s;
	struct lg_conn *r;

	if (cqe->user_data & LG_SRV_TAG) {
		u->srv_inflight +=
		    lg_srv_paired_cqe(o->paired, t->idx, &u->ring, cqe, now, u->stopping);
		return;
	}
	if (op == OP_CANCEL && !(cqe->user_data & UD_PREP))
		return;
	s = &t->slots[(cqe->user_data & ~UD_PREP) >> 4];
	r = &s->rec;
	s->pending--;
	if (op == OP_SOCKET)
		return socket_done(u, t, s, res, now);
	switch (op) {
	case OP_CANCEL: /* setsockopt or bind before the connect */
		if (res == -ECANCELED || res >= 0)
			break;
		if (res == -EADDRINUSE)
			t->tw_seen = 1; /* see lg_need_reuseaddr() */
		if ((res == -EADDRINUSE || res == -EADDRNOTAVAIL) && s->tries < LG_MAX_RETRIES)
			s->retry = 1;
		else
			fail(u, s, res);
		break;
	case OP_CONNECT:
		r->t_connected = now;
		if (res == 0) {
			if (u->stopping)
				break;
			if (o->tls)
				tls_start(u, t, s);
			else if (o->mode == LG_MODE_CRR)
				prep_crr(u, t, s);
			else
				prep_close(u, t, s);
		} else if ((res == -EADDRNOTAVAIL || res == -EADDRINUSE) &&
			   s->tries < LG_MAX_RETRIES) {
			s->retry = 1;
		} else if (res == -ECANCELED && !u->stopping) {
			if (!s->retry && !s->err) /* else: the bind failed */
				s->err = ETIMEDOUT;
		} else {
			fail(u, s, res);
		}
		break;
	case OP_SEND:
		if (res >= 0 && (uint32_t)res == o->req_bytes) {
			r->t_sent = now;
			s->sent = (uint32_t)res;
		} else {
			fail(u, s, res >= 0 ? -EPIPE : res);
		}
		break;
	case OP_RECV: {
		uint32_t left = o->resp_bytes - s->got;
		uint32_t len = left < t->recvlen ? left : t->recvlen;

		if (o->http) {
			if (res < 0) {
				fail(u, s, res);
			} else if (res == 0) {
				s->eof = 1;
				r->t_resp = now;
			} else {
				if (!r->t_first)
					r->t_first = now;
				s->got += (uint32_t)res;
				if (!r->status && s->got >= 12)
					r->status = lg_http_status(s->head, s->got < sizeof(s->head)
										? s->got
										: sizeof(s->head));
			}
			break;
		}
		if (res < 0) {
			fail(u, s, res);
			break;
		}
		if (res > 0 && !r->t_first)
			r->t_first = now; /* with MSG_WAITALL: the first read's completion */
		s->got += (uint32_t)res;
		if (s->got >= o->resp_bytes)
			r->t_resp = now;
		else if ((uint32_t)res < len && !s->err)
			s->err = short_reason(s->fd); /* the linked close was cancelled */
		break;
	}
	case OP_TSEND:
		if (res >= 0 && (uint32_t)res == s->sent)
			lg_tls_sent(t, s, now);
		else
			fail(u, s, res >= 0 ? -EPIPE : res);
		break;
	case OP_TRECV:
		if (res >= 0 && !s->err)
			lg_tls_input(t, s, lg_tls_of(t, s)->buf, (size_t)res, now);
		else if (res < 0)
			fail(u, s, res);
		break;
	case OP_EOF: /* the server's FIN: 0; stray bytes are ignored */
		if (res < 0)
			fail(u, s, res);
		break;
	case OP_CLOSE:
		if (res == 0) {
			s->fd = -1;
			s->closed = 1;
			r->t_closed = now;
		}
		break;
	default:
		break;
	}
	if (s->pending == 0) {
		if (s->state == S_TLS && !s->err && !u->stopping) {
			tls_pump(u, t, s);
			if (s->pending)
				return;
		}
		if (o->http && op == OP_RECV && !s->err && !u->stopping && !s->eof) {
			prep_recv_http(u, t, s);
			return;
		}
		if (!s->err && !u->stopping && op == OP_RECV && s->got < o->resp_bytes &&
		    !s->closed) {
			prep_recv(u, t, s);
			return;
		}
		settle(u, t, s, now);
	}
}

static int ring_init(struct uctx *u, unsigned int entries)
{
	unsigned int flags[] = {
	    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
	    0,
	};
	int err = -EINVAL;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		err = io_uring_queue_init(entries, &u->ring, flags[i]);
		if (err == 0)
			return 0;
	}
	return err;
}

static void cancel_all(struct uctx *u, struct lg_thread *t)
{
	struct io_uring_sqe *sqe;

	need(u, t, 1);
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	sqe->user_data = OP_CANCEL;
}

/* Connects and crr exchanges past their deadline: ETIMEDOUT, and their
 * connect, send and receives cancelled (-ECANCELED keeps the first error). */
static void check_timeouts(struct uctx *u, struct lg_thread *t, uint64_t now)
{
	static const int ops[] = {OP_CONNECT, OP_SEND, OP_RECV, OP_EOF, OP_TSEND, OP_TRECV};
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < t->nslots; i++) {
		struct lg_slot *s = &t->slots[i];
		struct io_uring_sqe *sqe;

		/* a connect prepared in this batch has no deadline until its
		 * submission stamps one (stamp_batch) */
		if ((s->state != S_CRR && s->state != S_CONNECT && s->state != S_TLS) || s->err ||
		    s->closed || !s->deadline)
			continue;
		if (s->deadline > now) {
			if (s->deadline < next)
				next = s->deadline;
			continue;
		}
		s->err = ETIMEDOUT;
		/* by user_data, not by fd: the fd number may be reused already */
		need(u, t, sizeof(ops) / sizeof(ops[0]));
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			sqe = io_uring_get_sqe(&u->ring);
			io_uring_prep_cancel64(sqe, ud(t, s, ops[k]), 0);
			sqe->user_data = OP_CANCEL;
		}
	}
	u->next_tmo = next;
}

static uint64_t wait_ns(struct uctx *u, struct lg_thread *t, uint64_t k_next, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	uint64_t w = LG_IDLE_WAIT_NS;

	if (!u->stopping && u->next_tmo != UINT64_MAX)
		w = u->next_tmo > now ? (u->next_tmo - now < w ? u->next_tmo - now : w) : 0;
	if (!u->stopping && o->rate > 0 && k_next < t->nconns && t->nfree) {
		uint64_t at = lg_sched(t, k_next);

		w = at > now ? (at - now < w ? at - now : w) : 0;
	}
	if (o->deadline_ns && !u->stopping) {
		uint64_t d = o->deadline_ns > now ? o->deadline_ns - now : 0;

		if (d < w)
			w = d;
	}
	return w;
}

#define LG_PAIRED_POLL_NS 1000000ull /* paired, own work done: check the others */

/* Paired, own connections done: keep serving the listener until every
 * client thread is done and this ring's server connections are closed. */
static int paired_busy(struct uctx *u, struct lg_thread *t)
{
	if (!t->c->o.paired)
		return 0;
	if (!u->own_done) {
		u->own_done = 1;
		atomic_fetch_sub(&t->c->busy, 1);
	}
	return atomic_load(&t->c->busy) > 0 || u->srv_inflight > 0;
}

int lg_run_uring(struct lg_thread *t)
{
	const struct lg_client_opts *o = &t->c->o;
	const uint32_t caps = t->c->caps.have;
	unsigned int entries = 64;
	uint64_t k_next = 0, drain_until = 0;
	struct uctx u;
	int err;

	memset(&u, 0, sizeof(u));
	while (entries < 4 * t->nslots + 8 && entries < 16384)
		entries *= 2;
	u.batch = calloc(t->nslots, sizeof(*u.batch));
	u.tbatch = o->tls ? calloc(t->nslots, sizeof(*u.tbatch)) : NULL;
	err = !u.batch || (o->tls && !u.tbatch) ? -ENOMEM : ring_init(&u, entries);
	if (err) {
		free(u.batch);
		free(u.tbatch);
		return err;
	}
	/* what the kernel lacks (lg_client__new probed it) is done with its
	 * syscall in lg_conn_socket() before the chain goes in; bind only
	 * with the setsockopts in the ring, which must come first */
	u.ring_gso = !!(caps & LG_URING_SOCKOPT);
	u.ring_bind = u.ring_gso && (caps & LG_URING_BIND);
	u.ring_sock = u.ring_bind && (caps & LG_URING_SOCKET);
	u.tmo_ns = (uint64_t)o->connect_timeout_ms * 1000000ull;
	u.next_tmo = UINT64_MAX;
	if (o->paired)
		lg_srv_paired_arm(o->paired, t->idx, &u.ring, u.ring_gso);
	for (;;) {
		uint64_t now = lg_now_ns(), w;
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;

		if (!u.stopping &&
		    (lg_should_stop(t, now) || (o->paired && lg_srv_paired_stopping(o->paired)))) {
			u.stopping = 1;
			drain_until = now + LG_DRAIN_NS;
			cancel_all(&u, t);
		}
		if (!u.stopping && now >= u.next_tmo)
			check_timeouts(&u, t, now);
		if (u.stopping) {
			if ((!u.inflight && u.srv_inflight <= 0) || now >= drain_until)
				break;
		} else {
			while (t->nfree && k_next < t->nconns &&
			       (o->rate <= 0 || lg_sched(t, k_next) <= now)) {
				start_one(&u, t, k_next, now);
				k_next++;
			}
			if (!u.inflight && k_next >= t->nconns && !paired_busy(&u, t))
				break;
		}
		w = wait_ns(&u, t, k_next, now);
		if (u.own_done && w > LG_PAIRED_POLL_NS)
			w = LG_PAIRED_POLL_NS;
		stamp_batch(&u, t);
		if (w == 0) {
			io_uring_submit_and_get_events(&u.ring);
		} else {
			struct __kernel_timespec ts = {.tv_sec = (long long)(w / 1000000000ull),
						       .tv_nsec = (long long)(w % 1000000000ull)};

			io_uring_submit_and_wait_timeout(&u.ring, &cqe, 1, &ts, NULL);
		}
		now = lg_now_ns();
		io_uring_for_each_cqe(&u.ring, head, cqe)
		{
			on_cqe(&u, t, cqe, now);
			n++;
		}
		io_uring_cq_advance(&u.ring, n);
	}
	/* drain timed out: give up on what is left */
	for (uint32_t i = 0; i < t->nslots; i++) {
		struct lg_slot *s = &t->slots[i];

		if (s->state == S_FREE)
			continue;
		if (!s->err)
			s->err = EINTR;
		lg_finish(t, s, lg_now_ns());
	}
	io_uring_queue_exit(&u.ring);
	if (o->paired)
		lg_srv_paired_leave(o->paired);
	free(u.batch);
	free(u.tbatch);
	return 0;
}
