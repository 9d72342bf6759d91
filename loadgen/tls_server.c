/* The built-in listener terminating TLS (tls.h): per accept thread an epoll
 * loop over its listener, the stop eventfd and its open connections, each
 * a non-blocking socket with OpenSSL's socket BIO. Per connection:
 * accept4, the handshake (t_tls_done stamped when SSL_do_handshake returns
 * 1: the client's Finished read), the request read, the response written
 * with close_notify after it, then (--close-first client) the client's
 * FIN, and close. A failed handshake records OpenSSL's reason (tls_err)
 * and closes. On the stop the loop accepts no more and serves its open
 * connections on until they end (LG_DRAIN_NS / 4 at most): a client that
 * failed the handshake is done, and the run stopped, before its alert may
 * have been read here. OpenSSL's socket BIO write()s without MSG_NOSIGNAL: the
 * serving threads block SIGPIPE (the kernel sends it to the writing thread),
 * so a client gone away is EPIPE, not the end of the process. */
#include "loadgen/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define EV_LISTENER 1u
#define EV_STOP	    2u
#define ACCEPT_BURST 64 /* accepts per wake-up, so open connections get their turn */

enum { P_HANDSHAKE = 0, P_REQUEST, P_RESPONSE, P_EOF };

struct sconn {
	SSL *ssl;
	int fd;
	uint8_t phase;
	uint32_t events; /* what epoll waits for on fd */
	uint32_t got, sent;
	uint64_t rec;
	struct sconn *prev, *next; /* the open ones; next: the free list too */
};

struct loop {
	struct lg_server *s;
	const struct lg_server_opts *o;
	SSL_CTX *ctx;
	const char *resp;
	char *rbuf;
	uint32_t rlen;
	int ep;
	struct sconn *open, *free;
};

/* SIGPIPE blocked in this thread (old: the mask to put back). */
static void no_sigpipe(sigset_t *old)
{
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, old);
}

/* The mask back, a SIGPIPE still pending for this thread taken first. */
static void sigpipe_back(const sigset_t *old)
{
	sigset_t pipe;
	struct timespec zero = {0, 0};

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	while (sigtimedwait(&pipe, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The failure's code on the record, like the client's (tls_client.c). */
static uint32_t fail_code(void)
{
	unsigned long code = ERR_peek_last_error();

	ERR_clear_error();
	return (uint32_t)(code ? code : ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING));
}

static void finish(struct loop *l, struct sconn *c)
{
	close(c->fd); /* leaves the epoll set with it */
	SSL_free(c->ssl);
	lg_srv_closed(l->s, c->rec);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->open = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->ssl = NULL;
	c->next = l->free;
	l->free = c;
}

/* Wait for ev on c (0 or the failure). */
static int want(struct loop *l, struct sconn *c, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = c};

	if (c->events == ev)
		return 0;
	if (epoll_ctl(l->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) != 0)
		return -errno;
	c->events = ev;
	return 0;
}

/* OpenSSL wants to read or write: wait for it; 1 if the connection goes on. */
static int wait_io(struct loop *l, struct sconn *c, int ret)
{
	int e = SSL_get_error(c->ssl, ret);

	if (e == SSL_ERROR_WANT_READ)
		return want(l, c, EPOLLIN) == 0;
	if (e == SSL_ERROR_WANT_WRITE)
		return want(l, c, EPOLLOUT) == 0;
	return 0;
}

/* As far as the connection can go now. */
static void advance(struct loop *l, struct sconn *c)
{
	struct lg_accept *a = lg_srv_rec(l->s, c->rec);
	int n;

	ERR_clear_error();
	if (c->phase == P_HANDSHAKE) {
		n = SSL_do_handshake(c->ssl);
		if (n != 1) {
			if (wait_io(l, c, n))
				return;
			if (a)
				a->tls_err = fail_code();
			return finish(l, c);
		}
		if (a) {
			a->t_tls_done = lg_now_ns();
			a->tls_flags |= SSL_session_reused(c->ssl) ? LG_TLS_F_RESUMED : 0;
		}
		c->phase = P_REQUEST;
	}
	while (c->phase == P_REQUEST && c->got < l->o->req_bytes) {
		uint32_t left = l->o->req_bytes - c->got;

		n = SSL_read(c->ssl, l->rbuf, (int)(left < l->rlen ? left : l->rlen));
		if (n > 0) {
			c->got += (uint32_t)n;
			continue;
		}
		if (!wait_io(l, c, n))
			finish(l, c); /* the client went away */
		ERR_clear_error();
		return;
	}
	c->phase = c->phase == P_REQUEST ? P_RESPONSE : c->phase;
	while (c->phase == P_RESPONSE && c->sent < l->o->resp_bytes) {
		n = SSL_write(c->ssl, l->resp + c->sent, (int)(l->o->resp_bytes - c->sent));
		if (n > 0) {
			c->sent += (uint32_t)n;
			continue;
		}
		if (!wait_io(l, c, n))
			finish(l, c);
		ERR_clear_error();
		return;
	}
	if (c->phase == P_RESPONSE) {
		SSL_shutdown(c->ssl); /* close_notify, not waiting for the client's */
		ERR_clear_error();
		if (l->o->close_first != LG_CLOSE_FIRST_CLIENT)
			return finish(l, c);
		c->phase = P_EOF;
		if (want(l, c, EPOLLIN))
			return finish(l, c);
	}
	/* --close-first client: the client's FIN; its bytes are dropped */
	for (;;) {
		ssize_t k = recv(c->fd, l->rbuf, l->rlen, 0);

		if (k > 0)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		return finish(l, c);
	}
}

static void take(struct loop *l, struct srv_thread *t, int lfd)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct sconn *c;

		if (fd < 0)
			return; /* EAGAIN, or out of descriptors: the next wake-up */
		c = l->free;
		if (c)
			l->free = c->next;
		else
			c = malloc(sizeof(*c));
		if (c) {
			memset(c, 0, sizeof(*c));
			c->ssl = SSL_new(l->ctx);
		}
		if (!c || !c->ssl || !SSL_set_fd(c->ssl, fd)) {
			/* no memory: recorded and closed, the client sees the end */
			lg_srv_closed(l->s, lg_srv_record(l->s, t, fd, lg_now_ns()));
			close(fd);
			if (c)
				SSL_free(c->ssl);
			free(c);
			ERR_clear_error();
			continue;
		}
		c->fd = fd;
		c->rec = lg_srv_record(l->s, t, fd, lg_now_ns());
		SSL_set_accept_state(c->ssl);
		c->next = l->open;
		if (l->open)
			l->open->prev = c;
		l->open = c;
		advance(l, c);
	}
}

int lg_srv_tls_loop(struct lg_server *s, struct srv_thread *t, const struct lg_server_opts *o,
		    int lfd, int efd, const char *resp)
{
	struct loop l = {.s = s, .o = o, .ctx = o->tls->srv, .resp = resp, .rlen = 65536};
	struct epoll_event evs[256];
	struct epoll_event el = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u64 = EV_LISTENER};
	struct epoll_event es = {.events = EPOLLIN, .data.u64 = EV_STOP};
	sigset_t old;
	uint64_t drain_until = 0;
	int err = 0;

	no_sigpipe(&old);
	/* several threads take from one listener: never block in accept4 */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	l.rbuf = malloc(l.rlen);
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!l.rbuf || l.ep < 0 || epoll_ctl(l.ep, EPOLL_CTL_ADD, lfd, &el) ||
	    epoll_ctl(l.ep, EPOLL_CTL_ADD, efd, &es))
		err = l.rbuf ? -errno : -ENOMEM;
	while (!err) {
		uint64_t wait = LG_IDLE_WAIT_NS, now;
		int n;

		if (!drain_until && lg_srv_stopping(s)) {
			/* stopped: no new accepts, the stop's eventfd (readable
			 * from now on) out of the set */
			drain_until = lg_now_ns() + LG_DRAIN_NS / 4;
			epoll_ctl(l.ep, EPOLL_CTL_DEL, lfd, NULL);
			epoll_ctl(l.ep, EPOLL_CTL_DEL, efd, NULL);
		}
		if (drain_until) {
			now = lg_now_ns();
			if (!l.open || now >= drain_until)
				break;
			wait = drain_until - now < wait ? drain_until - now : wait;
		}
		n = epoll_wait(l.ep, evs, 256, (int)((wait + 999999) / 1000000));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == EV_LISTENER)
				take(&l, t, lfd);
			else if (evs[i].data.u64 != EV_STOP)
				advance(&l, evs[i].data.ptr);
		}
	}
	while (l.open) /* drained: what is still open closes now */
		finish(&l, l.open);
	while (l.free) {
		struct sconn *c = l.free;

		l.free = c->next;
		free(c);
	}
	if (l.ep >= 0)
		close(l.ep);
	free(l.rbuf);
	sigpipe_back(&old);
	return err;
}

void lg_srv_tls_serve_sync(const struct lg_server_opts *o, int fd, const char *resp,
			   struct lg_accept *rec)
{
	struct timeval tv = {1, 0}; /* as the plain synchronous path: 1 s per call */
	SSL *ssl = SSL_new(o->tls->srv);
	char buf[4096];
	uint32_t n = 0;
	sigset_t old;

	no_sigpipe(&old);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ERR_clear_error();
	if (!ssl || !SSL_set_fd(ssl, fd))
		goto out;
	if (SSL_accept(ssl) != 1) {
		if (rec)
			rec->tls_err = fail_code();
		goto out;
	}
	if (rec) {
		rec->t_tls_done = lg_now_ns();
		rec->tls_flags |= SSL_session_reused(ssl) ? LG_TLS_F_RESUMED : 0;
	}
	while (n < o->req_bytes) {
		uint32_t left = o->req_bytes - n;
		int r = SSL_read(ssl, buf, (int)(left < sizeof(buf) ? left : sizeof(buf)));

		if (r <= 0)
			goto out;
		n += (uint32_t)r;
	}
	for (n = 0; n < o->resp_bytes;) {
		int r = SSL_write(ssl, resp + n, (int)(o->resp_bytes - n));

		if (r <= 0)
			goto out;
		n += (uint32_t)r;
	}
	SSL_shutdown(ssl);
	/* client first: its FIN (recv 0), an error or the timeout */
	while (o->close_first == LG_CLOSE_FIRST_CLIENT && recv(fd, buf, sizeof(buf), 0) > 0)
		;
out:
	ERR_clear_error();
	SSL_free(ssl);
	sigpipe_back(&old);
}
