/* Plain blocking loopback TCP for the BPF tests: small, obvious, no engine. */
#ifndef SB_TCP_UTIL_H
#define SB_TCP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static inline int tu_listen(uint16_t port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static inline uint64_t tu_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l);
	return c;
}

/* Non-blocking connect started; returns fd (>= 0) or -errno. */
static inline int tu_connect_nb(uint16_t port, int syncnt)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (syncnt > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Blocking connect. */
static inline int tu_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static inline int tu_state(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l))
		return -1;
	return ti.tcpi_state;
}

/* SYN retransmits a client makes before `ms` on this kernel (the namespace's
 * schedule): a kernel with tcp_syn_linear_timeouts (upstream since 6.5; 6.12,
 * 6.18) retransmits it + 1 times at 1 s intervals, then doubles (1, 2, 3, 4,
 * 5, 7, 11 ... s); without it (6.1) the interval doubles from the first (1,
 * 3, 7, 15 ... s). docs/kernel-facts.md, facts 7 and 18. */
static inline int tu_syn_retrans_before(long ms)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "r");
	long lin = -1, t = 0, iv = 1000;
	int n = 0;

	if (f) {
		if (fscanf(f, "%ld", &lin) != 1)
			lin = -1;
		fclose(f);
	}
	for (;;) {
		t += iv;
		if (t >= ms)
			return n;
		n++;
		if (lin < 0 || n > lin)
			iv *= 2;
	}
}

#endif
