/* One run, start to end, in phases: the namespace; its sysctls, the record
 * store and the probes; the listener; the load inside the kernel view's
 * bracket (harness/run/observe.h); the records collected. Nothing is
 * written here: the analysis and the writers come after (commands/finish).
 * Every step that can fail on bad input fails before the load. */
#include "harness/run/run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/anonfile.h"
#include "harness/run/bigmem.h"
#include "harness/run/mib.h"
#include "harness/run/krec.h"
#include "harness/run/netns.h"
#include "harness/run/observe.h"
#include "harness/run/probes.h"
#include "harness/run/recstore.h"
#include "harness/run/restore.h"
#include "loadgen/uring_caps.h"
#include "harness/run/target.h"
#include "harness/run/tracefmt.h"
#include "harness/run/signals.h"
#include "harness/run/topology.h"
#include "harness/run/ownlisten.h"
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
		{ "net.ipv4.tcp_migrate_req", o->migrate_req },
	};
	char range[64], val[32];
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
	return sb_sysctls_record(rd);
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

static void keep_krecs(void *ctx, const struct sb_krec *r, size_t n)
{
	sb_recstore__add(ctx, SB_RK_KREC, r, n);
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
		rd->krecs = sb_bigmem_calloc(nk, sizeof(*rd->krecs));
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

/* --tls: the client's context, and our listener's unless a --target
 * server terminates TLS. */
static int make_tls(const struct sb_opts *o, struct lg_tls **tls, char *err, size_t len)
{
	const struct lg_tls_opts to = {
		.version = o->tls_version == SB_TLS_12 ? 12 : 13,
		.key = o->tls_key_type,
		.resume = o->tls_resume,
		.cert_file = o->tls_cert[0] ? o->tls_cert : NULL,
		.key_file = o->tls_key[0] ? o->tls_key : NULL,
		.sni = o->tls_sni[0] ? o->tls_sni : NULL,
		.ca_file = o->tls_ca[0] ? o->tls_ca : NULL,
	};

	return o->tls ? lg_tls__new(&to, !o->target[0], tls, err, len) : 0;
}

static int start_server(const struct sb_opts *o, const struct lg_tls *tls,
			struct sb_recstore *store, struct lg_server **srv, char *err, size_t len)
{
	struct lg_server_opts so;
	int e;

	sb_ownlisten__opts(o, &so);
	so.tls = tls;
	so.stop = &sb_stop_requested;
	so.sink = keep_accepts;
	so.sink_ctx = store;
	e = lg_server__new(&so, srv);

	if (!e)
		e = lg_server__start(*srv);
	if (e == -EOPNOTSUPP)
		uring_missing(o, err, len);
	else if (e)
		snprintf(err, len, "cannot start the listener on port %u (%s)", o->port,
			 strerror(-e));
	return e;
}

static int start_client(const struct sb_opts *o, const struct lg_tls *tls, uint64_t deadline,
			struct lg_server *srv, struct sb_recstore *store, struct lg_client **cl,
			char *err, size_t len)
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
		.tls = tls,
		.sink = keep_conns,
		.sink_ctx = store,
	};
	char req[768];
	int e;

	if (o->topology == SB_TOPO_VETH && !co.dest_addr)
		co.dest_addr = htonl(SB_VETH_SERVER_ADDR);
	if (o->server_addr) { /* another host's listener (--server-addr) */
		co.dest_addr = o->server_addr;
		co.ndest = 1;
	}
	if (o->http) {
		/* HTTP/1.1 without keep-alive: the server answers and closes;
		 * the response is read to EOF and its status line recorded */
		co.req_bytes = (uint32_t)snprintf(
		    req, sizeof(req),
		    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: synbench/" SB_VERSION
		    "\r\nConnection: close\r\n\r\n",
		    o->http_path[0] ? o->http_path : "/", o->tls_sni[0] ? o->tls_sni : o->target);
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

/* One run's parts, set up in phases and freed in one place. */
struct run {
	const struct sb_opts *o;
	const struct sb_run_hooks *h;
	enum sb_half half;
	struct sb_rundata rd;
	struct sb_topo *topo;	      /* --topology veth */
	struct sb_restore *restore;   /* a namespace not synbench's own */
	struct sb_recstore *store;    /* the records, as they finish */
	struct sb_tracefmt *trace;    /* --trace-states */
	struct sb_observe *ob;	      /* the kernel's view */
	struct lg_server *srv;	      /* the listener (no --target) */
	struct sb_server_cmd *cmd;    /* --server-cmd */
	struct lg_client *cl;	      /* the load */
	struct lg_tls *tls;	      /* --tls: the client's and our listener's contexts */
	char err[1024];
};

/* The run's namespace: joined (--netns), this host's own (a half across
 * machines), a veth pair (--topology veth) or a private one; a namespace
 * synbench did not create gets back at the end what the run changed. */
static int enter_namespace(struct run *r)
{
	const struct sb_opts *o = r->o;
	int e;

	if (o->netns[0]) {
		e = sb_netns_join(o->netns);
		r->rd.netns_inode = sb_netns_inode();
		if (e) {
			snprintf(r->err, sizeof(r->err),
				 "cannot enter network namespace '%s' (%s); create it with "
				 "'ip netns add %s' or check 'ip netns list'",
				 o->netns, strerror(-e), o->netns);
			return e;
		}
	} else if (r->half != SB_HALF_BOTH) {
		r->rd.netns_inode = sb_netns_inode();
	} else if (o->topology == SB_TOPO_VETH) {
		e = sb_topo__new(o, &r->topo, r->err, sizeof(r->err));
		if (e)
			return e;
		r->rd.netns_inode = sb_topo__ino(r->topo, SB_TOPO_SERVER);
		r->rd.client_netns_inode = sb_topo__ino(r->topo, SB_TOPO_CLIENT);
	} else {
		e = sb_netns_enter(&r->rd.netns_inode);
		if (e) {
			snprintf(r->err, sizeof(r->err),
				 "cannot create a private network namespace (%s)", strerror(-e));
			return e;
		}
	}
	if (o->netns[0] || r->half != SB_HALF_BOTH) {
		char via[128];

		snprintf(via, sizeof(via), "/run/netns/%s", o->netns);
		return sb_restore__open(o->netns[0] ? via : NULL, &r->restore, r->err,
					sizeof(r->err));
	}
	return 0;
}

/* The client namespace's MIB (sb_observe__peer_mib's reader; ctx: the topology). */
static int client_mib_read(void *ctx, struct sb_mib_snap **out)
{
	return sb_topo__mib_read(ctx, SB_TOPO_CLIENT, out);
}

/* The namespace's sysctls, the record store, the probes. */
static int prepare(struct run *r)
{
	const struct sb_opts *o = r->o;
	struct sb_probes_opts po = {
		.netns_ino = r->rd.netns_inode,
		.netns_ino2 = r->rd.client_netns_inode,
		.netns_fd2 = sb_topo__fd(r->topo, SB_TOPO_CLIENT),
		.ports = { o->port },
		.nports = 1,
		.conns = o->conns,
		.in_flight = o->concurrency + (uint32_t)o->backlog,
		.attach = o->attach,
		/* a client half has no listener to sample */
		.sampler_forced = o->sampler >= 0 || r->half == SB_HALF_CLIENT,
		.sampler_mode = o->sampler >= 0 && r->half != SB_HALF_CLIENT
					? (enum sb_comp_mode)o->sampler
					: SB_MODE_OFF,
		.probe_off = o->probe_off,
		/* --target: a server of its own */
		.own_listeners = !o->target[0],
		.verbose = o->verbose,
		.on_record = keep_krecs,
	};
	int e;

	e = apply_sysctls(o, r->restore, &r->rd, r->err, sizeof(r->err));
	if (!e && r->topo)
		e = sb_topo__mirror_sysctls(r->topo, r->err, sizeof(r->err));
	if (e)
		return e;
	/* a host's half across machines sends its records whole: no spill */
	if (sb_recstore__new(r->half == SB_HALF_BOTH ? (size_t)o->record_memory_mib << 20 : 0, 0,
			     &r->store))
		goto oom;
	po.on_record_ctx = r->store;
	if (o->trace_states && !o->no_probes) {
		r->trace = sb_tracefmt__new(stdout);
		if (!r->trace)
			goto oom;
		sb_tracefmt__header(r->trace);
		po.on_state = sb_tracefmt_on_state;
		po.on_state_ctx = r->trace;
	}
	e = sb_observe__new(o->no_probes ? NULL : &po, !o->no_bpf_stats, &r->rd, &r->ob, r->err,
			    sizeof(r->err));
	if (!e && r->topo) /* veth: the client namespace's MIB in the same bracket */
		sb_observe__peer_mib(r->ob, client_mib_read, r->topo);
	return e;
oom:
	snprintf(r->err, sizeof(r->err), "out of memory");
	return -ENOMEM;
}

/* The listener: synbench's own, the user's (--target), or none here (a
 * client half); the listeners found for the sampler and the backlog the
 * kernel gave. */
static int start_listener(struct run *r)
{
	const struct sb_opts *o = r->o;
	struct sb_probes *p = sb_observe__probes(r->ob);
	int e;

	if (r->half == SB_HALF_CLIENT) {
		r->rd.effective_backlog = -1; /* the server host's */
		return 0;
	}
	if (o->target[0]) {
		e = start_target(o, &r->cmd, &r->rd.server_log_fd, r->err, sizeof(r->err));
		r->rd.effective_backlog = -1; /* from a sample, below */
	} else {
		e = start_server(o, r->tls, r->store, &r->srv, r->err, sizeof(r->err));
		if (!e) { /* the sockets' cookies before the sampler's first pass */
			r->rd.effective_backlog = lg_server__effective_backlog(r->srv);
			sb_ownlisten__start(r->srv, &r->rd);
		}
	}
	if (e || !p)
		return e;
	if (sb_probes__components(p)->c[SB_COMP_LISTENER_SAMPLER].mode &&
	    sb_probes__find_listeners(p) <= 0) {
		snprintf(r->err, sizeof(r->err),
			 "cannot find the listener on port %u for the sampler", o->port);
		return -ENOENT;
	}
	if (r->rd.effective_backlog < 0) {
		struct sb_listen_sample ls;

		if (sb_probes__sample(p, &ls, 1) == 1)
			r->rd.effective_backlog = (int)ls.max_ack_backlog;
	}
	return 0;
}

static void say_setup(const struct run *r)
{
	const struct sb_opts *o = r->o;

	if (o->quiet || o->json)
		return;
	if (r->topo)
		sb_error("veth: server netns %llu (198.18.0.1), client netns %llu "
			 "(198.18.0.2-%u)",
			 (unsigned long long)r->rd.netns_inode,
			 (unsigned long long)r->rd.client_netns_inode,
			 (unsigned)(SB_VETH_CLIENT_ADDR & 255) + SB_VETH_NCLIENT - 1);
	sb_error("netns %llu, probes: %s, %s%s%.0d, %llu connections",
		 (unsigned long long)r->rd.netns_inode, r->rd.attach_plan,
		 o->target[0] ? "target " : "backlog ", o->target[0] ? o->target : "",
		 o->target[0] ? 0 : o->backlog, (unsigned long long)o->conns);
}

/* The load, from the kernel view's begin: this host's connections until
 * they are done, --max-time or a signal; a server half serves until told
 * to stop. */
static int load(struct run *r)
{
	const struct sb_opts *o = r->o;
	const struct sb_run_hooks *h = r->h;
	int e;

	if (sb_observe__begin(r->ob, &r->rd, o->sample_us, r->err, sizeof(r->err)))
		return -EAGAIN;
	if (h && h->before_load && h->before_load(h->ctx, &r->rd, r->err, sizeof(r->err)))
		return -ECANCELED;
	r->rd.t_start_ns = lg_now_ns();
	if (r->half == SB_HALF_SERVER) {
		wait_for_stop(o, r->rd.t_start_ns, h);
		r->rd.t_end_ns = lg_now_ns();
		r->rd.interrupted = sb_stop_requested != 0;
		r->rd.stop_reason = r->rd.interrupted ? SB_STOP_SIGNAL : SB_STOP_COMPLETE;
		return 0;
	}
	/* veth: the client threads are born in the client's namespace */
	if (r->topo && sb_topo__enter(r->topo, SB_TOPO_CLIENT)) {
		snprintf(r->err, sizeof(r->err), "cannot enter the client namespace");
		return -EIO;
	}
	e = start_client(o, r->tls, r->rd.t_start_ns + (uint64_t)o->max_time_s * 1000000000ull,
			 r->srv, r->store, &r->cl, r->err, sizeof(r->err));
	if (r->topo && sb_topo__enter(r->topo, SB_TOPO_SERVER))
		abort(); /* cannot happen: the thread came from there */
	if (e)
		return e;
	wait_for_load(o, r->cl, r->rd.t_start_ns, h);
	r->rd.t_end_ns = lg_now_ns();
	r->rd.interrupted = sb_stop_requested != 0;
	r->rd.stop_reason = r->rd.interrupted			? SB_STOP_SIGNAL
			    : lg_client__done(r->cl) < o->conns ? SB_STOP_MAX_TIME
								: SB_STOP_COMPLETE;
	if (h && h->after_load)
		h->after_load(h->ctx, lg_client__done(r->cl));
	lg_client__stats(r->cl, &r->rd.client);
	r->rd.conns_unstarted =
		o->conns > r->rd.client.started ? o->conns - r->rd.client.started : 0;
	return 0;
}

/* After the load: the user side first, then every socket closed, then the
 * kernel side; every record from the store into rd. */
static int collect(struct run *r)
{
	lg_server__stop(r->srv); /* its last records to the store */
	sb_ownlisten__end(r->srv, &r->rd); /* NULL (--target): none */
	/* the last sample sees the listener before it closes */
	sb_observe__end_sampling(r->ob, &r->rd);
	sb_observe__owners(r->ob, &r->rd);
	lg_server__free(r->srv);
	r->srv = NULL;
	sb_server_cmd__stop(r->cmd);
	r->cmd = NULL;
	settle(sb_observe__probes(r->ob));
	if (sb_observe__end(r->ob, &r->rd, r->err, sizeof(r->err)))
		return -ENOMEM;
	lg_client__free(r->cl); /* every record is in the store */
	r->cl = NULL;
	if (take_records(r->store, &r->rd)) {
		r->store = NULL;
		snprintf(r->err, sizeof(r->err), "out of memory while taking the run's records");
		return -ENOMEM;
	}
	r->store = NULL;
	r->rd.t_collected_ns = lg_now_ns();
	return 0;
}

int sb_run(const struct sb_opts *o, struct sb_rundata *out)
{
	return sb_run_with(o, NULL, out);
}

int sb_run_with(const struct sb_opts *o, const struct sb_run_hooks *h, struct sb_rundata *out)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc = -EINVAL;

	if (!r) {
		sb_error("out of memory");
		return -ENOMEM;
	}
	r->o = o;
	r->h = h;
	r->half = h ? h->half : SB_HALF_BOTH;
	r->rd.opts = o;
	r->rd.t_setup_ns = lg_now_ns();
	sb_signals_install();
	raise_nofile(o);
	/* what runs killed before their end left changed, put back first */
	sb_restore_recover();
	/* first: a certificate that cannot be used is bad input */
	if (!make_tls(o, &r->tls, r->err, sizeof(r->err)) && !enter_namespace(r) && !prepare(r)) {
		say_setup(r);
		if (!start_listener(r) && !load(r) && !collect(r)) {
			*out = r->rd;
			memset(&r->rd, 0, sizeof(r->rd));
			rc = 0;
		}
	}
	if (rc) {
		sb_error("%s", r->err);
		if (h && h->err)
			snprintf(h->err, h->errlen, "%s", r->err);
	}
	lg_server__free(r->srv);
	sb_server_cmd__stop(r->cmd);
	lg_client__free(r->cl);
	lg_tls__free(r->tls); /* after the listener and the load */
	sb_observe__free(r->ob);
	sb_recstore__free(r->store);
	sb_tracefmt__free(r->trace);
	sb_topo__free(r->topo);
	/* last: the listener and the load are gone */
	sb_restore__close(r->restore);
	sb_rundata_free(&r->rd);
	free(r);
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
