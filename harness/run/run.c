/* One run, start to end: namespace and sysctls, probes, listener, load,
 * sampler, MIB before/after, collect, join, write. Every step that can fail
 * on bad input fails before anything is written. */
#include "harness/run/run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/anonfile.h"
#include "harness/run/mib.h"
#include "harness/run/netns.h"
#include "harness/run/krec.h"
#include "harness/run/probes.h"
#include "harness/run/recstore.h"
#include "harness/run/restore.h"
#include "harness/run/sampler.h"
#include "loadgen/uring_caps.h"
#include "harness/run/target.h"
#include "harness/run/tracefmt.h"
#include "harness/run/signals.h"
#include "harness/run/topology.h"
#include "harness/cli/msg.h"
#include "loadgen/loadgen.h"

const char *sb_stop_name(int reason)
{
	static const char *const names[SB_NSTOPS] = {"complete", "max_time", "signal",
						     "host_lost"};

	return reason >= 0 && reason < SB_NSTOPS ? names[reason] : "unknown";
}

struct sysctl_opt {
	const char *name;
	int value;
};

/* One sysctl of the run's namespace: through the restore journal when the
 * namespace is not synbench's own (r), else plainly. */
static int set_sysctl(struct sb_restore *r, const char *name, const char *value, char *err,
		      size_t len)
{
	err[0] = 0;
	return r ? sb_restore__set(r, name, value, err, len) : sb_sysctl_write(name, value);
}

/* Applies the namespace sysctls asked for (journaled in r, when not NULL,
 * to be put back at the end) and records the effective value of every
 * sysctl on the connection-setup path. */
static int apply_sysctls(const struct sb_opts *o, struct sb_restore *r, struct sb_rundata *rd,
			 char *err, size_t len)
{
	const struct sysctl_opt set[] = {
		{ "net.ipv4.tcp_syncookies", o->syncookies },
		{ "net.ipv4.tcp_abort_on_overflow", o->abort_on_overflow },
		{ "net.core.somaxconn", o->somaxconn },
		{ "net.ipv4.tcp_syn_retries", o->syn_retries },
		{ "net.ipv4.tcp_synack_retries", o->synack_retries },
		{ "net.ipv4.tcp_syn_linear_timeouts", o->syn_linear_timeouts },
		{ "net.ipv4.tcp_max_syn_backlog", o->max_syn_backlog },
	};
	static const char *const record[] = {
		"net.ipv4.tcp_syncookies",	    "net.ipv4.tcp_abort_on_overflow",
		"net.core.somaxconn",		    "net.ipv4.tcp_syn_retries",
		"net.ipv4.tcp_synack_retries",	    "net.ipv4.tcp_syn_linear_timeouts",
		"net.ipv4.tcp_max_syn_backlog",	    "net.ipv4.ip_local_port_range",
		"net.ipv4.tcp_tw_reuse",	    "net.ipv4.tcp_max_tw_buckets",
		"net.core.netdev_max_backlog",	    "net.ipv4.tcp_timestamps",
	};
	char range[64], val[32];
	size_t n = sizeof(record) / sizeof(record[0]);
	int e;

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		if (set[i].value < 0)
			continue;
		snprintf(val, sizeof(val), "%d", set[i].value);
		e = set_sysctl(r, set[i].name, val, err, len);
		if (e && !err[0]) {
			snprintf(err, len,
				 "cannot set %s=%d in the run's namespace (%s); this kernel "
				 "may lack it or refuse the value, drop or change that option",
				 set[i].name, set[i].value, strerror(-e));
		}
		if (e)
			return e;
	}
	/* a wide local port range: the load generator binds its own ports;
	 * somebody else's namespace (--netns, a host's own across machines)
	 * keeps its own unless asked */
	if ((o->netns[0] || sb_opts_across_hosts(o)) && !o->port_range[0])
		goto record;
	snprintf(range, sizeof(range), "%s", o->port_range[0] ? o->port_range : "1024-65535");
	for (char *p = range; *p; p++)
		if (*p == '-')
			*p = ' ';
	e = set_sysctl(r, "net.ipv4.ip_local_port_range", range, err, len);
	if (e && !err[0])
		snprintf(err, len, "cannot set net.ipv4.ip_local_port_range=%s (%s)", range,
			 strerror(-e));
	if (e)
		return e;
record:
	return sb_sysctls_record(rd, record, n);
}

/* Client sockets in flight plus accepted ones: raise the descriptor limit
 * (root may go up to fs.nr_open). */
static void raise_nofile(const struct sb_opts *o)
{
	struct rlimit rl;
	rlim_t want = 2 * (rlim_t)o->concurrency + 4096;
	long nr_open = sb_sysctl_read_int("fs.nr_open", 1048576);

	if (want > (rlim_t)nr_open)
		want = (rlim_t)nr_open;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "done/conns connections  rate/s  secs s" on one terminal line, every
 * client host's counted (the coordinator's hooks know the others'). */
static void progress(const struct sb_opts *o, const struct lg_client *c, uint64_t t0,
		     const struct sb_run_hooks *h)
{
	uint64_t done = lg_client__done(c), conns = o->conns, od = 0, oc = 0;
	double s = (double)(lg_now_ns() - t0) / 1e9;
	int running = h && h->others ? h->others(h->ctx, &od, &oc) : 0;

	done += od;
	conns += oc;
	fprintf(stderr, "\r\033[K%llu/%llu connections  %.0f/s  %.1f s", (unsigned long long)done,
		(unsigned long long)conns, s > 0 ? (double)done / s : 0.0, s);
	if (oc)
		fprintf(stderr, "  (%d other host%s running)", running, running == 1 ? "" : "s");
}

/* Every 100 ms of the load: the hooks' control input, or a sleep. */
static void tick(const struct sb_run_hooks *h, uint64_t done)
{
	struct timespec t = { 0, 100 * 1000 * 1000 };

	if (h && h->tick) {
		if (h->tick(h->ctx, 100, done))
			sb_stop_requested = 1;
	} else {
		nanosleep(&t, NULL);
	}
}

/* The other client hosts still running (the coordinator), within their own
 * --max-time plus a minute from this host's start. */
static int others_running(const struct sb_opts *o, uint64_t t0, const struct sb_run_hooks *h)
{
	uint64_t d, c;

	return h && h->others && h->others(h->ctx, &d, &c) > 0 &&
	       lg_now_ns() < t0 + ((uint64_t)o->max_time_s + 60) * 1000000000ull;
}

/* Waits for the load to finish (or the deadline, or a signal), then for
 * the other client hosts', with a progress line on a terminal once the run
 * takes longer than a second. */
static void wait_for_load(const struct sb_opts *o, struct lg_client *c, uint64_t t0,
			  const struct sb_run_hooks *h)
{
	int tty = !o->quiet && !o->json && isatty(STDERR_FILENO), shown = 0;

	while (!sb_stop_requested &&
	       ((lg_client__done(c) < o->conns &&
		 lg_now_ns() < t0 + (uint64_t)o->max_time_s * 1000000000ull) ||
		others_running(o, t0, h))) {
		tick(h, lg_client__done(c));
		if (tty && lg_now_ns() - t0 > 1000000000ull) {
			progress(o, c, t0, h);
			shown = 1;
		}
	}
	lg_client__wait(c);
	if (shown)
		fprintf(stderr, "\r\033[K");
}

/* A server half (another host's, --server-via): no load here; the
 * listener serves until the coordinator says stop or goes away. */
static void wait_for_stop(const struct sb_opts *o, uint64_t t0, const struct sb_run_hooks *h)
{
	/* the coordinator's own bound, plus its setup and collection */
	uint64_t end = t0 + ((uint64_t)o->max_time_s + 120) * 1000000000ull;

	while (!sb_stop_requested && lg_now_ns() < end)
		tick(h, 0);
}

/* After the load: sockets close on their own within microseconds on
 * loopback; give them a bounded moment (0.5 s) so their records are
 * complete, but no longer than they keep closing: a socket that lingers
 * (TIME_WAIT: a minute) is flushed at the stop as still open anyway. */
static void settle(struct sb_probes *p)
{
	long live = p ? sb_probes__live(p) : 0, last = -1;

	for (int i = 0, still = 0; i < 50 && live > 0 && still < 3; i++) {
		usleep(10 * 1000);
		last = live;
		live = sb_probes__live(p);
		still = live == last ? still + 1 : 0;
	}
}

/* An engine refused for an io_uring operation this kernel lacks: name it. */
static void uring_missing(const struct sb_opts *o, char *err, size_t len)
{
	struct lg_uring_caps caps;
	const char *m = NULL;

	if (lg_uring_caps_probe(&caps, NULL, 0) == 0)
		m = lg_uring_caps_missing(&caps,
					  LG_URING_BASE | (o->paired ? LG_URING_MULTISHOT : 0));
	snprintf(err, len,
		 "the io_uring engine needs %s on this kernel; use --engine "
		 "epoll%s",
		 m ? m : "an operation this kernel lacks", o->paired ? " without --paired" : "");
}

/* The sinks of the run's records: the load generator's threads and the
 * probes' reader hand them to the store as they finish. */
static void keep_conns(void *ctx, const struct lg_conn *r, size_t n)
{
	sb_recstore__add(ctx, SB_RK_CONN, r, n);
}

static void keep_accepts(void *ctx, const struct lg_accept *r, size_t n)
{
	sb_recstore__add(ctx, SB_RK_ACCEPT, r, n);
}

static void keep_krec(void *ctx, const struct sb_krec *r)
{
	sb_recstore__add(ctx, SB_RK_KREC, r, 1);
}

/* After the run: records that stayed within --record-memory go into rd's
 * arrays (one batch for the analysis); spilled ones stay in the store
 * (rd->store: the analysis reads them in partitions). 0 or -ENOMEM. */
static int take_records(struct sb_recstore *store, struct sb_rundata *rd)
{
	struct sb_krec *k = NULL;
	void *c = NULL, *a = NULL;
	size_t nc = 0, na = 0, nk = 0;
	int e;

	rd->records_lost = sb_recstore__lost(store, SB_RK_CONN) +
			   sb_recstore__lost(store, SB_RK_ACCEPT) +
			   sb_recstore__lost(store, SB_RK_KREC);
	if (sb_recstore__spilled(store)) {
		rd->store = store;
		return 0;
	}
	e = sb_recstore__take(store, 0, SB_RK_CONN, &c, &nc);
	if (!e)
		e = sb_recstore__take(store, 0, SB_RK_ACCEPT, &a, &na);
	if (!e)
		e = sb_recstore__take(store, 0, SB_RK_KREC, (void **)&k, &nk);
	rd->conns_buf = rd->conns = c;
	rd->nconns = nc;
	rd->accepts = a;
	rd->naccepts = na;
	if (!e && nk) {
		rd->krecs = calloc(nk, sizeof(*rd->krecs));
		if (!rd->krecs)
			e = -ENOMEM;
		for (size_t i = 0; i < nk && !e; i++)
			sb_krec_expand(&k[i], sizeof(k[i]), &rd->krecs[i]);
		rd->nkrecs = rd->krecs ? nk : 0;
	}
	free(k);
	sb_recstore__free(store);
	return e;
}

static int start_server(const struct sb_opts *o, struct sb_recstore *store, struct lg_server **srv,
			char *err, size_t len)
{
	struct lg_server_opts so = {
		.port = o->port,
		.backlog = o->backlog,
		.ipv6 = o->ipv6,
		.mode = o->mode,
		.req_bytes = o->req_bytes,
		.resp_bytes = o->resp_bytes,
		.close_first = o->close_first,
		.policy = o->accept,
		.threads = o->accept.kind == LG_ACCEPT_FAST ? o->threads : 1,
		.per_cpu_listeners = o->per_cpu_listeners,
		.paired = o->paired,
		.stop = &sb_stop_requested,
		.sink = keep_accepts,
		.sink_ctx = store,
	};
	int e = lg_server__new(&so, srv);

	if (!e)
		e = lg_server__start(*srv);
	if (e == -EOPNOTSUPP)
		uring_missing(o, err, len);
	else if (e)
		snprintf(err, len, "cannot start the listener on port %u (%s)", o->port,
			 strerror(-e));
	return e;
}

static int start_client(const struct sb_opts *o, uint64_t deadline, struct lg_server *srv,
			struct sb_recstore *store, struct lg_client **cl, char *err, size_t len)
{
	struct lg_client_opts co = {
		.conns = o->conns,
		.concurrency = o->concurrency,
		.rate = o->rate,
		.threads = o->threads,
		.mode = o->mode,
		.close = o->close,
		.engine = o->engine,
		.req_bytes = o->req_bytes,
		.resp_bytes = o->resp_bytes,
		.close_first = o->close_first,
		.connect_timeout_ms = o->connect_timeout_ms,
		.ipv6 = o->ipv6,
		.port = o->port,
		.ndest = o->ndest,
		.dest_addr = o->target_addr,
		.src_addr = o->topology == SB_TOPO_VETH ? htonl(SB_VETH_CLIENT_ADDR) : 0,
		.nsrc = SB_VETH_NCLIENT,
		.deadline_ns = deadline,
		.stop = &sb_stop_requested,
		.paired = o->paired ? srv : NULL,
		.sink = keep_conns,
		.sink_ctx = store,
	};
	char req[160];
	int e;

	if (o->topology == SB_TOPO_VETH && !co.dest_addr)
		co.dest_addr = htonl(SB_VETH_SERVER_ADDR);
	if (o->server_addr) { /* another host's listener (--server-addr) */
		co.dest_addr = o->server_addr;
		co.ndest = 1;
	}
	if (o->http) {
		/* HTTP/1.0: the server answers and closes; the response is read
		 * to EOF and its status line recorded */
		co.req_bytes = (uint32_t)snprintf(req, sizeof(req),
						  "GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: "
						  "synbench/" SB_VERSION "\r\n\r\n",
						  o->target);
		co.req_data = req;
		co.resp_bytes = 1;
		co.http = 1;
	}
	e = lg_client__new(&co, cl);

	if (!e)
		e = lg_client__start(*cl);
	if (e == -EOPNOTSUPP && o->engine == LG_ENGINE_URING)
		uring_missing(o, err, len);
	else if (e) {
		snprintf(err, len, "cannot start the load generator (%s)", strerror(-e));
	}
	return e;
}

/* --target: the user's server. Started by --server-cmd inside this
 * namespace (its output in an anonymous log, kept as server.log), or
 * already there. */
static int start_target(const struct sb_opts *o, struct sb_server_cmd **cmd, int *log_fd,
			char *err, size_t len)
{
	char tail[300] = "";
	int e, status = 0;

	if (!o->server_cmd[0]) {
		if (sb_port_listening(o->port))
			return 0;
		snprintf(err, len,
			 "nothing listens on port %u in the run's namespace; start the "
			 "server with --server-cmd, or point --netns at the namespace it runs in",
			 o->port);
		return -ENOENT;
	}
	*log_fd = sb_anon_file();
	if (*log_fd < 0) {
		e = *log_fd;
		*log_fd = 0;
		snprintf(err, len, "cannot make a log file for --server-cmd (%s)", strerror(-e));
		return e;
	}
	e = sb_server_cmd__start(o->server_cmd, *log_fd, cmd);
	if (!e)
		e = sb_server_cmd__wait_listening(*cmd, o->port, 10000, &status);
	if (e == -ECHILD || e == -ETIMEDOUT)
		sb_anon_file_tail(*log_fd, tail, sizeof(tail));
	if (e == -ECHILD)
		snprintf(err, len, "--server-cmd exited (status %d) before listening on port %u%s%s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, o->port,
			 tail[0] ? "; it said: " : " without a word", tail);
	else if (e == -ETIMEDOUT)
		snprintf(err, len, "--server-cmd did not listen on port %u within 10 s%s%s", o->port,
			 tail[0] ? "; it said: " : " and said nothing", tail);
	else if (e)
		snprintf(err, len, "cannot start --server-cmd (%s)", strerror(-e));
	return e;
}

int sb_run_preflight(const struct sb_opts *o, char *err, size_t errlen)
{
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "needs root (a private network namespace and BPF programs: "
			 "CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON); run it with sudo");
		return -EPERM;
	}
	if (o->engine == LG_ENGINE_URING) {
		struct lg_uring_caps caps;
		char bad[256] = "";
		int e = lg_uring_caps_probe(&caps, bad, sizeof(bad));

		if (e) {
			snprintf(err, errlen, "%s", bad);
			return e;
		}
		if (lg_uring_caps_missing(&caps, LG_URING_BASE |
							 (o->paired ? LG_URING_MULTISHOT : 0))) {
			uring_missing(o, err, errlen);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int sb_run(const struct sb_opts *o, struct sb_rundata *out)
{
	return sb_run_with(o, NULL, out);
}

int sb_run_with(const struct sb_opts *o, const struct sb_run_hooks *h, struct sb_rundata *out)
{
	enum sb_half half = h ? h->half : SB_HALF_BOTH;
	struct sb_rundata rd = { .opts = o };
	struct sb_probes *probes = NULL;
	struct sb_sampler *sampler = NULL;
	struct lg_server *srv = NULL;
	struct lg_client *cl = NULL;
	struct sb_mib_snap *mib0 = NULL, *mib1 = NULL;
	struct sb_tracefmt *trace = NULL;
	struct sb_server_cmd *cmd = NULL;
	struct sb_topo *topo = NULL;
	struct sb_recstore *store = NULL;
	struct sb_mib_snap *cmib0 = NULL, *cmib1 = NULL;
	struct sb_restore *restore = NULL;
	struct utsname un;
	char err[1024] = "";
	uint64_t deadline;
	int e, rc = 2;

	rd.t_setup_ns = lg_now_ns();
	sb_signals_install();
	raise_nofile(o);
	/* what runs killed before their end left changed, put back first */
	sb_restore_recover();
	if (o->netns[0]) {
		e = sb_netns_join(o->netns);
		rd.netns_inode = sb_netns_inode();
		if (e) {
			snprintf(err, sizeof(err),
				 "cannot enter network namespace '%s' (%s); create it with "
				 "'ip netns add %s' or check 'ip netns list'",
				 o->netns, strerror(-e), o->netns);
			goto fail;
		}
	} else if (half != SB_HALF_BOTH) {
		/* a host's half across machines: the host's own namespace */
		rd.netns_inode = sb_netns_inode();
	} else if (o->topology == SB_TOPO_VETH) {
		if (sb_topo__new(o, &topo, err, sizeof(err)))
			goto fail;
		rd.netns_inode = sb_topo__ino(topo, SB_TOPO_SERVER);
		rd.client_netns_inode = sb_topo__ino(topo, SB_TOPO_CLIENT);
	} else {
		e = sb_netns_enter(&rd.netns_inode);
		if (e) {
			snprintf(err, sizeof(err), "cannot create a private network namespace (%s)",
				 strerror(-e));
			goto fail;
		}
	}
	/* a namespace synbench did not create (--netns, a host's own across
	 * machines) gets back at the end what the run changed in it */
	if (o->netns[0] || half != SB_HALF_BOTH) {
		char via[128];

		snprintf(via, sizeof(via), "/run/netns/%s", o->netns);
		if (sb_restore__open(o->netns[0] ? via : NULL, &restore, err, sizeof(err)))
			goto fail;
	}
	if (apply_sysctls(o, restore, &rd, err, sizeof(err)) ||
	    (topo && sb_topo__mirror_sysctls(topo, err, sizeof(err))))
		goto fail;
	/* a host's half across machines sends its records whole: no spill */
	if (sb_recstore__new(half == SB_HALF_BOTH ? (size_t)o->record_memory_mib << 20 : 0, 0,
			     &store)) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (!o->no_probes) {
		struct sb_probes_opts po = {
			.netns_ino = rd.netns_inode,
			.netns_ino2 = rd.client_netns_inode,
			.netns_fd2 = sb_topo__fd(topo, SB_TOPO_CLIENT),
			.ports = { o->port },
			.nports = 1,
			.conns = o->conns,
			.in_flight = o->concurrency + (uint32_t)o->backlog,
			.attach = o->attach,
			/* a client half has no listener to sample */
			.sampler_forced = o->sampler >= 0 || half == SB_HALF_CLIENT,
			.sampler_mode = o->sampler >= 0 && half != SB_HALF_CLIENT
						? (enum sb_comp_mode)o->sampler
						: SB_MODE_OFF,
			.probe_off = o->probe_off,
			.verbose = o->verbose,
			.on_record = keep_krec,
			.on_record_ctx = store,
		};

		if (o->trace_states) {
			trace = sb_tracefmt__new(stdout);
			if (!trace) {
				snprintf(err, sizeof(err), "out of memory");
				goto fail;
			}
			sb_tracefmt__header(trace);
			po.on_state = sb_tracefmt_on_state;
			po.on_state_ctx = trace;
		}
		if (sb_probes__new(&po, &probes, err, sizeof(err)))
			goto fail;
		snprintf(rd.attach_plan, sizeof(rd.attach_plan), "%s", sb_probes__plan(probes));
	} else {
		snprintf(rd.attach_plan, sizeof(rd.attach_plan), "none");
	}
	if (!o->quiet && !o->json && topo)
		sb_error("veth: server netns %llu (198.18.0.1), client netns %llu "
				"(198.18.0.2-%u)",
			(unsigned long long)rd.netns_inode, (unsigned long long)rd.client_netns_inode,
			(unsigned)(SB_VETH_CLIENT_ADDR & 255) + SB_VETH_NCLIENT - 1);
	if (!o->quiet && !o->json)
		sb_error("netns %llu, probes: %s, %s%s%.0d, %llu connections",
			 (unsigned long long)rd.netns_inode, rd.attach_plan,
			 o->target[0] ? "target " : "backlog ", o->target[0] ? o->target : "",
			 o->target[0] ? 0 : o->backlog, (unsigned long long)o->conns);
	/* a degradation is a warning: said even with --quiet */
	if (probes)
		for (int c = 0; c < SB_NCOMPONENTS; c++) {
			const struct sb_component_state *s = &sb_probes__components(probes)->c[c];

			if (s->error[0])
				sb_error("%s runs as %s on this kernel (%s)", sb_component_name(c),
					 sb_comp_mode_name(s->mode), s->error);
		}
	if (half == SB_HALF_CLIENT) {
		rd.effective_backlog = -1; /* the server host's */
	} else if (o->target[0]) {
		if (start_target(o, &cmd, &rd.server_log_fd, err, sizeof(err)))
			goto fail;
		rd.effective_backlog = -1; /* from the sampler, below */
	} else {
		if (start_server(o, store, &srv, err, sizeof(err)))
			goto fail;
		rd.effective_backlog = lg_server__effective_backlog(srv);
	}
	if (probes && half != SB_HALF_CLIENT &&
	    sb_probes__components(probes)->c[SB_COMP_LISTENER_SAMPLER].mode &&
	    sb_probes__find_listeners(probes) <= 0) {
		snprintf(err, sizeof(err),
			 "cannot find the listener on port %u for the "
			 "sampler",
			 o->port);
		goto fail;
	}
	if (probes && half != SB_HALF_CLIENT && rd.effective_backlog < 0) {
		struct sb_listen_sample ls;

		if (sb_probes__sample(probes, &ls, 1) == 1)
			rd.effective_backlog = (int)ls.max_ack_backlog;
	}
	uname(&un);
	snprintf(rd.kernel_release, sizeof(rd.kernel_release), "%s", un.release);
	iso_now(rd.started_at, sizeof(rd.started_at));
	if (sb_mib_snap__read(&mib0) ||
	    (topo && sb_topo__mib_read(topo, SB_TOPO_CLIENT, &cmib0))) {
		snprintf(err, sizeof(err), "cannot read /proc/net/netstat and /proc/net/snmp");
		goto fail;
	}
	if (probes && (sb_probes__start(probes) ||
		       sb_sampler__start(probes, o->sample_us, &sampler))) {
		snprintf(err, sizeof(err), "cannot start the probe threads");
		goto fail;
	}
	if (h && h->before_load && h->before_load(h->ctx, &rd, err, sizeof(err)))
		goto fail;
	rd.t_start_ns = lg_now_ns();
	deadline = rd.t_start_ns + (uint64_t)o->max_time_s * 1000000000ull;
	if (half == SB_HALF_SERVER) {
		wait_for_stop(o, rd.t_start_ns, h);
		goto loaded;
	}
	/* veth: the client threads are born in the client's namespace */
	if (topo && sb_topo__enter(topo, SB_TOPO_CLIENT)) {
		snprintf(err, sizeof(err), "cannot enter the client namespace");
		goto fail;
	}
	e = start_client(o, deadline, srv, store, &cl, err, sizeof(err));
	if (topo && sb_topo__enter(topo, SB_TOPO_SERVER))
		abort(); /* cannot happen: the thread came from there */
	if (e)
		goto fail;
	wait_for_load(o, cl, rd.t_start_ns, h);
	rd.t_end_ns = lg_now_ns();
	rd.interrupted = sb_stop_requested != 0;
	rd.stop_reason = rd.interrupted			  ? SB_STOP_SIGNAL
			 : lg_client__done(cl) < o->conns ? SB_STOP_MAX_TIME
							  : SB_STOP_COMPLETE;
	if (h && h->after_load)
		h->after_load(h->ctx, lg_client__done(cl));

	/* user side first, then close every socket, then the kernel side */
	lg_client__stats(cl, &rd.client);
	rd.conns_unstarted = o->conns > rd.client.started ? o->conns - rd.client.started : 0;
loaded:
	if (half == SB_HALF_SERVER) {
		rd.t_end_ns = lg_now_ns();
		rd.interrupted = sb_stop_requested != 0;
		rd.stop_reason = rd.interrupted ? SB_STOP_SIGNAL : SB_STOP_COMPLETE;
	}
	lg_server__stop(srv); /* its last records to the store */
	/* the last sample sees the listener before it closes */
	if (sampler)
		sb_sampler__stop(sampler, &rd.samples, &rd.nsamples, &rd.lost_samples);
	sampler = NULL;
	sb_mib_snap__read(&mib1);
	if (mib1)
		sb_mib_deltas(mib0, mib1, &rd.mib, &rd.nmib);
	if (topo && sb_topo__mib_read(topo, SB_TOPO_CLIENT, &cmib1) == 0)
		sb_mib_deltas(cmib0, cmib1, &rd.client_mib, &rd.nclient_mib);
	lg_server__free(srv);
	srv = NULL;
	sb_server_cmd__stop(cmd);
	cmd = NULL;
	settle(probes);
	if (probes) {
		sb_probes__stop(probes);
		if (sb_probes__collect(probes, &rd)) {
			snprintf(err, sizeof(err), "out of memory while collecting the probes' counters");
			goto fail;
		}
	}
	lg_client__free(cl); /* every record is in the store */
	cl = NULL;
	if (take_records(store, &rd)) {
		store = NULL;
		snprintf(err, sizeof(err), "out of memory while taking the run's records");
		goto fail;
	}
	store = NULL;
	rd.t_collected_ns = lg_now_ns();
	{
		struct rusage ru;

		if (getrusage(RUSAGE_SELF, &ru) == 0) {
			rd.max_rss_kb = (uint64_t)ru.ru_maxrss;
			rd.cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
			rd.cpu_sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		}
	}
	*out = rd;
	memset(&rd, 0, sizeof(rd));
	rc = 0;
	goto out;
fail:
	sb_error("%s", err);
	if (h && h->err)
		snprintf(h->err, h->errlen, "%s", err);
	rc = -EINVAL;
out:
	if (sampler) {
		struct sb_listen_sample *s;
		size_t ns;
		uint64_t f;

		sb_sampler__stop(sampler, &s, &ns, &f);
		free(s);
	}
	lg_server__free(srv);
	sb_server_cmd__stop(cmd);
	lg_client__free(cl);
	sb_probes__free(probes);
	sb_tracefmt__free(trace);
	sb_mib_snap__free(mib0);
	sb_mib_snap__free(mib1);
	sb_mib_snap__free(cmib0);
	sb_mib_snap__free(cmib1);
	sb_topo__free(topo);
	/* last: the listener and the load are gone */
	sb_restore__close(restore);
	sb_rundata_free(&rd);
	return rc;
}

void sb_rundata_free(struct sb_rundata *rd)
{
	if (rd->server_log_fd > 0)
		close(rd->server_log_fd);
	rd->server_log_fd = 0;
	sb_recstore__free(rd->store);
	rd->store = NULL;
	free(rd->conns_buf);
	rd->conns_buf = NULL;
	for (size_t i = 0; i < rd->nhosts; i++) {
		if (rd->hosts[i].log_fd > 0)
			close(rd->hosts[i].log_fd);
		sb_rundata_free(&rd->hosts[i].rd);
	}
	free(rd->hosts);
	rd->hosts = NULL;
	rd->nhosts = 0;
	rd->conns = NULL;
	rd->nconns = 0;
	sb_rundata_free_kernel(rd);
	free(rd->samples);
	free(rd->accepts);
	free(rd->mib);
	free(rd->client_mib);
	free(rd->sysctls);
	rd->client_mib = NULL;
	rd->samples = NULL;
	rd->accepts = NULL;
	rd->mib = NULL;
	rd->sysctls = NULL;
}
