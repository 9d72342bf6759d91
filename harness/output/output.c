/* The run's output step: result files, then plots and reports rendered
 * from those files (output.h). */
#include "harness/output/output.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/output/hosts_out.h"
#include "harness/output/render.h"
#include "harness/output/report.h"
#include "harness/output/report_watch.h"
#include "harness/output/reportmodel.h"
#include "harness/output/results.h"
#include "harness/cli/stop.h"

int sb_output_write(const char *dir, struct sb_rundata *rd, const struct sb_result *res)
{
	/* each host's first, across machines; summary.json, written last, says
	 * the results are complete */
	int e = sb_results_write_hosts(dir, rd);

	if (!e)
		e = sb_results_write(dir, rd, res);
	if (e)
		sb_error("writing results to %s failed (%s)", dir, strerror(-e));
	return e;
}

int sb_output_render(const char *dir, const struct sb_rundata *rd, const struct sb_result *res,
		     int no_plot, int json, int quiet)
{
	struct sb_report_model m;
	char err[PATH_MAX + 256];
	int e, rc;

	/* the plots, the reports and the stdout table from the files just
	 * written, exactly as bench plot DIR renders them */
	e = sb_report_model__load(dir, &m, err, sizeof(err));
	if (e == -EINTR)
		goto stopped;
	if (e) {
		sb_error("%s", err);
		return e;
	}
	rc = sb_render_model(&m, no_plot);
	if (sb_stop_requested) {
		sb_report_model__free(&m);
		goto stopped;
	}
	if (rc > 0)
		sb_error("warning: some plots failed (see %s/plots/gnuplot.log); "
			 "the result files are complete",
			 dir);
	if (json)
		sb_results_write_summary(stdout, rd, res);
	else if (!quiet && res->mode == SB_RESULT_WATCH)
		sb_report_watch_text(stdout, &m);
	else if (!quiet)
		sb_report_text_table(stdout, &m);
	if (!json)
		printf("results: %s\n", dir);
	sb_report_model__free(&m);
	return rc < 0 ? rc : 0;
stopped:
	/* the result files are complete; what a signal cut short is the
	 * plots and reports, which the files alone can make again */
	sb_error("interrupted: the result files in %s are complete; the plots and reports were "
		 "not made (bench plot %s makes them)",
		 dir, dir);
	return -EINTR;
}
