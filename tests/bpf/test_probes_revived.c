/* A syncookie ghost revived by the client's FIN (docs/kernel-facts.md, facts 4 and 19),
 * produced on purpose, then joined: one client connection, counted once.
 *
 * listen(0) holds one connection (docs/kernel-facts.md, fact 1) and syncookies 2 answers
 * every SYN with a cookie. Client B sets TCP_QUICKACK 0 before connect():
 * the kernel then holds back the handshake's final ACK for the delayed-ACK
 * timer (tcp_rcv_synsent_state_process, pingpong mode), so B is ESTABLISHED
 * while the server has nothing yet. Client A connects normally and fills the
 * accept queue. B's ACK arrives ~40-200 ms later at a full queue: the cookie
 * is good, the child cannot be queued, B is a ghost (ListenOverflows +1, no
 * RST). The server accepts A (room again); B closes: its FIN carries the same
 * cookie ACK and makes B's server child, which the server accepts. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/test.h"
#include "tests/test_analyze.h"
#include "tests/bpf/tcp_util.h"
#include "harness/analysis/analyze.h"
#include "harness/run/mib.h"
#include "tests/bpf/probe_util.h"

#define PORT 5306

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t mib(const struct sb_mib *m, size_t n, const char *name)
{
	return sb_mib_delta_or(m, n, "TcpExt", name, -1);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

/* accept() with a deadline; fills the accept record. */
static int accept_one(int lfd, struct lg_accept *a)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct sockaddr_in peer;
	socklen_t l = sizeof(peer);
	int fd;

	if (poll(&p, 1, 2000) != 1)
		return -1;
	fd = accept(lfd, (struct sockaddr *)&peer, &l);
	if (fd < 0)
		return -1;
	a->t_accept = now_ns();
	a->cookie = tu_cookie(fd);
	a->peer_port = ntohs(peer.sin_port);
	a->peer_addr = peer.sin_addr.s_addr;
	return fd;
}

static void user_conn(struct lg_conn *c, int fd, uint64_t t0, uint64_t t1)
{
	memset(c, 0, sizeof(*c));
	c->cookie = tu_cookie(fd);
	c->t_sched = c->t_submit = t0;
	c->t_connected = t1;
	c->lport = local_port(fd);
	c->rport = PORT;
	c->raddr = htonl(INADDR_LOOPBACK);
	c->outcome = LG_OUT_OK;
}

int main(void)
{
	struct sb_probes_opts po = { .conns = 16, .ports = { PORT }, .nports = 1 };
	struct sb_sysctl sc = { "net.ipv4.tcp_syncookies", "2" };
	struct sb_rundata rd = { 0 };
	struct lg_conn conns[2];
	struct lg_accept acc[2] = { { 0 } };
	struct sb_mib_snap *m0 = NULL, *m1 = NULL, *m2 = NULL;
	struct sb_mib *d1 = NULL, *d2 = NULL;
	size_t nd1 = 0, nd2 = 0;
	struct sb_probes *p = NULL;
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	const struct sb_join_row *ra = NULL, *rb = NULL;
	int lfd, a = -1, b = -1, sa = -1, sb = -1, zero = 0, rc;
	uint64_t t0, t1;

	rc = sb_test_need_root();
	if (rc)
		return rc;
	p = probe_test_start(&po, "2");
	if (!p)
		return 1;
	lfd = tu_listen(PORT, 0);
	if (!ASSERT_GE(lfd, 0, "listen(0)"))
		goto out;
	ASSERT_OK(sb_mib_snap__read(&m0), "mib before");

	/* B: ESTABLISHED, its final ACK held back */
	b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(b, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof(zero));
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		t0 = now_ns();
		ASSERT_OK(connect(b, (struct sockaddr *)&to, sizeof(to)), "B connects");
		t1 = now_ns();
	}
	user_conn(&conns[1], b, t0, t1);
	/* A fills the accept queue before B's ACK comes */
	t0 = now_ns();
	a = tu_connect(PORT);
	t1 = now_ns();
	if (!ASSERT_GE(a, 0, "A connects"))
		goto out;
	user_conn(&conns[0], a, t0, t1);
	poll(NULL, 0, 500); /* B's delayed ACK meets the full queue */
	ASSERT_OK(sb_mib_snap__read(&m1), "mib after the ghost");
	sb_mib_deltas(m0, m1, &d1, &nd1);
	ASSERT_EQ(mib(d1, nd1, "SyncookiesRecv"), 2, "A's and B's cookie ACKs");
	ASSERT_EQ(mib(d1, nd1, "ListenOverflows"), 1, "B's ACK met the full queue: a ghost");
	ASSERT_EQ(tu_state(b), 1, "B is ESTABLISHED on its side");

	sa = accept_one(lfd, &acc[0]);
	ASSERT_EQ(acc[0].peer_port, conns[0].lport, "the queue held A");
	close(b); /* FIN + the cookie ACK: the server child comes now */
	sb = accept_one(lfd, &acc[1]);
	if (!ASSERT_GE(sb, 0, "B's revived child accepted"))
		goto out;
	ASSERT_EQ(acc[1].peer_port, conns[1].lport, "it is B's");
	ASSERT_OK(sb_mib_snap__read(&m2), "mib after the revival");
	sb_mib_deltas(m1, m2, &d2, &nd2);
	ASSERT_EQ(mib(d2, nd2, "SyncookiesRecv"), 1, "the FIN's cookie made the child");
	close(sa);
	close(sb);
	close(a);
	close(lfd);
	poll(NULL, 0, 100);
	sb_probes__stop(p);
	if (!ASSERT_OK(sb_probes__collect(p, &rd), "collect"))
		goto out;

	rd.conns = conns;
	rd.nconns = 2;
	rd.accepts = acc;
	rd.naccepts = 2;
	rd.sysctls = &sc;
	rd.nsysctls = 1;
	if (!ASSERT_OK(test_analyze(&rd, &j, &res), "join"))
		goto out;
	ra = &j->rows[0];
	rb = &j->rows[1];
	ASSERT_EQ(j->counts.kclients, 2, "two client records");
	ASSERT_EQ(j->counts.kchildren, 2, "two child records");
	ASSERT_EQ(j->counts.joined, 2, "both clients joined by cookie");
	ASSERT_EQ(j->counts.kchildren_unmatched, 0, "every child on its client");
	ASSERT_EQ(j->counts.accepts_unmatched, 0, "every accept on its client");
	ASSERT_EQ(j->counts.accepts_by_peer, 0, "no port guess: children's own cookies");
	ASSERT_EQ(j->counts.child_cookies_shared, 0, "no shared child cookie");
	ASSERT_EQ(ra->outcome, SB_OUT_ACCEPTED, "A accepted");
	ASSERT_FALSE(ra->revived, "A not revived");
	ASSERT_EQ(ra->kchild ? ra->kchild->cookie : 0, acc[0].cookie, "A's child by tuple");
	ASSERT_EQ(rb->outcome, SB_OUT_ACCEPTED, "B accepted, once");
	ASSERT_TRUE(rb->revived, "B revived");
	ASSERT_EQ(rb->nchildren, 1, "B: one child");
	ASSERT_EQ(rb->naccepts, 1, "B: one accept");
	ASSERT_EQ(rb->kchild ? rb->kchild->cookie : 0, acc[1].cookie, "B's child: its cookie");
	ASSERT_TRUE(rb->accept == &acc[1] && rb->accept_of_kchild, "B's accept by cookie");
	if (rb->kclient && rb->kchild) {
		ASSERT_GT(rb->kclient->ts[SB_TCP_FIN_WAIT1], 0, "B's FIN stamped");
		ASSERT_GE(rb->kchild->ts[SB_TCP_SYN_RECV], rb->kclient->ts[SB_TCP_FIN_WAIT1],
			  "B's child after B's FIN");
		ASSERT_GT(rb->kchild->ts[SB_TCP_SYN_RECV] - rb->kclient->ts[SB_TCP_ESTABLISHED],
			  10000000, "B was a ghost for > 10 ms");
	}
	ASSERT_EQ(res->rec.client_established, 2, "client ESTABLISHED 2");
	ASSERT_EQ(res->rec.accepted, 2, "= accepted 2");
	ASSERT_EQ(res->rec.queued, 0, "+ queued 0");
	ASSERT_EQ(res->rec.ghosts, 0, "+ ghosts 0 (B was revived)");
	ASSERT_EQ(res->rec.revived, 1, "revived 1");
	ASSERT_TRUE(res->rec.identity_holds, "identity holds");
	for (size_t i = 0; i < res->rec.nwarnings; i++)
		fprintf(stderr, "join warning: %s\n", res->rec.warnings[i]);
	/* the client's ISN at both ends: B's child from a syncookie carries
	 * the ISN its cookie encodes, the same one */
	ASSERT_EQ(j->counts.children_by_isn, 2, "both children joined by 4-tuple + ISN");
	if (ra->kclient && ra->kchild)
		ASSERT_EQ(ra->kchild->isn, ra->kclient->isn, "A: child ISN = client ISN");
	/* as if the two ends were two hosts (two clocks): the same pairs
	 * without one comparison of their times */
	test_analyze_free(&j, &res);
	j = NULL;
	rd.cross_host = 1;
	if (!ASSERT_OK(test_analyze(&rd, &j, &res), "join across hosts"))
		goto out;
	ASSERT_EQ(j->counts.children_by_isn, 2, "across hosts: both children by ISN");
	ASSERT_EQ(j->counts.kchildren_unmatched, 0, "across hosts: every child on its client");
	ASSERT_EQ(j->counts.accepts_unmatched, 0, "across hosts: every accept on its client");
	ASSERT_EQ(j->rows[1].kchild ? j->rows[1].kchild->cookie : 0, acc[1].cookie,
		  "across hosts: B's child");
	ASSERT_EQ(res->rec.accepted, 2, "across hosts: accepted 2");
out:
	test_analyze_free(&j, &res);
	rd.conns = NULL, rd.accepts = NULL, rd.sysctls = NULL;
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
	free(d1);
	free(d2);
	sb_mib_snap__free(m0);
	sb_mib_snap__free(m1);
	sb_mib_snap__free(m2);
	return sb_test_result();
}
