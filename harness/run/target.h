/* --target HOST:PORT: load against a server the harness did not write —
 * started by --server-cmd inside the run's namespace, or already running in
 * a namespace given by --netns NAME. */
#ifndef SB_TARGET_H
#define SB_TARGET_H

#include <stdint.h>

/* True when a TCP socket of the calling thread's namespace listens on port
 * (from /proc/thread-self/net/tcp and tcp6). */
int sb_port_listening(uint16_t port);

struct sb_server_cmd;

/* Starts `sh -c cmd` under a guard that dies with synbench
 * (harness/run/child.h), in the caller's namespaces, stdout/stderr to log_fd
 * (-1: /dev/null and ours). */
int sb_server_cmd__start(const char *cmd, int log_fd, struct sb_server_cmd **out);
/* Waits until something listens on port, the command exits, or timeout_ms
 * passes: 0, -ECHILD (it exited; *status set), -ETIMEDOUT. */
int sb_server_cmd__wait_listening(struct sb_server_cmd *s, uint16_t port, int timeout_ms,
				  int *status);
/* Ends the server's whole tree (SIGTERM, SIGKILL 2 s later); reaps. NULL
 * is fine. */
void sb_server_cmd__stop(struct sb_server_cmd *s);

#endif
