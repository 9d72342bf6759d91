/* The probes' collection after they stop: counters, histograms, drop
 * reasons, what each program cost, into a run's data (probes.h). */
#include "harness/run/probes_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness/run/krec.h"
#include "harness/run/bigmem.h"
#include "harness/run/netns.h"
#include "harness/run/probes_kmem.h"
#include "harness/run/probes_plan.h"
#include "harness/cli/msg.h"
#include "synbench.skel.h"


/* Events the kernel skipped because the program was already running on
 * that CPU (bpf_prog_info.recursion_misses, Linux >= 5.12) that no catcher
 * twin caught (a state change's where no twin runs go to
 * rd->state_misses_recovered instead), and the time
 * all programs ran (run_time_ns/run_cnt: counted only while
 * kernel.bpf_stats_enabled=1); cost (NULL: none) gains the programs'
 * count, their verification and run time per component. */
static uint64_t prog_stats(struct sb_probes *p, struct sb_rundata *rd, struct sb_probe_cost *cost)
{
	struct bpf_program *prog;
	uint64_t n = 0, caught;

	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		const char *name = bpf_program__name(prog);
		size_t nl = strlen(name);
		int comp;

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			continue;
		comp = cost ? sb_probes_plan_component(p->skel, prog) : -1;
		if (comp >= 0 && cost->window_events) {
			/* counted over the window: scaled by the component's
			 * events in the run over those in the window */
			int k = sb_comp_counter(comp);
			uint64_t all = k >= 0 ? rd->counters[k] : p->cost.passes;
			uint64_t in = cost->window_counts[comp];

			if (in && all > in) {
				info.run_time_ns = (__u64)((double)info.run_time_ns * all / in);
				info.run_cnt = (__u64)((double)info.run_cnt * all / in);
			}
			cost->unmeasured[comp] = in ? 0 : all;
		}
		rd->bpf_run_ns += info.run_time_ns;
		rd->bpf_runs += info.run_cnt;
		if (cost) {
			cost->programs++;
			cost->verified_insns += info.verified_insns;
		}
		if (comp >= 0) {
			cost->run_ns[comp] += info.run_time_ns;
			cost->runs[comp] += info.run_cnt;
		}
		if (p->opts.verbose && (info.run_cnt || info.recursion_misses))
			sb_error("bpf %-22s %10llu runs %7.1f ns/run %llu missed", name,
				 (unsigned long long)info.run_cnt,
				 info.run_cnt ? (double)info.run_time_ns / (double)info.run_cnt
					      : 0.0,
				 (unsigned long long)info.recursion_misses);
		/* A _nested twin is skipped only when an interrupt hits while it
		 * runs its quick check; then its handler is idle and handles
		 * the hit: never a loss. */
		if (nl > 7 && strcmp(name + nl - 7, "_nested") == 0)
			continue;
		/* a state change skipped where no twin runs left a marked
		 * record (partial_records, close_missed_records): recovered,
		 * not lost. Where the twin runs it catches every skip
		 * (SB_C_NESTED, subtracted below): any other is a loss. */
		if (strstr(name, "set_state") &&
		    !(strcmp(name, "btf_set_state") == 0 && p->catchers & 1u << SB_CATCH_STATE)) {
			rd->state_misses_recovered += info.recursion_misses;
			continue;
		}
		n += info.recursion_misses;
	}
	/* the tp_btf handlers' skips that their twins caught are not losses */
	caught = rd->counters[SB_C_NESTED];
	return n > caught ? n - caught : 0;
}

/* Every element of a per-CPU array of n keys, each value vwords u64 per CPU,
 * into vals (key-major, then CPU): one batch lookup (Linux 5.6), else one
 * lookup per key. 0 or -errno. */
static int lookup_all(int fd, uint32_t n, size_t vwords, uint64_t *vals, int ncpu)
{
	uint32_t *keys = malloc((n ? n : 1) * sizeof(*keys)), out = 0, count = n;
	int e = keys ? bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL) : -1;

	free(keys);
	/* the whole array at once: ENOENT says the end was reached */
	if ((e == 0 || errno == ENOENT) && count == n)
		return 0;
	for (uint32_t key = 0; key < n; key++)
		if (bpf_map_lookup_elem(fd, &key, vals + (size_t)key * ncpu * vwords) != 0)
			return -errno;
	return 0;
}

/* full's histogram h (the layout of rundata.h) from the kernel's slot k */
static void put_hist(uint64_t *full, unsigned int h, const uint64_t *compact, unsigned int k)
{
	memcpy(full + (size_t)h * SB_HIST_BUCKETS, compact + (size_t)k * SB_HIST_BUCKETS,
	       SB_HIST_BUCKETS * sizeof(uint64_t));
}

/* The kernel's per-CPU compact histograms (hist.h: chunks of buckets),
 * summed over CPUs and spread to the full layout of rundata.h (dwell pair
 * slots by sb_dwell_slot(); the handshake and child-established histograms
 * are their dwell pairs, which the kernel counts once); with_dwell 0: full
 * holds the SB_H_DWELL histograms before the dwell pairs only. */
static int read_hists(struct sb_probes *p, uint64_t *full, int ncpu, int with_dwell)
{
	const uint32_t total = SB_NKHISTS * SB_HIST_BUCKETS, nel = SB_NKHISTS * SB_HIST_NCHUNK;
	int fd = bpf_map__fd(p->skel->maps.hists);
	uint64_t *vals = sb_bigmem_malloc((size_t)total * (size_t)ncpu, sizeof(*vals));
	uint64_t *compact = sb_bigmem_calloc(total, sizeof(*compact));
	int err = 0;

	_Static_assert(SB_HIST_CHUNK * SB_HIST_NCHUNK == SB_HIST_BUCKETS,
		       "the chunks cover the buckets");
	if (!vals || !compact) {
		err = -ENOMEM;
		goto out;
	}
	err = lookup_all(fd, nel, SB_HIST_CHUNK, vals, ncpu);
	/* element e, CPU c, bucket i of the chunk: bucket e * CHUNK + i */
	for (uint32_t e = 0; e < nel && !err; e++)
		for (int c = 0; c < ncpu; c++) {
			const uint64_t *v = vals + ((size_t)e * ncpu + c) * SB_HIST_CHUNK;

			for (uint32_t i = 0; i < SB_HIST_CHUNK; i++)
				compact[(size_t)e * SB_HIST_CHUNK + i] += v[i];
		}
	if (err)
		goto out;
	put_hist(full, SB_H_SRTT, compact, SB_KH_SRTT);
	put_hist(full, SB_H_HANDSHAKE, compact,
		 SB_KH_DWELL + sb_dwell_slot(SB_TCP_SYN_SENT, SB_TCP_ESTABLISHED));
	put_hist(full, SB_H_CHILD_EST, compact,
		 SB_KH_DWELL + sb_dwell_slot(SB_TCP_SYN_RECV, SB_TCP_ESTABLISHED));
	for (unsigned int o = 0; o < SB_NSTATES && with_dwell; o++)
		for (unsigned int n = 0; n < SB_NSTATES; n++)
			if (sb_dwell_slot(o, n) < SB_NDWELL)
				put_hist(full, SB_H_DWELL + o * SB_NSTATES + n, compact,
					 SB_KH_DWELL + sb_dwell_slot(o, n));
out:
	free(vals);
	free(compact);
	return err;
}

/* Each drop reason summed over the CPUs, in one batch (a lookup per reason
 * took about a millisecond); vals holds SB_MAX_DROP_REASONS * ncpu. 0 or
 * negative errno. */
static int read_drops(struct sb_probes *p, uint64_t *drops, uint64_t *vals, int ncpu)
{
	int e = lookup_all(bpf_map__fd(p->skel->maps.drops), SB_MAX_DROP_REASONS, 1, vals, ncpu);

	for (uint32_t k = 0; k < SB_MAX_DROP_REASONS && !e; k++) {
		drops[k] = 0;
		for (int c = 0; c < ncpu; c++)
			drops[k] += vals[(size_t)k * (size_t)ncpu + (size_t)c];
	}
	return e;
}

/* Every counter and drop reason, summed over the CPUs. */
static int read_counts(struct sb_probes *p, uint64_t *counters, uint64_t *drops)
{
	int ncpu = libbpf_num_possible_cpus(), fd, e;
	uint64_t *vals;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)SB_MAX_DROP_REASONS * (size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(p->skel->maps.counters);
	for (uint32_t c = 0; c < SB_NCOUNTERS; c++)
		counters[c] = sb_counter_sum(fd, c, vals, ncpu);
	e = read_drops(p, drops, vals, ncpu);
	free(vals);
	return e;
}

/* The counters compared with the kernel's MIB counters (identities.c,
 * kview.c); the sockets' counters stay as at the detach, where the
 * records end. */
static const uint32_t windowed[] = {
	SB_C_SYN_RETRANS,    SB_C_SYNACK_RETRANS,	 SB_C_DROPS,
	SB_C_NS2_SYN_RETRANS, SB_C_NS2_SYNACK_RETRANS, SB_C_NS2_DROPS,
};
#define SB_NWINDOWED (sizeof(windowed) / sizeof(windowed[0]))

/* The windowed counters and the drop reasons now: 1 if they moved since
 * the last read into the same arrays, 0 if not, negative errno */
static int window_read(struct sb_probes *p, uint64_t *counters, uint64_t *drops)
{
	int ncpu = libbpf_num_possible_cpus(), moved = 0, fd, e;
	uint64_t *vals, v, d[SB_MAX_DROP_REASONS];

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)SB_MAX_DROP_REASONS * (size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(p->skel->maps.counters);
	for (size_t i = 0; i < SB_NWINDOWED; i++) {
		v = sb_counter_sum(fd, windowed[i], vals, ncpu);
		moved |= v != counters[windowed[i]];
		counters[windowed[i]] = v;
	}
	e = read_drops(p, d, vals, ncpu);
	free(vals);
	if (e)
		return e;
	moved |= memcmp(d, drops, sizeof(d)) != 0;
	memcpy(drops, d, sizeof(d));
	return moved;
}

int sb_probes__window_mark(struct sb_probes *p, int end)
{
	int r;

	if (!p || !p->skel || p->stopped)
		return 0;
	r = window_read(p, end ? p->win_counters : p->win0_counters,
			end ? p->win_drops : p->win0_drops);
	/* a failed read: the end's counters as collect reads them, the
	 * begin's from the attach (the arrays stay as they were) */
	if (end)
		p->windowed = r >= 0;
	return r != 0;
}

int sb_probes__collect(struct sb_probes *p, struct sb_rundata *rd)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	uint64_t t0 = sb_wall_ns(), c0 = sb_thread_cpu_ns();

	err = read_counts(p, rd->counters, rd->drops);
	if (err)
		return err;
	for (size_t i = 0; i < SB_NWINDOWED && p->windowed; i++)
		rd->counters[windowed[i]] = p->win_counters[windowed[i]] - p->win0_counters[windowed[i]];
	for (size_t r = 0; r < SB_MAX_DROP_REASONS && p->windowed; r++)
		rd->drops[r] = p->win_drops[r] - p->win0_drops[r];
	sb_drop_reason_names(p->btf, rd->drop_names, SB_MAX_DROP_REASONS);
	rd->retrans_fail_untraced = !sb_retransmit_traces_failures(p->btf);

	rd->hists = sb_bigmem_calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(uint64_t));
	if (rd->hists)
		read_hists(p, rd->hists, ncpu, 1);
	/* records kept here (no on_record sink): expanded into rd */
	rd->krecs = p->opts.on_record ? NULL : calloc(p->nrecs ? p->nrecs : 1, sizeof(*rd->krecs));
	if (!rd->krecs && !p->opts.on_record) {
		free(rd->hists);
		rd->hists = NULL;
	} else {
		for (size_t i = 0; i < p->nrecs; i++)
			sb_krec_expand(&p->recs[i], sizeof(p->recs[i]), &rd->krecs[i]);
		rd->nkrecs = p->nrecs;
	}
	free(p->recs);
	p->recs = NULL;
	p->nrecs = p->caprecs = 0;
	rd->missed_events = prog_stats(p, rd, &p->cost);
	rd->counters[SB_C_REPLACED] += p->close_missed_at_end;
	rd->kernel_map_bytes = sb_map_bytes(p->skel->obj, ncpu);
	/* records that reached user space but could not be kept */
	rd->counters[SB_C_RB_FAIL] += p->lost_user;
	snprintf(rd->attach_plan, sizeof(rd->attach_plan), "%s", sb_probes__plan(p));
	rd->components = p->plan;
	/* counted while the observation's enable-stats descriptor is open
	 * (observe.c) or the sysctl is on */
	p->cost.bpf_stats = rd->bpf_stats_on;
	p->cost.collect_ns += sb_wall_ns() - t0;
	p->cost.collect_cpu_ns += sb_thread_cpu_ns() - c0;
	rd->cost = p->cost;
	return rd->hists ? 0 : -ENOMEM;
}

void sb_rundata_free_kernel(struct sb_rundata *rd)
{
	free(rd->krecs);
	rd->krecs = NULL;
	rd->nkrecs = 0;
	free(rd->hists);
	rd->hists = NULL;
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++) {
		free((void *)rd->drop_names[i]);
		rd->drop_names[i] = NULL;
	}
}

/* ---- while the probes run (bench watch --serve): probes.h ---- */

int sb_probes__peek(struct sb_probes *p, struct sb_rundata *rd)
{
	int ncpu = libbpf_num_possible_cpus(), verbose = p->opts.verbose, e;
	uint64_t *vals = ncpu > 0 ? calloc((size_t)SB_MAX_DROP_REASONS * (size_t)ncpu, sizeof(*vals))
				  : NULL;
	if (!vals)
		return ncpu > 0 ? -ENOMEM : -EINVAL;
	for (uint32_t c = 0; c < SB_NCOUNTERS; c++)
		rd->counters[c] = sb_counter_sum(bpf_map__fd(p->skel->maps.counters), c, vals, ncpu);
	e = read_drops(p, rd->drops, vals, ncpu);
	free(vals);
	/* the SB_H_DWELL histograms (rd->hists holds those only) */
	if (!e && rd->hists)
		e = read_hists(p, rd->hists, ncpu, 0);
	if (!e && !rd->drop_names[0])
		sb_drop_reason_names(p->btf, rd->drop_names, SB_MAX_DROP_REASONS);
	/* as sb_probes__collect counts them, without its per-program lines */
	rd->bpf_run_ns = rd->bpf_runs = rd->state_misses_recovered = 0;
	p->opts.verbose = 0;
	rd->missed_events = prog_stats(p, rd, NULL);
	p->opts.verbose = verbose;
	rd->counters[SB_C_RB_FAIL] += p->lost_user;
	return e;
}

int sb_probes__tracked(struct sb_probes *p, int (*emit)(void *ctx, void *data, size_t len),
		       void *ctx)
{
	struct sb_flush f = { .emit = emit, .ctx = ctx };

	sb_flush_slots(bpf_map__fd(p->skel->maps.slots), bpf_map__max_entries(p->skel->maps.slots),
		       bpf_map__fd(p->skel->maps.socks), &f);
	return 0;
}
