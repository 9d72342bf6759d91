/* The probes' object, shared by their lifecycle (probes.c) and the
 * collection of what they gathered (probes_collect.c). Private to those
 * two files. */
#ifndef SB_PROBES_INT_H
#define SB_PROBES_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "harness/run/probes.h"
#include "harness/run/recq.h"

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
	struct sb_recq recq;	/* the records' queues, mapped */
	struct ring_buffer *rb; /* --trace-states' ring buffer, or NULL */
	uint32_t catchers; /* twins loaded: 1 << enum sb_catcher */
	uint64_t close_missed_at_end; /* records left whose socket was gone */
	pthread_t thread;
	int thread_started;
	atomic_int stop;
	int stopped;
	/* records from the queues, written by the consumer thread only
	 * until stop; read by collect after the thread has been joined */
	struct sb_krec *recs;
	size_t nrecs, caprecs;
	int oom; /* records that could not be stored in user space */
	uint64_t lost_user;
	struct sb_probe_cost cost; /* measured here, handed over by collect */
	/* BPF run-time statistics while open (-1: none, or closed); the
	 * consumer closes it after window_records records (0: at the end) */
	int stats_fd;
	uint64_t window_records;
	/* the MIB-compared counters at the window's begin and end
	 * (window_begin, window_end) */
	int windowed;
	uint64_t win0_counters[SB_NCOUNTERS], win_counters[SB_NCOUNTERS];
	uint64_t win0_drops[SB_MAX_DROP_REASONS], win_drops[SB_MAX_DROP_REASONS];
};

/* This thread's CPU time, ns: its kernel work included (verification, map
 * allocation, iterator passes). */
static inline uint64_t sb_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The counter of a component's events (enum sb_counter), -1 for the
 * listener sampler (its passes: cost.passes). */
static inline int sb_comp_counter(int comp)
{
	switch (comp) {
	case SB_COMP_STATE_CHANGES:
		return SB_C_EVENTS;
	case SB_COMP_SYN_RETRANSMITS:
		return SB_C_SYN_RETRANS;
	case SB_COMP_SYNACK_RETRANSMITS:
		return SB_C_SYNACK_RETRANS;
	case SB_COMP_DROPS:
		return SB_C_DROPS;
	default:
		return -1;
	}
}

static inline uint64_t sb_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
