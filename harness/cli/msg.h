/* The program's name in messages (what the user typed: bench, synbench) and
 * the one way to say a usage error: "PROG: message" on one line. */
#ifndef SB_MSG_H
#define SB_MSG_H

#include <stddef.h>

/* Set once by main from argv[0] (its basename); "synbench" until then. */
void sb_prog_set(const char *argv0);
const char *sb_prog(void);

/* Writes the message (no prefix, no newline) into err, truncated to len;
 * err may be NULL when len is 0. Returns code (a negative errno). */
int sb_errf(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints "PROG: message\n" on stderr. */
void sb_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
