/* synbench: TCP connection setup, measured from the kernel and from user
 * space, joined per connection. `bench --help` lists everything. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/analysis/analyze.h"
#include "harness/cli/msg.h"
#include "harness/cli/opts.h"
#include "harness/output/outdir.h"
#include "harness/output/output.h"
#include "harness/output/results.h"
#include "harness/run/hosts.h"
#include "harness/run/run.h"
#include "harness/run/signals.h"
#include "harness/commands/commands.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

/* After the run, one arrow per stage: analyze (its rows stream into
 * connections.csv) -> write (serialize the result) -> render (plots,
 * reports, the table). 0 or 2. */
/* -v: what each stage took, on one line (scripts/bench-scale reads it). */
static void print_stages(const struct sb_rundata *rd, uint64_t analyzed, uint64_t written,
			 uint64_t rendered)
{
	const uint64_t t[] = {rd->t_setup_ns, rd->t_start_ns, rd->t_end_ns, rd->t_collected_ns,
			      analyzed, written, rendered};
	static const char *const name[] = {"setup", "load", "collect", "analyze", "write",
					   "render"};

	if (!rd->opts->verbose || !rd->t_setup_ns)
		return;
	fprintf(stderr, "%s: stages (s):", sb_prog());
	for (int i = 0; i < 6; i++)
		fprintf(stderr, " %s %.3f", name[i],
			t[i + 1] > t[i] ? (double)(t[i + 1] - t[i]) / 1e9 : 0.0);
	fprintf(stderr, " total %.3f\n", (double)(rendered - rd->t_setup_ns) / 1e9);
}

static int analyze_write_render(struct sb_rundata *rd, const char *dir)
{
	struct sb_conn_writer *csv = NULL;
	struct sb_row_sink sink = {sb_conn_writer__rows, NULL};
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
		e = sb_analyze(rd, &sink, &res);
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
		e = sb_output_render(dir, rd, res);
	if (!e)
		print_stages(rd, analyzed, written, lg_now_ns());
	rc = e == -EINTR || res->interrupted ? 130 : e ? 2 : 0;
	sb_result__free(res);
	return rc;
}

/* A run across machines: the other hosts' halves first (each ready, or one
 * line naming the host that is not), then this host's client half, then
 * everyone's records merged and written as one run. */
static int run_across_hosts(const struct sb_opts *o, const char *dir)
{
	struct sb_rundata local = {.opts = o}, rd = {.opts = o};
	struct sb_run_hooks hooks;
	struct sb_hosts *hosts = NULL;
	char err[1024] = "";
	int rc;

	sb_signals_install(); /* a Ctrl-C while the hosts set up stops them all */
	rc = sb_hosts__open(o, &hosts, err, sizeof(err));
	if (rc != 0) {
		sb_error("%s", err);
		return rc == -EINTR ? 130 : 2;
	}
	sb_hosts__hooks(hosts, &hooks);
	if (sb_run_with(sb_hosts__local_opts(hosts), &hooks, &local) != 0) {
		sb_hosts__free(hosts);
		return 2;
	}
	rc = sb_hosts__collect(hosts, &local, &rd, err, sizeof(err));
	/* hosts outlives the output: client0's record points at this host's
	 * share of the options (hosts->local) */
	if (rc == 0) {
		rc = analyze_write_render(&rd, dir);
	} else {
		if (err[0])
			sb_error("%s; nothing written", err);
		rc = 2;
	}
	sb_rundata_free(&rd);
	sb_hosts__free(hosts);
	return rc;
}

/* The main job: run (harness/run/), then analyze, write and render.
 * Exit codes: 0, 2 (bad input or environment, nothing written), 130
 * (interrupted: results written and marked so). */
static int run_pipeline(const struct sb_opts *o)
{
	struct sb_rundata rd = {.opts = o};
	char dir[4096], err[1024] = "";
	int rc;

	if (sb_run_preflight(o, err, sizeof(err)) != 0 ||
	    sb_outdir_check(o, dir, sizeof(dir), err, sizeof(err)) != 0) {
		sb_error("%s", err);
		return 2;
	}
	if (sb_opts_across_hosts(o))
		return run_across_hosts(o, dir);
	if (sb_run(o, &rd) != 0)
		return 2;
	rc = analyze_write_render(&rd, dir);
	if (rc != 2 && rd.server_log_fd > 0 &&
	    sb_outdir_keep_fd(dir, "server.log", rd.server_log_fd) != 0)
		sb_error("warning: cannot keep the server's output as %s/server.log", dir);
	sb_rundata_free(&rd);
	return rc;
}

int main(int argc, char **argv)
{
	struct sb_opts o;
	char err[1024] = "";
	int r;

	sb_prog_set(argv[0]);
	if (argc > 1 && argv[1][0] != '-')
		return sb_command(argc - 1, argv + 1);
	r = sb_opts_parse(argc, argv, &o, err, sizeof(err));
	if (r == SB_OPTS_HELP) {
		sb_print_help(stdout);
		return 0;
	}
	if (r == SB_OPTS_VERSION) {
		printf("synbench %s\n", SB_VERSION);
		return 0;
	}
	if (r != 0) {
		sb_error("%s", err);
		return 2;
	}
	return run_pipeline(&o);
}
