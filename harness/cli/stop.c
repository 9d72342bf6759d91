/* The process's stop flag (stop.h). */
#include "harness/cli/stop.h"

volatile sig_atomic_t sb_stop_requested;
volatile sig_atomic_t sb_signal_seen;
