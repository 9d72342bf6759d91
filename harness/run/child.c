/* Commands started on the user's behalf, under a guard that dies with
 * synbench (child.h). */
#include "harness/run/child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define MAX_ARGS 64

int sb_child_start(const struct sb_child_opts *o, pid_t *pid)
{
	const char *argv[MAX_ARGS + 5];
	char ppid[24];
	size_t n = 0;
	pid_t parent = getpid(), p;
	int null;

	snprintf(ppid, sizeof(ppid), "%d", (int)parent);
	argv[n++] = "synbench";
	argv[n++] = "guard";
	argv[n++] = ppid;
	argv[n++] = o->script;
	for (size_t i = 0; o->args && o->args[i]; i++) {
		if (n >= MAX_ARGS + 4)
			return -E2BIG;
		argv[n++] = o->args[i];
	}
	argv[n] = NULL;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	fflush(NULL);
	p = fork();
	if (p < 0) {
		int e = -errno;

		close(null);
		return e;
	}
	if (p == 0) {
		/* async-signal-safe only until exec: the caller has threads */
		int in = o->in_fd >= 0 ? o->in_fd : null, out = o->out_fd >= 0 ? o->out_fd : null;
		int err = o->err_fd >= 0 ? o->err_fd : STDERR_FILENO;

		/* its own process group: a terminal's Ctrl-C reaches synbench,
		 * which stops the command in order */
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(125);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	close(null);
	setpgid(p, p); /* both sides, so the group exists before we signal it */
	*pid = p;
	return 0;
}

int sb_child_exited(pid_t pid, int *status)
{
	pid_t w;

	do
		w = waitpid(pid, status, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return w == pid;
}

static uint64_t now_ms(void)
{
	return lg_now_ns() / 1000000u;
}

int sb_child_stop(pid_t pid, int grace_ms)
{
	uint64_t end = now_ms() + (uint64_t)(grace_ms > 0 ? grace_ms : 0);
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status = -1, killed = 0;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (;;) {
		int r = sb_child_exited(pid, &status);

		if (r != 0)
			return r > 0 ? status : -1;
		if (!killed && now_ms() >= end) {
			kill(pid, SIGKILL); /* the guard itself: our own child, by PID */
			killed = 1;
		}
		nanosleep(&tick, NULL);
	}
}

/* ---- the guard (a process of its own: plain C from here on) ---- */

static volatile sig_atomic_t guard_stop;

static void on_term(int sig)
{
	(void)sig;
	guard_stop = 1;
}

/* Signals every process whose parent is this guard (the command, and what
 * it left behind when it exited: re-parented to us, the subreaper), but
 * those in process group skip, which the caller signaled as a group: a
 * second TERM is a hurry (synbench's own handler then skips its clean end,
 * harness/run/signals.c), and signals of one kind do not always merge. */
static void signal_children(int sig, pid_t skip)
{
	pid_t self = getpid();
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		char path[300], buf[512], *rp;
		long ppid = 0, pgrp = 0;
		ssize_t n;
		int fd;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		rp = strrchr(buf, ')'); /* the name may hold anything */
		if (rp && sscanf(rp + 1, " %*c %ld %ld", &ppid, &pgrp) == 2 && ppid == self &&
		    (skip <= 0 || pgrp != skip))
			kill((pid_t)atol(d->d_name), sig);
	}
	closedir(dir);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* Ends the command's tree: TERM to its group and our children, KILL after
 * 2 s, everything reaped. */
static void end_tree(pid_t cmd, int *cmd_status, int *cmd_done)
{
	uint64_t end = now_ms() + 2000;
	struct timespec tick = {0, 10 * 1000 * 1000};
	int st, sig = SIGTERM;

	for (;;) {
		pid_t w;

		if (sig) {
			/* the command's group while its leader is ours (a reaped
			 * leader's number may be someone else's), then the rest */
			int grouped = !*cmd_done && kill(-cmd, sig) == 0;

			signal_children(sig, grouped ? cmd : 0);
			sig = 0;
		}
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == cmd) {
				*cmd_status = st;
				*cmd_done = 1;
			}
		if (w < 0 && errno == ECHILD)
			return;
		if (now_ms() >= end) {
			sig = SIGKILL;
			end = UINT64_MAX;
		}
		nanosleep(&tick, NULL);
	}
}

int sb_guard_main(int argc, char **argv)
{
	struct sigaction sa;
	int cmd_status = 0, cmd_done = 0;
	long parent;
	pid_t cmd;

	if (argc < 3 || (parent = atol(argv[1])) <= 1) {
		fprintf(stderr, "synbench guard: not for use by hand\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != (pid_t)parent)
		return 125; /* synbench is already gone */
	cmd = fork();
	if (cmd < 0)
		return 126;
	if (cmd == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		setpgid(0, 0);
		/* argv[2] is the script; argv[3..] its "$@" after "sh" as $0 */
		{
			char **a = calloc((size_t)argc + 2, sizeof(*a));

			if (!a)
				_exit(126);
			a[0] = "sh";
			a[1] = "-c";
			a[2] = argv[2];
			a[3] = "sh";
			for (int i = 3; i < argc; i++)
				a[i + 1] = argv[i];
			execv("/bin/sh", a);
		}
		_exit(127);
	}
	setpgid(cmd, cmd);
	while (!guard_stop) {
		struct timespec tick = {0, 100 * 1000 * 1000}; /* a signal cuts it short */
		pid_t w;
		int st;

		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == cmd) {
				cmd_status = st;
				cmd_done = 1;
			}
		if (w < 0 && errno == ECHILD)
			return status_code(cmd_status); /* the whole tree ended */
		nanosleep(&tick, NULL);
	}
	end_tree(cmd, &cmd_status, &cmd_done);
	return cmd_done ? status_code(cmd_status) : 128 + SIGTERM;
}
