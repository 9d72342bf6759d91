/* The blocks of summary.json and config.json only a watch has (bench
 * watch: mode "watch"), beside the ones every result has
 * (results.c). Serialization only. */
#include "harness/output/results_watch.h"

#include <sys/socket.h>

#include "harness/output/json.h"
#include "harness/run/mib.h"

static void json_filters(struct sb_json *js, const struct sb_watch_info *w)
{
	sb_json_obj_begin(js, "filters");
	sb_json_arr_begin(js, "ports");
	for (uint32_t i = 0; i < w->nports; i++)
		sb_json_uint(js, NULL, w->ports[i]);
	sb_json_arr_end(js);
	sb_json_i64_or_null(js, "pid", w->pid);
	sb_json_str(js, "comm", w->comm[0] ? w->comm : NULL);
	sb_json_str(js, "cgroup", w->cgroup[0] ? w->cgroup : NULL);
	sb_json_str(js, "family", w->family == AF_INET ? "ipv4" : w->family ? "ipv6" : NULL);
	sb_json_obj_end(js);
}

void sb_results_json_watch(struct sb_json *js, const struct sb_rundata *rd,
			   const struct sb_result *res)
{
	const struct sb_watch_info *w = rd->watch;
	const struct sb_watch_figures *a = &res->watch;

	sb_json_obj_begin(js, "watch");
	sb_json_str(js, "netns", w->netns[0] ? w->netns : NULL);
	sb_json_uint(js, "netns_inode", rd->netns_inode);
	json_filters(js, w);
	sb_json_bool(js, "filtered", w->filtered);
	if (w->duration_s > 0)
		sb_json_fixed(js, "duration_requested_s", w->duration_s, 3);
	else
		sb_json_null(js, "duration_requested_s");
	sb_json_uint(js, "max_conns", w->max_conns);
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
	sb_json_obj_begin(js, "children");
	for (int i = SB_NWOUT_CLIENT; i < SB_NWOUT; i++)
		sb_json_uint(js, sb_wout_name(i), a->outcomes[i]);
	sb_json_obj_end(js);
}

void sb_results_json_watch_reconciliation(struct sb_json *js, const struct sb_rundata *rd,
					  const struct sb_result *res)
{
	const struct sb_watch_figures *a = &res->watch;

	sb_json_uint(js, "handshakes", a->handshakes);
	sb_json_uint(js, "child_handshakes", a->child_handshakes);
	sb_json_uint(js, "client_records", a->clients);
	sb_json_uint(js, "child_records", a->children);
	sb_json_uint(js, "record_syn_retransmits", a->syn_retrans);
	sb_json_uint(js, "probe_syn_retransmits", rd->counters[SB_C_SYN_RETRANS]);
	sb_json_uint(js, "probe_synack_retransmits", rd->counters[SB_C_SYNACK_RETRANS]);
	sb_json_i64_or_null(js, "listener_drops", a->listener_drops);
	if (a->listen_overflow_known)
		sb_json_uint(js, "listen_overflow_skb_drops", a->listen_overflow_skb_drops);
	else
		sb_json_null(js, "listen_overflow_skb_drops");
	sb_json_i64_or_null(js, "overflows", a->overflows);
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
	sb_json_uint(js, "lost_events", res->rec.lost_events);
}

void sb_results_json_overhead(struct sb_json *js, const struct sb_rundata *rd,
			      const struct sb_result *res)
{
	const struct sb_watch_info *w = rd->watch;
	uint64_t socks = rd->counters[SB_C_CLIENTS] + rd->counters[SB_C_CHILDREN];

	sb_json_obj_begin(js, "overhead");
	sb_json_bool(js, "bpf_stats", rd->bpf_stats_on);
	sb_json_uint(js, "bpf_runs", rd->bpf_runs);
	sb_json_uint(js, "bpf_run_time_ns", rd->bpf_run_ns);
	if (rd->bpf_stats_on && rd->bpf_runs)
		sb_json_fixed(js, "ns_per_run", (double)rd->bpf_run_ns / (double)rd->bpf_runs, 1);
	else
		sb_json_null(js, "ns_per_run");
	if (rd->bpf_stats_on && socks)
		sb_json_fixed(js, "ns_per_socket", (double)rd->bpf_run_ns / (double)socks, 1);
	else
		sb_json_null(js, "ns_per_socket");
	sb_json_uint(js, "state_events", rd->counters[SB_C_EVENTS]);
	sb_json_uint(js, "live_events", w->live_events);
	sb_json_uint(js, "sockets", socks);
	sb_json_fixed(js, "cpu_user_s", rd->cpu_user_s, 3);
	sb_json_fixed(js, "cpu_sys_s", rd->cpu_sys_s, 3);
	sb_json_fixed(js, "watch_cpu_user_s", w->watch_cpu_user_s, 3);
	sb_json_fixed(js, "watch_cpu_sys_s", w->watch_cpu_sys_s, 3);
	sb_json_uint(js, "lost_events", res->rec.lost_events);
	sb_json_obj_end(js);
}

void sb_results_json_watch_options(struct sb_json *js, const struct sb_watch_info *w)
{
	sb_json_obj_begin(js, "options");
	sb_json_str(js, "netns", w->netns[0] ? w->netns : NULL);
	json_filters(js, w);
	if (w->duration_s > 0)
		sb_json_fixed(js, "duration", w->duration_s, 3);
	else
		sb_json_null(js, "duration");
	sb_json_uint(js, "max-conns", w->max_conns);
	sb_json_bool(js, "connlat", w->connlat);
	sb_json_bool(js, "trace-states", w->trace_states);
	sb_json_uint(js, "sample-us", w->sample_us);
	sb_json_uint(js, "attach", (uint64_t)w->attach);
	sb_json_str(js, "out", w->out);
	sb_json_str(js, "label", w->label);
	sb_json_obj_end(js);
}
