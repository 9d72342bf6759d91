#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "harness/mib.h"
#include "harness/report.h"
#include "harness/identities.h"
#include "harness/report_sides.h"
#include "harness/figures.h"
#include "harness/results.h"

/* Columns of the side-by-side table: kernel view first, then user view. */
static const struct {
	const char *head1, *head2;
	enum sb_lat lat;
} columns[] = {
    {"kernel", "handshake", SB_LAT_KERNEL_HANDSHAKE},
    {"user", "connect", SB_LAT_USER_CONNECT},
    {"pre-SYN", "(k-u)", SB_LAT_PRE_SYN},
    {"notify", "(u-k)", SB_LAT_NOTIFY_DELAY},
    {"accept", "wait", SB_LAT_ACCEPT_WAIT},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* The last column: our accept stamps, or for a server of the user's
 * (no stamps) the kernel's child ESTABLISHED -> server close. */
static enum sb_lat col_lat(const struct sb_rundata *rd, size_t c)
{
	if (columns[c].lat == SB_LAT_ACCEPT_WAIT && rd->opts && rd->opts->target[0])
		return SB_LAT_SERVER_CLOSE;
	return columns[c].lat;
}

/* A latency in a person's unit ("2.059 s", "170.5 µs"), right-aligned in 12
 * columns (µ is two bytes, one column). */
static void cell(FILE *f, const struct sb_summary *s, int64_t v)
{
	char buf[48];
	int width = 12;

	if (!s->count) {
		fprintf(f, " %12s", "-");
		return;
	}
	sb_fmt_us(buf, sizeof(buf), (double)v / 1000.0);
	if (strstr(buf, "µ"))
		width++;
	fprintf(f, " %*s", width, buf);
}

static void latency_table(FILE *f, const struct sb_rundata *rd, const struct sb_join *j,
			  const struct sb_summary *khist)
{
	static const char *const rows[] = {"min", "p50", "p90", "p99", "p99.9", "max"};

	fprintf(f, "%-8s", "latency");
	for (size_t c = 0; c < NCOLS; c++)
		fprintf(f, " %12s",
			col_lat(rd, c) == SB_LAT_SERVER_CLOSE ? "server" : columns[c].head1);
	if (khist)
		fprintf(f, " %12s", "kernel hist");
	fprintf(f, "\n%-8s", "");
	for (size_t c = 0; c < NCOLS; c++)
		fprintf(f, " %12s",
			col_lat(rd, c) == SB_LAT_SERVER_CLOSE ? "close" : columns[c].head2);
	if (khist)
		fprintf(f, " %12s", "handshake");
	fprintf(f, "\n%-8s", "count");
	for (size_t c = 0; c < NCOLS; c++)
		fprintf(f, " %12" PRIu64, j->lat[col_lat(rd, c)].count);
	if (khist)
		fprintf(f, " %12" PRIu64, khist->count);
	fputc('\n', f);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		fprintf(f, "%-8s", rows[r]);
		for (size_t c = 0; c <= NCOLS; c++) {
			const struct sb_summary *s = c < NCOLS ? &j->lat[col_lat(rd, c)] : khist;
			const int64_t v[] = {s ? s->min : 0, s ? s->p50 : 0,  s ? s->p90 : 0,
					     s ? s->p99 : 0, s ? s->p999 : 0, s ? s->max : 0};

			if (s)
				cell(f, s, v[r]);
		}
		fputc('\n', f);
	}
}

static void outcomes_line(FILE *f, const struct sb_join *j)
{
	fprintf(f, "outcomes:");
	for (int o = 0; o < SB_NOUTCOMES; o++) {
		/* unaccepted only exists without kernel records: hide the zero */
		if (o == SB_OUT_UNACCEPTED && !j->counts.outcomes[o])
			continue;
		fprintf(f, " %s %" PRIu64, sb_outcome_name(o), j->counts.outcomes[o]);
	}
	fputc('\n', f);
}

static void opt_count(FILE *f, const char *what, int64_t v)
{
	if (v < 0)
		fprintf(f, "%s n/a", what);
	else
		fprintf(f, "%s %" PRId64, what, v);
}

static void reconciliation_lines(FILE *f, const struct sb_rundata *rd, const struct sb_join *j)
{
	const struct sb_reconcile *r = &j->rec;
	const struct sb_join_counts *n = &j->counts;

	if (r->join_rate >= 0)
		fprintf(f,
			"join: %.2f%% (%" PRIu64 "/%" PRIu64 " user connections found in the "
			"kernel records), lost events %" PRIu64 "\n",
			100.0 * r->join_rate, n->joined, n->with_cookie, r->lost_events);
	else
		fprintf(f, "join: no kernel records (probes off), lost events %" PRIu64 "\n",
			r->lost_events);
	if (r->probes) {
		int sums = r->client_established ==
			   r->accepted + r->queued + r->ghosts + r->established_other;

		fprintf(f,
			"kernel: client ESTABLISHED %" PRIu64 " %s accepted %" PRIu64
			" + queued %" PRIu64 " + ghosts %" PRIu64,
			r->client_established, sums ? "=" : "!=", r->accepted, r->queued, r->ghosts);
		if (r->established_other)
			fprintf(f, " + other %" PRIu64, r->established_other);
		fprintf(f, "%s\n",
			r->identity_checked
			    ? (r->identity_holds ? "  (syncookies=0: identity "
						   "client = accepted + queued holds)"
						 : "  (syncookies=0: identity FAILS)")
			    : "");
		if (r->revived || r->extra_children || r->extra_accepts)
			fprintf(f,
				"revived: %" PRIu64 " syncookie ghosts got their server socket from the "
				"client's FIN (counted once above); %" PRIu64 " more server children and "
				"%" PRIu64 " more accepts on the same connections\n",
				r->revived, r->extra_children, r->extra_accepts);
		fprintf(f, "retransmits: probe SYN %" PRIu64 " + SYN-ACK %" PRIu64 " %s ",
			r->probe_syn_retrans, r->probe_synack_retrans,
			(int64_t)(r->probe_syn_retrans + r->probe_synack_retrans) +
					sb_untraced_retrans_fail(r) ==
				r->mib_syn_retrans
			    ? "="
			    : "vs");
		opt_count(f, r->two_sides ? "TcpExt TCPSynRetrans (both namespaces)"
					  : "TcpExt TCPSynRetrans", r->mib_syn_retrans);
		fputc('\n', f);
		if (r->two_sides) {
			struct sb_sides_nums sn = {
			    (int64_t)r->probe_client_syn_retrans, (int64_t)r->probe_client_synack_retrans,
			    r->mib_client_syn_retrans, r->mib_client_active_opens,
			    (int64_t)r->conns_started, (int64_t)r->probe_server_syn_retrans,
			    (int64_t)r->probe_server_synack_retrans, r->mib_server_syn_retrans,
			    r->mib_server_active_opens, sb_untraced_retrans_fail(r)};
			char line[512];

			sb_sides_line(&sn, line, sizeof(line));
			fprintf(f, "%s\n", line);
		}
	}
	opt_count(f, "listen drops: listener (last sample)", r->listener_drops);
	fputs(", ", f);
	opt_count(f, "TcpExt ListenDrops", r->mib_listen_drops);
	fprintf(f, " + TCP_LISTEN_OVERFLOW skb drops %" PRIu64 ", ", r->listen_overflow_skb_drops);
	opt_count(f, "ListenOverflows", r->mib_listen_overflows);
	fputs(", ", f);
	opt_count(f, "softnet dropped (global)", r->softnet_dropped);
	fputc('\n', f);
	for (int i = 0; i < SB_NIDENTITIES; i++) {
		struct sb_identity id;

		sb_identity_check(rd, r, i, &id);
		if (id.status == SB_ID_SKIPPED && r->probes &&
		    (r->two_sides || i < SB_ID_CLIENT_SYN_RETRANS)) /* lo: no sides */
			fprintf(f, "identity %s not checked: %s\n", sb_identity_name(i), id.why);
	}
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(f, "warning: %s\n", r->warnings[i]);
}

int sb_report_print_table(FILE *f, const struct sb_rundata *rd, const struct sb_join *j)
{
	latency_table(f, rd, j, rd->hists ? &j->kernel_handshake_hist : NULL);
	outcomes_line(f, j);
	reconciliation_lines(f, rd, j);
	return ferror(f) ? -EIO : 0;
}

static void config_line(FILE *f, const struct sb_rundata *rd)
{
	const struct sb_opts *o = rd->opts;
	char acc[64];

	fprintf(f, "synbench %s  started %s  kernel %s  attach %s\n", SB_VERSION, rd->started_at,
		rd->kernel_release, rd->attach_plan[0] ? rd->attach_plan : "none");
	if (rd->attach_plan[0] && strcmp(rd->attach_plan, "none") != 0) {
		fputs("probes:", f);
		for (int c = 0; c < SB_NCOMPONENTS; c++)
			fprintf(f, " %s=%s", sb_component_name(c),
				sb_comp_mode_name(rd->components.c[c].mode));
		fputc('\n', f);
		for (int c = 0; c < SB_NCOMPONENTS; c++)
			if (rd->components.c[c].error[0])
				fprintf(f, "  %s degraded: %s\n", sb_component_name(c),
					rd->components.c[c].error);
	}
	if (!o)
		return;
	fprintf(f,
		"conns=%" PRIu64 " backlog=%d (effective %d) concurrency=%u rate=%g threads=%u "
		"mode=%s close=%s engine=%s accept=%s connect_timeout_ms=%u syncookies=%d "
		"abort_on_overflow=%d probes=%s%s%s\n",
		o->conns, o->backlog, rd->effective_backlog, o->concurrency, o->rate, o->threads,
		o->mode == LG_MODE_CRR ? "crr" : "connect",
		o->close == LG_CLOSE_RST ? "rst" : "fin",
		o->engine == LG_ENGINE_EPOLL ? "epoll" : "uring",
		lg_accept_policy_str(&o->accept, acc, sizeof(acc)), o->connect_timeout_ms,
		o->syncookies, o->abort_on_overflow, o->no_probes ? "off" : "on",
		o->label[0] ? " label=" : "", o->label);
	for (size_t i = 0; i < rd->nsysctls; i++)
		fprintf(f, "%s%s=%s", i ? " " : "sysctls: ", rd->sysctls[i].name,
			rd->sysctls[i].value);
	if (rd->nsysctls)
		fputc('\n', f);
}

static void more_latencies(FILE *f, const struct sb_join *j)
{
	static const enum sb_lat more[] = {SB_LAT_USER_CONNECT_SCHED, SB_LAT_RESPONSE,
					   SB_LAT_CHILD_EST, SB_LAT_SERVER_CLOSE};
	char b[6][48];

	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		const struct sb_summary *s = &j->lat[more[i]];

		if (!s->count)
			continue;
		fprintf(
		    f,
		    "%-20s count %" PRIu64 "  min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  "
		    "max %s us\n",
		    sb_lat_name(more[i]), s->count, sb_fmt_scaled(b[0], 48, s->min, 1000),
		    sb_fmt_scaled(b[1], 48, s->p50, 1000), sb_fmt_scaled(b[2], 48, s->p90, 1000),
		    sb_fmt_scaled(b[3], 48, s->p99, 1000), sb_fmt_scaled(b[4], 48, s->p999, 1000),
		    sb_fmt_scaled(b[5], 48, s->max, 1000));
	}
}

int sb_report_write(FILE *f, const struct sb_rundata *rd, const struct sb_join *j)
{
	static const char *const interesting[][2] = {
	    {"TcpExt", "ListenOverflows"}, {"TcpExt", "ListenDrops"},
	    {"TcpExt", "TCPSynRetrans"},   {"TcpExt", "SyncookiesSent"},
	    {"TcpExt", "SyncookiesRecv"},  {"TcpExt", "SyncookiesFailed"},
	    {"TcpExt", "TCPReqQFullDrop"}, {"TcpExt", "TCPReqQFullDoCookies"},
	    {"TcpExt", "EmbryonicRsts"},   {"Tcp", "ActiveOpens"},
	    {"Tcp", "PassiveOpens"},	   {"Tcp", "AttemptFails"},
	    {"Tcp", "EstabResets"},	   {"softnet", "dropped"},
	};
	const struct lg_client_stats *cs = &rd->client;
	int any = 0;

	config_line(f, rd);
	if (rd->interrupted)
		fputs("INTERRUPTED: partial results\n", f);
	fprintf(f, "duration %.3f s, %.1f connections/s (user outcome ok)\n\n",
		sb_run_duration_s(rd), sb_run_rate(rd, j));
	fputs("Latency, kernel vs user (us; p = nearest rank, bucket midpoint, <= 0.4% off)\n", f);
	latency_table(f, rd, j, rd->hists ? &j->kernel_handshake_hist : NULL);
	more_latencies(f, j);
	fputc('\n', f);
	outcomes_line(f, j);
	fputs("  accepted: the server accepted it; queued: server child ESTABLISHED, never "
	      "accepted;\n  ghost: client ESTABLISHED, server never had a socket (syncookies, "
	      "full accept queue)\n\n",
	      f);
	fputs("Reconciliation\n", f);
	reconciliation_lines(f, rd, j);
	fputs("\nKernel counters (namespace MIB deltas; softnet is global)\n", f);
	for (size_t i = 0; i < sizeof(interesting) / sizeof(interesting[0]); i++) {
		const struct sb_mib *m =
		    sb_mib_find(rd->mib, rd->nmib, interesting[i][0], interesting[i][1]);

		if (!m)
			continue;
		fprintf(f, "  %-8s %-22s %" PRId64 "\n", m->table, m->name, m->after - m->before);
		any = 1;
	}
	if (!any)
		fputs("  (none read)\n", f);
	fprintf(f,
		"\nLoad generator: started %" PRIu64 " done %" PRIu64 " ok %" PRIu64
		" failed %" PRIu64 " behind_schedule %" PRIu64 " max_lag_us %.3f port_retries "
		"%" PRIu64 "\n",
		cs->started, cs->done, cs->ok, cs->failed, cs->behind_schedule,
		(double)cs->max_lag_ns / 1000.0, cs->port_retries);
	fprintf(f,
		"Join: rows %" PRIu64 " not_started %" PRIu64 " kernel clients %" PRIu64
		" (unmatched %" PRIu64 ") children %" PRIu64 " (unmatched %" PRIu64
		", shared cookie %" PRIu64 ") accepts %" PRIu64 " (unmatched %" PRIu64
		", by peer %" PRIu64 ")\n",
		j->counts.rows, j->counts.not_started, j->counts.kclients,
		j->counts.kclients_unmatched, j->counts.kchildren, j->counts.kchildren_unmatched,
		j->counts.child_cookies_shared, j->counts.accepts, j->counts.accepts_unmatched,
		j->counts.accepts_by_peer);
	fprintf(f, "\n%zu warning%s\n", j->rec.nwarnings, j->rec.nwarnings == 1 ? "" : "s");
	return ferror(f) ? -EIO : 0;
}
