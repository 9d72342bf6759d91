/* Which io_uring operations this kernel runs: probed once at start-up
 * (io_uring_get_probe(), plus one trial for the socket commands, which the
 * opcode table cannot show), then passed to the engines. An operation that
 * is missing is done with its plain syscall before the rest of the chain is
 * submitted, or, where there is no such fallback, named in a one-line error
 * by lg_uring_caps_missing().
 *
 * SYNBENCH_URING_NO=op[,op...] (socket, multishot, sockopt, bind; "all")
 * forces the fallbacks on a kernel that has the operations, so the fallback
 * paths are tested on any kernel. It is read here and nowhere else. */
#ifndef SB_LG_URING_CAPS_H
#define SB_LG_URING_CAPS_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Constants newer than Debian 12's liburing-dev 2.3 (its io_uring.h ends at
 * IORING_OP_SENDMSG_ZC and has no socket commands). Values from the kernel's
 * include/uapi/linux/io_uring.h. */
#define LG_IORING_OP_BIND		56 /* Linux 6.11 */
#define LG_SOCKET_URING_OP_GETSOCKOPT	2  /* IORING_OP_URING_CMD on a socket, Linux 6.7 */
#define LG_SOCKET_URING_OP_SETSOCKOPT	3  /* Linux 6.7 */

enum lg_uring_cap {
	LG_URING_BASE = 1u << 0,      /* connect, send, recv, close, cancel any (5.19) */
	LG_URING_SOCKET = 1u << 1,    /* IORING_OP_SOCKET (5.19) */
	LG_URING_MULTISHOT = 1u << 2, /* multishot accept (5.19) */
	LG_URING_SOCKOPT = 1u << 3,   /* socket get/setsockopt command (6.7) */
	LG_URING_BIND = 1u << 4,      /* IORING_OP_BIND (6.11) */
};

struct lg_uring_caps {
	uint32_t have;	 /* enum lg_uring_cap bits the kernel runs */
	uint32_t forced; /* bits SYNBENCH_URING_NO took away from have */
	/* the socket commands work but read a linked request's SQE late
	 * (6.11 to 6.13 without d6211ebbdaa5): LG_URING_SOCKOPT is left out of have, as the engines
	 * link them behind other requests */
	int sockopt_stale_sqe;
};

/* SOL_SOCKET get/setsockopt as an io_uring socket command (LG_URING_SOCKOPT):
 * level and optname in addr, the value's length in splice_fd_in, its address
 * in addr3 (the kernel's optlen / optval). */
static inline void lg_prep_sockopt(struct io_uring_sqe *sqe, uint32_t cmd, int fd, int optname,
				   const void *val, uint32_t len)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = cmd;
	sqe->addr = (uint64_t)SOL_SOCKET | ((uint64_t)(uint32_t)optname << 32);
	sqe->splice_fd_in = (int32_t)len;
	sqe->addr3 = (uint64_t)(uintptr_t)val;
}

static inline void lg_prep_getsockopt(struct io_uring_sqe *sqe, int fd, int optname, void *val,
				      uint32_t len)
{
	lg_prep_sockopt(sqe, LG_SOCKET_URING_OP_GETSOCKOPT, fd, optname, val, len);
}

static inline void lg_prep_setsockopt(struct io_uring_sqe *sqe, int fd, int optname,
				      const void *val, uint32_t len)
{
	lg_prep_sockopt(sqe, LG_SOCKET_URING_OP_SETSOCKOPT, fd, optname, val, len);
}

/* IORING_OP_BIND (LG_URING_BIND): the address in addr, its length in off. */
static inline void lg_prep_bind(struct io_uring_sqe *sqe, int fd, const void *addr, uint32_t len)
{
	io_uring_prep_rw(LG_IORING_OP_BIND, sqe, fd, addr, 0, len);
}

/* Fills c. 0; -EINVAL when SYNBENCH_URING_NO names an unknown operation
 * (bad_name, when not NULL, gets a one-line message). Without io_uring at
 * all (ENOSYS, or disabled by kernel.io_uring_disabled) c->have is 0. */
int lg_uring_caps_probe(struct lg_uring_caps *c, char *bad_name, size_t len);

/* The first of the needed bits c lacks, as "IORING_OP_BIND (Linux 6.11+)",
 * or NULL when none is missing. */
const char *lg_uring_caps_missing(const struct lg_uring_caps *c, uint32_t need);

/* "socket=ring sockopt=syscall(forced) ...": the effective choice per op. */
const char *lg_uring_caps_str(const struct lg_uring_caps *c, char *buf, size_t len);

#endif
