/* SIGINT and SIGTERM during a run or a watch: the first sets one flag the
 * loops poll, so results up to then are still written (marked
 * interrupted); a second ends the process at once (its default action:
 * whatever a run changed in the host is restored at the next start, from
 * its journal). */
#ifndef SB_SIGNALS_H
#define SB_SIGNALS_H

#include "harness/cli/stop.h" /* the flag */

/* Installs the handler for SIGINT and SIGTERM, without SA_RESTART so that
 * blocking calls return EINTR. */
void sb_signals_install(void);

#endif
