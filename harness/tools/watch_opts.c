/* bench watch: options and --help. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/tools/watch.h"

void sb_watch_usage(FILE *f)
{
	fputs("USAGE: bench watch [--netns NAME] [--port P]... [--pid PID] [--comm NAME]\n"
	      "                   [--ipv4|--ipv6] [--duration S] [--max-conns N]\n"
	      "                   [--connlat|--trace-states] [--out DIR] [options]\n"
	      "\n"
	      "The kernel view of a run (the same probe components and fallbacks, the\n"
	      "accept-queue sampler, the namespace's MIB deltas) for traffic synbench did not\n"
	      "generate: an application's connects, a server under load. Writes the same\n"
	      "result directory as a run, from kernel records alone.\n"
	      "\n"
	      "Where:\n"
	      "  --netns NAME       the namespace /run/netns/NAME (default: the caller's)\n"
	      "Filters:\n"
	      "  --port P           sockets whose local or remote port is P; repeatable, up to "
	      "8\n"
	      "                     (default: every TCP socket of the namespace)\n"
	      "  --pid PID          client sockets connect()ed by process PID (thread group)\n"
	      "  --comm NAME        client sockets connect()ed by a task named NAME\n"
	      "  --cgroup PATH      client sockets connect()ed by a process in cgroup v2 PATH\n"
	      "                     or below: the mount's path (/sys/fs/cgroup/...) or /...\n"
	      "                     (read from /proc/PID/cgroup when the event arrives)\n"
	      "                     (--pid/--comm/--cgroup: the task at CLOSE->SYN_SENT; a server's\n"
	      "                     children are created in softirq and kept only as the peer\n"
	      "                     of a selected client in the same namespace)\n"
	      "  --ipv4, --ipv6     one address family only\n"
	      "Bounds (Ctrl-C or SIGTERM also stop the watch and write the results):\n"
	      "  --duration S       seconds, decimal, up to 86400 (default: until Ctrl-C)\n"
	      "  --max-conns N      stop after N sockets (clients + children); sizes the\n"
	      "                     socket map and the ring buffer (default 100000)\n"
	      "Live output (stdout):\n"
	      "  --connlat          a line per client handshake, as tcpconnlat prints it:\n"
	      "                     PID COMM IP SADDR DADDR DPORT LAT(ms)\n"
	      "  --trace-states     a line per state change, as tcpstates prints it\n"
	      "                     (otherwise a progress line on stderr, once a second)\n"
	      "Probes:\n"
	      "  --attach MODE      auto|tp_btf|raw_tp|tracepoint (default auto)\n"
	      "  --sample-us N      accept-queue sample period, 100..10000000 (default 10000)\n"
	      "  --no-bpf-stats     leave kernel.bpf_stats_enabled alone (by default the watch\n"
	      "                     turns it on to measure its own cost, and restores it)\n"
	      "Output:\n"
	      "  --out DIR, --label L, --force, --no-plot, --json, --quiet, -v\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  bench watch --port 443 --duration 60             # this namespace, port 443\n"
	      "  bench watch --netns web --port 8000 --connlat    # until Ctrl-C\n"
	      "  bench watch --comm curl --connlat --duration 30  # curl's connects\n"
	      "  bench watch --cgroup /system.slice/nginx.service --duration 60\n"
	      "  bench compare results/watch-a results/watch-b    # two watches\n"
	      "\n",
	      f);
}

static int fail(char *err, size_t len, const char *fmt, const char *a, const char *b)
{
	snprintf(err, len, fmt, a, b);
	return -EINVAL;
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

int sb_watch_parse(int argc, char **argv, struct sb_watch_opts *out, char *err, size_t len)
{
	struct sb_watch_opts o;
	int ipv4 = 0, ipv6 = 0;

	defaults(&o);
	for (int i = 1; i < argc; i++) {
		char name[64];
		const char *a = argv[i], *val = NULL, *eq;
		uint64_t v;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return SB_OPTS_HELP;
		if (strcmp(a, "-v") == 0) {
			o.verbose = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return fail(err, len, "synbench: watch: unexpected argument '%s'%s; see bench "
					      "watch --help", a, "");
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
#define FLAG(n, field)                                                                              \
	if (strcmp(name, n) == 0) {                                                                 \
		if (eq)                                                                             \
			return fail(err, len, "synbench: watch: %s takes no value%s", n, "");       \
		field = 1;                                                                          \
		continue;                                                                           \
	}
		FLAG("--ipv4", ipv4)
		FLAG("--ipv6", ipv6)
		FLAG("--connlat", o.connlat)
		FLAG("--trace-states", o.trace_states)
		FLAG("--no-bpf-stats", o.no_bpf_stats)
		FLAG("--force", o.force)
		FLAG("--no-plot", o.no_plot)
		FLAG("--json", o.json)
		FLAG("--quiet", o.quiet)
#undef FLAG
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else if (strcmp(name, "--netns") == 0 || strcmp(name, "--port") == 0 ||
			 strcmp(name, "--pid") == 0 || strcmp(name, "--comm") == 0 ||
			 strcmp(name, "--cgroup") == 0 ||
			 strcmp(name, "--duration") == 0 || strcmp(name, "--max-conns") == 0 ||
			 strcmp(name, "--sample-us") == 0 || strcmp(name, "--attach") == 0 ||
			 strcmp(name, "--out") == 0 || strcmp(name, "--label") == 0)
			return fail(err, len, "synbench: watch: %s needs a value%s", name, "");
		if (strcmp(name, "--netns") == 0) {
			if (!*val || strlen(val) >= sizeof(o.netns) || strchr(val, '/'))
				return fail(err, len, "synbench: watch: --netns '%s': give a name "
						      "from 'ip netns list'%s", val, "");
			snprintf(o.netns, sizeof(o.netns), "%s", val);
		} else if (strcmp(name, "--port") == 0) {
			if (num(val, 1, 65535, &v))
				return fail(err, len, "synbench: watch: --port '%s': give a port "
						      "1..65535%s", val, "");
			if (o.nports == SB_MAX_PORTS)
				return fail(err, len, "synbench: watch: --port %s: at most 8 ports%s",
					    val, "");
			o.ports[o.nports++] = (uint16_t)v;
		} else if (strcmp(name, "--pid") == 0) {
			if (num(val, 1, 4194304, &v))
				return fail(err, len, "synbench: watch: --pid '%s': give a process ID "
						      "1..4194304%s", val, "");
			o.pid = (int64_t)v;
		} else if (strcmp(name, "--comm") == 0) {
			if (!*val || strlen(val) > 15)
				return fail(err, len, "synbench: watch: --comm '%s': give a task name "
						      "of 1..15 characters (the kernel's comm)%s", val, "");
			snprintf(o.comm, sizeof(o.comm), "%s", val);
		} else if (strcmp(name, "--cgroup") == 0) {
			const char *rel = val, *root = cgroup2_root();
			size_t rn = strlen(root);
			char path[600];
			struct stat st;

			if (strncmp(rel, root, rn) == 0 && (!rel[rn] || rel[rn] == '/'))
				rel += rn;
			if (rel[0] != '/' && rel[0])
				return fail(err, len, "synbench: watch: --cgroup '%s': give a cgroup v2 "
						      "path, /sys/fs/cgroup/... or /...%s", val, "");
			if (strlen(rel) >= sizeof(o.cgroup) - 1)
				return fail(err, len, "synbench: watch: --cgroup '%s': too long%s", val,
					    "");
			snprintf(path, sizeof(path), "%s%s", root, rel);
			if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
				return fail(err, len, "synbench: watch: --cgroup '%s': no such cgroup "
						      "(%s is not a directory)", val, path);
			snprintf(o.cgroup, sizeof(o.cgroup), "%s", rel[0] ? rel : "/");
			/* no trailing slash: "/a/" matches like "/a" */
			for (size_t n = strlen(o.cgroup); n > 1 && o.cgroup[n - 1] == '/'; n--)
				o.cgroup[n - 1] = 0;
		} else if (strcmp(name, "--duration") == 0) {
			if (seconds(val, &o.duration_s))
				return fail(err, len, "synbench: watch: --duration '%s': give seconds, "
						      "0 < S <= 86400 (decimal)%s", val, "");
		} else if (strcmp(name, "--max-conns") == 0) {
			if (num(val, 1, SB_WATCH_MAX_CONNS, &v))
				return fail(err, len, "synbench: watch: --max-conns '%s': give "
						      "1..10000000%s", val, "");
			o.max_conns = v;
		} else if (strcmp(name, "--sample-us") == 0) {
			if (num(val, 100, 10000000, &v))
				return fail(err, len, "synbench: watch: --sample-us '%s': give "
						      "100..10000000%s", val, "");
			o.sample_us = (uint32_t)v;
		} else if (strcmp(name, "--attach") == 0) {
			static const char *const modes[] = {"auto", "tp_btf", "raw_tp", "tracepoint"};
			int m = -1;

			for (int k = 0; k < 4; k++)
				if (strcmp(val, modes[k]) == 0)
					m = k;
			if (m < 0)
				return fail(err, len, "synbench: watch: --attach '%s': give auto, "
						      "tp_btf, raw_tp or tracepoint%s", val, "");
			o.attach = (enum sb_attach)m;
		} else if (strcmp(name, "--out") == 0) {
			if (!*val || strlen(val) >= sizeof(o.out))
				return fail(err, len, "synbench: watch: --out '%s': give a directory%s",
					    val, "");
			snprintf(o.out, sizeof(o.out), "%s", val);
		} else if (strcmp(name, "--label") == 0) {
			if (!*val || strlen(val) >= sizeof(o.label) || strchr(val, '/'))
				return fail(err, len, "synbench: watch: --label '%s': give a short "
						      "name without '/'%s", val, "");
			snprintf(o.label, sizeof(o.label), "%s", val);
		} else {
			return fail(err, len, "synbench: watch: unknown option '%s'; see bench watch "
					      "--help%s", name, "");
		}
	}
	if (ipv4 && ipv6)
		return fail(err, len, "synbench: watch: --ipv4 and --ipv6 exclude each other; give "
				      "neither for both families%s%s", "", "");
	if (o.connlat && o.trace_states)
		return fail(err, len, "synbench: watch: --connlat and --trace-states exclude each "
				      "other (two formats on one stdout); choose one%s%s", "", "");
	if (o.json && (o.connlat || o.trace_states))
		return fail(err, len, "synbench: watch: --json writes summary.json to stdout; it "
				      "excludes --connlat and --trace-states%s%s", "", "");
	o.family = ipv4 ? AF_INET : ipv6 ? AF_INET6 : 0;
	*out = o;
	return 0;
}
