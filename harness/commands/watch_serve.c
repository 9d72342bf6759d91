/* bench watch --serve: the watch as a Prometheus exporter. The probes'
 * records go to the fold (harness/analysis/kfold.h) as they arrive and are
 * dropped; this loop samples the listeners and runs the pairing passes; an
 * embedded HTTP server (libmicrohttpd, its own thread) serializes the
 * result at each request (harness/output/metrics.h). Nothing grows with
 * the connections seen: memory and CPU stay flat for days. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "harness/commands/watch.h"
#include "harness/analysis/kfold.h"
#include "harness/cli/msg.h"
#include "harness/output/metrics.h"
#include "harness/run/mib.h"
#include "harness/run/observe.h"
#include "harness/run/probes.h"
#include "harness/run/signals.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define SB_SERVE_SAMPLES 256 /* listeners read per sampling pass */

struct sb_serve {
	int fd; /* the listening socket until the server owns it */
	struct MHD_Daemon *d;
	pthread_mutex_t mu; /* the probes' sampler and the scrape's rundata */
	struct sb_probes *probes;
	struct sb_kfold *fold;
	const struct sb_kview_opts *ko;
	const struct sb_rundata *watch_rd;
	struct sb_rundata rd; /* what a scrape reads: counters, drops, histograms, MIB */
	struct sb_mib_snap *mib0;
	struct sb_listen_sample samples[SB_SERVE_SAMPLES];
	uint64_t scrapes, lost_samples;
	double started_unix_s;
	int stopping;
	_Atomic uint64_t loop_ns;	/* when the sampling loop last ran */
	uint64_t stall_ns;		/* /healthz fails when it has not run for this long */
};

int sb_serve__bind(const struct sb_watch_opts *o, struct sb_serve **out, char *err, size_t len)
{
	struct sb_serve *s = calloc(1, sizeof(*s));
	int one = 1, e;

	*out = NULL;
	if (!s)
		return sb_errf(err, len, -ENOMEM, "watch: out of memory");
	pthread_mutex_init(&s->mu, NULL);
	s->fd = socket(o->serve_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (const struct sockaddr *)&o->serve_addr, o->serve_addrlen) ||
	    listen(s->fd, 64)) {
		e = -errno;
		sb_serve__free(s);
		return sb_errf(err, len, e, "watch: --serve %s: cannot listen there (%s)%s",
			       o->serve, strerror(-e),
			       e == -EADDRINUSE	     ? "; choose another port"
			       : e == -EADDRNOTAVAIL ? "; the address is not one of this "
						       "namespace's (ip addr)"
						     : "");
	}
	*out = s;
	return 0;
}

void sb_serve__free(struct sb_serve *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d); /* closes the listening socket */
	else if (s->fd >= 0)
		close(s->fd);
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		free((void *)s->rd.drop_names[i]);
	free(s->rd.hists);
	free(s->rd.mib);
	sb_mib_snap__free(s->mib0);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ---- a scrape ---- */

static void sample_listeners(struct sb_serve *s)
{
	int n;

	if (!sb_probes__components(s->probes)->c[SB_COMP_LISTENER_SAMPLER].mode)
		return;
	n = sb_probes__sample(s->probes, s->samples, SB_SERVE_SAMPLES);
	if (n < 0)
		s->lost_samples++;
	else
		sb_kfold__listeners(s->fold, s->samples, (size_t)n);
}

static uint64_t rss_bytes(void)
{
	unsigned long long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%llu %llu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The result now, serialized by write (metrics or the page) into a
 * malloc'ed buffer. 0 or negative errno. */
static int render(struct sb_serve *s,
		  int (*write)(FILE *, const struct sb_rundata *, const struct sb_result *),
		  char **buf, size_t *n)
{
	struct sb_mib_snap *now = NULL;
	struct sb_result *res = NULL;
	struct rusage ru;
	FILE *f;
	int e;

	pthread_mutex_lock(&s->mu);
	sample_listeners(s);
	e = sb_probes__peek(s->probes, &s->rd);
	s->rd.lost_samples = s->lost_samples;
	s->rd.t_end_ns = lg_now_ns();
	free(s->rd.mib);
	s->rd.mib = NULL;
	s->rd.nmib = 0;
	if (!e && sb_mib_snap__read(&now) == 0)
		sb_mib_deltas(s->mib0, now, &s->rd.mib, &s->rd.nmib);
	sb_mib_snap__free(now);
	if (!e)
		e = sb_kfold__result(s->fold, &s->rd, s->ko, &res);
	s->scrapes++;
	pthread_mutex_unlock(&s->mu);
	if (e)
		return e;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		res->live->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
				   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	res->live->rss_bytes = rss_bytes();
	res->live->started_unix_s = s->started_unix_s;
	res->live->uptime_s = res->duration_s;
	f = open_memstream(buf, n);
	e = f ? write(f, &s->rd, res) : -ENOMEM;
	if (f && fclose(f) && !e)
		e = -EIO;
	sb_result__free(res);
	if (e && f) {
		free(*buf);
		*buf = NULL;
	}
	return e;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t n, int owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    n, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define TEXT(s) (char *)(s), sizeof(s) - 1, 0

/* GET or HEAD of /metrics, /, /healthz; nothing else, no request body. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct sb_serve *s = cls;
	char *buf = NULL;
	size_t n = 0;
	int metrics = strcmp(url, "/metrics") == 0, page = strcmp(url, "/") == 0;

	(void)version;
	(void)upload;
	if (!*req) { /* the headers: answer once they are all here */
		*req = s;
		return MHD_YES;
	}
	if (*upload_len)
		return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain", TEXT("no request body\n"));
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", TEXT("GET or HEAD\n"));
	if (strcmp(url, "/healthz") == 0) {
		if (s->stopping)
			return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     TEXT("stopping\n"));
		/* the loop that samples the listeners and pairs the records */
		if (lg_now_ns() - s->loop_ns > s->stall_ns)
			return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     TEXT("stalled: the sampling loop has not run for seconds\n"));
		return reply(c, MHD_HTTP_OK, "text/plain", TEXT("ok\n"));
	}
	if (!metrics && !page)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
			     TEXT("not found: /metrics, / or /healthz\n"));
	if (render(s, metrics ? sb_metrics_text : sb_metrics_html, &buf, &n))
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
			     TEXT("cannot read the probes now\n"));
	return reply(c, MHD_HTTP_OK, metrics ? SB_METRICS_CONTENT_TYPE : "text/html; charset=utf-8",
		     buf, n, 1);
}

/* ---- the loop ---- */

static void sleep_until(uint64_t t)
{
	uint64_t now = lg_now_ns();
	struct timespec ts;

	if (t <= now)
		return;
	ts.tv_sec = (time_t)((t - now) / 1000000000ull);
	ts.tv_nsec = (long)((t - now) % 1000000000ull);
	nanosleep(&ts, NULL); /* a signal ends it early: the loop looks at the flag */
}

/* One pairing pass: the sockets the kernel tracks now, then every record
 * it had sent before them read (the consumer drains every 10 ms), then
 * the waiting ends decided. */
static void pairing_pass(struct sb_serve *s)
{
	uint64_t stamp = lg_now_ns();

	sb_kfold__pass_begin(s->fold);
	sb_probes__tracked(s->probes, sb_kfold__pass_live, s->fold);
	sleep_until(lg_now_ns() + 50 * 1000000ull);
	sb_kfold__pass_end(s->fold, stamp);
}

/* What the exporter saw, said once at the end (stderr). */
static void closing_line(struct sb_serve *s)
{
	struct sb_result *res = NULL;

	if (sb_probes__peek(s->probes, &s->rd) || sb_kfold__result(s->fold, &s->rd, s->ko, &res))
		return;
	sb_error("served %llu scrapes; client sockets %llu (%llu handshakes), server "
		 "children %llu; lost events %llu",
		 (unsigned long long)s->scrapes, (unsigned long long)res->live->sockets[0],
		 (unsigned long long)res->watch.handshakes,
		 (unsigned long long)res->live->sockets[1],
		 (unsigned long long)res->rec.lost_events);
	sb_result__free(res);
}

int sb_serve__run(struct sb_serve *s, const struct sb_watch_opts *o, struct sb_observe *ob,
		  struct sb_rundata *rd, struct sb_kfold *fold, const struct sb_kview_opts *ko,
		  char *err, size_t len)
{
	const uint64_t second = 1000000000ull, period = (uint64_t)o->sample_us * 1000;
	uint64_t t0 = rd->t_start_ns, end, next_sample, next_second;
	int rescan;

	s->probes = sb_observe__probes(ob);
	s->fold = fold;
	s->ko = ko;
	s->watch_rd = rd;
	s->rd.watch = rd->watch;
	s->rd.netns_inode = rd->netns_inode;
	s->rd.components = *sb_probes__components(s->probes);
	s->rd.t_start_ns = t0;
	s->rd.bpf_stats_on = rd->bpf_stats_on;
	s->started_unix_s = (double)time(NULL);
	/* a pass may take a pairing pass's 50 ms and a slow sample: 5 s or ten
	 * periods without one is a stall */
	s->stall_ns = period * 10 > 5 * second ? period * 10 : 5 * second;
	s->loop_ns = lg_now_ns();
	s->rd.hists = calloc((size_t)SB_H_DWELL * SB_HIST_BUCKETS, sizeof(uint64_t));
	if (!s->rd.hists || sb_mib_snap__read(&s->mib0))
		return sb_errf(err, len, -ENOMEM,
			       "watch: cannot read the namespace's counters (/proc/net/netstat)");
	rescan = sb_probes__components(s->probes)->c[SB_COMP_LISTENER_SAMPLER].mode ==
		 SB_MODE_SK_STORAGE_ITER;
	/* the baseline of the listeners' drops, before anyone scrapes */
	pthread_mutex_lock(&s->mu);
	sample_listeners(s);
	pthread_mutex_unlock(&s->mu);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				    (o->serve_addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT,
				10u, MHD_OPTION_END);
	if (!s->d)
		return sb_errf(err, len, -EIO, "watch: --serve %s: the HTTP server did not start",
			       o->serve);
	s->fd = -1;
	if (!o->serve_loopback)
		sb_error("watch: serving on %s, not a loopback address: whoever reaches it reads "
			 "the metrics",
			 o->serve);
	/* said even with --quiet: scripts wait for it before scraping */
	sb_error("serving http://%s/metrics", o->serve);
	fflush(stderr);
	end = o->duration_s > 0 ? t0 + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
	next_sample = t0 + period;
	next_second = t0 + second;
	while (!sb_stop_requested && lg_now_ns() < end) {
		uint64_t now;

		sleep_until(next_sample < end ? next_sample : end);
		now = lg_now_ns();
		s->loop_ns = now;
		if (sb_stop_requested || now >= end)
			break;
		if (now >= next_sample) {
			pthread_mutex_lock(&s->mu);
			sample_listeners(s);
			pthread_mutex_unlock(&s->mu);
			next_sample += period;
			if (next_sample < now) /* fell behind: no burst to catch up */
				next_sample = now + period;
		}
		if (now < next_second)
			continue;
		next_second = now + second;
		if (rescan) {
			pthread_mutex_lock(&s->mu);
			sb_probes__find_listeners(s->probes);
			pthread_mutex_unlock(&s->mu);
		}
		if (sb_kfold__due(fold, now))
			pairing_pass(s);
	}
	s->stopping = 1;
	MHD_stop_daemon(s->d); /* waits for a scrape under way; closes the socket */
	s->d = NULL;
	rd->interrupted = sb_stop_requested && o->duration_s > 0;
	closing_line(s);
	return 0;
}
