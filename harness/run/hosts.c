/* The coordinating host of a run across machines (hosts.h). */
#include "harness/run/hosts.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/run/ctl.h"
#include "harness/run/netns.h"
#include "harness/run/signals.h"
#include "harness/run/wire.h"

#define MAX_REMOTES (1 + SB_MAX_CLIENT_HOSTS)
#define READY_TIMEOUT_MS 300000 /* loading the probes under emulation: minutes */
#define PINGS 8

struct remote {
	struct sb_ctl *ctl;
	struct sb_opts opts; /* the run's, with this host's share: its config.json */
	struct sb_host info; /* info.rd filled by collect */
	int done;	     /* a client half said its load is over */
	uint64_t progress;   /* its finished connections, as it last said */
};

struct sb_hosts {
	const struct sb_opts *o;
	struct sb_opts local; /* this host's share */
	struct remote r[MAX_REMOTES];
	int n;
	uint64_t local_share;
	int lost; /* a host went away during the run */
};

const struct sb_opts *sb_hosts__local_opts(const struct sb_hosts *h)
{
	return &h->local;
}

/* The last line the transport (ssh, ip netns exec, the half) wrote to its
 * stderr: usually why it failed. */
static void log_tail(const struct remote *r, char *buf, size_t len)
{
	char all[8192];
	ssize_t n;
	int fd = open(r->info.log, O_RDONLY | O_CLOEXEC);
	char *end, *start;

	buf[0] = 0;
	if (fd < 0)
		return;
	n = pread(fd, all, sizeof(all) - 1, 0);
	close(fd);
	if (n <= 0)
		return;
	all[n] = 0;
	end = all + n;
	while (end > all && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	start = strrchr(all, '\n');
	start = start ? start + 1 : all;
	n = (ssize_t)strlen(start);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(buf, start, (size_t)n);
	buf[n] = 0;
}

/* "host NAME (CMD): why; the transport said: ..." */
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
	char cmd[1024];
	int fd, e;

	snprintf(r->info.via, sizeof(r->info.via), "%s", via);
	for (int i = 1; i < o->argc; i++)
		if (strchr(o->argv[i], '\n'))
			return host_error(r, -EINVAL,
					  "an option holds a newline, which cannot travel to other "
					  "hosts; write it on one line",
					  err, errlen);
	snprintf(r->info.log, sizeof(r->info.log), "/tmp/synbench-host-XXXXXX");
	fd = mkstemp(r->info.log);
	if (fd < 0) {
		r->info.log[0] = 0;
		return host_error(r, -errno, "cannot make a temporary log file in /tmp", err,
				  errlen);
	}
	r->opts = *o;
	if (conns) { /* a client half: its share */
		r->opts.conns = conns;
		r->opts.rate = rate;
		if (r->opts.concurrency > conns)
			r->opts.concurrency = (uint32_t)conns;
	}
	snprintf(cmd, sizeof(cmd), "%s %s %s", via, o->remote_bin, verb);
	e = sb_ctl_spawn(cmd, r->info.name, fd, &r->ctl);
	close(fd);
	if (e)
		return host_error(r, e, "cannot start its command", err, errlen);
	e = sb_ctl_send(r->ctl, "hello synbench-ctl %d %s %lu", SB_CTL_VERSION, SB_VERSION,
			(unsigned long)SB_WIRE_LAYOUT);
	for (int i = 1; i < o->argc && !e; i++)
		e = sb_ctl_send(r->ctl, "arg %s", o->argv[i]);
	if (!e)
		e = sb_ctl_send(r->ctl, "setup %llu %.17g", (unsigned long long)conns, rate);
	r->info.conns_share = conns;
	return e ? host_error(r, e, "its command did not read its input", err, errlen) : 0;
}

/* A line within timeout_ms, in short slices so that a Ctrl-C while the
 * hosts set up ends the wait (-EINTR). */
static int recv_or_stop(struct remote *r, char *line, size_t len, int timeout_ms)
{
	uint64_t end = sb_ctl_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int e;

	do {
		if (sb_stop_requested)
			return -EINTR;
		e = sb_ctl_recv(r->ctl, line, len, 200);
	} while (e == -ETIMEDOUT && sb_ctl_now_ns() < end);
	return e;
}

/* The half's hello, then ready (or its one-line error). */
static int await_ready(struct remote *r, char *err, size_t errlen)
{
	char line[4096], ver[64], host[64], kernel[128];
	unsigned long layout;
	int v, bl, e;
	unsigned long long ino;

	e = recv_or_stop(r, line, sizeof(line), 60000);
	if (e == -EINTR)
		goto stopped;
	if (e == 0 && strncmp(line, "error ", 6) == 0)
		return host_error(r, -EPROTO, line + 6, err, errlen);
	if (e == 0 && sscanf(line, "hello synbench-ctl %d %63s %lu %63s %127s", &v, ver, &layout,
			     host, kernel) == 5) {
		snprintf(r->info.hostname, sizeof(r->info.hostname), "%s", host);
	} else if (e == -ETIMEDOUT) {
		return host_error(r, e, "no answer within 60 s", err, errlen);
	} else {
		int st = sb_ctl_close(r->ctl, 2000);

		r->ctl = NULL;
		if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			return host_error(r, -ENOENT,
					  "command not found (is synbench installed there? "
					  "--remote-bin names it)",
					  err, errlen);
		return host_error(r, -EPIPE,
				  "its command ended before synbench answered (check the "
				  "command, the address, the key, and that synbench is installed)",
				  err, errlen);
	}
	e = recv_or_stop(r, line, sizeof(line), READY_TIMEOUT_MS);
	if (e == -EINTR)
		goto stopped;
	if (e == 0 && strncmp(line, "error ", 6) == 0)
		return host_error(r, -EPROTO, line + 6, err, errlen);
	if (e || sscanf(line, "ready %d %llu", &bl, &ino) != 2)
		return host_error(r, e ? e : -EPROTO,
				  e == -ETIMEDOUT ? "not ready within 300 s" : "went away during setup",
				  err, errlen);
	r->info.rd.effective_backlog = bl;
	r->info.rd.netns_inode = ino;
	return 0;
stopped:
	snprintf(err, errlen, "interrupted while host %s set up, before any load; nothing written",
		 r->info.name);
	return -EINTR;
}

/* NTP-style: offset = t2 - (t1 + t4) / 2 on the exchange with the
 * shortest round trip; uncertainty: half that round trip. */
static int measure_clock(struct remote *r, char *err, size_t errlen)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < PINGS; i++) {
		uint64_t t1 = sb_ctl_now_ns(), t4;
		unsigned long long a, t2;
		char line[256];
		int e = sb_ctl_send(r->ctl, "ping %llu", (unsigned long long)t1);

		if (!e)
			e = sb_ctl_recv(r->ctl, line, sizeof(line), 10000);
		t4 = sb_ctl_now_ns();
		if (e || sscanf(line, "pong %llu %llu", &a, &t2) != 2 || a != t1)
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
	for (int i = 0; i < hs->n && !e; i++)
		e = await_ready(&hs->r[i], err, errlen);
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

/* Reads what a half says while the load runs: done, or its end. */
static void drain(struct sb_hosts *hs, struct remote *r)
{
	char line[256];

	while (r->ctl && !r->info.lost && sb_ctl_poll(r->ctl, 0)) {
		int e = sb_ctl_recv(r->ctl, line, sizeof(line), 1000);

		if (e == -ETIMEDOUT)
			return;
		if (e) {
			r->info.lost = 1;
			hs->lost = 1;
			sb_error("host %s (%s) went away during the run; the run ends as "
				 "interrupted",
				 r->info.name, r->info.via);
			return;
		}
		if (strcmp(line, "done") == 0)
			r->done = 1;
		else
			sscanf(line, "progress %" SCNu64, &r->progress);
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
	return hs->lost;
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
	t0 = sb_ctl_now_ns() + lead;
	for (int i = 0; i < hs->n; i++) {
		struct remote *r = &hs->r[i];

		if (r->info.role == SB_HOST_CLIENT &&
		    sb_ctl_send(r->ctl, "start %llu",
				(unsigned long long)(int64_t)(t0 + (uint64_t)r->info.clock_offset_ns)))
			return host_error(r, -EPIPE, "went away before the start", err, len);
	}
	ts.tv_sec = (time_t)(t0 / 1000000000ull);
	ts.tv_nsec = (long)(t0 % 1000000000ull);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
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
		running += !r->done && !r->info.lost && !hs->lost;
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

int sb_hosts__collect(struct sb_hosts *hs, struct sb_rundata *local, struct sb_rundata *rd)
{
	struct sb_host *all = calloc((size_t)hs->n + 1, sizeof(*all));
	size_t k = 0;
	int e;

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
	k = 1;
	for (int i = 0; i < hs->n; i++)
		if (hs->r[i].ctl && !hs->r[i].info.lost)
			sb_ctl_send(hs->r[i].ctl, "stop");
	/* client hosts, then the server: hosts[] in that order */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < hs->n; i++) {
			struct remote *r = &hs->r[i];
			char err[512] = "";

			if ((r->info.role == SB_HOST_SERVER) != pass)
				continue;
			if (!r->ctl || r->info.lost ||
			    sb_wire_recv(r->ctl, &r->opts, &r->info.rd, READY_TIMEOUT_MS, err,
					 sizeof(err)) != 0) {
				if (!r->info.lost)
					sb_error("host %s (%s): %s; its records are left out and the "
						 "run ends as interrupted",
						 r->info.name, r->info.via, err[0] ? err : "lost");
				r->info.lost = 1;
				sb_rundata_free(&r->info.rd);
				memset(&r->info.rd, 0, sizeof(r->info.rd));
				r->info.rd.opts = &r->opts;
				r->info.rd.effective_backlog = -1;
			}
			sb_ctl_close(r->ctl, 10000);
			r->ctl = NULL;
			all[k] = r->info;
			memset(&r->info, 0, sizeof(r->info));
			k++;
		}
	e = sb_hosts_merge(hs->o, all, k, rd);
	return e;
}

void sb_hosts__free(struct sb_hosts *hs)
{
	if (!hs)
		return;
	for (int i = 0; i < hs->n; i++) {
		sb_ctl_close(hs->r[i].ctl, 5000);
		if (hs->r[i].info.log[0])
			unlink(hs->r[i].info.log);
		sb_rundata_free(&hs->r[i].info.rd);
	}
	free(hs);
}
