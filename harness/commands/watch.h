/* bench watch: the run's kernel view (the same probe components and
 * fallbacks, sampler, MIB deltas, result directory) of traffic synbench did
 * not generate, in an existing network namespace. What tcpconnlat and
 * tcpstates are used for, with reconciliation against the kernel's own
 * counters.
 *
 *   harness/commands/watch_opts.c     options, --help
 *   harness/commands/watch.c          the lifecycle: namespace, probes, sampler, MIB, stop
 *   harness/commands/watch_live.c     live lines (--connlat, --trace-states), PID/COMM tags
 * and then, like a run, harness/commands/finish.c: the kernel-only mode of
 * the analysis (harness/analysis/kview.c) into the one result model, the
 * one writer (harness/output/results.c, "mode": "watch"), the reports.
 */
#ifndef SB_WATCH_H
#define SB_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/types.h>

#include "bpf/synbench.h"
#include "harness/cli/opts.h"
#include "harness/analysis/kview.h"
#include "harness/run/rundata.h"

#define SB_WATCH_DEFAULT_MAX_CONNS 100000ull
#define SB_WATCH_MAX_CONNS	   10000000ull

struct sb_watch_opts {
	char netns[64];			/* --netns NAME ("" = the caller's namespace) */
	uint16_t ports[SB_MAX_PORTS];	/* --port P (repeatable): local or remote port */
	uint32_t nports;
	int64_t pid;			/* --pid PID (-1: any) */
	char comm[16];			/* --comm NAME ("" = any; 15 characters at most) */
	char cgroup[512];		/* --cgroup PATH: cgroup v2 path, "" = any */
	int family;			/* --ipv4: AF_INET, --ipv6: AF_INET6, 0: both */
	double duration_s;		/* --duration S (0: until Ctrl-C) */
	uint64_t max_conns;		/* --max-conns N: stop after N sockets seen */
	int connlat;			/* --connlat: a line per client handshake */
	int trace_states;		/* --trace-states: a line per transition */
	uint32_t sample_us;		/* --sample-us N */
	enum sb_attach attach;		/* --attach */
	int no_bpf_stats;		/* --no-bpf-stats: leave kernel.bpf_stats_enabled */
	char out[4096];			/* --out DIR */
	char label[128];		/* --label */
	int force, no_plot, json, quiet, verbose;
	/* --serve ADDR:PORT: the exporter (watch_serve.c), "" none; the
	 * address to bind, exactly as given (PORT alone: 127.0.0.1) */
	char serve[80];
	struct sockaddr_storage serve_addr;
	uint32_t serve_addrlen;
	int serve_loopback; /* the address is a loopback one */
};

/* Parses `watch ...` (argv[0] = "watch"). 0; SB_OPTS_HELP; or -EINVAL with
 * one line in err. o is written only on success. */
int sb_watch_parse(int argc, char **argv, struct sb_watch_opts *o, char *err, size_t errlen);
void sb_watch_usage(FILE *f);
/* 1 when a user-space filter (--pid, --comm) or a port filter applies:
 * the namespace's counters then cover other traffic too. */
int sb_watch_filtered(const struct sb_watch_opts *o);

/* The command's entry. Returns the exit code: 0, 2 (bad input or
 * environment, nothing written), 130 (interrupted before --duration). */
int sb_watch_main(int argc, char **argv);

/* --serve's value: IPv4 "A.B.C.D:PORT", IPv6 "[ADDR]:PORT", or "PORT"
 * (127.0.0.1); no host names. 0 with o->serve*, or -EINVAL with one line
 * in err. */
int sb_watch_serve_addr(const char *val, struct sb_watch_opts *o, char *err, size_t len);

/* ---- live events (watch_live.c) ---- */

/* The connecting task, captured at CLOSE->SYN_SENT (the connect() runs in
 * its context). Joined to the client's record by the SYN_SENT stamp, which
 * the probe writes into both. */
struct sb_watch_tag {
	uint64_t ts_syn_sent;
	uint32_t daddr[4];
	uint32_t pid;
	uint16_t dport;
	uint8_t in_cgroup; /* --cgroup: the task was in it when its event was read */
	char comm[16];
};

struct sb_watch_live;

int sb_watch_live__new(const struct sb_watch_opts *o, FILE *out, struct sb_watch_live **l);
/* sb_probes_opts.on_state: called on the probes' consumer thread. */
void sb_watch_live_on_state(void *ctx, const struct sb_state_event *e);
/* Counters readable from any thread while events arrive. */
uint64_t sb_watch_live__sockets(const struct sb_watch_live *l);	  /* clients + children */
uint64_t sb_watch_live__handshakes(const struct sb_watch_live *l); /* client SYN_SENT->EST */
uint64_t sb_watch_live__events(const struct sb_watch_live *l);
uint64_t sb_watch_live__connlat_lines(const struct sb_watch_live *l);
/* After the probes stopped: the tags, sorted by ts_syn_sent (owned by l). */
const struct sb_watch_tag *sb_watch_live__tags(struct sb_watch_live *l, size_t *n);
/* The tag of a client record (ts[SYN_SENT], daddr, dport), or NULL. */
const struct sb_watch_tag *sb_watch_live__find(struct sb_watch_live *l,
					       const struct sb_conn_rec *r);
void sb_watch_live__free(struct sb_watch_live *l);

/* ---- into the one result model ---- */

/* What the watch was asked, as the result files say it. */
void sb_watch_info_of(const struct sb_watch_opts *o, struct sb_watch_info *info);
/* The kernel-only analysis' options (harness/analysis/kview.h): the filters,
 * and l's PID/COMM tags for the client records (l and info stay alive). */
void sb_watch_kview_opts(const struct sb_watch_opts *o, struct sb_watch_live *l,
			 const struct sb_watch_info *info, struct sb_kview_opts *ko);

/* Adds the ports the calling thread's namespace listens on (TCP, IPv4 and
 * IPv6) to w->ns_listen_ports. 0 or negative errno. */
int sb_watch_listen_ports(struct sb_watch_info *w);

/* ---- the exporter (watch_serve.c) ---- */

struct sb_serve;
struct sb_observe;
struct sb_kfold;

/* The listening socket of --serve, bound in the calling thread's
 * namespace. 0, or negative errno with one line in err (the address in use
 * or not on this host: bad environment). */
int sb_serve__bind(const struct sb_watch_opts *o, struct sb_serve **out, char *err, size_t len);
/* Serves /metrics, / and /healthz while sampling the listeners and pairing
 * the records (fold: the probes' record sink), until a signal or
 * --duration. rd: the watch's (namespace, start, components); ko: its
 * filters for the identities. 0, or negative errno with one line in err. */
int sb_serve__run(struct sb_serve *s, const struct sb_watch_opts *o, struct sb_observe *ob,
		  struct sb_rundata *rd, struct sb_kfold *fold, const struct sb_kview_opts *ko,
		  char *err, size_t len);
void sb_serve__free(struct sb_serve *s); /* NULL ok */

struct sb_optset;
/* The options bench watch --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_watch_optset(void);

#endif
