/* The sub-command table: bench NAME ... goes to NAME's entry point. */
#include "harness/commands/commands.h"
#include "harness/commands/advise.h"
#include "harness/commands/baseline.h"
#include "harness/commands/compare.h"
#include "harness/commands/doctor.h"
#include "harness/commands/plot.h"
#include "harness/commands/experiment.h"
#include "harness/commands/man.h"
#include "harness/commands/sweep.h"
#include "harness/commands/watch.h"
#include "harness/cli/msg.h"
#include "harness/run/child.h"
#include "harness/run/remote.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "compare", sb_compare_main },
	{ "baseline", sb_baseline_main },
	{ "plot", sb_plot_main },
	{ "sweep", sb_sweep_main },
	{ "advise", sb_advise_main },
	{ "experiment", sb_experiment_main },
	{ "doctor", sb_doctor_main },
	{ "watch", sb_watch_main },
	{ "serve", sb_remote_main },
	{ "client", sb_remote_main },
	{ "guard", sb_guard_main }, /* harness/run/child.h: not for users */
	{ "man", sb_man_main },	    /* synbench(8) as roff, for the build */
	{ NULL, NULL },
};

int sb_command(int argc, char **argv)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->fn(argc, argv);
	(void)argc;
	sb_error("unknown command '%s'; see %s --help", argv[0], sb_prog());
	return 2;
}
