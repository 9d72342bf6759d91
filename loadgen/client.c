/* The client: its options, threads, record array and the engine each thread
 * runs (client_uring.c or client_epoll.c); the connection helpers both
 * engines share are in conn.c, CPU pinning in cpu.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"
#include "loadgen/tls.h"

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
	t->recvlen = o->http || o->tls || o->resp_bytes >= 65536 ? 65536 : (o->resp_bytes ? o->resp_bytes : 1);
	t->recvbuf = malloc(t->recvlen);
	t->sendbuf = malloc(o->req_bytes ? o->req_bytes : 1);
	t->out = o->sink ? calloc(LG_OUT_BATCH, sizeof(*t->out)) : NULL;
	if (!t->slots || !t->free_slots || !t->recvbuf || !t->sendbuf || (o->sink && !t->out))
		return -ENOMEM;
	memset(t->sendbuf, 'q', o->req_bytes ? o->req_bytes : 1);
	if (o->req_data)
		memcpy(t->sendbuf, o->req_data, o->req_bytes);
	for (uint32_t s = 0; s < nslots; s++)
		t->free_slots[t->nfree++] = (uint32_t)(nslots - 1 - s);
	return o->tls ? lg_tls_thread_init(t) : 0;
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
	    (opts->engine != LG_ENGINE_URING && opts->engine != LG_ENGINE_EPOLL) ||
	    (opts->tls && (opts->mode != LG_MODE_CRR || opts->paired)))
		return -EINVAL;
	/* paired: thread i must run where listener i takes its SYNs */
	if (opts->paired &&
	    (opts->engine != LG_ENGINE_URING || opts->no_affinity || lg_ncpus() < opts->threads))
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
	c->th = aligned_alloc(64, sizeof(*c->th) * opts->threads);
	if (!c->th) {
		err = -ENOMEM;
		goto fail;
	}
	memset(c->th, 0, sizeof(*c->th) * opts->threads);
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
	lg_flush(t);
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

const struct lg_conn *lg_client__conns(struct lg_client *c, uint64_t *n)
{
	*n = 0;
	if (c->o.sink)
		return NULL;
	if (!c->conns) {
		c->conns = calloc(c->o.conns, sizeof(*c->conns));
		if (!c->conns)
			return NULL;
		for (uint32_t i = 0; i < c->o.threads; i++) {
			const struct lg_thread *t = &c->th[i];

			for (uint64_t k = 0; k < t->nkept; k++) {
				uint64_t at = t->idx + k * c->o.threads;

				if (at < c->o.conns)
					c->conns[at] = t->kept[k];
			}
		}
	}
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
			free(c->th[i].out);
			free(c->th[i].kept);
			lg_tls_thread_free(&c->th[i]);
		}
	}
	free(c->th);
	free(c->conns);
	free(c);
}
