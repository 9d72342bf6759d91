/* Every option of a run, parsed once into struct sb_opts (owned by main,
 * passed as const). */
#ifndef SB_OPTS_H
#define SB_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "loadgen/loadgen.h"
#include "harness/cli/components.h"
#include "harness/cli/netem.h"

#define SB_DEFAULT_PORT 5201
/* closed loop in flight by default: min(conns, this) -- a connect burst */
#define SB_DEFAULT_CONCURRENCY 10000
/* --tls, closed loop: in flight by default per thread (min(conns, this x
 * threads)): a handshake costs a millisecond of CPU or more, so a burst
 * beyond what the CPUs do at once only queues (docs/tls.md) */
#define SB_DEFAULT_TLS_CONCURRENCY_PER_THREAD 64

/* --topology: one namespace on lo, or client and server namespaces joined
 * by a veth pair (harness/run/topology.c) */
enum sb_topology { SB_TOPO_LO = 0, SB_TOPO_VETH = 1 };
#define SB_VETH_SERVER_ADDR 0xc6120001u /* 198.18.0.1, host order */
#define SB_VETH_CLIENT_ADDR 0xc6120002u /* 198.18.0.2 .. + SB_VETH_NCLIENT - 1 */
#define SB_VETH_NCLIENT	    32

#define SB_MAX_CLIENT_HOSTS 7 /* --client-via, besides this host */

enum sb_attach { SB_ATTACH_AUTO = 0, SB_ATTACH_TP_BTF, SB_ATTACH_RAW_TP, SB_ATTACH_TRACEPOINT };

/* --tls-version, as its choice index */
enum sb_tls_version { SB_TLS_13 = 0, SB_TLS_12 = 1 };

struct sb_opts {
	/* load */
	uint64_t conns;		 /* --conns N (>= 1) */
	int backlog;		 /* --backlog B (0..65535) */
	uint32_t concurrency;	 /* --concurrency N (closed loop, in flight) */
	double rate;		 /* --rate R (open loop; 0 = closed loop) */
	uint32_t threads;	 /* --threads T (default: cores) */
	enum lg_mode mode;	 /* --mode connect|crr */
	enum lg_close close;	 /* --close fin|rst */
	enum lg_close_first close_first; /* --close-first client|server|race (crr) */
	enum lg_engine engine;	 /* --engine uring|epoll */
	uint32_t req_bytes;	 /* --req N (crr) */
	uint32_t resp_bytes;	 /* --resp N (crr) */
	struct lg_accept_policy accept; /* --accept fast|delay:MS|rate:N|pause:MS|none */
	uint32_t connect_timeout_ms;	/* --connect-timeout MS */
	uint32_t max_time_s;		/* --max-time S: hard bound of the run */
	int ipv6;			/* --ipv6 */
	int per_cpu_listeners;		/* --per-cpu-listeners: SO_REUSEPORT per thread */
	int paired;			/* --paired: client threads serve their CPU's listener */
	uint32_t reuseport;		/* --reuseport N: N listeners in a SO_REUSEPORT group */
	int accept_socket;		/* --accept-socket K=POLICY: K, or -1 */
	struct lg_accept_policy accept_socket_policy; /* and its POLICY */
	int close_socket;		/* --close-socket K@MS: K, or -1 */
	uint32_t close_at_ms;		/* and MS */
	int migrate_req;		/* --migrate-req: tcp_migrate_req, or -1 */
	uint16_t port;			/* --port P */
	uint32_t ndest;			/* --dests N: 127.0.0.1..N */
	/* namespace sysctls; -1 = leave the namespace default */
	int syncookies;		/* --syncookies 0|1|2 (bare --syncookies = 1) */
	int abort_on_overflow;	/* --abort-on-overflow */
	int somaxconn;		/* --somaxconn N */
	int syn_retries;	/* --syn-retries N */
	int synack_retries;	/* --synack-retries N */
	int syn_linear_timeouts; /* --syn-linear-timeouts N */
	int max_syn_backlog;	/* --max-syn-backlog N */
	char port_range[32];	/* --port-range LO-HI ("" = default 1024-65535) */
	/* a server of the user's (--target) instead of ours */
	char target[64];		/* --target HOST:PORT ("" = our listener) */
	uint32_t target_addr;		/* its IPv4 address, network order */
	char netns[64];			/* --netns NAME: /run/netns/NAME */
	char server_cmd[1024];		/* --server-cmd CMD */
	int http;			/* --http: crr speaks HTTP/1.1 (Connection: close) */
	char http_path[256];		/* --http-path ("" = "/") */
	/* TLS (crr): our listener terminates it, or the --target server */
	int tls;			/* --tls */
	int tls_version;		/* --tls-version: SB_TLS_13 or SB_TLS_12 */
	enum lg_tls_key tls_key_type;	/* --tls-key-type (our listener's generated key) */
	int tls_resume;			/* --tls-resume: session tickets */
	char tls_cert[1024];		/* --tls-cert FILE ("" = generated) */
	char tls_key[1024];		/* --tls-key FILE */
	char tls_ca[1024];		/* --tls-ca FILE ("" = none) */
	char tls_sni[256];		/* --tls-sni NAME ("" = default) */
	/* two hosts in one box */
	int topology;			/* --topology lo|veth: enum sb_topology */
	struct sb_netem netem;		/* --delay, --loss, --rate-limit (veth) */
	/* beyond one machine: the server half and extra client halves run
	 * as `CMD synbench serve|client` on other hosts (harness/run/hosts.c) */
	char server_via[512];		/* --server-via CMD */
	uint32_t server_addr;		/* --server-addr A: IPv4, network order (0: none) */
	char client_via[SB_MAX_CLIENT_HOSTS][512]; /* --client-via CMD, repeatable */
	int nclient_via;
	char remote_bin[256];		/* --remote-bin PATH ("synbench") */
	/* the command line as typed (argv[1..argc-1]): what the other hosts'
	 * halves parse, so both ends mean the same run */
	int argc;
	char **argv;
	/* probes */
	int no_probes;		/* --no-probes */
	enum sb_attach attach;	/* --attach auto|tp_btf|raw_tp|tracepoint */
	int sampler;		/* --sampler: -1 auto, else an enum sb_comp_mode */
	uint32_t probe_off;	/* --probe-off: bit (1 << enum sb_component) per component */
	uint32_t sample_us;	/* --sample-us N: accept-queue sample period */
	uint32_t record_memory_mib; /* --record-memory MIB: records in memory before spilling */
	int trace_states;	/* --trace-states */
	int no_bpf_stats;	/* --no-bpf-stats */
	/* output */
	char out[4096];		/* --out DIR ("" = results/<ts>[-label]) */
	char label[128];	/* --label */
	int force;		/* --force */
	int no_plot;		/* --no-plot */
	int json;		/* --json: summary.json to stdout */
	int quiet;		/* --quiet: no table, no progress */
	int verbose;		/* -v: libbpf messages */
};

/* sb_opts_parse() results besides 0 and -1: main prints the help text
 * (sb_print_help) or the version and exits 0. */
#define SB_OPTS_HELP	1 /* -h / --help seen */
#define SB_OPTS_VERSION 2 /* -V / --version seen */

/* A run across machines (--server-via). */
static inline int sb_opts_across_hosts(const struct sb_opts *o)
{
	return o->server_via[0] != 0;
}

/* Defaults for every field (threads = online CPUs, clamped to 1..1024). */
void sb_opts_defaults(struct sb_opts *o);

/* Parses argv into o. argv[0] is the program name (or the sub-command) and is
 * skipped, as with getopt. Parsing starts from sb_opts_defaults(); o is
 * written only on success (return 0). Reentrant: no global state.
 *
 * Returns 0; SB_OPTS_HELP or SB_OPTS_VERSION as soon as -h/--help or
 * -V/--version is met (o untouched); or -EINVAL after writing one line
 * "<problem>; <what to do>" (no newline, no program name) into err (if
 * errlen > 0).
 *
 * Rules: long options as "--opt value" or "--opt=value"; -v, -h, -V are the
 * only short ones; no abbreviations; a later option overrides an earlier one.
 * Numbers are plain decimal (no sign, no suffix, no hex); --rate also takes a
 * decimal fraction ("2500.5", no exponent). Rejected: unknown options, missing
 * values, flags given a value, positional arguments, out-of-range values, and
 * conflicts: --no-syncookies with --syncookies 1|2; --req/--resp/--close-first
 * with --mode connect; --dests with --ipv6; --attach/--sample-us/--trace-states with
 * --no-probes. --rate with --concurrency is allowed: in an open loop
 * --concurrency caps connections in flight; without an explicit
 * --concurrency an open loop holds what can be in flight at once (concurrency
 * = min(conns, rate x 2 x connect-timeout + 1024, SB_MAX_CONCURRENCY)) so
 * arrivals never wait for a free slot. */
int sb_opts_parse(int argc, char **argv, struct sb_opts *o, char *err, size_t errlen);

/* Writes every effective option as key=value lines (neper style), one per
 * line; key = long option name without the leading "--" (conns=10000,
 * connect-timeout=5000). Flags print 0/1; sysctls left at the namespace
 * default print -1; an unset port-range, out or label prints empty. */
void sb_opts_print(const struct sb_opts *o, FILE *f);

/* Every effective option, in the table's order: key = long option name,
 * value as text, numeric = 1 for a number (sb_opts_print, config.json). */
typedef void (*sb_opt_visit_fn)(void *ctx, const char *key, const char *value, int numeric);
void sb_opts_foreach(const struct sb_opts *o, sb_opt_visit_fn fn, void *ctx);

/* The --help text: USAGE, every option with its default, EXAMPLES. */
void sb_print_help(FILE *f);

/* The run's option table (the one behind the parser, --help and config.json),
 * for the man page (harness/commands/man.c). */
struct sb_optset;
const struct sb_optset *sb_opts_optset(void);

#define SB_MAX_CONNS	   100000000ull /* --conns upper bound */
#define SB_MAX_CONCURRENCY 1048576u
#define SB_MAX_RATE	   10000000.0 /* --rate upper bound, conns/s */

#endif
