/* The run's output step: join the records, write the result files, then render plots and reports from those files (output.h). */
#include "harness/output/output.h"
#include "harness/cli/msg.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/analysis/analyze.h"
#include "harness/output/hosts_out.h"
#include "harness/output/outdir.h"
#include "harness/output/render.h"
#include "harness/output/report.h"
#include "harness/output/reportmodel.h"
#include "harness/output/results.h"

int sb_output_write(struct sb_rundata *rd, const char *dir)
{
	const struct sb_opts *o = rd->opts;
	struct sb_report_model m;
	struct sb_join *j = NULL;
	char err[PATH_MAX + 256];
	int e, rc;

	e = sb_mkdir_p(dir);
	if (e) {
		sb_error("cannot create %s (%s); choose another --out", dir,
			strerror(-e));
		return e;
	}
	e = sb_analyze(rd, &j);
	if (e) {
		sb_error("joining the records failed (%s)", strerror(-e));
		return e;
	}
	/* the result files (each host's first, across machines); summary.json,
	 * written last, says they are complete */
	e = sb_results_write_hosts(dir, rd);
	if (!e)
		e = sb_results_write(dir, rd, j);
	if (e) {
		sb_error("writing results to %s failed (%s)", dir, strerror(-e));
		sb_join__free(j);
		return e;
	}
	/* the plots, the reports and the stdout table from the files just
	 * written, exactly as bench plot DIR renders them */
	e = sb_report_model__load(dir, &m, err, sizeof(err));
	if (e) {
		sb_error("%s", err);
		sb_join__free(j);
		return e;
	}
	rc = sb_render_model(&m, o->no_plot);
	if (rc > 0)
		sb_error("warning: some plots failed (see %s/plots/gnuplot.log); "
				"the result files are complete", dir);
	if (o->json)
		sb_results_write_summary(stdout, rd, j);
	else if (!o->quiet)
		sb_report_text_table(stdout, &m);
	if (!o->json)
		printf("results: %s\n", dir);
	sb_report_model__free(&m);
	sb_join__free(j);
	return rc < 0 ? rc : 0;
}
