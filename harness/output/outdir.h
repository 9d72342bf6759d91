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

/* Every file synbench writes into a directory is created under a fresh
 * name (dir/.NAME.XXXXXX, O_CREAT|O_EXCL: never an existing name, nor a
 * symlink planted there) and renamed over dir/NAME, which replaces the name
 * itself, never what a symlink there points to. */

/* The temporary file for dir/name, open for writing; its path in tmp.
 * NULL with errno on failure. */
FILE *sb_outdir_tmpfile(const char *dir, const char *name, char *tmp, size_t len);
/* Renames tmp over dir/name. 0 or negative errno. */
int sb_outdir_commit(const char *tmp, const char *dir, const char *name);

/* Writes dir/name through a temporary file renamed into place: fn writes
 * the content (0 or negative errno); on any failure nothing is left. */
int sb_outdir_write_atomic(const char *dir, const char *name, int (*fn)(FILE *f, void *ctx),
			   void *ctx);

/* Copies what fd holds (from its start: an anonymous log) into dir/name,
 * atomically. 0 or negative errno. */
int sb_outdir_keep_fd(const char *dir, const char *name, int fd);

/* dir/name created empty (as above) and open for writing (O_CLOEXEC), for a
 * log a child writes as it runs. The fd, or a negative errno. */
int sb_outdir_create(const char *dir, const char *name);

/* mkdir -p. 0 or negative errno. */
int sb_mkdir_p(const char *dir);

#endif
