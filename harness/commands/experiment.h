/* bench experiment NAME: runs a reproducible experiment,
 * scripts/experiments/NAME.sh, that explains and asserts one kernel fact. */
#ifndef SB_EXPERIMENT_H
#define SB_EXPERIMENT_H

#include <stddef.h>

/* argv[0] is "experiment". `experiment` alone or `--list`: the experiments
 * with one line each (exit 0). `experiment NAME`: runs `sh <dir>/NAME.sh`
 * (dir: sb_data_dir("experiments"), harness/cli/paths.h) with SYNBENCH=<this
 * binary> in the environment and returns its exit status (0: the facts
 * held, 1: one did not). Unknown NAME or bad usage: one line, exit 2. */
int sb_experiment_main(int argc, char **argv);

/* A valid experiment name: [a-z0-9-]+ (no path, no leading '_' or '-'). */
int sb_experiment_name_ok(const char *name);

struct sb_optset;
/* The options bench experiment --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_experiment_optset(void);

#endif
