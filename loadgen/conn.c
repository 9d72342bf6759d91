/* What both client engines do per connection: slots, local port rotation
 * and destination spread, the socket with its options, schedule
 * bookkeeping, outcomes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"
#include "loadgen/tls.h"

uint8_t lg_outcome_of(int err)
{
	switch (err) {
	case 0:
		return LG_OUT_OK;
	case ETIMEDOUT:
	case ECANCELED:
	case ETIME:
		return LG_OUT_TIMEOUT;
	case ECONNREFUSED:
		return LG_OUT_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return LG_OUT_RESET;
	default:
		return LG_OUT_ERROR;
	}
}

socklen_t lg_slot_dst_len(const struct lg_thread *t)
{
	return t->c->o.ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Next local port of the thread's share. Moving to the next destination on
 * every wrap makes the 4-tuple space ports x destinations. */
static uint16_t next_port(struct lg_thread *t)
{
	for (;;) {
		uint16_t p = t->port_next;

		if (p < t->port_lo || p > t->port_hi) {
			p = t->port_lo;
			t->dest_next++;
		}
		t->port_next = (uint16_t)(p + 1);
		if (p != t->c->o.port)
			return p;
	}
}

/* SO_REUSEADDR lets bind() take a port whose last connection is in
 * TIME_WAIT on our side; with RST, or a server that closes first, this run
 * makes none: one syscall less per connection. But an earlier run in the
 * same namespace (or another program) may have left TIME_WAIT sockets on our
 * ports: then bind() fails with EADDRINUSE on each of them, and a long row
 * of them used up a connection's port retries (seen on 6.1 under emulation,
 * where a crr run's clients often closed first). The first EADDRINUSE turns
 * SO_REUSEADDR on for the rest of the thread's connections (t->tw_seen). */
int lg_need_reuseaddr(const struct lg_thread *t)
{
	const struct lg_client_opts *o = &t->c->o;

	return t->tw_seen || (o->close != LG_CLOSE_RST &&
			      !(o->mode == LG_MODE_CRR && o->close_first == LG_CLOSE_FIRST_SERVER));
}

/* s->src: loopback (or the next of the client's addresses) and the
 * thread's next local port. */
static uint16_t next_src(struct lg_thread *t, struct lg_slot *s)
{
	const struct lg_client_opts *o = &t->c->o;
	uint16_t port = next_port(t);

	memset(&s->src, 0, sizeof(s->src));
	if (t->c->o.ipv6) {
		s->src.v6.sin6_family = AF_INET6;
		s->src.v6.sin6_port = htons(port);
		s->src.v6.sin6_addr = in6addr_loopback;
	} else {
		s->src.v4.sin_family = AF_INET;
		s->src.v4.sin_port = htons(port);
		/* a server beyond loopback (another host): the kernel picks
		 * the source address of the route */
		s->src.v4.sin_addr.s_addr =
		    o->src_addr ? htonl(ntohl(o->src_addr) + t->dest_next % (o->nsrc ? o->nsrc : 1))
		    : o->dest_addr && (ntohl(o->dest_addr) >> 24) != 127 ? htonl(INADDR_ANY)
									 : htonl(INADDR_LOOPBACK);
	}
	return port;
}

/* s->dst and the record's destination, local port and cookie. */
static void set_dst(struct lg_thread *t, struct lg_slot *s, uint16_t port, uint64_t cookie)
{
	const struct lg_client_opts *o = &t->c->o;
	struct lg_conn *r = &s->rec;

	memset(&s->dst, 0, sizeof(s->dst));
	if (o->ipv6) {
		s->dst.v6.sin6_family = AF_INET6;
		s->dst.v6.sin6_port = htons(o->port);
		s->dst.v6.sin6_addr = in6addr_loopback;
		r->raddr = 0;
	} else {
		uint32_t d = 1 + t->dest_next % (o->ndest ? o->ndest : 1);

		s->dst.v4.sin_family = AF_INET;
		s->dst.v4.sin_port = htons(o->port);
		s->dst.v4.sin_addr.s_addr = o->dest_addr ? o->dest_addr : htonl(0x7f000000u | d);
		r->raddr = s->dst.v4.sin_addr.s_addr;
	}
	r->cookie = cookie;
	r->lport = port;
	r->rport = o->port;
}

/* socket() (unless s->fd is one already), SO_COOKIE before connect,
 * SO_REUSEADDR + bind to our own rotating local port, SO_LINGER {1,0} for
 * rst close. With in_ring, only socket():
 * s->src gets the port and the engine does the rest in its ring. Fills
 * s->fd, s->dst and the record's cookie/ports/address (on a failure too:
 * the last port tried). 0 or negative errno. */
int lg_conn_socket(struct lg_thread *t, struct lg_slot *s, int nonblock, int want_cookie,
		   int in_ring)
{
	const struct lg_client_opts *o = &t->c->o;
	struct linger lin = {1, 0};
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int one = 1, fd, err = 0, reuse;
	uint16_t port = 0;

	fd = s->fd >= 0 ? s->fd /* made by the ring */
			: socket(o->ipv6 ? AF_INET6 : AF_INET,
				 SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	if (in_ring) {
		port = next_src(t, s);
		set_dst(t, s, port, 0);
		s->fd = fd;
		return 0;
	}
	reuse = lg_need_reuseaddr(t);
	if ((want_cookie && getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0) ||
	    (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) ||
	    (o->close == LG_CLOSE_RST &&
	     setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)) != 0)) {
		err = -errno;
		goto fail;
	}
	for (uint32_t i = 0;; i++) {
		port = next_src(t, s);
		if (bind(fd, (struct sockaddr *)&s->src, lg_slot_dst_len(t)) == 0)
			break;
		err = -errno;
		if (err == -EADDRINUSE && !reuse) {
			/* a TIME_WAIT socket on our port: see lg_need_reuseaddr() */
			t->tw_seen = 1;
			reuse = 1;
			if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
				err = -errno;
				goto fail;
			}
		}
		if ((err != -EADDRINUSE && err != -EADDRNOTAVAIL) || i >= LG_MAX_RETRIES)
			goto fail;
		t->port_retries++;
	}
	set_dst(t, s, port, cookie);
	s->fd = fd;
	return 0;
fail:
	set_dst(t, s, port, cookie);
	close(fd);
	s->fd = -1;
	return err;
}

int lg_slot_get(struct lg_thread *t)
{
	struct lg_slot *s;
	uint32_t i;

	if (!t->nfree)
		return -1;
	i = t->free_slots[--t->nfree];
	s = &t->slots[i];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	return (int)i;
}

/* Submission bookkeeping: t_submit, and t_sched plus lag in open loop. */
void lg_note_start(struct lg_thread *t, struct lg_conn *r, uint64_t k, uint64_t now)
{
	r->t_submit = now;
	r->thread = (uint8_t)t->idx;
	if (t->c->o.rate > 0) {
		uint64_t sched = lg_sched(t, k), lag = now > sched ? now - sched : 0;

		r->t_sched = sched;
		if (lag > LG_LATE_NS)
			t->behind++;
		if (lag > t->max_lag)
			t->max_lag = lag;
	} else {
		r->t_sched = now;
	}
}

void lg_flush(struct lg_thread *t)
{
	const struct lg_client_opts *o = &t->c->o;

	if (t->nout && o->sink)
		o->sink(o->sink_ctx, t->out, t->nout);
	t->nout = 0;
}

/* The finished record of slot s: into the batch for the sink, or (no sink)
 * at its k among the thread's kept records. Memory follows the connections
 * that finished, never the number asked for. */
static void keep(struct lg_thread *t, struct lg_slot *s)
{
	uint64_t k = (s->conn - t->idx) / t->c->o.threads;

	if (t->c->o.sink) {
		t->out[t->nout++] = s->rec;
		if (t->nout == LG_OUT_BATCH)
			lg_flush(t);
		return;
	}
	if (k >= t->nkept) {
		uint64_t n = t->nkept ? t->nkept : 1024;
		struct lg_conn *m;

		while (n <= k)
			n *= 2;
		if (n > t->nconns)
			n = t->nconns > k ? t->nconns : k + 1;
		m = realloc(t->kept, n * sizeof(*m));
		if (!m)
			return; /* the record is lost; done still counts it */
		memset(m + t->nkept, 0, (n - t->nkept) * sizeof(*m));
		t->kept = m;
		t->nkept = n;
	}
	t->kept[k] = s->rec;
}

/* The connection in slot s is over: record the outcome, close a still open
 * fd, hand its record on, free the slot. */
void lg_finish(struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	struct lg_conn *r = &s->rec;

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		r->t_closed = lg_now_ns();
	} else if (!r->t_closed) {
		r->t_closed = now;
	}
	if (!r->t_connected)
		r->t_connected = now;
	lg_tls_end(t, s);
	r->err = s->err;
	r->outcome = s->tls_failed ? LG_OUT_TLS : lg_outcome_of(s->err);
	keep(t, s);
	s->state = 0;
	if (s->err)
		t->failed++;
	else
		t->ok++;
	t->free_slots[t->nfree++] = (uint32_t)(s - t->slots);
	atomic_store_explicit(&t->done, atomic_load_explicit(&t->done, memory_order_relaxed) + 1,
			      memory_order_release);
}
