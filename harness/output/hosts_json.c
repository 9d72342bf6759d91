/* summary.json's "hosts" (hosts_json.h). */
#include "harness/output/hosts_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/output/json.h"
#include "harness/run/mib.h"

/* What the join says about host i's connections or sockets, and (client
 * hosts) the gap from its client ESTABLISHED to the server child's. */
static void json_host_join(struct sb_json *js, const struct sb_host *h,
			   const struct sb_host_result *r)
{
	const struct sb_summary *g = &r->established_gap;

	if (h->role != SB_HOST_CLIENT) {
		sb_json_uint(js, "child_records", r->children);
		sb_json_uint(js, "child_records_joined", r->children_joined);
		return;
	}
	sb_json_uint(js, "connections", r->rows);
	sb_json_uint(js, "joined", r->joined);
	sb_json_uint(js, "accepted", r->accepted);
	sb_json_obj_begin(js, "established_gap_us");
	sb_json_uint(js, "count", g->count);
	if (g->count) {
		sb_json_fixed(js, "p50", g->p50 / 1000.0, 3);
		sb_json_fixed(js, "p99", g->p99 / 1000.0, 3);
	} else {
		sb_json_null(js, "p50");
		sb_json_null(js, "p99");
	}
	sb_json_fixed(js, "uncertainty", r->gap_uncertainty_ns / 1000.0, 3);
	sb_json_obj_end(js);
}

static void json_host(struct sb_json *js, const struct sb_rundata *rd, const struct sb_result *res,
		      size_t i)
{
	static const char *const counters[][2] = {
	    {"Tcp", "ActiveOpens"},	    {"Tcp", "PassiveOpens"},	  {"TcpExt", "TCPSynRetrans"},
	    {"TcpExt", "ListenOverflows"}, {"TcpExt", "ListenDrops"},	  {"TcpExt", "SyncookiesSent"},
	    {"TcpExt", "TCPRetransFail"},
	};
	const struct sb_host *h = &rd->hosts[i];
	const struct sb_rundata *hr = &h->rd;
	const struct sb_host_result *r = &res->hosts[i];
	const struct sb_host_check *c = r->checks;

	sb_json_obj_begin(js, NULL);
	sb_json_str(js, "name", h->name);
	sb_json_str(js, "role", h->role == SB_HOST_SERVER ? "server" : "client");
	sb_json_str(js, "via", h->via);
	sb_json_str(js, "hostname", h->hostname);
	sb_json_str(js, "kernel_release", hr->kernel_release);
	sb_json_uint(js, "netns_inode", hr->netns_inode);
	sb_json_bool(js, "lost", h->lost);
	sb_json_bool(js, "interrupted", hr->interrupted);
	sb_json_int(js, "clock_offset_ns", h->clock_offset_ns);
	sb_json_int(js, "clock_uncertainty_ns", h->clock_uncertainty_ns);
	if (h->role == SB_HOST_CLIENT) {
		sb_json_uint(js, "conns_share", h->conns_share);
		sb_json_uint(js, "conns_started", hr->client.started);
		sb_json_uint(js, "conns_ok", hr->client.ok);
	} else {
		sb_json_int(js, "effective_backlog", hr->effective_backlog);
		sb_json_uint(js, "accepts", hr->naccepts);
	}
	/* connects (client) or accepts (server) per second of its own run */
	sb_json_fixed(js, "rate_per_s", r->rate_per_s, 1);
	sb_json_fixed(js, "cpu_user_s", hr->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", hr->cpu_sys_s, 3);
	sb_json_uint(js, "max_rss_kb", hr->max_rss_kb);
	json_host_join(js, h, r);
	sb_json_obj_begin(js, "kernel_counters");
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
		sb_json_i64_or_null(js, counters[k][1], sb_mib_delta_or(hr->mib, hr->nmib, counters[k][0], counters[k][1], -1));
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "probes");
	sb_json_uint(js, "syn_retransmits", hr->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "synack_retransmits", hr->counters[SB_C_SYNACK_RETRANS]);
	sb_json_uint(js, "drops", hr->counters[SB_C_DROPS]);
	sb_json_uint(js, "records", hr->nkrecs);
	sb_json_uint(js, "lost_events", r->lost_events);
	if (hr->nsamples)
		sb_json_uint(js, "listener_drops", hr->samples[hr->nsamples - 1].drops);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "identities");
	for (int k = 0; k < r->nchecks; k++) {
		sb_json_obj_begin(js, sb_identity_name(c[k].id));
		sb_json_str(js, "status", sb_id_status_name(c[k].r.status));
		sb_json_i64_or_null(js, "probe", c[k].probe);
		sb_json_i64_or_null(js, "kernel", c[k].kernel);
		if (c[k].r.status == SB_ID_SKIPPED)
			sb_json_str(js, "reason", c[k].r.why);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
	sb_json_obj_end(js);
}

void sb_results_json_hosts(struct sb_json *js, const struct sb_rundata *rd,
			   const struct sb_result *res)
{
	if (!rd->nhosts || res->nhosts != rd->nhosts)
		return;
	sb_json_arr_begin(js, "hosts");
	for (size_t i = 0; i < rd->nhosts; i++)
		json_host(js, rd, res, i);
	sb_json_arr_end(js);
}

