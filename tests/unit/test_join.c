/* The per-connection join on the fixture run (tests/fixtures/rundata_fixture.h):
 * every derived value, outcome, count and reconciliation fact exactly. */
#include "tests/test.h"
#include "tests/fixtures/rundata_fixture.h"
#include "harness/join.h"

static const struct sb_join_row *row_of(const struct sb_join *j, uint64_t cookie)
{
	for (size_t i = 0; i < j->nrows; i++)
		if (j->rows[i].conn->cookie == cookie)
			return &j->rows[i];
	return NULL;
}

static int has_warning(const struct sb_join *j, const char *needle)
{
	for (size_t i = 0; i < j->rec.nwarnings; i++)
		if (strstr(j->rec.warnings[i], needle))
			return 1;
	return 0;
}

#define LAT(r, l) ((r)->lat[SB_LAT_##l])

static void test_probes(void)
{
	uint64_t *hists = calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(*hists));
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	const struct sb_join_row *a, *b, *c, *d, *e;

	if (!ASSERT_OK_PTR(hists, "alloc") || !ASSERT_OK_PTR(f, "alloc"))
		goto out;
	fx_build(f, hists);
	if (!ASSERT_OK(sb_join__new(&f->rd, &j), "join"))
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
	ASSERT_NEAR(j->rec.join_rate, 1.0, 0, "join rate");
	ASSERT_EQ(j->rec.client_established, 4, "client established");
	ASSERT_EQ(j->rec.accepted, 2, "rec accepted");
	ASSERT_EQ(j->rec.queued, 1, "rec queued");
	ASSERT_EQ(j->rec.ghosts, 1, "rec ghosts");
	ASSERT_EQ(j->rec.timeouts, 1, "rec timeouts");
	ASSERT_EQ(j->rec.syncookies, 0, "syncookies from sysctl");
	ASSERT_TRUE(j->rec.identity_checked, "identity checked");
	ASSERT_FALSE(j->rec.identity_holds, "4 != 2 + 1: the ghost breaks it");
	ASSERT_EQ(j->rec.probe_syn_retrans, 2, "probe syn retrans");
	ASSERT_EQ(j->rec.mib_syn_retrans, 2, "TCPSynRetrans delta");
	ASSERT_EQ(j->rec.listener_drops, 5, "last sample drops");
	ASSERT_EQ(j->rec.mib_listen_drops, 5, "ListenDrops");
	ASSERT_EQ(j->rec.mib_listen_overflows, 5, "ListenOverflows");
	ASSERT_EQ(j->rec.lost_events, 1, "lost events");
	ASSERT_TRUE(has_warning(j, "syncookies=0 but 1 ghost connections"),
		    "identity warning");
	ASSERT_TRUE(has_warning(j, "1 events lost"), "lost warning");
	ASSERT_TRUE(has_warning(j, "1 kernel client records match no user"), "unmatched warning");
	ASSERT_FALSE(has_warning(j, "TCPSynRetrans"), "syn retrans agree: no warning");
	ASSERT_FALSE(has_warning(j, "ListenDrops"), "drops agree: no warning");
	ASSERT_FALSE(has_warning(j, "join rate"), "join complete: no warning");
	ASSERT_EQ(j->rec.nwarnings, 3, "exactly three warnings");

	/* statistics over the rows */
	ASSERT_EQ(j->lat[SB_LAT_KERNEL_HANDSHAKE].count, 4, "handshake count");
	ASSERT_EQ(j->lat[SB_LAT_KERNEL_HANDSHAKE].min, 17500, "handshake min");
	ASSERT_EQ(j->lat[SB_LAT_KERNEL_HANDSHAKE].max, 39000, "handshake max");
	ASSERT_NEAR(j->lat[SB_LAT_KERNEL_HANDSHAKE].p50, 20000, 200, "handshake p50 (rank 2)");
	ASSERT_EQ(j->lat[SB_LAT_USER_CONNECT].count, 4, "user_connect count");
	ASSERT_EQ(j->lat[SB_LAT_ACCEPT_WAIT].count, 2, "accept_wait count");
	ASSERT_EQ(j->lat[SB_LAT_ACCEPT_WAIT].max, 78400, "accept_wait max");
	ASSERT_EQ(j->lat[SB_LAT_PRE_SYN].count, 5, "pre_syn count");
	ASSERT_EQ(j->lat[SB_LAT_PRE_SYN].min, 800, "pre_syn min");
	ASSERT_EQ(j->kernel_handshake_hist.count, 5, "kernel histogram keeps the lost record");
out:
	sb_join__free(j);
	free(f);
	free(hists);
}

static void test_no_probes(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	const struct sb_join_row *a, *b, *c, *d;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	f->opts.no_probes = 1;
	f->rd.nkrecs = 0;
	memset(f->rd.counters, 0, sizeof(f->rd.counters));
	if (!ASSERT_OK(sb_join__new(&f->rd, &j), "join without probes"))
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
	ASSERT_NEAR(j->rec.join_rate, -1, 0, "join rate undefined");
	ASSERT_FALSE(j->rec.identity_checked, "no identity without probes");
	ASSERT_FALSE(has_warning(j, "join rate"), "no join warning without probes");
out:
	sb_join__free(j);
	free(f);
}

static void test_lost_child(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
	const struct sb_join_row *b;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	fx_build(f, NULL);
	/* drop child 202 (index 7) and client record 103 (index 3) */
	f->krecs[7] = f->krecs[8];
	f->krecs[3] = f->krecs[4], f->krecs[4] = f->krecs[5], f->krecs[5] = f->krecs[6],
	f->krecs[6] = f->krecs[7];
	f->rd.nkrecs = 7;
	if (!ASSERT_OK(sb_join__new(&f->rd, &j), "join"))
		goto out;
	b = row_of(j, 102);
	ASSERT_EQ(b->outcome, SB_OUT_ACCEPTED, "B still accepted (by peer)");
	ASSERT_TRUE(b->kchild == NULL, "B lost its child record");
	ASSERT_EQ(row_of(j, 101)->kchild->cookie, 201, "A keeps child 201");
	ASSERT_EQ(row_of(j, 103)->outcome, SB_OUT_UNACCEPTED, "C without kernel record");
	ASSERT_EQ(j->counts.accepts_by_peer, 1, "one accept by peer");
	ASSERT_EQ(j->counts.joined, 4, "4 of 5 joined");
	ASSERT_NEAR(j->rec.join_rate, 0.8, 1e-12, "join rate 0.8");
	ASSERT_TRUE(has_warning(j, "join rate 0.8000"), "join warning");
	ASSERT_TRUE(has_warning(j, "joined by port"), "accept-by-port warning");
out:
	sb_join__free(j);
	free(f);
}

/* A server without our accept stamps (--target): the fixture's run with
 * its accept records gone. A child the server closed (FIN_WAIT1 or
 * LAST_ACK) was accepted; one that went straight to CLOSE was not. */
static void test_target_server(void)
{
	struct fx_run *f = calloc(1, sizeof(*f));
	struct sb_join *j = NULL;
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
	if (!ASSERT_OK(sb_join__new(&f->rd, &j), "join"))
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
	ASSERT_EQ(j->rec.accepted, 2, "accepted from the kernel's evidence");
out:
	sb_join__free(j);
	free(f);
}

static void test_empty(void)
{
	struct sb_rundata rd;
	struct sb_join *j = NULL;

	memset(&rd, 0, sizeof(rd));
	if (!ASSERT_OK(sb_join__new(&rd, &j), "empty join"))
		return;
	ASSERT_EQ(j->nrows, 0, "no rows");
	ASSERT_EQ(j->lat[SB_LAT_USER_CONNECT].count, 0, "no samples");
	ASSERT_EQ(j->rec.nwarnings, 0, "no warnings");
	sb_join__free(j);
	ASSERT_STREQ(sb_outcome_name(SB_OUT_GHOST), "ghost", "outcome name");
	ASSERT_STREQ(sb_lat_name(SB_LAT_ACCEPT_WAIT), "accept_wait", "latency name");
	ASSERT_STREQ(sb_tcp_state_name(SB_TCP_SYN_SENT), "SYN_SENT", "state name");
}

int main(void)
{
	test_probes();
	test_no_probes();
	test_lost_child();
	test_target_server();
	test_empty();
	return sb_test_result();
}
