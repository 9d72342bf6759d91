/* The accept-queue sampler thread (sampler.h). */
#include "harness/run/sampler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SB_SAMPLE_BATCH 64

struct sb_sampler {
	struct sb_probes *probes;
	uint32_t period_us;
	pthread_t thread;
	atomic_int stop;
	struct sb_listen_sample *v;
	size_t n, cap;
	uint64_t failed;
};

static void take(struct sb_sampler *s)
{
	struct sb_listen_sample batch[SB_SAMPLE_BATCH];
	int n = sb_probes__sample(s->probes, batch, SB_SAMPLE_BATCH);

	if (n < 0) {
		s->failed++;
		return;
	}
	if (s->n + (size_t)n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		struct sb_listen_sample *v;

		while (cap < s->n + (size_t)n)
			cap *= 2;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->failed++;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	memcpy(s->v + s->n, batch, (size_t)n * sizeof(*batch));
	s->n += (size_t)n;
}

static void *loop(void *arg)
{
	struct sb_sampler *s = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&s->stop)) {
		struct timespec t0, t1;
		long gap, took;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		take(s);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* at most a fifth of one CPU: a pass that had to walk every
		 * socket of the namespace, TIME_WAIT included (docs/kernel-facts.md, fact 14),
		 * would grow with the run (tcp_iter stops after the listeners) */
		took = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
		gap = (long)s->period_us * 1000;
		if (gap < 4 * took)
			gap = 4 * took;
		next = t1;
		next.tv_nsec += gap;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

int sb_sampler__start(struct sb_probes *p, uint32_t period_us, struct sb_sampler **out)
{
	struct sb_sampler *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->probes = p;
	s->period_us = period_us ? period_us : 5000;
	err = pthread_create(&s->thread, NULL, loop, s);
	if (err) {
		free(s);
		return -err;
	}
	*out = s;
	return 0;
}

void sb_sampler__stop(struct sb_sampler *s, struct sb_listen_sample **samples, size_t *n,
		      uint64_t *failed)
{
	*samples = NULL;
	*n = 0;
	*failed = 0;
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	take(s);
	*samples = s->v;
	*n = s->n;
	*failed = s->failed;
	free(s);
}
