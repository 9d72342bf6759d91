/* The streaming mode of the kernel-only analysis: records folded into
 * cumulative figures as they arrive (kfold.h). */
#include "harness/analysis/kfold.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/analysis/stats.h"
#include "harness/run/krec.h"

#define NIL UINT32_MAX

/* Prometheus buckets of the handshake histograms, seconds: loopback
 * handshakes take microseconds, and each SYN retransmit adds a band (1, 2,
 * 3, 4, 5 s, then doubling on Linux 6.18: docs/kernel-facts.md#fact-7). */
/* clang-format off */
static const double le_s[SB_LIVE_LE - 1] = {
	10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3,
	100e-3, 250e-3, 500e-3, 1.0, 1.5, 2.5, 3.5, 4.5, 5.5, 7.5, 15.0, 30.0, 60.0,
};
/* clang-format on */

/* The client's end of a connection: the key both ends' records share. */
struct tkey {
	uint32_t a[4], b[4]; /* client saddr, daddr */
	uint16_t pa, pb;     /* client sport, dport */
	uint32_t family;
};

/* An end waiting for the other's record. */
struct pend {
	struct sb_krec k;
	struct tkey key;
	uint64_t t_arrive; /* its record's last stamp: no later than its arrival */
	uint32_t next;	   /* hash chain, or the free list */
	uint32_t alive;	   /* the last pass that found the other end in the kernel */
	uint8_t used;
};

struct ptab {
	struct pend *e;
	uint32_t *head;
	uint32_t cap, nb, n, free;
	uint32_t hw; /* entries below it have been used: the scans stop there */
};

struct lgroup {
	uint16_t port, family;
	uint64_t prev; /* the group's sk_drops in the last pass */
	struct sb_live_listener out;
};

struct sb_kfold {
	struct sb_kfold_opts o;
	pthread_mutex_t mu;
	struct ptab clients, children;
	struct sb_watch_figures w;
	uint64_t records, unpaired, revived, filtered;
	uint32_t pass; /* passes begun */
	int sampled;   /* a listener pass was folded */
	struct lgroup g[SB_LIVE_LISTENERS];
	size_t ng;
	uint64_t groups_untracked;
	int64_t overflows_hw; /* the most overflows a result said */
	uint8_t bucket_le[SB_HIST_BUCKETS]; /* kernel bucket -> first Prometheus bound */
};

/* ---- keys ---- */

/* The client's 4-tuple of a record: a client's own, a child's mirrored. */
static void key_of(const struct sb_krec *k, struct tkey *t)
{
	const uint32_t *s = &k->addr[0], *d = k->family == AF_INET6 ? &k->addr[4] : &k->addr[1];
	size_t n = k->family == AF_INET6 ? 4 : 1;
	int child = k->role == SB_ROLE_CHILD;

	memset(t, 0, sizeof(*t));
	memcpy(t->a, child ? d : s, n * sizeof(uint32_t));
	memcpy(t->b, child ? s : d, n * sizeof(uint32_t));
	t->pa = child ? k->dport : k->sport;
	t->pb = child ? k->sport : k->dport;
	t->family = k->family;
}

static uint32_t key_hash(const struct tkey *t)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint32_t *w = (const uint32_t *)t;

	for (size_t i = 0; i < sizeof(*t) / sizeof(uint32_t); i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* A child's time: its SYN_RECV, or ESTABLISHED when that was missed. */
static uint64_t child_t(const struct sb_krec *k)
{
	return k->t_open ? k->t_open : k->t_est;
}

/* The record's last stamp: it left the kernel after that. The clock is
 * bpf_ktime_get_ns(), CLOCK_MONOTONIC (docs/kernel-facts.md#fact-12). */
static uint64_t last_stamp(const struct sb_krec *k)
{
	uint64_t t = k->t_open;

	t = k->t_est > t ? k->t_est : t;
	t = k->t_fin > t ? k->t_fin : t;
	return k->t_end > t ? k->t_end : t;
}

/* ---- the pairing tables ---- */

static int ptab_init(struct ptab *t, uint32_t cap)
{
	uint32_t nb = 1;

	while (nb < cap)
		nb <<= 1;
	t->e = calloc(cap, sizeof(*t->e));
	t->head = malloc(nb * sizeof(*t->head));
	if (!t->e || !t->head)
		return -ENOMEM;
	memset(t->head, 0xff, nb * sizeof(*t->head));
	t->cap = cap;
	t->nb = nb;
	/* the free list, lowest first: entries in use stay few pages */
	for (uint32_t i = 0; i < cap; i++)
		t->e[i].next = i + 1 < cap ? i + 1 : NIL;
	t->free = 0;
	return 0;
}

static void ptab_free(struct ptab *t)
{
	free(t->e);
	free(t->head);
}

static int ptab_add(struct ptab *t, const struct sb_krec *k, const struct tkey *key)
{
	uint32_t i = t->free, b;
	struct pend *p;

	if (i == NIL)
		return -ENOSPC;
	p = &t->e[i];
	t->free = p->next;
	if (i >= t->hw)
		t->hw = i + 1;
	b = key_hash(key) & (t->nb - 1);
	p->k = *k;
	p->key = *key;
	p->t_arrive = last_stamp(k);
	p->alive = 0;
	p->used = 1;
	p->next = t->head[b];
	t->head[b] = i;
	t->n++;
	return 0;
}

static void ptab_del(struct ptab *t, uint32_t i)
{
	struct pend *p = &t->e[i];
	uint32_t *link = &t->head[key_hash(&p->key) & (t->nb - 1)];

	while (*link != i && *link != NIL)
		link = &t->e[*link].next;
	if (*link == i)
		*link = p->next;
	p->used = 0;
	p->next = t->free;
	t->free = i;
	t->n--;
}

/* The waiting client of a child (the latest SYN_SENT not after the
 * child's time, as kview pairs them), or the waiting child of a client
 * (the first whose time is not before the client's SYN_SENT); NIL. */
static uint32_t ptab_find(const struct ptab *t, const struct tkey *key, const struct sb_krec *k)
{
	uint32_t best = NIL;

	for (uint32_t i = t->head[key_hash(key) & (t->nb - 1)]; i != NIL; i = t->e[i].next) {
		const struct pend *p = &t->e[i];

		if (memcmp(&p->key, key, sizeof(*key)) != 0)
			continue;
		if (k->role == SB_ROLE_CHILD) {
			uint64_t ct = child_t(k);

			if ((!ct || p->k.t_open <= ct) &&
			    (best == NIL || p->k.t_open > t->e[best].k.t_open))
				best = i;
		} else if (!k->t_open || child_t(&p->k) >= k->t_open) {
			return i;
		}
	}
	return best;
}

/* ---- folding ---- */

static int listener_here(const struct sb_kfold *f, uint16_t port, uint16_t family)
{
	for (size_t i = 0; i < f->ng; i++)
		if (f->g[i].port == port && f->g[i].family == family)
			return 1;
	return 0;
}

/* A client's outcome (kview's rules) and, when it failed, its cause. */
static void count_client(struct sb_kfold *f, const struct sb_conn_rec *c,
			 const struct sb_conn_rec *peer, int listener)
{
	enum sb_fail_cause cause;
	int syncookies = f->o.syncookies_off ? 0 : -1;

	f->w.outcomes[sb_kview_client_outcome(c, peer, listener, syncookies, &cause)]++;
	f->w.causes[cause] += cause != SB_FAIL_NONE;
}

/* A client and its child met: the client's outcome. */
static void paired(struct sb_kfold *f, const struct sb_krec *client, const struct sb_krec *child)
{
	struct sb_conn_rec c, k;

	sb_krec_expand(client, sizeof(*client), &c);
	sb_krec_expand(child, sizeof(*child), &k);
	count_client(f, &c, &k, 0);
	/* revived: the child came after the client's FIN (join.h) */
	f->revived += client->t_fin && child_t(child) >= client->t_fin;
}

/* A waiting client whose child never was: a ghost when a listener on its
 * port was in the namespace, else its server is elsewhere. */
static void unpaired_client(struct sb_kfold *f, const struct sb_krec *k)
{
	struct sb_conn_rec c;

	sb_krec_expand(k, sizeof(*k), &c);
	count_client(f, &c, NULL, listener_here(f, k->dport, k->family));
}

static void fold_client(struct sb_kfold *f, const struct sb_krec *k, const struct sb_conn_rec *r)
{
	struct tkey key;
	uint32_t i;
	int est = sb_rec_established(r);

	f->w.clients++;
	f->w.syn_retrans += r->syn_retrans;
	f->w.handshakes += est;
	f->w.untimed += est && !r->ts[SB_TCP_ESTABLISHED];
	if (!est) {
		count_client(f, r, NULL, 0);
		return;
	}
	key_of(k, &key);
	i = ptab_find(&f->children, &key, k);
	if (i != NIL) {
		paired(f, k, &f->children.e[i].k);
		ptab_del(&f->children, i);
	} else if (ptab_add(&f->clients, k, &key)) {
		f->unpaired++;
	}
}

static void fold_child(struct sb_kfold *f, const struct sb_krec *k, const struct sb_conn_rec *r)
{
	struct tkey key;
	uint32_t i;
	int est = sb_rec_established(r);

	f->w.children++;
	f->w.child_handshakes += est;
	f->w.untimed += est && !r->ts[SB_TCP_ESTABLISHED];
	f->w.outcomes[sb_kview_child_outcome(r)]++;
	key_of(k, &key);
	i = ptab_find(&f->clients, &key, k);
	if (i != NIL) {
		paired(f, &f->clients.e[i].k, k);
		ptab_del(&f->clients, i);
	} else if (ptab_add(&f->children, k, &key)) {
		f->unpaired++;
	}
}

static void fold_record(void *ctx, const struct sb_krec *k)
{
	struct sb_kfold *f = ctx;
	struct sb_conn_rec r;

	sb_krec_expand(k, sizeof(*k), &r);
	pthread_mutex_lock(&f->mu);
	f->records++;
	if (f->o.family && r.family != f->o.family)
		f->filtered++;
	else if (r.flushed == SB_REC_LIVE_AT_END)
		; /* the watch's end: sockets still open, not outcomes */
	else if (r.role == SB_ROLE_CLIENT)
		fold_client(f, k, &r);
	else if (r.role == SB_ROLE_CHILD)
		fold_child(f, k, &r);
	pthread_mutex_unlock(&f->mu);
}

/* ---- listeners ---- */

void sb_kfold__listeners(struct sb_kfold *f, const struct sb_listen_sample *s, size_t n)
{
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->ng; i++)
		f->g[i].out.members = 0;
	for (size_t i = 0; i < n; i++) {
		struct lgroup *g = NULL;
		uint32_t m;

		for (size_t k = 0; k < f->ng && !g; k++)
			if (f->g[k].port == s[i].port && f->g[k].family == s[i].family)
				g = &f->g[k];
		if (!g && f->ng == SB_LIVE_LISTENERS) {
			f->groups_untracked++;
			continue;
		}
		if (!g) {
			g = &f->g[f->ng++];
			memset(g, 0, sizeof(*g));
			g->port = g->out.port = s[i].port;
			g->family = g->out.family = s[i].family;
			g->prev = UINT64_MAX; /* set below, from this pass */
		}
		m = g->out.members++;
		if (m < SB_LIVE_MEMBERS) {
			g->out.m[m].depth = s[i].ack_backlog;
			g->out.m[m].limit = s[i].max_ack_backlog;
			g->out.m[m].syn_qlen = s[i].syn_qlen;
		}
	}
	/* drops per group: the members' sk_drops summed; a member that closed
	 * takes its own away (the sum falls: nothing gained) */
	for (size_t k = 0; k < f->ng; k++) {
		struct lgroup *g = &f->g[k];
		uint64_t sum = 0;

		if (!g->out.members)
			continue;
		for (size_t i = 0; i < n; i++)
			if (s[i].port == g->port && s[i].family == g->family)
				sum += s[i].drops;
		if (g->prev == UINT64_MAX)
			g->prev = f->sampled ? 0 : sum; /* new since the baseline: all of it */
		if (sum > g->prev)
			g->out.drops += sum - g->prev;
		g->prev = sum;
	}
	f->sampled = 1;
	pthread_mutex_unlock(&f->mu);
}

/* ---- pairing passes ---- */

static int waited(const struct ptab *t, uint64_t before)
{
	for (uint32_t i = 0; i < t->hw && t->n; i++)
		if (t->e[i].used && t->e[i].t_arrive < before)
			return 1;
	return 0;
}

int sb_kfold__due(struct sb_kfold *f, uint64_t now)
{
	uint64_t hold = (uint64_t)f->o.hold_ms * 1000000ull, before = now > hold ? now - hold : 0;
	int due;

	pthread_mutex_lock(&f->mu);
	due = waited(&f->clients, before) || waited(&f->children, before);
	pthread_mutex_unlock(&f->mu);
	return due;
}

void sb_kfold__pass_begin(struct sb_kfold *f)
{
	pthread_mutex_lock(&f->mu);
	f->pass++;
	pthread_mutex_unlock(&f->mu);
}

/* A socket the kernel tracks now: the waiting other end is alive. */
int sb_kfold__pass_live(void *ctx, void *data, size_t len)
{
	struct sb_kfold *f = ctx;
	const struct sb_krec *k = data;
	struct ptab *t;
	struct tkey key;

	if (len < sizeof(*k) || (k->role != SB_ROLE_CLIENT && k->role != SB_ROLE_CHILD))
		return 0;
	key_of(k, &key);
	pthread_mutex_lock(&f->mu);
	t = k->role == SB_ROLE_CHILD ? &f->clients : &f->children;
	for (uint32_t i = t->head[key_hash(&key) & (t->nb - 1)]; i != NIL; i = t->e[i].next)
		if (memcmp(&t->e[i].key, &key, sizeof(key)) == 0)
			t->e[i].alive = f->pass;
	pthread_mutex_unlock(&f->mu);
	return 0;
}

void sb_kfold__pass_end(struct sb_kfold *f, uint64_t stamp)
{
	uint64_t hold = (uint64_t)f->o.hold_ms * 1000000ull,
		 before = stamp > hold ? stamp - hold : 0;

	pthread_mutex_lock(&f->mu);
	/* waited long enough, its other end neither read nor in the kernel
	 * during the pass: it never had one here */
	for (uint32_t i = 0; i < f->clients.hw && f->clients.n; i++) {
		struct pend *p = &f->clients.e[i];

		if (p->used && p->t_arrive < before && p->alive != f->pass) {
			unpaired_client(f, &p->k);
			ptab_del(&f->clients, i);
		}
	}
	/* a child whose client is elsewhere: its outcome is counted already */
	for (uint32_t i = 0; i < f->children.hw && f->children.n; i++) {
		struct pend *p = &f->children.e[i];

		if (p->used && p->t_arrive < before && p->alive != f->pass)
			ptab_del(&f->children, i);
	}
	pthread_mutex_unlock(&f->mu);
}

/* ---- lifecycle ---- */

int sb_kfold__new(const struct sb_kfold_opts *o, struct sb_kfold **out)
{
	struct sb_kfold *f = calloc(1, sizeof(*f));
	uint32_t cap;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->o = *o;
	if (!f->o.hold_ms)
		f->o.hold_ms = 1000;
	cap = f->o.capacity ? f->o.capacity : 32768;
	pthread_mutex_init(&f->mu, NULL);
	if (ptab_init(&f->clients, cap) || ptab_init(&f->children, cap)) {
		sb_kfold__free(f);
		return -ENOMEM;
	}
	for (unsigned int b = 0, i = 0; b < SB_HIST_BUCKETS; b++) {
		double up = (double)sb_hist_upper(b) / 1e9;

		while (i < SB_LIVE_LE - 1 && up > le_s[i])
			i++;
		f->bucket_le[b] = (uint8_t)i;
	}
	f->w.listener_drops = -1;
	*out = f;
	return 0;
}

void sb_kfold__free(struct sb_kfold *f)
{
	if (!f)
		return;
	ptab_free(&f->clients);
	ptab_free(&f->children);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* ---- the result ---- */

static void live_hist(const struct sb_kfold *f, const uint64_t *b, struct sb_live_hist *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < SB_LIVE_LE; i++)
		h->le_s[i] = i < SB_LIVE_LE - 1 ? le_s[i] : __builtin_inf();
	for (unsigned int i = 0; b && i < SB_HIST_BUCKETS; i++) {
		uint64_t lo = sb_hist_lower(i),
			 hi = i + 1 < SB_HIST_BUCKETS ? sb_hist_upper(i) : lo;

		if (!b[i])
			continue;
		h->cum[f->bucket_le[i]] += b[i];
		h->count += b[i];
		h->sum_s += (double)b[i] * ((double)lo + (double)(hi - lo) / 2) / 1e9;
	}
	for (int i = 1; i < SB_LIVE_LE; i++)
		h->cum[i] += h->cum[i - 1];
}

static int live_drops(const struct sb_rundata *rd, struct sb_live *l)
{
	size_t n = 0;

	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		n += rd->drops[i] != 0;
	l->drops = calloc(n ? n : 1, sizeof(*l->drops));
	if (!l->drops)
		return -ENOMEM;
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++) {
		struct sb_live_drop *d = &l->drops[l->ndrops];

		if (!rd->drops[i])
			continue;
		if (rd->drop_names[i])
			snprintf(d->name, sizeof(d->name), "%s", rd->drop_names[i]);
		else
			snprintf(d->name, sizeof(d->name), "%zu", i);
		d->n = rd->drops[i];
		l->ndrops++;
	}
	return 0;
}

/* The listeners' backlog when they agree, else -1 (as kview's). */
static int effective_backlog(const struct sb_live *l)
{
	int b = -1;

	for (size_t i = 0; i < l->nl; i++)
		for (uint32_t m = 0; m < l->l[i].members && m < SB_LIVE_MEMBERS; m++) {
			if (b >= 0 && b != (int)l->l[i].m[m].limit)
				return -1;
			b = (int)l->l[i].m[m].limit;
		}
	return b;
}

int sb_kfold__result(struct sb_kfold *f, const struct sb_rundata *rd, const struct sb_kview_opts *o,
		     struct sb_result **out)
{
	struct sb_result *res = calloc(1, sizeof(*res));
	struct sb_live *l = calloc(1, sizeof(*l));
	const uint64_t *h = rd->hists;
	double d;

	*out = NULL;
	if (!res || !l || live_drops(rd, l)) {
		if (l)
			free(l->drops);
		free(l);
		free(res);
		return -ENOMEM;
	}
	res->live = l;
	res->mode = SB_RESULT_WATCH;
	res->interrupted = rd->interrupted;
	res->stop_reason = rd->stop_reason;
	res->parts = res->parts_done = 1;
	pthread_mutex_lock(&f->mu);
	res->watch = f->w;
	res->krecs = f->records;
	l->records = f->records;
	l->unpaired = f->unpaired;
	l->waiting[0] = f->clients.n;
	l->waiting[1] = f->children.n;
	l->revived = f->revived;
	res->watch.filtered_out = f->filtered;
	res->watch.listeners = f->ng;
	for (size_t i = 0; i < f->ng; i++) {
		l->l[i] = f->g[i].out;
		res->watch.listener_drops =
		    (res->watch.listener_drops < 0 ? 0 : res->watch.listener_drops) +
		    (int64_t)f->g[i].out.drops;
	}
	l->nl = f->ng;
	l->listeners_untracked = f->groups_untracked;
	pthread_mutex_unlock(&f->mu);
	res->conns_started = res->watch.clients;
	res->watch.effective_backlog = effective_backlog(l);
	res->have_hists = h != NULL;
	live_hist(f, h ? h + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS : NULL, &l->hs[0]);
	live_hist(f, h ? h + (size_t)SB_H_CHILD_EST * SB_HIST_BUCKETS : NULL, &l->hs[1]);
	if (h) {
		sb_summary_from_buckets(h + (size_t)SB_H_HANDSHAKE * SB_HIST_BUCKETS,
					&res->kernel_handshake_hist);
		sb_summary_from_buckets(h + (size_t)SB_H_CHILD_EST * SB_HIST_BUCKETS,
					&res->child_est_hist);
	}
	l->sockets[0] = rd->counters[SB_C_CLIENTS];
	l->sockets[1] = rd->counters[SB_C_CHILDREN];
	l->syn_retrans = rd->counters[SB_C_SYN_RETRANS];
	l->synack_retrans = rd->counters[SB_C_SYNACK_RETRANS];
	l->in_flight = rd->counters[SB_C_CLIENTS] + rd->counters[SB_C_CHILDREN] >
			       rd->counters[SB_C_RECORDS] + rd->counters[SB_C_RB_FAIL]
			   ? rd->counters[SB_C_CLIENTS] + rd->counters[SB_C_CHILDREN] -
				 rd->counters[SB_C_RECORDS] - rd->counters[SB_C_RB_FAIL]
			   : 0;
	l->lost_ring = rd->counters[SB_C_RB_FAIL];
	l->lost_map = rd->counters[SB_C_MAP_FULL];
	l->lost_skipped = rd->missed_events;
	l->lost_sampler = rd->lost_samples;
	l->bpf_run_ns = rd->bpf_run_ns;
	l->bpf_runs = rd->bpf_runs;
	l->bpf_stats_on = rd->bpf_stats_on;
	res->rec.probes = 1;
	res->rec.join_rate = -1; /* nothing to join */
	res->rec.lost_events = l->lost_ring + l->lost_map + l->lost_sampler + l->lost_skipped;
	res->rec.listener_drops = res->watch.listener_drops;
	sb_kview_reconcile(rd, o, res);
	/* a counter never goes back: the listeners' sk_drops are read before
	 * the probes' skb drops, so a drop between the two reads is
	 * subtracted before it is counted (an undercount by it, this once) */
	pthread_mutex_lock(&f->mu);
	if (res->watch.overflows >= 0 && res->watch.overflows < f->overflows_hw)
		res->watch.overflows = f->overflows_hw;
	else if (res->watch.overflows >= 0)
		f->overflows_hw = res->watch.overflows;
	pthread_mutex_unlock(&f->mu);
	d = rd->t_end_ns > rd->t_start_ns ? (double)(rd->t_end_ns - rd->t_start_ns) / 1e9 : 0;
	res->duration_s = d;
	res->rate_conns_per_s = d > 0 ? (double)res->watch.handshakes / d : 0;
	*out = res;
	return 0;
}

void sb_kfold__records(void *ctx, const struct sb_krec *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fold_record(ctx, &k[i]);
}
