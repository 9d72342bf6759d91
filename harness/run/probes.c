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
#include "harness/run/probes_kmem.h"
#include "harness/run/probes_plan.h"
#include "harness/cli/msg.h"
#include "synbench.skel.h"

/* The record ring: written in place by the handlers, so it costs a cache
 * miss per record once it outgrows the caches (crr --paired: 240 ns per
 * state event with 1 MiB, 340 ns with 8 MiB). 2 MiB hold ~29k records:
 * 0.15 s at 100k connections/s, drained every 10 ms; a full ring loses
 * nothing silently (ring_buffer_lost). */
#define SB_RB_MIN (1u << 20)
#define SB_RB_MAX (2u << 20)
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

#define SB_RING_MIN (256u << 10)
#define SB_RING_MAX (32u << 20)

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = SB_RB_MIN;

	while (p < v && p < SB_RB_MAX)
		p <<= 1;
	return p;
}

static int attach_sampler(struct sb_probes *p);

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
	struct bpf_program *twin[SB_NCATCH] = {
		[SB_CATCH_STATE] = s->progs.btf_set_state_nested,
		[SB_CATCH_RETRANSMIT] = s->progs.btf_retransmit_nested,
		[SB_CATCH_SYNACK] = s->progs.btf_synack_nested,
		[SB_CATCH_DROP] = s->progs.btf_drop_nested,
	};

	if (e && strcmp(e, "all") == 0)
		want = (1u << SB_NCATCH) - 1;
	else if (e && strcmp(e, "none") == 0)
		want = 0;
	for (int i = 0; i < SB_NCATCH; i++) {
		if (!(want & 1u << i))
			bpf_program__set_autoload(twin[i], false);
		if (bpf_program__autoload(twin[i]))
			on |= 1u << i;
	}
	s->rodata->catchers = on;
	return on;
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
	uint32_t slots, hash;
	uint64_t rb;
	int err;

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
	/* a client and a child record per connection, but never more than
	 * 32 MiB: the consumer drains it every 10 ms, and its pages count in
	 * our memory (at 100k connections/s, 1.6 s of records) */
	rb = 2 * o->conns * (sizeof(struct sb_krec) + 8);
	if (rb > SB_RING_MAX)
		rb = SB_RING_MAX;
	if (rb < SB_RING_MIN)
		rb = SB_RING_MIN;
	bpf_map__set_max_entries(p->skel->maps.slots, slots);
	bpf_map__set_max_entries(p->skel->maps.socks, hash);
	bpf_map__set_max_entries(p->skel->maps.events, pow2_at_least(rb));
	sb_probes_plan_apply(&p->plan, p->skel);
	p->catchers = catchers_apply(p->skel);
	bpf_program__set_autoattach(p->skel->progs.live_socks, false);
	load_log.prog[0] = 0;
	p->cost.loads++;
	err = synbench__load(p->skel);
	if (!err)
		err = synbench__attach(p->skel);
	if (!err)
		err = attach_sampler(p);
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

static int on_record(void *ctx, void *data, size_t len)
{
	struct sb_probes *p = ctx;

	if (len < SB_KREC_V4)
		return 0;
	if (p->opts.on_record) {
		struct sb_krec r;

		memset(&r, 0, sizeof(r));
		memcpy(&r, data, len < sizeof(r) ? len : sizeof(r));
		p->opts.on_record(p->opts.on_record_ctx, &r);
		return 0;
	}
	if (p->nrecs == p->caprecs) {
		size_t cap = p->caprecs ? p->caprecs * 2 : 4096;
		struct sb_krec *n = realloc(p->recs, cap * sizeof(*n));

		if (!n) {
			p->lost_user++;
			return 0;
		}
		p->recs = n;
		p->caprecs = cap;
	}
	/* kept as the kernel sent it (96 B at most; struct sb_conn_rec is 192):
	 * expanded after the run */
	memcpy(&p->recs[p->nrecs], data, len < sizeof(struct sb_krec) ? len : sizeof(struct sb_krec));
	p->nrecs++;
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
	/* BPF run time, counted while this descriptor is open (the kernel
	 * drops back by itself when it closes, even on a crash:
	 * docs/kernel-facts.md, fact 36) */
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
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_record, p, NULL);
	if (p->rb && opts->on_state &&
	    ring_buffer__add(p->rb, bpf_map__fd(p->skel->maps.trace), on_trace, p) != 0) {
		ring_buffer__free(p->rb);
		p->rb = NULL;
	}
	if (!p->rb) {
		e = -errno;
		snprintf(err, errlen,
			 "could not open the BPF ring buffer (%s); needs "
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

static void *consumer(void *arg)
{
	struct sb_probes *p = arg;

	/* records never wake us: drain every 10 ms (the ring holds about
	 * 0.15 s of records at 100k connections/s); poll() returns early for
	 * --trace-states events */
	while (!atomic_load(&p->stop)) {
		int n = ring_buffer__poll(p->rb, 10), m = ring_buffer__consume(p->rb);

		p->cost.ring_records += (uint64_t)(n > 0 ? n : 0) + (uint64_t)(m > 0 ? m : 0);
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
	in = sb_percpu_sum(fd, SB_C_CLIENTS, vals, ncpu) + sb_percpu_sum(fd, SB_C_CHILDREN, vals, ncpu);
	out = sb_percpu_sum(fd, SB_C_RECORDS, vals, ncpu) + sb_percpu_sum(fd, SB_C_RB_FAIL, vals, ncpu);
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
	if (p->skel)
		synbench__detach(p->skel);
	/* a program that started before the detach may still be running on
	 * another CPU (a socket closing right then), and its record would reach
	 * the ring after the last read, or stay in its slot to be read twice.
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
	ring_buffer__free(p->rb);
	bpf_link__destroy(p->sample_link);
	bpf_link__destroy(p->find_link);
	sb_listen_diag__free(p->diag);
	synbench__destroy(p->skel);
	sb_kbtf__free(p->btf);
	free(p->recs);
	free(p);
}
