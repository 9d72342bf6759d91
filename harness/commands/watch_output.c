/* bench watch: the result directory. queue.csv, dwell.csv and counters.csv
 * come from the run's writers (harness/output/results.c); connections.csv,
 * summary.json, config.json and report.txt are written here from kernel
 * records alone; plots, report.html and report.md by harness/output/render.c from the files. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/output/fmt.h"
#include "harness/output/json.h"
#include "harness/run/mib.h"
#include "harness/output/outdir.h"
#include "harness/output/render.h"
#include "harness/output/results.h"
#include "harness/commands/watch_analysis.h"
#include "harness/cli/msg.h"

/* ---- connections.csv ---- */

static void csv_u64(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, "%" PRIu64, v);
	fputc(',', f);
}

static void csv_str(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(',', f);
}

static void addr(const struct sb_conn_rec *r, const uint32_t *a, char *buf, size_t len)
{
	inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len);
}

/* The states the socket went through, in the order it entered them. */
static void state_path(const struct sb_conn_rec *r, char *buf, size_t len)
{
	int done[SB_TS_SLOTS] = { 0 };
	size_t n = 0;

	buf[0] = 0;
	for (;;) {
		int best = -1;

		for (int s = 1; s < SB_NSTATES; s++)
			if (r->ts[s] && !done[s] && (best < 0 || r->ts[s] < r->ts[best]))
				best = s;
		if (best < 0)
			break;
		done[best] = 1;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ">" : "",
				      sb_tcp_state_name((unsigned)best));
		if (n >= len)
			break;
	}
}

int sb_watch_write_connections(FILE *f, const struct sb_watch_data *w,
			       const struct sb_watch_analysis *a)
{
	static const char *const flushed[] = { "", "live_at_end", "close_missed" };
	char b[64], path[160];

	(void)w;
	fputs(SB_WATCH_CONNECTIONS_HEADER "\n", f);
	for (size_t i = 0; i < a->nrows; i++) {
		const struct sb_watch_row *row = &a->rows[i];
		const struct sb_conn_rec *r = row->r;
		int client = r->role == SB_ROLE_CLIENT;

		fprintf(f, "%" PRIu64 ",%s,", (uint64_t)r->cookie, client ? "client" : "child");
		if (row->tag)
			fprintf(f, "%u,", row->tag->pid);
		else
			fputc(',', f);
		csv_str(f, row->tag ? row->tag->comm : "");
		fprintf(f, "%d,", r->family == AF_INET6 ? 6 : 4);
		addr(r, r->saddr, b, sizeof(b));
		fprintf(f, "%s,%u,", b, r->sport);
		addr(r, r->daddr, b, sizeof(b));
		fprintf(f, "%s,%u,", b, r->dport);
		csv_u64(f, row->peer ? (uint64_t)row->peer->cookie : 0);
		csv_u64(f, r->ts[SB_TCP_SYN_SENT]);
		csv_u64(f, r->ts[SB_TCP_SYN_RECV]);
		csv_u64(f, r->ts[SB_TCP_ESTABLISHED]);
		csv_u64(f, r->ts[SB_TCP_CLOSE]);
		for (int l = 0; l < SB_NWLAT; l++)
			fprintf(f, "%s,", sb_fmt_scaled(b, sizeof(b), row->lat[l], 1000));
		if (client)
			fprintf(f, "%u", r->syn_retrans);
		state_path(r, path, sizeof(path));
		fprintf(f, ",%s,%s,", path, sb_tcp_state_name(r->final_state));
		if (r->srtt_us)
			fprintf(f, "%u", r->srtt_us);
		fprintf(f, ",%s,%s,,,\n", sb_wout_name(row->outcome),
			r->flushed < 3 ? flushed[r->flushed] : "other");
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- JSON ---- */

static void json_filters(struct sb_json *js, const struct sb_watch_opts *o)
{
	sb_json_obj_begin(js, "filters");
	sb_json_arr_begin(js, "ports");
	for (uint32_t i = 0; i < o->nports; i++)
		sb_json_uint(js, NULL, o->ports[i]);
	sb_json_arr_end(js);
	sb_json_i64_or_null(js, "pid", o->pid);
	sb_json_str(js, "comm", o->comm[0] ? o->comm : NULL);
	sb_json_str(js, "cgroup", o->cgroup[0] ? o->cgroup : NULL);
	sb_json_str(js, "family", o->family == AF_INET ? "ipv4" : o->family ? "ipv6" : NULL);
	sb_json_obj_end(js);
}

static void json_probes(struct sb_json *js, const struct sb_watch_data *w,
			const struct sb_watch_analysis *a)
{
	const struct sb_rundata *rd = w->rd;

	sb_json_obj_begin(js, "probes");
	sb_json_bool(js, "enabled", 1);
	sb_json_str(js, "attach_plan", rd->attach_plan);
	sb_results_json_components(js, rd);
	sb_json_uint(js, "syn_retransmits", rd->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "synack_retransmits", rd->counters[SB_C_SYNACK_RETRANS]);
	sb_json_obj_begin(js, "drops_by_reason");
	for (unsigned int r = 0; r < SB_MAX_DROP_REASONS; r++) {
		char name[32];

		if (!rd->drops[r])
			continue;
		snprintf(name, sizeof(name), "reason_%u", r);
		sb_json_uint(js, rd->drop_names[r] ? rd->drop_names[r] : name, rd->drops[r]);
	}
	sb_json_obj_end(js);
	sb_json_uint(js, "drops", rd->counters[SB_C_DROPS]);
	sb_results_json_latency(js, "kernel_handshake", &a->handshake_hist, 1);
	sb_json_uint(js, "records", rd->nkrecs);
	sb_json_uint(js, "records_written", rd->counters[SB_C_RECORDS]);
	sb_json_uint(js, "clients", rd->counters[SB_C_CLIENTS]);
	sb_json_uint(js, "children", rd->counters[SB_C_CHILDREN]);
	sb_json_uint(js, "events", rd->counters[SB_C_EVENTS]);
	sb_json_uint(js, "live_events", sb_watch_live__events(w->live));
	sb_json_uint(js, "untracked", rd->counters[SB_C_UNTRACKED]);
	sb_json_uint(js, "ring_buffer_lost", rd->counters[SB_C_RB_FAIL]);
	sb_json_uint(js, "trace_ring_full", rd->counters[SB_C_TRACE_FAIL]);
	sb_json_uint(js, "map_full", rd->counters[SB_C_MAP_FULL]);
	sb_json_uint(js, "missed_events", rd->missed_events);
	sb_json_uint(js, "bpf_run_time_ns", rd->bpf_run_ns);
	sb_json_uint(js, "bpf_runs", rd->bpf_runs);
	sb_json_uint(js, "close_missed_records", rd->counters[SB_C_REPLACED]);
	sb_json_uint(js, "partial_records", rd->counters[SB_C_PARTIAL]);
	sb_json_uint(js, "lost_samples", rd->lost_samples);
	sb_json_uint(js, "listener_samples", rd->nsamples);
	sb_json_obj_end(js);
}

static void json_reconciliation(struct sb_json *js, const struct sb_watch_data *w,
				const struct sb_watch_analysis *a)
{
	const struct sb_rundata *rd = w->rd;
	int known = 0;
	uint64_t lo_skb = 0;

	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i] && strcmp(rd->drop_names[i], "TCP_LISTEN_OVERFLOW") == 0) {
			known = 1;
			lo_skb = rd->drops[i];
		}
	sb_json_obj_begin(js, "reconciliation");
	sb_json_uint(js, "handshakes", a->handshakes);
	sb_json_uint(js, "child_handshakes", a->child_handshakes);
	sb_json_uint(js, "client_records", a->clients);
	sb_json_uint(js, "child_records", a->children);
	sb_json_uint(js, "record_syn_retransmits", a->syn_retrans);
	sb_json_uint(js, "probe_syn_retransmits", rd->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "probe_synack_retransmits", rd->counters[SB_C_SYNACK_RETRANS]);
	sb_json_i64_or_null(js, "listener_drops", a->listener_drops);
	if (known)
		sb_json_uint(js, "listen_overflow_skb_drops", lo_skb);
	else
		sb_json_null(js, "listen_overflow_skb_drops");
	sb_json_i64_or_null(js, "overflows", a->ids[SB_WID_LISTEN_OVERFLOWS].probe);
	sb_json_i64_or_null(js, "mib_listen_overflows",
			 sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1));
	sb_json_i64_or_null(js, "mib_listen_drops",
			 sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenDrops", -1));
	sb_json_i64_or_null(js, "mib_tcp_syn_retrans",
			 sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPSynRetrans", -1));
	sb_json_i64_or_null(js, "mib_active_opens",
			 sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "ActiveOpens", -1));
	sb_json_i64_or_null(js, "mib_passive_opens",
			 sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "PassiveOpens", -1));
	sb_json_uint(js, "lost_events", a->lost_events);
	sb_json_obj_begin(js, "identities");
	for (int i = 0; i < SB_NWIDS; i++) {
		const struct sb_watch_id *id = &a->ids[i];

		sb_json_obj_begin(js, id->name);
		sb_json_str(js, "status", sb_id_status_name(id->status));
		sb_json_str(js, "reason", id->status == SB_ID_SKIPPED ? id->why : NULL);
		sb_json_str(js, "identity", id->what);
		sb_json_i64_or_null(js, "probe", id->probe);
		sb_json_i64_or_null(js, "kernel", id->kernel);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
	sb_json_arr_begin(js, "warnings");
	for (size_t i = 0; i < a->nwarnings; i++)
		sb_json_str(js, NULL, a->warnings[i]);
	sb_json_arr_end(js);
	sb_json_obj_end(js);
}

static double duration_s(const struct sb_rundata *rd)
{
	return rd->t_end_ns > rd->t_start_ns ? (double)(rd->t_end_ns - rd->t_start_ns) / 1e9 : 0;
}

/* The listeners' effective backlog when they agree, else -1. */
static int effective_backlog(const struct sb_rundata *rd)
{
	int b = -1;

	for (size_t i = 0; i < rd->nsamples; i++) {
		if (b >= 0 && b != (int)rd->samples[i].max_ack_backlog)
			return -1;
		b = (int)rd->samples[i].max_ack_backlog;
	}
	return b;
}

static void json_overhead(struct sb_json *js, const struct sb_watch_data *w,
			  const struct sb_watch_analysis *a)
{
	const struct sb_rundata *rd = w->rd;
	uint64_t socks = rd->counters[SB_C_CLIENTS] + rd->counters[SB_C_CHILDREN];

	sb_json_obj_begin(js, "overhead");
	sb_json_bool(js, "bpf_stats", w->bpf_stats_on);
	sb_json_uint(js, "bpf_runs", rd->bpf_runs);
	sb_json_uint(js, "bpf_run_time_ns", rd->bpf_run_ns);
	if (w->bpf_stats_on && rd->bpf_runs)
		sb_json_fixed(js, "ns_per_run", (double)rd->bpf_run_ns / (double)rd->bpf_runs, 1);
	else
		sb_json_null(js, "ns_per_run");
	if (w->bpf_stats_on && socks)
		sb_json_fixed(js, "ns_per_socket", (double)rd->bpf_run_ns / (double)socks, 1);
	else
		sb_json_null(js, "ns_per_socket");
	sb_json_uint(js, "state_events", rd->counters[SB_C_EVENTS]);
	sb_json_uint(js, "live_events", sb_watch_live__events(w->live));
	sb_json_uint(js, "sockets", socks);
	sb_json_fixed(js, "cpu_user_s", rd->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", rd->cpu_sys_s, 3);
	sb_json_fixed(js, "watch_cpu_user_s", w->watch_cpu_user_s, 3);
	sb_json_fixed(js, "watch_cpu_sys_s", w->watch_cpu_sys_s, 3);
	sb_json_uint(js, "lost_events", a->lost_events);
	sb_json_obj_end(js);
}

int sb_watch_write_summary(FILE *f, const struct sb_watch_data *w,
			   const struct sb_watch_analysis *a)
{
	static const char *const user_lats[] = { "user_connect", "pre_syn", "notify_delay",
						 "accept_wait", "user_connect_sched", "response" };
	static const char *const softnet[] = { "processed", "dropped", "time_squeeze" };
	const struct sb_rundata *rd = w->rd;
	const struct sb_watch_opts *o = w->opts;
	struct sb_json *js = sb_json__new(f, 1);
	double d = duration_s(rd);

	if (!js)
		return -ENOMEM;
	sb_json_obj_begin(js, NULL);
	sb_json_int(js, "schema", SB_SUMMARY_SCHEMA);
	sb_json_str(js, "version", SB_VERSION);
	sb_json_str(js, "mode", "watch");
	sb_json_bool(js, "interrupted", rd->interrupted);
	sb_json_uint(js, "conns_requested", o->max_conns);
	sb_json_uint(js, "conns_started", a->clients);
	sb_json_null(js, "join_rate");
	sb_json_uint(js, "lost_events", a->lost_events);
	sb_json_fixed(js, "rate_conns_per_s", d > 0 ? (double)a->handshakes / d : 0, 3);
	sb_json_fixed(js, "duration_s", d, 6);
	sb_json_uint(js, "max_rss_kb", rd->max_rss_kb);
	sb_json_fixed(js, "cpu_user_s", rd->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", rd->cpu_sys_s, 3);
	sb_json_str(js, "started_at", rd->started_at);
	sb_json_str(js, "label", o->label);
	sb_json_i64_or_null(js, "effective_backlog", effective_backlog(rd));
	sb_json_str(js, "attach_plan", rd->attach_plan);
	sb_json_str(js, "kernel_release", rd->kernel_release);
	sb_json_obj_begin(js, "watch");
	sb_json_str(js, "netns", o->netns[0] ? o->netns : NULL);
	sb_json_uint(js, "netns_inode", rd->netns_inode);
	json_filters(js, o);
	sb_json_bool(js, "filtered", sb_watch_filtered(o));
	if (o->duration_s > 0)
		sb_json_fixed(js, "duration_requested_s", o->duration_s, 3);
	else
		sb_json_null(js, "duration_requested_s");
	sb_json_uint(js, "max_conns", o->max_conns);
	sb_json_uint(js, "handshakes", a->handshakes);
	sb_json_uint(js, "child_handshakes", a->child_handshakes);
	sb_json_uint(js, "handshakes_untimed", a->untimed);
	sb_json_uint(js, "connlat_lines", w->connlat_lines);
	sb_json_uint(js, "listeners", a->listeners);
	sb_json_arr_begin(js, "namespace_listen_ports");
	for (uint32_t i = 0; i < w->ns_nlisten_ports && i < 64; i++)
		sb_json_uint(js, NULL, w->ns_listen_ports[i]);
	sb_json_arr_end(js);
	sb_json_uint(js, "untagged_clients", a->untagged);
	sb_json_uint(js, "filtered_out", a->filtered_out);
	sb_json_obj_end(js);

	sb_json_obj_begin(js, "latency_us");
	sb_results_json_latency(js, "kernel_handshake", &a->lat[SB_WLAT_HANDSHAKE], 1);
	sb_results_json_latency(js, "child_established", &a->lat[SB_WLAT_CHILD_EST], 1);
	sb_results_json_latency(js, "server_close", &a->lat[SB_WLAT_SERVER_CLOSE], 1);
	for (size_t i = 0; i < sizeof(user_lats) / sizeof(user_lats[0]); i++)
		sb_json_null(js, user_lats[i]); /* no user-side stamps in a watch */
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "outcomes");
	for (int i = 0; i < SB_NWOUT_CLIENT; i++)
		sb_json_uint(js, sb_wout_name(i), a->outcomes[i]);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "children");
	for (int i = SB_NWOUT_CLIENT; i < SB_NWOUT; i++)
		sb_json_uint(js, sb_wout_name(i), a->outcomes[i]);
	sb_json_obj_end(js);
	sb_results_json_kernel_counters(js, rd);
	sb_json_obj_begin(js, "softnet");
	for (int i = 0; i < 3; i++)
		sb_json_i64_or_null(js, softnet[i],
				 sb_mib_delta_or(rd->mib, rd->nmib, "softnet", softnet[i], -1));
	sb_json_obj_end(js);
	json_probes(js, w, a);
	json_reconciliation(js, w, a);
	json_overhead(js, w, a);
	sb_json_obj_end(js);
	return sb_json__free(js);
}

int sb_watch_write_config(FILE *f, const struct sb_watch_data *w)
{
	const struct sb_rundata *rd = w->rd;
	const struct sb_watch_opts *o = w->opts;
	struct sb_json *js = sb_json__new(f, 1);

	if (!js)
		return -ENOMEM;
	sb_json_obj_begin(js, NULL);
	sb_json_int(js, "schema", SB_SUMMARY_SCHEMA);
	sb_json_str(js, "version", SB_VERSION);
	sb_json_str(js, "mode", "watch");
	sb_json_str(js, "started_at", rd->started_at);
	sb_json_str(js, "kernel_release", rd->kernel_release);
	sb_json_uint(js, "netns_inode", rd->netns_inode);
	sb_json_str(js, "attach_plan", rd->attach_plan);
	sb_json_i64_or_null(js, "effective_backlog", effective_backlog(rd));
	sb_json_uint(js, "t_start_ns", rd->t_start_ns);
	sb_json_uint(js, "t_end_ns", rd->t_end_ns);
	sb_json_obj_begin(js, "probes");
	sb_results_json_components(js, rd);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "options");
	sb_json_str(js, "netns", o->netns[0] ? o->netns : NULL);
	json_filters(js, o);
	if (o->duration_s > 0)
		sb_json_fixed(js, "duration", o->duration_s, 3);
	else
		sb_json_null(js, "duration");
	sb_json_uint(js, "max-conns", o->max_conns);
	sb_json_bool(js, "connlat", o->connlat);
	sb_json_bool(js, "trace-states", o->trace_states);
	sb_json_uint(js, "sample-us", o->sample_us);
	sb_json_uint(js, "attach", (uint64_t)o->attach);
	sb_json_str(js, "out", o->out);
	sb_json_str(js, "label", o->label);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "sysctls");
	for (size_t i = 0; i < rd->nsysctls; i++)
		sb_json_str(js, rd->sysctls[i].name, rd->sysctls[i].value);
	sb_json_obj_end(js);
	sb_json_obj_end(js);
	return sb_json__free(js);
}

/* ---- report.txt and the stdout summary ---- */

int sb_watch_write_report(FILE *f, const struct sb_watch_data *w,
			  const struct sb_watch_analysis *a)
{
	static const char *const lat_names[SB_NWLAT] = { "handshake", "child est",
							 "server close" };
	const struct sb_rundata *rd = w->rd;
	const struct sb_watch_opts *o = w->opts;
	char b[6][48];

	fprintf(f, "watch: netns %s (inode %llu), %.1f s%s, probes %s\n",
		o->netns[0] ? o->netns : "(caller's)", (unsigned long long)rd->netns_inode,
		duration_s(rd), rd->interrupted ? " (interrupted)" : "", rd->attach_plan);
	fprintf(f, "%-13s %10s %12s %12s %12s %12s\n", "us", "count", "p50", "p90", "p99", "max");
	for (int l = 0; l < SB_NWLAT; l++) {
		const struct sb_summary *s = &a->lat[l];

		fprintf(f, "%-13s %10llu %12s %12s %12s %12s\n", lat_names[l],
			(unsigned long long)s->count,
			s->count ? sb_fmt_scaled(b[0], 48, s->p50, 1000) : "-",
			s->count ? sb_fmt_scaled(b[1], 48, s->p90, 1000) : "-",
			s->count ? sb_fmt_scaled(b[2], 48, s->p99, 1000) : "-",
			s->count ? sb_fmt_scaled(b[3], 48, s->max, 1000) : "-");
	}
	fprintf(f, "clients %llu:", (unsigned long long)a->clients);
	for (int i = 0; i < SB_NWOUT_CLIENT; i++)
		fprintf(f, " %s %llu", sb_wout_name(i), (unsigned long long)a->outcomes[i]);
	fprintf(f, "\nchildren %llu:", (unsigned long long)a->children);
	for (int i = SB_NWOUT_CLIENT; i < SB_NWOUT; i++)
		fprintf(f, " %s %llu", sb_wout_name(i), (unsigned long long)a->outcomes[i]);
	fprintf(f, "\nhandshakes: %llu client, %llu server child", (unsigned long long)a->handshakes,
		(unsigned long long)a->child_handshakes);
	if (a->untimed)
		fprintf(f, " (%llu without a time: event missed)", (unsigned long long)a->untimed);
	fprintf(f, "; lost events %llu\n", (unsigned long long)a->lost_events);
	if (a->listener_drops >= 0)
		fprintf(f, "listen queue: overflows %lld (sk_drops of %llu listener%s %lld - "
			   "TCP_LISTEN_OVERFLOW skb drops); TcpExt ListenOverflows %lld, "
			   "TCPReqQFullDrop %lld, ListenDrops %lld\n",
			(long long)a->ids[SB_WID_LISTEN_OVERFLOWS].probe,
			(unsigned long long)a->listeners, a->listeners == 1 ? "" : "s",
			(long long)a->listener_drops,
			(long long)sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1),
			(long long)sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPReqQFullDrop", -1),
			(long long)sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenDrops", -1));
	for (int i = 0; i < SB_NWIDS; i++) {
		const struct sb_watch_id *id = &a->ids[i];

		fprintf(f, "%-17s %s", id->name, sb_id_status_name(id->status));
		if (id->probe >= 0 || id->kernel >= 0)
			fprintf(f, ": %lld vs %lld", (long long)id->probe, (long long)id->kernel);
		fprintf(f, " (%s)%s%s\n", id->what, id->status == SB_ID_SKIPPED ? "; " : "",
			id->status == SB_ID_SKIPPED ? id->why : "");
	}
	{
		uint64_t socks = rd->counters[SB_C_CLIENTS] + rd->counters[SB_C_CHILDREN];

		if (w->bpf_stats_on && rd->bpf_runs) {
			fprintf(f, "overhead: %llu BPF runs (every CPU, every namespace), %.3f ms in "
				   "BPF (%.0f ns/run",
				(unsigned long long)rd->bpf_runs, (double)rd->bpf_run_ns / 1e6,
				(double)rd->bpf_run_ns / (double)rd->bpf_runs);
			if (socks)
				fprintf(f, ", %.0f ns per socket watched",
					(double)rd->bpf_run_ns / (double)socks);
			fputs(")", f);
		} else {
			fputs("overhead: BPF run time not measured (kernel.bpf_stats_enabled off)", f);
		}
		fprintf(f, ", %llu state events in the namespace; this process while watching: "
			   "CPU user %.3f s sys %.3f s (loading the probes before: %.3f s)\n",
			(unsigned long long)rd->counters[SB_C_EVENTS], w->watch_cpu_user_s,
			w->watch_cpu_sys_s,
			rd->cpu_user_s + rd->cpu_sys_s - w->watch_cpu_user_s - w->watch_cpu_sys_s);
	}
	for (size_t i = 0; i < a->nwarnings; i++)
		fprintf(f, "warning: %s\n", a->warnings[i]);
	return ferror(f) ? -EIO : 0;
}

/* ---- the directory ---- */

struct wfile {
	const struct sb_watch_data *w;
	const struct sb_watch_analysis *a;
	int which;
};

static int write_one(FILE *f, void *ctx)
{
	const struct wfile *wf = ctx;
	int err;

	switch (wf->which) {
	case 0: err = sb_watch_write_config(f, wf->w); break;
	case 1: err = sb_watch_write_connections(f, wf->w, wf->a); break;
	case 2: err = sb_results_write_queue(f, wf->w->rd); break;
	case 3: {
		/* the dwell rows: the analysis of the kernel's histograms */
		struct sb_result *res = calloc(1, sizeof(*res));

		if (!res)
			return -ENOMEM;
		sb_analyze_kernel_hists(res, wf->w->rd);
		err = sb_results_write_dwell(f, res);
		sb_result__free(res);
		break;
	}
	case 4: err = sb_results_write_counters(f, wf->w->rd); break;
	case 5: err = sb_watch_write_report(f, wf->w, wf->a); break;
	default: err = sb_watch_write_summary(f, wf->w, wf->a); break;
	}
	return err;
}

int sb_watch_write(struct sb_watch_data *w, const char *dir)
{
	/* summary.json last: its presence says the results are complete */
	static const char *const names[] = { "config.json", "connections.csv", "queue.csv",
					     "dwell.csv",   "counters.csv",    "report.txt",
					     "summary.json" };
	struct sb_watch_analysis *a = NULL;
	int e = sb_mkdir_p(dir);

	if (e) {
		sb_error("watch: cannot create %s (%s); choose another --out", dir, strerror(-e));
		return 2;
	}
	e = sb_watch_analyse(w, &a);
	if (e) {
		sb_error("watch: analysing the records failed (%s)", strerror(-e));
		return 2;
	}
	for (int i = 0; i < 7 && !e; i++) {
		struct wfile wf = { w, a, i };

		e = sb_outdir_write_atomic(dir, names[i], write_one, &wf);
		if (e)
			sb_error("watch: writing %s/%s failed (%s)", dir, names[i], strerror(-e));
	}
	if (e) {
		sb_watch_analysis__free(a);
		return 2;
	}
	if (sb_render_dir(dir, w->opts->no_plot) != 0)
		sb_error("warning: some plots failed (see %s/plots/gnuplot.log); "
				"the result files are complete", dir);
	if (w->opts->json)
		sb_watch_write_summary(stdout, w, a);
	else if (!w->opts->quiet)
		sb_watch_write_report(stdout, w, a);
	if (!w->opts->json)
		printf("results: %s\n", dir);
	sb_watch_analysis__free(a);
	return 0;
}
