/* The control channel between the coordinating host and the other hosts'
 * halves (--server-via, --client-via): the stdin and stdout of a command
 * (`ssh -T root@srv synbench serve`, `ip netns exec srv synbench serve`).
 *
 * Protocol version SB_CTL_VERSION, described in full in
 * docs/control-protocol.md: text lines, and binary blocks each announced by
 * a line "blob NAME BYTES". The coordinator speaks first:
 *   C: hello synbench-ctl PROTO VERSION 0     S: hello synbench-ctl PROTO VERSION HOST KERNEL
 *   C: arg TEXT ... (the run's options), setup SHARE-CONNS RATE
 *   S: ready BACKLOG NETNS-INODE | error ONE-LINE
 *   C: ping T1                                S: pong T1 T2 (its CLOCK_MONOTONIC)
 *   C: start T (client halves: begin at T, in the host's own clock)
 *   S: progress N, done (client halves: the load finished)
 *   C: stop                                   S: the results (harness/run/wire.h), "end"
 * End of input at any point stops the half: a lost coordinator leaves
 * nothing running. Both ends compare PROTO and VERSION at hello and refuse
 * any difference. Every wait has a deadline; nothing a peer sends sizes an
 * allocation beyond the caps its reader sets. */
#ifndef SB_CTL_H
#define SB_CTL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SB_CTL_VERSION 3 /* 3: TLS and crr fields in conns and accepts, err in krecs */

/* The longest line either end sends or accepts. */
#define SB_CTL_LINE_MAX 4096

struct sb_ctl;

/* Starts `sh -c 'VIA "$@"' sh ARGS...` (the user's transport command, and
 * what synbench adds as data) under a guard that dies with synbench
 * (harness/run/child.h), with its stdin and stdout as the channel and its
 * stderr on errfd (-1: ours). name labels the host in messages. 0 or
 * negative errno. */
int sb_ctl_spawn(const char *via, const char *const *args, const char *name, int errfd,
		 struct sb_ctl **out);
/* The remote end: the channel on stdin and the given output descriptor. */
struct sb_ctl *sb_ctl_stdio(int out_fd);
/* A channel that reads n bytes from p (not copied: p must outlive it),
 * then end of input; sends fail with -EPIPE. For the decoder's tests and
 * fuzzing. NULL when out of memory. */
struct sb_ctl *sb_ctl_mem(const void *p, size_t n);
/* A channel on two descriptors of the caller's (-1: none), not closed by
 * sb_ctl_close. For tests. */
struct sb_ctl *sb_ctl_fds(int rfd, int wfd, const char *name);
const char *sb_ctl_name(const struct sb_ctl *c);
pid_t sb_ctl_pid(const struct sb_ctl *c);
/* Every wait on c ends with -EINTR as soon as *flag differs from its value
 * now (the coordinator: sb_signal_seen, a Ctrl-C). NULL: no such flag. */
void sb_ctl_set_stop(struct sb_ctl *c, const volatile sig_atomic_t *flag);

/* One line (no newline in fmt). 0 or negative errno (-EPIPE: gone). */
int sb_ctl_send(struct sb_ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes as they are (the body of a blob). 0 or negative errno. */
int sb_ctl_send_bytes(struct sb_ctl *c, const void *p, size_t n);
/* The next line, newline removed, within timeout_ms (-1: no bound).
 * 0; -EPIPE at end of input; -ETIMEDOUT; -EINTR (the stop flag); -E2BIG
 * for a line of len bytes or more (the channel is then unusable);
 * -EBADMSG for a line holding a NUL byte (skipped). */
int sb_ctl_recv(struct sb_ctl *c, char *line, size_t len, int timeout_ms);
/* The same by an absolute deadline (lg_now_ns() clock). */
int sb_ctl_recv_until(struct sb_ctl *c, char *line, size_t len, uint64_t deadline_ns);
/* Exactly n bytes into p (the caller's buffer) by the deadline. 0, -EPIPE,
 * -ETIMEDOUT, -EINTR. */
int sb_ctl_read(struct sb_ctl *c, void *p, size_t n, uint64_t deadline_ns);
/* 1 if a line (or end of input) can be read now, 0 if not within
 * timeout_ms. */
int sb_ctl_poll(struct sb_ctl *c, int timeout_ms);

/* "blob NAME BYTES" and the bytes. */
int sb_ctl_send_blob(struct sb_ctl *c, const char *name, const void *p, size_t n);

/* Closes the channel (the other end sees end of input and stops), waits up
 * to timeout_ms for the command to exit, then ends its process group (its
 * own, made at spawn: TERM, then KILL after 2 s). Returns its wait status,
 * or -1. NULL ok. */
int sb_ctl_close(struct sb_ctl *c, int timeout_ms);

#endif
