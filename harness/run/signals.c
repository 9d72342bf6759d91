/* SIGINT and SIGTERM set the stop flag (signals.h). */
#include "harness/run/signals.h"

#include <string.h>

volatile sig_atomic_t sb_stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	sb_stop_requested = 1;
}

void sb_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
