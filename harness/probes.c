#include "harness/probes.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "synbench.skel.h"

#define SB_RB_MIN (1u << 20)
#define SB_RB_MAX (32u << 20) /* drained every 10 ms: ~0.3 s of records at 300k conns/s */
#define SB_SOCKS_MAX (1u << 21)

struct sb_probes {
	struct sb_probes_opts opts;
	struct synbench *skel;
	const char *plan;
	struct bpf_link *iter_link; /* sampler */
	struct bpf_link *find_link; /* listener discovery */
	int nlisteners;
	struct ring_buffer *rb;
	pthread_t thread;
	int thread_started;
	atomic_int stop;
	int stopped;
	/* records from the ring buffer, written by the consumer thread only
	 * until stop; read by collect after the thread has been joined */
	struct sb_conn_rec *recs;
	size_t nrecs, caprecs;
	int oom; /* records that could not be stored in user space */
	uint64_t lost_user;
};

static int verbose_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = SB_RB_MIN;

	while (p < v && p < SB_RB_MAX)
		p <<= 1;
	return p;
}

static const char *plan_name(enum sb_attach a)
{
	switch (a) {
	case SB_ATTACH_TP_BTF: return "tp_btf";
	case SB_ATTACH_RAW_TP: return "raw_tp";
	case SB_ATTACH_TRACEPOINT: return "tracepoint";
	default: return "auto";
	}
}

/* Classic tracepoints need tracefs. Mount it in a private mount namespace
 * of this process so the host's mounts are left as they were. Must run
 * before any thread is started. */
static int ensure_tracefs(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return 0;
	if (unshare(CLONE_NEWNS) != 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -errno;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -errno;
	return 0;
}

static void set_autoload(struct synbench *s, enum sb_attach plan)
{
	struct bpf_program *btf[] = {
		s->progs.btf_set_state,	     s->progs.btf_retransmit,	   s->progs.btf_synack,
		s->progs.btf_drop,	     s->progs.btf_set_state_nested, s->progs.btf_retransmit_nested,
		s->progs.btf_synack_nested, s->progs.btf_drop_nested,
	};
	struct bpf_program *raw[] = { s->progs.raw_set_state, s->progs.raw_retransmit,
				      s->progs.raw_synack, s->progs.raw_drop };
	struct bpf_program *tp[] = { s->progs.tp_set_state, s->progs.tp_retransmit,
				     s->progs.tp_synack, s->progs.tp_drop };

	for (size_t i = 0; i < sizeof(btf) / sizeof(btf[0]); i++)
		bpf_program__set_autoload(btf[i], plan == SB_ATTACH_TP_BTF);
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		bpf_program__set_autoload(raw[i], plan == SB_ATTACH_RAW_TP);
		bpf_program__set_autoload(tp[i], plan == SB_ATTACH_TRACEPOINT);
	}
}

/* open + configure + load + attach with one plan. */
static int try_plan(struct sb_probes *p, enum sb_attach plan)
{
	const struct sb_probes_opts *o = &p->opts;
	uint64_t socks, rb;
	int err;

	if (plan == SB_ATTACH_TRACEPOINT) {
		err = ensure_tracefs();
		if (err)
			return err;
	}
	p->skel = synbench__open();
	if (!p->skel)
		return -errno;
	p->skel->rodata->netns_ino = o->netns_ino;
	p->skel->rodata->nports = o->nports;
	p->skel->rodata->trace_states = o->on_state != NULL;
	if (o->on_state)
		bpf_map__set_max_entries(p->skel->maps.trace, 4u << 20);
	for (uint32_t i = 0; i < o->nports && i < SB_MAX_PORTS; i++)
		p->skel->rodata->ports[i] = o->ports[i];
	/* client + child per connection may be alive at once */
	socks = 2 * o->conns + 4096;
	if (socks > SB_SOCKS_MAX)
		socks = SB_SOCKS_MAX;
	rb = 2 * o->conns * (sizeof(struct sb_conn_rec) + 8);
	bpf_map__set_max_entries(p->skel->maps.socks, (uint32_t)socks);
	bpf_map__set_max_entries(p->skel->maps.events, pow2_at_least(rb));
	set_autoload(p->skel, plan);
	/* the sampler is attached by hand, with its map (sb_probes__new) */
	bpf_program__set_autoattach(p->skel->progs.sample_listeners, false);
	bpf_program__set_autoattach(p->skel->progs.find_listeners, false);
	err = synbench__load(p->skel);
	if (!err)
		err = synbench__attach(p->skel);
	if (err) {
		synbench__destroy(p->skel);
		p->skel = NULL;
		return err;
	}
	p->plan = plan_name(plan);
	return 0;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct sb_probes *p = ctx;

	if (len < sizeof(struct sb_conn_rec))
		return 0;
	if (p->nrecs == p->caprecs) {
		/* a client and a child record per connection: reserve them at once
		 * (pages are touched only as records arrive) */
		size_t cap = p->caprecs ? p->caprecs * 2 : 2 * p->opts.conns + 4096;
		struct sb_conn_rec *n = realloc(p->recs, cap * sizeof(*n));

		if (!n) {
			p->lost_user++;
			return 0;
		}
		p->recs = n;
		p->caprecs = cap;
	}
	memcpy(&p->recs[p->nrecs++], data, sizeof(struct sb_conn_rec));
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
			 "synbench: kernel BTF not found at /sys/kernel/btf/vmlinux; the probes need a "
			 "kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux >= 5.8), or run with "
			 "--no-probes");
		return -ENOENT;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "synbench: needs root (or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and "
			 "CAP_SYS_ADMIN); run it with sudo");
		return -EPERM;
	}
	return 0;
}

int sb_probes__new(const struct sb_probes_opts *opts, struct sb_probes **out, char *err,
		   size_t errlen)
{
	static const enum sb_attach order[] = { SB_ATTACH_TP_BTF, SB_ATTACH_RAW_TP,
						SB_ATTACH_TRACEPOINT };
	struct sb_probes *p;
	char tried[192] = "";
	int e;

	libbpf_set_print(opts->verbose ? verbose_print : quiet_print);
	e = env_check(err, errlen);
	if (e)
		return e;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->opts = *opts;
	e = -ENOENT;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (opts->attach != SB_ATTACH_AUTO && opts->attach != order[i])
			continue;
		e = try_plan(p, order[i]);
		if (!e)
			break;
		char why[64];

		libbpf_strerror(e, why, sizeof(why)); /* libbpf's own codes too */
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s: %s",
			 tried[0] ? ", " : "", plan_name(order[i]), why);
	}
	if (e) {
		snprintf(err, errlen,
			 "synbench: could not load the BPF probes (%s); check that BPF is enabled "
			 "(kernel.unprivileged_bpf_disabled does not matter for root), rerun with -v "
			 "for the verifier log, or use --no-probes",
			 tried);
		free(p);
		return e;
	}
	{
		union bpf_iter_link_info linfo = {
			.map.map_fd = (__u32)bpf_map__fd(p->skel->maps.listeners),
		};
		LIBBPF_OPTS(bpf_iter_attach_opts, iopts, .link_info = &linfo,
			    .link_info_len = sizeof(linfo));

		p->iter_link = bpf_program__attach_iter(p->skel->progs.sample_listeners, &iopts);
		if (p->iter_link)
			p->find_link = bpf_program__attach_iter(p->skel->progs.find_listeners, NULL);
	}
	if (!p->iter_link || !p->find_link) {
		e = -errno;
		snprintf(err, errlen,
			 "synbench: could not attach the listener sampler "
			 "(iter/bpf_sk_storage_map: %s); needs Linux >= 5.11, or use --no-probes",
			 strerror(-e));
		sb_probes__free(p);
		return e;
	}
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_record, p, NULL);
	if (p->rb && opts->on_state &&
	    ring_buffer__add(p->rb, bpf_map__fd(p->skel->maps.trace), on_trace, p) != 0) {
		ring_buffer__free(p->rb);
		p->rb = NULL;
	}
	if (!p->rb) {
		e = -errno;
		snprintf(err, errlen, "synbench: could not open the BPF ring buffer (%s); needs "
				      "Linux >= 5.8", strerror(-e));
		sb_probes__free(p);
		return e;
	}
	*out = p;
	return 0;
}

const char *sb_probes__plan(const struct sb_probes *p)
{
	return p->plan;
}

static void *consumer(void *arg)
{
	struct sb_probes *p = arg;

	/* records never wake us: drain every 10 ms (the ring holds about
	 * 0.3 s of records at 300k connections/s); poll() returns early for
	 * --trace-states events */
	while (!atomic_load(&p->stop)) {
		ring_buffer__poll(p->rb, 10);
		ring_buffer__consume(p->rb);
	}
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
	uint16_t port;
	int fd, n = 0;

	fd = bpf_iter_create(bpf_link__fd(p->find_link));
	if (fd < 0)
		return -errno;
	while (read(fd, &port, sizeof(port)) == (ssize_t)sizeof(port))
		n++;
	close(fd);
	p->nlisteners += n;
	return p->nlisteners;
}

int sb_probes__sample(struct sb_probes *p, struct sb_listen_sample *out, int max)
{
	struct sb_listen_sample s;
	int fd, n = 0;
	ssize_t r;

	fd = bpf_iter_create(bpf_link__fd(p->iter_link));
	if (fd < 0)
		return -errno;
	while ((r = read(fd, &s, sizeof(s))) == (ssize_t)sizeof(s)) {
		if (n < max)
			out[n++] = s;
	}
	close(fd);
	return r < 0 ? -errno : n;
}

long sb_probes__live(struct sb_probes *p)
{
	uint64_t key, next;
	long n = 0;
	int fd = bpf_map__fd(p->skel->maps.socks);
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* Sockets still in the map never reached CLOSE while we watched. */
static void flush_live(struct sb_probes *p)
{
	int fd = bpf_map__fd(p->skel->maps.socks);
	uint64_t key, next;
	void *prev = NULL;
	struct sb_conn_rec r;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &r) == 0) {
			r.flushed = SB_REC_LIVE_AT_END;
			on_record(p, &r, sizeof(r));
		}
	}
}

void sb_probes__stop(struct sb_probes *p)
{
	if (!p || p->stopped)
		return;
	p->stopped = 1;
	if (p->skel)
		synbench__detach(p->skel);
	/* a program that started before the detach may still be running on
	 * another CPU (a socket closing right then): let it finish */
	usleep(20 * 1000);
	atomic_store(&p->stop, 1);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	p->thread_started = 0;
	if (p->rb)
		ring_buffer__consume(p->rb);
	if (p->skel)
		flush_live(p);
}

static uint64_t percpu_sum(int fd, uint32_t key, uint64_t *vals, int ncpu)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &key, vals) != 0)
		return 0;
	for (int c = 0; c < ncpu; c++)
		sum += vals[c];
	return sum;
}

/* Events the kernel skipped because the program was already running on
 * that CPU (bpf_prog_info.recursion_misses, Linux >= 5.12). */
static uint64_t recursion_misses(struct sb_probes *p)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		const char *name = bpf_program__name(prog);
		size_t nl = strlen(name);

		/* A _nested twin is skipped only when an interrupt hits while it
		 * runs its quick check; then its handler is idle and handles
		 * the hit: never a loss. */
		if (nl > 7 && strcmp(name + nl - 7, "_nested") == 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += info.recursion_misses;
	}
	return n;
}

/* The kernel's per-CPU compact histograms, summed over CPUs and spread to
 * the full layout of rundata.h (dwell pair slots by sb_dwell_slot()). */
static int read_hists(struct sb_probes *p, uint64_t *full, int ncpu)
{
	const uint32_t total = SB_NKHISTS * SB_HIST_BUCKETS, chunk = 4096;
	int fd = bpf_map__fd(p->skel->maps.hists);
	uint64_t *vals = calloc((size_t)chunk * (size_t)ncpu, sizeof(*vals));
	uint64_t *compact = calloc(total, sizeof(*compact));
	int err = 0;

	if (!vals || !compact) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t first = 0; first < total && !err; first += chunk) {
		uint32_t n = total - first < chunk ? total - first : chunk;

		for (uint32_t k = 0; k < n; k++) {
			uint32_t key = first + k;

			if (bpf_map_lookup_elem(fd, &key, vals + (size_t)k * ncpu) != 0) {
				err = -errno;
				break;
			}
		}
		for (uint32_t k = 0; k < n && !err; k++)
			for (int c = 0; c < ncpu; c++)
				compact[first + k] += vals[(size_t)k * ncpu + c];
	}
	for (uint32_t h = 0; h < SB_KH_DWELL; h++)
		memcpy(full + (size_t)h * SB_HIST_BUCKETS, compact + (size_t)h * SB_HIST_BUCKETS,
		       SB_HIST_BUCKETS * sizeof(uint64_t));
	for (unsigned int o = 0; o < SB_NSTATES; o++)
		for (unsigned int n = 0; n < SB_NSTATES; n++) {
			unsigned int slot = sb_dwell_slot(o, n);

			if (slot < SB_NDWELL)
				memcpy(full + (size_t)(SB_H_DWELL + o * SB_NSTATES + n) * SB_HIST_BUCKETS,
				       compact + (size_t)(SB_KH_DWELL + slot) * SB_HIST_BUCKETS,
				       SB_HIST_BUCKETS * sizeof(uint64_t));
		}
out:
	free(vals);
	free(compact);
	return err;
}

int sb_probes__collect(struct sb_probes *p, struct sb_rundata *rd)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int fd;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(uint64_t));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(p->skel->maps.counters);
	for (uint32_t c = 0; c < SB_NCOUNTERS; c++)
		rd->counters[c] = percpu_sum(fd, c, vals, ncpu);
	fd = bpf_map__fd(p->skel->maps.drops);
	for (uint32_t r = 0; r < SB_MAX_DROP_REASONS; r++)
		rd->drops[r] = percpu_sum(fd, r, vals, ncpu);
	free(vals);
	sb_drop_reason_names(rd->drop_names, SB_MAX_DROP_REASONS);

	rd->hists = calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(uint64_t));
	if (rd->hists)
		read_hists(p, rd->hists, ncpu);
	rd->krecs = p->recs;
	rd->nkrecs = p->nrecs;
	p->recs = NULL;
	p->nrecs = p->caprecs = 0;
	/* the tp_btf handlers' skips that their _nested twins caught are not
	 * losses */
	rd->missed_events = recursion_misses(p);
	rd->missed_events -= rd->counters[SB_C_NESTED] < rd->missed_events
				     ? rd->counters[SB_C_NESTED]
				     : rd->missed_events;
	/* records that reached user space but could not be kept */
	rd->counters[SB_C_RB_FAIL] += p->lost_user;
	snprintf(rd->attach_plan, sizeof(rd->attach_plan), "%s", p->plan);
	return rd->hists ? 0 : -ENOMEM;
}

void sb_probes__free(struct sb_probes *p)
{
	if (!p)
		return;
	sb_probes__stop(p);
	ring_buffer__free(p->rb);
	bpf_link__destroy(p->iter_link);
	bpf_link__destroy(p->find_link);
	synbench__destroy(p->skel);
	free(p->recs);
	free(p);
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

int sb_drop_reason_names(const char **names, size_t n)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	int id;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0) {
		btf__free(btf);
		return id;
	}
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);
		uint32_t v = (uint32_t)e->val;

		if (!name || v >= n || names[v])
			continue;
		if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
			name += sizeof(prefix) - 1;
		names[v] = strdup(name);
	}
	btf__free(btf);
	return 0;
}
