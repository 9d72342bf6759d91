/* The result files of a run: summary.json, config.json, connections.csv and the other CSVs. */
#include "harness/output/results.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/output/cost_json.h"
#include "harness/output/json.h"
#include "harness/output/hosts_json.h"
#include "harness/output/listeners_out.h"
#include "harness/run/mib.h"
#include "harness/output/outdir.h"
#include "harness/output/fmt.h"
#include "harness/output/results_watch.h"

static const char *const counter_names[SB_NCOUNTERS] = {
    [SB_C_EVENTS] = "events",
    [SB_C_CLIENTS] = "clients",
    [SB_C_CHILDREN] = "children",
    [SB_C_RECORDS] = "records",
    [SB_C_RB_FAIL] = "ring_buffer_lost",
    [SB_C_MAP_FULL] = "map_full",
    [SB_C_UNTRACKED] = "untracked",
    [SB_C_SYN_RETRANS] = "syn_retransmits",
    [SB_C_SYNACK_RETRANS] = "synack_retransmits",
    [SB_C_DROPS] = "drops",
    [SB_C_HIST_OVER] = "hist_over",
    [SB_C_TRACE_FAIL] = "trace_ring_full",
    [SB_C_REPLACED] = "close_missed_records",
    [SB_C_NESTED] = "nested_caught",
    [SB_C_SLOT_COLLISION] = "slot_collisions",
    [SB_C_PARTIAL] = "partial_records",
    [SB_C_RTT_SAMPLES] = "rtt_samples",
    [SB_C_NS2_SYN_RETRANS] = "client_ns_syn_retransmits",
    [SB_C_NS2_SYNACK_RETRANS] = "client_ns_synack_retransmits",
    [SB_C_NS2_DROPS] = "client_ns_drops",
};

/* MIB counters summary.json always carries, changed or not. */
static const char *const named_counters[][2] = {
    {"TcpExt", "ListenOverflows"},
    {"TcpExt", "ListenDrops"},
    {"TcpExt", "TCPSynRetrans"},
    {"TcpExt", "SyncookiesSent"},
    {"TcpExt", "SyncookiesRecv"},
    {"TcpExt", "SyncookiesFailed"},
    {"TcpExt", "TCPReqQFullDrop"},
    {"TcpExt", "TCPReqQFullDoCookies"},
    {"TcpExt", "EmbryonicRsts"},
    {"TcpExt", "TCPAbortOnData"},
    {"TcpExt", "TCPTimeouts"},
    {"Tcp", "ActiveOpens"},
    {"Tcp", "PassiveOpens"},
    {"Tcp", "AttemptFails"},
    {"Tcp", "EstabResets"},
    {"Tcp", "RetransSegs"},
    {"Tcp", "OutRsts"},
};

const char *sb_probe_counter_name(unsigned int c)
{
	return c < SB_NCOUNTERS && counter_names[c] ? counter_names[c] : "unknown";
}

/* ---- atomic files ---- */

struct file_job {
	int (*fn)(FILE *f, const struct sb_rundata *rd, const struct sb_result *res);
	const struct sb_rundata *rd;
	const struct sb_result *res;
};

static int write_job(FILE *f, void *ctx)
{
	const struct file_job *fj = ctx;

	return fj->fn(f, fj->rd, fj->res);
}

int sb_results_write_file(const char *dir, const char *name,
			  int (*fn)(FILE *f, const struct sb_rundata *rd,
				    const struct sb_result *res),
			  const struct sb_rundata *rd, const struct sb_result *res)
{
	struct file_job fj = {fn, rd, res};

	return sb_outdir_write_atomic(dir, name, write_job, &fj);
}

/* ---- CSV ---- */

int sb_results_write_queue(FILE *f, const struct sb_rundata *rd)
{
	char buf[48];

	fputs(SB_QUEUE_HEADER "\n", f);
	for (size_t i = 0; i < rd->nsamples; i++) {
		const struct sb_listen_sample *s = &rd->samples[i];

		char q[16] = ""; /* empty: the sampler's mode cannot see the SYN queue */

		char li[16] = ""; /* empty: not a socket of the built-in listener */

		if (s->syn_qlen != SB_SYN_QLEN_UNKNOWN)
			snprintf(q, sizeof(q), "%u", s->syn_qlen);
		for (uint32_t k = 0; s->cookie && k < rd->nown; k++)
			if (rd->own[k].cookie == s->cookie)
				snprintf(li, sizeof(li), "%u", k);
		fprintf(f, "%s,%u,%u,%u,%s,%u,%s,%" PRIu64 "\n",
			sb_fmt_scaled(buf, sizeof(buf), (int64_t)(s->ts - rd->t_start_ns), 1000000),
			(unsigned int)s->port, s->ack_backlog, s->max_ack_backlog, q, s->drops, li,
			(uint64_t)s->cookie);
	}
	return ferror(f) ? -EIO : 0;
}

int sb_results_write_dwell(FILE *f, const struct sb_result *res)
{
	char b[6][48];

	fputs(SB_DWELL_HEADER "\n", f);
	for (size_t i = 0; i < res->ndwell; i++) {
		const struct sb_dwell *d = &res->dwell[i];
		const struct sb_summary *s = &d->s;

		fprintf(f, "%s,%s,%" PRIu64 ",%s,%s,%s,%s,%s,%s\n", d->from, d->to, s->count,
			sb_fmt_scaled(b[0], 48, s->min, 1000), sb_fmt_scaled(b[1], 48, s->p50, 1000),
			sb_fmt_scaled(b[2], 48, s->p90, 1000), sb_fmt_scaled(b[3], 48, s->p99, 1000),
			sb_fmt_scaled(b[4], 48, s->p999, 1000),
			sb_fmt_scaled(b[5], 48, s->max, 1000));
	}
	return ferror(f) ? -EIO : 0;
}

static void counter_row(FILE *f, const char *source, const char *name, uint64_t v)
{
	sb_fmt_csv_field(f, source);
	fputc(',', f);
	sb_fmt_csv_field(f, name);
	fprintf(f, ",,%" PRIu64 ",%" PRIu64 "\n", v, v);
}

/* The kernel's name of a drop reason, or reason_N when its BTF had none. */
static const char *drop_name(const struct sb_rundata *rd, unsigned int r, char *buf, size_t len)
{
	if (rd->drop_names[r])
		return rd->drop_names[r];
	snprintf(buf, len, "reason_%u", r);
	return buf;
}

int sb_results_write_counters(FILE *f, const struct sb_rundata *rd)
{
	const struct lg_client_stats *cs = &rd->client;
	int probes = rd->opts ? !rd->opts->no_probes : rd->hists != NULL;

	fputs(SB_COUNTERS_HEADER "\n", f);
	for (size_t i = 0; i < rd->nmib; i++) {
		const struct sb_mib *m = &rd->mib[i];

		sb_fmt_csv_field(f, m->table);
		fputc(',', f);
		sb_fmt_csv_field(f, m->name);
		fprintf(f, ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n", m->before, m->after,
			m->after - m->before);
	}
	if (probes) {
		for (unsigned int c = 0; c < SB_NCOUNTERS; c++)
			counter_row(f, "probe", sb_probe_counter_name(c), rd->counters[c]);
		for (unsigned int r = 0; r < SB_MAX_DROP_REASONS; r++) {
			char name[32];

			if (rd->drops[r])
				counter_row(f, "drop_reason", drop_name(rd, r, name, sizeof(name)),
					    rd->drops[r]);
		}
	}
	counter_row(f, "lost", "ring_buffer_full", rd->counters[SB_C_RB_FAIL]);
	counter_row(f, "lost", "map_full", rd->counters[SB_C_MAP_FULL]);
	counter_row(f, "lost", "sampler_failed", rd->lost_samples);
	counter_row(f, "lost", "total",
		    rd->counters[SB_C_RB_FAIL] + rd->counters[SB_C_MAP_FULL] + rd->lost_samples);
	counter_row(f, "loadgen", "started", cs->started);
	counter_row(f, "loadgen", "done", cs->done);
	counter_row(f, "loadgen", "ok", cs->ok);
	counter_row(f, "loadgen", "failed", cs->failed);
	counter_row(f, "loadgen", "behind_schedule", cs->behind_schedule);
	counter_row(f, "loadgen", "max_lag_ns", cs->max_lag_ns);
	counter_row(f, "loadgen", "port_retries", cs->port_retries);
	return ferror(f) ? -EIO : 0;
}

/* ---- JSON ---- */

/* Negative: null (an option left at the namespace default, a counter absent). */
static void json_option(void *ctx, const char *key, const char *value, int numeric)
{
	struct sb_json *js = ctx;

	if (!numeric)
		sb_json_str(js, key, value);
	else if (value[0] == '-') /* -1: a sysctl left at the namespace default */
		sb_json_null(js, key);
	else if (strchr(value, '.'))
		sb_json_double(js, key, strtod(value, NULL));
	else
		sb_json_uint(js, key, strtoull(value, NULL, 10));
}

/* Every effective option, from the same table as --help and the dump. */
static void json_options(struct sb_json *js, const struct sb_opts *o)
{
	sb_json_obj_begin(js, "options");
	sb_opts_foreach(o, json_option, js);
	sb_json_obj_end(js);
}

/* probes.components: each component's mode, and why not the preferred one
 * (null when it ran in its best mode or the user turned it off). */
void sb_results_json_components(struct sb_json *js, const struct sb_rundata *rd)
{
	sb_json_obj_begin(js, "components");
	for (int c = 0; c < SB_NCOMPONENTS; c++) {
		const struct sb_component_state *s = &rd->components.c[c];

		sb_json_obj_begin(js, sb_component_name(c));
		sb_json_str(js, "mode", sb_comp_mode_name(s->mode));
		if (s->error[0])
			sb_json_str(js, "error", s->error);
		else
			sb_json_null(js, "error");
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
}

static int write_config(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	struct sb_json *js = sb_json__new(f, 1);

	if (!js)
		return -ENOMEM;
	sb_json_obj_begin(js, NULL);
	sb_json_int(js, "schema", SB_SUMMARY_SCHEMA);
	sb_json_str(js, "version", SB_VERSION);
	sb_json_str(js, "mode", rd->watch ? "watch" : "run");
	sb_json_str(js, "started_at", rd->started_at);
	sb_json_str(js, "kernel_release", rd->kernel_release);
	sb_json_uint(js, "netns_inode", rd->netns_inode);
	if (rd->client_netns_inode)
		sb_json_uint(js, "client_netns_inode", rd->client_netns_inode);
	sb_json_str(js, "attach_plan", rd->attach_plan);
	if (res && res->mode == SB_RESULT_WATCH)
		sb_json_i64_or_null(js, "effective_backlog", res->watch.effective_backlog);
	else
		sb_json_int(js, "effective_backlog", rd->effective_backlog);
	sb_json_uint(js, "t_start_ns", rd->t_start_ns);
	sb_json_uint(js, "t_end_ns", rd->t_end_ns);
	sb_json_obj_begin(js, "probes");
	sb_results_json_components(js, rd);
	sb_json_obj_end(js);
	if (rd->opts)
		json_options(js, rd->opts);
	else if (rd->watch)
		sb_results_json_watch_options(js, rd->watch);
	sb_json_obj_begin(js, "sysctls");
	for (size_t i = 0; i < rd->nsysctls; i++)
		sb_json_str(js, rd->sysctls[i].name, rd->sysctls[i].value);
	sb_json_obj_end(js);
	sb_json_obj_end(js);
	return sb_json__free(js);
}

int sb_results_write_config(FILE *f, const struct sb_rundata *rd)
{
	return write_config(f, rd, NULL);
}

/* A latency summary in us; values null when there is no sample. */
void sb_results_json_latency(struct sb_json *js, const char *key, const struct sb_summary *s,
			 int present)
{
	const int64_t v[] = {s->min, s->p50, s->p90, s->p99, s->p999, s->max};
	const char *const k[] = {"min", "p50", "p90", "p99", "p999", "max"};

	if (!present) {
		sb_json_null(js, key);
		return;
	}
	sb_json_obj_begin(js, key);
	sb_json_uint(js, "count", s->count);
	for (int i = 0; i < 6; i++) {
		if (s->count)
			sb_json_fixed(js, k[i], (double)v[i] / 1000.0, 3);
		else
			sb_json_null(js, k[i]);
	}
	if (s->count)
		sb_json_fixed(js, "mean", s->mean / 1000.0, 3);
	else
		sb_json_null(js, "mean");
	sb_json_obj_end(js);
}

static void json_mib_counters(struct sb_json *js, const char *key, const struct sb_mib *mib,
			      size_t nmib)
{
	const size_t nn = sizeof(named_counters) / sizeof(named_counters[0]);

	sb_json_obj_begin(js, key);
	for (size_t i = 0; i < nn; i++) {
		const struct sb_mib *m =
		    sb_mib_find(mib, nmib, named_counters[i][0], named_counters[i][1]);

		if (m)
			sb_json_int(js, m->name, m->after - m->before);
		else
			sb_json_null(js, named_counters[i][1]);
	}
	for (size_t i = 0; i < nmib; i++) {
		const struct sb_mib *m = &mib[i];
		int named = 0;

		if (m->after == m->before ||
		    (strcmp(m->table, "TcpExt") != 0 && strcmp(m->table, "Tcp") != 0))
			continue;
		for (size_t k = 0; k < nn && !named; k++)
			named = strcmp(m->table, named_counters[k][0]) == 0 &&
				strcmp(m->name, named_counters[k][1]) == 0;
		if (!named)
			sb_json_int(js, m->name, m->after - m->before);
	}
	sb_json_obj_end(js);
}

void sb_results_json_kernel_counters(struct sb_json *js, const struct sb_rundata *rd)
{
	json_mib_counters(js, "kernel_counters", rd->mib, rd->nmib);
	if (rd->client_mib) /* --topology veth: the client namespace's own */
		json_mib_counters(js, "client_kernel_counters", rd->client_mib, rd->nclient_mib);
}

static void json_probes(struct sb_json *js, const struct sb_rundata *rd,
			const struct sb_result *res)
{
	sb_json_obj_begin(js, "probes");
	sb_json_bool(js, "enabled", res->rec.probes);
	sb_json_str(js, "attach_plan", rd->attach_plan);
	sb_results_json_components(js, rd);
	sb_json_uint(js, "syn_retransmits", rd->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "synack_retransmits", rd->counters[SB_C_SYNACK_RETRANS]);
	sb_json_obj_begin(js, "drops_by_reason");
	for (unsigned int r = 0; r < SB_MAX_DROP_REASONS; r++) {
		char name[32];

		if (rd->drops[r])
			sb_json_uint(js, drop_name(rd, r, name, sizeof(name)), rd->drops[r]);
	}
	sb_json_obj_end(js);
	sb_json_uint(js, "drops", rd->counters[SB_C_DROPS]);
	sb_results_json_latency(js, "kernel_handshake", &res->kernel_handshake_hist,
				res->have_hists);
	sb_results_json_latency(js, "child_established", &res->child_est_hist, res->have_hists);
	sb_json_uint(js, "records", res->krecs);
	sb_json_uint(js, "records_written", rd->counters[SB_C_RECORDS]);
	sb_json_uint(js, "clients", rd->counters[SB_C_CLIENTS]);
	sb_json_uint(js, "children", rd->counters[SB_C_CHILDREN]);
	sb_json_uint(js, "client_records", res->counts.kclients);
	sb_json_uint(js, "child_records", res->counts.kchildren);
	sb_json_uint(js, "events", rd->counters[SB_C_EVENTS]);
	if (rd->watch) {
		sb_json_uint(js, "live_events", rd->watch->live_events);
		sb_json_uint(js, "trace_ring_full", rd->counters[SB_C_TRACE_FAIL]);
	}
	sb_json_uint(js, "untracked", rd->counters[SB_C_UNTRACKED]);
	sb_json_uint(js, "ring_buffer_lost", rd->counters[SB_C_RB_FAIL]);
	sb_json_uint(js, "map_full", rd->counters[SB_C_MAP_FULL]);
	sb_json_uint(js, "hist_over", rd->counters[SB_C_HIST_OVER]);
	sb_json_uint(js, "missed_events", rd->missed_events);
	sb_json_uint(js, "state_misses_recovered", rd->state_misses_recovered);
	sb_json_uint(js, "kernel_map_bytes", rd->kernel_map_bytes);
	sb_json_uint(js, "bpf_run_time_ns", rd->bpf_run_ns);
	sb_json_uint(js, "bpf_runs", rd->bpf_runs);
	sb_json_uint(js, "close_missed_records", rd->counters[SB_C_REPLACED]);
	sb_json_uint(js, "slot_collisions", rd->counters[SB_C_SLOT_COLLISION]);
	sb_json_uint(js, "partial_records", rd->counters[SB_C_PARTIAL]);
	sb_json_uint(js, "lost_samples", rd->lost_samples);
	sb_json_uint(js, "listener_samples", rd->nsamples);
	if (res->cost.probes)
		sb_results_json_cost(js, &res->cost);
	sb_json_obj_end(js);
}

/* --topology veth: each namespace's probe counts and MIB side by side. */
static void json_sides(struct sb_json *js, const struct sb_rundata *rd,
		       const struct sb_reconcile *r)
{
	uint64_t cdrops = rd->counters[SB_C_NS2_DROPS];

	sb_json_obj_begin(js, "client");
	sb_json_uint(js, "probe_syn_retransmits", r->probe_client_syn_retrans);
	sb_json_uint(js, "probe_synack_retransmits", r->probe_client_synack_retrans);
	sb_json_i64_or_null(js, "mib_tcp_syn_retrans", r->mib_client_syn_retrans);
	sb_json_i64_or_null(js, "mib_active_opens", r->mib_client_active_opens);
	sb_json_uint(js, "conns_started", r->conns_started);
	sb_json_uint(js, "probe_drops", cdrops); /* kfree_skb in the namespace */
	/* before 6.18: retransmits that failed to transmit, not traced */
	sb_json_bool(js, "retransmit_failures_traced", !r->retrans_fail_untraced);
	sb_json_int(js, "mib_retrans_fail", r->mib_client_retrans_fail);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "server");
	sb_json_uint(js, "probe_syn_retransmits", r->probe_server_syn_retrans);
	sb_json_uint(js, "probe_synack_retransmits", r->probe_server_synack_retrans);
	sb_json_i64_or_null(js, "mib_tcp_syn_retrans", r->mib_server_syn_retrans);
	sb_json_i64_or_null(js, "mib_active_opens", r->mib_server_active_opens);
	sb_json_uint(js, "probe_drops", rd->counters[SB_C_DROPS] - cdrops);
	sb_json_obj_end(js);
}

static void json_reconciliation(struct sb_json *js, const struct sb_rundata *rd,
				const struct sb_result *res)
{
	const struct sb_reconcile *r = &res->rec;
	const struct sb_join_counts *n = &res->counts;

	sb_json_obj_begin(js, "reconciliation");
	if (res->mode == SB_RESULT_WATCH) {
		sb_results_json_watch_reconciliation(js, rd, res);
		goto identities;
	}
	sb_json_uint(js, "client_established", r->client_established);
	sb_json_uint(js, "accepted", r->accepted);
	sb_json_uint(js, "queued", r->queued);
	sb_json_uint(js, "ghosts", r->ghosts);
	sb_json_uint(js, "tls_failed", r->tls_failed);
	sb_json_uint(js, "established_other", r->established_other);
	sb_json_uint(js, "revived", r->revived);
	sb_json_uint(js, "extra_children", r->extra_children);
	sb_json_uint(js, "extra_accepts", r->extra_accepts);
	sb_json_uint(js, "timeouts", r->timeouts);
	sb_json_i64_or_null(js, "syncookies", r->syncookies);
	sb_json_bool(js, "identity_checked", r->identity_checked);
	if (r->probes)
		sb_json_bool(js, "identity_holds", r->identity_holds);
	else
		sb_json_null(js, "identity_holds");
	sb_json_uint(js, "probe_syn_retransmits", r->probe_syn_retrans);
	sb_json_uint(js, "probe_synack_retransmits", r->probe_synack_retrans);
	sb_json_uint(js, "listen_overflow_skb_drops", r->listen_overflow_skb_drops);
	sb_json_i64_or_null(js, "mib_tcp_syn_retrans", r->mib_syn_retrans);
	sb_json_i64_or_null(js, "listener_drops", r->listener_drops);
	sb_json_i64_or_null(js, "mib_listen_drops", r->mib_listen_drops);
	sb_json_i64_or_null(js, "mib_listen_overflows", r->mib_listen_overflows);
	sb_json_i64_or_null(js, "softnet_dropped", r->softnet_dropped);
	sb_json_uint(js, "lost_events", r->lost_events);
	sb_json_uint(js, "user_conns", n->user_conns);
	sb_json_uint(js, "not_started", n->not_started);
	sb_json_uint(js, "with_cookie", n->with_cookie);
	sb_json_uint(js, "joined", n->joined);
	sb_json_uint(js, "kernel_clients_unmatched", n->kclients_unmatched);
	sb_json_uint(js, "kernel_children_unmatched", n->kchildren_unmatched);
	sb_json_uint(js, "kernel_children", n->kchildren);
	sb_json_uint(js, "kernel_children_by_isn", n->children_by_isn);
	sb_json_uint(js, "accepts", n->accepts);
	sb_json_uint(js, "accepts_unmatched", n->accepts_unmatched);
	sb_json_uint(js, "accepts_by_peer", n->accepts_by_peer);
	sb_json_uint(js, "child_cookies_shared", n->child_cookies_shared);
	sb_json_uint(js, "kernel_clients_established_inferred", n->kclients_est_inferred);
	sb_json_uint(js, "user_ok_kernel_not_established", n->user_ok_kernel_not_est);
	sb_json_uint(js, "duplicate_cookies", n->dup_cookies);
	if (r->two_sides)
		json_sides(js, rd, r);
identities:
	sb_json_obj_begin(js, "identities");
	for (int i = 0; i < SB_NIDENTITIES; i++) {
		const struct sb_identity *id = &res->ids[i];
		int watch = res->mode == SB_RESULT_WATCH;

		/* each mode's own, and those that mean the same in both */
		if (!sb_identity_of_mode(i, watch))
			continue;
		sb_json_obj_begin(js, sb_identity_name(i));
		sb_json_str(js, "status", sb_id_status_name(id->status));
		sb_json_str(js, "reason", id->status == SB_ID_SKIPPED ? id->why : NULL);
		sb_json_str(js, "identity", sb_identity_what(i));
		sb_json_i64_or_null(js, "probe", id->probe);
		sb_json_i64_or_null(js, "kernel", id->kernel);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
	sb_json_arr_begin(js, "warnings");
	for (size_t i = 0; i < r->nwarnings; i++)
		sb_json_str(js, NULL, r->warnings[i]);
	sb_json_arr_end(js);
	sb_json_obj_end(js);
}

int sb_results_write_summary(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	struct sb_json *js = sb_json__new(f, 1);
	static const char *const softnet[] = {"processed", "dropped", "time_squeeze"};
	const struct lg_client_stats *cs = &rd->client;
	int watch = res->mode == SB_RESULT_WATCH;

	if (!js)
		return -ENOMEM;
	sb_json_obj_begin(js, NULL);
	sb_json_int(js, "schema", SB_SUMMARY_SCHEMA);
	sb_json_str(js, "version", SB_VERSION);
	sb_json_str(js, "mode", watch ? "watch" : "run");
	sb_json_bool(js, "interrupted", res->interrupted);
	sb_json_str(js, "stop_reason", sb_stop_name(res->stop_reason));
	sb_json_uint(js, "conns_requested",
		     rd->opts ? rd->opts->conns : rd->watch ? rd->watch->max_conns : 0);
	sb_json_uint(js, "conns_started", res->conns_started);
	if (res->rec.join_rate < 0)
		sb_json_null(js, "join_rate");
	else
		sb_json_double(js, "join_rate", res->rec.join_rate);
	sb_json_uint(js, "lost_events", res->rec.lost_events);
	sb_json_fixed(js, "rate_conns_per_s", res->rate_conns_per_s, 3);
	sb_json_fixed(js, "duration_s", res->duration_s, 6);
	sb_json_uint(js, "max_rss_kb", rd->max_rss_kb);
	sb_json_fixed(js, "cpu_user_s", rd->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", rd->cpu_sys_s, 3);
	sb_json_str(js, "started_at", rd->started_at);
	sb_json_str(js, "label", rd->opts ? rd->opts->label : rd->watch ? rd->watch->label : "");
	if (watch)
		sb_json_i64_or_null(js, "effective_backlog", res->watch.effective_backlog);
	else
		sb_json_int(js, "effective_backlog", rd->effective_backlog);
	sb_json_str(js, "attach_plan", rd->attach_plan);
	sb_json_str(js, "kernel_release", rd->kernel_release);
	if (watch)
		sb_results_json_watch(js, rd, res);

	/* a watch has the kernel's latencies only: the others are null */
	sb_json_obj_begin(js, "latency_us");
	for (int l = 0; l < SB_NLATS; l++)
		sb_results_json_latency(js, sb_lat_name(l), &res->lat[l],
					!watch || l == SB_LAT_KERNEL_HANDSHAKE ||
					    l == SB_LAT_CHILD_EST || l == SB_LAT_SERVER_CLOSE);
	sb_json_obj_end(js);

	/* a watch's client sockets by outcome: accepted, queued and ghost
	 * mean what a run's do */
	sb_json_obj_begin(js, "outcomes");
	for (int o = 0; o < (watch ? SB_NWOUT_CLIENT : SB_NOUTCOMES); o++)
		sb_json_uint(js, watch ? sb_wout_name(o) : sb_outcome_name(o),
			     watch ? res->watch.outcomes[o] : res->counts.outcomes[o]);
	sb_json_obj_end(js);
	/* the kernel's cause of each failed client socket: its error at CLOSE */
	sb_json_obj_begin(js, "failure_causes");
	for (int c = SB_FAIL_NONE + 1; c < SB_NFAIL; c++)
		sb_json_uint(js, sb_fail_cause_name(c),
			     watch ? res->watch.causes[c] : res->counts.causes[c]);
	sb_json_obj_end(js);

	if (res->http) {
		sb_json_obj_begin(js, "http");
		sb_json_uint(js, "responses_2xx", res->http_2xx);
		sb_json_uint(js, "responses_other", res->http_other);
		sb_json_uint(js, "no_response", res->http_none);
		sb_json_obj_end(js);
	}
	sb_results_json_tls(js, rd, res);
	sb_results_json_kernel_counters(js, rd);
	sb_json_obj_begin(js, "softnet");
	for (int i = 0; i < 3; i++)
		sb_json_i64_or_null(js, softnet[i],
				 sb_mib_delta_or(rd->mib, rd->nmib, "softnet", softnet[i], -1));
	sb_json_obj_end(js);
	json_probes(js, rd, res);
	json_reconciliation(js, rd, res);
	sb_listeners_json(js, rd, res);
	sb_results_json_hosts(js, rd, res);
	if (watch)
		sb_results_json_overhead(js, rd, res);

	/* the analysis: in how many parts by client port the records were
	 * read (1: all in memory), and how many a signal let it finish */
	sb_json_obj_begin(js, "analysis");
	sb_json_uint(js, "parts", res->parts);
	sb_json_uint(js, "parts_analyzed", res->parts_done);
	sb_json_obj_end(js);
	if (!watch) {
		sb_json_obj_begin(js, "loadgen");
		sb_json_uint(js, "started", cs->started);
		sb_json_uint(js, "done", cs->done);
		sb_json_uint(js, "ok", cs->ok);
		sb_json_uint(js, "failed", cs->failed);
		sb_json_uint(js, "behind_schedule", cs->behind_schedule);
		sb_json_fixed(js, "max_lag_us", (double)cs->max_lag_ns / 1000.0, 3);
		sb_json_uint(js, "port_retries", cs->port_retries);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
	return sb_json__free(js);
}

/* ---- all files ---- */

static int w_queue(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	(void)res;
	return sb_results_write_queue(f, rd);
}

static int w_dwell(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	(void)rd;
	return sb_results_write_dwell(f, res);
}

static int w_counters(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	(void)res;
	return sb_results_write_counters(f, rd);
}

int sb_results_write(const char *dir, const struct sb_rundata *rd, const struct sb_result *res)
{
	static const struct {
		const char *name;
		int (*fn)(FILE *f, const struct sb_rundata *rd, const struct sb_result *res);
	} files[] = {
	    {"config.json", write_config},
	    {"queue.csv", w_queue},
	    {"dwell.csv", w_dwell},
	    {"counters.csv", w_counters},
	    /* last: its presence says the run's results are complete */
	    {"summary.json", sb_results_write_summary},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int err = sb_results_write_file(dir, files[i].name, files[i].fn, rd, res);

		if (err)
			return err;
	}
	return 0;
}
