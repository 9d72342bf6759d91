/* After a run or a watch: analyze, write, render (finish.h). */
#include "harness/commands/finish.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/cli/stop.h"
#include "harness/output/outdir.h"
#include "harness/output/output.h"
#include "harness/output/results.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

/* -v: what each stage took, on one line (scripts/bench-scale reads it). */
static void print_stages(const struct sb_rundata *rd, uint64_t analyzed, uint64_t written,
			 uint64_t rendered)
{
	const uint64_t t[] = {rd->t_setup_ns, rd->t_start_ns, rd->t_end_ns, rd->t_collected_ns,
			      analyzed, written, rendered};
	static const char *const name[] = {"setup", "load", "collect", "analyze", "write",
					   "render"};

	if (!rd->t_setup_ns)
		return;
	fprintf(stderr, "%s: stages (s):", sb_prog());
	for (int i = 0; i < 6; i++)
		fprintf(stderr, " %s %.3f", name[i],
			t[i + 1] > t[i] ? (double)(t[i + 1] - t[i]) / 1e9 : 0.0);
	fprintf(stderr, " total %.3f\n", (double)(rendered - rd->t_setup_ns) / 1e9);
}

int sb_finish(struct sb_rundata *rd, const char *dir, const struct sb_finish_opts *o)
{
	struct sb_conn_writer *csv = NULL;
	struct sb_row_sink sink = {sb_conn_writer__rows, sb_conn_writer__krows, NULL};
	struct sb_result *res = NULL;
	uint64_t analyzed, written;
	int e = sb_mkdir_p(dir), rc;

	/* the run's stop is in rd; from here a signal stops the analysis at
	 * its next part and the rendering at once (a second ends us) */
	sb_stop_requested = 0;
	if (e) {
		sb_error("cannot create %s (%s); choose another --out", dir, strerror(-e));
		return 2;
	}
	e = sb_conn_writer__open(dir, &csv);
	sink.ctx = csv;
	if (!e)
		e = o->kview ? sb_kview_analyze(rd, o->kview, &sink, &res)
			     : sb_analyze(rd, &sink, &res);
	if (csv) {
		int c = sb_conn_writer__close(csv, !e);

		e = e ? e : c;
	}
	if (e) {
		sb_error("analyzing the records into %s/connections.csv failed (%s)", dir,
			 strerror(-e));
		sb_result__free(res);
		return 2;
	}
	analyzed = lg_now_ns();
	e = sb_output_write(dir, rd, res);
	written = lg_now_ns();
	if (!e)
		e = sb_output_render(dir, rd, res, o->no_plot, o->json, o->quiet);
	if (!e && o->verbose)
		print_stages(rd, analyzed, written, lg_now_ns());
	rc = e == -EINTR || res->interrupted ? 130 : e ? 2 : 0;
	sb_result__free(res);
	return rc;
}
