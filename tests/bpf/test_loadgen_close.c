/* Close modes: rst (SO_LINGER {1,0}) leaves no TIME_WAIT socket in the
 * namespace, fin does; for both engines and both modes. */
#include <stdio.h>
#include <string.h>

#include "harness/run/netns.h"
#include "loadgen/loadgen.h"
#include "tests/test.h"

static int count_time_wait(void)
{
	const char *files[] = {"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"};
	int n = 0;

	for (int i = 0; i < 2; i++) {
		char line[512], st[8];
		FILE *f = fopen(files[i], "re");

		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %7s", st) == 1 && strcmp(st, "06") == 0)
				n++;
		fclose(f);
	}
	return n;
}

static int run(enum lg_engine engine, enum lg_mode mode, enum lg_close close, uint16_t port)
{
	struct lg_server_opts so = {.port = port,
				    .backlog = 128,
				    .mode = mode,
				    .req_bytes = 10,
				    .resp_bytes = 10,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 1};
	struct lg_client_opts co = {.conns = 300,
				    .concurrency = 8,
				    .threads = 2,
				    .mode = mode,
				    .close = close,
				    .engine = engine,
				    .req_bytes = 10,
				    .resp_bytes = 10,
				    .connect_timeout_ms = 2000,
				    .port = port,
				    .ndest = 2};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st = {0};
	int tw = -1;

	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.deadline_ns = lg_now_ns() + 20000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	lg_client__stats(c, &st);
	ASSERT_EQ(st.ok, 300, "all ok");
	for (int i = 0; i < 100 && lg_server__accepted(s) < 300; i++)
		usleep(10000);
	usleep(100000); /* the server's last closes */
	lg_server__stop(s);
	tw = count_time_wait();
out:
	lg_client__free(c);
	lg_server__free(s);
	return tw;
}

int main(void)
{
	uint64_t ino;
	int rc = sb_test_need_root();
	uint16_t port = 8200;

	if (rc)
		return rc;
	for (int e = LG_ENGINE_URING; e <= LG_ENGINE_EPOLL; e++) {
		for (int m = LG_MODE_CONNECT; m <= LG_MODE_CRR; m++) {
			int tw;

			/* a fresh namespace each time: no TIME_WAIT left from before */
			if (!ASSERT_OK(sb_netns_enter(&ino), "netns"))
				return sb_test_result();
			fprintf(stderr, "engine=%s mode=%s\n", e ? "epoll" : "uring",
				m ? "crr" : "connect");
			tw = run(e, m, LG_CLOSE_RST, port++);
			ASSERT_EQ(tw, 0, "rst close: no TIME_WAIT");
			tw = run(e, m, LG_CLOSE_FIN, port++);
			ASSERT_GT(tw, 0, "fin close: TIME_WAIT present");
		}
	}
	return sb_test_result();
}
