/* Logs of the commands synbench starts (--server-cmd's server, the
 * transports to other hosts), held in anonymous files until the run's
 * result directory keeps them: no name in a shared directory to guess or
 * plant, nothing left behind whatever ends the process. */
#ifndef SB_ANONFILE_H
#define SB_ANONFILE_H

#include <stddef.h>

/* A new anonymous file (O_TMPFILE in $TMPDIR or /tmp, else a memfd),
 * O_CLOEXEC, descriptor > 2. The fd, or a negative errno. */
int sb_anon_file(void);

/* The last non-empty line written to fd (at most len - 1 bytes of it), ""
 * when none. */
void sb_anon_file_tail(int fd, char *buf, size_t len);

#endif
