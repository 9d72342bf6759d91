/* A server the harness did not write: --server-cmd started and stopped, its port watched. */
#include "harness/run/target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int listening_in(const char *path, uint16_t port)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned int lport, state;
		char local[64];

		/* "  0: 0100007F:1F90 00000000:0000 0A ..." */
		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x", local, &lport, &state) == 3)
			found = lport == port && state == 0x0A;
	}
	fclose(f);
	return found;
}

int sb_port_listening(uint16_t port)
{
	return listening_in("/proc/thread-self/net/tcp", port) ||
	       listening_in("/proc/thread-self/net/tcp6", port);
}

struct sb_server_cmd {
	pid_t pid;
	int reaped;
};

int sb_server_cmd__start(const char *cmd, const char *log, struct sb_server_cmd **out)
{
	struct sb_server_cmd *s = calloc(1, sizeof(*s));
	pid_t pid;

	if (!s)
		return -ENOMEM;
	pid = fork();
	if (pid < 0) {
		free(s);
		return -errno;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides, so the group exists before we signal it */
	s->pid = pid;
	*out = s;
	return 0;
}

int sb_server_cmd__wait_listening(struct sb_server_cmd *s, uint16_t port, int timeout_ms,
				  int *status)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		if (sb_port_listening(port))
			return 0;
		if (waitpid(s->pid, status, WNOHANG) == s->pid) {
			s->reaped = 1;
			return -ECHILD;
		}
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

void sb_server_cmd__stop(struct sb_server_cmd *s)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status;

	if (!s)
		return;
	if (!s->reaped) {
		kill(-s->pid, SIGTERM);
		for (int i = 0; i < 300; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->reaped = 1;
				break;
			}
			nanosleep(&tick, NULL);
		}
		/* the rest of the group (workers) too, whatever the leader did */
		kill(-s->pid, SIGKILL);
		if (!s->reaped)
			waitpid(s->pid, &status, 0);
	}
	free(s);
}
