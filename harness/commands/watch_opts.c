/* bench watch: options (a table on the option engine) and --help. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/commands/watch.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"

/* ---- the table ---- */

enum {
	W_NETNS,
	W_PORT,
	W_PID,
	W_COMM,
	W_CGROUP,
	W_IPV4,
	W_IPV6,
	W_DURATION,
	W_MAX_CONNS,
	W_CONNLAT,
	W_TRACE_STATES,
	W_ATTACH,
	W_SAMPLE_US,
	W_NO_BPF_STATS,
	W_OUT,
	W_LABEL,
	W_FORCE,
	W_NO_PLOT,
	W_JSON,
	W_QUIET,
	W_VERBOSE,
	W_SERVE,
	W_HELP,
};

struct watch_parse {
	struct sb_watch_opts o;
	int ipv4, ipv6;
};

static const char *const attach_names[] = {"auto", "tp_btf", "raw_tp", "tracepoint", NULL};

/* clang-format off */
#define WFLD(f) SB_FLD(struct watch_parse, f)
#define HEADING(text) { .help = text, .kind = SB_OPT_HEADING }
#define CUSTOM(name, id, meta, help, dflt, example) \
	{ name, 0, SB_ARG_REQ, SB_OPT_CUSTOM, id, meta, help, dflt, example, 0, 0, NULL, 0, 0, \
	  SB_FLD_NONE, 0 }
#define FLAG(name, short_name, id, help, field) \
	{ name, short_name, SB_ARG_NONE, SB_OPT_FLAG, id, NULL, help, NULL, NULL, 0, 0, NULL, \
	  WFLD(field), 0 }

static const struct sb_optdef watch_table[] = {
	HEADING("Where:"),
	CUSTOM("netns", W_NETNS, "NAME", "the namespace /run/netns/NAME", "the caller's", "web"),
	HEADING("Filters:"),
	CUSTOM("port", W_PORT, "P", "sockets whose local or remote port is P; repeatable, up to 8",
	       "every TCP socket of the namespace", "443"),
	CUSTOM("pid", W_PID, "PID", "client sockets connect()ed by process PID (thread group)",
	       NULL, "1234"),
	CUSTOM("comm", W_COMM, "NAME", "client sockets connect()ed by a task named NAME", NULL,
	       "curl"),
	CUSTOM("cgroup", W_CGROUP, "PATH",
	       "client sockets connect()ed by a process in cgroup v2 PATH or below: the mount's "
	       "path (/sys/fs/cgroup/...) or /... (read from /proc/PID/cgroup when the event "
	       "arrives). --pid/--comm/--cgroup: the task at CLOSE->SYN_SENT; a server's "
	       "children are created in softirq and kept only as the peer of a selected client "
	       "in the same namespace", NULL, "/system.slice/nginx.service"),
	FLAG("ipv4", 0, W_IPV4, "IPv4 only", ipv4),
	FLAG("ipv6", 0, W_IPV6, "IPv6 only", ipv6),
	HEADING("Bounds (Ctrl-C or SIGTERM also stop the watch and write the results):"),
	CUSTOM("duration", W_DURATION, "S", "seconds, decimal, up to 86400", "until Ctrl-C", "60"),
	{ "max-conns", 0, SB_ARG_REQ, SB_OPT_UINT, W_MAX_CONNS, "N",
	  "stop after N sockets (clients + children); sizes the socket map and the ring buffer",
	  "100000", "100000", 1, SB_WATCH_MAX_CONNS, NULL, WFLD(o.max_conns), 0 },
	HEADING("Live output (stdout):"),
	FLAG("connlat", 0, W_CONNLAT,
	     "a line per client handshake, as tcpconnlat prints it: PID COMM IP SADDR DADDR "
	     "DPORT LAT(ms)", o.connlat),
	FLAG("trace-states", 0, W_TRACE_STATES,
	     "a line per state change, as tcpstates prints it (otherwise a progress line on "
	     "stderr, once a second)", o.trace_states),
	HEADING("Probes:"),
	{ "attach", 0, SB_ARG_REQ, SB_OPT_CHOICE, W_ATTACH, "MODE", "auto|tp_btf|raw_tp|tracepoint",
	  "auto", "raw_tp", 0, 0, attach_names, WFLD(o.attach), 0 },
	{ "sample-us", 0, SB_ARG_REQ, SB_OPT_UINT, W_SAMPLE_US, "N", "accept-queue sample period",
	  "10000", "10000", 100, 10000000, NULL, WFLD(o.sample_us), 0 },
	FLAG("no-bpf-stats", 0, W_NO_BPF_STATS,
	     "leave BPF run time uncounted (by default an enable-stats descriptor counts it "
	     "while the probes run, for probes.cost)", o.no_bpf_stats),
	HEADING("Output:"),
	CUSTOM("out", W_OUT, "DIR", "result directory", "results/watch-<time>[-LABEL]",
	       "results/watch-a"),
	CUSTOM("label", W_LABEL, "L", "a short name without '/'", NULL, "web"),
	FLAG("force", 0, W_FORCE, "write into an existing --out directory", o.force),
	FLAG("no-plot", 0, W_NO_PLOT, "skip the gnuplot plots", o.no_plot),
	FLAG("json", 0, W_JSON, "print summary.json to stdout", o.json),
	FLAG("quiet", 0, W_QUIET, "no table, no progress", o.quiet),
	{ "verbose", 'v', SB_ARG_NONE, SB_OPT_COUNT, W_VERBOSE, NULL, "libbpf and setup messages",
	  NULL, NULL, 0, 0, NULL, WFLD(o.verbose), 0 },
	HEADING("Exporter (docs/exporter.md):"),
	CUSTOM("serve", W_SERVE, "ADDR:PORT",
	       "serve /metrics (Prometheus text format), / (a page of the same figures) and "
	       "/healthz on ADDR:PORT until Ctrl-C, SIGTERM or --duration; keeps no "
	       "per-connection data (cumulative counters and histograms) and writes no result "
	       "directory. ADDR is bound exactly as given: 127.0.0.1, [::1], or another "
	       "address of this host if you choose so; PORT alone binds 127.0.0.1. The socket "
	       "lives in the watched namespace. Excludes --out, --label, --force, --json, "
	       "--connlat, --trace-states, --pid, --comm, --cgroup, --max-conns",
	       NULL, "127.0.0.1:9465"),
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, W_HELP, NULL, "this text", .fld = SB_FLD_NONE },
};
/* clang-format on */

static int watch_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err,
		       size_t len);

static const struct sb_optset watch_optset = {
    .cmd = "watch",
    .defs = watch_table,
    .ndefs = sizeof(watch_table) / sizeof(watch_table[0]),
    .apply = watch_apply,
};

const struct sb_optset *sb_watch_optset(void)
{
	return &watch_optset;
}

void sb_watch_usage(FILE *f)
{
	fputs("USAGE: bench watch [--netns NAME] [--port P]... [--pid PID] [--comm NAME]\n"
	      "                   [--ipv4|--ipv6] [--duration S] [--max-conns N]\n"
	      "                   [--connlat|--trace-states] [--out DIR] [options]\n"
	      "       bench watch --serve ADDR:PORT [--netns NAME] [--port P]... [--duration S]\n"
	      "\n"
	      "The kernel view of a run (the same probe components and fallbacks, the\n"
	      "accept-queue sampler, the namespace's MIB deltas) for traffic synbench did not\n"
	      "generate: an application's connects, a server under load. Writes the same\n"
	      "result directory as a run, from kernel records alone. With --serve, an exporter\n"
	      "instead: Prometheus scrapes cumulative figures; nothing per connection is kept.\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE):\n",
	      f);
	sb_optparse_help(f, &watch_optset);
	fputs("\n"
	      "EXAMPLES:\n"
	      "  bench watch --port 443 --duration 60             # this namespace, port 443\n"
	      "  bench watch --netns web --port 8000 --connlat    # until Ctrl-C\n"
	      "  bench watch --comm curl --connlat --duration 30  # curl's connects\n"
	      "  bench watch --cgroup /system.slice/nginx.service --duration 60\n"
	      "  bench watch --netns web --serve 127.0.0.1:9465   # Prometheus scrapes /metrics\n"
	      "  bench compare results/watch-a results/watch-b    # two watches\n"
	      "\n",
	      f);
}

/* Plain decimal (no sign, no suffix) in [lo, hi]. */
static int num(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

static int seconds(const char *s, double *v)
{
	char *end;
	double x;

	if (!s || !*s || ((*s < '0' || *s > '9') && *s != '.'))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			return -EINVAL;
	x = strtod(s, &end);
	if (*end || !(x > 0) || x > 86400)
		return -EINVAL;
	*v = x;
	return 0;
}

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup (unified), or
 * /sys/fs/cgroup/unified (hybrid, systemd's legacy layout). */
static const char *cgroup2_root(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0 &&
	    access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		return "/sys/fs/cgroup/unified";
	return "/sys/fs/cgroup";
}

int sb_watch_filtered(const struct sb_watch_opts *o)
{
	return o->nports > 0 || o->pid >= 0 || o->comm[0] || o->cgroup[0] || o->family;
}

static void defaults(struct sb_watch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->max_conns = SB_WATCH_DEFAULT_MAX_CONNS;
	o->sample_us = 10000;
	o->attach = SB_ATTACH_AUTO;
}

static int cgroup_opt(struct sb_watch_opts *o, const char *val, char *err, size_t len);
static int serve_excludes(const struct sb_watch_opts *o, char *err, size_t len);

static int watch_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct watch_parse *p = ctx;
	struct sb_watch_opts *o = &p->o;
	uint64_t v;

	switch (d->id) {
	case W_NETNS:
		if (!*val || strlen(val) >= sizeof(o->netns) || strchr(val, '/'))
			return sb_errf(err, len, -EINVAL,
				       "--netns '%s': give a name from 'ip netns list'", val);
		snprintf(o->netns, sizeof(o->netns), "%s", val);
		break;
	case W_PORT:
		if (num(val, 1, 65535, &v))
			return sb_errf(err, len, -EINVAL, "--port '%s': give a port 1..65535", val);
		if (o->nports == SB_MAX_PORTS)
			return sb_errf(err, len, -EINVAL, "--port %s: at most 8 ports", val);
		o->ports[o->nports++] = (uint16_t)v;
		break;
	case W_PID:
		if (num(val, 1, 4194304, &v))
			return sb_errf(err, len, -EINVAL,
				       "--pid '%s': give a process ID 1..4194304", val);
		o->pid = (int64_t)v;
		break;
	case W_COMM:
		if (!*val || strlen(val) > 15)
			return sb_errf(err, len, -EINVAL,
				       "--comm '%s': give a task name of 1..15 characters (the "
				       "kernel's comm)",
				       val);
		snprintf(o->comm, sizeof(o->comm), "%s", val);
		break;
	case W_CGROUP:
		return cgroup_opt(o, val, err, len);
	case W_DURATION:
		if (seconds(val, &o->duration_s))
			return sb_errf(err, len, -EINVAL,
				       "--duration '%s': give seconds, 0 < S <= 86400 (decimal)",
				       val);
		break;
	case W_OUT:
		if (!*val || strlen(val) >= sizeof(o->out))
			return sb_errf(err, len, -EINVAL, "--out '%s': give a directory", val);
		snprintf(o->out, sizeof(o->out), "%s", val);
		break;
	case W_SERVE:
		return sb_watch_serve_addr(val, o, err, len);
	case W_LABEL:
		if (!*val || strlen(val) >= sizeof(o->label) || strchr(val, '/'))
			return sb_errf(err, len, -EINVAL,
				       "--label '%s': give a short name without '/'", val);
		snprintf(o->label, sizeof(o->label), "%s", val);
		break;
	}
	return 0;
}

/* --cgroup: a path below the cgroup v2 mount, stored relative to it. */
static int cgroup_opt(struct sb_watch_opts *o, const char *val, char *err, size_t len)
{
	const char *rel = val, *root = cgroup2_root();
	size_t rn = strlen(root);
	char path[600];
	struct stat st;

	if (strncmp(rel, root, rn) == 0 && (!rel[rn] || rel[rn] == '/'))
		rel += rn;
	if (rel[0] != '/' && rel[0])
		return sb_errf(err, len, -EINVAL,
			       "--cgroup '%s': give a cgroup v2 path, /sys/fs/cgroup/... or /...",
			       val);
	if (strlen(rel) >= sizeof(o->cgroup) - 1)
		return sb_errf(err, len, -EINVAL, "--cgroup '%s': too long", val);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return sb_errf(err, len, -EINVAL,
			       "--cgroup '%s': no such cgroup (%s is not a directory)", val, path);
	snprintf(o->cgroup, sizeof(o->cgroup), "%s", rel[0] ? rel : "/");
	/* no trailing slash: "/a/" matches like "/a" */
	for (size_t n = strlen(o->cgroup); n > 1 && o->cgroup[n - 1] == '/'; n--)
		o->cgroup[n - 1] = 0;
	return 0;
}

int sb_watch_parse(int argc, char **argv, struct sb_watch_opts *out, char *err, size_t len)
{
	struct watch_parse p;
	struct sb_watch_opts o;
	int ipv4, ipv6, r;

	defaults(&p.o);
	p.ipv4 = p.ipv6 = 0;
	r = sb_optparse(&watch_optset, argc, argv, 1, &p, &p, NULL, err, len);
	if (r == W_HELP)
		return SB_OPTS_HELP;
	if (r > 0)
		r = -EINVAL;
	if (r < 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err && len ? err : "");
		return sb_errf(err, len, r, "watch: %s", msg);
	}
	o = p.o;
	ipv4 = p.ipv4;
	ipv6 = p.ipv6;
	if (ipv4 && ipv6)
		return sb_errf(err, len, -EINVAL,
			       "watch: --ipv4 and --ipv6 exclude each other; give "
			       "neither for both families");
	if (o.connlat && o.trace_states)
		return sb_errf(err, len, -EINVAL,
			       "watch: --connlat and --trace-states exclude each "
			       "other (two formats on one stdout); choose one");
	if (o.json && (o.connlat || o.trace_states))
		return sb_errf(err, len, -EINVAL,
			       "watch: --json writes summary.json to stdout; it "
			       "excludes --connlat and --trace-states");
	o.family = ipv4 ? AF_INET : ipv6 ? AF_INET6 : 0;
	r = serve_excludes(&o, err, len);
	if (r)
		return r;
	*out = o;
	return 0;
}

/* --serve keeps no per-connection data and writes no result directory:
 * the options about those do not apply. */
static int serve_excludes(const struct sb_watch_opts *o, char *err, size_t len)
{
	const char *x = o->out[0]	  ? "--out"
			: o->label[0]	  ? "--label"
			: o->force	  ? "--force"
			: o->json	  ? "--json"
			: o->connlat	  ? "--connlat"
			: o->trace_states ? "--trace-states"
			: o->pid >= 0	  ? "--pid"
			: o->comm[0]	  ? "--comm"
			: o->cgroup[0]	  ? "--cgroup"
			: o->max_conns != SB_WATCH_DEFAULT_MAX_CONNS ? "--max-conns"
								      : NULL;

	if (!o->serve[0] || !x)
		return 0;
	return sb_errf(err, len, -EINVAL,
		       "watch: --serve excludes %s (the exporter keeps no per-connection data, "
		       "tags no process and writes no result directory); drop one of them",
		       x);
}

int sb_watch_serve_addr(const char *val, struct sb_watch_opts *o, char *err, size_t len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&o->serve_addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->serve_addr;
	char host[64] = "127.0.0.1";
	const char *port = val, *c;
	uint64_t p;

	memset(&o->serve_addr, 0, sizeof(o->serve_addr));
	if (val[0] == '[') { /* [ADDR]:PORT */
		c = strchr(val, ']');
		if (!c || c[1] != ':' || (size_t)(c - val - 1) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(c - val - 1), val + 1);
		port = c + 2;
	} else if ((c = strrchr(val, ':'))) { /* A.B.C.D:PORT */
		if ((size_t)(c - val) >= sizeof(host) || memchr(val, ':', (size_t)(c - val)))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(c - val), val);
		port = c + 1;
	}
	if (num(port, 1, 65535, &p))
		goto bad;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		o->serve_addrlen = sizeof(*v4);
		o->serve_loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
	} else if (val[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		o->serve_addrlen = sizeof(*v6);
		o->serve_loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
	} else {
		goto bad;
	}
	snprintf(o->serve, sizeof(o->serve), "%s", val);
	return 0;
bad:
	return sb_errf(err, len, -EINVAL,
		       "--serve '%s': give ADDR:PORT with a numeric address (127.0.0.1:9465, "
		       "[::1]:9465) or PORT alone for 127.0.0.1",
		       val);
}
