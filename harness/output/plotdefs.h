/* The plots a result directory gets: their ids, script names and titles
 * (shared by the plotting step and the reports that show them). */
#ifndef SB_PLOTDEFS_H
#define SB_PLOTDEFS_H

enum sb_plot_id {
	SB_PLOT_LATENCY_CDF = 0,
	SB_PLOT_LATENCY_VS_TIME,
	SB_PLOT_QUEUE,
	SB_PLOT_DWELL,
	SB_PLOT_BREAKDOWN,
	SB_PLOT_OUTCOMES,
	SB_PLOT_PHASES, /* crr (--tls): drawn only when the run has phases */
	SB_NPLOTS,
};

struct sb_plot_def {
	const char *name;  /* script and file base name: latency_cdf */
	const char *title; /* heading in the report */
};

/* The plots, indexed by enum sb_plot_id. */
const struct sb_plot_def *sb_plot_def(enum sb_plot_id id);

/* What happened to the plots; the report says it in words. */
enum sb_plot_state {
	SB_PLOTS_DRAWN = 0, /* gnuplot ran; see the per-plot mask */
	SB_PLOTS_OFF,	    /* --no-plot */
	SB_PLOTS_NO_GNUPLOT,
	SB_PLOTS_NO_SCRIPTS,
};

/* What the plotting step drew, for the reports that show the plots. */
struct sb_report_plots {
	enum sb_plot_state state;
	unsigned int drawn; /* bit (1u << enum sb_plot_id): plots/NAME.{png,svg} drawn */
};

#endif
