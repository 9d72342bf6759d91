/* epoll client engine: non-blocking connect, EPOLLOUT + SO_ERROR, then the
 * same steps as the io_uring engine. Timeouts are kept by the engine: the
 * connect, and then the crr request/response phase, each get the connect
 * timeout, so the earliest deadline is known and a scan of the slots happens
 * only when it passes. --tls (tls.h): after the connect, the TLS engine's
 * output is send()t from its memory BIO and what recv() reads is fed to it,
 * until the exchange is done. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"
#include "loadgen/tls.h"

enum { S_FREE = 0, S_CONNECT, S_SEND, S_RECV, S_EOF, S_TLS };

struct ectx {
	int epfd;
	uint64_t inflight;
	uint64_t tmo_ns;   /* connect (and crr phase) timeout, 0 = none */
	uint64_t next_tmo; /* earliest deadline, UINT64_MAX = none */
};

static int arm(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)(s - t->slots)};
	int op = s->pending ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (epoll_ctl(e->epfd, op, s->fd, &ev) != 0)
		return -errno;
	s->pending = 1; /* registered */
	return 0;
}

static void done(struct ectx *e, struct lg_thread *t, struct lg_slot *s, int err, uint64_t now)
{
	if (err && !s->err)
		s->err = err;
	lg_finish(t, s, now);
	e->inflight--;
}

/* --http: read to the server's FIN, keeping the first bytes for the status. */
static void do_recv_http(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	struct lg_conn *r = &s->rec;

	for (;;) {
		int in_head = s->got < sizeof(s->head);
		ssize_t n = recv(s->fd, in_head ? s->head + s->got : t->recvbuf,
				 in_head ? sizeof(s->head) - s->got : t->recvlen, 0);

		if (n > 0) {
			if (!r->t_first)
				r->t_first = lg_now_ns();
			s->got += (uint32_t)n;
			if (!r->status && s->got >= 12)
				r->status = lg_http_status(s->head, s->got < sizeof(s->head)
									? s->got
									: sizeof(s->head));
			continue;
		}
		if (n == 0) {
			r->t_resp = lg_now_ns();
			return done(e, t, s, s->got ? 0 : ENODATA, now);
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		return done(e, t, s, errno, now);
	}
}

static void do_recv(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;

	if (o->http)
		return do_recv_http(e, t, s, now);

	while (s->got < o->resp_bytes) {
		uint32_t left = o->resp_bytes - s->got;
		ssize_t n = recv(s->fd, t->recvbuf, left < t->recvlen ? left : t->recvlen, 0);

		if (n > 0) {
			if (!s->rec.t_first)
				s->rec.t_first = lg_now_ns();
			s->got += (uint32_t)n;
			continue;
		}
		if (n == 0)
			return done(e, t, s, ENODATA, now);
		if (errno == EAGAIN || errno == EINTR)
			return;
		return done(e, t, s, errno, now);
	}
	if (s->state == S_RECV)
		s->rec.t_resp = lg_now_ns();
	if (o->close_first != LG_CLOSE_FIRST_SERVER)
		return done(e, t, s, 0, now);
	/* wait for the server's FIN before closing; stray bytes are dropped */
	s->state = S_EOF;
	for (;;) {
		ssize_t n = recv(s->fd, t->recvbuf, t->recvlen, 0);

		if (n == 0)
			return done(e, t, s, 0, now);
		if (n > 0 || errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return; /* still armed for EPOLLIN */
		return done(e, t, s, errno, now);
	}
}

static void do_send(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	int err;

	while (s->sent < o->req_bytes) {
		ssize_t n = send(s->fd, t->sendbuf + s->sent, o->req_bytes - s->sent, MSG_NOSIGNAL);

		if (n >= 0) {
			s->sent += (uint32_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EINTR) {
			s->state = S_SEND;
			err = arm(e, t, s, EPOLLOUT);
			if (err)
				done(e, t, s, -err, now);
			return;
		}
		return done(e, t, s, errno, now);
	}
	s->rec.t_sent = lg_now_ns();
	s->state = S_RECV;
	err = arm(e, t, s, EPOLLIN);
	if (err)
		done(e, t, s, -err, now);
}

/* --tls: send what the TLS engine wrote, feed it what arrives, until the
 * exchange is over or the socket has to wait. */
static void tls_pump(struct ectx *e, struct lg_thread *t, struct lg_slot *s)
{
	struct lg_conn *r = &s->rec;

	for (;;) {
		const char *p;
		size_t n = lg_tls_peek(t, s, &p);
		ssize_t k;
		int ph, err;

		if (n) {
			if (!r->t_tls_start)
				r->t_tls_start = lg_now_ns();
			k = send(s->fd, p, n, MSG_NOSIGNAL);
			if (k > 0) {
				lg_tls_consume(t, s, (size_t)k);
				if ((size_t)k == n)
					lg_tls_sent(t, s, lg_now_ns());
				continue;
			}
			if (errno == EAGAIN || errno == EINTR) {
				err = arm(e, t, s, EPOLLOUT);
				if (err)
					done(e, t, s, -err, lg_now_ns());
				return;
			}
			return done(e, t, s, errno, lg_now_ns());
		}
		ph = lg_tls_phase_of(t, s);
		if (ph == LG_TLS_DONE)
			return done(e, t, s, 0, lg_now_ns());
		if (ph == LG_TLS_FAILED)
			return done(e, t, s, s->err ? s->err : EPROTO, lg_now_ns());
		k = recv(s->fd, t->recvbuf, t->recvlen, 0);
		if (k >= 0) {
			lg_tls_input(t, s, t->recvbuf, (size_t)k, lg_now_ns());
			continue;
		}
		if (errno == EAGAIN || errno == EINTR) {
			err = arm(e, t, s, EPOLLIN);
			if (err)
				done(e, t, s, -err, lg_now_ns());
			return;
		}
		return done(e, t, s, errno, lg_now_ns());
	}
}

static void connected(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	s->rec.t_connected = now;
	if (t->c->o.mode == LG_MODE_CONNECT)
		return done(e, t, s, 0, now);
	if (e->tmo_ns) {
		s->deadline = now + e->tmo_ns;
		if (s->deadline < e->next_tmo)
			e->next_tmo = s->deadline;
	}
	if (t->c->o.tls) {
		s->state = S_TLS;
		if (lg_tls_begin(t, s))
			return done(e, t, s, s->err, now);
		return tls_pump(e, t, s);
	}
	s->state = S_SEND;
	do_send(e, t, s, now);
}

/* connect() on the slot's socket; retries other local ports on a busy
 * 4-tuple. */
static void do_connect(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t k)
{
	struct lg_conn *r = &s->rec;
	uint64_t now;
	int err;

	for (;;) {
		err = lg_conn_socket(t, s, 1, 1, 0);
		now = lg_now_ns();
		if (err) {
			if (!s->tries)
				lg_note_start(t, r, k, now);
			return done(e, t, s, -err, now);
		}
		if (s->tries)
			r->t_submit = now;
		else
			lg_note_start(t, r, k, now);
		if (connect(s->fd, (struct sockaddr *)&s->dst, lg_slot_dst_len(t)) == 0)
			return connected(e, t, s, lg_now_ns());
		err = errno;
		if (err == EINPROGRESS)
			break;
		if ((err != EADDRNOTAVAIL && err != EADDRINUSE) || s->tries >= LG_MAX_RETRIES) {
			r->t_connected = lg_now_ns();
			return done(e, t, s, err, r->t_connected);
		}
		close(s->fd);
		s->fd = -1;
		s->tries++;
		t->port_retries++;
	}
	s->state = S_CONNECT;
	err = arm(e, t, s, EPOLLOUT);
	if (err)
		return done(e, t, s, -err, now);
	s->deadline = r->t_submit + e->tmo_ns;
	if (e->tmo_ns && s->deadline < e->next_tmo)
		e->next_tmo = s->deadline;
}

static void on_event(struct ectx *e, struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	switch (s->state) {
	case S_CONNECT:
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
			soerr = errno;
		if (soerr == EINPROGRESS || soerr == EALREADY)
			return;
		if (soerr == EADDRNOTAVAIL && s->tries < LG_MAX_RETRIES) {
			uint64_t conn = s->conn;

			close(s->fd);
			s->fd = -1;
			s->pending = 0;
			s->tries++;
			t->port_retries++;
			s->conn = conn;
			return do_connect(e, t, s, (conn - t->idx) / t->c->o.threads);
		}
		if (soerr) {
			s->rec.t_connected = now;
			return done(e, t, s, soerr, now);
		}
		return connected(e, t, s, now);
	case S_SEND:
		return do_send(e, t, s, now);
	case S_RECV:
	case S_EOF:
		return do_recv(e, t, s, now);
	case S_TLS:
		return tls_pump(e, t, s);
	default:
		return;
	}
}

/* Times out the connects and crr exchanges whose deadline passed;
 * recomputes the earliest. */
static void check_timeouts(struct ectx *e, struct lg_thread *t, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < t->nslots; i++) {
		struct lg_slot *s = &t->slots[i];

		if (s->state == S_FREE)
			continue;
		if (s->deadline <= now) {
			if (s->state == S_CONNECT)
				s->rec.t_connected = now;
			done(e, t, s, ETIMEDOUT, now);
		} else if (s->deadline < next) {
			next = s->deadline;
		}
	}
	e->next_tmo = next;
}

static uint64_t wait_ns(struct ectx *e, struct lg_thread *t, uint64_t k_next, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	uint64_t w = LG_IDLE_WAIT_NS, at = UINT64_MAX;

	if (o->rate > 0 && k_next < t->nconns && t->nfree)
		at = lg_sched(t, k_next);
	if (e->next_tmo < at)
		at = e->next_tmo;
	if (o->deadline_ns && o->deadline_ns < at)
		at = o->deadline_ns;
	if (at != UINT64_MAX)
		w = at > now ? (at - now < w ? at - now : w) : 0;
	return w;
}

int lg_run_epoll(struct lg_thread *t)
{
	const struct lg_client_opts *o = &t->c->o;
	struct epoll_event *evs;
	uint32_t maxev = t->nslots < 1024 ? t->nslots : 1024;
	uint64_t k_next = 0;
	struct ectx e = {.next_tmo = UINT64_MAX};

	e.tmo_ns = (uint64_t)o->connect_timeout_ms * 1000000ull;
	e.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e.epfd < 0)
		return -errno;
	evs = calloc(maxev, sizeof(*evs));
	if (!evs) {
		close(e.epfd);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t now = lg_now_ns(), w;
		struct timespec ts;
		int n;

		if (lg_should_stop(t, now))
			break;
		if (e.tmo_ns && now >= e.next_tmo)
			check_timeouts(&e, t, now);
		while (t->nfree && k_next < t->nconns &&
		       (o->rate <= 0 || lg_sched(t, k_next) <= now)) {
			struct lg_slot *s = &t->slots[lg_slot_get(t)];

			s->conn = t->idx + k_next * o->threads;
			t->started++;
			e.inflight++;
			do_connect(&e, t, s, k_next);
			k_next++;
		}
		if (!e.inflight && k_next >= t->nconns)
			break;
		w = wait_ns(&e, t, k_next, lg_now_ns());
		ts.tv_sec = (time_t)(w / 1000000000ull);
		ts.tv_nsec = (long)(w % 1000000000ull);
		n = epoll_pwait2(e.epfd, evs, (int)maxev, &ts, NULL);
		if (n <= 0)
			continue;
		now = lg_now_ns();
		for (int i = 0; i < n; i++) {
			struct lg_slot *s = &t->slots[evs[i].data.u64];

			if (s->state != S_FREE)
				on_event(&e, t, s, now);
		}
	}
	/* stopped: close what is still open */
	for (uint32_t i = 0; i < t->nslots; i++) {
		struct lg_slot *s = &t->slots[i];

		if (s->state == S_FREE)
			continue;
		done(&e, t, s, EINTR, lg_now_ns());
	}
	free(evs);
	close(e.epfd);
	return 0;
}
