/* Command line of a run: one table of options drives the parser, the help
 * text and the key=value dump, so the three cannot drift apart.
 *
 * Parsed by hand (no getopt): reentrant, no global state, testable. */
#include "harness/cli/opts.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "harness/cli/msg.h"
#include "harness/cli/opts_table.h"
#include "harness/cli/target_addr.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

/* clang-format off */
#define FLD(f) SB_FLD(struct sb_opts, f)
#define HEADING(text) { .help = text, .kind = SB_OPT_HEADING, .id = O__COUNT }
#define NUM(name, id, meta, help, dflt, example, lo, hi, field) \
	{ name, 0, SB_ARG_REQ, SB_OPT_UINT, id, meta, help, dflt, example, lo, hi, NULL, FLD(field), 0 }
#define FLAG(name, short_name, id, help, field) \
	{ name, short_name, SB_ARG_NONE, SB_OPT_FLAG, id, NULL, help, NULL, NULL, 0, 0, NULL, \
	  FLD(field), 0 }
#define CHOICE(name, id, meta, help, dflt, example, names, field) \
	{ name, 0, SB_ARG_REQ, SB_OPT_CHOICE, id, meta, help, dflt, example, 0, 0, names, \
	  FLD(field), 0 }
#define TEXT(name, id, meta, help, dflt, example, field) \
	{ name, 0, SB_ARG_REQ, SB_OPT_STRING, id, meta, help, dflt, example, 0, 0, NULL, \
	  SB_STR_FLD(struct sb_opts, field), 0 }
#define WORD(name, short_name, arg, id, meta, help, dflt, example) \
	{ name, short_name, arg, SB_OPT_CUSTOM, id, meta, help, dflt, example, 0, 0, NULL, 0, 0, \
	  SB_FLD_NONE, 0 }

static const char *const mode_names[SB_OPT_NAMES] = { [LG_MODE_CONNECT] = "connect", [LG_MODE_CRR] = "crr" };
static const char *const close_names[SB_OPT_NAMES] = { [LG_CLOSE_FIN] = "fin", [LG_CLOSE_RST] = "rst" };
static const char *const close_first_names[SB_OPT_NAMES] = { [LG_CLOSE_FIRST_RACE] = "race",
						 [LG_CLOSE_FIRST_CLIENT] = "client",
						 [LG_CLOSE_FIRST_SERVER] = "server" };
static const char *const engine_names[SB_OPT_NAMES] = { [LG_ENGINE_URING] = "uring",
					    [LG_ENGINE_EPOLL] = "epoll" };
static const char *const attach_names[SB_OPT_NAMES] = { [SB_ATTACH_AUTO] = "auto",
					    [SB_ATTACH_TP_BTF] = "tp_btf",
					    [SB_ATTACH_RAW_TP] = "raw_tp",
					    [SB_ATTACH_TRACEPOINT] = "tracepoint" };
static const char *const topology_names[SB_OPT_NAMES] = { [SB_TOPO_LO] = "lo",
					      [SB_TOPO_VETH] = "veth" };
static const char *const tls_version_names[SB_OPT_NAMES] = { [SB_TLS_13] = "1.3",
						  [SB_TLS_12] = "1.2" };
static const char *const tls_key_names[SB_OPT_NAMES] = { [LG_TLS_KEY_ECDSA_P256] = "ecdsa-p256",
					      [LG_TLS_KEY_RSA_2048] = "rsa-2048" };
/* index = enum sb_comp_mode + 1 where given; 0 = auto */
static const char *const sampler_names[SB_OPT_NAMES] = { "auto", "sk_storage_iter", "file_iter",
					     "tcp_iter", "tcp_info", "off" };

static const struct sb_optdef table[] = {
	HEADING("Load:"),
	NUM("conns", O_CONNS, "N", "connections to open", "10000", "10000",
	    1, SB_MAX_CONNS, conns),
	NUM("backlog", O_BACKLOG, "B", "listen() backlog (capped by somaxconn)", "128", "128",
	    0, 65535, backlog),
	NUM("concurrency", O_CONCURRENCY, "N", "in flight; with --rate: a cap",
	    "min(conns, 10000; --tls: 64/thread)", "256", 1,
	    SB_MAX_CONCURRENCY,
	    concurrency),
	WORD("rate", 0, SB_ARG_REQ, O_RATE, "R", "open loop: R connections/s, decimal, up to 10000000",
	     "closed loop", "20000"),
	NUM("threads", O_THREADS, "T", "client and accept threads", "online CPUs", "2",
	    1, 1024, threads),
	CHOICE("mode", O_MODE, "connect|crr",
	     "connect+close, or connect/request/response/close", "connect", "crr", mode_names, mode),
	CHOICE("close", O_CLOSE, "fin|rst", "FIN, or RST (SO_LINGER 0)", "fin", "rst", close_names, close),
	CHOICE("close-first", O_CLOSE_FIRST, "client|server|race",
	     "crr: who sends the first FIN; the other side waits for it (recv 0) before "
	     "closing; race: both close at once", "race", "server", close_first_names, close_first),
	CHOICE("engine", O_ENGINE, "uring|epoll",
	     "io_uring, or epoll (fallback, second opinion)", "uring", "epoll", engine_names, engine),
	NUM("req", O_REQ, "N", "crr request bytes", "1", "100", 1, 1048576, req_bytes),
	NUM("resp", O_RESP, "N", "crr response bytes", "1", "1000", 1, 1048576, resp_bytes),
	NUM("connect-timeout", O_CONNECT_TIMEOUT, "MS", "per connect, ms", "5000", "5000",
	    1, 600000, connect_timeout_ms),
	NUM("max-time", O_MAX_TIME, "S", "hard bound on the run, s", "120", "120",
	    1, 86400, max_time_s),
	HEADING("Listener and addresses:"),
	WORD("accept", 0, SB_ARG_REQ, O_ACCEPT, "POLICY",
	     "fast, delay:MS each, rate:N/s, pause:MS, none", "fast", "delay:5"),
	NUM("port", O_PORT, "P", "server port (the run's own namespace: any port is free)", STR(SB_DEFAULT_PORT),
	    STR(SB_DEFAULT_PORT), 1, 65535, port),
	NUM("dests", O_DESTS, "N", "IPv4 servers 127.0.0.1..N", "16", "16", 1, 254, ndest),
	FLAG("ipv6", 0, O_IPV6, "connect to ::1 instead of 127.0.0.x", ipv6),
	FLAG("per-cpu-listeners", 0, O_PER_CPU_LISTENERS,
	     "speed: a SO_REUSEPORT listener per accept thread, each with the full backlog "
	     "(not for accept-queue experiments: --reuseport is)", per_cpu_listeners),
	NUM("reuseport", O_REUSEPORT, "N",
	    "N listeners (1..64) in one SO_REUSEPORT group on the port, each with its own "
	    "accept threads and the full backlog; queue.csv has a row per socket",
	    NULL, "4", 1, LG_MAX_REUSEPORT, reuseport),
	WORD("accept-socket", 0, SB_ARG_REQ, O_ACCEPT_SOCKET, "K=POLICY",
	     "--reuseport: socket K (0..N-1) of the group accepts with POLICY, the others "
	     "with --accept", NULL, "0=delay:20"),
	WORD("close-socket", 0, SB_ARG_REQ, O_CLOSE_SOCKET, "K@MS",
	     "--reuseport: close socket K (accepting none) MS ms into the run, a listener "
	     "restart; its queue is reset, or moved with --migrate-req 1",
	     NULL, "1@500"),
	FLAG("paired", 0, O_PAIRED,
	     "speed: per-CPU listeners served by the client threads in their own io_uring, "
	     "one thread per CPU does all of a connection (accept fast, engine uring)", paired),
	HEADING("Namespace sysctls (not given: the fresh namespace's value):"),
	WORD("syncookies", 0, SB_ARG_OPT, O_SYNCOOKIES, "[0|1|2]",
	     "net.ipv4.tcp_syncookies; bare flag means 1", NULL, "0"),
	WORD("no-syncookies", 0, SB_ARG_NONE, O_NO_SYNCOOKIES, NULL, "same as --syncookies 0",
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
	NUM("migrate-req", O_MIGRATE_REQ, "0|1",
	    "net.ipv4.tcp_migrate_req (5.14): a closing SO_REUSEPORT socket's queue moves to a "
	    "sibling", NULL, "1", 0, 1, migrate_req),
	NUM("max-syn-backlog", O_MAX_SYN_BACKLOG, "N", "net.ipv4.tcp_max_syn_backlog", NULL,
	    "4096", 0, INT_MAX, max_syn_backlog),
	WORD("port-range", 0, SB_ARG_REQ, O_PORT_RANGE, "LO-HI", "net.ipv4.ip_local_port_range",
	     "1024-65535", "1024-65535"),
	HEADING("Probes:"),
	FLAG("no-probes", 0, O_NO_PROBES, "user side only, no BPF (measures probe cost)",
	     no_probes),
	CHOICE("attach", O_ATTACH, "auto|tp_btf|raw_tp|tracepoint",
	     "auto falls back tp_btf, raw_tp, tracepoint; given: every tracepoint component "
	     "must load so", "auto", "raw_tp", attach_names, attach),
	{ "sampler", 0, SB_ARG_REQ, SB_OPT_CUSTOM, O_SAMPLER, "MODE",
	  "accept-queue sampler: auto, sk_storage_iter, file_iter, tcp_iter, tcp_info (no BPF), off",
	  "auto", "tcp_info", .choices = sampler_names },
	WORD("probe-off", 0, SB_ARG_REQ, O_PROBE_OFF, "LIST",
	     "components off, comma-separated: syn_retransmits, synack_retransmits, drops, "
	     "listener_sampler", NULL, "drops"),
	NUM("sample-us", O_SAMPLE_US, "N", "accept-queue sampling, us", "5000", "5000",
	    100, 10000000, sample_us),
	FLAG("trace-states", 0, O_TRACE_STATES, "record every TCP state change", trace_states),
	FLAG("no-bpf-stats", 0, O_NO_BPF_STATS,
	     "leave BPF run time uncounted (by default counted while the probes are loaded, for "
	     "probes.cost)", no_bpf_stats),
	HEADING("A server of yours instead of ours:"),
	WORD("target", 0, SB_ARG_REQ, O_TARGET, "HOST:PORT",
	     "load and watch this listener; ours is not started", NULL, "127.0.0.1:8080"),
	WORD("server-cmd", 0, SB_ARG_REQ, O_SERVER_CMD, "CMD",
	     "start it (sh -c CMD) in the run's namespace, stopped after", NULL,
	     "'nginx -c /tmp/nginx.conf'"),
	WORD("netns", 0, SB_ARG_REQ, O_NETNS, "NAME",
	     "run in the existing namespace /run/netns/NAME", NULL, "web"),
	FLAG("http", 0, O_HTTP, "crr request GET PATH HTTP/1.1 with Host and Connection: close, "
	     "response read to EOF, its status recorded", http),
	TEXT("http-path", O_HTTP_PATH, "PATH", "--http: the request's path", "/", "/index.html",
	     http_path),
	HEADING("TLS (--mode crr; docs/tls.md):"),
	FLAG("tls", 0, O_TLS, "each connection's request and response over TLS (OpenSSL); our "
	     "listener terminates it, or the --target server does", tls),
	CHOICE("tls-version", O_TLS_VERSION, "1.3|1.2", "exactly this TLS version", "1.3", "1.2",
	       tls_version_names, tls_version),
	CHOICE("tls-key-type", O_TLS_KEY_TYPE, "ecdsa-p256|rsa-2048",
	       "our listener's generated key and certificate", "ecdsa-p256", "rsa-2048",
	       tls_key_names, tls_key_type),
	FLAG("tls-resume", 0, O_TLS_RESUME,
	     "session resumption: our listener sends a ticket, each client thread offers the "
	     "newest it got (without: every handshake is a full one)", tls_resume),
	TEXT("tls-cert", O_TLS_CERT, "FILE", "our listener's certificate chain (PEM), with --tls-key",
	     "self-signed, made at start", "cert.pem", tls_cert),
	TEXT("tls-key", O_TLS_KEY, "FILE", "the private key of --tls-cert (PEM)", NULL, "key.pem",
	     tls_key),
	TEXT("tls-sni", O_TLS_SNI, "NAME", "the server name sent (SNI) and verified",
	     "localhost; --target: none", "www.example.test", tls_sni),
	TEXT("tls-ca", O_TLS_CA, "FILE",
	     "trust these certificates (PEM) and verify the server's chain (and --tls-sni); "
	     "our listener's own certificate is always trusted",
	     "with --target: no verification", "ca.pem", tls_ca),
	HEADING("Two hosts in one box:"),
	CHOICE("topology", O_TOPOLOGY, "lo|veth",
	     "lo: one namespace; veth: client and server namespaces joined by a veth pair, "
	     "server 198.18.0.1, clients 198.18.0.2-33", "lo", "veth", topology_names, topology),
	WORD("delay", 0, SB_ARG_REQ, O_DELAY, "MS[,JITTER]",
	     "veth: round trip added by tc netem, half each way", NULL, "20"),
	WORD("loss", 0, SB_ARG_REQ, O_LOSS, "PCT", "veth: packet loss in each direction (tc netem)",
	     NULL, "5"),
	NUM("rate-limit", O_RATE_LIMIT, "MBIT", "veth: bandwidth each way (tc htb)", NULL, "100",
	    1, 100000, netem.rate_mbit),
	HEADING("Beyond one machine (over ssh or any command):"),
	WORD("server-via", 0, SB_ARG_REQ, O_SERVER_VIA, "CMD",
	     "run the server half (listener, probes, counters) as `CMD synbench serve` on "
	     "another host; this host is a client", NULL, "'ssh -T root@srv'"),
	WORD("server-addr", 0, SB_ARG_REQ, O_SERVER_ADDR, "A",
	     "with --server-via: the server host's IPv4 address the clients connect to", NULL,
	     "198.18.0.1"),
	WORD("client-via", 0, SB_ARG_REQ, O_CLIENT_VIA, "CMD",
	     "another client host (`CMD synbench client`), repeatable; --conns and --rate "
	     "are split evenly over all client hosts", NULL, "'ssh -T root@cli2'"),
	WORD("remote-bin", 0, SB_ARG_REQ, O_REMOTE_BIN, "PATH",
	     "synbench on the other hosts", "synbench", "/usr/local/bin/synbench"),
	HEADING("Output:"),
	WORD("out", 0, SB_ARG_REQ, O_OUT, "DIR", "result directory", "results/<time>[-LABEL]",
	     "results/mine"),
	WORD("label", 0, SB_ARG_REQ, O_LABEL, "L", "run name, 1..100 of A-Z a-z 0-9 . _ -", NULL,
	     "backlog5"),
	FLAG("force", 0, O_FORCE, "write into an existing --out directory", force),
	FLAG("no-plot", 0, O_NO_PLOT, "skip the gnuplot plots", no_plot),
	FLAG("json", 0, O_JSON, "print summary.json to stdout", json),
	FLAG("quiet", 0, O_QUIET, "no table, no progress", quiet),
	{ "verbose", 'v', SB_ARG_NONE, SB_OPT_COUNT, O_VERBOSE, NULL,
	  "libbpf and setup messages, and the time each stage took", NULL, NULL, 0, 0, NULL,
	  FLD(verbose), 0 },
	NUM("record-memory", O_RECORD_MEMORY, "MIB",
	    "records kept in memory; beyond, in temporary files, analyzed in parts", "64", "16",
	    1, 1048576, record_memory_mib),
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, O_HELP, NULL, "this text", .fld = SB_FLD_NONE },
	{ "version", 'V', SB_ARG_NONE, SB_OPT_RETURN, O_VERSION, NULL, "print the version",
	  .fld = SB_FLD_NONE },
};

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
	o->accept_socket = -1;
	o->close_socket = -1;
	o->migrate_req = -1;
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
	o->record_memory_mib = 64;
	snprintf(o->remote_bin, sizeof(o->remote_bin), "synbench");
}

/* ---- parsing ---- */

struct parse_ctx {
	struct sb_opts o;
	unsigned char given[O__COUNT];
	int syncookies_arg; /* value of the last --syncookies */
	char *err;
	size_t errlen;
};

static int parse_u64(const char *s, uint64_t *v)
{
	return sb_optparse_u64(s, v);
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
			return -EINVAL;
	}
	if (!digits)
		return -EINVAL;
	*v = strtod(s, &end);
	return *end ? -1 : 0;
}

/* --probe-off a,b,c: components by name; state_changes cannot be off
 * (that is --no-probes). */
static int parse_probe_off(struct parse_ctx *c, const struct sb_optdef *d, const char *val)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = sb_component_parse(t);

		if (k == SB_COMP_STATE_CHANGES)
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s cannot turn off state_changes (every other component "
				       "needs it); use --no-probes for a run without BPF",
				       d->name);
		if (k < 0)
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--%s: unknown component '%.64s'; the components are "
			    "syn_retransmits, synack_retransmits, drops, listener_sampler; "
			    "try --%s %s",
			    d->name, t, d->name, d->example);
		c->o.probe_off |= 1u << k;
	}
	return 0;
}

static int check_label(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 100)
		return -EINVAL;
	for (; *s; s++) {
		char ch = *s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return -EINVAL;
	}
	return 0;
}

static int get_port_range(struct parse_ctx *c, const struct sb_optdef *d, const char *val)
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
	return sb_errf(c->err, c->errlen, -EINVAL,
		       "--%s must be LO-HI with 1 <= LO <= HI <= 65535 (got '%.64s'); try --%s %s",
		       d->name, val, d->name, d->example);
}

/* Applies one CUSTOM option; val is NULL for a bare --syncookies. */
static int apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct parse_ctx *c = ctx;
	struct sb_opts *o = &c->o;
	uint64_t v = 0;
	int k = 0;

	(void)err;
	(void)len;
	switch (d->id) {
	case O_RATE:
		if (parse_rate(val, &o->rate) || !(o->rate > 0) || o->rate > SB_MAX_RATE)
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--rate must be connections per second, a decimal number > 0 "
			    "and <= %.0f (got '%.64s'); try --rate 20000, or leave out "
			    "--rate for a closed loop",
			    SB_MAX_RATE, val);
		break;
	case O_SAMPLER:
		if (sb_optparse_choice(d, val, &k, c->err, c->errlen))
			return -EINVAL;
		o->sampler = k ? sb_comp_mode_parse(val) : -1;
		break;
	case O_PROBE_OFF:
		if (parse_probe_off(c, d, val))
			return -EINVAL;
		break;
	case O_ACCEPT:
		if (lg_accept_policy_parse(val, &o->accept))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--accept must be fast, delay:MS, rate:N (N >= 1), pause:MS "
				       "or none (got '%.64s'); try --accept %s",
				       val, d->example);
		break;
	case O_CLOSE_SOCKET:
		if (sb_opts_parse_close_socket(val, o))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--close-socket must be K@MS, K a socket of the group (0..63) "
				       "and MS the milliseconds into the run (got '%.64s'); try "
				       "--close-socket %s",
				       val, d->example);
		break;
	case O_ACCEPT_SOCKET:
		if (sb_opts_parse_accept_socket(val, o))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--accept-socket must be K=POLICY, K a socket of the group "
				       "(0..63) and POLICY as for --accept (got '%.64s'); try "
				       "--accept-socket %s",
				       val, d->example);
		break;
	case O_SYNCOOKIES:
		if (!val)
			v = 1;
		else if (parse_u64(val, &v) || v > 2)
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--syncookies must be 0, 1 or 2 (got '%.64s'); try "
				       "--syncookies 0, or a bare --syncookies for 1",
				       val);
		c->syncookies_arg = (int)v;
		break;
	case O_PORT_RANGE:
		return get_port_range(c, d, val);
	case O_TARGET:
		if (!*val || strlen(val) >= sizeof(o->target))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--target needs HOST:PORT; try --target %s", d->example);
		strcpy(o->target, val);
		break;
	case O_NETNS:
		if (!*val || strlen(val) >= sizeof(o->netns) || strchr(val, '/'))
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--netns needs a namespace name from 'ip netns list' (no '/'); "
			    "try --netns %s",
			    d->example);
		strcpy(o->netns, val);
		break;
	case O_SERVER_CMD:
		if (!*val || strlen(val) >= sizeof(o->server_cmd))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--server-cmd needs a command of 1 to %zu bytes",
				       sizeof(o->server_cmd) - 1);
		strcpy(o->server_cmd, val);
		break;
	case O_SERVER_VIA:
	case O_CLIENT_VIA:
	case O_REMOTE_BIN: {
		char *dst = d->id == O_SERVER_VIA	? o->server_via
			    : d->id == O_REMOTE_BIN ? o->remote_bin
			    : o->nclient_via < SB_MAX_CLIENT_HOSTS ? o->client_via[o->nclient_via]
								     : NULL;
		size_t max = d->id == O_REMOTE_BIN ? sizeof(o->remote_bin) : sizeof(o->server_via);

		if (!dst)
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--client-via may be given at most %d times; drop one",
				       SB_MAX_CLIENT_HOSTS);
		if (!*val || strlen(val) >= max || strchr(val, '\n'))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s needs a command of 1 to %zu bytes on one line; try --%s %s",
				       d->name, max - 1, d->name, d->example);
		/* the path is passed to the transport as an argument ("$@"), and a
		 * transport like ssh hands it to the remote shell: plain path
		 * characters only, so no host parses it as anything else */
		if (d->id == O_REMOTE_BIN && strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
							"qrstuvwxyz0123456789/._+-") != strlen(val))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--remote-bin takes a path of A-Z a-z 0-9 / . _ + - (got '%.64s'); "
				       "try --remote-bin %s",
				       val, d->example);
		strcpy(dst, val);
		o->nclient_via += d->id == O_CLIENT_VIA;
		break;
	}
	case O_SERVER_ADDR: {
		struct in_addr a;

		if (inet_pton(AF_INET, val, &a) != 1 || !a.s_addr)
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--server-addr needs the server host's IPv4 address (got "
				       "'%.64s'); try --server-addr %s",
				       val, d->example);
		o->server_addr = a.s_addr;
		break;
	}
	case O_OUT:
		if (!*val || strlen(val) >= sizeof(o->out))
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--out needs a directory path of 1 to %zu bytes; try --out %s",
			    sizeof(o->out) - 1, d->example);
		strcpy(o->out, val);
		break;
	case O_LABEL:
		if (check_label(val))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--label must be 1 to 100 characters from A-Z a-z 0-9 . _ - "
				       "(got '%.64s'); try --label %s",
				       val, d->example);
		strcpy(o->label, val);
		break;
	case O_DELAY:
		if (sb_netem_parse_delay(val, &o->netem.delay_ms, &o->netem.jitter_ms))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--delay must be MS or MS,JITTER in ms, 0 < MS <= 60000, "
				       "JITTER <= MS (got '%.64s'); try --delay 20 or --delay 20,2",
				       val);
		break;
	case O_LOSS:
		if (sb_netem_parse_loss(val, &o->netem.loss_pct))
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--loss must be a percentage, 0 < PCT <= 100 (got '%.64s'); "
				       "try --loss 5",
				       val);
		break;
	default: /* --no-syncookies: settled in finish() */
		break;
	}
	return 0;
}

/* Checks that need the whole command line; fills in dependent defaults. */
static const struct sb_optdef *def_of(enum opt_id id)
{
	return sb_optparse_def(&sb_run_optset, id);
}

/* --target replaces our listener: the options about it make no sense. */
static int finish_target(struct parse_ctx *c)
{
	static const enum opt_id ours[] = {O_BACKLOG,	O_ACCEPT, O_PORT, O_PER_CPU_LISTENERS,
					   O_PAIRED,	O_DESTS,  O_CLOSE_FIRST, O_REUSEPORT,
					   O_ACCEPT_SOCKET, O_CLOSE_SOCKET};
	struct sb_opts *o = &c->o;
	char err[256];
	uint16_t port;

	if (!o->target[0]) {
		if ((c->given[O_NETNS] && !o->server_via[0]) || c->given[O_SERVER_CMD])
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s needs --target HOST:PORT; add --target",
				       c->given[O_NETNS] ? "netns" : "server-cmd");
		if (o->http)
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--http needs --target (our listener does not speak HTTP); add "
			    "--target HOST:PORT or drop --http");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(ours); i++) {
		const struct sb_optdef *d = def_of(ours[i]);

		if (c->given[ours[i]])
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s is about our listener and does nothing with --target; "
				       "drop it",
				       d ? d->name : "?");
	}
	if (o->http && (o->mode != LG_MODE_CRR || c->given[O_REQ] || c->given[O_RESP]))
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--http needs --mode crr and sends its own request; use --mode crr "
			       "without --req/--resp");
	/* --target is an IPv4 address: --ipv6 would send every connect to ::1 */
	if (o->ipv6)
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--ipv6 connects to ::1, but --target %s is an IPv4 address; drop "
			       "--ipv6 (--target takes IPv4 only)",
			       o->target);
	if (sb_target_parse(o->target,
			    o->netns[0] != 0 || o->topology == SB_TOPO_VETH || o->server_via[0],
			    &o->target_addr, &port, err, sizeof(err)))
		return sb_errf(c->err, c->errlen, -EINVAL, "%s", err);
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
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s needs --topology veth (lo has no wire to shape); add "
				       "--topology veth",
				       def_of(veth_only[i])->name);
	if (o->topology != SB_TOPO_VETH)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(not_veth); i++)
		if (c->given[not_veth[i]])
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s does not apply to --topology veth (its own two "
				       "namespaces, IPv4 198.18.0.0/15, one server address); drop it",
				       def_of(not_veth[i])->name);
	if (o->target[0] &&
	    (sb_target_parse(o->target, 1, &o->target_addr, &port, err, sizeof(err)) ||
	     o->target_addr != htonl(SB_VETH_SERVER_ADDR)))
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "with --topology veth the server namespace's address is 198.18.0.1; "
			       "use --target 198.18.0.1:PORT");
	return 0;
}

/* --server-via and what goes with it. */
static int finish_hosts(struct parse_ctx *c)
{
	static const enum opt_id local_only[] = {O_PAIRED, O_TRACE_STATES, O_DESTS, O_IPV6};
	struct sb_opts *o = &c->o;

	if (!o->server_via[0]) {
		if (o->nclient_via || o->server_addr)
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s needs --server-via CMD (the server host); add it",
				       o->nclient_via ? "client-via" : "server-addr");
		return 0;
	}
	if (o->topology == SB_TOPO_VETH)
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--server-via runs the server on another host; drop --topology veth");
	for (size_t i = 0; i < ARRAY_LEN(local_only); i++)
		if (c->given[local_only[i]])
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s does not work across hosts; drop it",
				       def_of(local_only[i])->name);
	if (o->target[0] && !o->server_addr)
		o->server_addr = o->target_addr;
	if (!o->server_addr)
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--server-via needs --server-addr, the server host's IPv4 address "
			       "the clients connect to; add --server-addr %s",
			       def_of(O_SERVER_ADDR)->example);
	return 0;
}

static int finish(struct parse_ctx *c)
{
	struct sb_opts *o = &c->o;
	static const enum opt_id probe_opts[] = {O_ATTACH, O_SAMPLER, O_PROBE_OFF, O_SAMPLE_US,
						 O_TRACE_STATES, O_NO_BPF_STATS};
	static const char *const probe_names[] = {"attach", "sampler", "probe-off", "sample-us",
						  "trace-states", "no-bpf-stats"};
	static const enum opt_id crr_opts[] = {O_REQ, O_RESP, O_CLOSE_FIRST};
	static const char *const crr_names[] = {"req", "resp", "close-first"};

	if (c->given[O_SYNCOOKIES] && c->given[O_NO_SYNCOOKIES] && c->syncookies_arg != 0)
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--no-syncookies conflicts with --syncookies %d; keep one of them",
			       c->syncookies_arg);
	if (c->given[O_NO_SYNCOOKIES])
		o->syncookies = 0;
	else if (c->given[O_SYNCOOKIES])
		o->syncookies = c->syncookies_arg;
	for (size_t i = 0; i < ARRAY_LEN(crr_opts); i++) {
		const char *n = crr_names[i];

		if (o->mode == LG_MODE_CONNECT && c->given[crr_opts[i]])
			return sb_errf(
			    c->err, c->errlen, -EINVAL,
			    "--%s only applies to --mode crr; add --mode crr or drop --%s", n, n);
	}
	if (o->paired && (o->engine != LG_ENGINE_URING || o->accept.kind != LG_ACCEPT_FAST))
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--paired needs --engine uring and --accept fast; drop --paired");
	if (sb_opts_finish_reuseport(o, c->given, c->err, c->errlen))
		return -EINVAL;
	if (o->ipv6 && c->given[O_DESTS])
		return sb_errf(c->err, c->errlen, -EINVAL,
			       "--dests spreads IPv4 addresses and does nothing with --ipv6; drop "
			       "--dests or --ipv6");
	for (size_t i = 0; i < ARRAY_LEN(probe_opts); i++) {
		if (o->no_probes && c->given[probe_opts[i]])
			return sb_errf(c->err, c->errlen, -EINVAL,
				       "--%s has no effect with --no-probes; drop one of them",
				       probe_names[i]);
	}
	if (finish_topology(c) || finish_target(c) || finish_hosts(c) ||
	    sb_opts_finish_tls(o, c->given, c->err, c->errlen))
		return -EINVAL;
	if (!c->given[O_CONCURRENCY]) {
		uint64_t cap = o->tls ? (uint64_t)SB_DEFAULT_TLS_CONCURRENCY_PER_THREAD * o->threads
				      : SB_DEFAULT_CONCURRENCY;

		/* an open loop: as many as can be in flight at once, so arrivals
		 * never wait for a free slot: the rate times the connect timeout
		 * and the crr phase it also bounds, with room; memory follows
		 * that, not --conns */
		if (o->rate > 0) {
			double in_flight = o->rate * 2.0 * o->connect_timeout_ms / 1000.0 + 1024;

			cap = in_flight < SB_MAX_CONCURRENCY ? (uint64_t)in_flight
							     : SB_MAX_CONCURRENCY;
		}
		o->concurrency = (uint32_t)(o->conns < cap ? o->conns : cap);
	}
	return 0;
}

const struct sb_optset sb_run_optset = {
	.cmd = NULL,
	.defs = table,
	.ndefs = ARRAY_LEN(table),
	.apply = apply,
};

int sb_opts_parse(int argc, char **argv, struct sb_opts *o, char *err, size_t errlen)
{
	struct parse_ctx c = {.err = err, .errlen = errlen};
	int rc;

	sb_opts_defaults(&c.o);
	rc = sb_optparse(&sb_run_optset, argc, argv, 1, &c.o, &c, c.given, err, errlen);
	if (rc == O_HELP)
		return SB_OPTS_HELP;
	if (rc == O_VERSION)
		return SB_OPTS_VERSION;
	if (rc)
		return rc < 0 ? rc : -EINVAL;
	rc = finish(&c);
	if (rc)
		return rc;
	c.o.argc = argc;
	c.o.argv = argv;
	*o = c.o;
	return 0;
}
