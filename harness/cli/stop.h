/* The process's one stop flag: set by the first SIGINT or SIGTERM (the
 * handlers are harness/run/signals.c's) or by the program itself; the loops
 * of every stage poll it. The only mutable globals of the program. */
#ifndef SB_STOP_H
#define SB_STOP_H

#include <signal.h>

/* Set by the first signal, or by the program itself. */
extern volatile sig_atomic_t sb_stop_requested;
/* Set by the first signal only (a wait that began before can tell a
 * signal from a stop the program decided). */
extern volatile sig_atomic_t sb_signal_seen;

#endif
