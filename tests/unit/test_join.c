/* The per-connection join on the fixture run (tests/fixtures/rundata_fixture.h):
 * every derived value, outcome, count and reconciliation fact exactly. */
#include <errno.h>

#include "tests/test.h"
#include "tests/test_analyze.h"
#include "tests/fixtures/rundata_fixture.h"
#include "harness/analysis/identities.h"
#include "harness/analysis/analyze.h"

static const struct sb_join_row *row_of(const struct sb_join *j, uint64_t cookie)
{
	for (size_t i = 0; i < j->nrows; i++)
		if (j->rows[i].conn->cookie == cookie)
			return &j->rows[i];
	return NULL;
}

static int has_warning(const struct sb_result *res, const char *needle)
{
	for (size_t i = 0; i < res->rec.nwarnings; i++)
		if (strstr(res->rec.warnings[i], needle))
			return 1;
	return 0;
}

#define LAT(r, l) ((r)->lat[SB_LAT_##l])

static void test_probes(void)
{
	uint64_t *hists = calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(*hists));
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *a, *b, *c, *d, *e;

	if (!ASSERT_OK_PTR(hists, "alloc") || !ASSERT_OK_PTR(f, "alloc"))
		goto out;
	fx_build(f, hists);
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	ASSERT_EQ(j->nrows, 5, "rows: the never-started connection has none");
	a = row_of(j, 101), b = row_of(j, 102), c = row_of(j, 103), d = row_of(j, 104),
	e = row_of(j, 105);
	if (!ASSERT_OK_PTR(a, "A") || !ASSERT_OK_PTR(b, "B") || !ASSERT_OK_PTR(c, "C") ||
	    !ASSERT_OK_PTR(d, "D") || !ASSERT_OK_PTR(e, "E"))
		goto out;
	ASSERT_EQ(j->rows[0].conn->cookie, 101, "rows in user order");
	ASSERT_EQ(j->rows[1].conn->cookie, 104, "rows in user order");

	/* A: accepted; its port is reused by B, child 201 is A's by time */
	ASSERT_EQ(a->outcome, SB_OUT_ACCEPTED, "A outcome");
	ASSERT_EQ(a->kclient ? a->kclient->cookie : 0, 101, "A kernel client");
	ASSERT_EQ(a->kchild ? a->kchild->cookie : 0, 201, "A child by time");
	ASSERT_EQ(a->accept ? a->accept->cookie : 0, 201, "A accept by child cookie");
	ASSERT_EQ(LAT(a, USER_CONNECT), 29000, "A user_connect");
	ASSERT_EQ(LAT(a, USER_CONNECT_SCHED), 30000, "A user_connect_sched");
	ASSERT_EQ(LAT(a, KERNEL_HANDSHAKE), 20000, "A kernel_handshake");
	ASSERT_EQ(LAT(a, PRE_SYN), 2000, "A pre_syn");
	ASSERT_EQ(LAT(a, NOTIFY_DELAY), 7000, "A notify_delay");
	ASSERT_EQ(LAT(a, ACCEPT_WAIT), 25300, "A accept_wait");
	ASSERT_EQ(LAT(a, RESPONSE), 10000, "A response");
	ASSERT_EQ(LAT(a, CHILD_EST), 700, "A child established");
	ASSERT_EQ(a->syn_retrans, 0, "A syn_retrans");

	/* B: accepted, same port as A */
	ASSERT_EQ(b->outcome, SB_OUT_ACCEPTED, "B outcome");
	ASSERT_EQ(b->kchild ? b->kchild->cookie : 0, 202, "B child by time");
	ASSERT_EQ(b->accept ? b->accept->cookie : 0, 202, "B accept");
	ASSERT_EQ(LAT(b, USER_CONNECT), 26000, "B user_connect");
	ASSERT_EQ(LAT(b, USER_CONNECT_SCHED), 26000, "B user_connect_sched");
	ASSERT_EQ(LAT(b, KERNEL_HANDSHAKE), 17500, "B kernel_handshake");
	ASSERT_EQ(LAT(b, PRE_SYN), 2500, "B pre_syn");
	ASSERT_EQ(LAT(b, NOTIFY_DELAY), 6000, "B notify_delay");
	ASSERT_EQ(LAT(b, ACCEPT_WAIT), 78400, "B accept_wait");
	ASSERT_EQ(LAT(b, RESPONSE), SB_NA, "B response absent");

	/* C: ghost, and it must not steal E's child on the reused port */
	ASSERT_EQ(c->outcome, SB_OUT_GHOST, "C outcome");
	ASSERT_TRUE(c->kchild == NULL, "C has no child");
	ASSERT_TRUE(c->accept == NULL, "C not accepted");
	ASSERT_EQ(LAT(c, KERNEL_HANDSHAKE), 39000, "C kernel_handshake");
	ASSERT_EQ(LAT(c, USER_CONNECT), 50000, "C user_connect");
	ASSERT_EQ(LAT(c, NOTIFY_DELAY), 10000, "C notify_delay");
	ASSERT_EQ(LAT(c, PRE_SYN), 1000, "C pre_syn");
	ASSERT_EQ(LAT(c, ACCEPT_WAIT), SB_NA, "C accept_wait absent");

	/* D: timeout */
	ASSERT_EQ(d->outcome, SB_OUT_TIMEOUT, "D outcome");
	ASSERT_EQ(d->syn_retrans, 2, "D syn_retrans");
	ASSERT_EQ(LAT(d, PRE_SYN), 800, "D pre_syn");
	ASSERT_EQ(LAT(d, KERNEL_HANDSHAKE), SB_NA, "D handshake absent");
	ASSERT_EQ(LAT(d, USER_CONNECT), SB_NA, "D user_connect absent (failed)");
	ASSERT_EQ(LAT(d, NOTIFY_DELAY), SB_NA, "D notify absent");

	/* E: queued */
	ASSERT_EQ(e->outcome, SB_OUT_QUEUED, "E outcome");
	ASSERT_EQ(e->kchild ? e->kchild->cookie : 0, 205, "E child");
	ASSERT_EQ(LAT(e, KERNEL_HANDSHAKE), 29000, "E kernel_handshake");
	ASSERT_EQ(LAT(e, USER_CONNECT), 35000, "E user_connect");
	ASSERT_EQ(LAT(e, ACCEPT_WAIT), SB_NA, "E accept_wait absent");

	/* counts */
	ASSERT_EQ(j->counts.user_conns, 6, "user conns");
	ASSERT_EQ(j->counts.not_started, 1, "not started");
	ASSERT_EQ(j->counts.with_cookie, 5, "with cookie");
	ASSERT_EQ(j->counts.joined, 5, "joined");
	ASSERT_EQ(j->counts.kclients, 6, "kernel clients");
	ASSERT_EQ(j->counts.kclients_est, 4, "kernel clients established");
	ASSERT_EQ(j->counts.kclients_unmatched, 1, "kernel client 999 unmatched");
	ASSERT_EQ(j->counts.kchildren, 3, "children");
	ASSERT_EQ(j->counts.kchildren_unmatched, 0, "children all matched");
	ASSERT_EQ(j->counts.kchildren_queued, 1, "children queued");
	ASSERT_EQ(j->counts.accepts_unmatched, 0, "accepts all matched");
	ASSERT_EQ(j->counts.accepts_by_peer, 0, "no accept by peer");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_ACCEPTED], 2, "accepted");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_GHOST], 1, "ghost");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_TIMEOUT], 1, "timeout");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_QUEUED], 1, "queued");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_OTHER], 0, "other");

	/* reconciliation */
	ASSERT_NEAR(res->rec.join_rate, 1.0, 0, "join rate");
	ASSERT_EQ(res->rec.client_established, 4, "client established");
	ASSERT_EQ(res->rec.accepted, 2, "rec accepted");
	ASSERT_EQ(res->rec.queued, 1, "rec queued");
	ASSERT_EQ(res->rec.ghosts, 1, "rec ghosts");
	ASSERT_EQ(res->rec.timeouts, 1, "rec timeouts");
	ASSERT_EQ(res->rec.syncookies, 0, "syncookies from sysctl");
	ASSERT_TRUE(res->rec.identity_checked, "identity checked");
	ASSERT_FALSE(res->rec.identity_holds, "4 != 2 + 1: the ghost breaks it");
	ASSERT_EQ(res->rec.probe_syn_retrans, 2, "probe syn retrans");
	ASSERT_EQ(res->rec.mib_syn_retrans, 2, "TCPSynRetrans delta");
	ASSERT_EQ(res->rec.listener_drops, 5, "last sample drops");
	ASSERT_EQ(res->rec.mib_listen_drops, 5, "ListenDrops");
	ASSERT_EQ(res->rec.mib_listen_overflows, 5, "ListenOverflows");
	ASSERT_EQ(res->rec.lost_events, 1, "lost events");
	ASSERT_TRUE(has_warning(res, "syncookies=0 but 1 ghost connections"),
		    "identity warning");
	ASSERT_TRUE(has_warning(res, "1 events lost"), "lost warning");
	ASSERT_TRUE(has_warning(res, "1 kernel client records match no user"), "unmatched warning");
	ASSERT_FALSE(has_warning(res, "TCPSynRetrans"), "syn retrans agree: no warning");
	ASSERT_FALSE(has_warning(res, "ListenDrops"), "drops agree: no warning");
	ASSERT_FALSE(has_warning(res, "join rate"), "join complete: no warning");
	ASSERT_EQ(res->rec.nwarnings, 3, "exactly three warnings");

	/* statistics over the rows */
	ASSERT_EQ(res->lat[SB_LAT_KERNEL_HANDSHAKE].count, 4, "handshake count");
	ASSERT_EQ(res->lat[SB_LAT_KERNEL_HANDSHAKE].min, 17500, "handshake min");
	ASSERT_EQ(res->lat[SB_LAT_KERNEL_HANDSHAKE].max, 39000, "handshake max");
	ASSERT_NEAR(res->lat[SB_LAT_KERNEL_HANDSHAKE].p50, 20000, 200, "handshake p50 (rank 2)");
	ASSERT_EQ(res->lat[SB_LAT_USER_CONNECT].count, 4, "user_connect count");
	ASSERT_EQ(res->lat[SB_LAT_ACCEPT_WAIT].count, 2, "accept_wait count");
	ASSERT_EQ(res->lat[SB_LAT_ACCEPT_WAIT].max, 78400, "accept_wait max");
	ASSERT_EQ(res->lat[SB_LAT_PRE_SYN].count, 5, "pre_syn count");
	ASSERT_EQ(res->lat[SB_LAT_PRE_SYN].min, 800, "pre_syn min");
	ASSERT_EQ(res->kernel_handshake_hist.count, 5, "kernel histogram keeps the lost record");
out:
	test_analyze_free(&j, &res);
	free(f);
	free(hists);
}

static void test_no_probes(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *a, *b, *c, *d;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	f->opts.no_probes = 1;
	f->rd.nkrecs = 0;
	memset(f->rd.counters, 0, sizeof(f->rd.counters));
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join without probes"))
		goto out;
	a = row_of(j, 101), b = row_of(j, 102), c = row_of(j, 103), d = row_of(j, 104);
	ASSERT_EQ(a->outcome, SB_OUT_ACCEPTED, "A accepted by peer port");
	ASSERT_EQ(a->accept ? a->accept->cookie : 0, 201, "A gets the first accept");
	ASSERT_EQ(b->accept ? b->accept->cookie : 0, 202, "B gets the second accept");
	ASSERT_EQ(c->outcome, SB_OUT_UNACCEPTED, "C: connected, not accepted");
	ASSERT_EQ(d->outcome, SB_OUT_TIMEOUT, "D timeout");
	ASSERT_EQ(LAT(a, USER_CONNECT), 29000, "user_connect without probes");
	ASSERT_EQ(LAT(a, KERNEL_HANDSHAKE), SB_NA, "no kernel handshake");
	ASSERT_EQ(LAT(a, ACCEPT_WAIT), SB_NA, "no accept wait without the child");
	ASSERT_EQ(d->syn_retrans, -1, "no syn_retrans");
	ASSERT_EQ(j->counts.accepts_by_peer, 2, "accepts by peer");
	ASSERT_EQ(j->counts.joined, 0, "nothing joined");
	ASSERT_NEAR(res->rec.join_rate, -1, 0, "join rate undefined");
	ASSERT_FALSE(res->rec.identity_checked, "no identity without probes");
	ASSERT_FALSE(has_warning(res, "join rate"), "no join warning without probes");
out:
	test_analyze_free(&j, &res);
	free(f);
}

static void test_lost_child(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *b;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	/* drop child 202 (index 7) and client record 103 (index 3) */
	f->krecs[7] = f->krecs[8];
	f->krecs[3] = f->krecs[4], f->krecs[4] = f->krecs[5], f->krecs[5] = f->krecs[6],
	f->krecs[6] = f->krecs[7];
	f->rd.nkrecs = 7;
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	b = row_of(j, 102);
	ASSERT_EQ(b->outcome, SB_OUT_ACCEPTED, "B still accepted (by peer)");
	ASSERT_TRUE(b->kchild == NULL, "B lost its child record");
	ASSERT_EQ(row_of(j, 101)->kchild->cookie, 201, "A keeps child 201");
	ASSERT_EQ(row_of(j, 103)->outcome, SB_OUT_UNACCEPTED, "C without kernel record");
	ASSERT_EQ(j->counts.accepts_by_peer, 1, "one accept by peer");
	ASSERT_EQ(j->counts.joined, 4, "4 of 5 joined");
	ASSERT_NEAR(res->rec.join_rate, 0.8, 1e-12, "join rate 0.8");
	ASSERT_TRUE(has_warning(res, "join rate 0.8000"), "join warning");
	ASSERT_TRUE(has_warning(res, "joined by port"), "accept-by-port warning");
out:
	test_analyze_free(&j, &res);
	free(f);
}

/* C, the fixture's ghost, reset after its own FIN (FIN_WAIT1 -> CLOSE,
 * ECONNRESET): with syncookies 0 no ghost can be, so a request socket's RST
 * overtook its FIN (kernel fact 39: 6 of 4,000 on 6.1 under TCG); with
 * syncookies 1 a ghost's FIN can draw the listener's RST: a ghost still. */
static void test_reset_after_fin(void)
{
	for (int cookies = 0; cookies <= 1; cookies++) {
		struct fx_run *f = calloc(1, sizeof(*f));
		struct sb_join *j = NULL;
		struct sb_result *res = NULL;
		const struct sb_join_row *c;

		if (!ASSERT_OK_PTR(f, "alloc"))
			return;
		fx_build(f, NULL);
		for (size_t i = 0; i < f->rd.nkrecs; i++)
			if (f->krecs[i].cookie == 103) {
				f->krecs[i].ts[SB_TCP_FIN_WAIT1] = f->krecs[i].ts[SB_TCP_ESTABLISHED] + 1000;
				f->krecs[i].ts[SB_TCP_CLOSE] = f->krecs[i].ts[SB_TCP_ESTABLISHED] + 2000;
				f->krecs[i].final_state = SB_TCP_CLOSE;
				f->krecs[i].err = ECONNRESET;
			}
		strcpy(f->sysctls[0].value, cookies ? "1" : "0");
		f->opts.syncookies = cookies;
		if (ASSERT_OK(test_analyze(&f->rd, &j, &res), "join") &&
		    ASSERT_OK_PTR(c = row_of(j, 103), "C")) {
			ASSERT_EQ(c->outcome, cookies ? SB_OUT_GHOST : SB_OUT_RESET,
				  cookies ? "syncookies 1: C a ghost still" : "syncookies 0: C reset");
			ASSERT_EQ(c->cause, cookies ? SB_FAIL_NONE : SB_FAIL_RESET, "  its cause");
			ASSERT_EQ(res->rec.ghosts, (uint64_t)cookies, "  ghosts counted");
		}
		test_analyze_free(&j, &res);
		free(f);
	}
}

/* A server without our accept stamps (--target): the fixture's run with
 * its accept records gone. A child the server closed (FIN_WAIT1 or
 * LAST_ACK) was accepted; one that went straight to CLOSE was not. */
static void test_target_server(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *a, *b, *e;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	f->rd.naccepts = 0;
	for (size_t i = 0; i < f->rd.nkrecs; i++) {
		struct sb_conn_rec *k = &f->krecs[i];

		if (k->role != SB_ROLE_CHILD || k->cookie == 205)
			continue;
		/* the server closed children 201 and 202, 80 us after ESTABLISHED */
		if (k->cookie == 201)
			k->ts[SB_TCP_FIN_WAIT1] = k->ts[SB_TCP_ESTABLISHED] + 80000;
		else
			k->ts[SB_TCP_LAST_ACK] = k->ts[SB_TCP_ESTABLISHED] + 80000;
	}
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	a = row_of(j, 101);
	b = row_of(j, 102);
	e = row_of(j, 105);
	ASSERT_EQ(a->outcome, SB_OUT_ACCEPTED, "A: server closed it (FIN_WAIT1): accepted");
	ASSERT_EQ(b->outcome, SB_OUT_ACCEPTED, "B: server closed it (LAST_ACK): accepted");
	ASSERT_EQ(e->outcome, SB_OUT_QUEUED, "E: never closed by the server: queued");
	ASSERT_EQ(a->lat[SB_LAT_SERVER_CLOSE], 80000, "A server_close");
	ASSERT_EQ(b->lat[SB_LAT_SERVER_CLOSE], 80000, "B server_close");
	ASSERT_EQ(e->lat[SB_LAT_SERVER_CLOSE], SB_NA, "E no server_close");
	ASSERT_EQ(a->lat[SB_LAT_ACCEPT_WAIT], SB_NA, "no accept stamp, no accept_wait");
	ASSERT_EQ(res->rec.accepted, 2, "accepted from the kernel's evidence");
out:
	test_analyze_free(&j, &res);
	free(f);
}

/* Row index of a kernel record / accept by cookie in the join's maps. */
static uint32_t krec_row_of(const struct fx_run *f, const struct sb_join *j, uint64_t cookie)
{
	for (size_t k = 0; k < f->rd.nkrecs; k++)
		if (f->krecs[k].cookie == cookie)
			return j->krec_row[k];
	return SB_JOIN_NONE - 1;
}

static uint32_t accept_row_of(const struct fx_run *f, const struct sb_join *j, uint64_t cookie)
{
	for (size_t a = 0; a < f->rd.naccepts; a++)
		if (f->accepts[a].cookie == cookie)
			return j->accept_row[a];
	return SB_JOIN_NONE - 1;
}

/* A revived ghost (docs/kernel-facts.md, fact 19; rundata_fixture.h fx_add_revived): one
 * client connection, two server children, two accepts. Counted once, the
 * identity exact, nothing unmatched, no port guess. */
static void test_revived(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *r;
	struct sb_identity id;
	uint32_t ri;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	fx_add_revived(f);
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	r = row_of(j, 106);
	if (!ASSERT_OK_PTR(r, "revived row"))
		goto out;
	ri = (uint32_t)(r - j->rows);
	ASSERT_EQ(r->outcome, SB_OUT_ACCEPTED, "accepted, once");
	ASSERT_EQ(r->nchildren, 2, "both children");
	ASSERT_EQ(r->naccepts, 2, "both accepts");
	ASSERT_TRUE(r->revived, "revived");
	ASSERT_EQ(r->kchild ? r->kchild->cookie : 0, 40966, "kchild: the first child");
	ASSERT_EQ(r->accept ? r->accept->cookie : 0, 40966, "its accept");
	ASSERT_TRUE(r->accept_of_kchild, "paired by cookie");
	ASSERT_EQ(LAT(r, ACCEPT_WAIT), 128100, "accept_wait of the first child");
	ASSERT_EQ(LAT(r, CHILD_EST), 1900, "child_established of the first child");
	ASSERT_EQ(LAT(r, KERNEL_HANDSHAKE), 1015172300, "handshake");
	ASSERT_EQ(krec_row_of(f, j, 40966), ri, "child 40966 -> the row");
	ASSERT_EQ(krec_row_of(f, j, 40980), ri, "child 40980 -> the row");
	ASSERT_EQ(krec_row_of(f, j, 106), ri, "client 106 -> the row");
	ASSERT_EQ(accept_row_of(f, j, 40966), ri, "accept 40966 -> the row");
	ASSERT_EQ(accept_row_of(f, j, 40980), ri, "accept 40980 -> the row");
	ASSERT_EQ(accept_row_of(f, j, 201), (uint32_t)(row_of(j, 101) - j->rows), "A untouched");
	ASSERT_FALSE(row_of(j, 101)->revived, "A is not revived");
	ASSERT_FALSE(row_of(j, 105)->revived, "E is not revived");

	ASSERT_EQ(j->counts.kchildren, 5, "children");
	ASSERT_EQ(j->counts.kchildren_unmatched, 0, "no child unmatched");
	ASSERT_EQ(j->counts.kchildren_extra, 1, "one extra child");
	ASSERT_EQ(j->counts.accepts, 4, "accepts");
	ASSERT_EQ(j->counts.accepts_unmatched, 0, "no accept unmatched");
	ASSERT_EQ(j->counts.accepts_by_peer, 0, "no port guess");
	ASSERT_EQ(j->counts.accepts_extra, 1, "one extra accept");
	ASSERT_EQ(j->counts.revived, 1, "one revived");
	ASSERT_EQ(j->counts.child_cookies_shared, 0, "own cookies");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_ACCEPTED], 3, "A, B, F accepted");

	ASSERT_EQ(res->rec.client_established, 5, "A B C E F established");
	ASSERT_EQ(res->rec.accepted, 3, "accepted: F once");
	ASSERT_EQ(res->rec.queued, 1, "queued E");
	ASSERT_EQ(res->rec.ghosts, 1, "ghost C");
	ASSERT_EQ(res->rec.established_other, 0, "no other");
	ASSERT_EQ(res->rec.revived, 1, "rec revived");
	ASSERT_EQ(res->rec.extra_children, 1, "rec extra children");
	ASSERT_EQ(res->rec.extra_accepts, 1, "rec extra accepts");
	ASSERT_EQ(res->rec.syncookies, 1, "syncookies 1");
	ASSERT_FALSE(res->rec.identity_checked, "ghosts allowed");
	ASSERT_TRUE(res->rec.identity_holds, "5 = 3 + 1 + 1 + 0");
	ASSERT_FALSE(has_warning(res, "client ESTABLISHED"), "no identity warning");
	ASSERT_FALSE(has_warning(res, "child records match no"), "no unmatched child warning");
	ASSERT_FALSE(has_warning(res, "accepted connections match no"), "no unmatched accept");
	ASSERT_FALSE(has_warning(res, "joined by port"), "no port-join warning");
	ASSERT_EQ(res->lat[SB_LAT_ACCEPT_WAIT].count, 3, "one accept_wait per accepted row");
	f->rd.components.c[SB_COMP_STATE_CHANGES].mode = SB_MODE_TP_BTF;
	sb_identity_check(&f->rd, &res->rec, SB_ID_CLIENT_ESTABLISHED, &id);
	ASSERT_EQ(id.status, SB_ID_SKIPPED, "a record lost, syncookies on: identity skipped");
	test_analyze_free(&j, &res);
	j = NULL;
	f->rd.counters[SB_C_RB_FAIL] = 0;
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join, nothing lost"))
		goto out;
	sb_identity_check(&f->rd, &res->rec, SB_ID_CLIENT_ESTABLISHED, &id);
	ASSERT_EQ(id.status, SB_ID_HOLDS, "nothing lost: the identity is checked, and holds");
	test_analyze_free(&j, &res);
	j = NULL;

	/* revived by its FIN alone: only the first child and its accept */
	fx_build(f, NULL);
	fx_add_revived(f);
	f->rd.nkrecs--;	  /* child 40980 is the last record */
	f->accepts[2] = f->accepts[3];
	f->rd.naccepts--; /* and accept 40980 */
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join, one child"))
		goto out;
	r = row_of(j, 106);
	ASSERT_EQ(r->nchildren, 1, "one child");
	ASSERT_EQ(r->naccepts, 1, "one accept");
	ASSERT_TRUE(r->revived, "child after the client's FIN: revived");
	ASSERT_EQ(res->rec.revived, 1, "rec revived");
	ASSERT_EQ(res->rec.extra_children, 0, "no extra child");
	ASSERT_TRUE(res->rec.identity_holds, "identity");
out:
	test_analyze_free(&j, &res);
	free(f);
}

/* Before Linux 6.15 the child record stamped at LISTEN -> SYN_RECV carries
 * the listener's cookie (docs/kernel-facts.md, fact 17): every child the same one. Such a
 * cookie joins nothing; the accepts join by port and time to the same rows
 * and pair with the same children as with the children's own cookies. */
static void test_listener_cookie(void)
{
	const uint64_t listener = 7777;
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *a, *b, *e, *r;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	fx_add_revived(f);
	for (size_t k = 0; k < f->rd.nkrecs; k++)
		if (f->krecs[k].role == SB_ROLE_CHILD)
			f->krecs[k].cookie = listener;
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	a = row_of(j, 101), b = row_of(j, 102), e = row_of(j, 105), r = row_of(j, 106);
	ASSERT_EQ(j->counts.child_cookies_shared, 5, "5 children share the listener's cookie");
	ASSERT_EQ(j->counts.accepts_by_peer, 4, "every accept by port");
	ASSERT_EQ(j->counts.accepts_unmatched, 0, "none unmatched");
	ASSERT_EQ(j->counts.kchildren_unmatched, 0, "children by tuple, all matched");
	ASSERT_EQ(a->accept ? a->accept->cookie : 0, 201, "A's accept");
	ASSERT_TRUE(a->accept_of_kchild, "A paired by time");
	ASSERT_EQ(LAT(a, ACCEPT_WAIT), 25300, "A accept_wait as with its own cookie");
	ASSERT_EQ(b->accept ? b->accept->cookie : 0, 202, "B's accept");
	ASSERT_EQ(LAT(b, ACCEPT_WAIT), 78400, "B accept_wait as with its own cookie");
	ASSERT_EQ(e->outcome, SB_OUT_QUEUED, "E still queued");
	ASSERT_EQ(r->naccepts, 2, "F both accepts");
	ASSERT_EQ(r->accept ? r->accept->cookie : 0, 40966, "F: the first child's accept");
	ASSERT_EQ(LAT(r, ACCEPT_WAIT), 128100, "F accept_wait");
	ASSERT_EQ(j->counts.kchildren_queued, 1, "only E's child queued");
	ASSERT_EQ(res->rec.accepted, 3, "accepted");
	ASSERT_TRUE(res->rec.identity_holds, "identity");
	ASSERT_TRUE(has_warning(res, "5 server child records share their cookie"), "warning");
	test_analyze_free(&j, &res);
	j = NULL;

	/* one child alone kept the listener's cookie (it never reached
	 * ESTABLISHED, where the cookie is read again): it joins no accept */
	fx_build(f, NULL);
	for (size_t k = 0; k < f->rd.nkrecs; k++)
		if (f->krecs[k].cookie == 205)
			f->krecs[k].cookie = listener;
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	ASSERT_EQ(j->counts.accepts_by_peer, 0, "own cookies for the rest");
	ASSERT_EQ(row_of(j, 105)->outcome, SB_OUT_QUEUED, "E queued");
	ASSERT_TRUE(row_of(j, 105)->accept == NULL, "E has no accept");
out:
	test_analyze_free(&j, &res);
	free(f);
}

/* A client record that lost its ESTABLISHED event but went on to FIN_WAIT1
 * still counts as ESTABLISHED, and the loss is named. */
static void test_missed_established(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	fx_add_revived(f);
	for (size_t k = 0; k < f->rd.nkrecs; k++)
		if (f->krecs[k].cookie == 106 && f->krecs[k].role == SB_ROLE_CLIENT)
			f->krecs[k].ts[SB_TCP_ESTABLISHED] = 0;
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	ASSERT_EQ(j->counts.kclients_est, 5, "still 5 established");
	ASSERT_EQ(j->counts.kclients_est_inferred, 1, "one inferred");
	ASSERT_EQ(j->counts.user_ok_kernel_not_est, 0, "not a failure to establish");
	ASSERT_EQ(LAT(row_of(j, 106), KERNEL_HANDSHAKE), SB_NA, "no handshake stamp");
	ASSERT_TRUE(res->rec.identity_holds, "identity");
	ASSERT_TRUE(has_warning(res, "1 kernel client records lack their ESTABLISHED stamp"),
		    "warning");
out:
	test_analyze_free(&j, &res);
	free(f);
}

/* --tls: A's handshake and response phases; B's handshake failed after the
 * server accepted it: its own outcome, with OpenSSL's reason, and the
 * identity counts it as such (client ESTABLISHED = accepted + queued +
 * ghosts + TLS failed). */
static void test_tls(void)
{
	/* ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED) */
	const uint32_t verify_failed = (20u << 23) | 134u;
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *a, *b;
	struct lg_conn *ca, *cb;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	f->opts.mode = LG_MODE_CRR;
	f->opts.tls = 1;
	ca = &f->conns[0], cb = &f->conns[3];
	ca->t_tls_start = FX_T + 31000;
	ca->t_tls_done = FX_T + 35000;
	ca->t_sent = FX_T + 36000;
	ca->t_first = FX_T + 38000; /* t_resp: FX_T + 40000 */
	ca->tls_version = 13;
	ca->tls_flags = LG_TLS_F_RESUMED;
	f->accepts[0].t_tls_done = f->accepts[0].t_accept + 4000;
	cb->outcome = LG_OUT_TLS;
	cb->err = EPROTO;
	cb->t_tls_start = cb->t_connected + 500;
	cb->tls_err = verify_failed;
	cb->tls_verify = 10; /* X509_V_ERR_CERT_HAS_EXPIRED */
	f->accepts[1].tls_err = (20u << 23) | 1042u; /* the alert it got */
	if (!ASSERT_OK(test_analyze(&f->rd, &j, &res), "join"))
		goto out;
	a = row_of(j, 101), b = row_of(j, 102);
	if (!ASSERT_OK_PTR(a, "A") || !ASSERT_OK_PTR(b, "B"))
		goto out;
	ASSERT_EQ(a->outcome, SB_OUT_ACCEPTED, "A accepted");
	ASSERT_EQ(LAT(a, TLS_HANDSHAKE), 4000, "A tls_handshake");
	ASSERT_EQ(LAT(a, FIRST_BYTE), 2000, "A first_byte: request sent -> first byte");
	ASSERT_EQ(LAT(a, LAST_BYTE), 2000, "A last_byte: first -> last byte");
	ASSERT_EQ(LAT(a, TLS_ACCEPT), 4000, "A tls_accept: accept -> server handshake done");
	ASSERT_EQ(b->outcome, SB_OUT_TLS_FAILED, "B: TLS failed, though the server accepted it");
	ASSERT_TRUE(b->accept != NULL, "B's accept still joined (by cookie)");
	ASSERT_EQ(LAT(b, TLS_HANDSHAKE), SB_NA, "B: no handshake time");
	ASSERT_EQ(LAT(b, TLS_ACCEPT), SB_NA, "B: no server handshake time");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_TLS_FAILED], 1, "one tls_failed");
	ASSERT_EQ(j->counts.outcomes[SB_OUT_ACCEPTED], 1, "accepted: A only");
	ASSERT_EQ(j->counts.established_other, 0, "a TLS failure is not 'other'");
	ASSERT_EQ(res->rec.tls_failed, 1, "rec tls_failed");
	ASSERT_EQ(res->rec.client_established,
		  res->rec.accepted + res->rec.queued + res->rec.ghosts + res->rec.tls_failed +
		      res->rec.established_other,
		  "client ESTABLISHED = accepted + queued + ghosts + TLS failed + other");
	ASSERT_FALSE(has_warning(res, "client ESTABLISHED 4 !="), "the sum holds: no warning");
	ASSERT_EQ(res->tls.handshakes, 1, "handshakes");
	ASSERT_EQ(res->tls.resumed, 1, "resumed");
	ASSERT_EQ(res->tls.version13, 1, "TLS 1.3");
	ASSERT_EQ(res->tls.failed, 1, "failed");
	ASSERT_EQ(res->tls.reasons.n, 1, "one reason");
	ASSERT_EQ(res->tls.reasons.r[0].err, verify_failed, "its code");
	ASSERT_EQ(res->tls.reasons.r[0].n, 1, "its count");
	ASSERT_STREQ(lg_tls_reason(res->tls.reasons.r[0].err), "certificate verify failed",
		     "OpenSSL's words");
	ASSERT_STREQ(lg_tls_verify_reason(res->tls.reasons.r[0].verify), "certificate has expired",
		     "the verify result's words");
	ASSERT_EQ(res->tls.server_handshakes, 1, "server handshakes");
	ASSERT_EQ(res->tls.server_failed, 1, "server failed");
	ASSERT_EQ(res->lat[SB_LAT_TLS_HANDSHAKE].count, 1, "one TLS handshake sample");
out:
	test_analyze_free(&j, &res);
	free(f);
}

static void test_empty(void)
{
	struct sb_rundata rd;
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;

	memset(&rd, 0, sizeof(rd));
	if (!ASSERT_OK(test_analyze(&rd, &j, &res), "empty join"))
		return;
	ASSERT_EQ(j->nrows, 0, "no rows");
	ASSERT_EQ(res->lat[SB_LAT_USER_CONNECT].count, 0, "no samples");
	ASSERT_EQ(res->rec.nwarnings, 0, "no warnings");
	test_analyze_free(&j, &res);
	ASSERT_STREQ(sb_outcome_name(SB_OUT_GHOST), "ghost", "outcome name");
	ASSERT_STREQ(sb_lat_name(SB_LAT_ACCEPT_WAIT), "accept_wait", "latency name");
	ASSERT_STREQ(sb_tcp_state_name(SB_TCP_SYN_SENT), "SYN_SENT", "state name");
}

int main(void)
{
	test_probes();
	test_no_probes();
	test_lost_child();
	test_reset_after_fin();
	test_target_server();
	test_revived();
	test_listener_cookie();
	test_missed_established();
	test_tls();
	test_empty();
	return sb_test_result();
}
