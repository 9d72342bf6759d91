/* Command line of a run: one table of options drives the parser, the help
 * text and the key=value dump, so the three cannot drift apart.
 *
 * Parsed by hand (no getopt): reentrant, no global state, testable. */
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/opts.h"
#include "harness/cli/opts_table.h"
#include "harness/cli/target_addr.h"
#include <arpa/inet.h>

#define STR_(x) #x
#define STR(x)	STR_(x)

/* clang-format off */
#define FLD(f) offsetof(struct sb_opts, f), _Generic(((struct sb_opts *)0)->f, \
	uint64_t: K_U64, uint32_t: K_U32, uint16_t: K_U16, int: K_INT)
#define HEADING(text) { NULL, 0, ARG_NONE, O__COUNT, NULL, text, NULL, NULL, 0, 0, 0, K_NONE }
#define NUM(name, id, meta, help, dflt, example, lo, hi, field) \
	{ name, 0, ARG_REQ, id, meta, help, dflt, example, lo, hi, FLD(field) }
#define FLAG(name, short_name, id, help, field) \
	{ name, short_name, ARG_NONE, id, NULL, help, NULL, NULL, 1, 1, FLD(field) }
#define WORD(name, short_name, arg, id, meta, help, dflt, example) \
	{ name, short_name, arg, id, meta, help, dflt, example, 0, 0, 0, K_NONE }

const struct opt_def sb_opt_table[] = {
	HEADING("Load:"),
	NUM("conns", O_CONNS, "N", "connections to open", "10000", "10000",
	    1, SB_MAX_CONNS, conns),
	NUM("backlog", O_BACKLOG, "B", "listen() backlog (capped by somaxconn)", "128", "128",
	    0, 65535, backlog),
	NUM("concurrency", O_CONCURRENCY, "N", "in flight; with --rate: a cap",
	    "min(conns, 10000); none with --rate", "256", 1, SB_MAX_CONCURRENCY,
	    concurrency),
	WORD("rate", 0, ARG_REQ, O_RATE, "R", "open loop: R connections/s, decimal, up to 10000000",
	     "closed loop", "20000"),
	NUM("threads", O_THREADS, "T", "client and accept threads", "online CPUs", "2",
	    1, 1024, threads),
	WORD("mode", 0, ARG_REQ, O_MODE, "connect|crr",
	     "connect+close, or connect/request/response/close", "connect", "crr"),
	WORD("close", 0, ARG_REQ, O_CLOSE, "fin|rst", "FIN, or RST (SO_LINGER 0)", "fin", "rst"),
	WORD("close-first", 0, ARG_REQ, O_CLOSE_FIRST, "client|server|race",
	     "crr: who sends the first FIN; the other side waits for it (recv 0) before "
	     "closing; race: both close at once", "race", "server"),
	WORD("engine", 0, ARG_REQ, O_ENGINE, "uring|epoll",
	     "io_uring, or epoll (fallback, second opinion)", "uring", "epoll"),
	NUM("req", O_REQ, "N", "crr request bytes", "1", "100", 1, 1048576, req_bytes),
	NUM("resp", O_RESP, "N", "crr response bytes", "1", "1000", 1, 1048576, resp_bytes),
	NUM("connect-timeout", O_CONNECT_TIMEOUT, "MS", "per connect, ms", "5000", "5000",
	    1, 600000, connect_timeout_ms),
	NUM("max-time", O_MAX_TIME, "S", "hard bound on the run, s", "120", "120",
	    1, 86400, max_time_s),
	HEADING("Listener and addresses:"),
	WORD("accept", 0, ARG_REQ, O_ACCEPT, "POLICY",
	     "fast, delay:MS each, rate:N/s, pause:MS, none", "fast", "delay:5"),
	NUM("port", O_PORT, "P", "server port (the run's own namespace: any port is free)", STR(SB_DEFAULT_PORT),
	    STR(SB_DEFAULT_PORT), 1, 65535, port),
	NUM("dests", O_DESTS, "N", "IPv4 servers 127.0.0.1..N", "16", "16", 1, 254, ndest),
	FLAG("ipv6", 0, O_IPV6, "connect to ::1 instead of 127.0.0.x", ipv6),
	FLAG("per-cpu-listeners", 0, O_PER_CPU_LISTENERS,
	     "speed: a SO_REUSEPORT listener per accept thread, each with the full backlog "
	     "(not for accept-queue experiments)", per_cpu_listeners),
	FLAG("paired", 0, O_PAIRED,
	     "speed: per-CPU listeners served by the client threads in their own io_uring, "
	     "one thread per CPU does all of a connection (accept fast, engine uring)", paired),
	HEADING("Namespace sysctls (not given: the fresh namespace's value):"),
	WORD("syncookies", 0, ARG_OPT, O_SYNCOOKIES, "[0|1|2]",
	     "net.ipv4.tcp_syncookies; bare flag means 1", NULL, "0"),
	WORD("no-syncookies", 0, ARG_NONE, O_NO_SYNCOOKIES, NULL, "same as --syncookies 0",
	     NULL, NULL),
	FLAG("abort-on-overflow", 0, O_ABORT_ON_OVERFLOW,
	     "tcp_abort_on_overflow=1: RST on full queue", abort_on_overflow),
	NUM("somaxconn", O_SOMAXCONN, "N", "net.core.somaxconn", NULL, "4096",
	    0, INT_MAX, somaxconn),
	NUM("syn-retries", O_SYN_RETRIES, "N", "net.ipv4.tcp_syn_retries", NULL, "2",
	    1, 127, syn_retries),
	NUM("synack-retries", O_SYNACK_RETRIES, "N", "net.ipv4.tcp_synack_retries", NULL, "2",
	    0, 255, synack_retries),
	NUM("syn-linear-timeouts", O_SYN_LINEAR_TIMEOUTS, "N", "net.ipv4.tcp_syn_linear_timeouts",
	    NULL, "4", 0, 255, syn_linear_timeouts),
	NUM("max-syn-backlog", O_MAX_SYN_BACKLOG, "N", "net.ipv4.tcp_max_syn_backlog", NULL,
	    "4096", 0, INT_MAX, max_syn_backlog),
	WORD("port-range", 0, ARG_REQ, O_PORT_RANGE, "LO-HI", "net.ipv4.ip_local_port_range",
	     "1024-65535", "1024-65535"),
	HEADING("Probes:"),
	FLAG("no-probes", 0, O_NO_PROBES, "user side only, no BPF (measures probe cost)",
	     no_probes),
	WORD("attach", 0, ARG_REQ, O_ATTACH, "auto|tp_btf|raw_tp|tracepoint",
	     "auto falls back tp_btf, raw_tp, tracepoint; given: every tracepoint component "
	     "must load so", "auto", "raw_tp"),
	WORD("sampler", 0, ARG_REQ, O_SAMPLER, "MODE",
	     "accept-queue sampler: auto, sk_storage_iter, tcp_iter, tcp_info (no BPF), off",
	     "auto", "tcp_info"),
	WORD("probe-off", 0, ARG_REQ, O_PROBE_OFF, "LIST",
	     "components off, comma-separated: syn_retransmits, synack_retransmits, drops, "
	     "listener_sampler", NULL, "drops"),
	NUM("sample-us", O_SAMPLE_US, "N", "accept-queue sampling, us", "5000", "5000",
	    100, 10000000, sample_us),
	FLAG("trace-states", 0, O_TRACE_STATES, "record every TCP state change", trace_states),
	HEADING("A server of yours instead of ours:"),
	WORD("target", 0, ARG_REQ, O_TARGET, "HOST:PORT",
	     "load and watch this listener; ours is not started", NULL, "127.0.0.1:8080"),
	WORD("server-cmd", 0, ARG_REQ, O_SERVER_CMD, "CMD",
	     "start it (sh -c CMD) in the run's namespace, stopped after", NULL,
	     "'nginx -c /tmp/nginx.conf'"),
	WORD("netns", 0, ARG_REQ, O_NETNS, "NAME",
	     "run in the existing namespace /run/netns/NAME", NULL, "web"),
	FLAG("http", 0, O_HTTP, "crr request GET / HTTP/1.0, response read to EOF", http),
	HEADING("Two hosts in one box:"),
	WORD("topology", 0, ARG_REQ, O_TOPOLOGY, "lo|veth",
	     "lo: one namespace; veth: client and server namespaces joined by a veth pair, "
	     "server 198.18.0.1, clients 198.18.0.2-33", "lo", "veth"),
	WORD("delay", 0, ARG_REQ, O_DELAY, "MS[,JITTER]",
	     "veth: round trip added by tc netem, half each way", NULL, "20"),
	WORD("loss", 0, ARG_REQ, O_LOSS, "PCT", "veth: packet loss in each direction (tc netem)",
	     NULL, "5"),
	NUM("rate-limit", O_RATE_LIMIT, "MBIT", "veth: bandwidth each way (tc htb)", NULL, "100",
	    1, 100000, netem.rate_mbit),
	HEADING("Output:"),
	WORD("out", 0, ARG_REQ, O_OUT, "DIR", "result directory", "results/<time>[-LABEL]",
	     "results/mine"),
	WORD("label", 0, ARG_REQ, O_LABEL, "L", "run name, 1..100 of A-Z a-z 0-9 . _ -", NULL,
	     "backlog5"),
	FLAG("force", 0, O_FORCE, "write into an existing --out directory", force),
	FLAG("no-plot", 0, O_NO_PLOT, "skip the gnuplot plots", no_plot),
	FLAG("json", 0, O_JSON, "print summary.json to stdout", json),
	FLAG("quiet", 0, O_QUIET, "no table, no progress", quiet),
	FLAG("verbose", 'v', O_VERBOSE, "libbpf and setup messages", verbose),
	WORD("help", 'h', ARG_NONE, O_HELP, NULL, "this text", NULL, NULL),
	WORD("version", 'V', ARG_NONE, O_VERSION, NULL, "print the version", NULL, NULL),
};

const size_t sb_opt_table_len = sizeof(sb_opt_table) / sizeof(sb_opt_table[0]);

const char *const sb_opt_mode_names[SB_OPT_NAMES] = { [LG_MODE_CONNECT] = "connect", [LG_MODE_CRR] = "crr" };
const char *const sb_opt_close_names[SB_OPT_NAMES] = { [LG_CLOSE_FIN] = "fin", [LG_CLOSE_RST] = "rst" };
const char *const sb_opt_close_first_names[SB_OPT_NAMES] = { [LG_CLOSE_FIRST_RACE] = "race",
						 [LG_CLOSE_FIRST_CLIENT] = "client",
						 [LG_CLOSE_FIRST_SERVER] = "server" };
const char *const sb_opt_engine_names[SB_OPT_NAMES] = { [LG_ENGINE_URING] = "uring",
					    [LG_ENGINE_EPOLL] = "epoll" };
const char *const sb_opt_attach_names[SB_OPT_NAMES] = { [SB_ATTACH_AUTO] = "auto",
					    [SB_ATTACH_TP_BTF] = "tp_btf",
					    [SB_ATTACH_RAW_TP] = "raw_tp",
					    [SB_ATTACH_TRACEPOINT] = "tracepoint" };
/* index + 1 = enum sb_comp_mode where given; 0 = auto */
const char *const sb_opt_sampler_names[SB_OPT_NAMES] = { "auto", "sk_storage_iter", "tcp_iter",
					     "tcp_info", "off" };
const char *const sb_opt_topology_names[SB_OPT_NAMES] = { [SB_TOPO_LO] = "lo",
					      [SB_TOPO_VETH] = "veth" };
/* clang-format on */

void sb_opts_defaults(struct sb_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->conns = 10000;
	o->backlog = 128;
	o->concurrency = SB_DEFAULT_CONCURRENCY;
	o->rate = 0;
	o->threads = ncpu < 1 ? 1 : ncpu > 1024 ? 1024 : (uint32_t)ncpu;
	o->mode = LG_MODE_CONNECT;
	o->close = LG_CLOSE_FIN;
	o->close_first = LG_CLOSE_FIRST_RACE;
	o->engine = LG_ENGINE_URING;
	o->req_bytes = 1;
	o->resp_bytes = 1;
	o->accept = (struct lg_accept_policy){LG_ACCEPT_FAST, 0};
	o->connect_timeout_ms = 5000;
	o->max_time_s = 120;
	o->ipv6 = 0;
	o->port = SB_DEFAULT_PORT;
	o->ndest = 16;
	o->syncookies = -1;
	o->abort_on_overflow = -1;
	o->somaxconn = -1;
	o->syn_retries = -1;
	o->synack_retries = -1;
	o->syn_linear_timeouts = -1;
	o->max_syn_backlog = -1;
	o->attach = SB_ATTACH_AUTO;
	o->sampler = -1;
	o->sample_us = 5000;
}

/* ---- parsing ---- */

struct parse_ctx {
	struct sb_opts o;
	bool given[O__COUNT];
	int syncookies_arg; /* value of the last --syncookies */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -1;
	n = snprintf(c->err, c->errlen, "synbench: ");
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Plain decimal digits, nothing else; 0, or -1 (syntax or overflow). */
static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* A whole number in lo..hi, or an error naming the option. */
static int get_uint(struct parse_ctx *c, const struct opt_def *d, const char *val, uint64_t lo,
		    uint64_t hi, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(val, &v) == 0 && v >= lo && v <= hi) {
		*out = v;
		return 0;
	}
	return fail(c, "--%s must be a whole number from %llu to %llu (got '%.64s'); try --%s %s",
		    d->name, (unsigned long long)lo, (unsigned long long)hi, val, d->name,
		    d->example);
}

/* Decimal with an optional fraction: "2500", "2500.5", ".5"; no sign, no
 * exponent, no hex, no inf/nan. */
static int parse_rate(const char *s, double *v)
{
	size_t digits = 0, dots = 0;
	char *end;

	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return -1;
	}
	if (!digits)
		return -1;
	*v = strtod(s, &end);
	return *end ? -1 : 0;
}

static int get_choice(struct parse_ctx *c, const struct opt_def *d, const char *val,
		      const char *const *names, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(val, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	char list[160] = "";

	for (size_t i = 0; i < n; i++)
		if (names[i])
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? "|" : "", names[i]);
	return fail(c, "--%s must be one of %s (got '%.64s'); try --%s %s", d->name, list, val,
		    d->name, d->example);
}

/* --probe-off a,b,c: components by name; state_changes cannot be off
 * (that is --no-probes). */
static int parse_probe_off(struct parse_ctx *c, const struct opt_def *d, const char *val)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = sb_component_parse(t);

		if (k == SB_COMP_STATE_CHANGES)
			return fail(c, "--%s cannot turn off state_changes (every other component "
				       "needs it); use --no-probes for a run without BPF", d->name);
		if (k < 0)
			return fail(c, "--%s: unknown component '%.64s'; the components are "
				       "syn_retransmits, synack_retransmits, drops, listener_sampler; "
				       "try --%s %s", d->name, t, d->name, d->example);
		c->o.probe_off |= 1u << k;
	}
	return 0;
}

static int check_label(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 100)
		return -1;
	for (; *s; s++) {
		char ch = *s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return -1;
	}
	return 0;
}

static int get_port_range(struct parse_ctx *c, const struct opt_def *d, const char *val)
{
	const char *dash = strchr(val, '-');
	char lo_s[16], hi_s[16];
	uint64_t lo, hi;
	size_t n = dash ? (size_t)(dash - val) : 0;

	if (!dash || n >= sizeof(lo_s) || strlen(dash + 1) >= sizeof(hi_s))
		goto bad;
	memcpy(lo_s, val, n);
	lo_s[n] = '\0';
	strcpy(hi_s, dash + 1);
	if (parse_u64(lo_s, &lo) || parse_u64(hi_s, &hi) || lo < 1 || hi > 65535 || lo > hi)
		goto bad;
	snprintf(c->o.port_range, sizeof(c->o.port_range), "%u-%u", (unsigned)lo, (unsigned)hi);
	return 0;
bad:
	return fail(c, "--%s must be LO-HI with 1 <= LO <= HI <= 65535 (got '%.64s'); try --%s %s",
		    d->name, val, d->name, d->example);
}

/* The integer field of d in o; off and kind come from the field itself. */
static void fld_store(struct sb_opts *o, const struct opt_def *d, uint64_t v)
{
	void *p = (char *)o + d->off;

	if (d->kind == K_U64)
		*(uint64_t *)p = v;
	else if (d->kind == K_U32)
		*(uint32_t *)p = (uint32_t)v;
	else if (d->kind == K_U16)
		*(uint16_t *)p = (uint16_t)v;
	else if (d->kind == K_INT)
		*(int *)p = (int)v;
}

long long sb_opt_fld_load(const struct sb_opts *o, const struct opt_def *d)
{
	const void *p = (const char *)o + d->off;

	if (d->kind == K_U64)
		return (long long)*(const uint64_t *)p;
	if (d->kind == K_U32)
		return *(const uint32_t *)p;
	if (d->kind == K_U16)
		return *(const uint16_t *)p;
	if (d->kind == K_INT)
		return *(const int *)p;
	return 0;
}

/* Applies one option; val is NULL for a flag (or a bare --syncookies). */
static int apply(struct parse_ctx *c, const struct opt_def *d, const char *val)
{
	struct sb_opts *o = &c->o;
	uint64_t v = 0;
	int k = 0;

	c->given[d->id] = true;
	if (d->kind != K_NONE) {
		if (d->arg == ARG_NONE) /* a flag; -v counts */
			v = d->id == O_VERBOSE ? (uint64_t)sb_opt_fld_load(o, d) + 1 : 1;
		else if (get_uint(c, d, val, d->lo, d->hi, &v))
			return -1;
		fld_store(o, d, v);
		return 0;
	}
	switch (d->id) {
	case O_RATE:
		if (parse_rate(val, &o->rate) || !(o->rate > 0) || o->rate > SB_MAX_RATE)
			return fail(c,
				    "--rate must be connections per second, a decimal number > 0 "
				    "and <= %.0f (got '%.64s'); try --rate 20000, or leave out "
				    "--rate for a closed loop",
				    SB_MAX_RATE, val);
		break;
	case O_MODE:
		if (get_choice(c, d, val, sb_opt_mode_names, ARRAY_LEN(sb_opt_mode_names), &k))
			return -1;
		o->mode = (enum lg_mode)k;
		break;
	case O_CLOSE:
		if (get_choice(c, d, val, sb_opt_close_names, ARRAY_LEN(sb_opt_close_names), &k))
			return -1;
		o->close = (enum lg_close)k;
		break;
	case O_CLOSE_FIRST:
		if (get_choice(c, d, val, sb_opt_close_first_names, ARRAY_LEN(sb_opt_close_first_names), &k))
			return -1;
		o->close_first = (enum lg_close_first)k;
		break;
	case O_ENGINE:
		if (get_choice(c, d, val, sb_opt_engine_names, ARRAY_LEN(sb_opt_engine_names), &k))
			return -1;
		o->engine = (enum lg_engine)k;
		break;
	case O_ATTACH:
		if (get_choice(c, d, val, sb_opt_attach_names, ARRAY_LEN(sb_opt_attach_names), &k))
			return -1;
		o->attach = (enum sb_attach)k;
		break;
	case O_SAMPLER:
		if (get_choice(c, d, val, sb_opt_sampler_names, ARRAY_LEN(sb_opt_sampler_names), &k))
			return -1;
		o->sampler = k ? sb_comp_mode_parse(val) : -1;
		break;
	case O_PROBE_OFF:
		if (parse_probe_off(c, d, val))
			return -1;
		break;
	case O_ACCEPT:
		if (lg_accept_policy_parse(val, &o->accept))
			return fail(c,
				    "--accept must be fast, delay:MS, rate:N (N >= 1), pause:MS "
				    "or none (got '%.64s'); try --accept %s",
				    val, d->example);
		break;
	case O_SYNCOOKIES:
		if (!val)
			v = 1;
		else if (parse_u64(val, &v) || v > 2)
			return fail(c,
				    "--syncookies must be 0, 1 or 2 (got '%.64s'); try "
				    "--syncookies 0, or a bare --syncookies for 1",
				    val);
		c->syncookies_arg = (int)v;
		break;
	case O_PORT_RANGE:
		return get_port_range(c, d, val);
	case O_TARGET:
		if (!*val || strlen(val) >= sizeof(o->target))
			return fail(c, "--target needs HOST:PORT; try --target %s", d->example);
		strcpy(o->target, val);
		break;
	case O_NETNS:
		if (!*val || strlen(val) >= sizeof(o->netns) || strchr(val, '/'))
			return fail(c, "--netns needs a namespace name from 'ip netns list' (no '/'); "
				       "try --netns %s", d->example);
		strcpy(o->netns, val);
		break;
	case O_SERVER_CMD:
		if (!*val || strlen(val) >= sizeof(o->server_cmd))
			return fail(c, "--server-cmd needs a command of 1 to %zu bytes",
				    sizeof(o->server_cmd) - 1);
		strcpy(o->server_cmd, val);
		break;
	case O_OUT:
		if (!*val || strlen(val) >= sizeof(o->out))
			return fail(c,
				    "--out needs a directory path of 1 to %zu bytes; try --out %s",
				    sizeof(o->out) - 1, d->example);
		strcpy(o->out, val);
		break;
	case O_LABEL:
		if (check_label(val))
			return fail(c,
				    "--label must be 1 to 100 characters from A-Z a-z 0-9 . _ - "
				    "(got '%.64s'); try --label %s",
				    val, d->example);
		strcpy(o->label, val);
		break;
	case O_TOPOLOGY:
		if (get_choice(c, d, val, sb_opt_topology_names, ARRAY_LEN(sb_opt_topology_names), &k))
			return -1;
		o->topology = k;
		break;
	case O_DELAY:
		if (sb_netem_parse_delay(val, &o->netem.delay_ms, &o->netem.jitter_ms))
			return fail(c, "--delay must be MS or MS,JITTER in ms, 0 < MS <= 60000, "
				       "JITTER <= MS (got '%.64s'); try --delay 20 or --delay 20,2", val);
		break;
	case O_LOSS:
		if (sb_netem_parse_loss(val, &o->netem.loss_pct))
			return fail(c, "--loss must be a percentage, 0 < PCT <= 100 (got '%.64s'); try "
				       "--loss 5", val);
		break;
	case O_HELP:
		return SB_OPTS_HELP;
	case O_VERSION:
		return SB_OPTS_VERSION;
	default: /* --no-syncookies: settled in finish() */
		break;
	}
	return 0;
}

/* Checks that need the whole command line; fills in dependent defaults. */
static const struct opt_def *def_of(enum opt_id id)
{
	for (size_t i = 0; i < ARRAY_LEN(sb_opt_table); i++)
		if (sb_opt_table[i].name && sb_opt_table[i].id == id)
			return &sb_opt_table[i];
	return NULL;
}

/* --target replaces our listener: the options about it make no sense. */
static int finish_target(struct parse_ctx *c)
{
	static const enum opt_id ours[] = {O_BACKLOG, O_ACCEPT, O_PORT, O_PER_CPU_LISTENERS,
					   O_PAIRED, O_DESTS, O_CLOSE_FIRST};
	struct sb_opts *o = &c->o;
	char err[256];
	uint16_t port;

	if (!o->target[0]) {
		if (c->given[O_NETNS] || c->given[O_SERVER_CMD])
			return fail(c, "--%s needs --target HOST:PORT; add --target",
				    c->given[O_NETNS] ? "netns" : "server-cmd");
		if (o->http)
			return fail(c, "--http needs --target (our listener does not speak HTTP); add "
				       "--target HOST:PORT or drop --http");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(ours); i++) {
		const struct opt_def *d = def_of(ours[i]);

		if (c->given[ours[i]])
			return fail(c, "--%s is about our listener and does nothing with --target; "
				       "drop it", d ? d->name : "?");
	}
	if (o->http && (o->mode != LG_MODE_CRR || c->given[O_REQ] || c->given[O_RESP]))
		return fail(c, "--http needs --mode crr and sends its own request; use --mode crr "
			       "without --req/--resp");
	if (sb_target_parse(o->target, o->netns[0] != 0 || o->topology == SB_TOPO_VETH,
			    &o->target_addr, &port, err,
			    sizeof(err)))
		return fail(c, "%s", err + strlen("synbench: "));
	o->port = port;
	o->ndest = 1;
	return 0;
}

/* --topology veth and the network options that need it. */
static int finish_topology(struct parse_ctx *c)
{
	static const enum opt_id veth_only[] = {O_DELAY, O_LOSS, O_RATE_LIMIT};
	static const enum opt_id not_veth[] = {O_NETNS, O_IPV6, O_DESTS};
	struct sb_opts *o = &c->o;
	char err[256];
	uint16_t port;

	for (size_t i = 0; i < ARRAY_LEN(veth_only); i++)
		if (o->topology != SB_TOPO_VETH && c->given[veth_only[i]])
			return fail(c, "--%s needs --topology veth (lo has no wire to shape); add "
				       "--topology veth", def_of(veth_only[i])->name);
	if (o->topology != SB_TOPO_VETH)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(not_veth); i++)
		if (c->given[not_veth[i]])
			return fail(c, "--%s does not apply to --topology veth (its own two "
				       "namespaces, IPv4 198.18.0.0/15, one server address); drop it",
				    def_of(not_veth[i])->name);
	if (o->target[0] &&
	    (sb_target_parse(o->target, 1, &o->target_addr, &port, err, sizeof(err)) ||
	     o->target_addr != htonl(SB_VETH_SERVER_ADDR)))
		return fail(c, "with --topology veth the server namespace's address is 198.18.0.1; "
			       "use --target 198.18.0.1:PORT");
	return 0;
}

static int finish(struct parse_ctx *c)
{
	struct sb_opts *o = &c->o;
	static const enum opt_id probe_opts[] = {O_ATTACH, O_SAMPLER, O_PROBE_OFF, O_SAMPLE_US,
						 O_TRACE_STATES};
	static const char *const probe_names[] = {"attach", "sampler", "probe-off", "sample-us",
						  "trace-states"};
	static const enum opt_id crr_opts[] = {O_REQ, O_RESP, O_CLOSE_FIRST};
	static const char *const crr_names[] = {"req", "resp", "close-first"};

	if (c->given[O_SYNCOOKIES] && c->given[O_NO_SYNCOOKIES] && c->syncookies_arg != 0)
		return fail(c, "--no-syncookies conflicts with --syncookies %d; keep one of them",
			    c->syncookies_arg);
	if (c->given[O_NO_SYNCOOKIES])
		o->syncookies = 0;
	else if (c->given[O_SYNCOOKIES])
		o->syncookies = c->syncookies_arg;
	for (size_t i = 0; i < ARRAY_LEN(crr_opts); i++) {
		const char *n = crr_names[i];

		if (o->mode == LG_MODE_CONNECT && c->given[crr_opts[i]])
			return fail(c,
				    "--%s only applies to --mode crr; add --mode crr or drop --%s",
				    n, n);
	}
	if (o->paired && (o->engine != LG_ENGINE_URING || o->accept.kind != LG_ACCEPT_FAST))
		return fail(c, "--paired needs --engine uring and --accept fast; drop --paired");
	if (o->ipv6 && c->given[O_DESTS])
		return fail(c, "--dests spreads IPv4 addresses and does nothing with --ipv6; drop "
			       "--dests or --ipv6");
	for (size_t i = 0; i < ARRAY_LEN(probe_opts); i++) {
		if (o->no_probes && c->given[probe_opts[i]])
			return fail(c, "--%s has no effect with --no-probes; drop one of them",
				    probe_names[i]);
	}
	if (finish_topology(c) || finish_target(c))
		return -1;
	if (!c->given[O_CONCURRENCY]) {
		uint64_t cap = o->rate > 0 ? SB_MAX_CONCURRENCY : SB_DEFAULT_CONCURRENCY;

		o->concurrency = (uint32_t)(o->conns < cap ? o->conns : cap);
	}
	return 0;
}

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[64];

	if (na >= ARRAY_LEN(row) || nb >= ARRAY_LEN(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[nb];
}

static const struct opt_def *find_long(const char *name, size_t n)
{
	for (size_t i = 0; i < sb_opt_table_len; i++) {
		const char *ln = sb_opt_table[i].name;

		if (ln && strlen(ln) == n && strncmp(ln, name, n) == 0)
			return &sb_opt_table[i];
	}
	return NULL;
}

static const struct opt_def *find_short(char ch)
{
	for (size_t i = 0; i < sb_opt_table_len; i++) {
		if (sb_opt_table[i].name && sb_opt_table[i].short_name == ch)
			return &sb_opt_table[i];
	}
	return NULL;
}

/* "--conn" -> "conns": the option a typo most likely meant, or NULL. */
static const char *suggest(const char *name, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < sb_opt_table_len; i++) {
		const char *ln = sb_opt_table[i].name;
		size_t dist;

		if (!ln)
			continue;
		dist = edit_distance(name, n, ln);
		if (n >= 3 && strncmp(ln, name, n) == 0 && strlen(ln) > n)
			dist = dist < 1 ? dist : 1; /* a prefix is a likely meaning */
		if (dist < best_d) {
			best_d = dist;
			best = ln;
		}
	}
	return best_d <= 2 && best_d < n ? best : NULL;
}

static int unknown(struct parse_ctx *c, const char *arg)
{
	const char *name = arg;
	size_t n;
	const char *s;

	while (*name == '-')
		name++;
	n = strcspn(name, "=");
	s = n ? suggest(name, n) : NULL;
	if (s)
		return fail(c, "unknown option '%.64s'; did you mean --%s? see bench --help", arg,
			    s);
	return fail(c, "unknown option '%.64s'; see bench --help", arg);
}

/* A separate argument that cannot be an option's value. */
static bool looks_like_option(const char *s)
{
	if (s[0] != '-')
		return false;
	if (s[1] == '-')
		return s[2] != '\0';
	return s[1] && !s[2] && find_short(s[1]);
}

int sb_opts_parse(int argc, char **argv, struct sb_opts *o, char *err, size_t errlen)
{
	struct parse_ctx c = {.err = err, .errlen = errlen};
	int rc;

	if (err && errlen)
		err[0] = '\0';
	sb_opts_defaults(&c.o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct opt_def *d;
		bool inline_val = false;

		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');

			d = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq) {
				inline_val = true;
				val = eq + 1;
			}
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			d = a[2] ? NULL : find_short(a[1]);
		} else {
			return fail(&c,
				    "unexpected argument '%.64s'; bench takes only --options here, "
				    "see bench --help",
				    a);
		}
		if (!d)
			return unknown(&c, a);

		switch (d->arg) {
		case ARG_NONE:
			if (inline_val)
				return fail(&c,
					    "--%s takes no value (got '%.64s'); write just --%s",
					    d->name, a, d->name);
			break;
		case ARG_REQ:
			if (inline_val)
				break;
			if (i + 1 >= argc || looks_like_option(argv[i + 1]))
				return fail(&c, "--%s needs a value; e.g. --%s %s", d->name,
					    d->name, d->example);
			val = argv[++i];
			break;
		case ARG_OPT:
			/* "--syncookies 0" takes the next word unless it is an option */
			if (!inline_val && i + 1 < argc &&
			    (argv[i + 1][0] != '-' ||
			     (argv[i + 1][1] >= '0' && argv[i + 1][1] <= '9')))
				val = argv[++i];
			break;
		}
		rc = apply(&c, d, val);
		if (rc)
			return rc;
	}
	rc = finish(&c);
	if (rc)
		return rc;
	*o = c.o;
	return 0;
}

