/* SIGINT and SIGTERM: the stop flag, then the default action (signals.h). */
#include "harness/run/signals.h"

#include <string.h>

#include "harness/run/restore.h"

static void on_signal(int sig)
{
	if (sb_signal_seen) {
		/* the second: sysctls a run changed in a namespace not its
		 * own go back now (async-signal-safe), then as if no handler
		 * were installed (re-raised on return from here, the signal
		 * being blocked until then) */
		sb_restore_now();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	sb_signal_seen = 1;
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
