/* Paired speed mode: the client threads accept and serve their CPU's
 * listener in their own ring. Every connection must be served and
 * recorded on both sides (cookie, peer port = client port), in crr (each
 * --close-first) and in connect mode with fin and rst; and a server stopped
 * mid-run stops its client threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/netns.h"
#include "tests/bpf/netns_util.h"
#include "loadgen/loadgen.h"
#include "tests/test.h"

#define NCONN 3000

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* On a mismatch: the ports only one side has (both sorted), and how many
 * server records have no peer at all, so a failure says which side is off. */
static void print_port_diff(const uint16_t *cp, const uint16_t *sp)
{
	size_t i = 0, j = 0, shown = 0, zero = 0;

	for (size_t k = 0; k < NCONN; k++)
		zero += sp[k] == 0;
	fprintf(stderr, "server records without a peer port: %zu\n", zero);
	while ((i < NCONN || j < NCONN) && shown < 20) {
		if (j >= NCONN || (i < NCONN && cp[i] < sp[j])) {
			fprintf(stderr, "  client port %u: no server record\n", cp[i++]);
			shown++;
		} else if (i >= NCONN || sp[j] < cp[i]) {
			fprintf(stderr, "  server peer port %u: no client record\n", sp[j++]);
			shown++;
		} else {
			i++;
			j++;
		}
	}
}

static void run(enum lg_mode mode, enum lg_close close, enum lg_close_first first, uint16_t port)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 1024,
				    .mode = mode,
				    .req_bytes = 10,
				    .resp_bytes = 2000,
				    .close_first = first,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 2,
				    .paired = 1};
	struct lg_client_opts co = {.conns = NCONN,
				    .concurrency = 64,
				    .threads = 2,
				    .mode = mode,
				    .close = close,
				    .engine = LG_ENGINE_URING,
				    .req_bytes = 10,
				    .resp_bytes = 2000,
				    .close_first = first,
				    .connect_timeout_ms = 2000,
				    .port = port,
				    .ndest = 4};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st = {0};
	const struct lg_accept *acc;
	const struct lg_conn *cs;
	uint16_t *cp = NULL, *sp = NULL;
	uint64_t n = 0, na = 0, cookies = 0, closed = 0;

	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.paired = s;
	co.deadline_ns = lg_now_ns() + 30000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	lg_client__stats(c, &st);
	ASSERT_EQ(st.ok, NCONN, "all ok");
	/* the threads ran until every server connection was closed */
	ASSERT_EQ(lg_server__accepted(s), NCONN, "all accepted");
	lg_server__stop(s); /* the records, once the server stopped */
	acc = lg_server__accepts(s, &na);
	cs = lg_client__conns(c, &n);
	cp = calloc(NCONN, sizeof(*cp));
	sp = calloc(NCONN, sizeof(*sp));
	if (!ASSERT_EQ(na, NCONN, "accept records") || !cp || !sp)
		goto out;
	for (uint64_t i = 0; i < NCONN; i++) {
		cookies += acc[i].cookie != 0 && cs[i].cookie != 0;
		closed += acc[i].t_closed >= acc[i].t_accept && acc[i].t_accept;
		cp[i] = cs[i].lport;
		sp[i] = acc[i].peer_port;
	}
	ASSERT_EQ(cookies, NCONN, "cookies on both sides");
	ASSERT_EQ(closed, NCONN, "server closed every connection");
	qsort(cp, NCONN, sizeof(*cp), cmp_u16);
	qsort(sp, NCONN, sizeof(*sp), cmp_u16);
	if (!ASSERT_EQ(memcmp(cp, sp, NCONN * sizeof(*cp)), 0, "peer ports = client ports"))
		print_port_diff(cp, sp);
out:
	free(cp);
	free(sp);
	lg_client__free(c);
	lg_server__free(s);
}

/* lg_server__stop() while the paired client runs: the client threads stop
 * too, so the server can be freed before the client. */
static void stop_midway(uint16_t port)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 1024,
				    .mode = LG_MODE_CRR,
				    .req_bytes = 1,
				    .resp_bytes = 1,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 2,
				    .paired = 1};
	struct lg_client_opts co = {.conns = 2000000,
				    .concurrency = 64,
				    .threads = 2,
				    .mode = LG_MODE_CRR,
				    .req_bytes = 1,
				    .resp_bytes = 1,
				    .connect_timeout_ms = 2000,
				    .port = port,
				    .ndest = 4};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	uint64_t t0, done;

	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.paired = s;
	co.deadline_ns = lg_now_ns() + 60000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new") ||
	    !ASSERT_OK(lg_client__start(c), "client start"))
		goto out;
	usleep(200000);
	t0 = lg_now_ns();
	lg_server__stop(s);
	ASSERT_LT(lg_now_ns() - t0, 3000000000ull, "server stop bounded");
	lg_server__free(s);
	s = NULL;
	ASSERT_OK(lg_client__wait(c), "client wait");
	done = lg_client__done(c);
	ASSERT_GT(done, 0, "some connections done");
	ASSERT_LT(done, 2000000, "stopped early");
out:
	lg_server__free(s);
	lg_client__free(c);
}

int main(void)
{
	int rc = nu_enter_fresh_netns();
	uint16_t port = 8400;

	if (rc)
		return rc;
	for (int f = LG_CLOSE_FIRST_RACE; f <= LG_CLOSE_FIRST_SERVER; f++) {
		fprintf(stderr, "crr close-first=%d\n", f);
		run(LG_MODE_CRR, LG_CLOSE_FIN, f, port++);
	}
	fprintf(stderr, "crr rst\n");
	run(LG_MODE_CRR, LG_CLOSE_RST, LG_CLOSE_FIRST_RACE, port++);
	fprintf(stderr, "connect fin\n");
	run(LG_MODE_CONNECT, LG_CLOSE_FIN, LG_CLOSE_FIRST_RACE, port++);
	fprintf(stderr, "connect rst\n");
	run(LG_MODE_CONNECT, LG_CLOSE_RST, LG_CLOSE_FIRST_RACE, port++);
	fprintf(stderr, "server stopped while the client runs\n");
	stop_midway(port++);
	return sb_test_result();
}
