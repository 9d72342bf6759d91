/* bench compare BASE NEW: the CI regression gate. Reads the summary.json of
 * two runs (or of two sets of repeated runs: medians, and a Mann-Whitney U
 * test per metric), prints a delta table and a verdict, writes JUnit XML and
 * Markdown on request, and exits 0 (pass), 1 (a check failed) or 2 (bad
 * input). `bench compare --help` (sb_compare_usage) is the reference. */
#ifndef SB_COMPARE_H
#define SB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

/* argv[0] is "compare". Returns the exit code: 0, 1 or 2. */
int sb_compare_main(int argc, char **argv);

void sb_compare_usage(FILE *f);

struct sb_cmp_opts;

/* Reads DIR/compare (if there is one) into o for every option o does not
 * set yet. 0 or negative errno with a one-line message in err. */
int sb_compare_base_opts(struct sb_cmp_opts *o, const char *dir, char *err, size_t len);

struct sb_optset;
/* The options bench compare --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_compare_optset(void);

#endif
