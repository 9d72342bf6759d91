/* synbench: TCP connection setup, measured from the kernel and from user
 * space, joined per connection. `bench --help` lists everything. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/cli/opts.h"
#include "harness/commands/commands.h"
#include "harness/commands/finish.h"
#include "harness/output/outdir.h"
#include "harness/run/bigmem.h"
#include "harness/run/hosts.h"
#include "harness/run/run.h"
#include "harness/run/signals.h"

/* After the run, one arrow per stage: analyze (its rows stream into
 * connections.csv) -> write (serialize the result) -> render (plots,
 * reports, the table). 0 or 2. */
/* After the run: analyze, write, render (harness/commands/finish.h). */
static int analyze_write_render(struct sb_rundata *rd, const char *dir)
{
	const struct sb_opts *o = rd->opts;
	struct sb_finish_opts fo = {.no_plot = o->no_plot, .json = o->json, .quiet = o->quiet,
				    .verbose = o->verbose};

	return sb_finish(rd, dir, &fo);
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
	sb_bigmem_policy();
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
