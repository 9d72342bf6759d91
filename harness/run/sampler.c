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
	struct timespec end; /* the last pass's end, and its time in ns */
	long took;
	int halted;	     /* sb_sampler__halt: the thread joined */
	size_t last_at;	     /* where the caller's last pass began, */
	int passed;	     /* and whether it took one */
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

/* The pause after a pass that took `took` ns: the period, and at most a
 * fifth of one CPU: a pass that had to walk every socket of the namespace,
 * TIME_WAIT included (docs/kernel-facts.md, fact 14), would grow with the
 * run (tcp_iter stops after the listeners) */
static void pause_after(const struct sb_sampler *s)
{
	struct timespec next = s->end;
	long gap = (long)s->period_us * 1000;

	if (gap < 4 * s->took)
		gap = 4 * s->took;
	next.tv_nsec += gap;
	while (next.tv_nsec >= 1000000000L) {
		next.tv_nsec -= 1000000000L;
		next.tv_sec++;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
}

/* one pass, its end and the time it took kept */
static void timed_take(struct sb_sampler *s)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	take(s);
	clock_gettime(CLOCK_MONOTONIC, &s->end);
	s->took = (s->end.tv_sec - t0.tv_sec) * 1000000000L + (s->end.tv_nsec - t0.tv_nsec);
}

static void *loop(void *arg)
{
	struct sb_sampler *s = arg;

	for (;;) {
		pause_after(s);
		if (atomic_load(&s->stop))
			break;
		timed_take(s);
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
	/* the first pass before the caller goes on: every listener's drops
	 * counted from before the traffic it starts (a thread's first pass
	 * could come after it, late under emulation) */
	timed_take(s);
	err = pthread_create(&s->thread, NULL, loop, s);
	if (err) {
		free(s->v);
		free(s);
		return -err;
	}
	*out = s;
	return 0;
}

void sb_sampler__halt(struct sb_sampler *s)
{
	if (!s || s->halted)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	s->halted = 1;
}

void sb_sampler__pass(struct sb_sampler *s, int replace)
{
	if (!s || !s->halted)
		return;
	if (replace && s->passed)
		s->n = s->last_at;
	s->last_at = s->n;
	take(s);
	s->passed = 1;
}

void sb_sampler__stop(struct sb_sampler *s, struct sb_listen_sample **samples, size_t *n,
		      uint64_t *failed)
{
	*samples = NULL;
	*n = 0;
	*failed = 0;
	if (!s)
		return;
	sb_sampler__halt(s);
	if (!s->passed)
		take(s);
	*samples = s->v;
	*n = s->n;
	*failed = s->failed;
	free(s);
}
