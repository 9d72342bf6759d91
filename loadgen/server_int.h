/* The listener's state, shared by server.c (the accept loops) and
 * server_info.c (what it tells, and the listener closed mid-run). Not for
 * the harness: loadgen.h is the interface. */
#ifndef SB_LOADGEN_SERVER_INT_H
#define SB_LOADGEN_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "loadgen/accpool.h"
#include "loadgen/loadgen.h"
#include "loadgen/uring_caps.h"

struct lg_server;

struct srv_thread {
	struct lg_server *s;
	pthread_t tid;
	uint32_t idx;
	int joinable;
	int err;
	int lfd;      /* the listener this thread accepts on */
	uint32_t li;  /* its index in s->lfd */
	const struct lg_accept_policy *policy; /* the listener's policy */
	int ring_gso; /* getsockopt runs inside the ring (IORING_OP_URING_CMD) */
	uint64_t tag; /* LG_SRV_TAG when served from a client thread's ring */
	char *rbuf;
	struct lg_accpool pool;
};

struct lg_server {
	struct lg_server_opts o;
	int fd;	  /* == lfd[0] */
	int *lfd; /* per_cpu_listeners: one per thread, else just fd */
	uint32_t nl;
	_Atomic uint64_t *lacc; /* accepts per listener (nl) */
	int efd;
	struct lg_accept *accepts; /* no sink: all threads' kept, by t_accept */
	uint64_t naccepts;
	_Atomic uint64_t nacc;
	_Atomic uint64_t nclosed;
	_Atomic uint64_t overflow;
	atomic_int stopping;
	atomic_int paired_users; /* client threads serving our listeners */
	struct srv_thread *th;
	uint32_t nth;
	char *resp;
	int running;
	struct lg_uring_caps caps; /* probed once in lg_server__new */
	/* close_on: the thread that closes a listener, and what it saw */
	pthread_t closer;
	int closer_joinable;
	int closer_efd;
	_Atomic int lclosed; /* 1 once lfd[closed.li] is closed */
	struct lg_listen_closed closed;
};

/* close_on: starts the thread that closes listener o.close_socket
 * o.close_after_ms from now (0 when there is none to close, or negative
 * errno), and stops and joins it (the listener stays open if its time had
 * not come). */
int lg_srv_closer_start(struct lg_server *s);
void lg_srv_closer_stop(struct lg_server *s);

#endif
