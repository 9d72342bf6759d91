/* bench sweep: one run per combination of comma-separated option values,
 * each repeated K times, each its own process (own network namespace).
 *
 *   bench sweep --backlog 1,8,128 --conns 2000 --accept fast,delay:1 --repeat 3
 *
 * writes DIR/run-NNN/ (a normal result directory per run), DIR/sweep.csv (one
 * row per run) and DIR/p99_vs_backlog.{png,svg}, DIR/overflows_vs_backlog.{png,svg}. */
#ifndef SB_SWEEP_H
#define SB_SWEEP_H

#include <stddef.h>

/* The options that take a comma list, in the order they vary: the first
 * (backlog) changes fastest, so the runs of one plot line are adjacent. */
enum sb_sweep_param {
	SB_SW_BACKLOG,
	SB_SW_CONNS,
	SB_SW_ACCEPT,
	SB_SW_CONCURRENCY,
	SB_SW_RATE,
	SB_SW_MODE,
	SB_SW_CLOSE,
	SB_SW_ENGINE,
	SB_SW_SYNCOOKIES,
	SB_SW_THREADS,
	SB_SW_NPARAMS,
};

#define SB_SWEEP_MAX_RUNS   100000u
#define SB_SWEEP_MAX_REPEAT 1000u

struct sb_sweep {
	/* values of each list option; n == 0: not given (the run default) */
	struct {
		char **v;
		size_t n;
	} list[SB_SW_NPARAMS];
	char **fixed; /* every other argument, passed to each run as given */
	size_t nfixed;
	unsigned int repeat; /* --repeat K (>= 1) */
	int no_plot;	     /* --no-plot: no sweep plots (runs never plot) */
	char out[4096];	     /* --out DIR ("" = results/sweep-<timestamp>) */
};

/* "backlog" for SB_SW_BACKLOG, ... */
const char *sb_sweep_param_name(int param);

/* Parses the sweep's argv (argv[0] = "sweep", skipped). List options take
 * "--opt a,b,c" or "--opt=a,b,c"; a bare --syncookies stays a fixed
 * argument. --repeat, --out and --no-plot belong to the sweep; --json,
 * --trace-states and --force are refused. Returns 0, 1 for -h/--help, or
 * -EINVAL with one line in err (empty list element, repeated value, bad
 * --repeat, too many runs). Only syntax: option values are checked by
 * sb_sweep_validate(). Free with sb_sweep_free() whatever it returns. */
int sb_sweep_parse(int argc, char **argv, struct sb_sweep *sw, char *err, size_t errlen);
void sb_sweep_free(struct sb_sweep *sw);

/* Number of combinations (product of the list lengths; 1 when none). */
size_t sb_sweep_combos(const struct sb_sweep *sw);
/* Index of param's value in combination c, or -1 when param was not given. */
long sb_sweep_value_index(const struct sb_sweep *sw, size_t c, int param);

/* argv of combination c for sb_opts_parse / exec: args[0] = "synbench",
 * the fixed arguments, then "--opt value" for each list option given, then
 * extra (NULL-terminated, may be NULL), then a NULL. args must hold max
 * pointers. Returns argc, or -ENOSPC. The strings belong to sw/extra. */
int sb_sweep_argv(const struct sb_sweep *sw, size_t c, const char *const *extra, char **args,
		  size_t max);

/* "backlog=5,accept=delay:1": the values of combination c of every list
 * option given with more than one value except backlog ("all" if none). */
void sb_sweep_series(const struct sb_sweep *sw, size_t c, char *buf, size_t len);

/* Checks every combination with sb_opts_parse. 0, or -EINVAL with
 * "<problem> (in combination K: --backlog 5 ...)" in err. */
int sb_sweep_validate(const struct sb_sweep *sw, char *err, size_t errlen);

/* argv[0] = "sweep". Exit code: 0 all runs done, 1 a run failed, 2 bad
 * input (nothing run, nothing written), 130 interrupted. */
int sb_sweep_main(int argc, char **argv);

struct sb_optset;
/* The options bench sweep --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_sweep_optset(void);

#endif
