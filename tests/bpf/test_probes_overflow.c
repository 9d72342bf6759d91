/* listen(B) with no accept() and syncookies 0 (docs/kernel-facts.md, facts 1, 2, 8):
 * exactly B+1 clients reach ESTABLISHED, the sampler reports limit B and
 * depth B+1, the probes' SYN retransmits equal the namespace's TCPSynRetrans
 * delta, and the listener's drops equal the ListenDrops delta. */
#include <poll.h>
#include <stdlib.h>

#include "tests/test.h"
#include "tests/bpf/tcp_util.h"
#include "harness/run/mib.h"
#include "tests/bpf/probe_util.h"

#define B 3
#define CLIENTS 20
#define PORT 5302

static int64_t mib(const struct sb_mib *m, size_t n, const char *name)
{
	return sb_mib_delta_or(m, n, "TcpExt", name, -1);
}

int main(void)
{
	struct sb_probes_opts po = { .conns = CLIENTS, .ports = { PORT }, .nports = 1 };
	struct sb_listen_sample s[4];
	struct sb_rundata rd = { 0 };
	struct sb_mib_snap *m0 = NULL, *m1 = NULL;
	struct sb_mib *d = NULL;
	struct sb_probes *p = NULL;
	size_t nd = 0;
	int fds[CLIENTS], lfd, established = 0, user_est = 0, ns, rc, rtx;

	rc = sb_test_need_root();
	if (rc)
		return rc;
	p = probe_test_start(&po, "0");
	if (!p)
		return 1;
	lfd = tu_listen(PORT, B);
	ASSERT_EQ(sb_probes__find_listeners(p), 1, "the listener found");
	ASSERT_EQ(sb_probes__find_listeners(p), 1, "found once");
	ASSERT_OK(sb_mib_snap__read(&m0), "mib before");
	for (int i = 0; i < CLIENTS; i++)
		fds[i] = tu_connect_nb(PORT, 1); /* TCP_SYNCNT 1: gives up after ~3 s */
	/* wait until every connect has finished one way or the other */
	for (int t = 0; t < 60; t++) {
		int pending = 0;

		for (int i = 0; i < CLIENTS; i++)
			pending += tu_state(fds[i]) == 2 /* SYN_SENT */;
		if (!pending)
			break;
		poll(NULL, 0, 100);
	}
	for (int i = 0; i < CLIENTS; i++)
		user_est += tu_state(fds[i]) == 1 /* ESTABLISHED */;
	ns = sb_probes__sample(p, s, 4);
	sb_mib_snap__read(&m1);
	sb_mib_deltas(m0, m1, &d, &nd);
	if (ASSERT_EQ(ns, 1, "one listener sampled")) {
		ASSERT_EQ(s[0].port, PORT, "sampled port");
		ASSERT_EQ(s[0].max_ack_backlog, B, "sampler limit = B");
		ASSERT_EQ(s[0].ack_backlog, B + 1, "sampler depth = B+1");
		ASSERT_EQ(s[0].drops, mib(d, nd, "ListenDrops"), "listener drops = ListenDrops delta");
		ASSERT_GT(s[0].drops, 0, "drops happened");
	}
	for (int i = 0; i < CLIENTS; i++)
		close(fds[i]);
	close(lfd);
	poll(NULL, 0, 100);
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	for (size_t i = 0; i < rd.nkrecs; i++)
		if (rd.krecs[i].role == SB_ROLE_CLIENT && rd.krecs[i].ts[SB_TCP_ESTABLISHED])
			established++;
	ASSERT_EQ(user_est, B + 1, "user side: B+1 connected");
	ASSERT_EQ(established, B + 1, "kernel: B+1 clients reached ESTABLISHED");
	ASSERT_EQ(rd.counters[SB_C_CLIENTS], CLIENTS, "every client tracked");
	/* TcpExt TCPSynRetrans counts SYN-ACK retransmits too (tcp_rtx_synack) */
	ASSERT_EQ(rd.counters[SB_C_SYN_RETRANS] + rd.counters[SB_C_SYNACK_RETRANS],
		  mib(d, nd, "TCPSynRetrans"), "probe SYN + SYN-ACK retransmits = TCPSynRetrans");
	ASSERT_GE(rd.counters[SB_C_SYN_RETRANS], CLIENTS - B - 1, "each refused client retransmitted");
	/* TCP_SYNCNT=1: ETIMEDOUT at (2^2 - 1) = 3 s. Before it, a kernel with
	 * tcp_syn_linear_timeouts (6.18; Debian's 6.12 has it too) retransmits
	 * at 1 s and 2 s, one without it (6.1) only at 1 s (the next is due at
	 * 3 s): docs/kernel-facts.md, facts 7 and 18. Each SYN on the full
	 * queue is one ListenOverflows (docs/kernel-facts.md, fact 2). */
	rtx = tu_syn_retrans_before(3000);
	ASSERT_EQ(rd.counters[SB_C_SYN_RETRANS], (uint64_t)rtx * (CLIENTS - B - 1),
		  "this kernel's SYN retransmits per refused client before 3 s");
	ASSERT_EQ(mib(d, nd, "ListenOverflows"), (rtx + 1) * (CLIENTS - B - 1),
		  "ListenOverflows = SYNs dropped");
	ASSERT_EQ(mib(d, nd, "ListenOverflows"), mib(d, nd, "ListenDrops"),
		  "syncookies 0: ListenDrops = ListenOverflows");
	{
		uint64_t per_conn = 0;

		for (size_t i = 0; i < rd.nkrecs; i++)
			per_conn += rd.krecs[i].syn_retrans;
		ASSERT_EQ(per_conn, rd.counters[SB_C_SYN_RETRANS], "per-connection retransmits add up");
	}
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
	free(d);
	sb_mib_snap__free(m0);
	sb_mib_snap__free(m1);
	return sb_test_result();
}
