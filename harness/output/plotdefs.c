/* The plots of a result directory (plotdefs.h). */
#include "harness/output/plotdefs.h"

#include <stddef.h>

const struct sb_plot_def *sb_plot_def(enum sb_plot_id id)
{
	static const struct sb_plot_def defs[SB_NPLOTS] = {
	    [SB_PLOT_LATENCY_CDF] = {"latency_cdf", "Connect latency CDF: kernel vs user"},
	    [SB_PLOT_LATENCY_VS_TIME] = {"latency_vs_time", "Latency vs connection start time"},
	    [SB_PLOT_QUEUE] = {"queue", "Accept queue and SYN queue over time"},
	    [SB_PLOT_DWELL] = {"dwell", "Time per TCP state"},
	    [SB_PLOT_BREAKDOWN] = {"breakdown", "Where the time went (p50, p99)"},
	    [SB_PLOT_OUTCOMES] = {"outcomes", "Connection outcomes"},
	    [SB_PLOT_PHASES] = {"phases", "Where connection setup goes, by phase and percentile"},
	};

	return (unsigned int)id < SB_NPLOTS ? &defs[id] : NULL;
}
