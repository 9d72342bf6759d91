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

#include "harness/run/child.h"

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
	pid_t pid; /* its guard's (harness/run/child.h) */
	int reaped;
};

int sb_server_cmd__start(const char *cmd, int log_fd, struct sb_server_cmd **out)
{
	struct sb_server_cmd *s = calloc(1, sizeof(*s));
	struct sb_child_opts co = {.script = cmd, .in_fd = -1, .out_fd = log_fd, .err_fd = log_fd};
	int e;

	if (!s)
		return -ENOMEM;
	e = sb_child_start(&co, &s->pid);
	if (e) {
		free(s);
		return e;
	}
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
		if (sb_child_exited(s->pid, status) > 0) {
			s->reaped = 1;
			return -ECHILD;
		}
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

void sb_server_cmd__stop(struct sb_server_cmd *s)
{
	if (!s)
		return;
	if (!s->reaped)
		sb_child_stop(s->pid, 5000); /* the guard ends the server's whole tree */
	free(s);
}
