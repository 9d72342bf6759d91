/* bench experiment NAME: runs a reproducible experiment,
 * scripts/experiments/NAME.sh, that explains and asserts one kernel fact. */
#ifndef SB_EXPERIMENT_H
#define SB_EXPERIMENT_H

#include <stddef.h>

/* argv[0] is "experiment". `experiment` alone or `--list`: the experiments
 * with one line each (exit 0). `experiment NAME`: runs
 * `sh <src>/scripts/experiments/NAME.sh` with SYNBENCH=<this binary> and
 * SB_SRC=<src> in the environment and returns its exit status (0: the facts
 * held, 1: one did not). Unknown NAME or bad usage: one line, exit 2. */
int sb_experiment_main(int argc, char **argv);

/* The source tree holding scripts/: $SB_SRC, else SB_SOURCE_DIR when the
 * file was compiled with it, else CMAKE_HOME_DIRECTORY from the
 * CMakeCache.txt of a directory above the binary, else the first directory
 * above the binary that holds scripts/experiments. 0 or -ENOENT. */
int sb_source_dir(char *buf, size_t len);

/* A valid experiment name: [a-z0-9-]+ (no path, no leading '_' or '-'). */
int sb_experiment_name_ok(const char *name);

#endif
