/* Where a run's results go: results/<timestamp>[-label]/ or --out DIR. */
#ifndef SB_OUTDIR_H
#define SB_OUTDIR_H

#include <stddef.h>
#include <stdio.h>
#include "harness/cli/opts.h"

/* Resolves the directory into dir and checks it can be written: it must not
 * exist or be empty (unless --force), and its parent must be writable.
 * Creates nothing. 0, or a negative errno with one line in err. */
int sb_outdir_check(const struct sb_opts *o, char *dir, size_t len, char *err, size_t errlen);

/* Copies the file tmp into dir as name, then removes tmp. 0 or negative
 * errno (tmp is kept on a failure). */
int sb_outdir_keep(const char *dir, const char *name, const char *tmp);

/* Writes dir/name through a temporary file renamed into place: fn writes
 * the content (0 or negative errno); on any failure nothing is left. */
int sb_outdir_write_atomic(const char *dir, const char *name, int (*fn)(FILE *f, void *ctx),
			   void *ctx);

/* mkdir -p. 0 or negative errno. */
int sb_mkdir_p(const char *dir);

#endif
