/* The main job: one run of the experiment. */
#ifndef SB_RUN_H
#define SB_RUN_H

#include <signal.h>
#include "harness/opts.h"

/* Runs the experiment described by o and writes its results. Returns the
 * process exit code: 0, 2 (bad input or environment, nothing written), 130
 * (interrupted; results written and marked so). */
int sb_run(const struct sb_opts *o);

/* The flag SIGINT/SIGTERM set during a run. */
volatile sig_atomic_t *sb_run_stop_flag(void);

#endif
