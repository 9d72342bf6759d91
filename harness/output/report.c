/* report.txt and the stdout table, rendered from the report model (report.h). */
#include "harness/output/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "harness/output/fmt.h"
#include "harness/output/report_phases.h"
#include "harness/output/report_sides.h"
#include "harness/output/listeners_report.h"

#define jint  sb_report_jint
#define jnum  sb_report_jnum
#define jbool sb_report_jbool

/* Columns of the side-by-side table: kernel view first, then user view. */
static const struct {
	const char *head1, *head2, *lat;
} columns[] = {
    {"kernel", "handshake", "kernel_handshake"},
    {"user", "connect", "user_connect"},
    {"pre-SYN", "(k-u)", "pre_syn"},
    {"notify", "(u-k)", "notify_delay"},
    {"accept", "wait", "accept_wait"},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

static const char *jstr(const json_t *root, const char *path)
{
	const char *s = json_string_value(sb_jget_path(root, path));

	return s ? s : "";
}

/* A run against the user's server (--target) has no accept stamps: the
 * last column is the kernel's child ESTABLISHED -> server close. */
static int target_run(const struct sb_report_model *m)
{
	return jstr(m->cfg, "options.target")[0] != '\0';
}

/* "n/a" for a count the file does not have (absent or null) */
static const char *cnt(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

/* A latency in a person's unit ("2.059 s", "170.5 µs"), right-aligned in 12
 * columns (µ is two bytes, one column). */
static void cell(FILE *f, const struct sb_report_lat *l, double us)
{
	char buf[48];
	int width = 12;

	if (!l->count) {
		fprintf(f, " %12s", "-");
		return;
	}
	sb_fmt_us(buf, sizeof(buf), us);
	if (strstr(buf, "µ"))
		width++;
	fprintf(f, " %*s", width, buf);
}

static void latency_table(FILE *f, const struct sb_report_model *m)
{
	static const char *const rows[] = {"min", "p50", "p90", "p99", "p99.9", "max"};
	struct sb_report_lat lat[NCOLS + 1];
	int target = target_run(m), khist;
	size_t ncols;

	for (size_t c = 0; c < NCOLS; c++)
		sb_report_lat(m, c == NCOLS - 1 && target ? "server_close" : columns[c].lat,
			      &lat[c]);
	sb_report_lat(m, "probes.kernel_handshake", &lat[NCOLS]);
	khist = lat[NCOLS].present;
	ncols = NCOLS + (khist ? 1 : 0);

	fprintf(f, "%-8s", "latency");
	for (size_t c = 0; c < NCOLS; c++)
		fprintf(f, " %12s", c == NCOLS - 1 && target ? "server" : columns[c].head1);
	if (khist)
		fprintf(f, " %12s", "kernel hist");
	fprintf(f, "\n%-8s", "");
	for (size_t c = 0; c < NCOLS; c++)
		fprintf(f, " %12s", c == NCOLS - 1 && target ? "close" : columns[c].head2);
	if (khist)
		fprintf(f, " %12s", "handshake");
	fprintf(f, "\n%-8s", "count");
	for (size_t c = 0; c < ncols; c++)
		fprintf(f, " %12" PRId64, lat[c].count);
	fputc('\n', f);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		fprintf(f, "%-8s", rows[r]);
		for (size_t c = 0; c < ncols; c++)
			cell(f, &lat[c], lat[c].v[r]);
		fputc('\n', f);
	}
}

static void outcomes_line(FILE *f, const struct sb_report_model *m)
{
	const json_t *o = json_object_get(m->s, "outcomes"), *e;
	const char *key;

	fprintf(f, "outcomes:");
	json_object_foreach((json_t *)o, key, e) {
		int64_t v = 0;

		sb_jget_int64(e, &v);
		/* unaccepted only exists without kernel records, tls_failed with
		 * --tls: hide the zero */
		if ((strcmp(key, "unaccepted") == 0 ||
		     (strcmp(key, "tls_failed") == 0 && !json_object_get(m->s, "tls"))) &&
		    !v)
			continue;
		fprintf(f, " %s %" PRId64, key, v);
	}
	fputc('\n', f);
}

/* The kernel's cause of each failed client (summary.json failure_causes),
 * when any failed. */
static void causes_line(FILE *f, const struct sb_report_model *m)
{
	const json_t *o = json_object_get(m->s, "failure_causes"), *e;
	const char *key;
	int64_t any = 0, v;

	json_object_foreach((json_t *)o, key, e)
		any += sb_jget_int64(e, &v) == 0 && v > 0;
	if (!any)
		return;
	fprintf(f, "failed by cause (the kernel's: sk_err at CLOSE):");
	json_object_foreach((json_t *)o, key, e) {
		v = 0;
		sb_jget_int64(e, &v);
		fprintf(f, " %s %" PRId64, key, v);
	}
	fputc('\n', f);
	/* the kernel's own counts of them (identities attempt_fails, embryonic_rsts) */
	const json_t *ids = json_object_get(json_object_get(m->s, "reconciliation"), "identities");
	const json_t *af = json_object_get(ids, "attempt_fails");
	const json_t *er = json_object_get(ids, "embryonic_rsts");

	if (af && jint(af, "kernel") >= 0)
		fprintf(f, "  timeout + refused + unreachable + other %" PRId64 " = Tcp AttemptFails %" PRId64
			" (%s)\n", jint(af, "probe"), jint(af, "kernel"), jstr(af, "status"));
	if (er && jint(er, "kernel") >= 0)
		fprintf(f, "  reset %" PRId64 " = TcpExt EmbryonicRsts %" PRId64 " (%s)\n",
			jint(er, "probe"), jint(er, "kernel"), jstr(er, "status"));
}

static void opt_count(FILE *f, const char *what, int64_t v)
{
	if (v < 0)
		fprintf(f, "%s n/a", what);
	else
		fprintf(f, "%s %" PRId64, what, v);
}

static void kernel_lines(FILE *f, const json_t *r)
{
	int64_t est = jint(r, "client_established"), acc = jint(r, "accepted");
	int64_t q = jint(r, "queued"), g = jint(r, "ghosts"), o = jint(r, "established_other");
	int64_t tf = jint(r, "tls_failed");
	int64_t rv = jint(r, "revived"), xc = jint(r, "extra_children");
	int64_t xa = jint(r, "extra_accepts"), ps = jint(r, "probe_syn_retransmits");
	int64_t pa = jint(r, "probe_synack_retransmits"), mib = jint(r, "mib_tcp_syn_retrans");
	int sums;

	o = o > 0 ? o : 0; /* absent in results before the key existed */
	tf = tf > 0 ? tf : 0;
	sums = est == acc + q + g + tf + o;
	fprintf(f,
		"kernel: client ESTABLISHED %" PRId64 " %s accepted %" PRId64 " + queued %" PRId64
		" + ghosts %" PRId64,
		est, sums ? "=" : "!=", acc, q, g);
	if (tf)
		fprintf(f, " + TLS failed %" PRId64, tf);
	if (o)
		fprintf(f, " + other %" PRId64, o);
	fprintf(f, "%s\n",
		jbool(r, "identity_checked") == 1
		    ? (jbool(r, "identity_holds") == 1 ? "  (syncookies=0: identity "
							 "client = accepted + queued holds)"
						       : "  (syncookies=0: identity FAILS)")
		    : "");
	if (rv > 0 || xc > 0 || xa > 0)
		fprintf(f,
			"revived: %" PRId64 " syncookie ghosts got their server socket from the "
			"client's FIN (counted once above); %" PRId64 " more server children and "
			"%" PRId64 " more accepts on the same connections\n",
			rv > 0 ? rv : 0, xc > 0 ? xc : 0, xa > 0 ? xa : 0);
	struct sb_sides_nums sn;
	int sides = sb_sides_from_json(r, &sn) == 0;
	char line[512];

	fprintf(f, "retransmits: probe SYN %" PRId64 " + SYN-ACK %" PRId64 " %s ", ps, pa,
		ps + pa + (sides && sn.c_fail > 0 ? sn.c_fail : 0) == mib ? "=" : "vs");
	opt_count(f, sides ? "TcpExt TCPSynRetrans (both namespaces)" : "TcpExt TCPSynRetrans", mib);
	fputc('\n', f);
	if (sides) {
		sb_sides_line(&sn, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

/* A run across machines: one line per host (its own counters and probes). */
static void host_lines(FILE *f, const struct sb_report_model *m)
{
	const json_t *hosts = json_object_get(m->s, "hosts");
	char line[1024];

	for (size_t i = 0; i < json_array_size(hosts); i++) {
		sb_host_line(json_array_get(hosts, i), line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

static void reconciliation_lines(FILE *f, const struct sb_report_model *m)
{
	const json_t *r = json_object_get(m->s, "reconciliation");
	const json_t *ids = json_object_get(r, "identities");
	const json_t *w = json_object_get(r, "warnings");
	int probes = jbool(m->s, "probes.enabled") == 1;
	double jr = jnum(m->s, "join_rate");
	int64_t lost = jint(r, "lost_events");

	if (lost < 0)
		lost = jint(m->s, "lost_events");
	if (!isnan(jr))
		fprintf(f,
			"join: %.2f%% (%" PRId64 "/%" PRId64 " user connections found in the "
			"kernel records), lost events %" PRId64 "\n",
			100.0 * jr, jint(r, "joined"), jint(r, "with_cookie"), lost);
	else
		fprintf(f, "join: no kernel records (probes off), lost events %" PRId64 "\n",
			lost);
	if (probes)
		kernel_lines(f, r);
	opt_count(f, "listen drops: listener (last sample)", jint(r, "listener_drops"));
	fputs(", ", f);
	opt_count(f, "TcpExt ListenDrops", jint(r, "mib_listen_drops"));
	fprintf(f, " + TCP_LISTEN_OVERFLOW skb drops %" PRId64 ", ",
		jint(r, "listen_overflow_skb_drops"));
	opt_count(f, "ListenOverflows", jint(r, "mib_listen_overflows"));
	fputs(", ", f);
	opt_count(f, "softnet dropped (global)", jint(r, "softnet_dropped"));
	fputc('\n', f);
	host_lines(f, m);
	sb_listeners_report(f, m->s);
	const char *key;
	const json_t *id;

	/* the per-side identities are skipped in one namespace: not news */
	int sides = json_object_get(r, "client") != NULL;

	if (probes)
		json_object_foreach((json_t *)ids, key, id)
			if (strcmp(jstr(id, "status"), "skipped") == 0 &&
			    (sides || (strncmp(key, "client_", 7) && strncmp(key, "server_", 7))))
				fprintf(f, "identity %s not checked: %s\n", key, jstr(id, "reason"));
	for (size_t i = 0; i < json_array_size(w); i++)
		if (json_string_value(json_array_get(w, i)))
			fprintf(f, "warning: %s\n", json_string_value(json_array_get(w, i)));
}

int sb_report_text_table(FILE *f, const struct sb_report_model *m)
{
	char cost[512];

	latency_table(f, m);
	sb_report_phases_text(f, m);
	outcomes_line(f, m);
	causes_line(f, m);
	reconciliation_lines(f, m);
	if (sb_report_cost_line(m, cost, sizeof(cost)) == 0)
		fprintf(f, "probe cost: %s\n", cost);
	return ferror(f) ? -EIO : 0;
}

/* -1 for null: an option left at the kernel's default */
#define opt_int jint

static void config_lines(FILE *f, const struct sb_report_model *m)
{
	const char *plan = jstr(m->s, "attach_plan");
	const json_t *comps = sb_jget_path(m->s, "probes.components");
	const json_t *o = json_object_get(m->cfg, "options");
	const json_t *sys = json_object_get(m->cfg, "sysctls");
	double rate = jnum(o, "rate");
	const char *label = jstr(o, "label");
	size_t i = 0;
	const char *key;
	const json_t *c, *e;

	fprintf(f, "synbench %s  started %s  kernel %s  attach %s\n", jstr(m->s, "version"),
		jstr(m->s, "started_at"), jstr(m->s, "kernel_release"), plan[0] ? plan : "none");
	if (plan[0] && strcmp(plan, "none") != 0 && json_object_size(comps)) {
		fputs("probes:", f);
		json_object_foreach((json_t *)comps, key, c)
			fprintf(f, " %s=%s", key, jstr(c, "mode"));
		fputc('\n', f);
		json_object_foreach((json_t *)comps, key, c)
			if (jstr(c, "error")[0])
				fprintf(f, "  %s degraded: %s\n", key, jstr(c, "error"));
	}
	{
		char cost[512];

		if (sb_report_cost_line(m, cost, sizeof(cost)) == 0)
			fprintf(f, "probe cost: %s\n", cost);
	}
	if (!o)
		return;
	fprintf(f,
		"conns=%" PRId64 " backlog=%" PRId64 " (effective %" PRId64 ") concurrency=%" PRId64
		" rate=%g threads=%" PRId64 " mode=%s close=%s engine=%s accept=%s "
		"connect_timeout_ms=%" PRId64 " syncookies=%" PRId64 " abort_on_overflow=%" PRId64
		" probes=%s%s%s\n",
		opt_int(o, "conns"), opt_int(o, "backlog"), jint(m->s, "effective_backlog"),
		opt_int(o, "concurrency"), isnan(rate) ? 0.0 : rate, opt_int(o, "threads"),
		jstr(o, "mode"), jstr(o, "close"), jstr(o, "engine"), jstr(o, "accept"),
		opt_int(o, "connect-timeout"), opt_int(o, "syncookies"),
		opt_int(o, "abort-on-overflow"), jbool(o, "no-probes") == 1 || jint(o, "no-probes") > 0 ? "off" : "on",
		label[0] ? " label=" : "", label);
	json_object_foreach((json_t *)sys, key, e)
		fprintf(f, "%s%s=%s", i++ ? " " : "sysctls: ", key,
			json_string_value(e) ? json_string_value(e) : "");
	if (i)
		fputc('\n', f);
}

static void more_latencies(FILE *f, const struct sb_report_model *m)
{
	static const char *const more[] = {"user_connect_sched", "response", "child_established",
					   "server_close"};
	char b[6][48];

	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		struct sb_report_lat l;

		sb_report_lat(m, more[i], &l);
		if (!l.count)
			continue;
		for (int k = 0; k < 6; k++)
			sb_fmt_us(b[k], sizeof(b[k]), l.v[k]);
		fprintf(f,
			"%-20s count %" PRId64 "  min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  "
			"max %s\n",
			more[i], l.count, b[0], b[1], b[2], b[3], b[4], b[5]);
	}
}

static void tail_lines(FILE *f, const struct sb_report_model *m)
{
	const json_t *lg = json_object_get(m->s, "loadgen");
	const json_t *r = json_object_get(m->s, "reconciliation");
	const json_t *w = json_object_get(r, "warnings");
	size_t nw = json_array_size(w);
	char b[10][32];

	fprintf(f,
		"\nLoad generator: started %s done %s ok %s failed %s behind_schedule %s "
		"max_lag %s port_retries %s\n",
		cnt(b[0], 32, jint(lg, "started")), cnt(b[1], 32, jint(lg, "done")),
		cnt(b[2], 32, jint(lg, "ok")), cnt(b[3], 32, jint(lg, "failed")),
		cnt(b[4], 32, jint(lg, "behind_schedule")),
		sb_fmt_us(b[5], 32, jnum(lg, "max_lag_us")),
		cnt(b[6], 32, jint(lg, "port_retries")));
	fprintf(f,
		"Join: rows %s not_started %s kernel clients %s (unmatched %s) children %s "
		"(unmatched %s, shared cookie %s) accepts %s (unmatched %s, by peer %s)\n",
		cnt(b[0], 32, jint(m->s, "conns_started")), cnt(b[1], 32, jint(r, "not_started")),
		cnt(b[2], 32, jint(m->s, "probes.client_records")),
		cnt(b[3], 32, jint(r, "kernel_clients_unmatched")),
		cnt(b[4], 32, jint(m->s, "probes.child_records")),
		cnt(b[5], 32, jint(r, "kernel_children_unmatched")),
		cnt(b[6], 32, jint(r, "child_cookies_shared")), cnt(b[7], 32, jint(r, "accepts")),
		cnt(b[8], 32, jint(r, "accepts_unmatched")),
		cnt(b[9], 32, jint(r, "accepts_by_peer")));
	fprintf(f, "\n%zu warning%s\n", nw, nw == 1 ? "" : "s");
}

int sb_report_text_write(FILE *f, const struct sb_report_model *m)
{
	int any = 0;

	config_lines(f, m);
	if (jbool(m->s, "interrupted") == 1)
		fputs("INTERRUPTED: partial results\n", f);
	fprintf(f, "duration %.3f s, %.1f connections/s (user outcome ok)\n\n",
		fmax(jnum(m->s, "duration_s"), 0.0), fmax(jnum(m->s, "rate_conns_per_s"), 0.0));
	fputs("Latency, kernel vs user (p = nearest rank, bucket midpoint, <= 0.4% off)\n", f);
	latency_table(f, m);
	more_latencies(f, m);
	sb_report_phases_text(f, m);
	fputc('\n', f);
	outcomes_line(f, m);
	causes_line(f, m);
	fputs("  accepted: the server accepted it; queued: server child ESTABLISHED, never "
	      "accepted;\n  ghost: client ESTABLISHED, server never had a socket (syncookies, "
	      "full accept queue)\n\n",
	      f);
	fputs("Reconciliation\n", f);
	reconciliation_lines(f, m);
	fputs("\nKernel counters (namespace MIB deltas; softnet is global)\n", f);
	for (int i = 0; i < SB_REPORT_NCOUNTERS; i++) {
		const struct sb_report_counter *c = &m->counters[i];

		if (!c->present)
			continue;
		fprintf(f, "  %-8s %-22s %" PRId64 "\n", c->table, c->name, c->delta);
		any = 1;
	}
	if (!any)
		fputs("  (none read)\n", f);
	tail_lines(f, m);
	return ferror(f) ? -EIO : 0;
}
