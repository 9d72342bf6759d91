/* summary.json's "hosts" (hosts_json.h). */
#include "harness/output/hosts_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/analysis/host_checks.h"
#include "harness/analysis/stats.h"
#include "harness/output/json.h"
#include "harness/run/hosts.h"
#include "harness/run/mib.h"

static size_t host_of(uint64_t cookie)
{
	return (size_t)(cookie >> SB_HOST_COOKIE_SHIFT);
}

/* What the merged join says about host i's connections or sockets. */
static void json_host_join(struct sb_json *js, const struct sb_rundata *rd,
			   const struct sb_join *j, size_t i)
{
	uint64_t rows = 0, joined = 0, accepted = 0, children = 0, children_joined = 0;

	for (size_t r = 0; r < j->nrows; r++) {
		if (host_of(j->rows[r].conn->cookie) != i)
			continue;
		rows++;
		joined += j->rows[r].kclient != NULL;
		accepted += j->rows[r].outcome == SB_OUT_ACCEPTED;
	}
	for (size_t k = 0; k < rd->nkrecs; k++)
		if (rd->krecs[k].role == SB_ROLE_CHILD && host_of(rd->krecs[k].cookie) == i) {
			children++;
			children_joined += j->krec_row[k] != SB_JOIN_NONE;
		}
	if (rd->hosts[i].role == SB_HOST_CLIENT) {
		sb_json_uint(js, "connections", rows);
		sb_json_uint(js, "joined", joined);
		sb_json_uint(js, "accepted", accepted);
	} else {
		sb_json_uint(js, "child_records", children);
		sb_json_uint(js, "child_records_joined", children_joined);
	}
}

/* Across hosts, with the clock offsets: client ESTABLISHED (its final ACK
 * leaves) to the server child's ESTABLISHED, per client host i; without
 * an overflow that is the ACK's one-way trip, with one it includes the
 * wait for the server's SYN-ACK retransmit or the client's next segment.
 * The offsets' uncertainty beside it. */
static void json_established_gap(struct sb_json *js, const struct sb_rundata *rd,
			     const struct sb_join *j, size_t i)
{
	const struct sb_host *srv = NULL;
	struct sb_hist *hist = sb_hist__new();
	struct sb_summary sum;
	int64_t off, unc;

	for (size_t k = 0; k < rd->nhosts; k++)
		if (rd->hosts[k].role == SB_HOST_SERVER)
			srv = &rd->hosts[k];
	if (!hist || !srv) {
		sb_hist__free(hist);
		return;
	}
	/* server clock - client clock, each measured against ours */
	off = srv->clock_offset_ns - rd->hosts[i].clock_offset_ns;
	unc = srv->clock_uncertainty_ns + rd->hosts[i].clock_uncertainty_ns;
	for (size_t r = 0; r < j->nrows; r++) {
		const struct sb_join_row *w = &j->rows[r];

		if (host_of(w->conn->cookie) != i || !w->kclient || !w->kchild ||
		    !w->kclient->ts[SB_TCP_ESTABLISHED] || !w->kchild->ts[SB_TCP_ESTABLISHED])
			continue;
		sb_hist__add(hist, (int64_t)(w->kchild->ts[SB_TCP_ESTABLISHED] - w->kclient->ts[SB_TCP_ESTABLISHED]) - off);
	}
	sb_hist__summary(hist, &sum);
	sb_hist__free(hist);
	sb_json_obj_begin(js, "established_gap_us");
	sb_json_uint(js, "count", sum.count);
	if (sum.count) {
		sb_json_fixed(js, "p50", sum.p50 / 1000.0, 3);
		sb_json_fixed(js, "p99", sum.p99 / 1000.0, 3);
	} else {
		sb_json_null(js, "p50");
		sb_json_null(js, "p99");
	}
	sb_json_fixed(js, "uncertainty", unc / 1000.0, 3);
	sb_json_obj_end(js);
}

static void json_host(struct sb_json *js, const struct sb_rundata *rd, const struct sb_join *j,
		      size_t i)
{
	static const char *const counters[][2] = {
	    {"Tcp", "ActiveOpens"},	    {"Tcp", "PassiveOpens"},	  {"TcpExt", "TCPSynRetrans"},
	    {"TcpExt", "ListenOverflows"}, {"TcpExt", "ListenDrops"},	  {"TcpExt", "SyncookiesSent"},
	    {"TcpExt", "TCPRetransFail"},
	};
	const struct sb_host *h = &rd->hosts[i];
	const struct sb_rundata *hr = &h->rd;
	struct sb_host_check c[SB_HOST_MAX_CHECKS];
	double secs = hr->t_end_ns > hr->t_start_ns ? (hr->t_end_ns - hr->t_start_ns) / 1e9 : 0;
	uint64_t n = h->role == SB_HOST_CLIENT ? hr->client.started : hr->naccepts;
	int nc = sb_host_checks(h, c);

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
	sb_json_fixed(js, "rate_per_s", secs > 0 ? n / secs : 0, 1);
	sb_json_fixed(js, "cpu_user_s", hr->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", hr->cpu_sys_s, 3);
	sb_json_uint(js, "max_rss_kb", hr->max_rss_kb);
	json_host_join(js, rd, j, i);
	if (h->role == SB_HOST_CLIENT)
		json_established_gap(js, rd, j, i);
	sb_json_obj_begin(js, "kernel_counters");
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
		sb_json_i64_or_null(js, counters[k][1], sb_mib_delta_or(hr->mib, hr->nmib, counters[k][0], counters[k][1], -1));
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "probes");
	sb_json_uint(js, "syn_retransmits", hr->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "synack_retransmits", hr->counters[SB_C_SYNACK_RETRANS]);
	sb_json_uint(js, "drops", hr->counters[SB_C_DROPS]);
	sb_json_uint(js, "records", hr->nkrecs);
	sb_json_uint(js, "lost_events", hr->counters[SB_C_RB_FAIL] + hr->counters[SB_C_MAP_FULL] +
					    hr->lost_samples + hr->missed_events);
	if (hr->nsamples)
		sb_json_uint(js, "listener_drops", hr->samples[hr->nsamples - 1].drops);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "identities");
	for (int k = 0; k < nc; k++) {
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
			   const struct sb_join *j)
{
	if (!rd->nhosts)
		return;
	sb_json_arr_begin(js, "hosts");
	for (size_t i = 0; i < rd->nhosts; i++)
		json_host(js, rd, j, i);
	sb_json_arr_end(js);
}

