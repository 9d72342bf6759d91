/* bench baseline: record and rerun the committed CI baselines
 * (results/baselines/NAME/: args, compare, summary.json, config.json).
 *   bench baseline save DIR --args '...' [--compare '...'] [--repeat K] [--force]
 *   bench baseline run DIR --out OUT [--repeat K] [--append] [-- EXTRA-ARGS]
 * `bench baseline --help` (sb_baseline_usage) is the reference. */
#ifndef SB_BASELINE_H
#define SB_BASELINE_H

#include <stdio.h>

/* argv[0] is "baseline". Returns the exit code: 0, 1 (a run failed) or 2. */
int sb_baseline_main(int argc, char **argv);

void sb_baseline_usage(FILE *f);

struct sb_optset;
/* The options bench baseline --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_baseline_optset(void);

#endif
