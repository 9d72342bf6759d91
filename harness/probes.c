#include "harness/probes.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "harness/listen_diag.h"
#include "harness/probes_plan.h"
#include "synbench.skel.h"

#define SB_RB_MIN (1u << 20)
#define SB_RB_MAX (32u << 20) /* drained every 10 ms: ~0.3 s of records at 300k conns/s */
#define SB_SOCKS_MAX (1u << 21)

struct sb_probes {
	struct sb_probes_opts opts;
	struct synbench *skel;
	struct sb_components plan;
	struct bpf_link *sample_link; /* sampler: sk_storage_iter or tcp_iter */
	struct bpf_link *find_link;   /* listener discovery (sk_storage_iter) */
	struct sb_listen_diag *diag;  /* sampler: tcp_info */
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

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = SB_RB_MIN;

	while (p < v && p < SB_RB_MAX)
		p <<= 1;
	return p;
}

static int attach_sampler(struct sb_probes *p);

/* open + configure + load + attach with the current plan. A refused
 * program is named in load_log. */
static int try_load(struct sb_probes *p)
{
	const struct sb_probes_opts *o = &p->opts;
	uint64_t socks, rb;
	int err;

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
	sb_probes_plan_apply(&p->plan, p->skel);
	load_log.prog[0] = 0;
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
	e = sb_probes_plan_init(opts, &p->plan, err, errlen);
	for (int i = 0; i < SB_MAX_LOADS && (!e || e == -EAGAIN); i++) {
		char why[256];

		e = try_load(p);
		if (!e)
			break;
		if (!load_log.prog[0]) {
			libbpf_strerror(e, why, sizeof(why)); /* libbpf's own codes too */
			snprintf(err, errlen,
				 "synbench: could not load the BPF probes (%s); rerun with -v for "
				 "libbpf's log, or use --no-probes", why);
			break;
		}
		snprintf(why, sizeof(why), "%s", load_log.why);
		if (opts->verbose)
			fprintf(stderr, "synbench: load %d: %s refused: %s\n", i + 1, load_log.prog, why);
		/* the planner needs the skeleton's programs: open one to look */
		p->skel = synbench__open();
		if (!p->skel) {
			e = -errno;
			break;
		}
		e = sb_probes_plan_demote(&p->plan, opts, p->skel, load_log.prog, why, err, errlen);
		synbench__destroy(p->skel);
		p->skel = NULL;
		if (!e)
			e = -EAGAIN;
	}
	if (e) {
		if (e == -EAGAIN)
			snprintf(err, errlen, "synbench: could not load the BPF probes after %d "
					      "tries; rerun with -v for libbpf's log", SB_MAX_LOADS);
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
		snprintf(err, errlen, "synbench: could not open the BPF ring buffer (%s); needs "
				      "Linux >= 5.8", strerror(-e));
		sb_probes__free(p);
		return e;
	}
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

/* Reads one iterator pass of fixed-size items into out (at most max; the
 * rest are read and dropped). Returns the count read or a negative errno. */
static int read_iter(struct bpf_link *link, void *out, size_t size, int max)
{
	char item[64];
	int fd, n = 0;
	ssize_t r;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	while ((r = read(fd, n < max ? (char *)out + (size_t)n * size : item, size)) ==
	       (ssize_t)size)
		n++;
	close(fd);
	return r < 0 ? -errno : n;
}

int sb_probes__find_listeners(struct sb_probes *p)
{
	struct sb_listen_sample s[SB_MAX_PORTS * 4];
	int n;

	switch (p->plan.c[SB_COMP_LISTENER_SAMPLER].mode) {
	case SB_MODE_SK_STORAGE_ITER: {
		uint16_t port[32];

		n = read_iter(p->find_link, port, sizeof(port[0]), 32);
		if (n < 0)
			return n;
		p->nlisteners += n;
		return p->nlisteners;
	}
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

int sb_probes__sample(struct sb_probes *p, struct sb_listen_sample *out, int max)
{
	switch (p->plan.c[SB_COMP_LISTENER_SAMPLER].mode) {
	case SB_MODE_SK_STORAGE_ITER:
	case SB_MODE_TCP_ITER:
		return read_iter(p->sample_link, out, sizeof(*out), max);
	case SB_MODE_TCP_INFO:
		return sb_listen_diag__sample(p->diag, out, max);
	default:
		return 0;
	}
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
 * that CPU (bpf_prog_info.recursion_misses, Linux >= 5.12), and the time
 * all programs ran (run_time_ns/run_cnt: counted only while
 * kernel.bpf_stats_enabled=1). */
static uint64_t recursion_misses(struct sb_probes *p, struct sb_rundata *rd)
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

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			continue;
		rd->bpf_run_ns += info.run_time_ns;
		rd->bpf_runs += info.run_cnt;
		if (p->opts.verbose && info.run_cnt)
			fprintf(stderr, "synbench: bpf %-22s %10llu runs %7.1f ns/run\n", name,
				(unsigned long long)info.run_cnt,
				(double)info.run_time_ns / (double)info.run_cnt);
		/* A _nested twin is skipped only when an interrupt hits while it
		 * runs its quick check; then its handler is idle and handles
		 * the hit: never a loss. */
		if (nl > 7 && strcmp(name + nl - 7, "_nested") == 0)
			continue;
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
	rd->missed_events = recursion_misses(p, rd);
	rd->missed_events -= rd->counters[SB_C_NESTED] < rd->missed_events
				     ? rd->counters[SB_C_NESTED]
				     : rd->missed_events;
	/* records that reached user space but could not be kept */
	rd->counters[SB_C_RB_FAIL] += p->lost_user;
	snprintf(rd->attach_plan, sizeof(rd->attach_plan), "%s", sb_probes__plan(p));
	rd->components = p->plan;
	return rd->hists ? 0 : -ENOMEM;
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
