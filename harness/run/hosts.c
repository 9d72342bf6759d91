/* The coordinating host of a run across machines (hosts.h). */
#include "harness/run/hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/run/anonfile.h"
#include "harness/run/ctl.h"
#include "harness/run/netns.h"
#include "harness/run/signals.h"
#include "harness/run/wire.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define MAX_REMOTES (1 + SB_MAX_CLIENT_HOSTS)
/* One deadline per phase, for all hosts at once; nothing a host says
 * (progress, pong) moves it. */
#define HELLO_S 10  /* the transport up and synbench answering */
#define READY_S 300 /* loading the probes under emulation: minutes */
#define CLOCK_S 10  /* one host's clock exchanges */
#define RESULTS_S 120 /* stopping, plus 1 s per 10,000 connections moved */
#define PINGS 8
#define LINES_PER_TICK 64 /* what one tick reads of a host during the run */
#define NS 1000000000ull

struct remote {
	struct sb_ctl *ctl;
	struct sb_opts opts; /* the run's, with this host's share: its config.json */
	struct sb_host info; /* info.rd filled by collect */
	int done;	     /* a client half said its load is over */
	uint64_t progress;   /* its finished connections, as it last said */
	uint64_t t_up;	     /* when it was started (the cap of its samples) */
};

struct sb_hosts {
	const struct sb_opts *o;
	struct sb_opts local; /* this host's share */
	struct remote r[MAX_REMOTES];
	int n;
	uint64_t local_share;
	int lost;	   /* a host went away during the run */
	char bad[1024];	   /* a host broke the protocol during the run: the run fails */
};

const struct sb_opts *sb_hosts__local_opts(const struct sb_hosts *h)
{
	return &h->local;
}

/* The last line the transport (ssh, ip netns exec, the half) wrote to its
 * stderr: usually why it failed. Shown printable only. */
static void log_tail(const struct remote *r, char *buf, size_t len)
{
	char tail[300];

	sb_anon_file_tail(r->info.log_fd > 0 ? r->info.log_fd : -1, tail, sizeof(tail));
	sb_wire_printable(buf, len, tail);
}

/* "host NAME (CMD): why; it said: ..." */
static int host_error(const struct remote *r, int e, const char *why, char *err, size_t errlen)
{
	char tail[300];

	log_tail(r, tail, sizeof(tail));
	snprintf(err, errlen, "host %s (%s): %s%s%s", r->info.name, r->info.via, why,
		 tail[0] ? "; it said: " : "", tail);
	return e ? e : -EIO;
}

static int start_remote(struct sb_hosts *hs, struct remote *r, const char *via, const char *verb,
			uint64_t conns, double rate, char *err, size_t errlen)
{
	const struct sb_opts *o = hs->o;
	const char *args[3] = {NULL, NULL, NULL};
	int fd, e;

	snprintf(r->info.via, sizeof(r->info.via), "%s", via);
	for (int i = 1; i < o->argc; i++)
		if (strchr(o->argv[i], '\n'))
			return host_error(r, -EINVAL,
					  "an option holds a newline, which cannot travel to other "
					  "hosts; write it on one line",
					  err, errlen);
	/* what the transport says on stderr: an anonymous file until the
	 * result directory keeps it (hosts/NAME/stderr.log) */
	fd = sb_anon_file();
	if (fd < 0)
		return host_error(r, fd, "cannot make a log file for its command", err, errlen);
	r->info.log_fd = fd;
	r->opts = *o;
	if (conns) { /* a client half: its share */
		r->opts.conns = conns;
		r->opts.rate = rate;
		if (r->opts.concurrency > conns)
			r->opts.concurrency = (uint32_t)conns;
	}
	args[0] = o->remote_bin;
	args[1] = verb;
	r->t_up = lg_now_ns();
	e = sb_ctl_spawn(via, args, r->info.name, fd, &r->ctl);
	if (e)
		return host_error(r, e, "cannot start its command", err, errlen);
	/* a Ctrl-C ends every wait on it */
	sb_ctl_set_stop(r->ctl, &sb_signal_seen);
	/* the trailing 0 lets a protocol 1 half (it wants a layout there)
	 * answer with its versions instead of a garbled hello */
	e = sb_ctl_send(r->ctl, "hello synbench-ctl %d %s 0", SB_CTL_VERSION, SB_VERSION);
	for (int i = 1; i < o->argc && !e; i++)
		e = sb_ctl_send(r->ctl, "arg %s", o->argv[i]);
	if (!e)
		e = sb_ctl_send(r->ctl, "setup %llu %.17g", (unsigned long long)conns, rate);
	r->info.conns_share = conns;
	return e ? host_error(r, e, "its command did not read its input", err, errlen) : 0;
}

static int stopped(const struct remote *r, char *err, size_t errlen)
{
	snprintf(err, errlen, "interrupted while host %s set up, before any load; nothing written",
		 r->info.name);
	return -EINTR;
}

/* Its command ended (or closed its output) before it said anything. */
static int ended(struct remote *r, char *err, size_t errlen)
{
	int st = sb_ctl_close(r->ctl, 2000);

	r->ctl = NULL;
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return host_error(r, -ENOENT,
				  "command not found (is synbench installed there? --remote-bin "
				  "names it)",
				  err, errlen);
	return host_error(r, -EPIPE,
			  "its command ended before synbench answered (check the command, the "
			  "address, the key, and that synbench is installed)",
			  err, errlen);
}

/* An "error TEXT" line: the half's one-line reason, shown printable. */
static int half_error(const struct remote *r, const char *line, char *err, size_t errlen)
{
	char said[300];

	return host_error(r, -EPROTO, sb_wire_printable(said, sizeof(said), line + 6), err,
			  errlen);
}

/* The half's hello by the deadline: synbench, and the same one. */
static int await_hello(struct remote *r, uint64_t deadline, char *err, size_t errlen)
{
	char line[SB_CTL_LINE_MAX], why[512], shown[64];
	struct sb_wire_hello h;
	int e = sb_ctl_recv_until(r->ctl, line, sizeof(line), deadline);

	if (e == -EINTR)
		return stopped(r, err, errlen);
	if (e == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "no answer within %d s", HELLO_S);
		return host_error(r, e, why, err, errlen);
	}
	if (e == -E2BIG || e == -EBADMSG)
		return host_error(r, -EPROTO,
				  e == -E2BIG ? "no synbench hello: a line of 4 KiB or more"
					      : "no synbench hello: a line with a NUL byte",
				  err, errlen);
	if (e)
		return ended(r, err, errlen);
	if (strncmp(line, "error ", 6) == 0)
		return half_error(r, line, err, errlen);
	sb_wire_printable(shown, sizeof(shown), line);
	if (sb_wire_hello_parse(line, 1, &h) != 0) {
		snprintf(why, sizeof(why),
			 "no synbench hello, it said '%s' (does --remote-bin name synbench?)", shown);
		return host_error(r, -EPROTO, why, err, errlen);
	}
	if (!sb_wire_hello_same(&h)) {
		snprintf(why, sizeof(why),
			 "it runs synbench %s (protocol %d), this host synbench %s (protocol %d); "
			 "install the same synbench on every host",
			 h.version, h.proto, SB_VERSION, SB_CTL_VERSION);
		return host_error(r, -EPROTO, why, err, errlen);
	}
	snprintf(r->info.hostname, sizeof(r->info.hostname), "%s", h.host);
	return 0;
}

/* Then ready (or its one-line error) by the deadline. */
static int await_ready(struct remote *r, uint64_t deadline, char *err, size_t errlen)
{
	char line[SB_CTL_LINE_MAX], why[512], shown[64], *w[4];
	uint64_t ino;
	int e = sb_ctl_recv_until(r->ctl, line, sizeof(line), deadline), bl;

	if (e == -EINTR)
		return stopped(r, err, errlen);
	if (e == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "not ready within %d s", READY_S);
		return host_error(r, e, why, err, errlen);
	}
	if (e && e != -E2BIG && e != -EBADMSG)
		return host_error(r, e, "went away during setup", err, errlen);
	if (!e && strncmp(line, "error ", 6) == 0)
		return half_error(r, line, err, errlen);
	sb_wire_printable(shown, sizeof(shown),
			  e == -E2BIG ? "(a line of 4 KiB or more)" : e ? "(a NUL byte)" : line);
	if (e || sb_wire_split(line, w, 3) != 3 || strcmp(w[0], "ready") != 0 ||
	    sb_wire_int(w[1], -1, 0x7fffffff, &bl) || sb_wire_u64(w[2], &ino)) {
		snprintf(why, sizeof(why), "ready expected, it said '%s'", shown);
		return host_error(r, -EPROTO, why, err, errlen);
	}
	r->info.rd.effective_backlog = bl;
	r->info.rd.netns_inode = ino;
	return 0;
}

/* NTP-style: offset = t2 - (t1 + t4) / 2 on the exchange with the
 * shortest round trip; uncertainty: half that round trip. All exchanges
 * within CLOCK_S. */
static int measure_clock(struct remote *r, char *err, size_t errlen)
{
	uint64_t best = UINT64_MAX, deadline = lg_now_ns() + CLOCK_S * NS;

	for (int i = 0; i < PINGS; i++) {
		uint64_t t1 = lg_now_ns(), t4, a, t2;
		char line[256], *w[4];
		int e = sb_ctl_send(r->ctl, "ping %llu", (unsigned long long)t1);

		if (!e)
			e = sb_ctl_recv_until(r->ctl, line, sizeof(line), deadline);
		t4 = lg_now_ns();
		if (e == -EINTR)
			return stopped(r, err, errlen);
		if (e || sb_wire_split(line, w, 3) != 3 || strcmp(w[0], "pong") != 0 ||
		    sb_wire_u64(w[1], &a) || sb_wire_u64(w[2], &t2) || a != t1)
			return host_error(r, e ? e : -EPROTO, "no clock exchange", err, errlen);
		if (t4 - t1 < best) {
			best = t4 - t1;
			r->info.clock_offset_ns = (int64_t)(t2 - (t1 + t4) / 2);
			r->info.clock_uncertainty_ns = (int64_t)(best / 2);
		}
	}
	return 0;
}

int sb_hosts__open(const struct sb_opts *o, struct sb_hosts **out, char *err, size_t errlen)
{
	struct sb_hosts *hs = calloc(1, sizeof(*hs));
	int nclients = 1 + o->nclient_via, e = 0;
	uint64_t deadline;

	*out = NULL;
	if (!hs)
		return -ENOMEM;
	signal(SIGPIPE, SIG_IGN);
	/* the transports (ssh ...) reach the other hosts from where this
	 * host's half runs: --netns first */
	if (o->netns[0] && (e = sb_netns_join(o->netns)) != 0) {
		snprintf(err, errlen,
			 "cannot enter network namespace '%s' (%s); create it with 'ip netns add %s' "
			 "or check 'ip netns list'",
			 o->netns, strerror(-e), o->netns);
		free(hs);
		return e;
	}
	hs->o = o;
	hs->local = *o;
	/* the connections and the rate split evenly; this host takes the
	 * remainder's first share */
	hs->local_share = o->conns / (uint64_t)nclients + (o->conns % (uint64_t)nclients ? 1 : 0);
	hs->local.conns = hs->local_share;
	hs->local.rate = o->rate / nclients;
	if (hs->local.concurrency > hs->local.conns)
		hs->local.concurrency = (uint32_t)hs->local.conns;
	snprintf(hs->r[0].info.name, sizeof(hs->r[0].info.name), "server");
	hs->r[0].info.role = SB_HOST_SERVER;
	e = start_remote(hs, &hs->r[0], o->server_via, "serve", 0, 0, err, errlen);
	hs->n = 1;
	for (int i = 0; i < o->nclient_via && !e; i++) {
		struct remote *r = &hs->r[hs->n++];
		uint64_t share = o->conns / (uint64_t)nclients +
				 ((uint64_t)(i + 1) < o->conns % (uint64_t)nclients ? 1 : 0);

		snprintf(r->info.name, sizeof(r->info.name), "client%d", i + 1);
		r->info.role = SB_HOST_CLIENT;
		e = start_remote(hs, r, o->client_via[i], "client", share, o->rate / nclients, err,
				 errlen);
	}
	deadline = lg_now_ns() + HELLO_S * NS;
	for (int i = 0; i < hs->n && !e; i++)
		e = await_hello(&hs->r[i], deadline, err, errlen);
	deadline = lg_now_ns() + READY_S * NS;
	for (int i = 0; i < hs->n && !e; i++)
		e = await_ready(&hs->r[i], deadline, err, errlen);
	for (int i = 0; i < hs->n && !e; i++)
		e = measure_clock(&hs->r[i], err, errlen);
	if (e) {
		sb_hosts__free(hs);
		return e;
	}
	if (!o->quiet && !o->json)
		for (int i = 0; i < hs->n; i++)
			sb_error("host %s (%s): ready, clock offset %+.3f ms +- %.3f ms", hs->r[i].info.name,
				 hs->r[i].info.hostname, hs->r[i].info.clock_offset_ns / 1e6,
				 hs->r[i].info.clock_uncertainty_ns / 1e6);
	*out = hs;
	return 0;
}

/* One line a half said during the load: its progress, done, or its end. */
static void heard(struct sb_hosts *hs, struct remote *r, char *line)
{
	char shown[64], *w[4];
	uint64_t v;
	int n;

	if (strncmp(line, "error ", 6) == 0) {
		r->info.lost = 1;
		hs->lost = 1;
		sb_error("host %s (%s) went away during the run (it said: %s); the run ends as "
			 "interrupted",
			 r->info.name, r->info.via, sb_wire_printable(shown, sizeof(shown), line + 6));
		return;
	}
	sb_wire_printable(shown, sizeof(shown), line);
	n = sb_wire_split(line, w, 3);
	if (n == 1 && strcmp(w[0], "done") == 0 && r->info.role == SB_HOST_CLIENT)
		r->done = 1;
	else if (n == 2 && strcmp(w[0], "progress") == 0 && r->info.role == SB_HOST_CLIENT &&
		 !sb_wire_u64(w[1], &v) && v <= r->opts.conns)
		r->progress = v;
	else if (n >= 1 && strcmp(w[0], "pong") == 0)
		; /* a late answer */
	else if (!hs->bad[0])
		snprintf(hs->bad, sizeof(hs->bad), "host %s (%s): broke the protocol during the run: "
			 "it said '%s'", r->info.name, r->info.via, shown);
}

/* Reads what a half says while the load runs, a bounded number of lines a
 * tick: done, progress, or its end. */
static void drain(struct sb_hosts *hs, struct remote *r)
{
	char line[SB_CTL_LINE_MAX];

	for (int i = 0; i < LINES_PER_TICK && r->ctl && !r->info.lost && !hs->bad[0]; i++) {
		int e;

		if (!sb_ctl_poll(r->ctl, 0))
			return;
		e = sb_ctl_recv_until(r->ctl, line, sizeof(line), lg_now_ns() + NS);
		if (e == -ETIMEDOUT || e == -EINTR)
			return;
		if (e == -E2BIG || e == -EBADMSG) {
			snprintf(hs->bad, sizeof(hs->bad), "host %s (%s): broke the protocol during "
				 "the run: %s", r->info.name, r->info.via,
				 e == -E2BIG ? "a line of 4 KiB or more" : "a line with a NUL byte");
			return;
		}
		if (e) {
			r->info.lost = 1;
			hs->lost = 1;
			sb_error("host %s (%s) went away during the run; the run ends as "
				 "interrupted",
				 r->info.name, r->info.via);
			return;
		}
		heard(hs, r, line);
	}
}

static int on_tick(void *ctx, int timeout_ms, uint64_t done)
{
	struct sb_hosts *hs = ctx;
	struct timespec t = {0, (long)timeout_ms * 1000000L};

	(void)done;
	for (int i = 0; i < hs->n; i++)
		drain(hs, &hs->r[i]);
	nanosleep(&t, NULL);
	return hs->lost || hs->bad[0];
}

/* Every client host starts at the same instant, each in its own clock. */
static int on_before_load(void *ctx, struct sb_rundata *rd, char *err, size_t len)
{
	struct sb_hosts *hs = ctx;
	uint64_t lead = 300000000ull, t0;
	struct timespec ts;

	(void)rd;
	for (int i = 0; i < hs->n; i++)
		if (8 * (uint64_t)hs->r[i].info.clock_uncertainty_ns > lead)
			lead = 8 * (uint64_t)hs->r[i].info.clock_uncertainty_ns; /* 4 round trips */
	t0 = lg_now_ns() + lead;
	for (int i = 0; i < hs->n; i++) {
		struct remote *r = &hs->r[i];

		if (r->info.role == SB_HOST_CLIENT &&
		    sb_ctl_send(r->ctl, "start %llu",
				(unsigned long long)(int64_t)(t0 + (uint64_t)r->info.clock_offset_ns)))
			return host_error(r, -EPIPE, "went away before the start", err, len);
	}
	ts.tv_sec = (time_t)(t0 / NS);
	ts.tv_nsec = (long)(t0 % NS);
	/* a signal ends the wait: the run then stops at once */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
	       !sb_stop_requested)
		;
	return 0;
}

/* The other client hosts: their progress, their shares, how many still run
 * (neither done nor lost, and the run not ended by a lost host). */
static int on_others(void *ctx, uint64_t *done, uint64_t *conns)
{
	struct sb_hosts *hs = ctx;
	int running = 0;

	*done = *conns = 0;
	for (int i = 0; i < hs->n; i++) {
		const struct remote *r = &hs->r[i];

		if (r->info.role != SB_HOST_CLIENT)
			continue;
		*done += r->progress;
		*conns += r->opts.conns;
		running += !r->done && !r->info.lost && !hs->lost && !hs->bad[0];
	}
	return running;
}

void sb_hosts__hooks(struct sb_hosts *h, struct sb_run_hooks *hooks)
{
	memset(hooks, 0, sizeof(*hooks));
	hooks->half = SB_HALF_CLIENT;
	hooks->ctx = h;
	hooks->before_load = on_before_load;
	hooks->tick = on_tick;
	hooks->others = on_others;
}

/* The bound on collecting every host's results: RESULTS_S plus a second
 * per 10,000 connections of the run; SYNBENCH_RESULTS_TIMEOUT (seconds)
 * overrides it (the tests' hostile peers). */
static uint64_t results_s(const struct sb_opts *o)
{
	const char *env = getenv("SYNBENCH_RESULTS_TIMEOUT");
	uint64_t s;

	if (env && sb_wire_u64(env, &s) == 0 && s >= 1 && s <= 86400)
		return s;
	return RESULTS_S + o->conns / 10000;
}

/* One host's results into r->info.rd by the deadline. 0; -EINTR (a
 * signal); -EPIPE or -EREMOTEIO (it went away, or said why: lost, the run
 * ends interrupted); else the run fails with one line in err. */
static int collect_one(struct sb_hosts *hs, struct remote *r, uint64_t deadline, uint64_t secs,
		       char *err, size_t errlen)
{
	struct sb_wire_expect x = {
		.server = r->info.role == SB_HOST_SERVER,
		.conns = r->info.role == SB_HOST_SERVER ? hs->o->conns : r->opts.conns,
		.run_ns = lg_now_ns() - r->t_up,
		.sample_us = hs->o->sample_us,
	};
	char why[512], msg[700];
	int e = sb_wire_recv(r->ctl, &x, &r->opts, &r->info.rd, deadline, why, sizeof(why));

	if (e == 0 || e == -EINTR)
		return e;
	if (e == -EPIPE || e == -EREMOTEIO) {
		sb_error("host %s (%s): %s%s; its records are left out and the run ends as "
			 "interrupted",
			 r->info.name, r->info.via,
			 e == -EPIPE ? "the connection closed before all results came" : "it said: ",
			 e == -EPIPE ? "" : why);
		return e;
	}
	if (e == -ETIMEDOUT)
		snprintf(msg, sizeof(msg), "no results within %llu s%s%s", (unsigned long long)secs,
			 why[0] ? ": " : "", why);
	else if (e == -EPROTO)
		snprintf(msg, sizeof(msg), "results refused: %s", why);
	else
		snprintf(msg, sizeof(msg), "results not received (%s)", strerror(-e));
	return host_error(r, e, msg, err, errlen);
}

int sb_hosts__collect(struct sb_hosts *hs, struct sb_rundata *local, struct sb_rundata *rd,
		      char *err, size_t errlen)
{
	struct sb_host *all = calloc((size_t)hs->n + 1, sizeof(*all));
	uint64_t secs = results_s(hs->o), deadline;
	int interrupted = 0, e = 0;
	size_t k = 1;

	if (!all) {
		sb_rundata_free(local);
		return -ENOMEM;
	}
	/* this host first (client0), its record is the local run */
	snprintf(all[0].name, sizeof(all[0].name), "client0");
	all[0].role = SB_HOST_CLIENT;
	all[0].conns_share = hs->local_share;
	gethostname(all[0].hostname, sizeof(all[0].hostname) - 1);
	all[0].rd = *local;
	memset(local, 0, sizeof(*local));
	if (hs->bad[0]) {
		snprintf(err, errlen, "%s", hs->bad);
		e = -EPROTO;
		goto out;
	}
	for (int i = 0; i < hs->n; i++)
		if (hs->r[i].ctl && !hs->r[i].info.lost) {
			sb_ctl_send(hs->r[i].ctl, "stop");
			/* from now on, a Ctrl-C stops the collection */
			sb_ctl_set_stop(hs->r[i].ctl, &sb_signal_seen);
		}
	deadline = lg_now_ns() + secs * NS;
	/* client hosts, then the server: hosts[] in that order */
	for (int pass = 0; pass < 2 && !e; pass++)
		for (int i = 0; i < hs->n && !e; i++) {
			struct remote *r = &hs->r[i];
			int got = -1;

			if ((r->info.role == SB_HOST_SERVER) != pass)
				continue;
			if (r->ctl && !r->info.lost && !interrupted)
				got = collect_one(hs, r, deadline, secs, err, errlen);
			if (got == -EINTR) {
				interrupted = 1;
				sb_error("interrupted while collecting the results of host %s (%s); "
					 "what came is written, the rest left out",
					 r->info.name, r->info.via);
			} else if (got != 0 && got != -1 && got != -EPIPE && got != -EREMOTEIO) {
				/* refused: the run fails; that half ends now */
				sb_ctl_close(r->ctl, 1000);
				r->ctl = NULL;
				e = got;
				break;
			}
			if (got != 0) {
				r->info.lost = 1;
				sb_rundata_free(&r->info.rd);
				memset(&r->info.rd, 0, sizeof(r->info.rd));
				r->info.rd.opts = &r->opts;
				r->info.rd.effective_backlog = -1;
			}
			/* a half that sent everything ends as its input closes */
			sb_ctl_close(r->ctl, got == 0 ? 10000 : 1000);
			r->ctl = NULL;
			all[k++] = r->info;
			memset(&r->info, 0, sizeof(r->info));
		}
out:
	if (e) {
		for (size_t i = 0; i < k; i++) {
			if (i && all[i].log_fd > 0)
				close(all[i].log_fd);
			sb_rundata_free(&all[i].rd);
		}
		free(all);
		return e;
	}
	e = sb_hosts_merge(hs->o, all, k, rd);
	rd->interrupted |= interrupted;
	return e;
}

void sb_hosts__free(struct sb_hosts *hs)
{
	if (!hs)
		return;
	for (int i = 0; i < hs->n; i++) {
		sb_ctl_close(hs->r[i].ctl, 5000);
		if (hs->r[i].info.log_fd > 0)
			close(hs->r[i].info.log_fd);
		sb_rundata_free(&hs->r[i].info.rd);
	}
	free(hs);
}
