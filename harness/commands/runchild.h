/* What the sub-commands that make many runs share (bench sweep, bench
 * advise): each run is its own process, /proc/self/exe with a run's argv, so
 * that it has its own network namespace; and their directory, new. */
#ifndef SB_RUNCHILD_H
#define SB_RUNCHILD_H

#include <signal.h>
#include <stddef.h>

/* Runs synbench with args (args[0] "synbench", NULL-ended) to completion,
 * its stdout to /dev/null, in a process group of its own: a terminal Ctrl-C
 * reaches only the caller, which sets *stop; then the run gets exactly one
 * SIGINT (it ends cleanly, marked interrupted). Its stderr goes to errfd
 * (-1: ours). Returns the wait status, or -errno. */
int sb_run_child(char **args, volatile sig_atomic_t *stop, int errfd);

/* out ("" = results/<prefix>-<local time>) created, and not existing
 * before. 0, or -errno with one line said ("<who>: ..."). */
int sb_new_outdir(char *out, size_t len, const char *prefix, const char *who);

#endif
