#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/join.h"
#include "harness/identities.h"
#include "harness/mib.h"

#define NPORTS 65536
#define NO_IDX UINT32_MAX

static const char *const outcome_names[SB_NOUTCOMES] = {
    [SB_OUT_ACCEPTED] = "accepted",	[SB_OUT_QUEUED] = "queued",   [SB_OUT_GHOST] = "ghost",
    [SB_OUT_TIMEOUT] = "timeout",	[SB_OUT_REFUSED] = "refused", [SB_OUT_RESET] = "reset",
    [SB_OUT_UNACCEPTED] = "unaccepted", [SB_OUT_OTHER] = "other",
};

static const char *const lat_names[SB_NLATS] = {
    [SB_LAT_KERNEL_HANDSHAKE] = "kernel_handshake",
    [SB_LAT_USER_CONNECT] = "user_connect",
    [SB_LAT_PRE_SYN] = "pre_syn",
    [SB_LAT_NOTIFY_DELAY] = "notify_delay",
    [SB_LAT_ACCEPT_WAIT] = "accept_wait",
    [SB_LAT_USER_CONNECT_SCHED] = "user_connect_sched",
    [SB_LAT_RESPONSE] = "response",
    [SB_LAT_CHILD_EST] = "child_established",
    [SB_LAT_SERVER_CLOSE] = "server_close",
};

static const char *const state_names[SB_NSTATES] = {
    "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",	   "TIME_WAIT",
    "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV",
};

const char *sb_outcome_name(enum sb_outcome o)
{
	return (unsigned int)o < SB_NOUTCOMES ? outcome_names[o] : "invalid";
}

const char *sb_lat_name(enum sb_lat l)
{
	return (unsigned int)l < SB_NLATS ? lat_names[l] : "invalid";
}

const char *sb_tcp_state_name(unsigned int state)
{
	return state < SB_NSTATES ? state_names[state] : "UNKNOWN";
}

/* ---- cookie -> index hash table (open addressing, linear probing) ---- */

struct cookie_map {
	uint64_t *keys; /* 0 = empty (cookie 0 is never a real cookie) */
	uint32_t *vals;
	size_t mask;
};

static int cmap_init(struct cookie_map *m, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 1)
		cap <<= 1;
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->mask = cap - 1;
	return m->keys && m->vals ? 0 : -ENOMEM;
}

static void cmap_free(struct cookie_map *m)
{
	free(m->keys);
	free(m->vals);
}

static size_t cmap_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

/* Inserts k -> v unless k is present; returns 1 if it was. */
static int cmap_put(struct cookie_map *m, uint64_t k, uint32_t v)
{
	for (size_t i = cmap_hash(k) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == k)
			return 1;
		if (!m->keys[i]) {
			m->keys[i] = k;
			m->vals[i] = v;
			return 0;
		}
	}
}

static uint32_t cmap_get(const struct cookie_map *m, uint64_t k)
{
	if (!k)
		return NO_IDX;
	for (size_t i = cmap_hash(k) & m->mask; m->keys[i]; i = (i + 1) & m->mask)
		if (m->keys[i] == k)
			return m->vals[i];
	return NO_IDX;
}

/* ---- per-row client tuple, indexed by client port ---- */

struct tuple {
	uint32_t laddr[4], raddr[4]; /* all zero: unknown */
	uint16_t lport, rport;
	uint64_t ref; /* SYN_SENT (kernel) or t_submit (user) */
};

static int addr_known(const uint32_t *a)
{
	return a[0] || a[1] || a[2] || a[3];
}

static int addr_match(const uint32_t *a, const uint32_t *b)
{
	return !addr_known(a) || !addr_known(b) || memcmp(a, b, 4 * sizeof(*a)) == 0;
}

static void row_tuple(const struct sb_join_row *r, struct tuple *t)
{
	const struct sb_conn_rec *kc = r->kclient;

	memset(t, 0, sizeof(*t));
	t->lport = kc && kc->sport ? kc->sport : r->conn->lport;
	t->rport = kc && kc->dport ? kc->dport : r->conn->rport;
	if (kc && addr_known(kc->daddr))
		memcpy(t->raddr, kc->daddr, sizeof(t->raddr));
	else
		t->raddr[0] = r->conn->raddr;
	if (kc)
		memcpy(t->laddr, kc->saddr, sizeof(t->laddr));
	t->ref = kc && kc->ts[SB_TCP_SYN_SENT] ? kc->ts[SB_TCP_SYN_SENT] : r->conn->t_submit;
}

/* When the child came to be: SYN_RECV, or its first stamp. */
static uint64_t child_time(const struct sb_conn_rec *c)
{
	if (c->ts[SB_TCP_SYN_RECV])
		return c->ts[SB_TCP_SYN_RECV];
	if (c->ts[SB_TCP_ESTABLISHED])
		return c->ts[SB_TCP_ESTABLISHED];
	for (int s = 1; s < SB_NSTATES; s++)
		if (c->ts[s])
			return c->ts[s];
	return 0;
}

struct ctx {
	const struct sb_rundata *rd;
	struct sb_join *j;
	struct tuple *tup;
	uint32_t *head, *next; /* rows by client port */
	struct cookie_map kmap, amap;
	unsigned char *kused, *aused;
};

/* Row on tuple port whose ref is the latest not after t; match() filters. */
static uint32_t latest_row_before(const struct ctx *c, uint16_t port, uint64_t t,
				  int (*match)(const struct ctx *, uint32_t, const void *),
				  const void *arg)
{
	uint32_t best = NO_IDX;

	for (uint32_t i = c->head[port]; i != NO_IDX; i = c->next[i]) {
		if (!c->tup[i].ref || c->tup[i].ref > t || !match(c, i, arg))
			continue;
		if (best == NO_IDX || c->tup[i].ref > c->tup[best].ref)
			best = i;
	}
	return best;
}

static int child_matches(const struct ctx *c, uint32_t i, const void *arg)
{
	const struct sb_conn_rec *ch = arg;
	const struct tuple *t = &c->tup[i];

	return ch->sport == t->rport && addr_match(ch->saddr, t->raddr) &&
	       addr_match(ch->daddr, t->laddr);
}

static int accept_matches(const struct ctx *c, uint32_t i, const void *arg)
{
	const struct lg_accept *a = arg;
	const struct sb_join_row *r = &c->j->rows[i];
	uint32_t peer[4] = {a->peer_addr, 0, 0, 0};

	return !r->kchild && !r->accept && addr_match(peer, c->tup[i].laddr);
}

static void match_children(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;

	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *ch = &rd->krecs[k];
		uint64_t t = child_time(ch);
		uint32_t i;
		struct sb_join_row *r;

		if (ch->role != SB_ROLE_CHILD || !t)
			continue;
		i = latest_row_before(c, ch->dport, t, child_matches, ch);
		if (i == NO_IDX)
			continue;
		r = &c->j->rows[i];
		if (!r->kchild || t < child_time(r->kchild))
			r->kchild = ch;
	}
}

static void match_accepts(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;

	/* by the child's cookie */
	for (size_t i = 0; i < j->nrows; i++) {
		struct sb_join_row *r = &j->rows[i];
		uint32_t a = r->kchild ? cmap_get(&c->amap, r->kchild->cookie) : NO_IDX;

		if (a != NO_IDX && !c->aused[a]) {
			r->accept = &rd->accepts[a];
			c->aused[a] = 1;
		}
	}
	/* the rest by peer port and time, onto rows without a child record */
	for (size_t k = 0; k < rd->naccepts; k++) {
		const struct lg_accept *a = &rd->accepts[k];
		uint32_t i;

		if (c->aused[k] || !a->t_accept)
			continue;
		i = latest_row_before(c, a->peer_port, a->t_accept, accept_matches, a);
		if (i == NO_IDX)
			continue;
		j->rows[i].accept = a;
		c->aused[k] = 1;
		j->counts.accepts_by_peer++;
	}
}

static int64_t diff(uint64_t a, uint64_t b)
{
	if (!a || !b)
		return SB_NA;
	return (int64_t)(a - b);
}

static enum sb_outcome user_outcome(const struct lg_conn *u)
{
	switch (u->outcome) {
	case LG_OUT_OK:
		return SB_OUT_UNACCEPTED;
	case LG_OUT_TIMEOUT:
		return SB_OUT_TIMEOUT;
	case LG_OUT_REFUSED:
		return SB_OUT_REFUSED;
	case LG_OUT_RESET:
		return SB_OUT_RESET;
	default:
		return SB_OUT_OTHER;
	}
}

static enum sb_outcome row_outcome(const struct sb_join_row *r)
{
	const struct sb_conn_rec *kc = r->kclient, *ch = r->kchild;
	enum sb_outcome u = user_outcome(r->conn);

	if (r->accept)
		return SB_OUT_ACCEPTED;
	/* Without our accept stamp (a --target server): a child the server
	 * closed was accepted; one never accepted is reset straight to CLOSE
	 * when the listener goes (inet_csk_listen_stop). */
	if (ch && (ch->ts[SB_TCP_FIN_WAIT1] || ch->ts[SB_TCP_LAST_ACK]))
		return SB_OUT_ACCEPTED;
	if (ch && ch->ts[SB_TCP_ESTABLISHED])
		return SB_OUT_QUEUED;
	if (!kc)
		return u;
	if (u == SB_OUT_RESET || u == SB_OUT_REFUSED)
		return u;
	if (kc->ts[SB_TCP_ESTABLISHED])
		return ch ? (u == SB_OUT_UNACCEPTED ? SB_OUT_OTHER : u) : SB_OUT_GHOST;
	/* the kernel never completed the handshake */
	return u == SB_OUT_UNACCEPTED ? SB_OUT_OTHER : u;
}

static void derive(struct sb_join_row *r)
{
	const struct lg_conn *u = r->conn;
	const struct sb_conn_rec *kc = r->kclient, *ch = r->kchild;
	uint64_t k_syn = kc ? kc->ts[SB_TCP_SYN_SENT] : 0;
	uint64_t k_est = kc ? kc->ts[SB_TCP_ESTABLISHED] : 0;
	uint64_t c_est = ch ? ch->ts[SB_TCP_ESTABLISHED] : 0;
	int ok = u->outcome == LG_OUT_OK;

	for (int l = 0; l < SB_NLATS; l++)
		r->lat[l] = SB_NA;
	r->lat[SB_LAT_KERNEL_HANDSHAKE] = diff(k_est, k_syn);
	r->lat[SB_LAT_PRE_SYN] = diff(k_syn, u->t_submit);
	if (ok) {
		r->lat[SB_LAT_USER_CONNECT] = diff(u->t_connected, u->t_submit);
		r->lat[SB_LAT_USER_CONNECT_SCHED] = diff(u->t_connected, u->t_sched);
		r->lat[SB_LAT_NOTIFY_DELAY] = diff(u->t_connected, k_est);
	}
	if (r->accept)
		r->lat[SB_LAT_ACCEPT_WAIT] = diff(r->accept->t_accept, c_est);
	r->lat[SB_LAT_RESPONSE] = diff(u->t_resp, u->t_connected);
	if (ch) {
		uint64_t closed = ch->ts[SB_TCP_FIN_WAIT1] ? ch->ts[SB_TCP_FIN_WAIT1]
							   : ch->ts[SB_TCP_LAST_ACK];

		r->lat[SB_LAT_CHILD_EST] = diff(c_est, ch->ts[SB_TCP_SYN_RECV]);
		r->lat[SB_LAT_SERVER_CLOSE] = diff(closed, c_est);
	}
	r->syn_retrans = kc ? kc->syn_retrans : -1;
	r->outcome = row_outcome(r);
}

/* ---- reconciliation ---- */

static void warn(struct sb_reconcile *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct sb_reconcile *rec, const char *fmt, ...)
{
	char **w;
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	w = realloc(rec->warnings, (rec->nwarnings + 1) * sizeof(*w));
	if (!w) {
		free(s);
		return;
	}
	rec->warnings = w;
	w[rec->nwarnings++] = s;
}

static int effective_syncookies(const struct sb_rundata *rd)
{
	for (size_t i = 0; i < rd->nsysctls; i++)
		if (strcmp(rd->sysctls[i].name, "net.ipv4.tcp_syncookies") == 0)
			return atoi(rd->sysctls[i].value);
	if (rd->opts && rd->opts->syncookies >= 0)
		return rd->opts->syncookies;
	return -1;
}

static int64_t last_listener_drops(const struct sb_rundata *rd)
{
	const struct sb_listen_sample *last = NULL;

	for (size_t i = 0; i < rd->nsamples; i++) {
		const struct sb_listen_sample *s = &rd->samples[i];

		if (rd->opts && rd->opts->port && s->port != rd->opts->port)
			continue;
		if (!last || s->ts >= last->ts)
			last = s;
	}
	return last ? (int64_t)last->drops : -1;
}

static uint64_t drops_named(const struct sb_rundata *rd, const char *name)
{
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i] && strcmp(rd->drop_names[i], name) == 0)
			return rd->drops[i];
	return 0;
}

static void reconcile(const struct sb_rundata *rd, struct sb_join *j, int probes)
{
	struct sb_reconcile *rec = &j->rec;
	const struct sb_join_counts *n = &j->counts;
	struct sb_identity id;

	rec->probes = probes;
	rec->client_established = n->kclients_est;
	/* a server without our accept stamps: the kernel's evidence */
	rec->accepted = rd->naccepts ? n->accepts : n->outcomes[SB_OUT_ACCEPTED];
	rec->queued = n->kchildren_queued;
	rec->ghosts = n->outcomes[SB_OUT_GHOST];
	rec->timeouts = n->outcomes[SB_OUT_TIMEOUT];
	rec->syncookies = effective_syncookies(rd);
	rec->probe_syn_retrans = rd->counters[SB_C_SYN_RETRANS];
	rec->probe_synack_retrans = rd->counters[SB_C_SYNACK_RETRANS];
	rec->listen_overflow_skb_drops = drops_named(rd, "TCP_LISTEN_OVERFLOW");
	rec->mib_syn_retrans = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPSynRetrans", -1);
	rec->listener_drops = last_listener_drops(rd);
	rec->mib_listen_drops = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenDrops", -1);
	rec->mib_listen_overflows =
	    sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1);
	rec->softnet_dropped = sb_mib_delta_or(rd->mib, rd->nmib, "softnet", "dropped", -1);
	rec->lost_events = rd->counters[SB_C_RB_FAIL] + rd->counters[SB_C_MAP_FULL] +
			   rd->lost_samples + rd->missed_events;
	rec->join_rate = probes && n->with_cookie ? (double)n->joined / (double)n->with_cookie : -1;

	if (rd->interrupted)
		warn(rec, "run interrupted: results cover only what finished");
	if (rec->lost_events)
		warn(rec,
		     "%llu events lost (ring buffer full %llu, socket map full %llu, "
		     "sampler reads failed %llu, tracepoint hits the kernel skipped while the "
		     "probe already ran on that CPU %llu)",
		     (unsigned long long)rec->lost_events,
		     (unsigned long long)rd->counters[SB_C_RB_FAIL],
		     (unsigned long long)rd->counters[SB_C_MAP_FULL],
		     (unsigned long long)rd->lost_samples, (unsigned long long)rd->missed_events);
	if (probes && n->with_cookie && n->joined < n->with_cookie)
		warn(rec,
		     "join rate %.4f: %llu of %llu user connections have no kernel client record",
		     rec->join_rate, (unsigned long long)(n->with_cookie - n->joined),
		     (unsigned long long)n->with_cookie);
	if (probes && n->kclients_unmatched)
		warn(rec, "%llu kernel client records match no user connection",
		     (unsigned long long)n->kclients_unmatched);
	if (probes && n->kchildren_unmatched)
		warn(rec, "%llu server child records match no client connection",
		     (unsigned long long)n->kchildren_unmatched);
	if (n->accepts_unmatched)
		warn(rec, "%llu accepted connections match no client connection",
		     (unsigned long long)n->accepts_unmatched);
	if (probes && n->accepts_by_peer)
		warn(rec, "%llu accepted connections had no server child record (joined by port)",
		     (unsigned long long)n->accepts_by_peer);
	if (probes && n->user_ok_kernel_not_est)
		warn(rec,
		     "%llu connections succeeded in user space but never reached ESTABLISHED "
		     "in the kernel records",
		     (unsigned long long)n->user_ok_kernel_not_est);
	if (n->dup_cookies)
		warn(rec, "%llu kernel records repeat a cookie (ignored)",
		     (unsigned long long)n->dup_cookies);
	rec->identity_checked = probes && rec->syncookies == 0;
	rec->identity_holds = rec->client_established == rec->accepted + rec->queued;
	sb_identity_check(rd, rec, SB_ID_SYN_RETRANS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec,
		     "probe SYN retransmits %llu + SYN-ACK retransmits %llu != TcpExt "
		     "TCPSynRetrans %lld",
		     (unsigned long long)rec->probe_syn_retrans,
		     (unsigned long long)rec->probe_synack_retrans, (long long)rec->mib_syn_retrans);
	sb_identity_check(rd, rec, SB_ID_LISTENER_DROPS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec,
		     "listener drops (last sample) %lld != TcpExt ListenDrops %lld + "
		     "TCP_LISTEN_OVERFLOW skb drops %llu",
		     (long long)rec->listener_drops, (long long)rec->mib_listen_drops,
		     (unsigned long long)rec->listen_overflow_skb_drops);
	if (probes && rd->counters[SB_C_HIST_OVER])
		warn(rec, "%llu histogram updates out of range",
		     (unsigned long long)rd->counters[SB_C_HIST_OVER]);
	if (rec->softnet_dropped > 0)
		warn(rec,
		     "%lld packets dropped by the per-CPU backlog (softnet_stat, global: "
		     "net.core.netdev_max_backlog)",
		     (long long)rec->softnet_dropped);
	if (rec->identity_checked && !rec->identity_holds)
		warn(rec, "syncookies=0 but client ESTABLISHED %llu != accepted %llu + queued %llu",
		     (unsigned long long)rec->client_established, (unsigned long long)rec->accepted,
		     (unsigned long long)rec->queued);
}

/* ---- the join ---- */

static int build_rows(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;
	struct sb_join_counts *n = &j->counts;

	n->user_conns = rd->nconns;
	j->rows = calloc(rd->nconns ? rd->nconns : 1, sizeof(*j->rows));
	if (!j->rows)
		return -ENOMEM;
	for (size_t i = 0; i < rd->nconns; i++) {
		const struct lg_conn *u = &rd->conns[i];
		struct sb_join_row *r;
		uint32_t k;

		if (!u->t_submit && !u->cookie) {
			n->not_started++;
			continue;
		}
		r = &j->rows[j->nrows++];
		r->conn = u;
		if (!u->cookie)
			continue;
		n->with_cookie++;
		k = cmap_get(&c->kmap, u->cookie);
		if (k != NO_IDX && rd->krecs[k].role == SB_ROLE_CLIENT && !c->kused[k]) {
			r->kclient = &rd->krecs[k];
			c->kused[k] = 1;
			n->joined++;
		}
	}
	return 0;
}

static int index_rows(struct ctx *c)
{
	struct sb_join *j = c->j;

	c->tup = calloc(j->nrows ? j->nrows : 1, sizeof(*c->tup));
	c->next = calloc(j->nrows ? j->nrows : 1, sizeof(*c->next));
	c->head = malloc(NPORTS * sizeof(*c->head));
	if (!c->tup || !c->next || !c->head)
		return -ENOMEM;
	memset(c->head, 0xff, NPORTS * sizeof(*c->head));
	for (size_t i = 0; i < j->nrows; i++) {
		row_tuple(&j->rows[i], &c->tup[i]);
		if (!c->tup[i].lport)
			continue;
		c->next[i] = c->head[c->tup[i].lport];
		c->head[c->tup[i].lport] = (uint32_t)i;
	}
	return 0;
}

static int index_records(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join_counts *n = &c->j->counts;
	int err;

	err = cmap_init(&c->kmap, rd->nkrecs);
	if (!err)
		err = cmap_init(&c->amap, rd->naccepts);
	c->kused = calloc(rd->nkrecs + 1, 1);
	c->aused = calloc(rd->naccepts + 1, 1);
	if (err || !c->kused || !c->aused)
		return -ENOMEM;
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];

		if (r->role == SB_ROLE_CLIENT) {
			n->kclients++;
			n->kclients_est += !!r->ts[SB_TCP_ESTABLISHED];
		} else if (r->role == SB_ROLE_CHILD) {
			n->kchildren++;
			n->kchildren_est += !!r->ts[SB_TCP_ESTABLISHED];
		} else {
			n->kother++;
		}
		if (r->cookie && r->role == SB_ROLE_CLIENT &&
		    cmap_put(&c->kmap, r->cookie, (uint32_t)k))
			n->dup_cookies++;
	}
	n->accepts = rd->naccepts;
	for (size_t k = 0; k < rd->naccepts; k++)
		if (rd->accepts[k].cookie)
			cmap_put(&c->amap, rd->accepts[k].cookie, (uint32_t)k);
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];

		/* a child the server closed was accepted, stamp or not */
		if (r->role == SB_ROLE_CHILD && r->ts[SB_TCP_ESTABLISHED] &&
		    !r->ts[SB_TCP_FIN_WAIT1] && !r->ts[SB_TCP_LAST_ACK] &&
		    cmap_get(&c->amap, r->cookie) == NO_IDX)
			n->kchildren_queued++;
	}
	return 0;
}

static int summarize(const struct sb_rundata *rd, struct sb_join *j)
{
	struct sb_hist *h = sb_hist__new();

	if (!h)
		return -ENOMEM;
	for (int l = 0; l < SB_NLATS; l++) {
		sb_hist__reset(h);
		for (size_t i = 0; i < j->nrows; i++)
			if (j->rows[i].lat[l] != SB_NA)
				sb_hist__add(h, j->rows[i].lat[l]);
		sb_hist__summary(h, &j->lat[l]);
	}
	sb_hist__free(h);
	if (rd->hists) {
		sb_summary_from_buckets(rd->hists + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS,
					&j->kernel_handshake_hist);
		sb_summary_from_buckets(rd->hists + (size_t)SB_H_CHILD_EST * SB_HIST_BUCKETS,
					&j->child_est_hist);
	}
	return 0;
}

int sb_join__new(const struct sb_rundata *rd, struct sb_join **out)
{
	struct ctx c = {.rd = rd};
	struct sb_join *j;
	int probes = (rd->nkrecs > 0 || rd->hists) && !(rd->opts && rd->opts->no_probes);
	int err;

	*out = NULL;
	if (rd->nconns >= NO_IDX || rd->nkrecs >= NO_IDX || rd->naccepts >= NO_IDX)
		return -E2BIG;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	c.j = j;
	err = index_records(&c);
	if (!err)
		err = build_rows(&c);
	if (!err)
		err = index_rows(&c);
	if (err)
		goto out;
	match_children(&c);
	match_accepts(&c);

	for (size_t i = 0; i < j->nrows; i++) {
		struct sb_join_row *r = &j->rows[i];

		derive(r);
		j->counts.outcomes[r->outcome]++;
		if (r->conn->outcome == LG_OUT_OK && r->kclient &&
		    !r->kclient->ts[SB_TCP_ESTABLISHED])
			j->counts.user_ok_kernel_not_est++;
		if (r->kchild)
			c.kused[r->kchild - rd->krecs] = 1;
	}
	for (size_t k = 0; k < rd->nkrecs; k++) {
		if (c.kused[k])
			continue;
		if (rd->krecs[k].role == SB_ROLE_CLIENT)
			j->counts.kclients_unmatched++;
		else if (rd->krecs[k].role == SB_ROLE_CHILD)
			j->counts.kchildren_unmatched++;
	}
	for (size_t k = 0; k < rd->naccepts; k++)
		j->counts.accepts_unmatched += !c.aused[k];
	j->counts.rows = j->nrows;
	reconcile(rd, j, probes);
	err = summarize(rd, j);
out:
	cmap_free(&c.kmap);
	cmap_free(&c.amap);
	free(c.kused);
	free(c.aused);
	free(c.tup);
	free(c.next);
	free(c.head);
	if (err) {
		sb_join__free(j);
		return err;
	}
	*out = j;
	return 0;
}

void sb_join__free(struct sb_join *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->rec.nwarnings; i++)
		free(j->rec.warnings[i]);
	free(j->rec.warnings);
	free(j->rows);
	free(j);
}
