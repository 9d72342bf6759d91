/* bench plot DIR: redraws a result directory's plots and regenerates its reports (plot.h). */
#include "harness/commands/plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "harness/output/render.h"

enum { P_NO_PLOT, P_HELP };

struct plot_opts {
	int no_plot;
	const char *dir;
};

static const struct sb_optdef plot_table[] = {
    {"no-plot", 0, SB_ARG_NONE, SB_OPT_FLAG, P_NO_PLOT, NULL,
     "only the reports (no gnuplot needed)", NULL, NULL, 0, 0, NULL,
     SB_FLD(struct plot_opts, no_plot), 0},
    {"help", 'h', SB_ARG_NONE, SB_OPT_RETURN, P_HELP, NULL, "this text", .fld = SB_FLD_NONE},
};

static int plot_positional(void *ctx, const char *arg, char *err, size_t len)
{
	struct plot_opts *o = ctx;

	if (o->dir)
		return sb_errf(err, len, -EINVAL, "one result directory only ('%s'); give one DIR",
			       arg);
	o->dir = arg;
	return 0;
}

static const struct sb_optset plot_optset = {
    .cmd = "plot",
    .defs = plot_table,
    .ndefs = sizeof(plot_table) / sizeof(plot_table[0]),
    .positional = plot_positional,
};

const struct sb_optset *sb_plot_optset(void)
{
	return &plot_optset;
}

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench plot [--no-plot] DIR\n"
	      "\n"
	      "Redraws the plots of a result directory (DIR/plots/*.png and *.svg, with\n"
	      "gnuplot and scripts/plots/*.gp) and regenerates DIR/report.txt,\n"
	      "DIR/report.md and DIR/report.html from the result files alone (the\n"
	      "run renders its reports the same way: the same bytes).\n"
	      "\n"
	      "OPTIONS\n",
	      f);
	sb_optparse_help(f, &plot_optset);
	fputs("\n"
	      "ENVIRONMENT\n"
	      "  SYNBENCH_GNUPLOT  the gnuplot binary (default: gnuplot on PATH)\n"
	      "  SYNBENCH_DATADIR  the directory holding plots/ (the .gp scripts)\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 done; 1 a plot failed (DIR/plots/gnuplot.log); 2 bad input (no or\n"
	      "  a malformed summary.json, no connections.csv: nothing is written),\n"
	      "  gnuplot or the scripts not found\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench plot results/20260101-120000\n"
	      "  bench plot --no-plot results/20260101-120000   # reports only\n",
	      f);
}

int sb_plot_main(int argc, char **argv)
{
	struct plot_opts o = {0};
	char err[512];
	struct stat st;
	int r;

	r = sb_optparse(&plot_optset, argc, argv, 1, &o, &o, NULL, err, sizeof(err));
	if (r == P_HELP) {
		usage(stdout);
		return 0;
	}
	if (r == 0 && !o.dir)
		r = sb_errf(err, sizeof(err), -EINVAL, "which result directory? %s plot DIR",
			    sb_prog());
	if (r == 0 && (stat(o.dir, &st) || !S_ISDIR(st.st_mode)))
		r = sb_errf(err, sizeof(err), -ENOTDIR, "%s is not a directory", o.dir);
	if (r) {
		sb_error("plot: %s", err);
		return 2;
	}
	return sb_render_dir(o.dir, o.no_plot);
}
