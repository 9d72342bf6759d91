/* The io_uring capability probe: one struct, filled once, read by the
 * engines (client_uring.c, server.c) and by synbench-floor. */
#include "loadgen/uring_caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	uint32_t bit;
	const char *name; /* in SYNBENCH_URING_NO and lg_uring_caps_str() */
	const char *what; /* in lg_uring_caps_missing() */
} caps[] = {
    {LG_URING_BASE, "base",
     "io_uring connect/send/recv/close with IORING_ASYNC_CANCEL_ANY (Linux 5.19+)"},
    {LG_URING_SOCKET, "socket", "IORING_OP_SOCKET (Linux 5.19+)"},
    {LG_URING_MULTISHOT, "multishot", "io_uring multishot accept (Linux 5.19+)"},
    {LG_URING_SOCKOPT, "sockopt",
     "IORING_OP_URING_CMD SOCKET_URING_OP_SETSOCKOPT/GETSOCKOPT (Linux 6.7+)"},
    {LG_URING_BIND, "bind", "IORING_OP_BIND (Linux 6.11+)"},
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

/* Socket get/setsockopt commands: the opcode table lists
 * IORING_OP_URING_CMD from 5.19, but sockets answer it only from 6.7
 * (EOPNOTSUPP before), so try both on a throwaway socket. */
static int trial_sockopt(void)
{
	static const int one = 1;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint64_t cookie = 0;
	int ok = 1, n = 0, fd;

	if (io_uring_queue_init(4, &ring, 0) != 0)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		io_uring_queue_exit(&ring);
		return 0;
	}
	lg_prep_setsockopt(io_uring_get_sqe(&ring), fd, SO_REUSEADDR, &one, sizeof(one));
	lg_prep_getsockopt(io_uring_get_sqe(&ring), fd, SO_COOKIE, &cookie, sizeof(cookie));
	if (io_uring_submit_and_wait(&ring, 2) < 2)
		ok = 0;
	while (n < 2 && io_uring_peek_cqe(&ring, &cqe) == 0) {
		/* the setsockopt answers 0, the getsockopt the value's length */
		ok &= cqe->res == 0 || cqe->res == (int)sizeof(cookie);
		io_uring_cqe_seen(&ring, cqe);
		n++;
	}
	close(fd);
	io_uring_queue_exit(&ring);
	return ok && n == 2 && cookie != 0;
}

/* Whether a socket command linked behind another request reads its SQE when
 * it is submitted (safe) or only when it runs (stale: by then the engine
 * may have written a new request into that SQ slot). From 6.11 the kernel
 * deferred that copy until the command ran ("defer SQE copying until it's
 * needed"); 6.14 copies at prep again (d6211ebbdaa5, "unconditionally copy
 * SQEs at prep time"). Stale reads gave a server without peer addresses.
 * The trial: NOP -> getsockopt into a; after the submit, the slot is
 * rewritten to point at b; the linked command runs at the next wait
 * (DEFER_TASKRUN) and fills a (copied) or b (read late). */
static int trial_linked_sqe_copied(void)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint64_t a = 0, b = 0;
	int fd, n = 0;

	if (io_uring_queue_init(4, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))
		return 1; /* no deferred task work: the link runs inside the submit */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		io_uring_queue_exit(&ring);
		return 0;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	lg_prep_getsockopt(sqe, fd, SO_COOKIE, &a, sizeof(a));
	io_uring_submit(&ring);
	sqe->addr3 = (uint64_t)(uintptr_t)&b;
	while (n < 2 && io_uring_wait_cqe(&ring, &cqe) == 0) {
		io_uring_cqe_seen(&ring, cqe);
		n++;
	}
	close(fd);
	io_uring_queue_exit(&ring);
	return b == 0;
}

/* SYNBENCH_URING_NO: comma separated names of caps[], or "all". */
static int parse_no(const char *s, uint32_t *bits, char *bad, size_t len)
{
	*bits = 0;
	while (s && *s) {
		size_t n = strcspn(s, ","), i;

		if (n == 3 && strncmp(s, "all", 3) == 0) {
			*bits |= LG_URING_SOCKET | LG_URING_MULTISHOT | LG_URING_SOCKOPT |
				 LG_URING_BIND;
		} else if (n) {
			for (i = 0; i < NCAPS; i++)
				if (i && strlen(caps[i].name) == n && !strncmp(s, caps[i].name, n))
					break;
			if (i == NCAPS) {
				if (bad)
					snprintf(bad, len,
						 "SYNBENCH_URING_NO: unknown io_uring operation "
						 "'%.*s' (known: socket, multishot, sockopt, bind, "
						 "all)",
						 (int)n, s);
				return -EINVAL;
			}
			*bits |= caps[i].bit;
		}
		s += n + (s[n] == ',');
	}
	return 0;
}

int lg_uring_caps_probe(struct lg_uring_caps *c, char *bad, size_t len)
{
	struct io_uring_probe *p = io_uring_get_probe();
	uint32_t no;
	int err;

	memset(c, 0, sizeof(*c));
	err = parse_no(getenv("SYNBENCH_URING_NO"), &no, bad, len);
	if (err)
		return err;
	if (!p) /* no io_uring, or older than its probe (5.6) */
		return 0;
	/* multishot accept and IORING_ASYNC_CANCEL_ANY are flags the opcode
	 * table cannot show; both came in 5.19 with IORING_OP_SOCKET, whose
	 * presence stands for them */
	if (io_uring_opcode_supported(p, IORING_OP_SOCKET)) {
		if (io_uring_opcode_supported(p, IORING_OP_CONNECT) &&
		    io_uring_opcode_supported(p, IORING_OP_SEND) &&
		    io_uring_opcode_supported(p, IORING_OP_RECV) &&
		    io_uring_opcode_supported(p, IORING_OP_CLOSE) &&
		    io_uring_opcode_supported(p, IORING_OP_ASYNC_CANCEL))
			c->have |= LG_URING_BASE;
		c->have |= LG_URING_SOCKET;
		if (io_uring_opcode_supported(p, IORING_OP_ACCEPT))
			c->have |= LG_URING_MULTISHOT;
	}
	if (io_uring_opcode_supported(p, IORING_OP_URING_CMD) && trial_sockopt()) {
		if (trial_linked_sqe_copied())
			c->have |= LG_URING_SOCKOPT;
		else
			c->sockopt_stale_sqe = 1;
	}
	if (io_uring_opcode_supported(p, LG_IORING_OP_BIND))
		c->have |= LG_URING_BIND;
	io_uring_free_probe(p);
	c->forced = c->have & no;
	c->have &= ~no;
	return 0;
}

const char *lg_uring_caps_missing(const struct lg_uring_caps *c, uint32_t need)
{
	for (size_t i = 0; i < NCAPS; i++) {
		if (!(need & caps[i].bit) || (c->have & caps[i].bit))
			continue;
		if (caps[i].bit == LG_URING_SOCKOPT && c->sockopt_stale_sqe)
			return "io_uring socket commands that read a linked request's SQE when "
			       "submitted (this kernel reads it late; fixed in Linux 6.14)";
		return caps[i].what;
	}
	return NULL;
}

const char *lg_uring_caps_str(const struct lg_uring_caps *c, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < NCAPS && off < len; i++) {
		int stale = caps[i].bit == LG_URING_SOCKOPT && c->sockopt_stale_sqe;
		int n = snprintf(buf + off, len - off, "%s%s=%s%s", off ? " " : "", caps[i].name,
				 (c->have & caps[i].bit) ? "yes" : "no",
				 (c->forced & caps[i].bit) ? "(forced)"
				 : stale		   ? "(stale-sqe)"
							   : "");

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}
