/* Real loopback TCP in a private netns: 1000 crr connections (and 1000
 * connect+close) with accept fast, for both engines and IPv4/IPv6. Every
 * connection is OK, has a cookie, ordered stamps, and appears on the server. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "harness/run/netns.h"
#include "tests/bpf/netns_util.h"
#include "loadgen/loadgen.h"
#include "tests/test.h"

#define CONNS 1000

static void run(enum lg_engine engine, enum lg_mode mode, enum lg_close close, int ipv6,
		uint16_t port)
{
	volatile sig_atomic_t stop = 0;
	struct lg_server_opts so = {.port = port,
				    .backlog = 128,
				    .ipv6 = ipv6,
				    .mode = mode,
				    .req_bytes = 100,
				    .resp_bytes = 3000,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 2,
				    .stop = &stop};
	struct lg_client_opts co = {.conns = CONNS,
				    .concurrency = 32,
				    .threads = 2,
				    .mode = mode,
				    .close = close,
				    .engine = engine,
				    .req_bytes = 100,
				    .resp_bytes = 3000,
				    .connect_timeout_ms = 3000,
				    .ipv6 = ipv6,
				    .port = port,
				    .ndest = 4,
				    .stop = &stop};
	uint8_t *seen = calloc(65536, 1);
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	const struct lg_accept *acc;
	const struct lg_conn *cs;
	struct lg_client_stats st;
	uint64_t n, na, bad_cookie = 0, bad_order = 0, bad_addr = 0, missing = 0, ok = 0;
	uint64_t t_start, shown = 0;
	int rst_race;

	fprintf(stderr, "engine=%s mode=%s close=%s ipv6=%d\n", engine ? "epoll" : "uring",
		mode ? "crr" : "connect", close ? "rst" : "fin", ipv6);
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.deadline_ns = lg_now_ns() + 30ull * 1000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	t_start = lg_now_ns();
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	ASSERT_LT(lg_now_ns() - t_start, 20ull * 1000000000ull, "finished well before deadline");
	ASSERT_EQ(lg_client__done(c), CONNS, "done (live counter)");
	lg_client__stats(c, &st);
	ASSERT_EQ(st.done, CONNS, "stats done");
	ASSERT_EQ(st.ok, CONNS, "stats ok");
	ASSERT_EQ(st.started, CONNS, "stats started");
	/* server closes after the client is gone at the latest: give it a moment */
	for (int i = 0; i < 200 && lg_server__accepted(s) < CONNS; i++)
		usleep(10000);
	usleep(50000);
	lg_server__stop(s);
	/* connect + rst: a connection reset right after its handshake can vanish
	 * before accept (seen 1 in 1000 under load); crr and fin must all arrive */
	rst_race = mode == LG_MODE_CONNECT && close == LG_CLOSE_RST;
	if (rst_race)
		ASSERT_GE(lg_server__accepted(s), CONNS - CONNS / 100,
			  "server accepted (rst race)");
	else
		ASSERT_EQ(lg_server__accepted(s), CONNS, "server accepted");
	ASSERT_EQ(lg_server__overflow(s), 0, "server overflow");
	acc = lg_server__accepts(s, &na);
	ASSERT_EQ(na, lg_server__accepted(s), "server records");
	for (uint64_t i = 0; i < na; i++) {
		if (acc[i].cookie == 0 || acc[i].t_accept == 0 || acc[i].t_closed < acc[i].t_accept)
			bad_cookie++;
		seen[acc[i].peer_port]++;
	}
	ASSERT_EQ(bad_cookie, 0, "server records have cookie and ordered stamps");
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++) {
		const struct lg_conn *r = &cs[i];
		uint32_t a = ntohl(r->raddr);

		ok += r->outcome == LG_OUT_OK && r->err == 0;
		bad_cookie += r->cookie == 0;
		bad_order += !(r->t_sched <= r->t_submit && r->t_submit <= r->t_connected &&
			       r->t_connected <= r->t_closed && r->t_submit > 0);
		if (mode == LG_MODE_CRR)
			bad_order += !(r->t_connected <= r->t_sent && r->t_sent <= r->t_resp &&
				       r->t_resp <= r->t_closed && r->t_sent > 0);
		if (ipv6)
			bad_addr += r->raddr != 0 || r->rport != port;
		else
			bad_addr += a < 0x7f000001 || a > 0x7f000004 || r->rport != port;
		missing += seen[r->lport] != 1 && !(rst_race && seen[r->lport] == 0);
		if ((r->cookie == 0 || r->outcome != LG_OUT_OK || r->rport != port ||
		     (!ipv6 && (a < 0x7f000001 || a > 0x7f000004))) &&
		    shown++ < 8) /* the first few bad records, for the log */
			fprintf(stderr,
				"  record %llu: outcome %u err %d cookie %llu lport %u raddr %08x "
				"rport %u thread %u submit %llu connected %llu closed %llu\n",
				(unsigned long long)i, r->outcome, r->err,
				(unsigned long long)r->cookie, r->lport, a, r->rport, r->thread,
				(unsigned long long)r->t_submit, (unsigned long long)r->t_connected,
				(unsigned long long)r->t_closed);
	}
	ASSERT_EQ(ok, CONNS, "client records OK");
	ASSERT_EQ(bad_cookie, 0, "client cookies != 0");
	ASSERT_EQ(bad_order, 0, "client stamps ordered");
	ASSERT_EQ(bad_addr, 0, "client destination address/port");
	ASSERT_EQ(missing, 0, "every client port accepted exactly once");
out:
	lg_client__free(c);
	lg_server__free(s);
	free(seen);
}

int main(void)
{
	int rc = nu_enter_fresh_netns();

	if (rc)
		return rc;
	run(LG_ENGINE_URING, LG_MODE_CRR, LG_CLOSE_FIN, 0, 8001);
	run(LG_ENGINE_EPOLL, LG_MODE_CRR, LG_CLOSE_FIN, 0, 8002);
	run(LG_ENGINE_URING, LG_MODE_CONNECT, LG_CLOSE_RST, 0, 8003);
	run(LG_ENGINE_EPOLL, LG_MODE_CONNECT, LG_CLOSE_FIN, 0, 8004);
	run(LG_ENGINE_URING, LG_MODE_CRR, LG_CLOSE_RST, 1, 8005);
	run(LG_ENGINE_EPOLL, LG_MODE_CRR, LG_CLOSE_FIN, 1, 8006);
	return sb_test_result();
}
