/* `synbench serve` and `synbench client`: one host's half, on the control
 * channel (remote.h). */
#include "harness/run/remote.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/cli/opts.h"
#include "harness/run/ctl.h"
#include "harness/run/run.h"
#include "harness/run/signals.h"
#include "harness/run/wire.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define MAX_ARGS 512

struct half {
	struct sb_ctl *ctl;
	enum sb_half half;
	int stopped; /* the coordinator said stop */
	int lost;    /* the channel closed */
	uint64_t said_done, said_at; /* the last progress line: count, when */
};

/* The answer to "ping T1": T1 and this host's clock now. */
static void pong(struct half *h, unsigned long long t1)
{
	sb_ctl_send(h->ctl, "pong %llu %llu", t1, (unsigned long long)lg_now_ns());
}

/* One control line while the half runs: ping, stop, or the end of input.
 * Returns 1 when the half must stop. */
static int handle(struct half *h, int timeout_ms)
{
	char line[256];
	unsigned long long t1;
	int e;

	if (!sb_ctl_poll(h->ctl, timeout_ms))
		return 0;
	e = sb_ctl_recv(h->ctl, line, sizeof(line), 5000);
	if (e == -ETIMEDOUT)
		return 0;
	if (e) {
		h->lost = 1;
		return 1;
	}
	if (sscanf(line, "ping %llu", &t1) == 1) {
		pong(h, t1);
		return 0;
	}
	if (strcmp(line, "stop") == 0) {
		h->stopped = 1;
		return 1;
	}
	return 0; /* "start" after the start, or a newer coordinator's extra */
}

/* Control input; a client half also tells its progress, every half second
 * while it changes (the coordinator's progress line counts it). */
static int on_tick(void *ctx, int timeout_ms, uint64_t done)
{
	struct half *h = ctx;
	uint64_t now = lg_now_ns();

	if (h->half == SB_HALF_CLIENT && done != h->said_done && now - h->said_at >= 500000000ull) {
		sb_ctl_send(h->ctl, "progress %llu", (unsigned long long)done);
		h->said_done = done;
		h->said_at = now;
	}
	return handle(h, timeout_ms);
}

/* Ready; a client half then waits for its start time. */
static int on_before_load(void *ctx, struct sb_rundata *rd, char *err, size_t len)
{
	struct half *h = ctx;
	char line[256];
	unsigned long long t;

	if (sb_ctl_send(h->ctl, "ready %d %llu", rd->effective_backlog,
			(unsigned long long)rd->netns_inode)) {
		snprintf(err, len, "the coordinator went away");
		return -EPIPE;
	}
	if (h->half == SB_HALF_SERVER)
		return 0;
	for (;;) {
		int e = sb_ctl_recv(h->ctl, line, sizeof(line), -1);

		if (e) {
			h->lost = 1;
			snprintf(err, len, "the coordinator went away before the start");
			return e;
		}
		if (sscanf(line, "ping %llu", &t) == 1) {
			pong(h, t);
		} else if (sscanf(line, "start %llu", &t) == 1) {
			struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ull),
					      .tv_nsec = (long)(t % 1000000000ull)};

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
			return 0;
		} else if (strcmp(line, "stop") == 0) {
			h->stopped = 1;
			snprintf(err, len, "stopped before the start");
			return -ECANCELED;
		}
	}
}

/* A client half's load is over: say so, then serve pings until stop. */
static void on_after_load(void *ctx, uint64_t done)
{
	struct half *h = ctx;
	uint64_t end = lg_now_ns() + 600ull * 1000000000ull;

	if (!h->stopped) {
		sb_ctl_send(h->ctl, "progress %llu", (unsigned long long)done);
		sb_ctl_send(h->ctl, "done");
	}
	while (!h->stopped && !h->lost && lg_now_ns() < end)
		handle(h, 1000);
}

static int fail(struct sb_ctl *c, const char *msg)
{
	sb_ctl_send(c, "error %s", msg);
	return 2;
}

/* hello, the run's options, setup: the half's options in o. Its own
 * hello goes out whatever the coordinator's said, so that the coordinator
 * names both versions when they differ; then, if they do, an error. */
static int handshake(struct sb_ctl *c, enum sb_half half, struct sb_opts *o, char ***argvp)
{
	char line[SB_CTL_LINE_MAX], host[64] = "?", err[1024];
	char **argv = calloc(MAX_ARGS + 1, sizeof(*argv));
	unsigned long long conns = 0;
	struct sb_wire_hello hello;
	struct utsname un;
	double rate = 0;
	int argc = 1, r;

	*argvp = argv;
	if (!argv)
		return -ENOMEM;
	argv[0] = "synbench";
	if (sb_ctl_recv(c, line, sizeof(line), 60000) || sb_wire_hello_parse(line, 0, &hello))
		return fail(c, "no hello from the coordinator: run this only through "
			       "--server-via/--client-via");
	uname(&un);
	gethostname(host, sizeof(host) - 1);
	/* one printable word each */
	for (char *p = host; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			*p = '?';
	for (char *p = un.release; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			*p = '?';
	sb_ctl_send(c, "hello synbench-ctl %d %s %s %s", SB_CTL_VERSION, SB_VERSION,
		    host[0] ? host : "?", un.release[0] ? un.release : "?");
	if (!sb_wire_hello_same(&hello)) {
		snprintf(err, sizeof(err),
			 "this host runs synbench %s (protocol %d), the coordinator synbench %s "
			 "(protocol %d); install the same synbench on every host",
			 SB_VERSION, SB_CTL_VERSION, hello.version, hello.proto);
		return fail(c, err);
	}
	for (;;) {
		if (sb_ctl_recv(c, line, sizeof(line), 60000))
			return 2;
		if (strncmp(line, "arg ", 4) == 0 && argc < MAX_ARGS) {
			argv[argc] = strdup(line + 4);
			if (!argv[argc++])
				return -ENOMEM;
			continue;
		}
		if (sscanf(line, "setup %llu %lf", &conns, &rate) == 2)
			break;
		return fail(c, "garbled setup from the coordinator");
	}
	r = sb_opts_parse(argc, argv, o, err, sizeof(err));
	if (r)
		return fail(c, r > 0 ? "--help or --version is no run" : err);
	/* the coordinator's namespace, output and terminal are not ours */
	o->netns[0] = 0;
	o->quiet = 1;
	o->json = 0;
	if (half == SB_HALF_CLIENT) {
		o->conns = conns;
		o->rate = rate;
		if (o->concurrency > conns)
			o->concurrency = (uint32_t)conns;
	}
	if (sb_run_preflight(o, err, sizeof(err)))
		return fail(c, err);
	return 0;
}

static void usage(const char *cmd)
{
	printf("usage: synbench %s\n\n"
	       "The %s half of a run across machines, driven over stdin/stdout by\n"
	       "the coordinating host's --%s-via. Not for use by hand:\n"
	       "  bench --server-via 'ssh -T root@srv' --server-addr 198.18.0.1 "
	       "--client-via 'ssh -T root@cli2' --conns 10000\n",
	       cmd, strcmp(cmd, "serve") == 0 ? "server" : "client",
	       strcmp(cmd, "serve") == 0 ? "server" : "client");
}

int sb_remote_main(int argc, char **argv)
{
	struct half h = {.half = strcmp(argv[0], "serve") == 0 ? SB_HALF_SERVER : SB_HALF_CLIENT};
	struct sb_run_hooks hooks = {
		.half = h.half,
		.ctx = &h,
		.before_load = on_before_load,
		.tick = on_tick,
		.after_load = h.half == SB_HALF_CLIENT ? on_after_load : NULL,
	};
	struct sb_rundata rd;
	struct sb_opts o;
	char **args = NULL, err[1024] = "";
	int out, rc;

	if (argc > 1) {
		usage(argv[0]);
		return strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? 0 : 2;
	}
	/* stdout is the channel alone: anything else printed goes to stderr */
	out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	h.ctl = sb_ctl_stdio(out);
	if (!h.ctl)
		return 2;
	rc = handshake(h.ctl, h.half, &o, &args);
	if (rc == 0) {
		hooks.err = err;
		hooks.errlen = sizeof(err);
		if (sb_run_with(&o, &hooks, &rd) != 0) {
			if (!h.lost)
				fail(h.ctl, err[0] ? err : "the run failed");
			rc = 2;
		} else {
			/* a server half ends on stop: interrupted only if the
			 * coordinator went away or a signal came */
			if (h.half == SB_HALF_SERVER)
				rd.interrupted = !h.stopped;
			if (!h.lost) {
				while (!h.stopped && !h.lost)
					handle(&h, 1000);
				if (h.stopped)
					sb_wire_send(h.ctl, &rd);
			}
			sb_rundata_free(&rd);
		}
	}
	for (int i = 1; args && args[i]; i++)
		free(args[i]);
	free(args);
	sb_ctl_close(h.ctl, 0);
	return rc < 0 ? 2 : rc;
}
