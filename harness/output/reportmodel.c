/* The report model (reportmodel.h): summary.json, config.json and the CSVs of a result directory, read once. */
#include "harness/output/reportmodel.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/output/plotdata.h"
#include "harness/cli/stop.h"

/* ---- summary.json access ---- */

double sb_report_jnum(const json_t *root, const char *path)
{
	double v;

	return sb_jget_double(sb_jget_path(root, path), &v) == 0 ? v : NAN;
}

/* -1 when absent or null */
int64_t sb_report_jint(const json_t *root, const char *path)
{
	int64_t v;

	return sb_jget_int64(sb_jget_path(root, path), &v) == 0 ? v : -1;
}

/* 1 true, 0 false, -1 absent or null */
int sb_report_jbool(const json_t *root, const char *path)
{
	int v;

	return sb_jget_bool(sb_jget_path(root, path), &v) == 0 ? v : -1;
}

/* ---- CSV facts ---- */

static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		line = strchr(line, ',');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static int col(char **f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i], name) == 0)
			return (int)i;
	return -1;
}

#define MAXF 64
/* Calls row(f, n, idx, ctx) for every data row; idx[k] is the index of
 * names[k] (or -1). 0, or negative errno when the file cannot be opened. */
static int scan_csv(const char *dir, const char *file, const char *const *names, int nnames,
		    void (*row)(char **f, size_t n, const int *idx, void *ctx), void *ctx)
{
	char path[PATH_MAX], *line = NULL, *f[MAXF];
	int idx[16];
	size_t cap = 0, n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	if (getline(&line, &cap, fp) > 0) {
		n = split(line, f, MAXF);
		for (int k = 0; k < nnames && k < 16; k++)
			idx[k] = col(f, n, names[k]);
		for (uint64_t rows = 0; getline(&line, &cap, fp) > 0; rows++) {
			/* a SIGINT or SIGTERM ends a long scan at once */
			if ((rows & 0xffff) == 0xffff && sb_stop_requested) {
				free(line);
				fclose(fp);
				return -EINTR;
			}
			n = split(line, f, MAXF);
			row(f, n, idx, ctx);
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

static const char *field(char **f, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? f[i] : "";
}

struct scan {
	struct sb_report_facts *f;
	struct sb_plot_data *pd; /* NULL: facts only */
};

static double num_or_nan(const char *s)
{
	char *end;
	double v;

	if (!s[0])
		return NAN;
	v = strtod(s, &end);
	return end == s ? NAN : v;
}

/* A connection's layer in the latency image: the outcomes that connected
 * (user_connect_us is their latency), ghosts apart, and the rest failed. */
static enum sb_plot_conn plot_kind(const char *outcome)
{
	if (strcmp(outcome, "ghost") == 0)
		return SB_PLOT_GHOST;
	return strcmp(outcome, "accepted") == 0 || strcmp(outcome, "queued") == 0 ||
			       strcmp(outcome, "unaccepted") == 0
		       ? SB_PLOT_CONNECTED
		       : SB_PLOT_FAILED;
}

static void conn_row(char **f, size_t n, const int *idx, void *ctx)
{
	struct scan *sc = ctx;
	struct sb_report_facts *r = sc->f;
	const char *k = field(f, n, idx[0]), *u = field(f, n, idx[1]), *s = field(f, n, idx[2]);

	r->rows++;
	r->with_kernel += k[0] != '\0';
	if (u[0]) {
		r->with_user++;
		r->waited_1s += strtod(u, NULL) >= 1e6;
	}
	if (s[0]) {
		long v = strtol(s, NULL, 10);

		r->with_retrans++;
		if (v < 0)
			v = 0;
		r->retrans[v < SB_REPORT_RETRANS_BANDS ? v : SB_REPORT_RETRANS_BANDS - 1]++;
	}
	if (sc->pd) {
		int64_t sub = strtoll(field(f, n, idx[3]), NULL, 10);
		int64_t done = strtoll(field(f, n, idx[4]), NULL, 10);
		enum sb_plot_conn kind = plot_kind(field(f, n, idx[5]));
		/* a failed connect: how long the caller waited for the error */
		double failed = kind == SB_PLOT_FAILED && done > 0 && done >= sub
					? (double)(done - sub) / 1e3
					: NAN;

		sb_plot_data__conn(sc->pd, sub, num_or_nan(u), num_or_nan(k), kind, failed);
	}
}

/* A queue length from queue.csv, kept in the kernel's range (u32 backlog) so
 * that a damaged file cannot overflow limit + 1 below. */
static int64_t qval(const char *s)
{
	int64_t v = strtoll(s, NULL, 10);

	return v < -1 ? -1 : v > UINT32_MAX ? UINT32_MAX : v;
}

static void queue_row(char **f, size_t n, const int *idx, void *ctx)
{
	struct scan *sc = ctx;
	struct sb_report_facts *r = sc->f;
	int64_t aq = qval(field(f, n, idx[0]));
	int64_t lim = qval(field(f, n, idx[1]));
	int64_t sq = qval(field(f, n, idx[2]));

	if (sc->pd)
		sb_plot_data__queue(sc->pd, num_or_nan(field(f, n, idx[3])), aq, lim, sq,
				    strtoll(field(f, n, idx[4]), NULL, 10),
				    idx[5] >= 0 ? qval(field(f, n, idx[5])) : -1);

	r->qsamples++;
	r->qfull += aq >= lim + 1;
	if (lim > r->qlimit)
		r->qlimit = lim;
	if (aq > r->qmax)
		r->qmax = aq;
	if (sq > r->synq_max)
		r->synq_max = sq;
}

static void dwell_row(char **f, size_t n, const int *idx, void *ctx)
{
	(void)f, (void)n, (void)idx;
	((struct scan *)ctx)->f->dwell_rows++;
}

int sb_report_facts__scan(const char *dir, struct sb_report_facts *f, struct sb_plot_data *pd)
{
	static const char *const cn[] = {"kernel_handshake_us", "user_connect_us", "syn_retrans",
					 "t_submit_ns", "t_connected_ns", "outcome"};
	static const char *const qn[] = {"accept_queue", "limit", "syn_queue",
					 "t_ms",	  "drops", "listener"};
	static const char *const dn[] = {"count"};
	struct scan sc = {.f = f, .pd = pd};

	memset(f, 0, sizeof(*f));
	f->qlimit = f->qmax = f->synq_max = -1;
	scan_csv(dir, "queue.csv", qn, 6, queue_row, &sc);
	scan_csv(dir, "dwell.csv", dn, 1, dwell_row, &sc);
	return scan_csv(dir, "connections.csv", cn, 6, conn_row, &sc);
}

/* ---- counters.csv: the kernel counters report.txt lists ---- */

static const char *const counter_names[SB_REPORT_NCOUNTERS][2] = {
    {"TcpExt", "ListenOverflows"}, {"TcpExt", "ListenDrops"},
    {"TcpExt", "TCPSynRetrans"},   {"TcpExt", "SyncookiesSent"},
    {"TcpExt", "SyncookiesRecv"},  {"TcpExt", "SyncookiesFailed"},
    {"TcpExt", "TCPReqQFullDrop"}, {"TcpExt", "TCPReqQFullDoCookies"},
    {"TcpExt", "EmbryonicRsts"},   {"Tcp", "ActiveOpens"},
    {"Tcp", "PassiveOpens"},	   {"Tcp", "AttemptFails"},
    {"Tcp", "EstabResets"},	   {"softnet", "dropped"},
};

static void counter_row(char **f, size_t n, const int *idx, void *ctx)
{
	struct sb_report_model *m = ctx;
	const char *src = field(f, n, idx[0]), *name = field(f, n, idx[1]);
	const char *delta = field(f, n, idx[2]);

	for (int i = 0; i < SB_REPORT_NCOUNTERS; i++) {
		struct sb_report_counter *c = &m->counters[i];

		if (!c->present && delta[0] && strcmp(src, c->table) == 0 &&
		    strcmp(name, c->name) == 0) {
			c->present = 1;
			c->delta = strtoll(delta, NULL, 10);
		}
	}
}

/* ---- the model ---- */

void sb_report_lat(const struct sb_report_model *m, const char *path, struct sb_report_lat *out)
{
	static const char *const keys[] = {"min", "p50", "p90", "p99", "p999", "max"};
	char full[128];
	const json_t *b;

	snprintf(full, sizeof(full), "%s%s", strchr(path, '.') ? "" : "latency_us.", path);
	b = sb_jget_path(m->s, full);
	memset(out, 0, sizeof(*out));
	out->present = json_is_object(b);
	out->count = out->present ? sb_report_jint(b, "count") : 0;
	if (out->count < 0)
		out->count = 0;
	for (int k = 0; k < 6; k++)
		out->v[k] = out->present ? sb_report_jnum(b, keys[k]) : NAN;
}

static int load_json(const char *dir, const char *name, json_t **doc, char *err,
		     size_t errlen)
{
	char path[PATH_MAX];
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	e = sb_jget_load(path, doc, err, errlen);
	if (!e && !json_is_object(*doc)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		json_decref(*doc);
		*doc = NULL;
		e = -EINVAL;
	}
	return e;
}

int sb_report_model__load(const char *dir, struct sb_report_model *m, char *err, size_t errlen)
{
	static const char *const cn[] = {"source", "name", "delta"};
	char ignored[PATH_MAX + 128];
	int e;

	memset(m, 0, sizeof(*m));
	m->dir = dir;
	m->plots.state = SB_PLOTS_OFF;
	for (int i = 0; i < SB_REPORT_NCOUNTERS; i++) {
		m->counters[i].table = counter_names[i][0];
		m->counters[i].name = counter_names[i][1];
	}
	e = load_json(dir, "summary.json", &m->summary_doc, err, errlen);
	if (e)
		return e;
	m->s = (m->summary_doc);
	if (load_json(dir, "config.json", &m->config_doc, ignored, sizeof(ignored)) == 0)
		m->cfg = (m->config_doc); /* else the reports say so */
	m->watch = json_object_get(m->s, "watch") != NULL;
	e = sb_plot_data__new(&m->plot_data);
	if (!e)
		e = sb_report_facts__scan(dir, &m->facts, m->plot_data);
	if (e) {
		snprintf(err, errlen, "cannot read %s/connections.csv (%s)", dir, strerror(-e));
		sb_report_model__free(m);
		return e;
	}
	m->counters_read = scan_csv(dir, "counters.csv", cn, 3, counter_row, m) == 0;
	return 0;
}

void sb_report_model__free(struct sb_report_model *m)
{
	if (!m)
		return;
	sb_plot_data__free(m->plot_data);
	m->plot_data = NULL;
	json_decref(m->config_doc);
	json_decref(m->summary_doc);
	m->config_doc = m->summary_doc = NULL;
	m->s = m->cfg = NULL;
}

/* appends "fmt" to buf at *n (snprintf's truncation kept) */
static void addf(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k < len - *n ? (size_t)k : len - *n - 1;
}

int sb_report_cost_line(const struct sb_report_model *m, char *buf, size_t len)
{
	const json_t *c = sb_jget_path(m->s, "probes.cost");
	double v;
	size_t n = 0;

	if (len)
		buf[0] = 0;
	if (!json_is_object(c) || !len)
		return -1;
	addf(buf, len, &n, "set-up %.0f ms CPU (%lld load%s, %lld programs)",
	     sb_report_jnum(c, "setup.cpu_ms"), (long long)sb_report_jint(c, "setup.loads"),
	     sb_report_jint(c, "setup.loads") == 1 ? "" : "s",
	     (long long)sb_report_jint(c, "setup.programs"));
	v = sb_report_jnum(c, "sampling.us_per_pass");
	if (!isnan(v))
		addf(buf, len, &n, "; sampler %.1f µs per pass x %lld", v,
		     (long long)sb_report_jint(c, "sampling.passes"));
	if (sb_report_jbool(c, "bpf_stats") == 1) {
		addf(buf, len, &n, "; BPF %.0f ns per state event, %.2f µs per connection",
		     sb_report_jnum(c, "per_event.bpf_ns_per_event"),
		     sb_report_jnum(c, "per_event.bpf_ns_per_conn") / 1e3);
		if (sb_report_jint(c, "per_event.bpf_unmeasured_events") > 0)
			addf(buf, len, &n,
			     " (at least: %lld events of probes that first fired after the counted "
			     "window not in it)",
			     (long long)sb_report_jint(c, "per_event.bpf_unmeasured_events"));
	} else {
		addf(buf, len, &n, "; BPF run time not counted (--no-bpf-stats)");
	}
	v = sb_report_jnum(c, "per_event.ring_ns_per_record");
	if (!isnan(v))
		addf(buf, len, &n, "; records %.0f ns each (drained, stored)", v);
	addf(buf, len, &n, "; collect %.0f ms", sb_report_jnum(c, "collect.cpu_ms"));
	v = sb_report_jnum(c, "machine_cpu_us_per_conn");
	if (!isnan(v))
		addf(buf, len, &n, "; machine CPU %.1f µs per connection", v);
	return 0;
}
