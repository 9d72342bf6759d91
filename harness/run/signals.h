/* SIGINT and SIGTERM during a run or a watch: the first sets one flag the
 * loops poll, so results up to then are still written (marked
 * interrupted); a second ends the process at once (its default action:
 * whatever a run changed in the host is restored at the next start, from
 * its journal). */
#ifndef SB_SIGNALS_H
#define SB_SIGNALS_H

#include <signal.h>

/* The stop flag: set by the first signal, or by the program itself. */
extern volatile sig_atomic_t sb_stop_requested;
/* Set by the first signal only (a wait that began before can tell a
 * signal from a stop the program decided). */
extern volatile sig_atomic_t sb_signal_seen;

/* Installs the handler for SIGINT and SIGTERM, without SA_RESTART so that
 * blocking calls return EINTR. */
void sb_signals_install(void);

#endif
