/* Commands synbench starts on the user's behalf (--server-cmd's server,
 * --server-via/--client-via transports), each under a guard that dies with
 * synbench and takes the command's whole tree with it.
 *
 *   synbench ──fork+exec──► synbench guard PPID SCRIPT [ARG...]   (own process group,
 *                              │                                   PR_SET_PDEATHSIG=SIGTERM,
 *                              │                                   child subreaper)
 *                              └──fork+exec──► /bin/sh -c SCRIPT sh ARG...  (own process group)
 *
 * SCRIPT is the user's own command line, as they typed it; whatever synbench
 * adds goes as positional parameters ("$@"), data the shell never parses.
 * The guard is a child subreaper: a server that daemonizes stays its
 * descendant. On SIGTERM (sb_child_stop, or synbench's death, even by
 * SIGKILL) it sends SIGTERM to the command's process group and to every
 * process re-parented to it, SIGKILL 2 s later, reaps them all and exits.
 * When the command and everything it started have ended on their own, the
 * guard exits with the command's status (128 + signal when killed). */
#ifndef SB_CHILD_H
#define SB_CHILD_H

#include <sys/types.h>

struct sb_child_opts {
	const char *script;	 /* sh -c text: the user's command line */
	const char *const *args; /* "$@" for script, NULL-terminated; NULL: none */
	int in_fd, out_fd, err_fd; /* the command's stdin/stdout/stderr; -1: /dev/null */
};

/* Starts the guard and its command; *pid is the guard's. Call from the
 * thread that lives as long as the command should (the guard's
 * PR_SET_PDEATHSIG follows the thread that forked it). 0 or negative errno. */
int sb_child_start(const struct sb_child_opts *o, pid_t *pid);

/* 1 and *status (the command's wait status as the guard reports it: exit
 * code, or 128 + signal) once the guard has exited and was reaped; 0 while
 * it runs; negative errno. */
int sb_child_exited(pid_t pid, int *status);

/* SIGTERM to the guard (it ends the command's tree), SIGKILL to it after
 * grace_ms; reaps it. Returns its wait status, or -1. pid <= 0: nothing. */
int sb_child_stop(pid_t pid, int grace_ms);

/* `synbench guard PPID SCRIPT [ARG...]`: the guard's own main (not for
 * users). */
int sb_guard_main(int argc, char **argv);

#endif
