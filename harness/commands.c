/* The sub-command table: bench NAME ... goes to NAME's entry point. */
#include "harness/commands.h"
#include "harness/baseline.h"
#include "harness/compare.h"
#include "harness/doctor.h"
#include "harness/plot.h"
#include "harness/experiment.h"
#include "harness/sweep.h"
#include "harness/watch.h"
#include "harness/msg.h"

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
	{ "experiment", sb_experiment_main },
	{ "doctor", sb_doctor_main },
	{ "watch", sb_watch_main },
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
