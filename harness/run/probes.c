/* The kernel probes' lifecycle: plan, load, attach, consume, sample, stop
 * (probes.h); collecting what they gathered is probes_collect.c. */
#include "harness/run/probes.h"
#include "harness/run/probes_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/membarrier.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness/run/kbtf.h"
#include "harness/run/krec.h"
#include "harness/run/listen_diag.h"
#include "harness/run/netns.h"
#include "harness/run/probes_kmem.h"
#include "harness/run/probes_plan.h"
#include "harness/run/recq.h"
#include "harness/cli/msg.h"
#include "synbench.skel.h"

#define SB_SLOTS_MIN (1u << 10)
#define SB_SLOTS_MAX (1u << 20)

/* The first program libbpf complains about during one load: the planner
 * moves its component down its ladder. libbpf's print callback is global;
 * loads happen on one thread before any other starts. */
static struct {
	int verbose;
	char prog[64];
	char why[200];
} load_log;

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[512], *q, *end;

	if (load_log.verbose) {
		va_list copy;

		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN || load_log.prog[0])
		return 0;
	vsnprintf(line, sizeof(line), fmt, args);
	q = strstr(line, "prog '");
	if (!q)
		return 0;
	q += strlen("prog '");
	end = strchr(q, '\'');
	if (!end || (size_t)(end - q) >= sizeof(load_log.prog))
		return 0;
	snprintf(load_log.prog, sizeof(load_log.prog), "%.*s", (int)(end - q), q);
	q = end + 1;
	q += strspn(q, ": ");
	q[strcspn(q, "\n")] = 0;
	snprintf(load_log.why, sizeof(load_log.why), "%s", q);
	return 0;
}

static int attach_sampler(struct sb_probes *p);

/* The catcher twin of handler i (enum sb_catcher), and where the skeleton
 * keeps its link (NULL: not wanted). */
static struct bpf_program *catcher_twin(struct synbench *s, int i, struct bpf_link ***link)
{
	struct bpf_program *twin[SB_NCATCH] = {
		[SB_CATCH_STATE] = s->progs.btf_set_state_nested,
		[SB_CATCH_RETRANSMIT] = s->progs.btf_retransmit_nested,
		[SB_CATCH_SYNACK] = s->progs.btf_synack_nested,
		[SB_CATCH_DROP] = s->progs.btf_drop_nested,
	};
	struct bpf_link **links[SB_NCATCH] = {
		[SB_CATCH_STATE] = &s->links.btf_set_state_nested,
		[SB_CATCH_RETRANSMIT] = &s->links.btf_retransmit_nested,
		[SB_CATCH_SYNACK] = &s->links.btf_synack_nested,
		[SB_CATCH_DROP] = &s->links.btf_drop_nested,
	};

	if (link)
		*link = links[i];
	return twin[i];
}

/* The _nested catcher twins load where they pay: a twin costs a run per
 * event (~30 ns). On the rare retransmit events they cost nothing. On the
 * state changes they are kept: without them a connect() burst lost the
 * ESTABLISHED stamp of 2.8% of the clients (279 of 10,000 in
 * ./bench --conns 10000 --backlog 5: a softirq's SYN_SENT->ESTABLISHED over a
 * handler running for another connect()), the main latency of the report.
 * On the drops they caught nothing in 200,000-connection FIN runs.
 * SYNBENCH_CATCHERS=all|none overrides (to measure what they catch).
 * Returns the twins loaded, 1 << enum sb_catcher. */
static uint32_t catchers_apply(struct synbench *s)
{
	const char *e = getenv("SYNBENCH_CATCHERS");
	uint32_t want = 1u << SB_CATCH_STATE | 1u << SB_CATCH_RETRANSMIT | 1u << SB_CATCH_SYNACK;
	uint32_t on = 0;

	if (e && strcmp(e, "all") == 0)
		want = (1u << SB_NCATCH) - 1;
	else if (e && strcmp(e, "none") == 0)
		want = 0;
	/* a handler and its twin find each other's notes by their frame
	 * address, the same for both only in JIT-compiled code (the
	 * interpreter's frame depends on the program's stack size) */
	if (sb_sysctl_read_int("net.core.bpf_jit_enable", 1) == 0)
		want = 0;
	for (int i = 0; i < SB_NCATCH; i++) {
		struct bpf_program *twin = catcher_twin(s, i, NULL);

		if (!(want & 1u << i))
			bpf_program__set_autoload(twin, false);
		/* attach_twins(): after every handler */
		bpf_program__set_autoattach(twin, false);
		if (bpf_program__autoload(twin))
			on |= 1u << i;
	}
	s->rodata->catchers = on;
	return on;
}

/* The twins go first: a twin left alone would take every event for one
 * its handler skipped (counted as caught: 187 catches for 182 skips on 6.12
 * under the kernel matrix, the other namespaces' events after the
 * handlers' detach); a handler alone for a moment only notes. */
static void detach_twins(struct sb_probes *p)
{
	for (int i = 0; i < SB_NCATCH; i++) {
		struct bpf_link **link;

		catcher_twin(p->skel, i, &link);
		bpf_link__destroy(*link);
		*link = NULL;
	}
}

/* A twin must run after its handler for each event: it handles what its
 * handler did not note (bpf/synbench.bpf.c). A tracepoint calls its probes
 * in the order they were attached (priorities equal), so the twins are
 * attached once every handler is. */
static int attach_twins(struct sb_probes *p)
{
	for (int i = 0; i < SB_NCATCH; i++) {
		struct bpf_link **link;
		struct bpf_program *twin = catcher_twin(p->skel, i, &link);
		int err;

		if (!(p->catchers & 1u << i))
			continue;
		*link = bpf_program__attach(twin);
		if (!*link) {
			err = -errno;
			snprintf(load_log.prog, sizeof(load_log.prog), "%s", bpf_program__name(twin));
			snprintf(load_log.why, sizeof(load_log.why), "attach: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The per-socket slot array: four times the sockets open at once (a client
 * and a child per connection in flight, a few queued), so that few collide;
 * the hash behind it takes the collisions and whatever outgrows the array
 * (an accept queue that is never drained, an open loop that falls behind). */
static void socket_maps_size(const struct sb_probes_opts *o, uint32_t *slots, uint32_t *hash)
{
	uint64_t open = 2 * (uint64_t)(o->in_flight ? o->in_flight : 1024) + 1024, cap;
	uint32_t n = SB_SLOTS_MIN;

	while (n < 4 * open && n < SB_SLOTS_MAX)
		n <<= 1;
	if (o->slots)
		n = o->slots;
	*slots = n;
	cap = 2 * o->conns + 4096; /* never more sockets than the run opens */
	*hash = (uint32_t)(open + 4096 < cap ? open + 4096 : cap);
}

/* open + configure + load + attach with the current plan. A refused
 * program is named in load_log. */
static int try_load(struct sb_probes *p)
{
	const struct sb_probes_opts *o = &p->opts;
	int ncpu = libbpf_num_possible_cpus(), err;
	uint32_t slots, hash, qslots = sb_recq_slots(ncpu);

	p->skel = synbench__open();
	if (!p->skel)
		return -errno;
	p->skel->rodata->netns_ino = o->netns_ino;
	p->skel->rodata->netns_ino2 = o->netns_ino2;
	p->skel->rodata->nports = o->nports;
	p->skel->rodata->trace_states = o->on_state != NULL;
	if (o->on_state)
		bpf_map__set_max_entries(p->skel->maps.trace, 4u << 20);
	for (uint32_t i = 0; i < o->nports && i < SB_MAX_PORTS; i++)
		p->skel->rodata->ports[i] = o->ports[i];
	socket_maps_size(o, &slots, &hash);
	p->skel->rodata->slot_mask = slots - 1;
	bpf_map__set_max_entries(p->skel->maps.slots, slots);
	bpf_map__set_max_entries(p->skel->maps.socks, hash);
	/* the record queues: two per CPU (handlers, catcher twins) */
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	p->skel->rodata->recq_ncpu = (__u32)ncpu;
	p->skel->rodata->recq_slots = qslots;
	p->skel->rodata->recq_tslots = sb_recq_entries(1, qslots) - qslots;
	bpf_map__set_max_entries(p->skel->maps.recq_ctl, 2 * (uint32_t)ncpu);
	bpf_map__set_max_entries(p->skel->maps.recq, sb_recq_entries((uint32_t)ncpu, qslots));
	sb_probes_plan_apply(&p->plan, p->skel);
	p->catchers = catchers_apply(p->skel);
	bpf_program__set_autoattach(p->skel->progs.live_socks, false);
	load_log.prog[0] = 0;
	p->cost.loads++;
	err = synbench__load(p->skel);
	if (!err)
		err = synbench__attach(p->skel);
	if (!err)
		err = attach_twins(p);
	if (!err)
		err = attach_sampler(p);
	if (!err && (err = sb_recq__map(&p->recq, bpf_map__fd(p->skel->maps.recq_ctl),
					bpf_map__fd(p->skel->maps.recq), (uint32_t)ncpu, qslots))) {
		snprintf(load_log.prog, sizeof(load_log.prog), "(record queues)");
		snprintf(load_log.why, sizeof(load_log.why), "mmap: %s", strerror(-err));
	}
	if (err) {
		bpf_link__destroy(p->sample_link);
		bpf_link__destroy(p->find_link);
		p->sample_link = p->find_link = NULL;
		synbench__destroy(p->skel);
		p->skel = NULL;
	}
	return err;
}

static unsigned int loaded_programs(const struct sb_probes *p)
{
	struct bpf_program *prog;
	unsigned int n = 0;

	bpf_object__for_each_program(prog, p->skel->obj)
		n += bpf_program__fd(prog) >= 0;
	return n;
}

/* n records to the sink, or kept here (compact: expanded after the run) */
static void on_records(void *ctx, const struct sb_krec *r, size_t n)
{
	struct sb_probes *p = ctx;

	if (p->opts.on_record) {
		p->opts.on_record(p->opts.on_record_ctx, r, n);
		return;
	}
	if (p->nrecs + n > p->caprecs) {
		size_t cap = p->caprecs ? p->caprecs * 2 : 4096;
		struct sb_krec *m;

		while (cap < p->nrecs + n)
			cap *= 2;
		m = realloc(p->recs, cap * sizeof(*m));
		if (!m) {
			p->lost_user += n;
			return;
		}
		p->recs = m;
		p->caprecs = cap;
	}
	memcpy(&p->recs[p->nrecs], r, n * sizeof(*r));
	p->nrecs += n;
}

/* One record of len bytes (the flush at the end: a slot's record) */
static int on_record(void *ctx, void *data, size_t len)
{
	struct sb_krec r;

	if (len < SB_KREC_V4)
		return 0;
	memset(&r, 0, sizeof(r));
	memcpy(&r, data, len < sizeof(r) ? len : sizeof(r));
	on_records(ctx, &r, 1);
	return 0;
}

static int on_trace(void *ctx, void *data, size_t len)
{
	struct sb_probes *p = ctx;

	if (len >= sizeof(struct sb_state_event))
		p->opts.on_state(p->opts.on_state_ctx, data);
	return 0;
}

static int env_check(char *err, size_t errlen)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, errlen,
			 "kernel BTF not found at /sys/kernel/btf/vmlinux; the probes need a "
			 "kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux >= 5.8), or run with "
			 "--no-probes");
		return -ENOENT;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "needs root (or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and "
			 "CAP_SYS_ADMIN); run it with sudo");
		return -EPERM;
	}
	return 0;
}

/* The sampler's iterators are attached by hand (sk_storage_iter: with its
 * map); tcp_info needs no BPF. A failure names the program in load_log. */
static int attach_sampler(struct sb_probes *p)
{
	struct synbench *s = p->skel;
	int err;

	switch (p->plan.c[SB_COMP_LISTENER_SAMPLER].mode) {
	case SB_MODE_SK_STORAGE_ITER: {
		union bpf_iter_link_info linfo = {
			.map.map_fd = (__u32)bpf_map__fd(s->maps.listeners),
		};
		LIBBPF_OPTS(bpf_iter_attach_opts, iopts, .link_info = &linfo,
			    .link_info_len = sizeof(linfo));

		p->sample_link = bpf_program__attach_iter(s->progs.sample_listeners, &iopts);
		if (!p->sample_link) {
			err = -errno;
			snprintf(load_log.prog, sizeof(load_log.prog), "sample_listeners");
			snprintf(load_log.why, sizeof(load_log.why), "attach: %s", strerror(-err));
			return err;
		}
		p->find_link = bpf_program__attach_iter(s->progs.find_listeners, NULL);
		if (!p->find_link) {
			err = -errno;
			snprintf(load_log.prog, sizeof(load_log.prog), "find_listeners");
			snprintf(load_log.why, sizeof(load_log.why), "attach: %s", strerror(-err));
			return err;
		}
		return 0;
	}
	case SB_MODE_TCP_ITER:
		p->sample_link = bpf_program__attach_iter(s->progs.sample_listeners_tcp, NULL);
		if (!p->sample_link) {
			err = -errno;
			snprintf(load_log.prog, sizeof(load_log.prog), "sample_listeners_tcp");
			snprintf(load_log.why, sizeof(load_log.why), "attach: %s", strerror(-err));
			return err;
		}
		return 0;
	case SB_MODE_FILE_ITER: {
		/* this process's descriptors only (Linux 6.1) */
		union bpf_iter_link_info linfo = { .task.pid = (__u32)getpid() };
		LIBBPF_OPTS(bpf_iter_attach_opts, iopts, .link_info = &linfo,
			    .link_info_len = sizeof(linfo));

		p->sample_link = bpf_program__attach_iter(s->progs.sample_listeners_file, &iopts);
		if (!p->sample_link) {
			err = -errno;
			snprintf(load_log.prog, sizeof(load_log.prog), "sample_listeners_file");
			snprintf(load_log.why, sizeof(load_log.why), "attach: %s", strerror(-err));
			return err;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* tcp_info needs a sock_diag socket; without one the sampler is off. */
static void open_diag(struct sb_probes *p)
{
	struct sb_component_state *c = &p->plan.c[SB_COMP_LISTENER_SAMPLER];
	int err;

	if (c->mode != SB_MODE_TCP_INFO)
		return;
	err = sb_listen_diag__new(p->opts.ports, p->opts.nports, &p->diag);
	if (!err)
		err = sb_listen_diag__sample(p->diag, NULL, 0) < 0 ? -EPROTONOSUPPORT : 0;
	if (err) {
		size_t n = strlen(c->error);

		snprintf(c->error + n, sizeof(c->error) - n, "%ssock_diag: %s (CONFIG_INET_DIAG)",
			 n ? "; " : "", strerror(-err));
		c->mode = SB_MODE_OFF;
		sb_listen_diag__free(p->diag);
		p->diag = NULL;
	}
}

/* Up to this many loads: every refusal moves one component one step. */
#define SB_MAX_LOADS 16

int sb_probes__new(const struct sb_probes_opts *opts, struct sb_probes **out, char *err,
		   size_t errlen)
{
	uint64_t t0 = sb_wall_ns(), c0 = sb_thread_cpu_ns(), c1, c2;
	struct sb_probes *p;
	int e;

	load_log.verbose = opts->verbose;
	libbpf_set_print(print_cb);
	e = env_check(err, errlen);
	if (e)
		return e;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->opts = *opts;
	p->stats_fd = -1;
	sb_kbtf__open(&p->btf); /* none: every check below fails, and says so */
	c1 = sb_thread_cpu_ns();
	e = sb_probes_plan_init(opts, p->btf, &p->plan, err, errlen);
	c2 = sb_thread_cpu_ns();
	for (int i = 0; i < SB_MAX_LOADS && (!e || e == -EAGAIN); i++) {
		char why[256];

		e = try_load(p);
		if (!e)
			break;
		if (!load_log.prog[0]) {
			libbpf_strerror(e, why, sizeof(why)); /* libbpf's own codes too */
			snprintf(err, errlen,
				 "could not load the BPF probes (%s); rerun with -v for "
				 "libbpf's log, or use --no-probes",
				 why);
			break;
		}
		snprintf(why, sizeof(why), "%s", load_log.why);
		if (opts->verbose)
			sb_error("load %d: %s refused: %s", i + 1, load_log.prog, why);
		/* the planner needs the skeleton's programs: open one to look */
		p->skel = synbench__open();
		if (!p->skel) {
			e = -errno;
			break;
		}
		e = sb_probes_plan_demote(&p->plan, opts, p->btf, p->skel, load_log.prog, why, err,
					  errlen);
		synbench__destroy(p->skel);
		p->skel = NULL;
		if (!e)
			e = -EAGAIN;
	}
	if (e) {
		if (e == -EAGAIN)
			snprintf(err, errlen,
				 "could not load the BPF probes after %d "
				 "tries; rerun with -v for libbpf's log",
				 SB_MAX_LOADS);
		sb_kbtf__free(p->btf);
		free(p);
		return e;
	}
	open_diag(p);
	/* --trace-states: every transition through a ring buffer (the
	 * records have their queues) */
	if (opts->on_state)
		p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.trace), on_trace, p, NULL);
	if (opts->on_state && !p->rb) {
		e = -errno;
		snprintf(err, errlen,
			 "could not open the --trace-states ring buffer (%s); needs "
			 "Linux >= 5.8",
			 strerror(-e));
		sb_probes__free(p);
		return e;
	}
	p->cost.setup_ns = sb_wall_ns() - t0;
	p->cost.setup_cpu_ns = sb_thread_cpu_ns() - c0;
	if (opts->verbose)
		sb_error("probes set up: %.1f ms CPU (BTF read %.1f, plan and trial loads %.1f, "
			 "%u load%s of %u programs: maps, verification, attach %.1f), %.1f ms wall",
			 p->cost.setup_cpu_ns / 1e6, (c1 - c0) / 1e6, (c2 - c1) / 1e6, p->cost.loads,
			 p->cost.loads == 1 ? "" : "s", loaded_programs(p),
			 (p->cost.setup_cpu_ns - (c2 - c0)) / 1e6, p->cost.setup_ns / 1e6);
	*out = p;
	return 0;
}

const struct sb_components *sb_probes__components(const struct sb_probes *p)
{
	return &p->plan;
}

const char *sb_probes__plan(const struct sb_probes *p)
{
	return sb_comp_mode_name(p->plan.c[SB_COMP_STATE_CHANGES].mode);
}

/* Ends the window of BPF run-time statistics: each component's events so
 * far kept to scale its run time to the run. The statistics cost two clock
 * reads per program run, a state change's twin included: about 1.5 us per
 * crr connection on the development VMs, as much as the programs. Where
 * another holder keeps them on (kernel.bpf_stats_enabled still 1), they
 * count the whole run: nothing to scale. */
static void stats_window_end(struct sb_probes *p)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(p->skel->maps.counters);
	uint64_t *vals = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*vals)) : NULL;

	for (int c = 0; c < SB_NCOMPONENTS && vals; c++)
		p->cost.window_counts[c] = sb_comp_counter(c) >= 0
			? sb_counter_sum(fd, (uint32_t)sb_comp_counter(c), vals, ncpu)
			: p->cost.passes; /* the sampler thread's: a word, read once */
	close(p->stats_fd);
	p->stats_fd = -1;
	free(vals);
	if (!vals || sb_sysctl_read_int("kernel.bpf_stats_enabled", 0) == 1) {
		memset(p->cost.window_counts, 0, sizeof(p->cost.window_counts));
		return;
	}
	p->cost.window_events = p->cost.window_counts[SB_COMP_STATE_CHANGES];
}

void sb_probes__stats_window(struct sb_probes *p, int stats_fd, uint64_t window_records)
{
	p->stats_fd = stats_fd;
	p->window_records = stats_fd >= 0 ? window_records : 0;
}

static void *consumer(void *arg)
{
	struct sb_probes *p = arg;

	/* records never wake us: the queues are drained every 5 ms, every ms
	 * while one is an eighth full (recq.h); poll() returns early for
	 * --trace-states events */
	int wait_ms = 5;

	while (!atomic_load(&p->stop)) {
		struct timespec ts = { 0, wait_ms * 1000000L };
		uint32_t fullest;

		if (p->rb)
			ring_buffer__poll(p->rb, wait_ms);
		else
			nanosleep(&ts, NULL);
		p->cost.ring_records += sb_recq__drain(&p->recq, on_records, p, &fullest);
		wait_ms = fullest > 64 / 8 ? 1 : 5;
		if (p->window_records && p->cost.ring_records >= p->window_records) {
			stats_window_end(p);
			p->window_records = 0;
		}
	}
	p->cost.ring_cpu_ns = sb_thread_cpu_ns();
	return NULL;
}

int sb_probes__start(struct sb_probes *p)
{
	int err = pthread_create(&p->thread, NULL, consumer, p);

	if (err)
		return -err;
	p->thread_started = 1;
	return 0;
}

int sb_probes__find_listeners(struct sb_probes *p)
{
	struct sb_listen_sample s[SB_MAX_PORTS * 4];
	int n;

	switch (p->plan.c[SB_COMP_LISTENER_SAMPLER].mode) {
	case SB_MODE_SK_STORAGE_ITER: {
		uint16_t port[32];

		n = sb_read_iter(p->find_link, port, sizeof(port[0]), 32);
		if (n < 0)
			return n;
		p->nlisteners += n;
		return p->nlisteners;
	}
	case SB_MODE_FILE_ITER:
		/* a pass over every descriptor finds the listeners; later
		 * passes stop after the highest of them */
		p->skel->bss->listen_fd_max = 0;
		n = sb_probes__sample(p, s, (int)(sizeof(s) / sizeof(s[0])));
		if (n > 0)
			p->skel->bss->listen_fd_max = p->skel->bss->listen_fd_seen;
		if (n >= 0)
			p->nlisteners = n;
		return n;
	case SB_MODE_TCP_ITER:
	case SB_MODE_TCP_INFO:
		n = sb_probes__sample(p, s, (int)(sizeof(s) / sizeof(s[0])));
		if (n >= 0)
			p->nlisteners = n;
		return n;
	default:
		return 0;
	}
}

/* One pass of the sampler's mode, counted with its CPU time (one thread at
 * a time: the caller before the sampler thread starts, then that thread). */
int sb_probes__sample(struct sb_probes *p, struct sb_listen_sample *out, int max)
{
	uint64_t c0 = sb_thread_cpu_ns();
	int n;

	switch (p->plan.c[SB_COMP_LISTENER_SAMPLER].mode) {
	case SB_MODE_SK_STORAGE_ITER:
	case SB_MODE_TCP_ITER:
	case SB_MODE_FILE_ITER:
		n = sb_read_iter(p->sample_link, out, sizeof(*out), max);
		break;
	case SB_MODE_TCP_INFO:
		n = sb_listen_diag__sample(p->diag, out, max);
		break;
	default:
		return 0;
	}
	p->cost.passes++;
	p->cost.pass_cpu_ns += sb_thread_cpu_ns() - c0;
	return n;
}

/* Sockets tracked and not yet sent: the kernel's counters, no map walk. */
long sb_probes__live(struct sb_probes *p)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(p->skel->maps.counters);
	uint64_t *vals, in, out;

	if (ncpu <= 0 || !(vals = calloc((size_t)ncpu, sizeof(*vals))))
		return -1;
	in = sb_counter_sum(fd, SB_C_CLIENTS, vals, ncpu) + sb_counter_sum(fd, SB_C_CHILDREN, vals, ncpu);
	out = sb_counter_sum(fd, SB_C_RECORDS, vals, ncpu) + sb_counter_sum(fd, SB_C_RB_FAIL, vals, ncpu);
	free(vals);
	return in > out ? (long)(in - out) : 0;
}

void sb_probes__stop(struct sb_probes *p)
{
	struct sb_flush f = { .emit = on_record, .ctx = p };
	uint64_t *live = NULL, t0, c0;

	if (!p || p->stopped)
		return;
	p->stopped = 1;
	t0 = sb_wall_ns();
	c0 = sb_thread_cpu_ns();
	/* the sockets open now, before the detach: a record left afterwards
	 * whose socket was not among them lost its CLOSE while we watched (one
	 * pass over the namespace, only if records are left) */
	if (p->skel && sb_probes__live(p) > 0)
		f.live = live = sb_live_addrs2(p->skel->progs.live_socks, p->opts.netns_ino,
					       p->opts.netns_fd2, p->opts.netns_ino2, &f.nlive);
	if (p->skel) {
		detach_twins(p);
		synbench__detach(p->skel);
	}
	/* a program that started before the detach may still be running on
	 * another CPU (a socket closing right then), and its record would reach
	 * its queue after the last read, or stay in its slot to be read twice.
	 * Tracing programs run inside an RCU read-side section: a global
	 * membarrier waits for an RCU grace period (synchronize_rcu), so every
	 * one has finished. A fixed sleep was not always enough under emulation
	 * (a vCPU paused longer: one record of 1,000 lost on 6.12 under QEMU
	 * TCG); it stays as the fallback where membarrier is refused (nohz_full). */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		usleep(20 * 1000);
	atomic_store(&p->stop, 1);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	p->thread_started = 0;
	if (p->rb)
		ring_buffer__consume(p->rb);
	{
		uint32_t fullest;

		sb_recq__drain(&p->recq, on_records, p, &fullest);
	}
	if (p->skel)
		sb_flush_slots(bpf_map__fd(p->skel->maps.slots),
			       bpf_map__max_entries(p->skel->maps.slots),
			       bpf_map__fd(p->skel->maps.socks), &f);
	p->close_missed_at_end += f.close_missed;
	free(live);
	p->cost.collect_ns += sb_wall_ns() - t0;
	p->cost.collect_cpu_ns += sb_thread_cpu_ns() - c0;
}

void sb_probes__free(struct sb_probes *p)
{
	if (!p)
		return;
	sb_probes__stop(p);
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	ring_buffer__free(p->rb);
	sb_recq__unmap(&p->recq);
	bpf_link__destroy(p->sample_link);
	bpf_link__destroy(p->find_link);
	sb_listen_diag__free(p->diag);
	synbench__destroy(p->skel);
	sb_kbtf__free(p->btf);
	free(p->recs);
	free(p);
}
