/* The kernel view's bracket, one for a run and a watch (observe.h). */
#include "harness/run/observe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "harness/cli/msg.h"
#include "harness/run/listen_owner.h"
#include "harness/run/mib.h"
#include "harness/run/netns.h"
#include "harness/run/sampler.h"

struct sb_observe {
	struct sb_probes *probes;
	struct sb_sampler *sampler;
	struct sb_mib_snap *mib0, *mib1;
	/* sb_observe__peer_mib: the other namespace's reader and snapshots */
	int (*peer_read)(void *ctx, struct sb_mib_snap **out);
	void *peer_ctx;
	struct sb_mib_snap *peer0, *peer1;
	int bpf_stats;	  /* asked to count the programs' run time */
	int stats_fd;	  /* BPF run-time statistics while open, -1 */
	double cpu0[2], cpu1[2]; /* user, sys at the begin and the sampling's end */
	uint64_t busy0;		 /* every CPU's busy time at the begin */
	uint32_t sample_us;
	int owners_due; /* sampled: sb_observe__owners to run */
};

static void cpu_now(double cpu[2])
{
	struct rusage ru;

	cpu[0] = cpu[1] = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		cpu[0] = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
		cpu[1] = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	}
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A MIB snapshot (and the peer namespace's, when there is one) with the
 * probes' MIB-compared counters read on both sides of it, as the window's
 * begin (end 0) or end (end 1: the listeners' last sample too, its sk_drops
 * compared with them): again while they moved in between (a busy server's
 * retransmits and drops), 8 times at most, so that both sides count the
 * same events. 0 or negative errno. */
static int mib_between_marks(struct sb_observe *ob, struct sb_mib_snap **snap,
			     struct sb_mib_snap **peer, int end)
{
	int e = -EIO;

	for (int i = 0; i < 8; i++) {
		sb_probes__window_mark(ob->probes, end);
		if (end)
			sb_sampler__pass(ob->sampler, i > 0); /* halted: NULL or ours */
		sb_mib_snap__free(*snap);
		sb_mib_snap__free(*peer);
		*snap = *peer = NULL;
		e = sb_mib_snap__read(snap);
		if (!e && ob->peer_read)
			e = ob->peer_read(ob->peer_ctx, peer);
		if (e || !sb_probes__window_mark(ob->probes, end))
			break;
	}
	return e;
}

void sb_observe__peer_mib(struct sb_observe *ob, int (*read)(void *ctx, struct sb_mib_snap **out),
			  void *ctx)
{
	ob->peer_read = read;
	ob->peer_ctx = ctx;
}

int sb_observe__new(const struct sb_probes_opts *po, int bpf_stats, struct sb_rundata *rd,
		    struct sb_observe **out, char *err, size_t errlen)
{
	struct sb_observe *ob = calloc(1, sizeof(*ob));
	int e;

	*out = NULL;
	if (!ob) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ob->stats_fd = -1;
	ob->bpf_stats = bpf_stats;
	snprintf(rd->attach_plan, sizeof(rd->attach_plan), "none");
	if (po) {
		e = sb_probes__new(po, &ob->probes, err, errlen);
		if (e) {
			free(ob);
			return e;
		}
		snprintf(rd->attach_plan, sizeof(rd->attach_plan), "%s",
			 sb_probes__plan(ob->probes));
		/* a degradation is a warning: said even with --quiet */
		for (int c = 0; c < SB_NCOMPONENTS; c++) {
			const struct sb_component_state *s = &sb_probes__components(ob->probes)->c[c];

			if (s->error[0])
				sb_error("%s runs as %s on this kernel (%s)", sb_component_name(c),
					 sb_comp_mode_name(s->mode), s->error);
		}
	}
	*out = ob;
	return 0;
}

struct sb_probes *sb_observe__probes(const struct sb_observe *ob)
{
	return ob ? ob->probes : NULL;
}

int sb_observe__begin(struct sb_observe *ob, struct sb_rundata *rd, uint32_t sample_us,
		      char *err, size_t errlen)
{
	struct utsname un;

	uname(&un);
	snprintf(rd->kernel_release, sizeof(rd->kernel_release), "%s", un.release);
	iso_now(rd->started_at, sizeof(rd->started_at));
	if (mib_between_marks(ob, &ob->mib0, &ob->peer0, 0)) {
		snprintf(err, errlen, "cannot read /proc/net/netstat and /proc/net/snmp%s",
			 ob->peer_read ? " (of the server's or the client's namespace)" : "");
		return -EIO;
	}
	cpu_now(ob->cpu0);
	ob->busy0 = sb_machine_busy_ns();
	ob->sample_us = sample_us;
	if (!ob->probes)
		return 0;
	/* the programs' run time counts while this fd is open; the kernel
	 * drops back by itself when it closes, even on a crash */
	if (ob->bpf_stats)
		ob->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	rd->bpf_stats_on =
		ob->stats_fd >= 0 || sb_sysctl_read_int("kernel.bpf_stats_enabled", 0) == 1;
	/* a run of known size counts over its first records only (an eighth
	 * of its connections when both ends are recorded, at least 4,000
	 * records) and scales to the run: the statistics themselves cost
	 * about as much as the programs (docs/speed.md); a watch counts all
	 * along */
	if (ob->stats_fd >= 0) {
		uint64_t conns = rd->opts ? rd->opts->conns : 0;

		sb_probes__stats_window(ob->probes, ob->stats_fd, conns / 4 >= 4000 ? conns / 4 : 0);
		ob->stats_fd = -1; /* the probes' now */
	}
	if (sb_probes__start(ob->probes) ||
	    (sample_us && sb_probes__components(ob->probes)->c[SB_COMP_LISTENER_SAMPLER].mode &&
	     sb_sampler__start(ob->probes, sample_us, &ob->sampler))) {
		snprintf(err, errlen, "cannot start the probe threads");
		return -EAGAIN;
	}
	return 0;
}

void sb_observe__end_sampling(struct sb_observe *ob, struct sb_rundata *rd)
{
	if (!ob->mib1)
		cpu_now(ob->cpu1);
	/* the listeners' last sample, the probes' counters and the kernel's
	 * read together, nothing slow between: the kernel may still count
	 * drops (a ghost client's ACK, answering a retransmitted SYN-ACK,
	 * meeting a full queue adds to sk_drops, ListenDrops and the
	 * TCP_LISTEN_OVERFLOW drops at once) and retransmits (a request socket
	 * left in a server's queue), and each side must cover what the
	 * others do */
	sb_sampler__halt(ob->sampler);
	if (!ob->mib1 && mib_between_marks(ob, &ob->mib1, &ob->peer1, 1) == 0 && ob->mib0) {
		sb_mib_deltas(ob->mib0, ob->mib1, &rd->mib, &rd->nmib);
		if (ob->peer0 && ob->peer1)
			sb_mib_deltas(ob->peer0, ob->peer1, &rd->client_mib, &rd->nclient_mib);
	}
	if (ob->sampler) {
		sb_sampler__stop(ob->sampler, &rd->samples, &rd->nsamples, &rd->lost_samples);
		ob->owners_due = 1;
	}
	ob->sampler = NULL;
}

void sb_observe__owners(struct sb_observe *ob, struct sb_rundata *rd)
{
	if (ob->owners_due)
		sb_listen_owners(rd); /* while the listeners are still open */
	ob->owners_due = 0;
}

int sb_observe__end(struct sb_observe *ob, struct sb_rundata *rd, char *err, size_t errlen)
{
	struct rusage ru;
	double cpu[2];

	sb_observe__end_sampling(ob, rd);
	sb_observe__owners(ob, rd);
	if (ob->probes) {
		sb_probes__stop(ob->probes);
		if (sb_probes__collect(ob->probes, rd)) {
			snprintf(err, errlen, "out of memory while collecting the probes' counters");
			return -ENOMEM;
		}
	}
	if (ob->stats_fd >= 0)
		close(ob->stats_fd);
	ob->stats_fd = -1;
	rd->cost.machine_busy_ns = ob->busy0 ? sb_machine_busy_ns() - ob->busy0 : 0;
	rd->cost.period_us = ob->sample_us;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rd->max_rss_kb = (uint64_t)ru.ru_maxrss;
	cpu_now(cpu);
	rd->cpu_user_s = cpu[0];
	rd->cpu_sys_s = cpu[1];
	return 0;
}

void sb_observe__cpu(const struct sb_observe *ob, double *user_s, double *sys_s)
{
	*user_s = ob->cpu1[0] - ob->cpu0[0];
	*sys_s = ob->cpu1[1] - ob->cpu0[1];
}

void sb_observe__free(struct sb_observe *ob)
{
	if (!ob)
		return;
	if (ob->sampler) {
		struct sb_listen_sample *s;
		size_t n;
		uint64_t f;

		sb_sampler__stop(ob->sampler, &s, &n, &f);
		free(s);
	}
	if (ob->stats_fd >= 0)
		close(ob->stats_fd);
	sb_probes__free(ob->probes);
	sb_mib_snap__free(ob->mib0);
	sb_mib_snap__free(ob->mib1);
	sb_mib_snap__free(ob->peer0);
	sb_mib_snap__free(ob->peer1);
	free(ob);
}
