/* The baseline's `args` and `compare` files (and `bench baseline save
 * --args '...'`): one line of options, split into words the way a POSIX
 * shell splits a simple command without expansions: blanks separate words,
 * '...' keeps everything literally, "..." keeps everything but \" and \\,
 * a backslash outside quotes escapes the next character. Anything a shell
 * would expand ($, `, *, ?, [, ~, ;, |, &, <, >, (, ), #) is refused, so
 * `$(cat args)` in a script and this reader can never disagree. */
#ifndef SB_ARGSFILE_H
#define SB_ARGSFILE_H

#include <stddef.h>

/* Longest accepted file or string, and most words. */
#define SB_ARGS_MAX_LEN	  4096
#define SB_ARGS_MAX_WORDS 256

struct sb_args {
	char **argv; /* NULL-terminated */
	int argc;
};

/* Splits text[0..len) (NUL bytes refused). what names the source in the
 * message ("results/baselines/x/args"). 0, or -EINVAL / -E2BIG with a
 * one-line message in err; -ENOMEM. */
int sb_args__split(const char *text, size_t len, const char *what, struct sb_args *out, char *err,
		   size_t errlen);

/* Reads and splits a file; -ENOENT etc. with the message. */
int sb_args__load(const char *path, struct sb_args *out, char *err, size_t errlen);

void sb_args__free(struct sb_args *a);

/* Joins argv into one line that sb_args__split gives back unchanged
 * (single-quoting words that need it). Returns a malloc'ed string or NULL. */
char *sb_args__join(char *const *argv, int argc);

#endif
