/* A client connection's TLS on memory BIOs, driven by either engine
 * (tls.h): the handshake, the request, the response, their stamps, and a
 * failure with OpenSSL's reason. */
#include "loadgen/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int lg_tls_thread_init(struct lg_thread *t)
{
	t->tlsc = calloc(t->nslots, sizeof(*t->tlsc));
	t->tls = calloc(1, sizeof(*t->tls));
	return t->tlsc && t->tls ? 0 : -ENOMEM;
}

void lg_tls_thread_free(struct lg_thread *t)
{
	for (uint32_t i = 0; t->tlsc && i < t->nslots; i++) {
		SSL_free(t->tlsc[i].ssl);
		free(t->tlsc[i].buf);
	}
	free(t->tlsc);
	t->tlsc = NULL;
	for (uint32_t i = 0; t->tls && i < t->tls->nsess; i++)
		SSL_SESSION_free(t->tls->sess[i]);
	free(t->tls);
	t->tls = NULL;
}

/* SSL_CTX_sess_set_new_cb (--tls-resume): the thread keeps the resumable
 * sessions servers gave it, the oldest dropped when full. */
int lg_tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct lg_tls_thr *th = SSL_get_app_data(ssl);

	if (!th || !SSL_SESSION_is_resumable(sess))
		return 0;
	if (th->nsess == LG_TLS_SESSIONS) {
		SSL_SESSION_free(th->sess[0]);
		memmove(th->sess, th->sess + 1, (LG_TLS_SESSIONS - 1) * sizeof(th->sess[0]));
		th->nsess--;
	}
	th->sess[th->nsess++] = sess;
	return 1; /* the reference is ours */
}

/* The session to offer: the newest still resumable (sessions used up on
 * the way are dropped); a TLS 1.3 one leaves the thread's store, a 1.2 one
 * stays (see struct lg_tls_thr). NULL: none. */
static SSL_SESSION *take_session(struct lg_tls_thr *th, int *owned)
{
	while (th->nsess) {
		SSL_SESSION *s = th->sess[th->nsess - 1];

		if (!SSL_SESSION_is_resumable(s)) {
			SSL_SESSION_free(s);
			th->nsess--;
			continue;
		}
		*owned = SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION;
		th->nsess -= *owned;
		return s;
	}
	return NULL;
}

/* The connection failed in TLS: OpenSSL's reason (and the certificate's
 * verify result) in the record, outcome LG_OUT_TLS; the alert OpenSSL wrote
 * goes to the server as a real client's would (once, without waiting: no
 * operation of the slot is in flight when the TLS engine runs). */
static void tls_fail(struct lg_tls_conn *c, struct lg_slot *s)
{
	char *p = NULL;
	long n = BIO_get_mem_data(c->wb, &p);

	unsigned long code = ERR_peek_last_error();
	long v = SSL_get_verify_result(c->ssl);

	if (!code) /* no reason queued: the server closed in the middle */
		code = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING);
	s->rec.tls_err = (uint32_t)code;
	if (ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK)
		s->rec.tls_verify = (uint16_t)(v > 0 && v < 65536 ? v : 65535);
	ERR_clear_error();
	s->tls_failed = 1;
	if (!s->err)
		s->err = EPROTO;
	c->phase = LG_TLS_FAILED;
	if (n > 0 && s->fd >= 0 && send(s->fd, p, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the server may be gone: the failure is recorded anyway */
	}
}

/* After the handshake: the response, as far as what arrived goes. */
static void read_response(struct lg_thread *t, struct lg_slot *s, struct lg_tls_conn *c,
			  uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	struct lg_conn *r = &s->rec;

	for (;;) {
		int in_head = o->http && s->got < sizeof(s->head);
		uint32_t cap = in_head ? (uint32_t)sizeof(s->head) - s->got : t->recvlen;
		int n, e;

		if (!o->http && o->resp_bytes - s->got < cap)
			cap = o->resp_bytes - s->got;
		n = SSL_read(c->ssl, in_head ? s->head + s->got : t->recvbuf, (int)cap);
		if (n > 0) {
			if (!r->t_first)
				r->t_first = now;
			s->got += (uint32_t)n;
			if (o->http && !r->status && s->got >= 12)
				r->status = lg_http_status(s->head, s->got < sizeof(s->head)
									? s->got
									: sizeof(s->head));
			if (!o->http && s->got >= o->resp_bytes) {
				r->t_resp = now;
				c->phase = o->close_first == LG_CLOSE_FIRST_SERVER && !c->eof
					       ? LG_TLS_EOF
					       : LG_TLS_DONE;
				return;
			}
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ && !c->eof)
			return;
		if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_WANT_READ ||
		    e == SSL_ERROR_SYSCALL) {
			/* the server's end: --http's response is complete; a plain
			 * response is short */
			ERR_clear_error();
			if (o->http && s->got) {
				r->t_resp = now;
				c->phase = LG_TLS_DONE;
			} else {
				s->err = ENODATA;
				c->phase = LG_TLS_FAILED;
			}
			return;
		}
		return tls_fail(c, s);
	}
}

/* The handshake, then the request and the response, as far as what arrived
 * lets them go. */
static void step(struct lg_thread *t, struct lg_slot *s, struct lg_tls_conn *c, uint64_t now)
{
	const struct lg_client_opts *o = &t->c->o;
	struct lg_conn *r = &s->rec;
	int ret;

	if (c->phase == LG_TLS_HANDSHAKE) {
		ret = SSL_do_handshake(c->ssl);
		if (ret != 1) {
			if (SSL_get_error(c->ssl, ret) == SSL_ERROR_WANT_READ && !c->eof)
				return;
			return tls_fail(c, s);
		}
		r->t_tls_done = lg_now_ns();
		r->tls_version = SSL_version(c->ssl) == TLS1_3_VERSION	 ? 13
				 : SSL_version(c->ssl) == TLS1_2_VERSION ? 12
									 : 0;
		if (SSL_session_reused(c->ssl))
			r->tls_flags |= LG_TLS_F_RESUMED;
		/* a memory BIO takes all of it at once */
		if (SSL_write(c->ssl, t->sendbuf, (int)o->req_bytes) != (int)o->req_bytes)
			return tls_fail(c, s);
		c->req_out = 1;
		c->phase = LG_TLS_RESPONSE;
	}
	if (c->phase == LG_TLS_RESPONSE)
		read_response(t, s, c, now ? now : lg_now_ns());
}

int lg_tls_begin(struct lg_thread *t, struct lg_slot *s)
{
	const struct lg_tls *tls = t->c->o.tls;
	struct lg_tls_conn *c = lg_tls_of(t, s);

	char *buf = c->buf;

	SSL_free(c->ssl);
	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->ssl = SSL_new(tls->cli);
	c->rb = BIO_new(BIO_s_mem());
	c->wb = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->rb || !c->wb) {
		BIO_free(c->rb);
		BIO_free(c->wb);
		SSL_free(c->ssl);
		c->ssl = NULL;
		s->err = ENOMEM;
		c->phase = LG_TLS_FAILED;
		ERR_clear_error();
		return -ENOMEM;
	}
	/* an empty read BIO is "later" (-1) until the peer's FIN makes it EOF */
	BIO_set_mem_eof_return(c->rb, -1);
	SSL_set_bio(c->ssl, c->rb, c->wb);
	SSL_set_app_data(c->ssl, t->tls);
	SSL_set_connect_state(c->ssl);
	if (tls->sni[0]) {
		SSL_set_tlsext_host_name(c->ssl, tls->sni);
		if (tls->verify)
			SSL_set1_host(c->ssl, tls->sni);
	}
	if (tls->o.resume) {
		int owned = 0;
		SSL_SESSION *sess = take_session(t->tls, &owned);

		if (sess)
			SSL_set_session(c->ssl, sess); /* a reference of its own */
		if (owned)
			SSL_SESSION_free(sess);
	}
	c->phase = LG_TLS_HANDSHAKE;
	step(t, s, c, 0); /* the ClientHello */
	return 0;
}

void lg_tls_input(struct lg_thread *t, struct lg_slot *s, const void *data, size_t n,
		  uint64_t now)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);

	if (c->phase == LG_TLS_EOF) { /* bytes after the response are dropped */
		if (!n)
			c->phase = LG_TLS_DONE;
		return;
	}
	if (c->phase != LG_TLS_HANDSHAKE && c->phase != LG_TLS_RESPONSE)
		return;
	if (!n) {
		c->eof = 1;
		BIO_set_mem_eof_return(c->rb, 0);
	} else if (BIO_write(c->rb, data, (int)n) != (int)n) {
		ERR_clear_error();
		s->err = ENOMEM;
		c->phase = LG_TLS_FAILED;
		return;
	}
	step(t, s, c, now);
}

size_t lg_tls_pending(const struct lg_thread *t, const struct lg_slot *s)
{
	const struct lg_tls_conn *c = lg_tls_of(t, s);

	return c && c->wb ? BIO_ctrl_pending(c->wb) : 0;
}

size_t lg_tls_output(struct lg_thread *t, struct lg_slot *s, void *buf, size_t cap)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);
	int n = c->wb && cap ? BIO_read(c->wb, buf, (int)cap) : 0;

	return n > 0 ? (size_t)n : 0;
}

size_t lg_tls_peek(const struct lg_thread *t, const struct lg_slot *s, const char **p)
{
	const struct lg_tls_conn *c = lg_tls_of(t, s);
	char *d = NULL;
	long n = c->wb ? BIO_get_mem_data(c->wb, &d) : 0;

	*p = d;
	return n > 0 ? (size_t)n : 0;
}

void lg_tls_consume(struct lg_thread *t, struct lg_slot *s, size_t n)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);
	char sink[1024];

	while (n) {
		int k = BIO_read(c->wb, sink, (int)(n < sizeof(sink) ? n : sizeof(sink)));

		if (k <= 0)
			return;
		n -= (size_t)k;
	}
}

void lg_tls_sent(struct lg_thread *t, struct lg_slot *s, uint64_t now)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);

	if (c->req_out && !BIO_ctrl_pending(c->wb)) {
		s->rec.t_sent = now;
		c->req_out = 0;
	}
}

void lg_tls_end(struct lg_thread *t, struct lg_slot *s)
{
	struct lg_tls_conn *c = lg_tls_of(t, s);

	if (!c)
		return;
	/* an exchange that went through ends as one closed on purpose: a
	 * session freed without a shutdown is "bad" and OpenSSL makes it not
	 * resumable (ssl_clear_bad_session), even the copy a thread keeps
	 * for --tls-resume. Quiet: nothing more is sent. */
	if (c->ssl && (c->phase == LG_TLS_DONE || c->phase == LG_TLS_EOF)) {
		SSL_set_quiet_shutdown(c->ssl, 1);
		SSL_shutdown(c->ssl);
	}
	SSL_free(c->ssl); /* and its BIOs */
	c->ssl = NULL;
	c->rb = c->wb = NULL;
	c->phase = LG_TLS_NONE;
}
