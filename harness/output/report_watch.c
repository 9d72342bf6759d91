/* A watch's report.txt and stdout summary, rendered from the report model
 * like a run's (report_watch.h): the numbers come from summary.json. */
#include "harness/output/report_watch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/output/fmt.h"
#include "harness/output/listeners_report.h"

#define jint sb_report_jint
#define jnum sb_report_jnum

static const char *jstr(const json_t *root, const char *path, const char *dflt)
{
	const char *s = json_string_value(sb_jget_path(root, path));

	return s ? s : dflt;
}

/* µs from summary.json as a fixed 3-decimal figure, "-" when null. */
static const char *us(char *buf, size_t len, const json_t *s, const char *path)
{
	double v = sb_report_jnum(s, path);

	if (isnan(v))
		return "-";
	snprintf(buf, len, "%.3f", v);
	return buf;
}

static void lat_row(FILE *f, const json_t *s, const char *name, const char *key)
{
	char p[128], b[4][48];
	int64_t n;

	snprintf(p, sizeof(p), "latency_us.%s.count", key);
	n = jint(s, p);
	fprintf(f, "%-13s %10lld", name, (long long)(n < 0 ? 0 : n));
	static const char *const q[] = {"p50", "p90", "p99", "max"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "latency_us.%s.%s", key, q[i]);
		fprintf(f, " %12s", us(b[i], sizeof(b[i]), s, p));
	}
	fputc('\n', f);
}

/* "key count" for each member of an object, in its order. */
static void counts(FILE *f, const json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		int64_t n = 0;

		sb_jget_int64(v, &n);
		fprintf(f, " %s %lld", key, (long long)n);
	}
}

int sb_report_watch_text(FILE *f, const struct sb_report_model *m)
{
	const json_t *s = m->s, *ids, *id;
	int64_t listeners, untimed = jint(s, "watch.handshakes_untimed");
	const char *key;
	char b[2][48];

	fprintf(f, "watch: netns %s (inode %lld), %.1f s%s, probes %s\n",
		jstr(s, "watch.netns", "(caller's)"), (long long)jint(s, "watch.netns_inode"),
		jnum(s, "duration_s"), sb_report_jbool(s, "interrupted") == 1 ? " (interrupted)" : "",
		jstr(s, "attach_plan", "?"));
	fprintf(f, "%-13s %10s %12s %12s %12s %12s\n", "us", "count", "p50", "p90", "p99", "max");
	lat_row(f, s, "handshake", "kernel_handshake");
	lat_row(f, s, "child est", "child_established");
	lat_row(f, s, "server close", "server_close");
	fprintf(f, "clients %lld:", (long long)jint(s, "reconciliation.client_records"));
	counts(f, json_object_get(s, "outcomes"));
	if (jint(s, "outcomes.failed") > 0) {
		fprintf(f, "\nfailed by cause (sk_err at CLOSE):");
		counts(f, json_object_get(s, "failure_causes"));
	}
	fprintf(f, "\nchildren %lld:", (long long)jint(s, "reconciliation.child_records"));
	counts(f, json_object_get(s, "children"));
	fprintf(f, "\nhandshakes: %lld client, %lld server child", (long long)jint(s, "watch.handshakes"),
		(long long)jint(s, "watch.child_handshakes"));
	if (untimed > 0)
		fprintf(f, " (%lld without a time: event missed)", (long long)untimed);
	fprintf(f, "; lost events %lld\n", (long long)jint(s, "lost_events"));
	listeners = jint(s, "watch.listeners");
	if (jint(s, "reconciliation.listener_drops") >= 0)
		fprintf(f, "listen queue: overflows %lld (sk_drops of %lld listener%s %lld - "
			   "TCP_LISTEN_OVERFLOW skb drops); TcpExt ListenOverflows %lld, "
			   "TCPReqQFullDrop %lld, ListenDrops %lld\n",
			(long long)jint(s, "reconciliation.overflows"), (long long)listeners,
			listeners == 1 ? "" : "s", (long long)jint(s, "reconciliation.listener_drops"),
			(long long)jint(s, "reconciliation.mib_listen_overflows"),
			(long long)jint(s, "kernel_counters.TCPReqQFullDrop"),
			(long long)jint(s, "reconciliation.mib_listen_drops"));
	sb_listeners_report(f, s);
	ids = sb_jget_path(s, "reconciliation.identities");
	json_object_foreach((json_t *)ids, key, id) {
		int64_t p = jint(id, "probe"), k = jint(id, "kernel");
		const char *st = jstr(id, "status", "?");

		fprintf(f, "%-17s %s", key, st);
		if (p >= 0 || k >= 0)
			fprintf(f, ": %lld vs %lld", (long long)p, (long long)k);
		fprintf(f, " (%s)%s%s\n", jstr(id, "identity", ""),
			strcmp(st, "skipped") == 0 ? "; " : "",
			strcmp(st, "skipped") == 0 ? jstr(id, "reason", "") : "");
	}
	if (sb_report_jbool(s, "overhead.bpf_stats") == 1 && jint(s, "overhead.bpf_runs") > 0) {
		double ns = jnum(s, "overhead.bpf_run_time_ns");
		int64_t socks = jint(s, "overhead.sockets");

		fprintf(f, "overhead: %lld BPF runs (every CPU, every namespace), %.3f ms in BPF "
			   "(%.0f ns/run",
			(long long)jint(s, "overhead.bpf_runs"), ns / 1e6,
			ns / (double)jint(s, "overhead.bpf_runs"));
		if (socks > 0)
			fprintf(f, ", %.0f ns per socket watched", ns / (double)socks);
		fputs(")", f);
	} else {
		fputs("overhead: BPF run time not measured (kernel.bpf_stats_enabled off)", f);
	}
	fprintf(f, ", %lld state events in the namespace; this process while watching: CPU user "
		   "%s s sys %s s (loading the probes before: %.3f s)\n",
		(long long)jint(s, "overhead.state_events"),
		us(b[0], sizeof(b[0]), s, "overhead.watch_cpu_user_s"),
		us(b[1], sizeof(b[1]), s, "overhead.watch_cpu_sys_s"),
		jnum(s, "cpu_user_s") + jnum(s, "cpu_sys_s") - jnum(s, "overhead.watch_cpu_user_s") -
		    jnum(s, "overhead.watch_cpu_sys_s"));
	{
		const json_t *w = sb_jget_path(s, "reconciliation.warnings");
		size_t i;
		json_t *v;

		json_array_foreach((json_t *)w, i, v)
			if (json_string_value(v))
				fprintf(f, "warning: %s\n", json_string_value(v));
	}
	return ferror(f) ? -EIO : 0;
}
