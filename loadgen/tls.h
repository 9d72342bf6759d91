/* TLS over the load generator's connections and the listener's (OpenSSL).
 * Not part of the public interface (loadgen.h has lg_tls__new and the
 * record fields); the engines (client_uring.c, client_epoll.c) and the
 * listener (server.c, tls_server.c) use it.
 *
 * A client connection's TLS runs on two memory BIOs (SSL_set_bio with a
 * BIO_s_mem pair): the engine feeds what the socket received
 * (lg_tls_input) and sends what the TLS engine wrote (lg_tls_output, or
 * lg_tls_peek + lg_tls_consume), so the io_uring engine and the epoll
 * engine drive the same state machine without blocking, and the stamps
 * mean the same in both:
 *   t_tls_start  the ClientHello handed to the kernel (the engine stamps
 *                it when it submits or send()s the first output)
 *   t_tls_done   SSL_do_handshake returned 1 (the server's flight processed)
 *   t_sent       the output carrying the request handed over completely
 *   t_first      the first byte of the response decrypted
 *   t_resp       the response complete (--http: the server's EOF) */
#ifndef SB_LG_TLS_H
#define SB_LG_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "loadgen/lg_internal.h"

/* A slot's I/O buffer for the io_uring engine: a send of TLS output and
 * the receive after it, linked (never both in flight). */
#define LG_TLS_BUF 4096u

struct lg_tls {
	SSL_CTX *cli;	      /* the client's */
	SSL_CTX *srv;	      /* the listener's, NULL for a --target */
	struct lg_tls_opts o; /* strings copied below */
	char sni[256];
	int verify; /* the client verifies the server's certificate */
};

/* Where a client connection is in its TLS exchange. */
enum lg_tls_phase {
	LG_TLS_NONE = 0,
	LG_TLS_HANDSHAKE, /* until SSL_do_handshake returns 1 */
	LG_TLS_RESPONSE,  /* the request written: reading the response */
	LG_TLS_EOF,	  /* --close-first server: the response read, waiting for the FIN */
	LG_TLS_DONE,	  /* the exchange is over: close the socket */
	LG_TLS_FAILED,	  /* s->err says why (EPROTO with tls_err: a TLS failure) */
};

/* One slot's TLS (the thread's array, by slot index: lg_slot is zeroed
 * for every connection, this keeps the buffer across them). */
struct lg_tls_conn {
	SSL *ssl;
	BIO *rb, *wb;	  /* owned by ssl: what arrived, what to send */
	char *buf;	  /* LG_TLS_BUF bytes (io_uring engine), made on first use */
	uint8_t phase;	  /* enum lg_tls_phase */
	uint8_t req_out;  /* the request is in the output not yet reported sent */
	uint8_t eof;	  /* the peer's FIN arrived */
};

/* One client thread's TLS (--tls-resume): the sessions servers gave it,
 * newest last. A TLS 1.3 ticket is offered once (OpenSSL's client makes a
 * session it resumed with not resumable again, as RFC 8446 recommends
 * single use), so each connection takes one; a TLS 1.2 ticket serves
 * every connection until a newer one comes. */
#define LG_TLS_SESSIONS 64
struct lg_tls_thr {
	SSL_SESSION *sess[LG_TLS_SESSIONS];
	uint32_t nsess;
};

/* SSL_CTX_sess_set_new_cb of the client's context (tls_client.c). */
int lg_tls_new_session(SSL *ssl, SSL_SESSION *sess);

/* client.c: per thread, when opts.tls; freed with the thread. */
int lg_tls_thread_init(struct lg_thread *t);
void lg_tls_thread_free(struct lg_thread *t);

/* The slot's TLS, or NULL without --tls. */
static inline struct lg_tls_conn *lg_tls_of(const struct lg_thread *t, const struct lg_slot *s)
{
	return t->tlsc ? &t->tlsc[s - t->slots] : NULL;
}

/* The connection of slot s is up: a TLS session, the ClientHello made
 * (output pending). 0, or negative errno (no memory): s->err set. */
int lg_tls_begin(struct lg_thread *t, struct lg_slot *s);
/* n bytes received (n 0: the peer's FIN): the handshake, the request and
 * the response go as far as they can. now: when they arrived (0: now). */
void lg_tls_input(struct lg_thread *t, struct lg_slot *s, const void *data, size_t n,
		  uint64_t now);
/* Output waiting to be sent, in bytes. */
size_t lg_tls_pending(const struct lg_thread *t, const struct lg_slot *s);
/* Moves up to cap bytes of output into buf; their number. */
size_t lg_tls_output(struct lg_thread *t, struct lg_slot *s, void *buf, size_t cap);
/* The output in place (valid until the next call on the slot), and taking
 * n bytes of it off after a send() took them. */
size_t lg_tls_peek(const struct lg_thread *t, const struct lg_slot *s, const char **p);
void lg_tls_consume(struct lg_thread *t, struct lg_slot *s, size_t n);
/* Every byte of output taken so far was handed to the kernel (a send
 * completed, now): stamps t_sent when the request was among them. */
void lg_tls_sent(struct lg_thread *t, struct lg_slot *s, uint64_t now);
/* The slot's phase (enum lg_tls_phase). */
static inline int lg_tls_phase_of(const struct lg_thread *t, const struct lg_slot *s)
{
	const struct lg_tls_conn *c = lg_tls_of(t, s);

	return c ? c->phase : LG_TLS_NONE;
}
/* The connection is over (lg_finish): its SSL freed, the buffer kept. */
void lg_tls_end(struct lg_thread *t, struct lg_slot *s);

/* ---- the listener (tls_server.c) ---- */
struct lg_server;
struct srv_thread;
/* One accept thread serving its listener lfd with TLS until a stop: epoll
 * on the listener, the stop eventfd and every open connection; a socket
 * BIO per connection. 0 or negative errno. */
int lg_srv_tls_loop(struct lg_server *s, struct srv_thread *t, const struct lg_server_opts *o,
		    int lfd, int efd, const char *resp);
/* The synchronous path (accept delay and rate): one connection served
 * with blocking calls under the socket's send/receive timeouts; rec (NULL:
 * not recorded) gets the handshake's stamp. */
void lg_srv_tls_serve_sync(const struct lg_server_opts *o, int fd, const char *resp,
			   struct lg_accept *rec);

/* server.c, for tls_server.c: its records and stop flag. */
uint64_t lg_srv_record(struct lg_server *s, struct srv_thread *t, int fd, uint64_t now);
struct lg_accept *lg_srv_rec(struct lg_server *s, uint64_t rec); /* NULL: not recorded */
void lg_srv_closed(struct lg_server *s, uint64_t rec);
int lg_srv_stopping(struct lg_server *s);

#endif
