/* Client side common to both engines: threads, record array, slots, local
 * port rotation and destination spread, schedule bookkeeping, outcomes. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"

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

int lg_cpu_of(uint32_t idx)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	n = CPU_COUNT(&set);
	if (n < 1)
		return -1;
	idx %= (uint32_t)n;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && idx-- == 0)
			return cpu;
	return -1;
}

static uint32_t ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	return (uint32_t)CPU_COUNT(&set);
}

void lg_pin_self(uint32_t idx)
{
	int cpu = lg_cpu_of(idx);
	cpu_set_t one;

	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
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

/* s->src: loopback and the thread's next local port. */
static uint16_t next_src(struct lg_thread *t, struct lg_slot *s)
{
	uint16_t port = next_port(t);

	memset(&s->src, 0, sizeof(s->src));
	if (t->c->o.ipv6) {
		s->src.v6.sin6_family = AF_INET6;
		s->src.v6.sin6_port = htons(port);
		s->src.v6.sin6_addr = in6addr_loopback;
	} else {
		s->src.v4.sin_family = AF_INET;
		s->src.v4.sin_port = htons(port);
		s->src.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	return port;
}

/* s->dst and the record's destination, local port and cookie. */
static void set_dst(struct lg_thread *t, struct lg_slot *s, uint16_t port, uint64_t cookie)
{
	const struct lg_client_opts *o = &t->c->o;
	struct lg_conn *r = &t->c->conns[s->conn];

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

/* The connection in slot s is over: record the outcome, close a still open
 * fd, free the slot. */
void lg_finish(struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	struct lg_conn *r = &t->c->conns[s->conn];

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		r->t_closed = lg_now_ns();
	} else if (!r->t_closed) {
		r->t_closed = now;
	}
	if (!r->t_connected)
		r->t_connected = now;
	r->err = s->err;
	r->outcome = lg_outcome_of(s->err);
	s->state = 0;
	if (s->err)
		t->failed++;
	else
		t->ok++;
	t->free_slots[t->nfree++] = (uint32_t)(s - t->slots);
	atomic_store_explicit(&t->done, atomic_load_explicit(&t->done, memory_order_relaxed) + 1,
			      memory_order_release);
}

static uint32_t share(uint64_t total, uint32_t n, uint32_t i)
{
	return (uint32_t)(total / n + (i < total % n ? 1 : 0));
}

static int thread_init(struct lg_client *c, struct lg_thread *t, uint32_t i)
{
	const struct lg_client_opts *o = &c->o;
	uint32_t span = LG_PORT_MAX - LG_PORT_MIN + 1;
	uint64_t nslots;

	t->c = c;
	t->idx = i;
	t->nconns = o->conns / o->threads + (i < o->conns % o->threads ? 1 : 0);
	if (o->rate > 0)
		nslots = o->concurrency ? share(o->concurrency, o->threads, i) : 4096;
	else
		nslots = share(o->concurrency ? o->concurrency : o->threads, o->threads, i);
	if (nslots > t->nconns)
		nslots = t->nconns;
	if (nslots < 1)
		nslots = 1;
	t->nslots = (uint32_t)nslots;
	t->port_lo = (uint16_t)(LG_PORT_MIN + (uint64_t)span * i / o->threads);
	t->port_hi = (uint16_t)(LG_PORT_MIN + (uint64_t)span * (i + 1) / o->threads - 1);
	t->port_next = t->port_lo;
	t->slots = calloc(nslots, sizeof(*t->slots));
	t->free_slots = calloc(nslots, sizeof(*t->free_slots));
	t->recvlen = o->http || o->resp_bytes >= 65536 ? 65536 : (o->resp_bytes ? o->resp_bytes : 1);
	t->recvbuf = malloc(t->recvlen);
	t->sendbuf = malloc(o->req_bytes ? o->req_bytes : 1);
	if (!t->slots || !t->free_slots || !t->recvbuf || !t->sendbuf)
		return -ENOMEM;
	memset(t->sendbuf, 'q', o->req_bytes ? o->req_bytes : 1);
	if (o->req_data)
		memcpy(t->sendbuf, o->req_data, o->req_bytes);
	for (uint32_t s = 0; s < nslots; s++)
		t->free_slots[t->nfree++] = (uint32_t)(nslots - 1 - s);
	return 0;
}

int lg_client__new(const struct lg_client_opts *opts, struct lg_client **out)
{
	struct lg_client *c;
	int err;

	*out = NULL;
	if (!opts->conns || !opts->threads || opts->threads > 255 || !opts->port ||
	    (opts->ipv6 == 0 && opts->ndest > 254) || opts->rate < 0 ||
	    (opts->mode != LG_MODE_CONNECT && opts->mode != LG_MODE_CRR) ||
	    opts->close_first > LG_CLOSE_FIRST_SERVER ||
	    (opts->engine != LG_ENGINE_URING && opts->engine != LG_ENGINE_EPOLL))
		return -EINVAL;
	/* paired: thread i must run where listener i takes its SYNs */
	if (opts->paired &&
	    (opts->engine != LG_ENGINE_URING || opts->no_affinity || ncpus() < opts->threads))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->o = *opts;
	if (opts->engine == LG_ENGINE_URING) {
		err = lg_uring_caps_probe(&c->caps, NULL, 0);
		if (!err && lg_uring_caps_missing(&c->caps, LG_URING_BASE |
							     (opts->paired ? LG_URING_MULTISHOT : 0)))
			err = -EOPNOTSUPP;
		if (err) {
			free(c);
			return err;
		}
	}
	c->conns = calloc(opts->conns, sizeof(*c->conns));
	c->th = aligned_alloc(64, sizeof(*c->th) * opts->threads);
	if (!c->conns || !c->th) {
		err = -ENOMEM;
		goto fail;
	}
	memset(c->th, 0, sizeof(*c->th) * opts->threads);
	for (uint64_t i = 0; i < opts->conns; i++)
		c->conns[i].thread = (uint8_t)(i % opts->threads);
	for (uint32_t i = 0; i < opts->threads; i++) {
		err = thread_init(c, &c->th[i], i);
		if (err)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	c->o.threads = c->th ? opts->threads : 0;
	lg_client__free(c);
	return err;
}

static void *thread_main(void *arg)
{
	struct lg_thread *t = arg;

	if (!t->c->o.no_affinity)
		lg_pin_self(t->idx);
	if (t->c->o.engine == LG_ENGINE_URING)
		t->err = lg_run_uring(t);
	else
		t->err = lg_run_epoll(t);
	t->t_end = lg_now_ns();
	return NULL;
}

int lg_client__start(struct lg_client *c)
{
	int err = 0;

	if (c->running)
		return -EALREADY;
	c->t0 = lg_now_ns();
	c->period_ns_x16 = c->o.rate > 0 ? (uint64_t)(16e9 / c->o.rate) : 0;
	c->running = 1;
	atomic_store(&c->busy, c->o.threads);
	for (uint32_t i = 0; i < c->o.threads; i++) {
		err = -pthread_create(&c->th[i].tid, NULL, thread_main, &c->th[i]);
		if (err) {
			atomic_store(&c->abort, 1);
			break;
		}
		c->th[i].joinable = 1;
	}
	return err;
}

int lg_client__wait(struct lg_client *c)
{
	int err = 0;

	for (uint32_t i = 0; i < c->o.threads; i++) {
		if (!c->th[i].joinable)
			continue;
		pthread_join(c->th[i].tid, NULL);
		c->th[i].joinable = 0;
		if (c->th[i].err && !err)
			err = c->th[i].err;
	}
	return err;
}

uint64_t lg_client__done(const struct lg_client *c)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < c->o.threads; i++)
		n += atomic_load_explicit(&c->th[i].done, memory_order_acquire);
	return n;
}

void lg_client__stats(const struct lg_client *c, struct lg_client_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->t_start = c->t0;
	for (uint32_t i = 0; i < c->o.threads; i++) {
		const struct lg_thread *t = &c->th[i];

		st->started += t->started;
		st->done += atomic_load_explicit(&t->done, memory_order_acquire);
		st->ok += t->ok;
		st->failed += t->failed;
		st->behind_schedule += t->behind;
		if (t->max_lag > st->max_lag_ns)
			st->max_lag_ns = t->max_lag;
		st->port_retries += t->port_retries;
		if (t->t_end > st->t_end)
			st->t_end = t->t_end;
	}
}

const struct lg_uring_caps *lg_client__uring_caps(const struct lg_client *c)
{
	return &c->caps;
}

const struct lg_conn *lg_client__conns(const struct lg_client *c, uint64_t *n)
{
	*n = c->o.conns;
	return c->conns;
}

void lg_client__free(struct lg_client *c)
{
	if (!c)
		return;
	if (c->th) {
		atomic_store(&c->abort, 1);
		lg_client__wait(c);
		for (uint32_t i = 0; i < c->o.threads; i++) {
			free(c->th[i].slots);
			free(c->th[i].free_slots);
			free(c->th[i].recvbuf);
			free(c->th[i].sendbuf);
		}
	}
	free(c->th);
	free(c->conns);
	free(c);
}
