/* Ports an earlier run left in TIME_WAIT. A crr run whose clients close
 * first leaves one TIME_WAIT socket per client port (1000, counted in the
 * namespace's /proc/net/tcp). A connect + rst run that follows in the same
 * namespace binds the same ports (each client starts at the bottom of its
 * threads' port slices) without SO_REUSEADDR, so bind() meets EADDRINUSE
 * on each of them. Before the fix a connection gave up after 64 busy ports
 * in a row, with a record that had no cookie and no destination (seen on
 * Debian's 6.1 under QEMU, where a crr run's clients often close first).
 * Now all 1000 connections complete on every path (io_uring with bind in the
 * ring, with bind() forced, and epoll), every record has its cookie and
 * destination, and the namespace's ActiveOpens counts exactly 1000. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/run/mib.h"
#include "harness/run/netns.h"
#include "loadgen/loadgen.h"
#include "tests/bpf/netns_util.h"
#include "tests/test.h"

#define CONNS 1000

static int64_t active_opens(void)
{
	struct sb_mib_snap *m = NULL;
	int64_t v = -1;

	if (sb_mib_snap__read(&m) == 0 && sb_mib_snap__get(m, "Tcp", "ActiveOpens", &v) != 0)
		v = -1;
	sb_mib_snap__free(m);
	return v;
}

/* TIME_WAIT sockets of this namespace whose local port is not port_srv */
static int time_wait_clients(uint16_t port_srv)
{
	FILE *f = fopen("/proc/thread-self/net/tcp", "re");
	unsigned int lport, st;
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &lport, &st) == 2 && st == 6 &&
		    lport != port_srv)
			n++;
	fclose(f);
	return n;
}

/* 1000 connections; returns how many were OK */
static uint64_t run(enum lg_engine engine, enum lg_mode mode, enum lg_close close,
		enum lg_close_first first, uint16_t port, const char *uring_no)
{
	volatile sig_atomic_t stop = 0;
	struct lg_server_opts so = {.port = port,
				    .backlog = 128,
				    .mode = mode,
				    .req_bytes = 10,
				    .resp_bytes = 10,
				    .close_first = first,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 2,
				    .stop = &stop};
	struct lg_client_opts co = {.conns = CONNS,
				    .concurrency = 32,
				    .threads = 2,
				    .mode = mode,
				    .close = close,
				    .engine = engine,
				    .req_bytes = 10,
				    .resp_bytes = 10,
				    .close_first = first,
				    .connect_timeout_ms = 10000, /* a busy shared machine stalls for seconds */
				    .port = port,
				    .ndest = 4,
				    .stop = &stop};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	const struct lg_conn *cs;
	struct lg_client_stats st;
	uint64_t n, ok = 0, bad = 0, shown = 0;
	int64_t active0 = active_opens();

	fprintf(stderr, "engine=%s mode=%s close=%s SYNBENCH_URING_NO=%s\n",
		engine ? "epoll" : "uring", mode ? "crr" : "connect", close ? "rst" : "fin",
		uring_no);
	setenv("SYNBENCH_URING_NO", uring_no, 1);
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.deadline_ns = lg_now_ns() + 30ull * 1000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	lg_client__stats(c, &st);
	fprintf(stderr, "  port retries %llu\n", (unsigned long long)st.port_retries);
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++) {
		const struct lg_conn *r = &cs[i];
		uint32_t a = ntohl(r->raddr);

		ok += r->outcome == LG_OUT_OK;
		bad += r->cookie == 0 || r->lport == 0 || a < 0x7f000001 || a > 0x7f000004 ||
		       r->rport != port;
		if (r->outcome != LG_OUT_OK && shown++ < 8) /* the first few, for the log */
			fprintf(stderr, "  record %llu: err %d cookie %llu lport %u raddr %08x\n",
				(unsigned long long)i, r->err, (unsigned long long)r->cookie,
				r->lport, a);
	}
	ASSERT_EQ(ok, CONNS, "client records OK");
	ASSERT_EQ(bad, 0, "client records have cookie, port and destination");
	ASSERT_EQ(active_opens() - active0, CONNS, "kernel ActiveOpens = connections");
out:
	unsetenv("SYNBENCH_URING_NO");
	lg_client__free(c);
	lg_server__stop(s);
	lg_server__free(s);
	return ok;
}

int main(void)
{
	int rc = nu_enter_fresh_netns();
	uint64_t tw;

	if (rc)
		return rc;
	/* clients close first: each leaves its port in TIME_WAIT */
	tw = run(LG_ENGINE_URING, LG_MODE_CRR, LG_CLOSE_FIN, LG_CLOSE_FIRST_CLIENT, 8201, "");
	ASSERT_EQ(time_wait_clients(8201), tw, "client ports in TIME_WAIT = connections made");
	/* rst: no SO_REUSEADDR unless a bind meets one of them */
	run(LG_ENGINE_URING, LG_MODE_CONNECT, LG_CLOSE_RST, LG_CLOSE_FIRST_RACE, 8202, "");
	run(LG_ENGINE_URING, LG_MODE_CONNECT, LG_CLOSE_RST, LG_CLOSE_FIRST_RACE, 8203,
	    "sockopt,bind");
	run(LG_ENGINE_EPOLL, LG_MODE_CONNECT, LG_CLOSE_RST, LG_CLOSE_FIRST_RACE, 8204, "");
	/* crr, server closes first: no SO_REUSEADDR either */
	run(LG_ENGINE_URING, LG_MODE_CRR, LG_CLOSE_RST, LG_CLOSE_FIRST_SERVER, 8205, "");
	ASSERT_GE(time_wait_clients(8201), tw, "the TIME_WAIT sockets were still there");
	return sb_test_result();
}
