/* The analysis stage: join, reconcile, check, summarize, once (analyze.h). */
#include "harness/analysis/analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/hist.h"
#include "harness/analysis/reconcile.h"
#include "harness/analysis/stats.h"
#include "harness/run/bigmem.h"
#include "harness/run/hosts.h"
#include "harness/run/krec.h"
#include "harness/run/mib.h"
#include "harness/run/recstore.h"
#include "harness/run/signals.h"

/* What the batches add up to while they pass. */
struct acc {
	struct sb_result *res;
	const struct sb_rundata *rd;
	struct sb_hist *lat[SB_NLATS];
	struct sb_hist **gap; /* per host: the established gap (client hosts) */
	int64_t *gap_off;     /* per host: server clock - its clock */
	uint64_t ok;	      /* rows whose user outcome is ok: the rate */
};

static void add_counts(struct sb_join_counts *a, const struct sb_join_counts *b)
{
	/* every field is a count: the struct is a row of uint64_t */
	_Static_assert(sizeof(*a) % sizeof(uint64_t) == 0, "sb_join_counts holds counts only");
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

static size_t host_of(uint64_t cookie)
{
	return (size_t)(cookie >> SB_HOST_COOKIE_SHIFT);
}

static void tls_reason(struct sb_tls_reasons *rs, uint32_t err, uint16_t verify)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].err == err && rs->r[i].verify == verify)
			break;
	if (i == rs->n && i < SB_TLS_MAX_REASONS) {
		rs->r[i].err = err;
		rs->r[i].verify = verify;
		rs->n++;
	}
	if (i < rs->n)
		rs->r[i].n++;
	else
		rs->other++;
}

/* --tls: a row's handshake, or its failure under its reason. */
static void tls_row(struct sb_tls_figures *t, const struct sb_join_row *r)
{
	const struct lg_conn *u = r->conn;

	if (u->t_tls_done) {
		t->handshakes++;
		t->resumed += !!(u->tls_flags & LG_TLS_F_RESUMED);
		t->version12 += u->tls_version == 12;
		t->version13 += u->tls_version == 13;
	}
	if (r->outcome != SB_OUT_TLS_FAILED)
		return;
	t->failed++;
	tls_reason(&t->reasons, u->tls_err, u->tls_verify);
}

/* A batch's rows and records into the sums. */
static void take_batch(struct acc *a, const struct sb_rundata *rd, const struct sb_join *j)
{
	struct sb_result *res = a->res;

	add_counts(&res->counts, &j->counts);
	res->conns_started += j->nrows;
	for (size_t i = 0; i < j->nrows; i++) {
		const struct sb_join_row *r = &j->rows[i];
		uint16_t st = r->conn->status;

		for (int l = 0; l < SB_NLATS; l++)
			if (r->lat[l] != SB_NA)
				sb_hist__add(a->lat[l], r->lat[l]);
		a->ok += r->conn->outcome == LG_OUT_OK;
		if (res->tls.on)
			tls_row(&res->tls, r);
		res->http_2xx += st >= 200 && st < 300;
		res->http_other += st && (st < 200 || st >= 300);
		res->http_none += !st;
		if (!res->nhosts)
			continue;
		{
			size_t h = host_of(r->conn->cookie);
			struct sb_host_result *hr = h < res->nhosts ? &res->hosts[h] : NULL;

			if (!hr)
				continue;
			hr->rows++;
			hr->joined += r->kclient != NULL;
			hr->accepted += r->outcome == SB_OUT_ACCEPTED;
			if (a->gap[h] && r->kclient && r->kchild &&
			    r->kclient->ts[SB_TCP_ESTABLISHED] && r->kchild->ts[SB_TCP_ESTABLISHED])
				sb_hist__add(a->gap[h], (int64_t)(r->kchild->ts[SB_TCP_ESTABLISHED] -
								  r->kclient->ts[SB_TCP_ESTABLISHED]) -
							    a->gap_off[h]);
		}
	}
	for (size_t k = 0; k < rd->naccepts && res->tls.on; k++) {
		const struct lg_accept *acc = &rd->accepts[k];

		res->tls.server_handshakes += !!acc->t_tls_done;
		res->tls.server_resumed += !!(acc->tls_flags & LG_TLS_F_RESUMED);
		res->tls.server_failed += !!acc->tls_err;
		if (acc->tls_err)
			tls_reason(&res->tls.server_reasons, acc->tls_err, 0);
	}
	for (size_t k = 0; k < rd->nkrecs && res->nhosts; k++) {
		size_t h = host_of(rd->krecs[k].cookie);

		if (rd->krecs[k].role != SB_ROLE_CHILD || h >= res->nhosts)
			continue;
		res->hosts[h].children++;
		res->hosts[h].children_joined += j->krec_row[k] != SB_JOIN_NONE;
	}
}

/* One batch: join, hand the rows to the sink, add them up. */
static int batch(struct acc *a, const struct sb_rundata *rd, const struct sb_row_sink *sink)
{
	struct sb_join *j = NULL;
	int e = sb_join__new(rd, &j);

	if (!e && sink && sink->rows)
		e = sink->rows(sink->ctx, j);
	if (!e)
		take_batch(a, rd, j);
	a->res->krecs += rd->nkrecs;
	sb_join__free(j);
	return e;
}

/* A run whose records were spilled: one batch per partition by client port
 * (every record of a connection shares its client's port, so each
 * partition joins alone exactly as the whole would), each read, joined,
 * summed and freed before the next. */
static int partitions(struct acc *a, const struct sb_rundata *rd, const struct sb_row_sink *sink)
{
	int np = sb_recstore__partition(rd->store), e = np < 0 ? np : 0;

	a->res->parts = np > 0 ? (unsigned int)np : 0;
	for (int p = 0; p < np && !e && !sb_stop_requested; p++) {
		struct sb_rundata b = *rd; /* the run's figures, this part's records */
		struct sb_krec *k = NULL;
		void *c = NULL, *acc = NULL;
		size_t nc = 0, na = 0, nk = 0;

		b.store = NULL;
		b.krecs = NULL;
		e = sb_recstore__take(rd->store, (unsigned int)p, SB_RK_CONN, &c, &nc);
		if (!e)
			e = sb_recstore__take(rd->store, (unsigned int)p, SB_RK_ACCEPT, &acc, &na);
		if (!e)
			e = sb_recstore__take(rd->store, (unsigned int)p, SB_RK_KREC, (void **)&k,
					      &nk);
		if (!e && nk && !(b.krecs = sb_bigmem_calloc(nk, sizeof(*b.krecs))))
			e = -ENOMEM;
		for (size_t i = 0; i < nk && !e; i++)
			sb_krec_expand(&k[i], sizeof(k[i]), &b.krecs[i]);
		free(k);
		b.conns = c;
		b.nconns = nc;
		b.accepts = acc;
		b.naccepts = na;
		b.nkrecs = b.krecs ? nk : 0;
		if (!e)
			e = batch(a, &b, sink);
		a->res->parts_done += !e;
		free(c);
		free(acc);
		free(b.krecs);
	}
	return e;
}

/* Run duration in seconds (client stats, else rundata stamps). */
static double duration_s(const struct sb_rundata *rd)
{
	uint64_t a = rd->client.t_start, b = rd->client.t_end;

	if (!a || b <= a) {
		a = rd->t_start_ns;
		b = rd->t_end_ns;
	}
	return a && b > a ? (double)(b - a) / 1e9 : 0;
}

static void dwell_add(struct sb_result *res, const char *from, const char *to,
		      const uint64_t *counts)
{
	struct sb_dwell *d = &res->dwell[res->ndwell];

	sb_summary_from_buckets(counts, &d->s);
	if (!d->s.count || res->ndwell >= SB_MAX_DWELL)
		return;
	d->from = from;
	d->to = to;
	res->ndwell++;
}

void sb_analyze_kernel_hists(struct sb_result *res, const struct sb_rundata *rd)
{
	const uint64_t *h = rd->hists;

	res->have_hists = h != NULL;
	if (!h)
		return;
	sb_summary_from_buckets(h + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS,
				&res->kernel_handshake_hist);
	sb_summary_from_buckets(h + (size_t)SB_H_CHILD_EST * SB_HIST_BUCKETS, &res->child_est_hist);
	for (unsigned int o = 0; o < SB_NSTATES; o++)
		for (unsigned int n = 0; n < SB_NSTATES; n++)
			dwell_add(res, sb_tcp_state_name(o), sb_tcp_state_name(n),
				  h + (size_t)(SB_H_DWELL + o * SB_NSTATES + n) * SB_HIST_BUCKETS);
	/* whole-path histograms: the name in from, to empty */
	dwell_add(res, "handshake", "", h + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS);
	dwell_add(res, "child_established", "", h + (size_t)SB_H_CHILD_EST * SB_HIST_BUCKETS);
	dwell_add(res, "srtt", "", h + (size_t)SB_H_SRTT * SB_HIST_BUCKETS);
}

/* Across machines: each host's own figures and checks. */
static void host_figures(struct acc *a, const struct sb_rundata *rd)
{
	for (size_t i = 0; i < a->res->nhosts; i++) {
		const struct sb_host *h = &rd->hosts[i];
		const struct sb_rundata *hr = &h->rd;
		struct sb_host_result *r = &a->res->hosts[i];
		double secs = hr->t_end_ns > hr->t_start_ns ? (hr->t_end_ns - hr->t_start_ns) / 1e9
							    : 0;
		uint64_t n = h->role == SB_HOST_CLIENT ? hr->client.started : hr->naccepts;

		r->rate_per_s = secs > 0 ? n / secs : 0;
		r->lost_events = hr->counters[SB_C_RB_FAIL] + hr->counters[SB_C_MAP_FULL] +
				 hr->lost_samples + hr->missed_events;
		r->nchecks = sb_host_checks(h, r->checks);
		if (a->gap[i])
			sb_hist__summary(a->gap[i], &r->established_gap);
	}
}

/* Per client host, the server's clock minus its own and the uncertainty of
 * that (each measured against ours). */
static int hosts_begin(struct acc *a, const struct sb_rundata *rd)
{
	struct sb_result *res = a->res;
	const struct sb_host *srv = NULL;

	if (!rd->nhosts)
		return 0;
	res->hosts = calloc(rd->nhosts, sizeof(*res->hosts));
	a->gap = calloc(rd->nhosts, sizeof(*a->gap));
	a->gap_off = calloc(rd->nhosts, sizeof(*a->gap_off));
	if (!res->hosts || !a->gap || !a->gap_off)
		return -ENOMEM;
	res->nhosts = rd->nhosts;
	for (size_t k = 0; k < rd->nhosts; k++)
		if (rd->hosts[k].role == SB_HOST_SERVER)
			srv = &rd->hosts[k];
	for (size_t i = 0; i < rd->nhosts && srv; i++) {
		if (rd->hosts[i].role != SB_HOST_CLIENT)
			continue;
		a->gap[i] = sb_hist__new();
		if (!a->gap[i])
			return -ENOMEM;
		a->gap_off[i] = srv->clock_offset_ns - rd->hosts[i].clock_offset_ns;
		res->hosts[i].gap_uncertainty_ns =
		    srv->clock_uncertainty_ns + rd->hosts[i].clock_uncertainty_ns;
	}
	return 0;
}

static void acc_free(struct acc *a, size_t nhosts)
{
	for (int l = 0; l < SB_NLATS; l++)
		sb_hist__free(a->lat[l]);
	for (size_t i = 0; a->gap && i < nhosts; i++)
		sb_hist__free(a->gap[i]);
	free(a->gap);
	free(a->gap_off);
}

int sb_analyze(const struct sb_rundata *rd, const struct sb_row_sink *sink,
	       struct sb_result **out)
{
	/* kernel records or counters exist */
	int probes = (rd->nkrecs > 0 || rd->hists ||
		      (rd->store && sb_recstore__count(rd->store, SB_RK_KREC))) &&
		     !(rd->opts && rd->opts->no_probes);
	struct sb_result *res = calloc(1, sizeof(*res));
	struct acc a = {.res = res, .rd = rd};
	int e = res ? 0 : -ENOMEM;

	*out = NULL;
	for (int l = 0; l < SB_NLATS && !e; l++)
		if (!(a.lat[l] = sb_hist__new()))
			e = -ENOMEM;
	if (!e)
		e = hosts_begin(&a, rd);
	res->interrupted = rd->interrupted;
	res->stop_reason = rd->stop_reason;
	res->parts = 1;
	res->tls.on = rd->opts && rd->opts->tls;
	if (!e && rd->store) {
		e = partitions(&a, rd, sink);
	} else if (!e) {
		e = batch(&a, rd, sink);
		res->parts_done = !e;
	}
	if (!e && res->parts_done < res->parts) {
		/* a signal: what was analyzed stands, marked */
		res->interrupted = 1;
		res->stop_reason = SB_STOP_SIGNAL;
	}
	if (e) {
		acc_free(&a, rd->nhosts);
		sb_result__free(res);
		return e;
	}
	/* connections never started have no record (the load generator hands
	 * on only those it started) */
	res->counts.user_conns += rd->conns_unstarted;
	res->counts.not_started += rd->conns_unstarted;
	for (int l = 0; l < SB_NLATS; l++)
		sb_hist__summary(a.lat[l], &res->lat[l]);
	sb_analyze_kernel_hists(res, rd);
	sb_reconcile_fill(rd, &res->counts, probes, &res->rec);
	sb_listeners_compute(rd, rd->opts ? rd->opts->port : 0, &res->listeners);
	if (res->parts_done < res->parts)
		sb_reconcile_warn(&res->rec,
				  "analysis stopped by a signal: %u of %u parts of the records "
				  "analyzed (by client port); the figures cover those connections only",
				  res->parts_done, res->parts);
	for (int i = 0; i < SB_NIDENTITIES; i++) {
		res->ids[i].probe = res->ids[i].kernel = -1;
		if (i < SB_NRUN_IDENTITIES) {
			sb_identity_check(rd, &res->rec, i, &res->ids[i]);
		} else if (!sb_identity_of_mode(i, 0)) {
			res->ids[i].status = SB_ID_SKIPPED;
			snprintf(res->ids[i].why, sizeof(res->ids[i].why),
				 "bench watch's identity: a run checks client_established");
		}
	}
	/* AttemptFails in the clients' namespace (veth, hosts: client_mib),
	 * EmbryonicRsts in the server's */
	uint64_t causes[SB_NFAIL];

	memcpy(causes, res->counts.causes, sizeof(causes));
	causes[SB_FAIL_RESET] -= res->counts.resets_queued; /* no request socket's */
	sb_identity_failures(
	    causes,
	    rd->client_mib ? sb_mib_delta_or(rd->client_mib, rd->nclient_mib, "Tcp", "AttemptFails", -1)
			   : sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "AttemptFails", -1),
	    sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "EmbryonicRsts", -1),
	    !res->rec.probes ? "probes off (--no-probes)"
	    : res->parts_done < res->parts ? "the analysis stopped before every part"
					   : NULL,
	    res->ids);
	for (int i = SB_ID_ATTEMPT_FAILS; i < SB_NIDENTITIES; i++)
		if (res->ids[i].status == SB_ID_FAILS)
			sb_reconcile_warn(&res->rec, "%s fails: %lld vs %lld (%s)", sb_identity_name(i),
					  (long long)res->ids[i].probe, (long long)res->ids[i].kernel,
					  sb_identity_what(i));
	res->duration_s = duration_s(rd);
	res->rate_conns_per_s = res->duration_s > 0 ? (double)a.ok / res->duration_s : 0;
	res->http = rd->opts && rd->opts->http;
	host_figures(&a, rd);
	/* per connection started (a server half: per connection accepted) */
	sb_cost_compute(rd, rd->client.started ? rd->client.started : rd->naccepts, &res->cost);
	acc_free(&a, rd->nhosts);
	*out = res;
	return 0;
}

void sb_result__free(struct sb_result *r)
{
	if (!r)
		return;
	sb_reconcile_free(&r->rec);
	if (r->live)
		free(r->live->drops);
	free(r->live);
	free(r->hosts);
	free(r);
}
