/* synbench(8) as roff, from the option tables (man.h). The prose here says
 * what each command is for; every option line comes from a table. */
#include "harness/commands/man.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "harness/cli/opts.h"
#include "harness/run/restore.h"
#include "harness/commands/baseline.h"
#include "harness/commands/compare.h"
#include "harness/commands/doctor.h"
#include "harness/commands/experiment.h"
#include "harness/commands/plot.h"
#include "harness/commands/sweep.h"
#include "harness/commands/advise.h"
#include "harness/commands/watch.h"

/* One sub-command's section: its synopsis lines, what it does, its table. */
struct man_cmd {
	const char *name;
	const char *const *synopsis; /* NULL-ended */
	const char *const *about;    /* paragraphs, NULL-ended */
	const struct sb_optset *(*optset)(void);
};

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct man_cmd cmds[] = {
    {"compare",
     LINES("synbench compare [OPTIONS] BASE NEW",
	   "synbench compare [OPTIONS] --base RUN... --new RUN..."),
     LINES("The regression gate for CI. Reads the summary.json of BASE and NEW (run "
	   "directories, summary.json files, or directories of repeated runs: medians, and a "
	   "one-sided Mann-Whitney U test when the run counts allow it) and exits 1 when NEW "
	   "is worse: latency and rate beyond the thresholds, lost events, a lower join rate, "
	   "an exact count that differs, or a NEW that stopped early (interrupted, or a "
	   "stop_reason other than complete). A BASE that stopped early is bad input. A BASE "
	   "directory's compare file supplies options the command line does not give."),
     sb_compare_optset},
    {"baseline",
     LINES("synbench baseline save DIR --args 'OPTIONS' [--compare 'OPTIONS'] [--repeat K] "
	   "[--force]",
	   "synbench baseline run DIR --out OUT [--repeat K] [--append] [-- EXTRA-OPTIONS]"),
     LINES("save runs synbench with OPTIONS and writes a baseline directory (args, compare, "
	   "summary.json, config.json), replacing DIR only when every run succeeded. run "
	   "reruns a baseline's arguments K times into OUT/run-01...; --append adds runs so "
	   "that BASE and NEW can be recorded interleaved."),
     sb_baseline_optset},
    {"plot", LINES("synbench plot [--no-plot] DIR"),
     LINES("Redraws the plots of a result directory from its files (DIR/plots/*.dat, then "
	   "gnuplot run inside DIR) and regenerates report.txt, report.md and report.html: the "
	   "same bytes a run writes."),
     sb_plot_optset},
    {"sweep",
     LINES("synbench sweep [RUN OPTIONS with comma lists] [--repeat K] [--out DIR] "
	   "[--no-plot]"),
     LINES("One run per combination of the comma-separated values, each repeated K times as "
	   "its own process; writes DIR/run-NNN/, DIR/sweep.csv and plots of p99 and "
	   "overflows against backlog. Any option of the run may be given; those below are "
	   "the sweep's own or take lists."),
     sb_sweep_optset},
    {"advise",
     LINES("synbench advise [RUN OPTIONS] [--goal no-overflow|p99:DURATION] [--repeat K] "
	   "[--max-backlog N] [--out DIR]"),
     LINES("The smallest listen backlog of the built-in listener that meets the goal for the "
	   "load the run options give, found by real runs (doubling, then bisecting to 1/16), "
	   "confirmed by K more runs, with one run at half of it and the SYN-retransmit band "
	   "it falls in; says whether net.core.somaxconn or net.ipv4.tcp_max_syn_backlog "
	   "binds. Writes DIR/run-NNN/, DIR/advise.csv and DIR/advise.json."),
     sb_advise_optset},
    {"experiment", LINES("synbench experiment NAME [ARGS...]", "synbench experiment [--list]"),
     LINES("Runs one reproducible experiment (a script in share/synbench/experiments/) that "
	   "demonstrates and asserts kernel facts; exit 0 when they hold, 1 when not."),
     sb_experiment_optset},
    {"doctor", LINES("synbench doctor [--json]"),
     LINES("Loads the real probes in a private namespace and says what this machine can "
	   "measure: each probe component's mode and why not a better one, the kernel, BTF, "
	   "libbpf, missing capabilities, the io_uring operations, the sysctls a run starts "
	   "from. It first puts back the sysctls that a killed run left changed in a "
	   "namespace synbench did not create (journals in " SB_RESTORE_DIR "). Exit 0 when a "
	   "probes-on run can work, 2 otherwise."),
     sb_doctor_optset},
    {"watch",
     LINES("synbench watch [--netns NAME] [--port P]... [--pid PID] [--comm NAME] "
	   "[--duration S] [--connlat|--trace-states] [--out DIR]"),
     LINES("The kernel view of a run (the same probe components and fallbacks, the "
	   "accept-queue sampler, the namespace's counters) for traffic synbench did not make, "
	   "in an existing network namespace. Writes a result directory from kernel records "
	   "alone; ends at --duration, --max-conns or Ctrl-C."),
     sb_watch_optset},
};

/* A line of prose: escaped (sb_optparse_roff_line). */
static void text(FILE *f, const char *s)
{
	sb_optparse_roff_line(f, s);
}

static void para(FILE *f, const char *s)
{
	fputs(".PP\n", f);
	text(f, s);
}

/* ".TP" with a bold tag, then the text. */
static void item(FILE *f, const char *tag, const char *s)
{
	fputs(".TP\n\\fB", f);
	for (; *tag; tag++)
		fputs(*tag == '-' ? "\\-" : (char[]){*tag, 0}, f);
	fputs("\\fR\n", f);
	text(f, s);
}

static void synopsis(FILE *f, const char *const *lines)
{
	fputs(".nf\n", f);
	for (; *lines; lines++)
		text(f, *lines);
	fputs(".fi\n", f);
}

static void head(FILE *f)
{
	fprintf(f, ".TH SYNBENCH 8 \"\" \"synbench %s\" \"System Administration\"\n", SB_VERSION);
	fputs(".nh\n.ad l\n", f); /* option names are never hyphenated or stretched */
	fputs(".SH NAME\n", f);
	text(f, "synbench, bench - TCP connection setup measured from the kernel (eBPF) and from "
		"user space, joined per connection");
	fputs(".SH SYNOPSIS\n", f);
	synopsis(f, LINES("synbench [OPTIONS]", "synbench COMMAND [OPTIONS] [ARGS]",
			  "./bench ...   (the same program, from a source checkout)"));
	fputs(".SH DESCRIPTION\n", f);
	text(f, "synbench opens TCP connections against a listener created with the backlog you "
		"give, inside a private network namespace. It watches every handshake from the "
		"kernel with tracepoint and iterator eBPF programs and from user space with "
		"CLOCK_MONOTONIC stamps, joins the two views connection by connection (socket "
		"cookie), and reports where the time went and where connections were lost: SYN "
		"retransmits, accept-queue overflow, syncookie ghost connections, per-CPU backlog "
		"drops. Every figure is checked against the namespace's own kernel counters; a "
		"mismatch is printed as a warning.");
	para(f, "Results go to results/<time>[-LABEL]/ (or --out): summary.json, "
		"connections.csv, queue.csv, dwell.csv, counters.csv, config.json, report.txt, "
		"report.md, report.html and plots/. A short table is printed on standard output.");
	para(f,
	     "Bad input (an unknown option, a malformed or out-of-range value, conflicting "
	     "options, no root, no BTF) gets one line naming the problem and the fix, exit "
	     "status 2, and nothing written. Options are --opt VALUE or --opt=VALUE; numbers are "
	     "plain decimal; a later option overrides an earlier one.");
	para(f, "Needs root (or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN) and Linux "
		"5.8 or newer with BTF (/sys/kernel/btf/vmlinux); without BTF only --no-probes "
		"runs.");
}

static void commands(FILE *f)
{
	fputs(".SH COMMANDS\n", f);
	text(f, "Each command has its own options; synbench COMMAND --help prints them.");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct man_cmd *c = &cmds[i];

		fprintf(f, ".SS %s\n", c->name);
		synopsis(f, c->synopsis);
		for (const char *const *a = c->about; *a; a++)
			para(f, *a);
		sb_optparse_man(f, c->optset(), 1);
	}
	fputs(".SS \"serve, client, guard, man\"\n", f);
	text(f, "Not for use by hand. serve and client are the other hosts' halves of a run "
		"across machines, driven over standard input and output by --server-via and "
		"--client-via. guard runs a --server-cmd server or a transport command, dies with "
		"synbench and ends the command's whole process tree. man prints this page as roff "
		"(the build writes synbench.8 with it).");
}

static void tail(FILE *f)
{
	fputs(".SH EXIT STATUS\n", f);
	item(f, "0", "done (compare: pass; doctor: a probes-on run can work).");
	item(f, "1",
	     "compare: a regression; experiment: a kernel fact did not hold; baseline, "
	     "sweep: a run failed; plot: a plot failed to draw.");
	item(f, "2",
	     "bad input or an environment that cannot run (one line on standard "
	     "error, nothing written).");
	item(f, "130",
	     "interrupted by SIGINT or SIGTERM, or a host of a run across machines "
	     "was lost: the results are written, with interrupted and stop_reason "
	     "saying why.");
	fputs(".SH ENVIRONMENT\n", f);
	item(f, "SYNBENCH_DATADIR",
	     "the directory holding plots/ and experiments/ (default: "
	     "PREFIX/share/synbench next to the binary, then the source "
	     "checkout it was built from).");
	item(f, "SYNBENCH_GNUPLOT", "the gnuplot binary (default: gnuplot on PATH).");
	item(f, "SYNBENCH_URING_NO",
	     "io_uring operations to do with syscalls instead: a comma "
	     "list of bind, sockopt, socket, multishot, or all.");
	item(f, "SYNBENCH_CATCHERS", "all or none: load every catcher twin program, or none.");
	item(f, "SYNBENCH_NO_INSTALL",
	     "./bench only: print the apt-get command for missing "
	     "packages and exit 2 instead of installing them.");
	item(f, "SYNBENCH_BUILD_DIR", "./bench only: the build directory (default build/).");
	fputs(".SH FILES\n", f);
	item(f, "results/", "where runs land, one directory each.");
	item(f, "PREFIX/share/synbench/",
	     "the gnuplot scripts (plots/) and experiments "
	     "(experiments/).");
	item(f, SB_RESTORE_DIR "/",
	     "journals of sysctls changed in namespaces synbench did not "
	     "create, put back at the end of the run, or by the next run "
	     "or synbench doctor after a SIGKILL.");
	fputs(".SH EXAMPLES\n", f);
	synopsis(f,
		 LINES("synbench --conns 10000 --backlog 5",
		       "synbench --conns 20 --backlog 3 --accept none --syncookies 0",
		       "synbench --mode crr --close rst --conns 100000 --no-probes",
		       "synbench --rate 20000 --conns 100000",
		       "synbench --server-via 'ssh -T root@srv' --server-addr 10.0.0.2 --backlog 5",
		       "synbench compare results/baselines/crr-2000 ci-runs --junit compare.xml",
		       "synbench watch --netns web --port 8000 --connlat"));
	fputs(".SH SEE ALSO\n", f);
	text(f, "ss(8), nstat(8), bpftool(8), tc-netem(8). In the source: README.md, "
		"docs/options.md, docs/results.md (the result schema), docs/kernel-facts.md.");
}

int sb_man_write(FILE *f)
{
	head(f);
	fputs(".SH OPTIONS\n", f);
	sb_optparse_man(f, sb_opts_optset(), 0);
	commands(f);
	tail(f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

static void names(FILE *f, const char *cmd, const struct sb_optset *s)
{
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct sb_optdef *d = &s->defs[i];

		if (d->name && (!s->groups || !d->groups || (d->groups & s->groups)))
			fprintf(f, "%s --%s\n", cmd, d->name);
	}
}

void sb_man_names(FILE *f)
{
	names(f, "run", sb_opts_optset());
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		names(f, cmds[i].name, cmds[i].optset());
}

int sb_man_main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--names") == 0) {
		sb_man_names(stdout);
		return fflush(stdout) ? 2 : 0;
	}
	if (argc != 1) {
		sb_error("man: prints synbench(8) as roff; it takes no arguments but --names");
		return 2;
	}
	return sb_man_write(stdout) ? 2 : 0;
}
