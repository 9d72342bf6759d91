/* bench plot DIR: redraws a result directory's plots and regenerates its reports (plot.h). */
#include "harness/tools/plot.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/output/render.h"

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
	      "OPTIONS\n"
	      "  --no-plot   only the reports (no gnuplot needed)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "ENVIRONMENT\n"
	      "  SYNBENCH_GNUPLOT  the gnuplot binary (default: gnuplot on PATH)\n"
	      "  SYNBENCH_PLOTS    the directory of the .gp scripts\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 done; 1 a plot failed (DIR/plots/gnuplot.log); 2 bad input (no or\n"
	      "  a malformed summary.json, no connections.csv: nothing is written),\n"
	      "  gnuplot or the scripts not found\n",
	      f);
}

int sb_plot_main(int argc, char **argv)
{
	const char *dir = NULL;
	int no_plot = 0;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-plot") == 0)
			no_plot = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr,
				"synbench plot: unknown option '%s'; see bench plot --help\n",
				argv[i]);
			return 2;
		} else if (dir) {
			fprintf(stderr, "synbench plot: one result directory only ('%s')\n",
				argv[i]);
			return 2;
		} else
			dir = argv[i];
	}
	if (!dir) {
		fprintf(stderr, "synbench plot: which result directory? bench plot DIR\n");
		return 2;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "synbench plot: %s is not a directory\n", dir);
		return 2;
	}
	return sb_render_dir(dir, no_plot);
}
