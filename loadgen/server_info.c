/* What the listener tells the harness (its sockets, backlog, accepts) and
 * the listener closed mid-run (--close-socket K@MS): a thread sleeps until
 * its time, reads how many connections wait in the socket's accept queue,
 * and closes it. The kernel's inet_csk_listen_stop() then resets them, or
 * with net.ipv4.tcp_migrate_req=1 moves them to a sibling of the
 * SO_REUSEPORT group (Linux 5.14, commit 54b92e841937). */
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen/lg_internal.h"
#include "loadgen/server_int.h"

static void *closer_main(void *arg)
{
	struct lg_server *s = arg;
	uint64_t until = lg_now_ns() + (uint64_t)s->o.close_after_ms * 1000000ull;
	uint32_t li = s->o.close_socket;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	uint32_t mem[SK_MEMINFO_VARS];

	for (;;) {
		struct pollfd p = {.fd = s->closer_efd, .events = POLLIN};
		uint64_t now = lg_now_ns();
		int ms;

		if (now >= until)
			break;
		ms = (int)((until - now + 999999) / 1000000);
		if (poll(&p, 1, ms) > 0)
			return NULL; /* stopped first */
	}
	/* on a listener tcpi_unacked is the accept queue's length; shutdown()
	 * stops the listener as close() would (tcp_disconnect ->
	 * inet_csk_listen_stop), after which no drop can come: its sk_drops is
	 * final */
	s->closed.li = li;
	s->closed.queued = getsockopt(s->lfd[li], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0
				   ? (int64_t)ti.tcpi_unacked
				   : -1;
	s->closed.drops = -1;
	/* before: the RSTs to its queue go out inside shutdown() */
	s->closed.t_ns = lg_now_ns();
	if (shutdown(s->lfd[li], SHUT_RD) == 0) {
		len = sizeof(mem);
		if (getsockopt(s->lfd[li], SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof(mem[0]))
			s->closed.drops = mem[SK_MEMINFO_DROPS];
	}
	close(s->lfd[li]);
	atomic_store(&s->lclosed, 1);
	return NULL;
}

int lg_srv_closer_start(struct lg_server *s)
{
	int err;

	if (!s->o.close_on || s->o.close_socket >= s->nl)
		return 0;
	s->closer_efd = eventfd(0, EFD_CLOEXEC);
	if (s->closer_efd < 0)
		return -errno;
	err = pthread_create(&s->closer, NULL, closer_main, s);
	if (err) {
		close(s->closer_efd);
		s->closer_efd = -1;
		return -err;
	}
	s->closer_joinable = 1;
	return 0;
}

void lg_srv_closer_stop(struct lg_server *s)
{
	uint64_t one = 1;

	if (!s->closer_joinable)
		return;
	if (write(s->closer_efd, &one, sizeof(one)) < 0) {
		/* cannot fail on an eventfd below its maximum */
	}
	pthread_join(s->closer, NULL);
	s->closer_joinable = 0;
	close(s->closer_efd);
	s->closer_efd = -1;
}

int lg_server__listener_closed(const struct lg_server *s, struct lg_listen_closed *out)
{
	if (!atomic_load(&((struct lg_server *)s)->lclosed))
		return 0;
	*out = s->closed;
	return 1;
}

/* The first listener still open (-1: none) */
static int open_fd(const struct lg_server *s)
{
	for (uint32_t i = 0; i < s->nl; i++)
		if (!atomic_load(&((struct lg_server *)s)->lclosed) || i != s->closed.li)
			return s->lfd[i];
	return -1;
}

int lg_server__effective_backlog(const struct lg_server *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	long somax = 4096;
	char buf[32];
	FILE *f;

	/* on a listener the kernel reports sk_max_ack_backlog in tcpi_sacked */
	if (getsockopt(open_fd(s), IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == TCP_LISTEN)
		return (int)ti.tcpi_sacked;
	f = fopen("/proc/sys/net/core/somaxconn", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			somax = strtol(buf, NULL, 10);
		fclose(f);
	}
	return (unsigned int)s->o.backlog > (unsigned long)somax ? (int)somax : s->o.backlog;
}

static int by_t_accept(const void *a, const void *b)
{
	uint64_t x = ((const struct lg_accept *)a)->t_accept, y = ((const struct lg_accept *)b)->t_accept;

	return x < y ? -1 : x > y;
}

const struct lg_accept *lg_server__accepts(struct lg_server *s, uint64_t *n)
{
	*n = 0;
	if (s->o.sink || s->running)
		return NULL;
	if (!s->accepts) {
		uint64_t total = 0;

		for (uint32_t i = 0; i < s->nth; i++)
			total += s->th[i].pool.nkept;
		s->accepts = malloc((total ? total : 1) * sizeof(*s->accepts));
		if (!s->accepts)
			return NULL;
		for (uint32_t i = 0; i < s->nth; i++) {
			const struct lg_accpool *p = &s->th[i].pool;

			memcpy(s->accepts + s->naccepts, p->kept, p->nkept * sizeof(*p->kept));
			s->naccepts += p->nkept;
		}
		qsort(s->accepts, s->naccepts, sizeof(*s->accepts), by_t_accept);
	}
	*n = s->naccepts;
	return s->accepts;
}

uint64_t lg_server__accepted(const struct lg_server *s)
{
	return atomic_load(&((struct lg_server *)s)->nacc);
}

uint64_t lg_server__closed(const struct lg_server *s)
{
	return atomic_load(&((struct lg_server *)s)->nclosed);
}

uint64_t lg_server__overflow(const struct lg_server *s)
{
	return atomic_load(&((struct lg_server *)s)->overflow);
}

uint32_t lg_server__nlisteners(const struct lg_server *s)
{
	return s->nl;
}

int lg_server__listener_fd(const struct lg_server *s, uint32_t i)
{
	if (i >= s->nl || (atomic_load(&((struct lg_server *)s)->lclosed) && i == s->closed.li))
		return -1;
	return s->lfd[i];
}

uint64_t lg_server__listener_accepts(const struct lg_server *s, uint32_t i)
{
	return i < s->nl ? atomic_load(&s->lacc[i]) : 0;
}
