/* The per-socket state's two fall-backs, on the real skeleton and loopback
 * TCP in a fresh namespace:
 *  - collisions: with a slot array of two (the test knob sb_probes_opts.slots)
 *    most sockets find their slot taken and live in the hash behind it; every
 *    record must still arrive, complete, and the collisions be counted;
 *  - partial records: a client already in SYN_SENT when the probes load (its
 *    opening event never seen, as after a skipped run) completes its
 *    handshake later; it must yield a record marked partial, counted under
 *    partial_records, with the stamps seen from then on. */
#include <stdlib.h>

#include "tests/test.h"
#include "tests/bpf/tcp_util.h"
#include "tests/bpf/probe_util.h"

#define N 200
#define PORT 5311

static int count_role(const struct sb_rundata *rd, int role)
{
	int n = 0;

	for (size_t i = 0; i < rd->nkrecs; i++)
		n += rd->krecs[i].role == role;
	return n;
}

static void collisions(void)
{
	struct sb_probes_opts po = { .conns = N, .attach = SB_ATTACH_AUTO, .slots = 2 };
	struct sb_rundata rd = { 0 };
	struct sb_probes *p = probe_test_start(&po, NULL);
	static int cfd[N], afd[N];
	int lfd, complete = 0;

	if (!p)
		return;
	lfd = tu_listen(PORT, N + 8);
	/* all N connections open at once: 2N sockets for two slots */
	for (int i = 0; i < N; i++)
		cfd[i] = tu_connect(PORT);
	for (int i = 0; i < N; i++)
		afd[i] = accept(lfd, NULL, NULL);
	for (int i = 0; i < N; i++) {
		close(cfd[i]);
		close(afd[i]);
	}
	close(lfd);
	usleep(100 * 1000);
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	ASSERT_EQ(count_role(&rd, SB_ROLE_CLIENT), N, "a client record per connection");
	ASSERT_EQ(count_role(&rd, SB_ROLE_CHILD), N, "a child record per connection");
	ASSERT_TRUE(rd.counters[SB_C_SLOT_COLLISION] > 0, "collisions counted");
	ASSERT_EQ(rd.counters[SB_C_MAP_FULL] + rd.counters[SB_C_RB_FAIL], 0, "nothing lost");
	for (size_t i = 0; i < rd.nkrecs; i++) {
		const struct sb_conn_rec *r = &rd.krecs[i];

		if (r->role == SB_ROLE_CLIENT)
			complete += r->ts[SB_TCP_SYN_SENT] && r->ts[SB_TCP_ESTABLISHED] &&
				    r->ts[SB_TCP_CLOSE] && r->cookie && r->sport && !r->flushed &&
				    !r->partial;
	}
	ASSERT_EQ(complete, N, "client records complete (stamps, cookie, port)");
	fprintf(stderr, "collisions: %llu of %d sockets\n",
		(unsigned long long)rd.counters[SB_C_SLOT_COLLISION], 2 * N);
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
}

static void partial(void)
{
	struct sb_probes_opts po = { .conns = 4, .attach = SB_ATTACH_AUTO };
	struct sb_rundata rd = { 0 };
	struct sb_probes *p = NULL;
	const struct sb_conn_rec *late = NULL;
	int lfd, first, second, a1, a2, st = -1;
	char err[512];

	po.verbose = getenv("SB_VERBOSE") != NULL;
	if (!ASSERT_OK(sb_netns_enter(&po.netns_ino), "fresh namespace"))
		return;
	/* listen(0) holds one connection (docs/kernel-facts.md, fact 1); the second client's
	 * SYNs are dropped and it stays in SYN_SENT (docs/kernel-facts.md, fact 2) */
	lfd = tu_listen(PORT + 1, 0);
	first = tu_connect(PORT + 1);
	second = tu_connect_nb(PORT + 1, 3);
	usleep(50 * 1000);
	ASSERT_EQ(tu_state(second), 2 /* SYN_SENT */, "second client waits in SYN_SENT");
	if (!ASSERT_OK(sb_probes__new(&po, &p, err, sizeof(err)), "load and attach")) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	ASSERT_OK(sb_probes__start(p), "start the consumer");
	a1 = accept(lfd, NULL, NULL); /* room: the next SYN retransmit completes */
	for (int i = 0; i < 400 && (st = tu_state(second)) == 2; i++)
		usleep(10 * 1000);
	ASSERT_EQ(st, 1 /* ESTABLISHED */, "second client established after a retransmit");
	a2 = accept(lfd, NULL, NULL);
	close(second);
	close(a2);
	close(first);
	close(a1);
	close(lfd);
	usleep(100 * 1000);
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	for (size_t i = 0; i < rd.nkrecs; i++)
		if (rd.krecs[i].role == SB_ROLE_CLIENT && rd.krecs[i].partial)
			late = &rd.krecs[i];
	if (ASSERT_TRUE(late != NULL, "a partial client record")) {
		ASSERT_EQ(late->ts[SB_TCP_SYN_SENT], 0, "its opening was not seen");
		ASSERT_TRUE(late->ts[SB_TCP_ESTABLISHED] && late->ts[SB_TCP_CLOSE],
			    "stamped from the first event seen on");
		ASSERT_EQ(late->flushed, 0, "sent at its CLOSE, not flushed at the end");
		ASSERT_EQ(late->dport, PORT + 1, "its ports");
	}
	ASSERT_TRUE(rd.counters[SB_C_PARTIAL] >= 1, "partial_records counted");
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
}

int main(void)
{
	int rc = sb_test_need_root();

	if (rc)
		return rc;
	collisions();
	partial();
	return sb_test_result();
}
