/* Where a run's results go: results/<timestamp>[-label]/ or --out DIR. */
#ifndef SB_OUTDIR_H
#define SB_OUTDIR_H

#include <stddef.h>
#include "harness/cli/opts.h"

/* Resolves the directory into dir and checks it can be written: it must not
 * exist or be empty (unless --force), and its parent must be writable.
 * Creates nothing. 0, or a negative errno with one line in err. */
int sb_outdir_check(const struct sb_opts *o, char *dir, size_t len, char *err, size_t errlen);

/* Copies the file tmp into dir as name, then removes tmp. 0 or negative
 * errno (tmp is kept on a failure). */
int sb_outdir_keep(const char *dir, const char *name, const char *tmp);

/* mkdir -p. 0 or negative errno. */
int sb_mkdir_p(const char *dir);

#endif
