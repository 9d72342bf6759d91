/* The control channel: a command's stdin/stdout, lines and blobs (ctl.h). */
#include "harness/run/ctl.h"

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
	pid_t pid; /* the transport command (ours), 0 on the remote end */
	char name[64];
	char buf[65536];
	size_t off, len;
	int eof;
};

uint64_t sb_ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int sb_ctl_spawn(const char *cmdline, const char *name, int errfd, struct sb_ctl **out)
{
	struct sb_ctl *c = calloc(1, sizeof(*c));
	int in[2] = {-1, -1}, res[2] = {-1, -1}, e = 0;
	char *sh = NULL;

	*out = NULL;
	if (!c || asprintf(&sh, "exec %s", cmdline) < 0) {
		free(c);
		return -ENOMEM;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0) {
		e = -errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid == 0) {
		/* its own process group: a Ctrl-C reaches the coordinator,
		 * which stops every host in order and keeps their results */
		setpgid(0, 0);
		if (dup2(in[0], 0) < 0 || dup2(res[1], 1) < 0 || (errfd >= 0 && dup2(errfd, 2) < 0))
			_exit(126);
		execl("/bin/sh", "sh", "-c", sh, (char *)NULL);
		_exit(127);
	}
	if (c->pid < 0) {
		e = -errno;
		goto fail;
	}
	close(in[0]);
	close(res[1]);
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
	snprintf(c->name, sizeof(c->name), "coordinator");
	return c;
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
	uint64_t now = sb_ctl_now_ns();

	return now >= end_ns ? 0 : (int64_t)((end_ns - now + 999999) / 1000000);
}

/* Reads more input into buf within the deadline (0: none). 0, -EPIPE,
 * -ETIMEDOUT. */
static int fill(struct sb_ctl *c, uint64_t end_ns, int bounded)
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
	do
		r = poll(&p, 1, bounded ? (int)ms_left(end_ns) : -1);
	while (r < 0 && errno == EINTR && (!bounded || ms_left(end_ns) > 0));
	if (r == 0 || (r < 0 && errno == EINTR))
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	n = read(c->rfd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		c->eof = 1;
		return -EPIPE;
	}
	c->len += (size_t)n;
	return 0;
}

int sb_ctl_recv(struct sb_ctl *c, char *line, size_t len, int timeout_ms)
{
	uint64_t end = sb_ctl_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000ull;

	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		int e;

		if (nl) {
			size_t n = (size_t)(nl - (c->buf + c->off));

			if (n >= len)
				return -E2BIG;
			memcpy(line, c->buf + c->off, n);
			line[n] = 0;
			c->off += n + 1;
			return 0;
		}
		e = fill(c, end, timeout_ms >= 0);
		if (e)
			return e;
	}
}

int sb_ctl_poll(struct sb_ctl *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->rfd, .events = POLLIN};

	if (c->eof || memchr(c->buf + c->off, '\n', c->len - c->off))
		return 1;
	return poll(&p, 1, timeout_ms) > 0;
}

int sb_ctl_send_blob(struct sb_ctl *c, const char *name, const void *p, size_t n)
{
	int e = sb_ctl_send(c, "blob %s %zu", name, n);

	return e ? e : write_all(c->wfd, p, n);
}

int sb_ctl_recv_bytes(struct sb_ctl *c, size_t n, void **out, int timeout_ms)
{
	uint64_t end = sb_ctl_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	char *p = malloc(n ? n : 1);
	size_t got = 0;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	while (got < n) {
		size_t have = c->len - c->off, take = have < n - got ? have : n - got;
		int e;

		memcpy(p + got, c->buf + c->off, take);
		got += take;
		c->off += take;
		if (got == n)
			break;
		c->off = c->len = 0;
		e = fill(c, end, 1);
		if (e) {
			free(p);
			return e;
		}
	}
	*out = p;
	return 0;
}

int sb_ctl_close(struct sb_ctl *c, int timeout_ms)
{
	int status = -1;
	uint64_t end;

	if (!c)
		return -1;
	if (c->wfd > 1)
		close(c->wfd);
	if (c->rfd > 0)
		close(c->rfd);
	if (c->pid > 0) {
		end = sb_ctl_now_ns() + (uint64_t)timeout_ms * 1000000ull;
		for (int sig = 0;;) {
			pid_t w = waitpid(c->pid, &status, WNOHANG);

			if (w == c->pid || (w < 0 && errno != EINTR))
				break;
			if (sb_ctl_now_ns() >= end) {
				/* our own child, by PID: TERM, then KILL */
				sig = sig == 0 ? SIGTERM : SIGKILL;
				kill(c->pid, sig);
				end = sb_ctl_now_ns() + 2000000000ull;
			}
			usleep(10000);
		}
	}
	free(c);
	return status;
}
