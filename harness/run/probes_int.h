/* The probes' object, shared by their lifecycle (probes.c) and the
 * collection of what they gathered (probes_collect.c). Private to those
 * two files. */
#ifndef SB_PROBES_INT_H
#define SB_PROBES_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "harness/run/probes.h"

struct sb_kbtf;
struct bpf_link;
struct ring_buffer;
struct sb_listen_diag;

struct sb_probes {
	struct sb_probes_opts opts;
	struct sb_kbtf *btf; /* the kernel's BTF, read once */
	struct synbench *skel;
	struct sb_components plan;
	struct bpf_link *sample_link; /* sampler: sk_storage_iter or tcp_iter */
	struct bpf_link *find_link;   /* listener discovery (sk_storage_iter) */
	struct sb_listen_diag *diag;  /* sampler: tcp_info */
	int nlisteners;
	struct ring_buffer *rb;
	uint32_t catchers; /* twins loaded: 1 << enum sb_catcher */
	uint64_t close_missed_at_end; /* records left whose socket was gone */
	pthread_t thread;
	int thread_started;
	atomic_int stop;
	int stopped;
	/* records from the ring buffer, written by the consumer thread only
	 * until stop; read by collect after the thread has been joined */
	struct sb_krec *recs;
	size_t nrecs, caprecs;
	int oom; /* records that could not be stored in user space */
	uint64_t lost_user;
	struct sb_probe_cost cost; /* measured here, handed over by collect */
};

/* This thread's CPU time, ns: its kernel work included (verification, map
 * allocation, iterator passes). */
static inline uint64_t sb_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t sb_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
