/* The streaming fold of bench watch --serve (harness/analysis/kfold.h): the
 * same records give the same outcomes as the whole-watch analysis
 * (kview.h) whatever order they arrive in, a waiting end is decided only
 * when its other end is neither read nor alive in the kernel, the tables
 * are bounded and say what they could not hold, listeners' drops count
 * from the baseline, and the kernel histograms land in the right
 * Prometheus buckets. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "harness/analysis/kfold.h"
#include "harness/analysis/kview.h"
#include "harness/run/krec.h"
#include "tests/test.h"

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull
#define T0 (100 * S)

enum kind {
	K_ACCEPTED,
	K_SERVER_FIRST,
	K_QUEUED,
	K_GHOST,
	K_REVIVED,
	K_ELSEWHERE,
	K_FAILED,
	K_ORPHAN_CHILD,
	K_LONG,
	NKINDS
};

struct ev {
	struct sb_krec k;
	uint64_t open; /* alive in the kernel from open until k's arrival (at) */
	uint64_t at;
};

static struct ev evs[4096];
static size_t nev;

static struct sb_krec *rec(int role, uint16_t cport, uint16_t sport, uint64_t open)
{
	struct ev *e = &evs[nev++];
	struct sb_krec *k = &e->k;

	memset(e, 0, sizeof(*e));
	k->family = AF_INET;
	k->role = role;
	k->cookie = nev;
	/* client 10.0.0.1:cport -> 10.0.0.2:sport; a child mirrored */
	k->addr[role == SB_ROLE_CLIENT ? 0 : 1] = htonl(0x0a000001);
	k->addr[role == SB_ROLE_CLIENT ? 1 : 0] = htonl(0x0a000002);
	k->sport = role == SB_ROLE_CLIENT ? cport : sport;
	k->dport = role == SB_ROLE_CLIENT ? sport : cport;
	k->t_open = open;
	e->open = open;
	return k;
}

static void done(struct sb_krec *k, uint64_t at, int final)
{
	struct ev *e = (struct ev *)k; /* k is the first member */

	k->final_state = (uint8_t) final;
	e->at = at;
}

/* One connection of kind kd starting at t, client port p. */
static void scenario(enum kind kd, uint64_t t, uint16_t p)
{
	struct sb_krec *c = NULL, *h = NULL;

	switch (kd) {
	case K_ACCEPTED: /* client closes first; the server answers with its FIN */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		h = rec(SB_ROLE_CHILD, p, 80, t + 5 * US);
		c->t_est = h->t_est = t + 10 * US;
		c->t_fin = t + 1 * MS;
		h->t_end = t + 2 * MS; /* LAST_ACK */
		done(h, t + 2 * MS + 20 * US, SB_TCP_CLOSE);
		done(c, t + 61 * MS, SB_TCP_CLOSE); /* after FIN_WAIT2 */
		break;
	case K_SERVER_FIRST: /* the child's record first, the client's a second later */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		h = rec(SB_ROLE_CHILD, p, 80, t + 5 * US);
		c->t_est = h->t_est = t + 10 * US;
		h->t_fin = t + 1 * MS;
		done(h, t + 2 * MS, SB_TCP_CLOSE);
		c->t_end = t + 1100 * MS;
		done(c, c->t_end, SB_TCP_CLOSE);
		break;
	case K_QUEUED: /* the client resets; its child never served */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		h = rec(SB_ROLE_CHILD, p, 80, t + 5 * US);
		c->t_est = h->t_est = t + 10 * US;
		c->t_end = t + 3 * MS;
		done(c, c->t_end, SB_TCP_CLOSE);
		done(h, t + 3 * MS + 10 * US, SB_TCP_CLOSE);
		break;
	case K_GHOST: /* ESTABLISHED on a cookie, no child ever */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		c->t_est = t + 10 * US;
		c->t_fin = t + 1 * MS;
		c->t_end = t + 30 * S; /* its FINs retransmitted until the timeout */
		done(c, c->t_end, SB_TCP_CLOSE);
		break;
	case K_REVIVED: /* the client's FIN creates the child (fact 19) */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		c->t_est = t + 10 * US;
		c->t_fin = t + 1 * MS;
		h = rec(SB_ROLE_CHILD, p, 80, t + 1 * MS + 3500);
		h->t_est = h->t_open + 1 * US;
		h->t_end = t + 1500 * MS; /* accepted late, LAST_ACK */
		c->t_end = t + 1 * MS + 100 * US;
		done(c, c->t_end + 60 * MS, SB_TCP_CLOSE);
		done(h, h->t_end + 10 * US, SB_TCP_CLOSE);
		break;
	case K_ELSEWHERE: /* a server outside the namespace: port 443, no listener here */
		c = rec(SB_ROLE_CLIENT, p, 443, t);
		c->t_est = t + 300 * US;
		c->t_fin = t + 2 * MS;
		done(c, t + 70 * MS, SB_TCP_CLOSE);
		break;
	case K_FAILED:
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		c->t_end = t + 3 * S;
		c->syn_retrans = 2;
		done(c, c->t_end, SB_TCP_CLOSE);
		break;
	case K_ORPHAN_CHILD: /* its client in another namespace */
		h = rec(SB_ROLE_CHILD, (uint16_t)(p + 20000), 80, t);
		h->addr[1] = htonl(0x0a000009);
		h->t_est = t + 10 * US;
		h->t_fin = t + 1 * MS;
		done(h, t + 2 * MS, SB_TCP_CLOSE);
		break;
	case K_LONG: /* the child lives 12 s after its client closed */
		c = rec(SB_ROLE_CLIENT, p, 80, t);
		h = rec(SB_ROLE_CHILD, p, 80, t + 5 * US);
		c->t_est = h->t_est = t + 10 * US;
		c->t_fin = t + 1 * MS;
		done(c, t + 61 * MS, SB_TCP_CLOSE);
		h->t_end = t + 12 * S;
		done(h, h->t_end + 10 * US, SB_TCP_CLOSE);
		break;
	default:
		break;
	}
}

static int by_arrival(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static struct sb_listen_sample listener80(uint32_t drops)
{
	struct sb_listen_sample s = {
	    .ack_backlog = 1, .max_ack_backlog = 5, .drops = drops, .port = 80, .family = AF_INET};

	return s;
}

/* The fold fed in arrival order with a pass every second (the kernel's
 * live sockets: opened, record not yet sent); returns its result. */
static struct sb_result *fold_all(struct sb_kfold *f, const struct sb_rundata *rd,
				  const struct sb_kview_opts *ko, uint64_t until)
{
	struct sb_listen_sample s = listener80(3);
	struct sb_result *res = NULL;
	size_t i = 0;

	sb_kfold__listeners(f, &s, 1);
	for (uint64_t now = T0; now <= until; now += S) {
		for (; i < nev && evs[i].at <= now; i++)
			sb_kfold__records(f, &evs[i].k, 1);
		if (!sb_kfold__due(f, now))
			continue;
		sb_kfold__pass_begin(f);
		for (size_t k = 0; k < nev; k++)
			if (evs[k].open <= now && evs[k].at > now)
				sb_kfold__pass_live(f, &evs[k].k, sizeof(evs[k].k));
		sb_kfold__pass_end(f, now);
	}
	s = listener80(10);
	sb_kfold__listeners(f, &s, 1);
	ASSERT_OK(sb_kfold__result(f, rd, ko, &res), "fold result");
	return res;
}

static void test_same_as_kview(void)
{
	struct sb_conn_rec *recs = calloc(4096, sizeof(*recs));
	struct sb_listen_sample smp[2] = {listener80(3), listener80(10)};
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {0};
	struct sb_result *whole = NULL, *res;
	struct sb_kfold *f = NULL;
	uint16_t port = 1024;
	uint64_t t = T0;

	nev = 0;
	/* 20 of each kind, interleaved, 7 ms apart */
	for (int r = 0; r < 20; r++)
		for (int kd = 0; kd < NKINDS; kd++, t += 7 * MS)
			scenario((enum kind)kd, t, port++);
	for (size_t i = 0; i < nev; i++)
		sb_krec_expand(&evs[i].k, sizeof(evs[i].k), &recs[i]);
	rd.krecs = recs;
	rd.nkrecs = nev;
	rd.samples = smp;
	rd.nsamples = 2;
	ko.pid = -1;
	if (!ASSERT_OK(sb_kview_analyze(&rd, &ko, NULL, &whole), "kview"))
		return;
	qsort(evs, nev, sizeof(evs[0]), by_arrival);
	if (!ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){0}, &f), "fold"))
		return;
	res = fold_all(f, &rd, &ko, T0 + 60 * S);
	if (!res)
		return;
	for (int o = 0; o < SB_NWOUT; o++) {
		char n[64];

		snprintf(n, sizeof(n), "outcome %s: the fold's = the whole watch's",
			 sb_wout_name(o));
		ASSERT_EQ(res->watch.outcomes[o], whole->watch.outcomes[o], n);
	}
	/* and what those are: */
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_ACCEPTED], 20 * 4, "accepted: 4 kinds x 20");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_QUEUED], 20, "queued");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_GHOST], 20, "ghost");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_ESTABLISHED], 20, "established (port 443)");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_FAILED], 20, "failed");
	ASSERT_EQ(res->live->revived, 20, "revived: the child after the client's FIN");
	ASSERT_EQ(res->live->unpaired, 0, "nothing given up");
	ASSERT_EQ(res->watch.clients, whole->watch.clients, "clients");
	ASSERT_EQ(res->watch.children, whole->watch.children, "children");
	ASSERT_EQ(res->watch.handshakes, whole->watch.handshakes, "handshakes");
	ASSERT_EQ(res->watch.syn_retrans, 40, "SYN retransmits of the records");
	ASSERT_EQ(res->watch.listener_drops, 7, "listener drops from the baseline");
	ASSERT_EQ(res->ids[SB_ID_LISTEN_OVERFLOWS].status, SB_ID_SKIPPED, "no components: skipped");
	ASSERT_FALSE(sb_kfold__due(f, T0 + 60 * S), "nothing left waiting");
	sb_result__free(res);
	sb_result__free(whole);
	sb_kfold__free(f);
	free(recs);
}

/* A ghost is decided only once its other end is neither read nor alive:
 * a client whose child lives on in the accept queue waits. */
static void test_waits_for_live_child(void)
{
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {.pid = -1};
	struct sb_kfold *f = NULL;
	struct sb_result *res = NULL;
	struct sb_krec *c, *h;
	struct sb_listen_sample s = listener80(0);

	nev = 0;
	c = rec(SB_ROLE_CLIENT, 5000, 80, T0);
	h = rec(SB_ROLE_CHILD, 5000, 80, T0 + 5 * US);
	c->t_est = h->t_est = T0 + 10 * US;
	c->t_fin = T0 + 1 * MS;
	done(c, T0 + 61 * MS, SB_TCP_CLOSE);
	if (!ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){0}, &f), "fold"))
		return;
	sb_kfold__listeners(f, &s, 1);
	sb_kfold__records(f, c, 1);
	ASSERT_FALSE(sb_kfold__due(f, T0 + 500 * MS), "not due before hold_ms");
	ASSERT_TRUE(sb_kfold__due(f, T0 + 2 * S), "due after hold_ms");
	for (int i = 2; i < 30; i++) { /* the child alive at every pass */
		sb_kfold__pass_begin(f);
		sb_kfold__pass_live(f, h, sizeof(*h));
		sb_kfold__pass_end(f, T0 + (uint64_t)i * S);
	}
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_GHOST], 0, "not a ghost while its child lives");
	ASSERT_EQ(res->watch.clients, 1, "the client is counted");
	sb_result__free(res);
	h->t_end = T0 + 30 * S;
	sb_kfold__records(f, h, 1);
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_ACCEPTED], 1,
		  "accepted when the child's record came");
	sb_result__free(res);
	/* the same client without its child: a ghost at the first pass */
	c->t_open += 100 * S;
	c->t_est += 100 * S;
	c->t_fin += 100 * S;
	c->t_end = c->t_fin + 60 * MS;
	sb_kfold__records(f, c, 1);
	sb_kfold__pass_begin(f);
	sb_kfold__pass_end(f, c->t_end + 2 * S);
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_GHOST], 1, "a ghost once nothing was alive");
	sb_result__free(res);
	sb_kfold__free(f);
}

/* Bounded: a full table counts what it could not hold. */
static void test_bounded(void)
{
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {.pid = -1};
	struct sb_kfold *f = NULL;
	struct sb_result *res = NULL;

	nev = 0;
	if (!ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){.capacity = 4}, &f), "fold"))
		return;
	for (int i = 0; i < 10; i++) {
		struct sb_krec *c = rec(SB_ROLE_CLIENT, (uint16_t)(6000 + i), 80, T0);

		c->t_est = T0 + 10 * US;
		done(c, T0 + 1 * MS, SB_TCP_CLOSE);
		sb_kfold__records(f, c, 1);
	}
	sb_kfold__pass_begin(f);
	sb_kfold__pass_end(f, T0 + 5 * S);
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	ASSERT_EQ(res->live->unpaired, 6, "6 of 10 could not wait");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_ESTABLISHED], 4, "4 decided (no listener sampled)");
	sb_result__free(res);
	sb_kfold__free(f);
}

/* Listener drops: a baseline, a SO_REUSEPORT member that closes, a
 * listener that appears later counts all of its drops. */
static void test_listeners(void)
{
	struct sb_listen_sample a[3] = {listener80(100), listener80(50), listener80(0)};
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {.pid = -1};
	struct sb_kfold *f = NULL;
	struct sb_result *res = NULL;

	if (!ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){0}, &f), "fold"))
		return;
	a[2].port = 8080;
	sb_kfold__listeners(f, a, 2); /* baseline: 150 on port 80 */
	a[0].drops = 110;
	a[1].drops = 55;
	sb_kfold__listeners(f, a, 2); /* +15 */
	a[0].drops = 120;
	sb_kfold__listeners(f, a, 1); /* member 2 closed: 120 < 165, nothing gained */
	a[0].drops = 125;
	a[2].drops = 7;
	sb_kfold__listeners(f, a, 1);
	sb_kfold__listeners(f, &a[0], 1); /* +5 */
	sb_kfold__listeners(f, &a[2], 1); /* port 8080 new: all 7 */
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	ASSERT_EQ(res->live->nl, 2, "two groups");
	ASSERT_EQ(res->live->l[0].drops, 20, "port 80: 15 + 5");
	ASSERT_EQ(res->live->l[1].drops, 7, "port 8080: since it appeared");
	ASSERT_EQ(res->watch.listener_drops, 27, "the namespace's listener drops");
	ASSERT_EQ(res->live->l[1].members, 1, "one socket");
	ASSERT_EQ(res->live->l[1].m[0].limit, 5, "its limit");
	sb_result__free(res);
	sb_kfold__free(f);
}

/* The kernel's histogram in Prometheus buckets. */
static void test_buckets(void)
{
	uint64_t *h = calloc((size_t)SB_H_DWELL * SB_HIST_BUCKETS, sizeof(uint64_t));
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {.pid = -1};
	struct sb_kfold *f = NULL;
	struct sb_result *res = NULL;
	const struct sb_live_hist *c;

	if (!h || !ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){0}, &f), "fold"))
		return;
	h[sb_hist_bucket(3 * US)] += 5;	   /* <= 10 us */
	h[sb_hist_bucket(10 * US)] += 1;   /* its bucket ends above 10 us: next bound */
	h[sb_hist_bucket(1020 * MS)] += 3; /* one SYN retransmit: <= 1.5 s */
	h[sb_hist_bucket(100 * S)] += 2;   /* beyond 60 s */
	h[SB_HIST_BUCKETS + sb_hist_bucket(2 * US)] += 4; /* server side */
	rd.hists = h;
	ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result");
	c = &res->live->hs[0];
	ASSERT_EQ(c->count, 11, "client count");
	ASSERT_EQ(c->cum[0], 5, "le 10 us");
	ASSERT_EQ(c->cum[1], 6, "le 25 us");
	ASSERT_EQ(c->cum[15], 6, "le 1 s");
	ASSERT_EQ(c->cum[16], 9, "le 1.5 s");
	ASSERT_EQ(c->cum[SB_LIVE_LE - 2], 9, "le 60 s");
	ASSERT_EQ(c->cum[SB_LIVE_LE - 1], 11, "+Inf = count");
	ASSERT_NEAR(c->sum_s, 5 * 3e-6 + 10e-6 + 3 * 1.02 + 2 * 100.0, 0.004 * 203.07, "sum");
	ASSERT_EQ(res->live->hs[1].count, 4, "server count");
	ASSERT_EQ(res->live->hs[1].cum[0], 4, "server le 10 us");
	sb_result__free(res);
	sb_kfold__free(f);
	free(h);
}

int main(void)
{
	test_same_as_kview();
	test_waits_for_live_child();
	test_bounded();
	test_listeners();
	test_buckets();
	return sb_test_result();
}
