/* SIGINT and SIGTERM during a run or a watch: they set one flag the loops
 * poll, so results up to then are still written (marked interrupted). */
#ifndef SB_SIGNALS_H
#define SB_SIGNALS_H

#include <signal.h>

/* The only mutable global: what the handler sets. */
extern volatile sig_atomic_t sb_stop_requested;

/* Installs the handler for SIGINT and SIGTERM, without SA_RESTART so that
 * blocking calls return EINTR. */
void sb_signals_install(void);

#endif
