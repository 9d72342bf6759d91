/* The server serves each connection with one io_uring chain: recv request ->
 * send response -> recv EOF -> close, the first three marked
 * skip-on-success. Kernel fact (6.18): when a request marked
 * skip-on-success fails, the rest of its chain is cancelled without any
 * completion, so the close never runs and never reports. The server must
 * then close the socket itself. Two ways to break a chain, both checked:
 * the client resets the connection before sending its request, and the
 * server stops while requests are still awaited (its cancel fails them).
 * Either way every accepted socket is closed by the server (t_closed set,
 * the client sees the end), and the stop does not wait out its drain. */
#include <poll.h>
#include <sys/socket.h>

#include "loadgen/loadgen.h"
#include "tests/bpf/netns_util.h"
#include "tests/bpf/tcp_util.h"
#include "tests/test.h"

#define K 8
#define PORT 8501

static int wait_accepted(struct lg_server *s, uint64_t n)
{
	for (int i = 0; i < 200 && lg_server__accepted(s) < n; i++)
		usleep(10000);
	return lg_server__accepted(s) >= n;
}

/* Of the connections accepted from..to (in order), how many the server
 * closed: the live count beyond from, waiting for it if asked. */
static uint64_t closed_between(struct lg_server *s, uint64_t from, uint64_t to, int wait)
{
	uint64_t n = 0;

	for (int tries = 0; tries < (wait ? 200 : 1); tries++) {
		uint64_t c = lg_server__closed(s);

		n = c > from ? (c < to ? c : to) - from : 0;
		if (n == to - from)
			break;
		usleep(10000);
	}
	return n;
}

/* The client's socket saw the server's FIN (read 0) or its reset. */
static int ended_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char b;

	return poll(&p, 1, 1000) == 1 && read(fd, &b, 1) <= 0;
}

int main(void)
{
	struct lg_server_opts so = {.port = PORT,
				    .backlog = 64,
				    .mode = LG_MODE_CRR,
				    .req_bytes = 10,
				    .resp_bytes = 10,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 1};
	static const struct linger rst = {1, 0};
	struct lg_server *s = NULL;
	int fds[K], rc = nu_enter_fresh_netns(), ended = 0;
	uint64_t t0;

	if (rc)
		return rc;
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;

	/* the client resets before its request: the server's first recv fails */
	for (int i = 0; i < K; i++)
		fds[i] = tu_connect(PORT);
	ASSERT_TRUE(wait_accepted(s, K), "first K accepted");
	for (int i = 0; i < K; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fds[i]);
	}
	ASSERT_EQ(closed_between(s, 0, K, 1), K, "reset before the request: server closed all");

	/* the server stops while it waits for the requests */
	for (int i = 0; i < K; i++)
		fds[i] = tu_connect(PORT);
	ASSERT_TRUE(wait_accepted(s, 2 * K), "second K accepted");
	t0 = lg_now_ns();
	lg_server__stop(s);
	ASSERT_LT(lg_now_ns() - t0, 300000000ull, "stop does not wait out the drain");
	ASSERT_EQ(closed_between(s, K, 2 * K, 0), K, "stopped: server closed all");
	for (int i = 0; i < K; i++) {
		ended += ended_by_server(fds[i]);
		close(fds[i]);
	}
	ASSERT_EQ(ended, K, "stopped: every client saw the end");
out:
	lg_server__free(s);
	return sb_test_result();
}
