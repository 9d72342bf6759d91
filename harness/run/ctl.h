/* The control channel between the coordinating host and the other hosts'
 * halves (--server-via, --client-via): the stdin and stdout of a command
 * (`ssh -T root@srv synbench serve`, `ip netns exec srv synbench serve`).
 *
 * Protocol (version SB_CTL_VERSION): text lines, and binary blocks each
 * announced by a line "blob NAME BYTES". The coordinator speaks first:
 *   C: hello synbench-ctl V VERSION LAYOUT    S: hello synbench-ctl V VERSION LAYOUT HOST KERNEL
 *   C: arg TEXT ... (the run's options), setup ROLE SHARE-CONNS
 *   S: ready BACKLOG NETNS-INODE | error ONE-LINE
 *   C: ping T1                                S: pong T1 T2 (its CLOCK_MONOTONIC)
 *   C: start T (client halves: begin at T, in the host's own clock)
 *   S: done (client halves: the load finished)
 *   C: stop                                   S: blobs of what it recorded, then "end"
 * End of input at any point stops the half: a lost coordinator leaves
 * nothing running. LAYOUT folds the sizes of the records sent raw, so two
 * builds that disagree refuse each other at hello. */
#ifndef SB_CTL_H
#define SB_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SB_CTL_VERSION 1

struct sb_ctl;

/* Starts `sh -c 'exec CMDLINE'` in its own process group with its stdin
 * and stdout as the channel and its stderr on errfd (-1: ours). name
 * labels the host in messages. 0 or negative errno. */
int sb_ctl_spawn(const char *cmdline, const char *name, int errfd, struct sb_ctl **out);
/* The remote end: the channel on stdin and the given output descriptor. */
struct sb_ctl *sb_ctl_stdio(int out_fd);
const char *sb_ctl_name(const struct sb_ctl *c);
pid_t sb_ctl_pid(const struct sb_ctl *c);

/* One line (no newline in fmt). 0 or negative errno (-EPIPE: gone). */
int sb_ctl_send(struct sb_ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next line, newline removed, within timeout_ms (-1: no bound).
 * 0; -EPIPE at end of input; -ETIMEDOUT; -E2BIG for a line over len. */
int sb_ctl_recv(struct sb_ctl *c, char *line, size_t len, int timeout_ms);
/* 1 if a line (or end of input) can be read now, 0 if not within
 * timeout_ms. */
int sb_ctl_poll(struct sb_ctl *c, int timeout_ms);

/* "blob NAME BYTES" and the bytes. */
int sb_ctl_send_blob(struct sb_ctl *c, const char *name, const void *p, size_t n);
/* Reads the bytes announced by a "blob NAME BYTES" line already received
 * (BYTES in n) into a new buffer (*p, free it). 0 or negative errno. */
int sb_ctl_recv_bytes(struct sb_ctl *c, size_t n, void **p, int timeout_ms);

/* Closes the channel (the other end sees end of input and stops), waits up
 * to timeout_ms for the command to exit, then ends it by its PID (TERM,
 * then KILL). Returns its wait status, or -1. NULL ok. */
int sb_ctl_close(struct sb_ctl *c, int timeout_ms);

/* CLOCK_MONOTONIC, ns: the clock of every stamp. */
uint64_t sb_ctl_now_ns(void);

#endif
