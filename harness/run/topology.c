/* Two hosts in one box: server and client namespaces over a veth pair,
 * set up with iproute2's ip and tc run inside each namespace (topology.h). */
#include "harness/run/topology.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/mib.h"
#include "harness/cli/netem.h"
#include "harness/run/netns.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define DEV_SERVER "sb-srv"
#define DEV_CLIENT "sb-cli"

struct sb_topo {
	int fd[2];	/* /proc/.../ns/net of each side */
	uint64_t ino[2];
};

static uint64_t now_ms(void)
{
	return lg_now_ns() / 1000000u;
}

int sb_run_in_ns(int nsfd, const char *const argv[], const char *input, int timeout_ms, char *out,
		 size_t len)
{
	int in[2], res[2], status = 0, err = 0;
	size_t got = 0;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	pid_t pid;

	if (len)
		out[0] = 0;
	if (pipe2(in, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(res, O_CLOEXEC) != 0) {
		err = -errno;
		close(in[0]);
		close(in[1]);
		return err;
	}
	pid = fork();
	if (pid == 0) {
		if ((nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0) || dup2(in[0], 0) < 0 ||
		    dup2(res[1], 1) < 0 || dup2(res[1], 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (pid < 0) {
		err = -errno;
		close(in[1]);
		close(res[0]);
		return err;
	}
	/* the input is a few hundred bytes: far below a pipe's buffer */
	if (input && write(in[1], input, strlen(input)) < 0)
		err = -errno;
	close(in[1]);
	for (;;) {
		struct pollfd p = {.fd = res[0], .events = POLLIN};
		int64_t left = (int64_t)(end - now_ms());
		char buf[512];
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			kill(pid, SIGKILL); /* our own child, by PID */
			err = -ETIMEDOUT;
			break;
		}
		n = read(res[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && got + 1 < len; i++)
			out[got++] = buf[i];
		if (len)
			out[got] = 0;
	}
	close(res[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (len) /* the first line: what ip/tc said went wrong */
		out[strcspn(out, "\n")] = 0;
	if (err)
		return err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int open_ns(int *fd, uint64_t *ino)
{
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	*ino = sb_netns_inode();
	return *ino ? 0 : -ENOENT;
}

/* ip -batch - in one side's namespace. */
static int ip_batch(struct sb_topo *t, int side, const char *cmds, char *err, size_t errlen)
{
	static const char *const argv[] = {"ip", "-batch", "-", NULL};
	char msg[256];
	int rc = sb_run_in_ns(t->fd[side], argv, cmds, 10000, msg, sizeof(msg));

	if (rc == 0)
		return 0;
	snprintf(err, errlen,
		 "cannot set up the veth topology (ip: %s); --topology veth needs "
		 "iproute2's ip in PATH and a kernel with veth (CONFIG_VETH)",
		 rc < 0 ? strerror(-rc) : msg);
	return rc < 0 ? rc : -EIO;
}

/* The qdiscs of --delay/--loss/--rate-limit on one end: a kernel without
 * netem (or htb) fails here, before anything is written. */
static int tc_side(struct sb_topo *t, int side, const struct sb_netem *n, char *err, size_t errlen)
{
	static const char *const argv[] = {"tc", "-batch", "-", NULL};
	const char *dev = side == SB_TOPO_SERVER ? DEV_SERVER : DEV_CLIENT;
	char cmds[512], msg[256];
	int rc;

	if (sb_netem_tc_batch(n, dev, cmds, sizeof(cmds)))
		return -ENOSPC;
	rc = sb_run_in_ns(t->fd[side], argv, cmds, 10000, msg, sizeof(msg));
	if (rc == 0)
		return 0;
	if (rc > 0 && strstr(msg, "qdisc kind is unknown") && sb_netem_wanted(n) == 1 &&
	    !strstr(cmds, "htb"))
		snprintf(err, errlen,
			 "--delay/--loss need the netem qdisc, which this kernel lacks "
			 "(tc: %s); run on a kernel built with CONFIG_NET_SCH_NETEM (Debian's 6.1 "
			 "and 6.12 have it) or drop --delay/--loss",
			 msg);
	else if (rc > 0 && strstr(msg, "qdisc kind is unknown"))
		snprintf(err, errlen,
			 "--delay/--loss/--rate-limit need the qdiscs netem and htb, and "
			 "this kernel lacks one (tc: %s); run on a kernel built with "
			 "CONFIG_NET_SCH_NETEM and CONFIG_NET_SCH_HTB or drop those options",
			 msg);
	else
		snprintf(err, errlen,
			 "cannot add the qdiscs for --delay/--loss/--rate-limit (tc: %s); "
			 "--topology veth needs iproute2's tc in PATH",
			 rc < 0 ? strerror(-rc) : msg);
	return rc < 0 ? rc : -EOPNOTSUPP;
}

int sb_topo__new(const struct sb_opts *o, struct sb_topo **out, char *err, size_t errlen)
{
	struct sb_topo *t = calloc(1, sizeof(*t));
	char cmds[4096];
	size_t k;
	int e;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->fd[0] = t->fd[1] = -1;
	/* the client's namespace first, then the server's, where the
	 * calling thread stays */
	e = sb_netns_enter(&t->ino[SB_TOPO_CLIENT]);
	if (!e)
		e = open_ns(&t->fd[SB_TOPO_CLIENT], &t->ino[SB_TOPO_CLIENT]);
	if (!e)
		e = sb_netns_enter(&t->ino[SB_TOPO_SERVER]);
	if (!e)
		e = open_ns(&t->fd[SB_TOPO_SERVER], &t->ino[SB_TOPO_SERVER]);
	if (e) {
		snprintf(err, errlen, "cannot create the client and server network "
				      "namespaces (%s); run as root", strerror(-e));
		goto fail;
	}
	snprintf(cmds, sizeof(cmds),
		 "link add " DEV_SERVER " type veth peer name " DEV_CLIENT " netns /proc/%d/fd/%d\n"
		 "addr add 198.18.0.1/15 dev " DEV_SERVER "\n"
		 "link set " DEV_SERVER " up\n",
		 (int)getpid(), t->fd[SB_TOPO_CLIENT]);
	e = ip_batch(t, SB_TOPO_SERVER, cmds, err, errlen);
	if (e)
		goto fail;
	k = 0;
	for (uint32_t i = 0; i < SB_VETH_NCLIENT; i++) {
		uint32_t a = SB_VETH_CLIENT_ADDR + i;

		k += (size_t)snprintf(cmds + k, sizeof(cmds) - k,
				      "addr add %u.%u.%u.%u/15 dev " DEV_CLIENT "\n", a >> 24,
				      (a >> 16) & 255, (a >> 8) & 255, a & 255);
	}
	snprintf(cmds + k, sizeof(cmds) - k, "link set " DEV_CLIENT " up\n");
	e = ip_batch(t, SB_TOPO_CLIENT, cmds, err, errlen);
	if (e)
		goto fail;
	if (sb_netem_wanted(&o->netem)) {
		e = tc_side(t, SB_TOPO_CLIENT, &o->netem, err, errlen);
		if (!e)
			e = tc_side(t, SB_TOPO_SERVER, &o->netem, err, errlen);
		if (e)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	sb_topo__free(t);
	return e;
}

int sb_topo__enter(const struct sb_topo *t, enum sb_topo_side side)
{
	return setns(t->fd[side], CLONE_NEWNET) == 0 ? 0 : -errno;
}

uint64_t sb_topo__ino(const struct sb_topo *t, enum sb_topo_side side)
{
	return t ? t->ino[side] : 0;
}

int sb_topo__fd(const struct sb_topo *t, enum sb_topo_side side)
{
	return t ? t->fd[side] : -1;
}

int sb_topo__mirror_sysctls(const struct sb_topo *t, char *err, size_t errlen)
{
	static const char *const names[] = {
		"net.ipv4.tcp_syn_retries",	"net.ipv4.tcp_syn_linear_timeouts",
		"net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse",
		"net.ipv4.tcp_timestamps",
	};
	char val[sizeof(names) / sizeof(names[0])][64];
	int ok[sizeof(names) / sizeof(names[0])];
	int e = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok[i] = sb_sysctl_read(names[i], val[i], sizeof(val[i])) == 0;
	if (sb_topo__enter(t, SB_TOPO_CLIENT))
		return -errno;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !e; i++) {
		if (!ok[i])
			continue; /* a sysctl this kernel lacks (syn_linear_timeouts < 6.5) */
		e = sb_sysctl_write(names[i], val[i]);
		if (e)
			snprintf(err, errlen,
				 "cannot set %s=%s in the client namespace (%s)", names[i],
				 val[i], strerror(-e));
	}
	if (sb_topo__enter(t, SB_TOPO_SERVER))
		abort(); /* cannot happen: it was entered before */
	return e;
}

int sb_topo__mib_read(const struct sb_topo *t, enum sb_topo_side side, struct sb_mib_snap **out)
{
	int e = sb_topo__enter(t, side);

	if (e)
		return e;
	e = sb_mib_snap__read(out);
	if (sb_topo__enter(t, SB_TOPO_SERVER))
		abort(); /* cannot happen: it was entered before */
	return e;
}

void sb_topo__free(struct sb_topo *t)
{
	if (!t)
		return;
	for (int i = 0; i < 2; i++)
		if (t->fd[i] >= 0)
			close(t->fd[i]);
	free(t);
}
