/* The per-connection join of user and kernel records (join.h). */
#include "harness/analysis/join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/bigmem.h"
#include "harness/run/netns.h"

#define NPORTS 65536
#define NO_IDX UINT32_MAX

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
	m->keys = sb_bigmem_calloc(cap, sizeof(*m->keys));
	m->vals = sb_bigmem_calloc(cap, sizeof(*m->vals));
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

/* Counts k: inserts k -> 1, or adds 1 to its value. */
static void cmap_count(struct cookie_map *m, uint64_t k)
{
	for (size_t i = cmap_hash(k) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == k) {
			m->vals[i]++;
			return;
		}
		if (!m->keys[i]) {
			m->keys[i] = k;
			m->vals[i] = 1;
			return;
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
	uint32_t *head, *next;	  /* rows by client port */
	struct cookie_map kmap;	  /* client cookie -> kernel record */
	struct cookie_map amap;	  /* accept cookie -> accept record */
	struct cookie_map ccount; /* child cookie -> child records carrying it */
	unsigned char *kused;	  /* kernel client record joined */
	uint32_t *child_acc;	  /* per kernel record: the accept paired with it */
	uint32_t *acc_child;	  /* per accept: the child record paired with it */
	uint32_t *cstart, *clist; /* per row: its children, by child_time */
	uint32_t *chead, *cnext;  /* cross-host: child records by client port */
};

/* How far past the client's ISN a server child's may lie: a child a
 * syncookie made from a later client segment (its FIN, the ACK after it,
 * docs/kernel-facts.md, fact 19) takes that segment's sequence number - 1. */
#define ISN_WINDOW (1u << 24)

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
	uint32_t peer[4] = {a->peer_addr, 0, 0, 0};

	return addr_match(peer, c->tup[i].laddr);
}

/* A child's cookie is its own unless another child record carries it too:
 * before 6.15, LISTEN -> SYN_RECV fires before the kernel sets the child's
 * cookie, so a record stamped there carries the listener's (docs/kernel-facts.md, fact 17). */
static int child_cookie_usable(const struct ctx *c, const struct sb_conn_rec *ch)
{
	return ch->cookie && cmap_get(&c->ccount, ch->cookie) == 1;
}

static int by_child_time(const void *pa, const void *pb, void *arg)
{
	const struct sb_conn_rec *k = arg;
	uint64_t a = child_time(&k[*(const uint32_t *)pa]),
		 b = child_time(&k[*(const uint32_t *)pb]);

	return (a > b) - (a < b);
}

/* The row on the child's mirrored tuple whose client ISN is the closest at
 * or below the child's (within ISN_WINDOW). ISNs on one 4-tuple grow with
 * time (RFC 6528: a hash of the tuple plus a clock), so an earlier
 * connection on the same ports lies further below. */
static uint32_t row_by_isn(const struct ctx *c, const struct sb_conn_rec *ch)
{
	uint32_t best = NO_IDX, bestd = ISN_WINDOW;

	for (uint32_t i = c->head[ch->dport]; i != NO_IDX; i = c->next[i]) {
		const struct sb_conn_rec *kc = c->j->rows[i].kclient;
		uint32_t d;

		if (!kc || !kc->has_isn || !child_matches(c, i, ch))
			continue;
		d = ch->isn - kc->isn;
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* Every child record to the client row on its mirrored tuple whose SYN_SENT
 * is the latest not after the child's SYN_RECV; then each row's children
 * listed in time order (c->cstart, c->clist). */
static int match_children(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;
	uint32_t *fill;

	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *ch = &rd->krecs[k];
		uint64_t t = child_time(ch);
		uint32_t i;

		if (ch->role != SB_ROLE_CHILD || (!t && !ch->has_isn))
			continue;
		/* the client's ISN first: the same number at both ends, and
		 * the only key across hosts, whose clocks differ */
		i = ch->has_isn ? row_by_isn(c, ch) : NO_IDX;
		if (i != NO_IDX)
			j->counts.children_by_isn++;
		else if (!rd->cross_host && t)
			i = latest_row_before(c, ch->dport, t, child_matches, ch);
		if (i == NO_IDX)
			continue;
		j->krec_row[k] = i;
		j->rows[i].nchildren++;
	}
	c->cstart = sb_bigmem_calloc(j->nrows + 1, sizeof(*c->cstart));
	c->clist = sb_bigmem_calloc(rd->nkrecs + 1, sizeof(*c->clist));
	fill = sb_bigmem_calloc(j->nrows + 1, sizeof(*fill));
	if (!c->cstart || !c->clist || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (size_t i = 0; i < j->nrows; i++)
		c->cstart[i + 1] = c->cstart[i] + j->rows[i].nchildren;
	for (size_t k = 0; k < rd->nkrecs; k++) {
		uint32_t i = j->krec_row[k];

		if (i != NO_IDX && rd->krecs[k].role == SB_ROLE_CHILD)
			c->clist[c->cstart[i] + fill[i]++] = (uint32_t)k;
	}
	free(fill);
	for (size_t i = 0; i < j->nrows; i++)
		if (j->rows[i].nchildren > 1)
			qsort_r(c->clist + c->cstart[i], j->rows[i].nchildren, sizeof(*c->clist),
				by_child_time, (void *)rd->krecs);
	return 0;
}

/* Of row i's children not paired with an accept yet, the one that reached
 * ESTABLISHED last not after t (an accept by peer port takes it). */
static uint32_t unpaired_child_before(const struct ctx *c, uint32_t i, uint64_t t)
{
	uint32_t best = NO_IDX;

	for (uint32_t n = c->cstart[i]; n < c->cstart[i + 1]; n++) {
		uint32_t k = c->clist[n];
		uint64_t est = c->rd->krecs[k].ts[SB_TCP_ESTABLISHED];

		if (c->child_acc[k] == NO_IDX && est && est <= t &&
		    (best == NO_IDX || est > c->rd->krecs[best].ts[SB_TCP_ESTABLISHED]))
			best = k;
	}
	return best;
}

static void pair(struct ctx *c, uint32_t a, uint32_t k, uint32_t row)
{
	c->j->accept_row[a] = row;
	c->acc_child[a] = k;
	if (k != NO_IDX)
		c->child_acc[k] = a;
}

/* Across hosts: of the children joined to a row and not yet paired, the
 * one on the accept's peer tuple that reached ESTABLISHED last not after
 * the accept (both stamps from the server host's clock). */
static uint32_t child_for_accept(const struct ctx *c, const struct lg_accept *a)
{
	uint32_t best = NO_IDX;

	for (uint32_t k = c->chead[a->peer_port]; k != NO_IDX; k = c->cnext[k]) {
		const struct sb_conn_rec *ch = &c->rd->krecs[k];
		uint64_t est = ch->ts[SB_TCP_ESTABLISHED];

		if (c->child_acc[k] != NO_IDX || c->j->krec_row[k] == NO_IDX || !est ||
		    est > a->t_accept || (a->peer_addr && ch->daddr[0] != a->peer_addr))
			continue;
		if (best == NO_IDX || est > c->rd->krecs[best].ts[SB_TCP_ESTABLISHED])
			best = k;
	}
	return best;
}

static int index_children(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;

	c->chead = malloc(NPORTS * sizeof(*c->chead));
	c->cnext = sb_bigmem_malloc(rd->nkrecs + 1, sizeof(*c->cnext));
	if (!c->chead || !c->cnext)
		return -ENOMEM;
	memset(c->chead, 0xff, NPORTS * sizeof(*c->chead));
	for (size_t k = 0; k < rd->nkrecs; k++) {
		if (rd->krecs[k].role != SB_ROLE_CHILD)
			continue;
		c->cnext[k] = c->chead[rd->krecs[k].dport];
		c->chead[rd->krecs[k].dport] = (uint32_t)k;
	}
	return 0;
}

static void match_accepts(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;

	/* by a child's own cookie */
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *ch = &rd->krecs[k];
		uint32_t a;

		if (ch->role != SB_ROLE_CHILD || j->krec_row[k] == NO_IDX ||
		    !child_cookie_usable(c, ch))
			continue;
		a = cmap_get(&c->amap, ch->cookie);
		if (a != NO_IDX && j->accept_row[a] == NO_IDX)
			pair(c, a, (uint32_t)k, j->krec_row[k]);
	}
	/* the rest by peer port and time: the latest client on that port
	 * not after the accept, its latest unpaired child before it */
	for (size_t n = 0; n < rd->naccepts; n++) {
		const struct lg_accept *a = &rd->accepts[n];
		uint32_t i;

		if (j->accept_row[n] != NO_IDX || !a->t_accept)
			continue;
		if (rd->cross_host) {
			uint32_t k = child_for_accept(c, a);

			if (k != NO_IDX) {
				pair(c, (uint32_t)n, k, j->krec_row[k]);
				j->counts.accepts_by_peer++;
			}
			continue;
		}
		i = latest_row_before(c, a->peer_port, a->t_accept, accept_matches, a);
		if (i == NO_IDX)
			continue;
		pair(c, (uint32_t)n, unpaired_child_before(c, i, a->t_accept), i);
		j->counts.accepts_by_peer++;
	}
}

/* Per row: the accepts and children it got, its kchild/accept pair, revived. */
static void settle_rows(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;
	struct sb_join_counts *n = &j->counts;

	for (size_t a = 0; a < rd->naccepts; a++) {
		uint32_t i = j->accept_row[a];
		struct sb_join_row *r;

		if (i == NO_IDX)
			continue;
		r = &j->rows[i];
		r->naccepts++;
		/* meanwhile: the earliest accept no child of the row took */
		if (c->acc_child[a] == NO_IDX &&
		    (!r->accept || rd->accepts[a].t_accept < r->accept->t_accept))
			r->accept = &rd->accepts[a];
	}
	for (size_t i = 0; i < j->nrows; i++) {
		struct sb_join_row *r = &j->rows[i];
		const struct sb_conn_rec *kc = r->kclient, *first = NULL;

		for (uint32_t m = c->cstart[i]; m < c->cstart[i + 1]; m++) {
			uint32_t k = c->clist[m];

			if (!first)
				first = &rd->krecs[k];
			if (c->child_acc[k] != NO_IDX && !r->accept_of_kchild) {
				r->kchild = &rd->krecs[k];
				r->accept = &rd->accepts[c->child_acc[k]];
				r->accept_of_kchild = 1;
			}
		}
		if (!r->kchild)
			r->kchild = first;
		/* across hosts the two stamps are in different clocks */
		r->revived = r->nchildren > 1 || (!rd->cross_host && first && kc &&
						  kc->ts[SB_TCP_FIN_WAIT1] &&
						  child_time(first) >= kc->ts[SB_TCP_FIN_WAIT1]);
		n->revived += !!r->revived;
		n->kchildren_extra += r->nchildren > 1 ? r->nchildren - 1 : 0;
		n->accepts_extra += r->naccepts > 1 ? r->naccepts - 1 : 0;
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
	case LG_OUT_TLS:
		return SB_OUT_TLS_FAILED;
	default:
		return SB_OUT_OTHER;
	}
}

/* Whether any of row i's children the server closed (a server without our
 * accept stamps accepted it) or reached ESTABLISHED. */
static void children_state(const struct ctx *c, uint32_t i, int *closed, int *est)
{
	*closed = *est = 0;
	for (uint32_t m = c->cstart[i]; m < c->cstart[i + 1]; m++) {
		const struct sb_conn_rec *ch = &c->rd->krecs[c->clist[m]];

		*closed |= ch->ts[SB_TCP_FIN_WAIT1] || ch->ts[SB_TCP_LAST_ACK];
		*est |= !!ch->ts[SB_TCP_ESTABLISHED];
	}
}

static enum sb_outcome row_outcome(const struct ctx *c, uint32_t i)
{
	const struct sb_join_row *r = &c->j->rows[i];
	const struct sb_conn_rec *kc = r->kclient;
	enum sb_outcome u = user_outcome(r->conn);
	int closed, est;

	/* TCP held, TLS failed: its own outcome, whatever the server did */
	if (u == SB_OUT_TLS_FAILED)
		return u;
	if (r->naccepts)
		return SB_OUT_ACCEPTED;
	/* Without our accept stamp (a --target server): bytes from the server
	 * (a response, an HTTP status) mean it accepted the connection; so does
	 * a child the server closed; one never accepted is reset straight to
	 * CLOSE when the listener goes (inet_csk_listen_stop). */
	if (r->conn && (r->conn->t_resp || r->conn->status))
		return SB_OUT_ACCEPTED;
	children_state(c, i, &closed, &est);
	if (closed)
		return SB_OUT_ACCEPTED;
	if (est)
		return r->cause == SB_FAIL_RESET ? SB_OUT_RESET : SB_OUT_QUEUED;
	if (!kc)
		return u;
	if (u == SB_OUT_RESET || u == SB_OUT_REFUSED)
		return u;
	if (r->cause == SB_FAIL_RESET) /* the RST came right after the SYN-ACK */
		return SB_OUT_RESET;
	if (sb_rec_established(kc))
		return r->nchildren ? (u == SB_OUT_UNACCEPTED ? SB_OUT_OTHER : u) : SB_OUT_GHOST;
	/* the kernel never completed the handshake */
	return u == SB_OUT_UNACCEPTED ? SB_OUT_OTHER : u;
}

/* A client reset while the load ran, at or after the mid-run close of one
 * of our listeners (--close-socket) */
static int reset_by_restart(const struct sb_rundata *rd, const struct sb_conn_rec *kc)
{
	uint64_t t = kc->ts[SB_TCP_CLOSE];

	for (uint32_t k = 0; k < rd->nown; k++)
		if (rd->own[k].closed_ns && t >= rd->own[k].closed_ns && t <= rd->t_end_ns)
			return 1;
	return 0;
}

static void derive(const struct ctx *c, uint32_t i)
{
	struct sb_join_row *r = &c->j->rows[i];
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
	if (r->accept && r->accept_of_kchild)
		r->lat[SB_LAT_ACCEPT_WAIT] = diff(r->accept->t_accept, c_est);
	r->lat[SB_LAT_RESPONSE] = diff(u->t_resp, u->t_connected);
	r->lat[SB_LAT_TLS_HANDSHAKE] = diff(u->t_tls_done, u->t_tls_start);
	r->lat[SB_LAT_FIRST_BYTE] = diff(u->t_first, u->t_sent);
	r->lat[SB_LAT_LAST_BYTE] = diff(u->t_resp, u->t_first);
	if (r->accept && r->accept->t_tls_done)
		r->lat[SB_LAT_TLS_ACCEPT] = diff(r->accept->t_tls_done, r->accept->t_accept);
	if (ch) {
		uint64_t closed =
		    ch->ts[SB_TCP_FIN_WAIT1] ? ch->ts[SB_TCP_FIN_WAIT1] : ch->ts[SB_TCP_LAST_ACK];

		r->lat[SB_LAT_CHILD_EST] = diff(c_est, ch->ts[SB_TCP_SYN_RECV]);
		r->lat[SB_LAT_SERVER_CLOSE] = diff(closed, c_est);
	}
	r->syn_retrans = kc ? kc->syn_retrans : -1;
	r->cause = kc ? sb_rec_fail_cause(kc) : SB_FAIL_NONE;
	/* its server had a socket: not a failed setup, unless it was ours,
	 * never accepted, and reset from its accept queue as its listener closed
	 * mid-run (--close-socket); at the run's end it was queued */
	if (r->cause == SB_FAIL_RESET && r->nchildren &&
	    (r->naccepts || !reset_by_restart(c->rd, kc)))
		r->cause = SB_FAIL_NONE;
	/* no server socket: with syncookies 0 a reset after its own FIN too */
	if (kc && !r->nchildren && sb_rec_reset_after_fin(kc))
		r->cause = sb_rec_serverless_cause(kc, sb_sysctls_syncookies(c->rd));
	r->outcome = row_outcome(c, i);
}

/* ---- the join ---- */

static int build_rows(struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;
	struct sb_join_counts *n = &j->counts;

	n->user_conns = rd->nconns;
	j->rows = sb_bigmem_calloc(rd->nconns ? rd->nconns : 1, sizeof(*j->rows));
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
			j->krec_row[k] = (uint32_t)(j->nrows - 1);
			n->joined++;
		}
	}
	return 0;
}

static int index_rows(struct ctx *c)
{
	struct sb_join *j = c->j;

	c->tup = sb_bigmem_calloc(j->nrows ? j->nrows : 1, sizeof(*c->tup));
	c->next = sb_bigmem_calloc(j->nrows ? j->nrows : 1, sizeof(*c->next));
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
	struct sb_join *j = c->j;
	struct sb_join_counts *n = &j->counts;
	int err;

	err = cmap_init(&c->kmap, rd->nkrecs);
	if (!err)
		err = cmap_init(&c->ccount, rd->nkrecs);
	if (!err)
		err = cmap_init(&c->amap, rd->naccepts);
	c->kused = sb_bigmem_calloc(rd->nkrecs + 1, 1);
	c->child_acc = sb_bigmem_malloc(rd->nkrecs + 1, sizeof(*c->child_acc));
	c->acc_child = sb_bigmem_malloc(rd->naccepts + 1, sizeof(*c->acc_child));
	j->krec_row = sb_bigmem_malloc(rd->nkrecs + 1, sizeof(*j->krec_row));
	j->accept_row = sb_bigmem_malloc(rd->naccepts + 1, sizeof(*j->accept_row));
	if (err || !c->kused || !c->child_acc || !c->acc_child || !j->krec_row || !j->accept_row)
		return -ENOMEM;
	memset(c->child_acc, 0xff, (rd->nkrecs + 1) * sizeof(*c->child_acc));
	memset(c->acc_child, 0xff, (rd->naccepts + 1) * sizeof(*c->acc_child));
	memset(j->krec_row, 0xff, (rd->nkrecs + 1) * sizeof(*j->krec_row));
	memset(j->accept_row, 0xff, (rd->naccepts + 1) * sizeof(*j->accept_row));
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];

		if (r->role == SB_ROLE_CLIENT) {
			n->kclients++;
			n->kclients_est += !!sb_rec_established(r);
			n->kclients_est_inferred +=
			    !r->ts[SB_TCP_ESTABLISHED] && sb_rec_established(r);
			if (r->cookie && cmap_put(&c->kmap, r->cookie, (uint32_t)k))
				n->dup_cookies++;
		} else if (r->role == SB_ROLE_CHILD) {
			n->kchildren++;
			n->kchildren_est += !!r->ts[SB_TCP_ESTABLISHED];
			if (r->cookie)
				cmap_count(&c->ccount, r->cookie);
		} else {
			n->kother++;
		}
	}
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];

		n->child_cookies_shared +=
		    r->role == SB_ROLE_CHILD && r->cookie && !child_cookie_usable(c, r);
	}
	n->accepts = rd->naccepts;
	for (size_t k = 0; k < rd->naccepts; k++)
		if (rd->accepts[k].cookie)
			cmap_put(&c->amap, rd->accepts[k].cookie, (uint32_t)k);
	return 0;
}

/* What joined nothing, and the children nobody accepted. */
static void count_leftovers(const struct ctx *c)
{
	const struct sb_rundata *rd = c->rd;
	struct sb_join *j = c->j;
	struct sb_join_counts *n = &j->counts;

	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];

		if (r->role == SB_ROLE_CLIENT)
			n->kclients_unmatched += !c->kused[k];
		if (r->role != SB_ROLE_CHILD)
			continue;
		n->kchildren_unmatched += j->krec_row[k] == NO_IDX;
		/* a child the server closed was accepted, stamp or not */
		n->kchildren_queued += r->ts[SB_TCP_ESTABLISHED] && !r->ts[SB_TCP_FIN_WAIT1] &&
				       !r->ts[SB_TCP_LAST_ACK] && c->child_acc[k] == NO_IDX;
	}
	for (size_t a = 0; a < rd->naccepts; a++)
		n->accepts_unmatched += j->accept_row[a] == NO_IDX;
}

int sb_join__new(const struct sb_rundata *rd, struct sb_join **out)
{
	struct ctx c = {.rd = rd};
	struct sb_join *j;
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
	err = match_children(&c);
	if (!err && rd->cross_host)
		err = index_children(&c);
	if (err)
		goto out;
	match_accepts(&c);
	settle_rows(&c);
	for (size_t i = 0; i < j->nrows; i++) {
		struct sb_join_row *r = &j->rows[i];

		derive(&c, (uint32_t)i);
		j->counts.outcomes[r->outcome]++;
		j->counts.causes[r->cause] += r->cause != SB_FAIL_NONE;
		j->counts.resets_queued += r->cause == SB_FAIL_RESET && r->nchildren;
		if (r->conn->outcome == LG_OUT_OK && r->kclient &&
		    !sb_rec_established(r->kclient))
			j->counts.user_ok_kernel_not_est++;
		j->counts.established_other += r->kclient && sb_rec_established(r->kclient) &&
					       r->outcome != SB_OUT_ACCEPTED &&
					       r->outcome != SB_OUT_QUEUED &&
					       r->outcome != SB_OUT_GHOST &&
					       r->outcome != SB_OUT_TLS_FAILED;
	}
	count_leftovers(&c);
	j->counts.rows = j->nrows;
out:
	cmap_free(&c.kmap);
	cmap_free(&c.amap);
	cmap_free(&c.ccount);
	free(c.chead);
	free(c.cnext);
	free(c.kused);
	free(c.child_acc);
	free(c.acc_child);
	free(c.cstart);
	free(c.clist);
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
	free(j->rows);
	free(j->krec_row);
	free(j->accept_row);
	free(j);
}
