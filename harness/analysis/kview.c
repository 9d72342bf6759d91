/* The kernel-only analysis: a watch's records to rows, outcomes, latencies
 * and the reconciliation, into the one result model (kview.h). */
#include "harness/analysis/kview.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/analysis/cost.h"
#include "harness/analysis/reconcile.h"
#include "harness/analysis/stats.h"
#include "harness/run/krec.h"
#include "harness/run/mib.h"
#include "harness/run/netns.h"

/* ---- pairing a child with its client (both ends in this namespace) ---- */

struct tkey {
	uint32_t a[4], b[4]; /* client saddr, daddr */
	uint16_t pa, pb;     /* client sport, dport */
	uint16_t family;
	uint64_t ts; /* client SYN_SENT */
	size_t row;
};

static int tkey_cmp_tuple(const struct tkey *x, const struct tkey *y)
{
	int c = memcmp(x->a, y->a, sizeof(x->a));

	if (!c)
		c = memcmp(x->b, y->b, sizeof(x->b));
	if (!c)
		c = (int)x->pa - (int)y->pa;
	if (!c)
		c = (int)x->pb - (int)y->pb;
	if (!c)
		c = (int)x->family - (int)y->family;
	return c;
}

static int tkey_cmp(const void *p, const void *q)
{
	const struct tkey *x = p, *y = q;
	int c = tkey_cmp_tuple(x, y);

	if (c)
		return c;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void client_key(const struct sb_conn_rec *r, struct tkey *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->a, r->saddr, sizeof(k->a));
	memcpy(k->b, r->daddr, sizeof(k->b));
	k->pa = r->sport;
	k->pb = r->dport;
	k->family = r->family;
	k->ts = r->ts[SB_TCP_SYN_SENT];
}

/* The child's client: the same tuple mirrored, the latest SYN_SENT not
 * after the child's SYN_RECV (ports are reused within a watch). */
static void pair(struct sb_krow *rows, size_t nrows)
{
	struct tkey *keys = calloc(nrows ? nrows : 1, sizeof(*keys)), k;
	size_t n = 0;

	if (!keys)
		return;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].r->role == SB_ROLE_CLIENT && rows[i].r->sport) {
			client_key(rows[i].r, &keys[n]);
			keys[n++].row = i;
		}
	qsort(keys, n, sizeof(*keys), tkey_cmp);
	for (size_t i = 0; i < nrows && n; i++) {
		const struct sb_conn_rec *c = rows[i].r;
		uint64_t t = c->ts[SB_TCP_SYN_RECV] ? c->ts[SB_TCP_SYN_RECV] : c->ts[SB_TCP_ESTABLISHED];
		size_t lo = 0, hi = n, best = n;

		if (c->role != SB_ROLE_CHILD)
			continue;
		memset(&k, 0, sizeof(k));
		memcpy(k.a, c->daddr, sizeof(k.a));
		memcpy(k.b, c->saddr, sizeof(k.b));
		k.pa = c->dport;
		k.pb = c->sport;
		k.family = c->family;
		while (lo < hi) { /* first key >= the tuple */
			size_t mid = lo + (hi - lo) / 2;

			if (tkey_cmp_tuple(&keys[mid], &k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && tkey_cmp_tuple(&keys[lo], &k) == 0; lo++)
			if (!t || keys[lo].ts <= t)
				best = lo;
		if (best < n && !rows[keys[best].row].peer) {
			rows[i].peer = rows[keys[best].row].r;
			rows[keys[best].row].peer = c;
		}
	}
	free(keys);
}

/* ---- outcomes ---- */

static int server_closed(const struct sb_conn_rec *c)
{
	return c->ts[SB_TCP_FIN_WAIT1] || c->ts[SB_TCP_LAST_ACK];
}

enum sb_wout sb_kview_child_outcome(const struct sb_conn_rec *c)
{
	if (!sb_rec_established(c))
		return SB_WOUT_CHILD_FAILED;
	if (server_closed(c))
		return SB_WOUT_SERVED;
	if (c->final_state == SB_TCP_CLOSE && !c->ts[SB_TCP_CLOSE_WAIT])
		return SB_WOUT_CHILD_RESET;
	return SB_WOUT_CHILD_OPEN;
}

static int listener_here(const struct sb_rundata *rd, uint16_t port, uint16_t family)
{
	for (size_t i = 0; i < rd->nsamples; i++)
		if (rd->samples[i].port == port && rd->samples[i].family == family)
			return 1;
	return 0;
}

enum sb_wout sb_kview_client_outcome(const struct sb_conn_rec *c, const struct sb_conn_rec *peer,
				     int listener_here, int syncookies,
				     enum sb_fail_cause *cause)
{
	enum sb_fail_cause k;

	*cause = SB_FAIL_NONE;
	if (!sb_rec_established(c)) {
		if (c->flushed == SB_REC_LIVE_AT_END && c->final_state == SB_TCP_SYN_SENT)
			return SB_WOUT_OPEN;
		k = sb_rec_fail_cause(c);
		*cause = k != SB_FAIL_NONE ? k : SB_FAIL_OTHER;
		return SB_WOUT_FAILED;
	}
	if (peer)
		return sb_rec_established(peer) && server_closed(peer) ? SB_WOUT_ACCEPTED
									: SB_WOUT_QUEUED;
	if (!listener_here)
		return SB_WOUT_ESTABLISHED;
	/* no server socket here: a ghost, unless an RST told it so */
	k = sb_rec_serverless_cause(c, syncookies);
	if (k == SB_FAIL_RESET) {
		*cause = k;
		return SB_WOUT_FAILED;
	}
	return SB_WOUT_GHOST;
}

static int64_t span(uint64_t a, uint64_t b)
{
	return a && b && b >= a ? (int64_t)(b - a) : SB_NA;
}

/* ---- filters ---- */

/* A record the watch reports: its family, and for a client the task filter
 * (through its tag). */
static int task_filter(const struct sb_kview_opts *o)
{
	return o->pid >= 0 || (o->comm && o->comm[0]) || o->cgroup;
}

static int wanted(const struct sb_kview_opts *o, struct sb_krow *row)
{
	const struct sb_conn_rec *r = row->r;
	int in_cgroup = 0;

	if (o->family && r->family != o->family)
		return 0;
	if (r->role == SB_ROLE_CLIENT && o->tag)
		row->tagged = o->tag(o->tag_ctx, r, &row->pid, row->comm, &in_cgroup) > 0;
	if (r->role == SB_ROLE_CLIENT && task_filter(o) &&
	    (!row->tagged || (o->pid >= 0 && (int64_t)row->pid != o->pid) ||
	     (o->comm && o->comm[0] && strncmp(row->comm, o->comm, 16) != 0) ||
	     (o->cgroup && !in_cgroup)))
		return 0;
	return r->role == SB_ROLE_CLIENT || r->role == SB_ROLE_CHILD;
}

/* ---- listeners: drops over the watch ---- */

static void listener_drops(const struct sb_rundata *rd, struct sb_watch_figures *a)
{
	struct {
		uint16_t port, family;
		uint32_t first, last;
		uint64_t cookie; /* each socket of a SO_REUSEPORT group its own */
	} seen[64];
	size_t n = 0;

	a->listener_drops = -1;
	for (size_t i = 0; i < rd->nsamples; i++) {
		const struct sb_listen_sample *s = &rd->samples[i];
		size_t k;

		for (k = 0; k < n; k++)
			if (seen[k].port == s->port && seen[k].family == s->family &&
			    seen[k].cookie == s->cookie)
				break;
		if (k == n) {
			if (n == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[n].port = s->port;
			seen[n].family = s->family;
			seen[n].cookie = s->cookie;
			seen[n].first = s->drops;
			n++;
		}
		seen[k].last = s->drops;
	}
	a->listeners = n;
	if (!n)
		return;
	a->listener_drops = 0;
	for (size_t k = 0; k < n; k++)
		a->listener_drops += (int64_t)seen[k].last - (int64_t)seen[k].first;
}

/* ---- reconciliation ---- */

static uint64_t drop_reason(const struct sb_rundata *rd, const char *name, int *known)
{
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i] && strcmp(rd->drop_names[i], name) == 0) {
			*known = 1;
			return rd->drops[i];
		}
	*known = 0;
	return 0;
}

static void id_set(struct sb_identity *id, int64_t probe, int64_t kernel)
{
	id->probe = probe;
	id->kernel = kernel;
	id->status = probe >= 0 && kernel >= 0 ? (probe == kernel ? SB_ID_HOLDS : SB_ID_FAILS)
					       : SB_ID_SKIPPED;
	if (id->status == SB_ID_SKIPPED)
		snprintf(id->why, sizeof(id->why), "a side is missing (component off or counter "
						   "absent)");
}

static void id_skip(struct sb_identity *id, const char *fmt, const char *arg)
{
	id->status = SB_ID_SKIPPED;
	snprintf(id->why, sizeof(id->why), fmt, arg);
}

static int comp_on(const struct sb_rundata *rd, enum sb_component c)
{
	return rd->components.c[c].mode != SB_MODE_OFF;
}

/* --port: the namespace's counters count every listener; the sampler saw
 * only those on the filtered ports. Comparable when that is all of them. */
static int ports_cover_listeners(const struct sb_kview_opts *o)
{
	if (!o->ns_nlisten_ports || o->ns_nlisten_ports > 64)
		return 0;
	for (uint32_t i = 0; i < o->ns_nlisten_ports; i++) {
		uint32_t k;

		for (k = 0; k < o->nports; k++)
			if (o->ports[k] == o->ns_listen_ports[i])
				break;
		if (k == o->nports)
			return 0;
	}
	return 1;
}

void sb_kview_reconcile(const struct sb_rundata *rd, const struct sb_kview_opts *o,
			struct sb_result *res)
{
	struct sb_watch_figures *w = &res->watch;
	struct sb_identity *id = res->ids;
	int64_t ld = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1);
	int64_t rq = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPReqQFullDrop", -1);

	for (int i = 0; i < SB_NIDENTITIES; i++) {
		id[i].probe = id[i].kernel = -1;
		id_skip(&id[i], "%s", "a run's identity: bench watch checks client_sockets, "
				"child_sockets, syn_retransmits, listen_overflows, attempt_fails and "
				"embryonic_rsts");
	}
	sb_identity_failures(w->causes, sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "AttemptFails", -1),
			     sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "EmbryonicRsts", -1),
			     o->filter_name ? "filtered: not comparable (a filter selects part of "
					      "the namespace's traffic; the counters cover all of it)"
					    : NULL,
			     id);
	w->listen_overflow_skb_drops =
	    drop_reason(rd, "TCP_LISTEN_OVERFLOW", &w->listen_overflow_known);
	/* BPF counts every socket that passed its port filter: the records'
	 * user-space filters (--pid, --comm, --ipv4/6) do not change it, but
	 * the identities are stated for what the watch reports */
	id_set(&id[SB_ID_CLIENT_SOCKETS], (int64_t)rd->counters[SB_C_CLIENTS],
	       sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "ActiveOpens", -1));
	id_set(&id[SB_ID_CHILD_SOCKETS], (int64_t)rd->counters[SB_C_CHILDREN],
	       sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "PassiveOpens", -1));
	for (int i = SB_ID_CLIENT_SOCKETS; i <= SB_ID_CHILD_SOCKETS && o->filter_name; i++)
		id_skip(&id[i], "filtered: not comparable (%s selects part of the namespace's "
				"traffic; the counter covers all of it)", o->filter_name);
	/* the retransmit probes count the whole namespace: no filter applies */
	id_set(&id[SB_ID_SYN_RETRANS],
	       (int64_t)(rd->counters[SB_C_SYN_RETRANS] + rd->counters[SB_C_SYNACK_RETRANS]),
	       sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPSynRetrans", -1));
	if (!comp_on(rd, SB_COMP_SYN_RETRANSMITS) || !comp_on(rd, SB_COMP_SYNACK_RETRANSMITS))
		id_skip(&id[SB_ID_SYN_RETRANS], "%s", "a retransmit probe was off on this kernel");
	w->overflows = w->listener_drops >= 0 ? w->listener_drops -
						    (int64_t)w->listen_overflow_skb_drops
					      : -1;
	id_set(&id[SB_ID_LISTEN_OVERFLOWS], w->overflows, ld >= 0 && rq >= 0 ? ld + rq : -1);
	if (!comp_on(rd, SB_COMP_LISTENER_SAMPLER) || !comp_on(rd, SB_COMP_DROPS))
		id_skip(&id[SB_ID_LISTEN_OVERFLOWS], "%s", "the sampler or the drops probe was off");
	else if (!w->listen_overflow_known)
		id_skip(&id[SB_ID_LISTEN_OVERFLOWS], "%s",
			"no TCP_LISTEN_OVERFLOW drop reason before Linux 6.15");
	else if (w->listener_drops < 0)
		id_skip(&id[SB_ID_LISTEN_OVERFLOWS], "%s", "no listener was sampled");
	else if (o->nports && !ports_cover_listeners(o))
		id_skip(&id[SB_ID_LISTEN_OVERFLOWS],
			"filtered: not comparable (--port samples %s; the counters cover every "
			"listener of the namespace, and some listen on other ports)",
			"only the listeners on the filtered ports");
	for (int i = SB_NRUN_IDENTITIES; i < SB_NIDENTITIES; i++)
		if (id[i].status == SB_ID_FAILS)
			sb_reconcile_warn(&res->rec, "%s fails: %lld vs %lld (%s)",
					  sb_identity_name(i), (long long)id[i].probe,
					  (long long)id[i].kernel, sb_identity_what(i));
	if (id[SB_ID_SYN_RETRANS].status == SB_ID_FAILS)
		sb_reconcile_warn(&res->rec, "%s fails: %lld vs %lld (%s)",
				  sb_identity_name(SB_ID_SYN_RETRANS),
				  (long long)id[SB_ID_SYN_RETRANS].probe,
				  (long long)id[SB_ID_SYN_RETRANS].kernel,
				  sb_identity_what(SB_ID_SYN_RETRANS));
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

/* Rows: filtered, paired, classified; their latencies into the result's
 * histograms. */
static int rows_of(const struct sb_rundata *rd, const struct sb_kview_opts *o,
		   struct sb_result *res, struct sb_krow **out, size_t *nout)
{
	struct sb_watch_figures *a = &res->watch;
	struct sb_krow *rows = calloc(rd->nkrecs ? rd->nkrecs : 1, sizeof(*rows));
	struct sb_hist *h[3] = {sb_hist__new(), sb_hist__new(), sb_hist__new()};
	static const enum sb_lat lats[3] = {SB_LAT_KERNEL_HANDSHAKE, SB_LAT_CHILD_EST,
					    SB_LAT_SERVER_CLOSE};
	size_t n = 0;
	int e = rows && h[0] && h[1] && h[2] ? 0 : -ENOMEM, syncookies = sb_sysctls_syncookies(rd);

	for (size_t i = 0; i < rd->nkrecs && !e; i++) {
		struct sb_krow *row = &rows[n];

		row->r = &rd->krecs[i];
		if (!wanted(o, row)) {
			a->filtered_out++;
			memset(row, 0, sizeof(*row));
			continue;
		}
		a->untagged += row->r->role == SB_ROLE_CLIENT && !row->tagged;
		n++;
	}
	if (!e)
		pair(rows, n);
	/* --pid/--comm: a child is kept only as the peer of a selected client */
	if (!e && task_filter(o)) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			if (rows[i].r->role == SB_ROLE_CHILD && !rows[i].peer) {
				a->filtered_out++;
				continue;
			}
			rows[k++] = rows[i];
		}
		n = k;
	}
	for (size_t i = 0; i < n && !e; i++) {
		struct sb_krow *row = &rows[i];
		const struct sb_conn_rec *r = row->r;
		int est = sb_rec_established(r);

		for (int l = 0; l < SB_NLATS; l++)
			row->lat[l] = SB_NA;
		a->untimed += est && !r->ts[SB_TCP_ESTABLISHED];
		if (r->role == SB_ROLE_CLIENT) {
			a->clients++;
			a->syn_retrans += r->syn_retrans;
			row->outcome = sb_kview_client_outcome(
			    r, row->peer, !row->peer && listener_here(rd, r->dport, r->family),
			    syncookies, &row->cause);
			a->causes[row->cause] += row->cause != SB_FAIL_NONE;
			row->lat[SB_LAT_KERNEL_HANDSHAKE] =
			    span(r->ts[SB_TCP_SYN_SENT], r->ts[SB_TCP_ESTABLISHED]);
			a->handshakes += est;
		} else {
			uint64_t c = r->ts[SB_TCP_FIN_WAIT1] ? r->ts[SB_TCP_FIN_WAIT1]
							     : r->ts[SB_TCP_LAST_ACK];

			a->children++;
			row->outcome = sb_kview_child_outcome(r);
			row->lat[SB_LAT_CHILD_EST] =
			    span(r->ts[SB_TCP_SYN_RECV], r->ts[SB_TCP_ESTABLISHED]);
			row->lat[SB_LAT_SERVER_CLOSE] = span(r->ts[SB_TCP_ESTABLISHED], c);
			a->child_handshakes += est;
		}
		a->outcomes[row->outcome]++;
		for (int l = 0; l < 3; l++)
			if (row->lat[lats[l]] != SB_NA)
				sb_hist__add(h[l], row->lat[lats[l]]);
	}
	for (int l = 0; l < SB_NLATS; l++)
		memset(&res->lat[l], 0, sizeof(res->lat[l]));
	for (int l = 0; l < 3 && !e; l++)
		sb_hist__summary(h[l], &res->lat[lats[l]]);
	for (int l = 0; l < 3; l++)
		sb_hist__free(h[l]);
	if (e) {
		free(rows);
		return e;
	}
	*out = rows;
	*nout = n;
	return 0;
}

/* The warnings of a watch. */
static void warnings(const struct sb_rundata *rd, const struct sb_kview_opts *o,
		     struct sb_result *res)
{
	const struct sb_watch_figures *a = &res->watch;

	if (res->rec.lost_events)
		sb_reconcile_warn(&res->rec,
				  "%llu events lost (ring buffer %llu, socket map %llu, sampler "
				  "%llu, skipped by the kernel %llu, live events %llu)",
				  (unsigned long long)res->rec.lost_events,
				  (unsigned long long)rd->counters[SB_C_RB_FAIL],
				  (unsigned long long)rd->counters[SB_C_MAP_FULL],
				  (unsigned long long)rd->lost_samples,
				  (unsigned long long)rd->missed_events,
				  (unsigned long long)rd->counters[SB_C_TRACE_FAIL]);
	if (a->untimed)
		sb_reconcile_warn(&res->rec,
				  "%llu handshakes have no time: their ESTABLISHED event was missed "
				  "(%llu records missed a state change; docs/kernel-facts.md#fact-"
				  "22); their later states count them",
				  (unsigned long long)a->untimed,
				  (unsigned long long)rd->counters[SB_C_PARTIAL]);
	if (rd->counters[SB_C_UNTRACKED])
		sb_reconcile_warn(&res->rec,
				  "%llu state changes of sockets opened before the watch were not "
				  "tracked",
				  (unsigned long long)rd->counters[SB_C_UNTRACKED]);
	if (a->untagged && task_filter(o))
		sb_reconcile_warn(&res->rec,
				  "%llu client sockets had no PID/COMM (live event lost): "
				  "--pid/--comm/--cgroup left them out",
				  (unsigned long long)a->untagged);
}

int sb_kview_analyze(const struct sb_rundata *rd, const struct sb_kview_opts *o,
		     const struct sb_row_sink *sink, struct sb_result **out)
{
	struct sb_result *res = calloc(1, sizeof(*res));
	struct sb_krow *rows = NULL;
	size_t n = 0;
	double d;
	int e;

	*out = NULL;
	if (!res)
		return -ENOMEM;
	res->mode = SB_RESULT_WATCH;
	res->interrupted = rd->interrupted;
	res->stop_reason = rd->stop_reason;
	res->parts = res->parts_done = 1;
	e = rows_of(rd, o, res, &rows, &n);
	if (!e && sink && sink->krows) {
		struct sb_kview v = {.rows = rows, .nrows = n};

		e = sink->krows(sink->ctx, &v);
	}
	free(rows);
	if (e) {
		sb_result__free(res);
		return e;
	}
	res->krecs = rd->nkrecs;
	res->conns_started = res->watch.clients;
	res->watch.effective_backlog = effective_backlog(rd);
	listener_drops(rd, &res->watch);
	/* every listener socket on its own, as a run's: the sockets found on
	 * every watched port */
	sb_listeners_compute(rd, 0, &res->listeners);
	sb_analyze_kernel_hists(res, rd);
	res->rec.probes = 1;
	res->rec.join_rate = -1; /* nothing to join */
	res->rec.lost_events = rd->counters[SB_C_RB_FAIL] + rd->counters[SB_C_MAP_FULL] +
			       rd->lost_samples + rd->missed_events + rd->counters[SB_C_TRACE_FAIL];
	res->rec.listener_drops = res->watch.listener_drops;
	warnings(rd, o, res);
	sb_kview_reconcile(rd, o, res);
	d = rd->t_end_ns > rd->t_start_ns ? (double)(rd->t_end_ns - rd->t_start_ns) / 1e9 : 0;
	res->duration_s = d;
	res->rate_conns_per_s = d > 0 ? (double)res->watch.handshakes / d : 0;
	/* per handshake seen (client or child) */
	sb_cost_compute(rd, res->watch.handshakes ? res->watch.handshakes
						  : res->watch.child_handshakes,
			&res->cost);
	*out = res;
	return 0;
}
