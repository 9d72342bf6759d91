/* bench watch: records -> rows, outcomes, latencies, reconciliation
 * (watch_analysis.h). */
#include "harness/commands/watch_analysis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/analysis/join.h"
#include "harness/run/krec.h"
#include "harness/run/mib.h"

const char *sb_wout_name(enum sb_wout o)
{
	static const char *const n[SB_NWOUT] = {
		[SB_WOUT_ACCEPTED] = "accepted",     [SB_WOUT_QUEUED] = "queued",
		[SB_WOUT_GHOST] = "ghost",	     [SB_WOUT_ESTABLISHED] = "established",
		[SB_WOUT_FAILED] = "failed",	     [SB_WOUT_OPEN] = "open",
		[SB_WOUT_SERVED] = "served",	     [SB_WOUT_CHILD_OPEN] = "child_open",
		[SB_WOUT_CHILD_RESET] = "child_reset", [SB_WOUT_CHILD_FAILED] = "child_failed",
	};

	return (unsigned)o < SB_NWOUT ? n[o] : "other";
}

static void warn(struct sb_watch_analysis *a, const char *fmt, ...)
{
	char buf[512], **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = realloc(a->warnings, (a->nwarnings + 1) * sizeof(*w));
	if (!w)
		return;
	a->warnings = w;
	w[a->nwarnings] = strdup(buf);
	if (w[a->nwarnings])
		a->nwarnings++;
}

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
static void pair(struct sb_watch_analysis *a)
{
	struct tkey *keys = calloc(a->nrows ? a->nrows : 1, sizeof(*keys)), k;
	size_t n = 0;

	if (!keys)
		return;
	for (size_t i = 0; i < a->nrows; i++)
		if (a->rows[i].r->role == SB_ROLE_CLIENT && a->rows[i].r->sport) {
			client_key(a->rows[i].r, &keys[n]);
			keys[n++].row = i;
		}
	qsort(keys, n, sizeof(*keys), tkey_cmp);
	for (size_t i = 0; i < a->nrows && n; i++) {
		const struct sb_conn_rec *c = a->rows[i].r;
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
		if (best < n && !a->rows[keys[best].row].peer) {
			a->rows[i].peer = a->rows[keys[best].row].r;
			a->rows[keys[best].row].peer = c;
		}
	}
	free(keys);
}

/* ---- outcomes ---- */

static int server_closed(const struct sb_conn_rec *c)
{
	return c->ts[SB_TCP_FIN_WAIT1] || c->ts[SB_TCP_LAST_ACK];
}

static enum sb_wout child_outcome(const struct sb_conn_rec *c)
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

static enum sb_wout client_outcome(const struct sb_rundata *rd, const struct sb_watch_row *w)
{
	const struct sb_conn_rec *c = w->r;

	if (!sb_rec_established(c))
		return c->flushed == SB_REC_LIVE_AT_END && c->final_state == SB_TCP_SYN_SENT
			       ? SB_WOUT_OPEN
			       : SB_WOUT_FAILED;
	if (w->peer)
		return sb_rec_established(w->peer) && server_closed(w->peer) ? SB_WOUT_ACCEPTED
										  : SB_WOUT_QUEUED;
	return listener_here(rd, c->dport, c->family) ? SB_WOUT_GHOST : SB_WOUT_ESTABLISHED;
}

static int64_t span(uint64_t a, uint64_t b)
{
	return a && b && b >= a ? (int64_t)(b - a) : SB_NA;
}

/* ---- filters ---- */

static int task_filter(const struct sb_watch_opts *o)
{
	return o->pid >= 0 || o->comm[0] || o->cgroup[0];
}

static int wanted(const struct sb_watch_opts *o, const struct sb_conn_rec *r,
		  const struct sb_watch_tag *t)
{
	if (o->family && r->family != o->family)
		return 0;
	if (r->role == SB_ROLE_CLIENT && task_filter(o)) {
		if (!t)
			return 0;
		if (o->pid >= 0 && (int64_t)t->pid != o->pid)
			return 0;
		if (o->comm[0] && strncmp(t->comm, o->comm, 16) != 0)
			return 0;
		if (o->cgroup[0] && !t->in_cgroup)
			return 0;
	}
	return r->role == SB_ROLE_CLIENT || r->role == SB_ROLE_CHILD;
}

/* ---- listeners: drops over the watch ---- */

static void listener_drops(const struct sb_rundata *rd, struct sb_watch_analysis *a)
{
	struct {
		uint16_t port, family;
		uint32_t first, last;
	} seen[64];
	size_t n = 0;

	a->listener_drops = -1;
	for (size_t i = 0; i < rd->nsamples; i++) {
		const struct sb_listen_sample *s = &rd->samples[i];
		size_t k;

		for (k = 0; k < n; k++)
			if (seen[k].port == s->port && seen[k].family == s->family)
				break;
		if (k == n) {
			if (n == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[n].port = s->port;
			seen[n].family = s->family;
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

static void id_set(struct sb_watch_id *id, const char *name, const char *what, int64_t probe,
		   int64_t kernel)
{
	id->name = name;
	snprintf(id->what, sizeof(id->what), "%s", what);
	id->probe = probe;
	id->kernel = kernel;
	id->status = probe >= 0 && kernel >= 0 ? (probe == kernel ? SB_ID_HOLDS : SB_ID_FAILS)
					       : SB_ID_SKIPPED;
	if (id->status == SB_ID_SKIPPED)
		snprintf(id->why, sizeof(id->why), "a side is missing (component off or counter "
						   "absent)");
}

static void id_skip(struct sb_watch_id *id, const char *fmt, const char *arg)
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
static int ports_cover_listeners(const struct sb_watch_data *w)
{
	if (!w->ns_nlisten_ports || w->ns_nlisten_ports > 64)
		return 0;
	for (uint32_t i = 0; i < w->ns_nlisten_ports; i++) {
		uint32_t k;

		for (k = 0; k < w->opts->nports; k++)
			if (w->opts->ports[k] == w->ns_listen_ports[i])
				break;
		if (k == w->opts->nports)
			return 0;
	}
	return 1;
}

static void reconcile(const struct sb_watch_data *w, struct sb_watch_analysis *a)
{
	const struct sb_watch_opts *o = w->opts;
	const struct sb_rundata *rd = w->rd;
	const char *filter = o->nports ? "--port"
			     : o->pid >= 0 ? "--pid"
			     : o->comm[0] ? "--comm"
			     : o->cgroup[0] ? "--cgroup"
			     : o->family ? (o->family == AF_INET ? "--ipv4" : "--ipv6")
					 : NULL;
	int known;
	uint64_t lo_skb = drop_reason(rd, "TCP_LISTEN_OVERFLOW", &known);
	int64_t ld = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1);
	int64_t rq = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPReqQFullDrop", -1);
	struct sb_watch_id *id = a->ids;

	/* BPF counts every socket that passed its port filter: the records'
	 * user-space filters (--pid, --comm, --ipv4/6) do not change it, but
	 * the identities are stated for what the watch reports */
	id_set(&id[SB_WID_CLIENT_SOCKETS], "client_sockets",
	       "client sockets (CLOSE->SYN_SENT) = Tcp ActiveOpens",
	       (int64_t)rd->counters[SB_C_CLIENTS],
	       sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "ActiveOpens", -1));
	id_set(&id[SB_WID_CHILD_SOCKETS], "child_sockets",
	       "server children (LISTEN->SYN_RECV) = Tcp PassiveOpens",
	       (int64_t)rd->counters[SB_C_CHILDREN],
	       sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "PassiveOpens", -1));
	for (int i = SB_WID_CLIENT_SOCKETS; i <= SB_WID_CHILD_SOCKETS && filter; i++)
		id_skip(&id[i], "filtered: not comparable (%s selects part of the namespace's "
				"traffic; the counter covers all of it)", filter);
	/* the retransmit probes count the whole namespace: no filter applies */
	id_set(&id[SB_WID_SYN_RETRANS], "syn_retransmits",
	       "probe SYN + SYN-ACK retransmits (whole namespace) = TcpExt TCPSynRetrans",
	       (int64_t)(rd->counters[SB_C_SYN_RETRANS] + rd->counters[SB_C_SYNACK_RETRANS]),
	       sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPSynRetrans", -1));
	if (!comp_on(rd, SB_COMP_SYN_RETRANSMITS) || !comp_on(rd, SB_COMP_SYNACK_RETRANSMITS))
		id_skip(&id[SB_WID_SYN_RETRANS], "%s", "a retransmit probe was off on this kernel");
	id_set(&id[SB_WID_LISTEN_OVERFLOWS], "listen_overflows",
	       "listener sk_drops - TCP_LISTEN_OVERFLOW skb drops = ListenOverflows + "
	       "TCPReqQFullDrop",
	       a->listener_drops >= 0 ? a->listener_drops - (int64_t)lo_skb : -1,
	       ld >= 0 && rq >= 0 ? ld + rq : -1);
	if (!comp_on(rd, SB_COMP_LISTENER_SAMPLER) || !comp_on(rd, SB_COMP_DROPS))
		id_skip(&id[SB_WID_LISTEN_OVERFLOWS], "%s", "the sampler or the drops probe was off");
	else if (!known)
		id_skip(&id[SB_WID_LISTEN_OVERFLOWS], "%s",
			"no TCP_LISTEN_OVERFLOW drop reason before Linux 6.15");
	else if (a->listener_drops < 0)
		id_skip(&id[SB_WID_LISTEN_OVERFLOWS], "%s", "no listener was sampled");
	else if (o->nports && !ports_cover_listeners(w))
		id_skip(&id[SB_WID_LISTEN_OVERFLOWS],
			"filtered: not comparable (--port samples %s; the counters cover every "
			"listener of the namespace, and some listen on other ports)",
			"only the listeners on the filtered ports");
	for (int i = 0; i < SB_NWIDS; i++)
		if (id[i].status == SB_ID_FAILS)
			warn(a, "%s fails: %lld vs %lld (%s)", id[i].name, (long long)id[i].probe,
			     (long long)id[i].kernel, id[i].what);
}

int sb_watch_analyse(struct sb_watch_data *w, struct sb_watch_analysis **out)
{
	const struct sb_rundata *rd = w->rd;
	struct sb_watch_analysis *a = calloc(1, sizeof(*a));
	int64_t *v[SB_NWLAT] = { 0 };
	size_t nv[SB_NWLAT] = { 0 };
	int err = 0;

	if (!a)
		return -ENOMEM;
	a->rows = calloc(rd->nkrecs ? rd->nkrecs : 1, sizeof(*a->rows));
	for (int l = 0; l < SB_NWLAT; l++)
		v[l] = calloc(rd->nkrecs ? rd->nkrecs : 1, sizeof(int64_t));
	if (!a->rows || !v[0] || !v[1] || !v[2]) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < rd->nkrecs; i++) {
		const struct sb_conn_rec *r = &rd->krecs[i];
		const struct sb_watch_tag *t = sb_watch_live__find(w->live, r);

		if (r->role == SB_ROLE_CLIENT && !t)
			a->untagged++;
		if (!wanted(w->opts, r, t)) {
			a->filtered_out++;
			continue;
		}
		a->rows[a->nrows].r = r;
		a->rows[a->nrows].tag = t;
		a->nrows++;
	}
	pair(a);
	/* --pid/--comm: a child is kept only as the peer of a selected client */
	if (task_filter(w->opts)) {
		size_t k = 0;

		for (size_t i = 0; i < a->nrows; i++) {
			if (a->rows[i].r->role == SB_ROLE_CHILD && !a->rows[i].peer) {
				a->filtered_out++;
				continue;
			}
			a->rows[k++] = a->rows[i];
		}
		a->nrows = k;
	}
	for (size_t i = 0; i < a->nrows; i++) {
		struct sb_watch_row *row = &a->rows[i];
		const struct sb_conn_rec *r = row->r;

		int est = sb_rec_established(r);

		for (int l = 0; l < SB_NWLAT; l++)
			row->lat[l] = SB_NA;
		a->untimed += est && !r->ts[SB_TCP_ESTABLISHED];
		if (r->role == SB_ROLE_CLIENT) {
			a->clients++;
			a->syn_retrans += r->syn_retrans;
			row->outcome = client_outcome(rd, row);
			row->lat[SB_WLAT_HANDSHAKE] =
				span(r->ts[SB_TCP_SYN_SENT], r->ts[SB_TCP_ESTABLISHED]);
			a->handshakes += est;
		} else {
			uint64_t c = r->ts[SB_TCP_FIN_WAIT1] ? r->ts[SB_TCP_FIN_WAIT1]
							     : r->ts[SB_TCP_LAST_ACK];

			a->children++;
			row->outcome = child_outcome(r);
			row->lat[SB_WLAT_CHILD_EST] =
				span(r->ts[SB_TCP_SYN_RECV], r->ts[SB_TCP_ESTABLISHED]);
			row->lat[SB_WLAT_SERVER_CLOSE] = span(r->ts[SB_TCP_ESTABLISHED], c);
			a->child_handshakes += est;
		}
		a->outcomes[row->outcome]++;
		for (int l = 0; l < SB_NWLAT; l++)
			if (row->lat[l] != SB_NA)
				v[l][nv[l]++] = row->lat[l];
	}
	for (int l = 0; l < SB_NWLAT && !err; l++)
		err = sb_summary_of(v[l], nv[l], &a->lat[l]);
	if (rd->hists)
		sb_summary_from_buckets(rd->hists + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS,
					&a->handshake_hist);
	listener_drops(rd, a);
	a->lost_events = rd->counters[SB_C_RB_FAIL] + rd->counters[SB_C_MAP_FULL] +
			 rd->lost_samples + rd->missed_events + rd->counters[SB_C_TRACE_FAIL];
	if (a->lost_events)
		warn(a, "%llu events lost (ring buffer %llu, socket map %llu, sampler %llu, "
			"skipped by the kernel %llu, live events %llu)",
		     (unsigned long long)a->lost_events,
		     (unsigned long long)rd->counters[SB_C_RB_FAIL],
		     (unsigned long long)rd->counters[SB_C_MAP_FULL],
		     (unsigned long long)rd->lost_samples, (unsigned long long)rd->missed_events,
		     (unsigned long long)rd->counters[SB_C_TRACE_FAIL]);
	if (a->untimed)
		warn(a, "%llu handshakes have no time: their ESTABLISHED event was missed (%llu "
			"records missed a state change; README, \"Events hidden from BPF\"); their "
			"later states count them",
		     (unsigned long long)a->untimed, (unsigned long long)rd->counters[SB_C_PARTIAL]);
	if (rd->counters[SB_C_UNTRACKED])
		warn(a, "%llu state changes of sockets opened before the watch were not tracked",
		     (unsigned long long)rd->counters[SB_C_UNTRACKED]);
	if (a->untagged && task_filter(w->opts))
		warn(a, "%llu client sockets had no PID/COMM (live event lost): --pid/--comm/"
			"--cgroup left them out", (unsigned long long)a->untagged);
	reconcile(w, a);
out:
	for (int l = 0; l < SB_NWLAT; l++)
		free(v[l]);
	if (err) {
		sb_watch_analysis__free(a);
		return err;
	}
	*out = a;
	return 0;
}

void sb_watch_analysis__free(struct sb_watch_analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nwarnings; i++)
		free(a->warnings[i]);
	free(a->warnings);
	free(a->rows);
	free(a);
}
