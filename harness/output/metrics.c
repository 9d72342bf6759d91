/* /metrics and / of bench watch --serve, serialized from the result
 * (metrics.h). */
#include "harness/output/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/output/fmt.h"

/* The namespace as a label value: --netns NAME, or the inode of the
 * namespace the watch was started in. */
static void netns_label(const struct sb_rundata *rd, char *buf, size_t len)
{
	if (rd->watch && rd->watch->netns[0])
		snprintf(buf, len, "%s", rd->watch->netns);
	else
		snprintf(buf, len, "%" PRIu64, rd->netns_inode);
}

/* A label value as the exposition format wants it: \, " and newline
 * escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

struct mw {
	FILE *f;
	char ns[128];
};

static void family(struct mw *w, const char *name, const char *type, const char *help)
{
	fprintf(w->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{netns="..",k1="v1",k2="v2"} (k NULL: fewer labels) */
static void sample_begin(struct mw *w, const char *name, const char *k1, const char *v1,
			 const char *k2, const char *v2)
{
	fprintf(w->f, "%s{netns=\"", name);
	label_value(w->f, w->ns);
	fputc('"', w->f);
	if (k1) {
		fprintf(w->f, ",%s=\"", k1);
		label_value(w->f, v1);
		fputc('"', w->f);
	}
	if (k2) {
		fprintf(w->f, ",%s=\"", k2);
		label_value(w->f, v2);
		fputc('"', w->f);
	}
	fputs("} ", w->f);
}

static void u64(struct mw *w, const char *name, const char *k1, const char *v1, uint64_t v)
{
	sample_begin(w, name, k1, v1, NULL, NULL);
	fprintf(w->f, "%" PRIu64 "\n", v);
}

static void dbl(struct mw *w, const char *name, double v)
{
	sample_begin(w, name, NULL, NULL, NULL, NULL);
	fprintf(w->f, "%.9g\n", v);
}

static const char *const sides[2] = {"client", "server"};

static void hist(struct mw *w, const char *name, const struct sb_live_hist *h, const char *side)
{
	char le[32], n[96];

	snprintf(n, sizeof(n), "%s_bucket", name);
	for (int i = 0; i < SB_LIVE_LE; i++) {
		if (i == SB_LIVE_LE - 1)
			snprintf(le, sizeof(le), "+Inf");
		else
			snprintf(le, sizeof(le), "%g", h->le_s[i]);
		sample_begin(w, n, "side", side, "le", le);
		fprintf(w->f, "%" PRIu64 "\n", h->cum[i]);
	}
	snprintf(n, sizeof(n), "%s_sum", name);
	sample_begin(w, n, "side", side, NULL, NULL);
	fprintf(w->f, "%.9g\n", h->sum_s);
	snprintf(n, sizeof(n), "%s_count", name);
	sample_begin(w, n, "side", side, NULL, NULL);
	fprintf(w->f, "%" PRIu64 "\n", h->count);
}

static const char *fam_name(uint16_t family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

/* The per-listener gauges: one sample per socket of each group. */
static void listener_gauge(struct mw *w, const struct sb_live *l, const char *name, int which)
{
	for (size_t i = 0; i < l->nl; i++) {
		const struct sb_live_listener *g = &l->l[i];

		for (uint32_t m = 0; m < g->members && m < SB_LIVE_MEMBERS; m++) {
			uint32_t v = which == 0	  ? g->m[m].depth
				     : which == 1 ? g->m[m].limit
						  : g->m[m].syn_qlen;

			if (which == 2 && v == SB_SYN_QLEN_UNKNOWN)
				continue;
			fprintf(w->f, "%s{netns=\"", name);
			label_value(w->f, w->ns);
			fprintf(w->f, "\",port=\"%u\",family=\"%s\",socket=\"%u\"} %u\n", g->port,
				fam_name(g->family), m, v);
		}
	}
}

/* Client outcomes in the order the result keeps them, children apart. */
static void outcomes(struct mw *w, const struct sb_result *res)
{
	static const char *const child_names[SB_NWOUT] = {
	    [SB_WOUT_SERVED] = "served",
	    [SB_WOUT_CHILD_OPEN] = "open",
	    [SB_WOUT_CHILD_RESET] = "reset",
	    [SB_WOUT_CHILD_FAILED] = "failed",
	};

	family(w, "synbench_client_outcomes_total", "counter",
	       "Client sockets by outcome, counted when decided: accepted (its server child "
	       "here was closed by the server), queued (its child was not), ghost (ESTABLISHED, "
	       "no server child, a listener on its port here), established (the server is "
	       "elsewhere), failed (never ESTABLISHED).");
	for (int o = 0; o < SB_NWOUT_CLIENT; o++)
		if (o != SB_WOUT_OPEN)
			u64(w, "synbench_client_outcomes_total", "outcome", sb_wout_name(o),
			    res->watch.outcomes[o]);
	family(w, "synbench_client_failures_total", "counter",
	       "Failed client sockets by cause, the kernel's (sk_err as the socket entered "
	       "CLOSE): timeout (SYN retries ran out), refused (RST to the SYN), reset (RST "
	       "after the SYN-ACK, no server socket), unreachable (ICMP, no neighbour), aborted "
	       "(the application closed it first), other.");
	for (int c = SB_FAIL_NONE + 1; c < SB_NFAIL; c++)
		u64(w, "synbench_client_failures_total", "cause", sb_fail_cause_name(c),
		    res->watch.causes[c]);
	family(w, "synbench_server_outcomes_total", "counter",
	       "Server children by outcome: served (closed by the server), reset (ESTABLISHED "
	       "then CLOSE directly), failed (never ESTABLISHED).");
	for (int o = SB_WOUT_SERVED; o < SB_NWOUT; o++)
		if (o != SB_WOUT_CHILD_OPEN)
			u64(w, "synbench_server_outcomes_total", "outcome", child_names[o],
			    res->watch.outcomes[o]);
}

int sb_metrics_text(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	const struct sb_live *l = res->live;
	struct mw w = {.f = f};

	if (!l)
		return -EINVAL;
	netns_label(rd, w.ns, sizeof(w.ns));
	family(&w, "synbench_up", "gauge", "1 while the probes are attached.");
	u64(&w, "synbench_up", NULL, NULL, 1);
	family(&w, "synbench_sockets_total", "counter",
	       "Sockets the probes tracked: client (CLOSE->SYN_SENT; Tcp ActiveOpens when no "
	       "--port filter) and server children (LISTEN->SYN_RECV; Tcp PassiveOpens).");
	for (int s = 0; s < 2; s++)
		u64(&w, "synbench_sockets_total", "side", sides[s], l->sockets[s]);
	family(&w, "synbench_handshake_duration_seconds", "histogram",
	       "Handshakes timed in the kernel: client SYN_SENT->ESTABLISHED, server child "
	       "SYN_RECV->ESTABLISHED (cumulative kernel histograms; a bound counts a kernel "
	       "bucket whose upper end it covers; _sum from bucket midpoints, within 0.4%).");
	for (int s = 0; s < 2; s++)
		hist(&w, "synbench_handshake_duration_seconds", &l->hs[s], sides[s]);
	family(&w, "synbench_handshakes_total", "counter",
	       "Sockets whose record shows ESTABLISHED (its stamp, or a state only an "
	       "established socket enters), by side.");
	u64(&w, "synbench_handshakes_total", "side", "client", res->watch.handshakes);
	u64(&w, "synbench_handshakes_total", "side", "server", res->watch.child_handshakes);
	family(&w, "synbench_handshakes_untimed_total", "counter",
	       "Handshakes whose ESTABLISHED event the probes missed: in handshakes_total, not "
	       "in the histogram.");
	u64(&w, "synbench_handshakes_untimed_total", NULL, NULL, res->watch.untimed);
	outcomes(&w, res);
	family(&w, "synbench_client_unpaired_total", "counter",
	       "Established clients (or children) whose other end could not be waited for "
	       "(the pairing table was full): no outcome counted for the client.");
	u64(&w, "synbench_client_unpaired_total", NULL, NULL, l->unpaired);
	family(&w, "synbench_pairing_waiting", "gauge",
	       "Closed sockets whose other end's record is awaited (bounded tables): no "
	       "outcome counted for such a client yet.");
	for (int s = 0; s < 2; s++)
		u64(&w, "synbench_pairing_waiting", "side", sides[s], l->waiting[s]);
	family(&w, "synbench_revived_ghosts_total", "counter",
	       "Clients whose server child appeared only after the client's FIN (a syncookie "
	       "ghost revived by its own FIN).");
	u64(&w, "synbench_revived_ghosts_total", NULL, NULL, l->revived);
	family(&w, "synbench_syn_retransmits_total", "counter",
	       "SYN retransmits (tcp_retransmit_skb in SYN_SENT), the whole namespace.");
	u64(&w, "synbench_syn_retransmits_total", NULL, NULL, l->syn_retrans);
	family(&w, "synbench_synack_retransmits_total", "counter",
	       "SYN-ACK retransmits (tcp_retransmit_synack), the whole namespace.");
	u64(&w, "synbench_synack_retransmits_total", NULL, NULL, l->synack_retrans);
	family(&w, "synbench_accept_queue_depth", "gauge",
	       "Connections in a listener's accept queue (sk_ack_backlog) at the last sample.");
	listener_gauge(&w, l, "synbench_accept_queue_depth", 0);
	family(&w, "synbench_accept_queue_limit", "gauge",
	       "A listener's effective backlog (sk_max_ack_backlog); the queue holds one more.");
	listener_gauge(&w, l, "synbench_accept_queue_limit", 1);
	family(&w, "synbench_syn_queue_depth", "gauge",
	       "Request sockets of a listener (its SYN queue) at the last sample.");
	listener_gauge(&w, l, "synbench_syn_queue_depth", 2);
	family(&w, "synbench_listener_groups_untracked", "gauge",
	       "Listener groups (port, family) seen beyond the ones shown one by one: their "
	       "gauges and drops are not in these series.");
	u64(&w, "synbench_listener_groups_untracked", NULL, NULL, l->listeners_untracked);
	family(&w, "synbench_listener_drops_total", "counter",
	       "A listener's sk_drops gained while watched (ListenDrops on it, and its "
	       "TCP_LISTEN_OVERFLOW skb drops), the SO_REUSEPORT group summed.");
	for (size_t i = 0; i < l->nl; i++) {
		char port[8];

		snprintf(port, sizeof(port), "%u", l->l[i].port);
		sample_begin(&w, "synbench_listener_drops_total", "port", port, "family",
			     fam_name(l->l[i].family));
		fprintf(f, "%" PRIu64 "\n", l->l[i].drops);
	}
	/* before Linux 6.15 no skb drop reason sets the overflows apart from
	 * the listeners' other drops (synbench_listener_drops_total has them) */
	if (res->watch.overflows >= 0 && res->watch.listen_overflow_known) {
		family(&w, "synbench_listen_overflows_total", "counter",
		       "Listeners' sk_drops minus TCP_LISTEN_OVERFLOW skb drops: TcpExt "
		       "ListenOverflows + TCPReqQFullDrop of the namespace, from the probes.");
		u64(&w, "synbench_listen_overflows_total", NULL, NULL,
		    (uint64_t)res->watch.overflows);
	}
	family(&w, "synbench_drops_total", "counter",
	       "Packets the kernel dropped in the namespace (kfree_skb), by drop reason.");
	for (size_t i = 0; i < l->ndrops; i++)
		u64(&w, "synbench_drops_total", "reason", l->drops[i].name, l->drops[i].n);
	family(&w, "synbench_lost_events_total", "counter",
	       "Events the probes lost, by cause: ring (ring buffer full), map (socket map "
	       "full), skipped (the kernel skipped a program: recursion), sampler (failed "
	       "listener reads).");
	u64(&w, "synbench_lost_events_total", "cause", "ring", l->lost_ring);
	u64(&w, "synbench_lost_events_total", "cause", "map", l->lost_map);
	u64(&w, "synbench_lost_events_total", "cause", "skipped", l->lost_skipped);
	u64(&w, "synbench_lost_events_total", "cause", "sampler", l->lost_sampler);
	family(&w, "synbench_identity_holds", "gauge",
	       "1 when a reconciliation identity with the namespace's counters holds since "
	       "the watch began, 0 when it fails; absent when it cannot be checked.");
	for (int i = SB_NRUN_IDENTITIES; i < SB_NIDENTITIES; i++)
		if (res->ids[i].status != SB_ID_SKIPPED)
			u64(&w, "synbench_identity_holds", "identity", sb_identity_name(i),
			    res->ids[i].status == SB_ID_HOLDS);
	if (res->ids[SB_ID_SYN_RETRANS].status != SB_ID_SKIPPED)
		u64(&w, "synbench_identity_holds", "identity", sb_identity_name(SB_ID_SYN_RETRANS),
		    res->ids[SB_ID_SYN_RETRANS].status == SB_ID_HOLDS);
	family(&w, "synbench_tracked_sockets", "gauge",
	       "Sockets the kernel side tracks now (in flight: opened, not yet CLOSE).");
	u64(&w, "synbench_tracked_sockets", NULL, NULL, l->in_flight);
	family(&w, "synbench_records_total", "counter",
	       "Per-connection records read from the kernel and folded (none is kept).");
	u64(&w, "synbench_records_total", NULL, NULL, l->records);
	if (l->bpf_stats_on) {
		family(&w, "synbench_bpf_run_seconds_total", "counter",
		       "Time the probes' BPF programs ran (every CPU; every namespace's events "
		       "reach the filter).");
		dbl(&w, "synbench_bpf_run_seconds_total", (double)l->bpf_run_ns / 1e9);
		family(&w, "synbench_bpf_runs_total", "counter", "Runs of the probes' programs.");
		u64(&w, "synbench_bpf_runs_total", NULL, NULL, l->bpf_runs);
	}
	fprintf(f,
		"# HELP process_cpu_seconds_total Total user and system CPU time spent in "
		"seconds.\n# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.6f\n",
		l->cpu_s);
	fprintf(f,
		"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %" PRIu64 "\n",
		l->rss_bytes);
	fprintf(f,
		"# HELP process_start_time_seconds Start time of the process since unix "
		"epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %.3f\n",
		l->started_unix_s);
	return ferror(f) ? -EIO : 0;
}

/* ---- the page ---- */

static void row(FILE *f, const char *name, uint64_t v)
{
	char b[32];

	fprintf(f, "<tr><td>%s</td><td class=n>%s</td></tr>\n", name,
		sb_fmt_count(b, sizeof(b), (int64_t)v));
}

static void lat_row(FILE *f, const char *name, const struct sb_summary *s)
{
	char a[32], b[32], c[32];

	if (!s->count) {
		fprintf(f, "<tr><td>%s</td><td class=n>0</td><td></td><td></td><td></td></tr>\n",
			name);
		return;
	}
	fprintf(f,
		"<tr><td>%s</td><td class=n>%" PRIu64 "</td><td class=n>%s</td>"
		"<td class=n>%s</td><td class=n>%s</td></tr>\n",
		name, s->count, sb_fmt_us(a, sizeof(a), (double)s->p50 / 1e3),
		sb_fmt_us(b, sizeof(b), (double)s->p99 / 1e3),
		sb_fmt_us(c, sizeof(c), (double)s->max / 1e3));
}

int sb_metrics_html(FILE *f, const struct sb_rundata *rd, const struct sb_result *res)
{
	const struct sb_live *l = res->live;
	const struct sb_watch_figures *a = &res->watch;
	char ns[128];

	if (!l)
		return -EINVAL;
	netns_label(rd, ns, sizeof(ns));
	fputs("<!doctype html>\n<html><head><meta charset=utf-8><title>synbench watch</title>\n"
	      "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;"
	      "margin:.5em 0 1.2em}td,th{border:1px solid #ccc;padding:2px 8px}"
	      ".n{text-align:right}</style></head><body>\n<h1>synbench watch: ",
	      f);
	sb_fmt_markup(f, ns);
	fprintf(f,
		"</h1>\n<p>Since the watch began %.0f s ago; <a href=\"/metrics\">/metrics</a> "
		"has every figure.</p>\n",
		l->uptime_s);
	fputs("<h2>Handshakes (kernel)</h2>\n<table><tr><th></th><th>count</th><th>p50</th>"
	      "<th>p99</th><th>max</th></tr>\n",
	      f);
	lat_row(f, "client SYN_SENT&rarr;ESTABLISHED", &res->kernel_handshake_hist);
	lat_row(f, "server child SYN_RECV&rarr;ESTABLISHED", &res->child_est_hist);
	fputs("</table>\n<h2>Sockets and outcomes</h2>\n<table>\n", f);
	row(f, "client sockets", l->sockets[0]);
	row(f, "server children", l->sockets[1]);
	for (int o = 0; o < SB_NWOUT; o++)
		if (o != SB_WOUT_OPEN && o != SB_WOUT_CHILD_OPEN) {
			char n[64];

			snprintf(n, sizeof(n), "%s %s",
				 o < SB_NWOUT_CLIENT ? "clients" : "children", sb_wout_name(o));
			row(f, n, a->outcomes[o]);
		}
	row(f, "revived ghosts", l->revived);
	row(f, "unpaired (table full)", l->unpaired);
	row(f, "SYN retransmits", l->syn_retrans);
	row(f, "SYN-ACK retransmits", l->synack_retrans);
	if (a->overflows >= 0)
		row(f, "listen overflows", (uint64_t)a->overflows);
	row(f, "lost events", res->rec.lost_events);
	row(f, "sockets in flight", l->in_flight);
	fputs("</table>\n<h2>Listeners</h2>\n<table><tr><th>port</th><th>family</th>"
	      "<th>socket</th><th>accept queue</th><th>limit</th><th>SYN queue</th>"
	      "<th>drops (group)</th></tr>\n",
	      f);
	for (size_t i = 0; i < l->nl; i++)
		for (uint32_t m = 0; m < l->l[i].members && m < SB_LIVE_MEMBERS; m++) {
			fprintf(f,
				"<tr><td>%u</td><td>%s</td><td>%u</td><td class=n>%u</td>"
				"<td class=n>%u</td><td class=n>",
				l->l[i].port, fam_name(l->l[i].family), m, l->l[i].m[m].depth,
				l->l[i].m[m].limit);
			if (l->l[i].m[m].syn_qlen != SB_SYN_QLEN_UNKNOWN)
				fprintf(f, "%u", l->l[i].m[m].syn_qlen);
			fprintf(f, "</td><td class=n>%" PRIu64 "</td></tr>\n", l->l[i].drops);
		}
	fputs("</table>\n<h2>Drops by reason</h2>\n<table>\n", f);
	for (size_t i = 0; i < l->ndrops; i++) {
		fputs("<tr><td>", f);
		sb_fmt_markup(f, l->drops[i].name);
		fprintf(f, "</td><td class=n>%" PRIu64 "</td></tr>\n", l->drops[i].n);
	}
	fputs("</table>\n<h2>Checks against the namespace's counters</h2>\n<table>\n", f);
	for (int i = SB_ID_SYN_RETRANS; i < SB_NIDENTITIES; i++) {
		if (i > SB_ID_SYN_RETRANS && i < SB_NRUN_IDENTITIES)
			continue;
		fprintf(f, "<tr><td>%s</td><td>%s</td><td>", sb_identity_name(i),
			sb_id_status_name(res->ids[i].status));
		if (res->ids[i].status == SB_ID_SKIPPED)
			sb_fmt_markup(f, res->ids[i].why);
		else
			fprintf(f, "%" PRId64 " vs %" PRId64, res->ids[i].probe,
				res->ids[i].kernel);
		fputs("</td></tr>\n", f);
	}
	fprintf(f,
		"</table>\n<p>Cost: BPF %.3f s in %" PRIu64 " runs%s; this process %.2f s "
		"CPU, %.1f MiB resident.</p>\n</body></html>\n",
		(double)l->bpf_run_ns / 1e9, l->bpf_runs,
		l->bpf_stats_on ? "" : " (run time not counted: --no-bpf-stats)", l->cpu_s,
		(double)l->rss_bytes / 1048576.0);
	return ferror(f) ? -EIO : 0;
}
