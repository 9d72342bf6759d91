#include "harness/output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/join.h"
#include "harness/outdir.h"
#include "harness/plot.h"
#include "harness/report.h"
#include "harness/results.h"
#include "harness/msg.h"

int sb_output_write(struct sb_rundata *rd, const char *dir)
{
	const struct sb_opts *o = rd->opts;
	struct sb_join *j = NULL;
	int e;

	e = sb_mkdir_p(dir);
	if (e) {
		sb_error("cannot create %s (%s); choose another --out", dir, strerror(-e));
		return 2;
	}
	e = sb_join__new(rd, &j);
	if (e) {
		sb_error("joining the records failed (%s)", strerror(-e));
		return 2;
	}
	/* the human report first: summary.json, written last by
	 * sb_results_write(), says that the results are complete */
	e = sb_results_write_file(dir, "report.txt", sb_report_write, rd, j);
	if (!e)
		e = sb_results_write(dir, rd, j);
	if (e) {
		sb_error("writing results to %s failed (%s)", dir, strerror(-e));
		sb_join__free(j);
		return 2;
	}
	/* plots and report.html/report.md, from the files just written */
	if (sb_plot_run_dir(dir, o->no_plot) != 0)
		sb_error("warning: some plots failed (see %s/plots/gnuplot.log); "
			 "the result files are complete",
			 dir);
	if (o->json)
		sb_results_write_summary(stdout, rd, j);
	else if (!o->quiet)
		sb_report_print_table(stdout, rd, j);
	if (!o->json)
		printf("results: %s\n", dir);
	sb_join__free(j);
	return 0;
}
