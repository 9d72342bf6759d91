/* crr --close-first: the side that closes first keeps the TIME_WAIT socket.
 * client: every TIME_WAIT socket has a client port as local port; server:
 * every one has the server port. For both client engines and both server
 * paths (io_uring fast, synchronous delay:0). Then the crr phase bound: a
 * listener that never accepts leaves the request unanswered, and every
 * connection must end as TIMEOUT after --connect-timeout, long before the
 * run deadline. */
#include <stdio.h>
#include <string.h>

#include "harness/run/netns.h"
#include "loadgen/loadgen.h"
#include "tests/test.h"

#define NCONN 200

/* TIME_WAIT sockets in the namespace: how many have local port `port`
 * (*mine) and how many another (*other). */
static int count_time_wait(uint16_t port, int *mine, int *other)
{
	const char *files[] = {"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"};

	*mine = *other = 0;
	for (int i = 0; i < 2; i++) {
		char line[512], st[8];
		unsigned int lport;
		FILE *f = fopen(files[i], "re");

		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%*s %*[0-9A-Fa-f]:%x %*s %7s", &lport, st) != 2 ||
			    strcmp(st, "06") != 0)
				continue;
			if (lport == port)
				(*mine)++;
			else
				(*other)++;
		}
		fclose(f);
	}
	return 0;
}

struct cfg {
	enum lg_engine engine;
	enum lg_close_first first;
	struct lg_accept_policy policy;
	uint64_t conns;
	uint32_t tmo_ms;
};

/* Runs one load; st gets the client stats. */
static int run(const struct cfg *k, uint16_t port, struct lg_client_stats *st,
	       struct lg_client **cl, struct lg_server **sv)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 128,
				    .mode = LG_MODE_CRR,
				    .req_bytes = 10,
				    .resp_bytes = 100,
				    .close_first = k->first,
				    .policy = k->policy,
				    .threads = 1};
	struct lg_client_opts co = {.conns = k->conns,
				    .concurrency = 8,
				    .threads = 2,
				    .mode = LG_MODE_CRR,
				    .engine = k->engine,
				    .req_bytes = 10,
				    .resp_bytes = 100,
				    .close_first = k->first,
				    .connect_timeout_ms = k->tmo_ms,
				    .port = port,
				    .ndest = 2};

	if (!ASSERT_OK(lg_server__new(&so, sv), "server new") ||
	    !ASSERT_OK(lg_server__start(*sv), "server start"))
		return -1;
	co.deadline_ns = lg_now_ns() + 20000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, cl), "client new"))
		return -1;
	ASSERT_OK(lg_client__start(*cl), "client start");
	ASSERT_OK(lg_client__wait(*cl), "client wait");
	lg_client__stats(*cl, st);
	return 0;
}

static void check_order(const struct cfg *k, uint16_t port)
{
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st = {0};
	int mine = -1, other = -1;

	if (run(k, port, &st, &c, &s) == 0) {
		uint64_t n = 0;
		const struct lg_conn *cs = lg_client__conns(c, &n);

		for (uint64_t i = 0; i < n; i++)
			if (cs[i].outcome != LG_OUT_OK)
				fprintf(stderr, "  conn %llu: outcome %u err %d\n",
					(unsigned long long)i, cs[i].outcome, cs[i].err);
		ASSERT_EQ(st.ok, NCONN, "all ok");
		for (int i = 0; i < 100 && lg_server__accepted(s) < NCONN; i++)
			usleep(10000);
		usleep(100000); /* the last closes */
		lg_server__stop(s);
		ASSERT_OK(count_time_wait(port, &mine, &other), "read net/tcp");
		if (k->first == LG_CLOSE_FIRST_CLIENT) {
			ASSERT_EQ(other, NCONN, "client first: TIME_WAIT on client ports");
			ASSERT_EQ(mine, 0, "client first: none on the server port");
		} else {
			ASSERT_EQ(mine, NCONN, "server first: TIME_WAIT on the server port");
			ASSERT_EQ(other, 0, "server first: none on client ports");
		}
	}
	lg_client__free(c);
	lg_server__free(s);
}

/* Nobody accepts, so nobody answers: the response wait must time out. */
static void check_timeout(enum lg_engine engine, uint16_t port)
{
	struct cfg k = {.engine = engine, .policy = {LG_ACCEPT_NONE, 0}, .conns = 6, .tmo_ms = 300};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st = {0};
	uint64_t n = 0;

	if (run(&k, port, &st, &c, &s) == 0) {
		const struct lg_conn *cs = lg_client__conns(c, &n);
		int timeouts = 0, connected = 0;

		for (uint64_t i = 0; i < n; i++) {
			timeouts += cs[i].outcome == LG_OUT_TIMEOUT;
			connected += cs[i].t_sent != 0;
		}
		ASSERT_EQ(timeouts, 6, "unanswered crr: every connection TIMEOUT");
		ASSERT_EQ(connected, 6, "the requests were sent (timeout after connect)");
		ASSERT_LT(st.t_end - st.t_start, 3000000000ull, "bounded by the timeout");
		ASSERT_GE(st.t_end - st.t_start, 300000000ull, "not before the timeout");
	}
	lg_client__free(c);
	lg_server__free(s);
}

int main(void)
{
	static const char *const first_names[] = {"race", "client", "server"};
	uint64_t ino;
	int rc = sb_test_need_root();
	uint16_t port = 8300;

	if (rc)
		return rc;
	for (int e = LG_ENGINE_URING; e <= LG_ENGINE_EPOLL; e++) {
		for (int p = 0; p < 2; p++) {
			for (int f = LG_CLOSE_FIRST_CLIENT; f <= LG_CLOSE_FIRST_SERVER; f++) {
				struct cfg k = {.engine = e,
						.first = f,
						.policy = {p ? LG_ACCEPT_DELAY : LG_ACCEPT_FAST, 0},
						.conns = NCONN,
						.tmo_ms = 2000};

				/* a fresh namespace: no TIME_WAIT from before */
				if (!ASSERT_OK(sb_netns_enter(&ino), "netns"))
					return sb_test_result();
				fprintf(stderr, "engine=%s server=%s close-first=%s\n",
					e ? "epoll" : "uring", p ? "sync" : "uring",
					first_names[f]);
				check_order(&k, port++);
			}
		}
		fprintf(stderr, "engine=%s: unanswered request\n", e ? "epoll" : "uring");
		check_timeout(e, port++);
	}
	return sb_test_result();
}
