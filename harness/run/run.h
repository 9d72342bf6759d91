/* The main job: one run of the experiment. */
#ifndef SB_RUN_H
#define SB_RUN_H

#include <signal.h>
#include <stddef.h>
#include "harness/run/rundata.h"

/* What must hold before anything is made: root, and the io_uring
 * operations the engine needs. 0, or a negative errno with one line in err. */
int sb_run_preflight(const struct sb_opts *o, char *err, size_t errlen);

/* Runs the experiment described by o and fills *rd with what both sides
 * recorded (the caller writes the results: harness/output/). 0; or -EINVAL
 * for bad input or a bad environment, its one-line message printed and
 * nothing made. *rd is set only on 0; free it with sb_rundata_free(). */
int sb_run(const struct sb_opts *o, struct sb_rundata *rd);

/* Frees what sb_run() put in rd and removes its temporary server log. */
void sb_rundata_free(struct sb_rundata *rd);

/* The flag SIGINT/SIGTERM set during a run. */
volatile sig_atomic_t *sb_run_stop_flag(void);

#endif
