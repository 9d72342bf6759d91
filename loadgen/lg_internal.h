/* Internals shared by the client engines (client.c, client_uring.c,
 * client_epoll.c) and the listener. Not part of the public interface. */
#ifndef SB_LG_INTERNAL_H
#define SB_LG_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loadgen/loadgen.h"
#include "loadgen/uring_caps.h"

#define LG_PORT_MIN	1024u
#define LG_PORT_MAX	65535u
#define LG_MAX_RETRIES	64u	      /* local port retries per connection */
#define LG_IDLE_WAIT_NS 50000000ull   /* longest sleep between stop-flag checks */
#define LG_LATE_NS	1000000ull    /* open loop: "behind schedule" threshold */
#define LG_DRAIN_NS	2000000000ull /* on stop: longest wait for cancellations */

/* One connection in flight in a client thread. */
struct lg_slot {
	int fd;
	uint8_t state;	   /* engine specific */
	uint8_t pending;   /* io_uring: completions still expected */
	uint8_t closed;	   /* fd already closed by a completed close op */
	uint8_t retry;	   /* connect failed with a busy 4-tuple: try another port */
	int err;	   /* first failure (positive errno), 0 when none */
	uint32_t got;	   /* crr: response bytes read so far */
	uint32_t sent;	   /* crr: request bytes written so far */
	uint32_t tries;	   /* local ports tried for this connection */
	uint64_t conn;	   /* the connection's number: thread idx + k * threads */
	uint64_t deadline; /* CLOCK_MONOTONIC ns: connect / crr phase bound */
	char head[16];	   /* --http: the response's first bytes (status line) */
	uint8_t eof;	   /* --http: the server's FIN arrived */
	uint8_t tls_failed; /* --tls: the handshake failed (outcome LG_OUT_TLS) */
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} dst, src;
	/* the connection's record while it is in flight; lg_finish hands it
	 * on (lg_client_opts.sink, or the thread's kept records) */
	struct lg_conn rec;
};

/* Finished records a thread hands to the sink at once. */
#define LG_OUT_BATCH 256

struct lg_client;
struct lg_tls_conn; /* loadgen/tls.h */
struct lg_tls_thr;

struct lg_thread {
	struct lg_client *c;
	pthread_t tid;
	uint32_t idx;
	int joinable;
	int err;	 /* setup failure of the thread (negative errno) */
	uint64_t nconns; /* connections of this thread: idx, idx+T, idx+2T ... */
	uint32_t nslots;
	uint16_t port_lo, port_hi, port_next;
	uint32_t dest_next;
	struct lg_slot *slots;
	uint32_t *free_slots; /* stack of free slot indices */
	uint32_t nfree;
	char *sendbuf, *recvbuf;
	uint32_t recvlen;
	_Atomic uint64_t done; /* written by the thread only, read live */
	uint64_t started, ok, failed, behind, max_lag, port_retries;
	int tw_seen; /* a bind met a TIME_WAIT socket: SO_REUSEADDR from now on */
	uint64_t t_end;
	/* finished records: a batch for the sink, or (no sink) every record of
	 * the thread by its k, grown as connections finish */
	struct lg_conn *out;
	uint32_t nout;
	struct lg_conn *kept;
	uint64_t nkept;
	/* --tls: each slot's TLS (by slot index) and the thread's session */
	struct lg_tls_conn *tlsc;
	struct lg_tls_thr *tls;
} __attribute__((aligned(64)));

struct lg_client {
	struct lg_client_opts o;
	struct lg_conn *conns; /* no sink: built by lg_client__conns from th[].kept */
	struct lg_thread *th;
	uint64_t t0;		/* start: open-loop schedule origin */
	uint64_t period_ns_x16; /* open loop: 16 * ns between two starts */
	atomic_int abort;	/* lg_client__free while running */
	atomic_uint busy;	/* paired: threads whose own connections are not done */
	int running;
	struct lg_uring_caps caps; /* engine uring: probed once in lg_client__new */
};

/* Scheduled start of connection k of thread t (open loop). */
static inline uint64_t lg_sched(const struct lg_thread *t, uint64_t k)
{
	uint64_t i = t->idx + k * t->c->o.threads;

	return t->c->t0 + (uint64_t)((__uint128_t)i * t->c->period_ns_x16 / 16);
}

static inline int lg_should_stop(const struct lg_thread *t, uint64_t now)
{
	const struct lg_client *c = t->c;

	return (c->o.stop && *c->o.stop) || atomic_load_explicit(&c->abort, memory_order_relaxed) ||
	       (c->o.deadline_ns && now >= c->o.deadline_ns);
}

/* client.c */
/* nonblock: SOCK_NONBLOCK; cookie: read SO_COOKIE now (0: the engine reads
 * it itself, before connect) */
/* in_ring: socket() only; s->src holds the local address for the ring's
 * SO_REUSEADDR/SO_LINGER + bind (lg_need_reuseaddr()) */
int lg_conn_socket(struct lg_thread *t, struct lg_slot *s, int nonblock, int cookie, int in_ring);
int lg_need_reuseaddr(const struct lg_thread *t);
socklen_t lg_slot_dst_len(const struct lg_thread *t);
uint8_t lg_outcome_of(int err);
void lg_finish(struct lg_thread *t, struct lg_slot *s, uint64_t now);
/* Hands the thread's batch of finished records to the sink (at its end). */
void lg_flush(struct lg_thread *t);
void lg_note_start(struct lg_thread *t, struct lg_conn *r, uint64_t k, uint64_t now);
int lg_slot_get(struct lg_thread *t);
void lg_pin_self(uint32_t idx);
int lg_cpu_of(uint32_t idx); /* the idx-th CPU (mod count) we may run on, or -1 */
/* socket, SO_REUSEADDR (+ SO_REUSEPORT when cpu > -2, and SO_INCOMING_CPU
 * cpu when cpu >= 0), bind, listen: the descriptor or negative errno
 * (listen_sock.c) */
int lg_open_listener(const struct lg_server_opts *opts, int cpu);
uint32_t lg_ncpus(void);    /* CPUs we may run on, 0 if unknown */

/* server.c, paired mode: listener i served from a client thread's ring.
 * Server completions carry LG_SRV_TAG in user_data; lg_srv_paired_cqe()
 * returns the change of server connections in flight (+1, -1 or 0). */
#define LG_SRV_TAG (1ull << 63)
struct io_uring;
struct io_uring_cqe;
void lg_srv_paired_arm(struct lg_server *s, uint32_t i, struct io_uring *ring, int ring_gso);
void lg_srv_paired_leave(struct lg_server *s);	 /* the arming thread ends */
int lg_srv_paired_stopping(struct lg_server *s); /* lg_server__stop() was called */
int lg_srv_paired_cqe(struct lg_server *s, uint32_t i, struct io_uring *ring,
		      const struct io_uring_cqe *cqe, uint64_t now, int stopping);

/* engines: the thread body, returns negative errno on setup failure */
int lg_run_uring(struct lg_thread *t);
int lg_run_epoll(struct lg_thread *t);

#endif
