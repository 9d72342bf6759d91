/* The listener sampler without BPF (mode tcp_info): one sock_diag netlink
 * dump of the namespace's listening TCP sockets, what `ss -lntm` reads. For
 * a listener the kernel reports the accept-queue depth and its limit
 * (idiag_rqueue / idiag_wqueue, the same numbers as tcp_info's tcpi_unacked /
 * tcpi_sacked) and, in SK_MEMINFO, sk_drops (docs/kernel-facts.md, fact 21). The SYN
 * queue is not reported: syn_qlen is SB_SYN_QLEN_UNKNOWN. */
#include "harness/run/listen_diag.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct sb_listen_diag {
	int fd;
	uint16_t ports[SB_MAX_PORTS];
	uint32_t nports;
	uint32_t seq;
};

int sb_listen_diag__new(const uint16_t *ports, uint32_t nports, struct sb_listen_diag **out)
{
	struct sb_listen_diag *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (d->fd < 0) {
		int e = -errno;

		free(d);
		return e;
	}
	for (uint32_t i = 0; i < nports && i < SB_MAX_PORTS; i++)
		d->ports[d->nports++] = ports[i];
	*out = d;
	return 0;
}

void sb_listen_diag__free(struct sb_listen_diag *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

static int port_wanted(const struct sb_listen_diag *d, uint16_t port)
{
	if (!d->nports)
		return 1;
	for (uint32_t i = 0; i < d->nports; i++)
		if (d->ports[i] == port)
			return 1;
	return 0;
}

/* One inet_diag_msg into a sample; 0 if it is not a listener we want. */
static int to_sample(const struct sb_listen_diag *d, const struct nlmsghdr *h,
		     struct sb_listen_sample *s, uint32_t *ino)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	uint16_t port;

	if (len < 0)
		return 0;
	port = ntohs(m->id.idiag_sport);
	if (!port_wanted(d, port))
		return 0;
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->family = m->idiag_family;
	s->ack_backlog = m->idiag_rqueue;
	s->max_ack_backlog = m->idiag_wqueue;
	s->syn_qlen = SB_SYN_QLEN_UNKNOWN;
	s->cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	if (ino)
		*ino = m->idiag_inode;
	for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == INET_DIAG_SKMEMINFO &&
		    RTA_PAYLOAD(a) >= (int)sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1))
			s->drops = ((const uint32_t *)RTA_DATA(a))[SK_MEMINFO_DROPS];
	}
	return 1;
}

/* One dump for one address family. */
static int dump(struct sb_listen_diag *d, int family, struct sb_listen_sample *out,
		uint32_t *ino, int max, int *n)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++d->seq },
		.r = { .sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << 10 /* TCP_LISTEN */,
		       .idiag_ext = 1u << (INET_DIAG_SKMEMINFO - 1) },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	long buf[8192 / sizeof(long)];
	uint64_t ts = lg_now_ns();

	if (sendto(d->fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t r = recv(d->fd, buf, sizeof(buf), 0);
		int len = (int)r;

		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != d->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			if (*n < max && to_sample(d, h, &out[*n], ino ? &ino[*n] : NULL))
				out[(*n)++].ts = ts;
		}
	}
}

int sb_listen_diag__sample_ino(struct sb_listen_diag *d, struct sb_listen_sample *out,
			       uint32_t *ino, int max)
{
	int n = 0, err = dump(d, AF_INET, out, ino, max, &n);

	if (!err)
		err = dump(d, AF_INET6, out, ino, max, &n);
	return err ? err : n;
}

int sb_listen_diag__sample(struct sb_listen_diag *d, struct sb_listen_sample *out, int max)
{
	return sb_listen_diag__sample_ino(d, out, NULL, max);
}
