/* Accept policy none, listen(3), syncookies 0: of 20 simultaneous connects
 * exactly B+1 = 4 complete (the accept queue), the 16 others time out after
 * --connect-timeout 1500 ms (their SYNs are dropped silently), both engines.
 * Then: a run stopped by its deadline ends on time and marks every record. */
#include <errno.h>

#include "harness/run/netns.h"
#include "tests/bpf/netns_util.h"
#include "loadgen/loadgen.h"
#include "tests/test.h"

#define MS 1000000ull

static void noaccept(enum lg_engine engine, uint16_t port)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 3,
				    .policy = {LG_ACCEPT_NONE, 0},
				    .threads = 1};
	/* one client thread: with two, a SYN can get its SYN-ACK while the queue
	 * still has room and its ACK be dropped once it is full (client OK, 5th
	 * connection never queued) - a real race, but not what is tested here */
	struct lg_client_opts co = {.conns = 20,
				    .concurrency = 20,
				    .threads = 1,
				    .mode = LG_MODE_CONNECT,
				    .engine = engine,
				    .connect_timeout_ms = 1500,
				    .port = port,
				    .ndest = 1};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	const struct lg_conn *cs;
	uint64_t n, ok = 0, tmo = 0, other = 0, early = 0, late = 0;

	fprintf(stderr, "noaccept engine=%s\n", engine ? "epoll" : "uring");
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	ASSERT_EQ(lg_server__effective_backlog(s), 3, "effective backlog");
	co.deadline_ns = lg_now_ns() + 10000 * MS;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = cs[i].t_connected - cs[i].t_submit;

		if (cs[i].outcome == LG_OUT_OK) {
			ok++;
		} else if (cs[i].outcome == LG_OUT_TIMEOUT) {
			tmo++;
			early += d < 1500 * MS;
			late += d > 1800 * MS;
			if (d < 1500 * MS || d > 1800 * MS)
				fprintf(stderr, "  timeout after %.1f ms\n", (double)d / 1e6);
		} else {
			other++;
			fprintf(stderr, "  conn %llu outcome %u err %d\n", (unsigned long long)i,
				cs[i].outcome, cs[i].err);
		}
	}
	ASSERT_EQ(ok, 4, "B+1 connected");
	ASSERT_EQ(tmo, 16, "others timed out");
	ASSERT_EQ(other, 0, "no other outcome");
	ASSERT_EQ(early, 0, "no timeout before 1500 ms");
	ASSERT_EQ(late, 0, "no timeout after 1800 ms");
	ASSERT_EQ(lg_server__accepted(s), 0, "nothing accepted");
out:
	lg_client__free(c);
	lg_server__free(s);
}

/* crr against a listener that never accepts: the queued connections wait for
 * a response forever, the others for a SYN-ACK; the deadline ends it all. */
static void deadline(enum lg_engine engine, uint16_t port)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 3,
				    .mode = LG_MODE_CRR,
				    .policy = {LG_ACCEPT_NONE, 0},
				    .threads = 1};
	struct lg_client_opts co = {.conns = 100,
				    .concurrency = 10,
				    .threads = 2,
				    .mode = LG_MODE_CRR,
				    .engine = engine,
				    .req_bytes = 1,
				    .resp_bytes = 1,
				    .port = port,
				    .ndest = 1};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st;
	const struct lg_conn *cs;
	uint64_t n, none = 0, intr = 0, other = 0, t0, el;

	fprintf(stderr, "deadline engine=%s\n", engine ? "epoll" : "uring");
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	t0 = lg_now_ns();
	co.deadline_ns = t0 + 300 * MS;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	el = lg_now_ns() - t0;
	ASSERT_GE(el, 300 * MS, "ran until the deadline");
	ASSERT_LT(el, 800 * MS, "stopped soon after the deadline");
	lg_client__stats(c, &st);
	ASSERT_EQ(st.started, 10, "started = concurrency");
	ASSERT_EQ(st.done, 10, "every started connection finished");
	ASSERT_EQ(st.ok, 0, "none ok");
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++) {
		if (cs[i].outcome == LG_OUT_NONE && cs[i].t_submit == 0 && cs[i].cookie == 0)
			none++;
		else if (cs[i].outcome == LG_OUT_ERROR && cs[i].err == EINTR && cs[i].t_closed)
			intr++;
		else
			other++;
	}
	ASSERT_EQ(none, 90, "never started: outcome none");
	ASSERT_EQ(intr, 10, "in flight at the deadline: error EINTR");
	ASSERT_EQ(other, 0, "nothing else");
out:
	lg_client__free(c);
	lg_server__free(s);
}

int main(void)
{
	int rc = nu_enter_fresh_netns();

	if (rc)
		return rc;
	ASSERT_OK(sb_sysctl_write_int("net.ipv4.tcp_syncookies", 0), "syncookies 0");
	noaccept(LG_ENGINE_URING, 8101);
	noaccept(LG_ENGINE_EPOLL, 8102);
	deadline(LG_ENGINE_URING, 8103);
	deadline(LG_ENGINE_EPOLL, 8104);
	return sb_test_result();
}
