/* Load generator and listener: the user half of the measurement.
 *
 * Every stamp is CLOCK_MONOTONIC in ns (lg_now_ns()), the clock that
 * bpf_ktime_get_ns() reads, so user and kernel stamps subtract directly.
 * Records are preallocated: no allocation per connection. */
#ifndef SB_LOADGEN_H
#define SB_LOADGEN_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

/* "HTTP/1.x NNN" at the start of b -> NNN, else 0. */
static inline uint16_t lg_http_status(const char *b, uint32_t n)
{
	if (n < 12 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' ||
	    b[8] != ' ')
		return 0;
	for (int i = 9; i < 12; i++)
		if (b[i] < '0' || b[i] > '9')
			return 0;
	return (uint16_t)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
}

static inline uint64_t lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum lg_mode { LG_MODE_CONNECT = 0, LG_MODE_CRR = 1 };
enum lg_close { LG_CLOSE_FIN = 0, LG_CLOSE_RST = 1 };
enum lg_engine { LG_ENGINE_URING = 0, LG_ENGINE_EPOLL = 1 };
/* crr: which side sends the first FIN.
 * race: the server closes right after writing the response, the client right
 *       after reading it: either may be first, or both at once.
 * client: the server, after writing, waits for the client's FIN (recv 0)
 *       and only then closes; the client closes after reading.
 * server: the client, after reading, waits for the server's FIN (recv 0)
 *       and only then closes; the server closes after writing. */
enum lg_close_first {
	LG_CLOSE_FIRST_RACE = 0,
	LG_CLOSE_FIRST_CLIENT = 1,
	LG_CLOSE_FIRST_SERVER = 2,
};

enum lg_outcome {
	LG_OUT_NONE = 0,    /* never started (run stopped first) */
	LG_OUT_OK = 1,	    /* connected (and, in crr, full response read) */
	LG_OUT_TIMEOUT = 2, /* connect, or crr request/response, over --connect-timeout */
	LG_OUT_REFUSED = 3, /* ECONNREFUSED */
	LG_OUT_RESET = 4,   /* ECONNRESET / EPIPE after connect */
	LG_OUT_ERROR = 5,   /* any other errno, kept in err */
	LG_OUT_TLS = 6,	    /* --tls: the handshake failed; tls_err, tls_verify say why */
};

/* lg_conn.tls_flags, lg_accept.tls_flags */
#define LG_TLS_F_RESUMED 1u /* the handshake resumed a session (a ticket) */

/* One client connection, 104 bytes. A stamp is 0 when the step never happened. */
struct lg_conn {
	uint64_t cookie;      /* getsockopt(SO_COOKIE) */
	uint64_t t_sched;     /* open loop: scheduled start; closed loop: = t_submit */
	uint64_t t_submit;    /* just before connect was handed to the kernel */
	uint64_t t_connected; /* connect completion seen by the engine (or failure) */
	uint64_t t_sent;      /* crr: request fully written */
	uint64_t t_resp;      /* crr: response fully read */
	uint64_t t_closed;    /* close completed */
	int32_t err;	      /* errno of the failure, 0 when ok */
	uint16_t lport;	      /* local (client) port, host order */
	uint16_t rport;	      /* server port, host order */
	uint32_t raddr;	      /* IPv4 server address (network order); IPv6: 0 */
	uint8_t outcome;      /* enum lg_outcome */
	uint8_t thread;
	uint16_t status; /* --http: the response's HTTP status, 0 if none */
	uint64_t t_first;     /* crr: the first response byte read (--tls: decrypted) */
	uint64_t t_tls_start; /* --tls: the ClientHello handed to the kernel */
	uint64_t t_tls_done;  /* --tls: the handshake complete (SSL_do_handshake 1) */
	uint32_t tls_err;     /* --tls: OpenSSL's packed error code of a failure, 0 none */
	uint16_t tls_verify;  /* --tls: X509 verify result that refused the certificate */
	uint8_t tls_flags;    /* LG_TLS_F_* */
	uint8_t tls_version;  /* --tls: 12 or 13 (TLS 1.2, 1.3) once negotiated, else 0 */
};
_Static_assert(sizeof(struct lg_conn) == 104, "struct lg_conn: 104 bytes, as said above");

/* One accepted connection on the server side, 48 bytes. */
struct lg_accept {
	uint64_t cookie;   /* getsockopt(SO_COOKIE) on the accepted socket */
	uint64_t t_accept; /* accept() returned */
	uint64_t t_closed; /* server closed it */
	uint16_t peer_port;
	uint16_t pad;
	uint32_t peer_addr;   /* IPv4 network order; IPv6: 0 */
	uint64_t t_tls_done;  /* --tls: the server's handshake complete */
	uint32_t tls_err;     /* --tls: OpenSSL's packed error code of a failure, 0 none */
	uint8_t tls_flags;    /* LG_TLS_F_* */
	uint8_t pad2[3];
};
_Static_assert(sizeof(struct lg_accept) == 48, "struct lg_accept: 48 bytes, as said above");

/* ---- TLS (loadgen/tls.h: OpenSSL) ---- */
enum lg_tls_key { LG_TLS_KEY_ECDSA_P256 = 0, LG_TLS_KEY_RSA_2048 = 1 };

/* What a run's TLS is: the client's, and the built-in listener's. */
struct lg_tls_opts {
	int version;	       /* 13 or 12: exactly this version */
	enum lg_tls_key key;   /* the listener's generated key (no cert file) */
	int resume;	       /* session tickets: offered by the client, sent by the listener */
	const char *cert_file; /* the listener's certificate (PEM); NULL: generated */
	const char *key_file;  /* its private key (PEM) */
	const char *sni;       /* server name the client sends and verifies; NULL: none */
	const char *ca_file;   /* client: trust these (PEM) and verify; NULL: see lg_tls__new */
};

/* The run's TLS contexts (loadgen/tls.c): the client's, and the listener's
 * when synbench's own listener terminates TLS. */
struct lg_tls;
/* listener 1: make the listener's context too (its certificate from the
 * files, or a self-signed one for "localhost" generated now), and the
 * client trusts that certificate and verifies it (name: opts->sni, by
 * default "localhost"). listener 0: the client verifies only with
 * opts->ca_file. 0, or negative errno with one line in err. */
int lg_tls__new(const struct lg_tls_opts *opts, int listener, struct lg_tls **out, char *err,
		size_t errlen);
void lg_tls__free(struct lg_tls *t); /* NULL is fine */
/* The words of a failure: OpenSSL's reason for a packed error code ("tlsv1
 * unrecognized name"), and the X509 verify result's ("certificate has
 * expired"); "" for 0. Static strings. */
const char *lg_tls_reason(uint32_t err);
const char *lg_tls_verify_reason(uint16_t verify);

enum lg_accept_kind {
	LG_ACCEPT_FAST = 0,  /* accept as fast as possible */
	LG_ACCEPT_DELAY = 1, /* sleep value ms before each accept */
	LG_ACCEPT_RATE = 2,  /* at most value accepts per second */
	LG_ACCEPT_PAUSE = 3, /* no accept for the first value ms, then fast */
	LG_ACCEPT_NONE = 4,  /* never accept */
};

struct lg_accept_policy {
	enum lg_accept_kind kind;
	uint32_t value;
};

/* "fast", "delay:MS", "rate:N", "pause:MS", "none". 0, or -EINVAL. */
int lg_accept_policy_parse(const char *s, struct lg_accept_policy *p);
/* Writes the canonical text form ("delay:5") into buf. */
const char *lg_accept_policy_str(const struct lg_accept_policy *p, char *buf, size_t len);

/* ---- listener ---- */
struct lg_server_opts {
	uint16_t port; /* listen port, host order (never 2024) */
	int backlog;   /* passed to listen() as given */
	int ipv6;      /* listen on :: (v6 only) instead of 0.0.0.0 */
	enum lg_mode mode;
	uint32_t req_bytes;		 /* crr: request size read from the client */
	uint32_t resp_bytes;		 /* crr: response size written back */
	enum lg_close_first close_first; /* crr: who sends the first FIN */
	struct lg_accept_policy policy;
	uint32_t threads;	     /* accept threads for policy fast (>= 1) */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop now */
	int no_affinity;	     /* 1: do not pin accept thread i to CPU i % ncpu */
	/* Speed mode, policy fast only: one SO_REUSEPORT listener per accept
	 * thread, each with SO_INCOMING_CPU of its thread's CPU, so a
	 * connection is accepted on the CPU that sent its SYN. Each listener
	 * has the full backlog: not for accept-queue experiments.
	 * lg_server__fd() is the first listener. */
	int per_cpu_listeners;
	/* --tls: the listener terminates TLS with this context (accept
	 * threads with epoll, or the synchronous loop for delay and rate);
	 * NULL: plain TCP. Not with paired. */
	const struct lg_tls *tls;
	/* Speed mode, policy fast only: per-CPU listeners as above, but no
	 * accept threads: client thread i (lg_client_opts.paired = this
	 * server, io_uring engine, same threads) serves listener i in its own
	 * ring, so a connection's client, server and softirq work stay on one
	 * CPU with no cross-thread wake-up. */
	int paired;
	/* --reuseport N (1..64): N listeners in one SO_REUSEPORT group on the
	 * port (no SO_INCOMING_CPU: the kernel's hash spreads connections),
	 * each with the full backlog and its own accept threads (policy fast
	 * and pause: threads / N, at least one; delay and rate: one; none:
	 * none). slow_socket (-1: none) is the index of one listener that
	 * accepts with slow_policy instead of policy. 0: one listener. */
#define LG_MAX_REUSEPORT 64
	uint32_t reuseport;
	int slow_socket;
	struct lg_accept_policy slow_policy;
	/* --close-socket K@MS (close_on 1): listener close_socket, which must
	 * have no accept threads (policy none), is closed close_after_ms after
	 * lg_server__start: a listener restart. Its accept queue is reset by
	 * the kernel, or moved to a sibling with net.ipv4.tcp_migrate_req=1. */
	int close_on;
	uint32_t close_socket;
	uint32_t close_after_ms;
	/* Where accepted connections go once their socket is closed (or at
	 * lg_server__stop for one still open): sink(ctx, recs, n) from the
	 * accepting threads (the client threads when paired), in batches,
	 * concurrently. NULL: kept for lg_server__accepts(). Memory follows
	 * the sockets open at once. */
	void (*sink)(void *ctx, const struct lg_accept *recs, size_t n);
	void *sink_ctx;
};

struct lg_server;
/* Creates the socket and calls listen(backlog). Negative errno on failure. */
int lg_server__new(const struct lg_server_opts *opts, struct lg_server **out);
int lg_server__start(struct lg_server *s);    /* starts the accept threads */
void lg_server__stop(struct lg_server *s);    /* stops and joins them */
struct lg_uring_caps; /* loadgen/uring_caps.h */
/* The io_uring operations the listener uses (probed in lg_server__new). */
const struct lg_uring_caps *lg_server__uring_caps(const struct lg_server *s);
void lg_server__free(struct lg_server *s);    /* NULL is fine; closes all */
int lg_server__fd(const struct lg_server *s); /* the listening socket */
/* min(backlog, net.core.somaxconn) as the kernel applied it. */
int lg_server__effective_backlog(const struct lg_server *s);
/* Without a sink, after lg_server__stop: every accepted connection, by
 * t_accept. With a sink: NULL, n = 0. */
const struct lg_accept *lg_server__accepts(struct lg_server *s, uint64_t *n);
/* Live count of accepted connections (recorded or not). */
uint64_t lg_server__accepted(const struct lg_server *s);
/* Live count of accepted connections the server closed. */
uint64_t lg_server__closed(const struct lg_server *s);
/* Accepted connections that could not be recorded (no memory). */
uint64_t lg_server__overflow(const struct lg_server *s);
/* The listening sockets: how many (--reuseport N: N; per-CPU: one per
 * thread; else 1), listener i's descriptor (-1 out of range), its live
 * count of accepted connections, its accept policy. */
uint32_t lg_server__nlisteners(const struct lg_server *s);
int lg_server__listener_fd(const struct lg_server *s, uint32_t i);
uint64_t lg_server__listener_accepts(const struct lg_server *s, uint32_t i);
const struct lg_accept_policy *lg_server__policy_of(const struct lg_server *s, uint32_t i);
/* The listener closed mid-run (close_on): 1 with when (CLOCK_MONOTONIC
 * ns), the connections its accept queue held just before (tcpi_unacked)
 * and its sk_drops once it left LISTEN (SO_MEMINFO; -1 unread), 0 when
 * none was closed (yet). */
struct lg_listen_closed {
	uint32_t li;
	uint64_t t_ns;
	int64_t queued;
	int64_t drops;
};
int lg_server__listener_closed(const struct lg_server *s, struct lg_listen_closed *out);

/* ---- client ---- */
struct lg_client_opts {
	uint64_t conns;	      /* total connections */
	uint32_t concurrency; /* closed loop: in flight across all threads */
	double rate;	      /* > 0: open loop, connections per second */
	uint32_t threads;     /* >= 1 */
	enum lg_mode mode;
	enum lg_close close;
	enum lg_engine engine;
	uint32_t req_bytes;
	uint32_t resp_bytes;
	enum lg_close_first close_first; /* crr: who sends the first FIN */
	/* bounds the connect and, in crr, the request/response phase after it
	 * (a stuck response ends as LG_OUT_TIMEOUT); 0 = no bound */
	uint32_t connect_timeout_ms;
	int ipv6;	      /* connect to ::1 instead of 127.0.0.x */
	uint16_t port;	      /* server port */
	uint32_t ndest;	      /* IPv4: spread over 127.0.0.1 .. 127.0.0.ndest */
	const char *req_data; /* crr: the request (req_bytes long); NULL: filler bytes */
	int http;	      /* crr: read the response to EOF and record its HTTP status */
	const struct lg_tls *tls; /* crr: TLS over each connection (lg_tls__new); NULL: none */
	uint32_t dest_addr;   /* IPv4 server address, network order (--target); 0: 127.0.0.1..ndest */
	/* IPv4 source addresses src_addr .. src_addr + nsrc - 1 (network
	 * order; the next one on every wrap of the thread's ports); 0: 127.0.0.1 */
	uint32_t src_addr;
	uint32_t nsrc;
	uint64_t deadline_ns; /* absolute CLOCK_MONOTONIC: stop everything then */
	volatile sig_atomic_t *stop;
	int no_affinity; /* 1: do not pin client thread i to CPU i % ncpu */
	/* a server made with opts.paired: every client thread also accepts
	 * and serves on its listener (needs engine uring, threads <= CPUs,
	 * affinity); the threads end when all of them are done */
	struct lg_server *paired;
	/* Where finished connections go: sink(ctx, recs, n) from the client
	 * threads, in batches of up to 256, concurrently (the sink locks what
	 * it shares); every connection started is handed on once, the ones a
	 * stop cut short included. NULL: the client keeps them for
	 * lg_client__conns(). Either way memory follows the connections
	 * started, not opts.conns. */
	void (*sink)(void *ctx, const struct lg_conn *recs, size_t n);
	void *sink_ctx;
};

struct lg_client_stats {
	uint64_t started; /* connects submitted */
	uint64_t done;	  /* connections finished (any outcome) */
	uint64_t ok;
	uint64_t failed;
	uint64_t behind_schedule; /* open loop: starts later than scheduled by > 1 ms */
	uint64_t max_lag_ns;	  /* open loop: worst start lag */
	uint64_t port_retries;	  /* local port busy, another one tried */
	uint64_t t_start, t_end;  /* CLOCK_MONOTONIC ns */
};

struct lg_client;
int lg_client__new(const struct lg_client_opts *opts, struct lg_client **out);
int lg_client__start(struct lg_client *c);
/* Waits until all connections finished, the deadline passed or *stop is set. */
int lg_client__wait(struct lg_client *c);
/* Live progress, safe to call from another thread while running. */
uint64_t lg_client__done(const struct lg_client *c);
void lg_client__stats(const struct lg_client *c, struct lg_client_stats *st);
/* Without a sink, after lg_client__wait: the records by connection number
 * (idx + k * threads), n = opts.conns, zeros for connections never
 * started. With a sink: NULL, n = 0. */
const struct lg_conn *lg_client__conns(struct lg_client *c, uint64_t *n);
void lg_client__free(struct lg_client *c);
/* engine uring: the io_uring operations it runs in the ring, probed once in
 * lg_client__new (which fails with -EOPNOTSUPP when even the basic ones are
 * missing: lg_uring_caps_missing() names them); the rest are syscalls. */
const struct lg_uring_caps *lg_client__uring_caps(const struct lg_client *c);

#endif
