/* The control channel: a command's stdin/stdout, lines and blobs (ctl.h). */
#include "harness/run/ctl.h"

#include "harness/run/child.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sb_ctl {
	int rfd, wfd;
	int own_fds;  /* sb_ctl_close closes rfd and wfd */
	pid_t pid; /* the transport command (ours), 0 on the remote end */
	char name[64];
	const volatile sig_atomic_t *stop; /* ends every wait (-EINTR) when it */
	sig_atomic_t stop_was;		   /* differs from this */
	const char *mem; /* sb_ctl_mem: the input, instead of rfd */
	size_t memlen, mempos;
	char buf[65536];
	size_t off, len;
	int eof;
};

/* A wait on a stop flag polls in slices this long: a signal that came
 * just before the poll is seen this late at most. */
#define STOP_SLICE_MS 200

int sb_ctl_spawn(const char *via, const char *const *args, const char *name, int errfd,
		 struct sb_ctl **out)
{
	struct sb_ctl *c = calloc(1, sizeof(*c));
	int in[2] = {-1, -1}, res[2] = {-1, -1}, e = 0;
	char *sh = NULL;

	*out = NULL;
	/* the user's transport command as they wrote it; what synbench adds
	 * (the remote binary, the verb) goes as "$@", never parsed here */
	if (!c || asprintf(&sh, "%s \"$@\"", via) < 0) {
		free(c);
		return -ENOMEM;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0) {
		e = -errno;
		goto fail;
	}
	{
		/* under a guard that dies with synbench and takes the
		 * transport's whole tree with it (harness/run/child.h) */
		struct sb_child_opts co = {.script = sh, .args = args, .in_fd = in[0],
					   .out_fd = res[1], .err_fd = errfd};

		e = sb_child_start(&co, &c->pid);
		if (e)
			goto fail;
	}
	close(in[0]);
	close(res[1]);
	c->own_fds = 1;
	c->wfd = in[1];
	c->rfd = res[0];
	snprintf(c->name, sizeof(c->name), "%s", name);
	free(sh);
	*out = c;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	free(sh);
	free(c);
	return e;
}

struct sb_ctl *sb_ctl_stdio(int out_fd)
{
	struct sb_ctl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rfd = 0;
	c->wfd = out_fd;
	c->own_fds = 1;
	snprintf(c->name, sizeof(c->name), "coordinator");
	return c;
}

struct sb_ctl *sb_ctl_mem(const void *p, size_t n)
{
	struct sb_ctl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rfd = c->wfd = -1;
	c->mem = p;
	c->memlen = n;
	snprintf(c->name, sizeof(c->name), "memory");
	return c;
}

struct sb_ctl *sb_ctl_fds(int rfd, int wfd, const char *name)
{
	struct sb_ctl *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rfd = rfd;
	c->wfd = wfd;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

void sb_ctl_set_stop(struct sb_ctl *c, const volatile sig_atomic_t *flag)
{
	c->stop = flag;
	c->stop_was = flag ? *flag : 0;
}

const char *sb_ctl_name(const struct sb_ctl *c)
{
	return c->name;
}

pid_t sb_ctl_pid(const struct sb_ctl *c)
{
	return c->pid;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	if (fd < 0)
		return -EPIPE;
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == EPIPE ? -EPIPE : -EIO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int sb_ctl_send(struct sb_ctl *c, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -E2BIG;
	line[n++] = '\n';
	return write_all(c->wfd, line, (size_t)n);
}

static int64_t ms_left(uint64_t end_ns)
{
	uint64_t now = lg_now_ns();

	return now >= end_ns ? 0 : (int64_t)((end_ns - now + 999999) / 1000000);
}

/* The deadline timeout_ms from now (-1: none, UINT64_MAX). */
static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX
			      : lg_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

/* Reads more input into buf by the deadline (UINT64_MAX: none). 0, -EPIPE,
 * -ETIMEDOUT, -EINTR (the stop flag), -E2BIG (buf full of one line). */
static int fill(struct sb_ctl *c, uint64_t end_ns)
{
	struct pollfd p = {.fd = c->rfd, .events = POLLIN};
	ssize_t n;
	int r;

	if (c->eof)
		return -EPIPE;
	if (c->off) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof(c->buf))
		return -E2BIG;
	if (c->mem) {
		size_t take = c->memlen - c->mempos;

		if (!take) {
			c->eof = 1;
			return -EPIPE;
		}
		if (take > sizeof(c->buf) - c->len)
			take = sizeof(c->buf) - c->len;
		memcpy(c->buf + c->len, c->mem + c->mempos, take);
		c->mempos += take;
		c->len += take;
		return 0;
	}
	for (;;) {
		int64_t left = end_ns == UINT64_MAX ? -1 : ms_left(end_ns);

		if (c->stop && *c->stop != c->stop_was)
			return -EINTR;
		if (left == 0)
			return -ETIMEDOUT;
		if (c->stop && (left < 0 || left > STOP_SLICE_MS))
			left = STOP_SLICE_MS;
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	n = read(c->rfd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		c->eof = 1;
		return -EPIPE;
	}
	c->len += (size_t)n;
	return 0;
}

int sb_ctl_recv_until(struct sb_ctl *c, char *line, size_t len, uint64_t deadline_ns)
{
	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		int e;

		if (nl) {
			size_t n = (size_t)(nl - (c->buf + c->off));

			if (n >= len)
				return -E2BIG;
			if (memchr(c->buf + c->off, 0, n)) {
				c->off += n + 1; /* no text line holds a NUL */
				return -EBADMSG;
			}
			memcpy(line, c->buf + c->off, n);
			line[n] = 0;
			c->off += n + 1;
			return 0;
		}
		if (c->len - c->off >= len)
			return -E2BIG; /* no newline yet, and already too long */
		e = fill(c, deadline_ns);
		if (e)
			return e;
	}
}

int sb_ctl_recv(struct sb_ctl *c, char *line, size_t len, int timeout_ms)
{
	return sb_ctl_recv_until(c, line, len, deadline_of(timeout_ms));
}

int sb_ctl_poll(struct sb_ctl *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->rfd, .events = POLLIN};

	if (c->eof || c->mem || memchr(c->buf + c->off, '\n', c->len - c->off))
		return 1;
	return poll(&p, 1, timeout_ms) > 0;
}

int sb_ctl_send_bytes(struct sb_ctl *c, const void *p, size_t n)
{
	return write_all(c->wfd, p, n);
}

int sb_ctl_send_blob(struct sb_ctl *c, const char *name, const void *p, size_t n)
{
	int e = sb_ctl_send(c, "blob %s %zu", name, n);

	return e ? e : write_all(c->wfd, p, n);
}

int sb_ctl_read(struct sb_ctl *c, void *out, size_t n, uint64_t deadline_ns)
{
	char *p = out;
	size_t got = 0;

	while (got < n) {
		size_t have = c->len - c->off, take = have < n - got ? have : n - got;
		int e;

		memcpy(p + got, c->buf + c->off, take);
		got += take;
		c->off += take;
		if (got == n)
			break;
		c->off = c->len = 0;
		e = fill(c, deadline_ns);
		if (e)
			return e;
	}
	return 0;
}

int sb_ctl_close(struct sb_ctl *c, int timeout_ms)
{
	int status = -1;
	uint64_t end;

	if (!c)
		return -1;
	if (c->own_fds && c->wfd > 1)
		close(c->wfd);
	if (c->own_fds && c->rfd > 0)
		close(c->rfd);
	if (c->pid > 0) {
		end = lg_now_ns() + (uint64_t)timeout_ms * 1000000ull;
		for (int sig = 0;;) {
			pid_t w = waitpid(c->pid, &status, WNOHANG);

			if (w == c->pid || (w < 0 && errno != EINTR))
				break;
			if (lg_now_ns() >= end) {
				/* our own child, the transport's guard, by PID:
				 * TERM (it ends the transport's tree), then KILL */
				sig = sig == 0 ? SIGTERM : SIGKILL;
				kill(c->pid, sig);
				end = lg_now_ns() + 3000000000ull;
			}
			usleep(10000);
		}
	}
	free(c);
	return status;
}
