/* bench sweep: expand comma lists into combinations, check every one of them
 * with the run's own option parser before anything runs, then run each
 * combination x repeat as its own process (fork + exec of /proc/self/exe, so
 * each run has its own network namespace) and collect one sweep.csv row per
 * finished run from its summary.json. Plots: scripts/plots/sweep.gp. */
#include "harness/commands/sweep.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/output/fmt.h"
#include "harness/cli/paths.h"
#include "harness/output/jsonget.h"
#include "harness/cli/opts.h"
#include "harness/output/outdir.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "harness/commands/runchild.h"

/* The only mutable global: what the signal handler sets. */
static volatile sig_atomic_t sweep_stop;

static void on_signal(int sig)
{
	(void)sig;
	sweep_stop = 1;
}

static const char *const param_names[SB_SW_NPARAMS] = {
    [SB_SW_BACKLOG] = "backlog",
    [SB_SW_CONNS] = "conns",
    [SB_SW_ACCEPT] = "accept",
    [SB_SW_CONCURRENCY] = "concurrency",
    [SB_SW_RATE] = "rate",
    [SB_SW_MODE] = "mode",
    [SB_SW_CLOSE] = "close",
    [SB_SW_ENGINE] = "engine",
    [SB_SW_SYNCOOKIES] = "syncookies",
    [SB_SW_THREADS] = "threads",
};

const char *sb_sweep_param_name(int param)
{
	return param >= 0 && param < SB_SW_NPARAMS ? param_names[param] : NULL;
}

static void free_list(struct sb_sweep *sw, int p)
{
	for (size_t i = 0; i < sw->list[p].n; i++)
		free(sw->list[p].v[i]);
	free(sw->list[p].v);
	sw->list[p].v = NULL;
	sw->list[p].n = 0;
}

static int split_list(struct sb_sweep *sw, int p, const char *val, char *err, size_t errlen)
{
	const char *name = param_names[p];
	const char *s = val;

	free_list(sw, p); /* a later option overrides an earlier one */
	for (;;) {
		size_t n = strcspn(s, ",");
		char **v;

		if (n == 0)
			return sb_errf(err, errlen, -EINVAL,
				       "--%s has an empty value in '%.80s'; "
				       "write values separated by single commas, e.g. 1,5,128",
				       name, val);
		v = realloc(sw->list[p].v, (sw->list[p].n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		sw->list[p].v = v;
		v[sw->list[p].n] = strndup(s, n);
		if (!v[sw->list[p].n])
			return -ENOMEM;
		for (size_t i = 0; i < sw->list[p].n; i++)
			if (strcmp(v[i], v[sw->list[p].n]) == 0) {
				free(v[sw->list[p].n]);
				return sb_errf(err, errlen, -EINVAL,
					       "--%s lists '%.64s' twice; use --repeat "
					       "to run a combination again",
					       name, v[i]);
			}
		sw->list[p].n++;
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

static int add_fixed(struct sb_sweep *sw, char *arg)
{
	char **f = realloc(sw->fixed, (sw->nfixed + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	sw->fixed = f;
	f[sw->nfixed++] = arg;
	return 0;
}

static int parse_repeat(const char *v, unsigned int *out)
{
	unsigned long r = 0;

	if (!v || !*v || strlen(v) > 6)
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		r = r * 10 + (unsigned long)(*p - '0');
	}
	if (r < 1 || r > SB_SWEEP_MAX_REPEAT)
		return -EINVAL;
	*out = (unsigned int)r;
	return 0;
}

/* ---- the table: the sweep's own options and the list options ---- */

enum { W_REPEAT = SB_SW_NPARAMS, W_OUT, W_NO_PLOT, W_REFUSED, W_HELP };

/* clang-format off */
#define LIST(name, id, meta, example) \
	{ name, 0, SB_ARG_REQ, SB_OPT_CUSTOM, id, meta, "comma list: one run per value", NULL, \
	  example, 0, 0, NULL, 0, 0, SB_FLD_NONE, 0 }
#define REFUSED(name) \
	{ name, 0, SB_ARG_NONE, SB_OPT_CUSTOM, W_REFUSED, NULL, "refused: not for a sweep", NULL, \
	  NULL, 0, 0, NULL, 0, 0, SB_FLD_NONE, 0 }

static const struct sb_optdef sweep_table[] = {
	{ .help = "The sweep's own:", .kind = SB_OPT_HEADING },
	{ "repeat", 0, SB_ARG_REQ, SB_OPT_CUSTOM, W_REPEAT, "K",
	  "run each combination K times, 1..1000", "1", "3", .fld = SB_FLD_NONE },
	{ "out", 0, SB_ARG_REQ, SB_OPT_CUSTOM, W_OUT, "DIR", "the sweep's directory",
	  "results/sweep-<time>", "results/sweep-a", .fld = SB_FLD_NONE },
	{ "no-plot", 0, SB_ARG_NONE, SB_OPT_FLAG, W_NO_PLOT, NULL,
	  "no sweep plots (runs never plot)", NULL, NULL, 0, 0, NULL,
	  SB_FLD(struct sb_sweep, no_plot), 0 },
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, W_HELP, NULL, "this text", .fld = SB_FLD_NONE },
	{ .help = "Run options that take a comma list (the first varies fastest):",
	  .kind = SB_OPT_HEADING },
	LIST("backlog", SB_SW_BACKLOG, "B,...", "1,5,128"),
	LIST("conns", SB_SW_CONNS, "N,...", "1000,10000"),
	LIST("accept", SB_SW_ACCEPT, "POLICY,...", "fast,delay:1"),
	LIST("concurrency", SB_SW_CONCURRENCY, "N,...", "32,256"),
	LIST("rate", SB_SW_RATE, "R,...", "10000,20000"),
	LIST("mode", SB_SW_MODE, "MODE,...", "connect,crr"),
	LIST("close", SB_SW_CLOSE, "fin|rst,...", "fin,rst"),
	LIST("engine", SB_SW_ENGINE, "ENGINE,...", "uring,epoll"),
	{ "syncookies", 0, SB_ARG_OPT, SB_OPT_CUSTOM, SB_SW_SYNCOOKIES, "[0|1|2,...]",
	  "comma list: one run per value; bare: 1 for every run", NULL, "0,1", .fld = SB_FLD_NONE },
	LIST("threads", SB_SW_THREADS, "T,...", "1,2"),
	{ .help = "Refused (each run's output is the sweep's):", .kind = SB_OPT_HEADING },
	REFUSED("json"),
	REFUSED("trace-states"),
	REFUSED("force"),
};
/* clang-format on */

static int sweep_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct sb_sweep *sw = ctx;

	switch (d->id) {
	case W_REFUSED:
		return sb_errf(err, len, -EINVAL, "--%s is not for a sweep; leave it out", d->name);
	case W_OUT:
		if (!*val || strlen(val) >= sizeof(sw->out) - 16)
			return sb_errf(err, len, -EINVAL,
				       "bad --out '%.80s'; give a new directory, e.g. --out %s",
				       val, d->example);
		strcpy(sw->out, val);
		return 0;
	case W_REPEAT:
		if (parse_repeat(val, &sw->repeat))
			return sb_errf(err, len, -EINVAL,
				       "--repeat must be 1..1000 (got '%.32s'); try --repeat 3",
				       val);
		return 0;
	case SB_SW_SYNCOOKIES:
		if (!val) /* "--syncookies" alone means 1, like a run */
			return add_fixed(sw, "--syncookies");
		break;
	}
	return split_list(sw, d->id, val, err, len);
}

/* Every other word goes to each run as given: its options are checked by
 * sb_sweep_validate with the run's own parser. */
static int sweep_other(void *ctx, int argc, char **argv, int *i, char *err, size_t len)
{
	(void)argc;
	(void)err;
	(void)len;
	return add_fixed(ctx, argv[*i]);
}

static int sweep_positional(void *ctx, const char *arg, char *err, size_t len)
{
	(void)err;
	(void)len;
	return add_fixed(ctx, (char *)arg);
}

/* "--" and what follows go to each run as well (which refuses them). */
static int sweep_rest(void *ctx, int argc, char **argv, char *err, size_t len)
{
	int r = add_fixed(ctx, "--");

	(void)err;
	(void)len;
	for (int i = 0; i < argc && !r; i++)
		r = add_fixed(ctx, argv[i]);
	return r;
}

static const struct sb_optset sweep_optset = {
    .cmd = "sweep",
    .defs = sweep_table,
    .ndefs = sizeof(sweep_table) / sizeof(sweep_table[0]),
    .apply = sweep_apply,
    .positional = sweep_positional,
    .rest = sweep_rest,
    .other = sweep_other,
};

const struct sb_optset *sb_sweep_optset(void)
{
	return &sweep_optset;
}

int sb_sweep_parse(int argc, char **argv, struct sb_sweep *sw, char *err, size_t errlen)
{
	size_t runs;
	int r;

	memset(sw, 0, sizeof(*sw));
	sw->repeat = 1;
	r = sb_optparse(&sweep_optset, argc, argv, 1, sw, sw, NULL, err, errlen);
	if (r == W_HELP)
		return 1;
	if (r == -ENOMEM)
		return sb_errf(err, errlen, -ENOMEM, "out of memory");
	if (r)
		return r < 0 ? r : -EINVAL;
	runs = sb_sweep_combos(sw);
	if (runs == 0 || runs > SB_SWEEP_MAX_RUNS / sw->repeat)
		return sb_errf(err, errlen, -EINVAL,
			       "more than %u runs (combinations x --repeat); shorten the lists",
			       SB_SWEEP_MAX_RUNS);
	return 0;
}

void sb_sweep_free(struct sb_sweep *sw)
{
	for (int p = 0; p < SB_SW_NPARAMS; p++)
		free_list(sw, p);
	free(sw->fixed);
	sw->fixed = NULL;
	sw->nfixed = 0;
}

size_t sb_sweep_combos(const struct sb_sweep *sw)
{
	size_t n = 1;

	for (int p = 0; p < SB_SW_NPARAMS; p++) {
		if (!sw->list[p].n)
			continue;
		if (n > SB_SWEEP_MAX_RUNS)
			return SB_SWEEP_MAX_RUNS + 1; /* no overflow, still too many */
		n *= sw->list[p].n;
	}
	return n;
}

long sb_sweep_value_index(const struct sb_sweep *sw, size_t c, int param)
{
	for (int p = 0; p < SB_SW_NPARAMS; p++) {
		size_t n = sw->list[p].n;

		if (!n)
			continue;
		if (p == param)
			return (long)(c % n);
		c /= n;
	}
	return -1;
}

int sb_sweep_argv(const struct sb_sweep *sw, size_t c, const char *const *extra, char **args,
		  size_t max)
{
	size_t k = 0;

#define PUSH(s)                                                                                    \
	do {                                                                                       \
		if (k + 1 >= max)                                                                  \
			return -ENOSPC;                                                            \
		args[k++] = (char *)(s);                                                           \
	} while (0)
	PUSH(sb_prog());
	for (size_t i = 0; i < sw->nfixed; i++)
		PUSH(sw->fixed[i]);
	for (int p = 0; p < SB_SW_NPARAMS; p++) {
		long v = sb_sweep_value_index(sw, c, p);

		if (v < 0)
			continue;
		/* "--backlog" is "--" + name: point into a static string */
		static const char *const flags[SB_SW_NPARAMS] = {
		    "--backlog", "--conns", "--accept", "--concurrency", "--rate",
		    "--mode",	 "--close", "--engine", "--syncookies",	 "--threads",
		};
		PUSH(flags[p]);
		PUSH(sw->list[p].v[v]);
	}
	for (size_t i = 0; extra && extra[i]; i++)
		PUSH(extra[i]);
#undef PUSH
	args[k] = NULL;
	return (int)k;
}

/* Values are written into gnuplot titles and CSV: no spaces, quotes, commas. */
static void append_clean(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 1 < len; s++)
		buf[n++] = (*s == ' ' || *s == '\'' || *s == '"' || *s == ',') ? '_' : *s;
	buf[n] = '\0';
}

void sb_sweep_series(const struct sb_sweep *sw, size_t c, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	for (int p = 0; p < SB_SW_NPARAMS; p++) {
		long v = sb_sweep_value_index(sw, c, p);

		if (p == SB_SW_BACKLOG || v < 0 || sw->list[p].n < 2)
			continue;
		if (buf[0])
			append_clean(buf, len, "/");
		append_clean(buf, len, param_names[p]);
		append_clean(buf, len, "=");
		append_clean(buf, len, sw->list[p].v[v]);
	}
	if (!buf[0])
		snprintf(buf, len, "all");
}

/* " --backlog 5 --conns 200": the list options of combination c */
static void combo_text(const struct sb_sweep *sw, size_t c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int p = 0; p < SB_SW_NPARAMS && n < len; p++) {
		long v = sb_sweep_value_index(sw, c, p);

		if (v >= 0)
			n += (size_t)snprintf(buf + n, len - n, " --%s %s", param_names[p],
					      sw->list[p].v[v]);
	}
}

#define MAX_ARGS(sw) ((sw)->nfixed + 2 * SB_SW_NPARAMS + 16)

int sb_sweep_validate(const struct sb_sweep *sw, char *err, size_t errlen)
{
	static const char *const extra[] = {"--out", "sweep-check", "--quiet", "--no-plot", NULL};
	size_t max = MAX_ARGS(sw), n = sb_sweep_combos(sw);
	char **args = calloc(max, sizeof(*args));
	char e[512], what[1024];
	int ret = 0;

	if (!args)
		return -ENOMEM;
	for (size_t c = 0; c < n && !ret; c++) {
		struct sb_opts o;
		int argc = sb_sweep_argv(sw, c, extra, args, max), r;

		if (argc < 0) {
			ret = argc;
			break;
		}
		r = sb_opts_parse(argc, args, &o, e, sizeof(e));
		if (r == 0)
			continue;
		combo_text(sw, c, what, sizeof(what));
		if (r > 0)
			snprintf(e, sizeof(e), "sweep: --help/--version are not run options");
		snprintf(err, errlen, "%s (in combination %zu of %zu:%s)", e, c + 1, n,
			 what[0] ? what : " the fixed options");
		ret = -EINVAL;
	}
	free(args);
	return ret;
}

/* ---- running ---- */

static const json_t *jpath(const json_t *d, const char *path)
{
	return d ? sb_jget_path((d), path) : NULL;
}

static void put_num(FILE *f, const json_t *d, const char *path, const char *fmt)
{
	double v;

	if (sb_jget_double(jpath(d, path), &v) == 0)
		fprintf(f, fmt, v);
	fputc(',', f);
}

#define CSV_HEADER                                                                                 \
	"run,series,series_label,repeat,backlog,conns,accept,concurrency,rate,mode,close,"         \
	"engine,syncookies,threads,exit,rate_conns_per_s,p50_user_connect_us,"                     \
	"p99_user_connect_us,p50_kernel_handshake_us,p99_kernel_handshake_us,accepted,ghost,"      \
	"timeout,ListenOverflows,ListenDrops,TCPSynRetrans,lost_events,join_rate,dir"

static const char *const mode_names[] = {"connect", "crr"};
static const char *const close_names[] = {"fin", "rst"};
static const char *const engine_names[] = {"uring", "epoll"};

static void put_row(FILE *f, const struct sb_sweep *sw, size_t c, size_t run, unsigned int rep,
		    const struct sb_opts *o, int status, const json_t *d, const char *dir)
{
	char label[512], acc[64];
	size_t nb = sw->list[SB_SW_BACKLOG].n ? sw->list[SB_SW_BACKLOG].n : 1;

	sb_sweep_series(sw, c, label, sizeof(label));
	lg_accept_policy_str(&o->accept, acc, sizeof(acc));
	fprintf(f, "%zu,%zu,%s,%u,%d,%llu,%s,%u,%g,%s,%s,%s,%d,%u,%d,", run, c / nb, label, rep,
		o->backlog, (unsigned long long)o->conns, acc, o->concurrency, o->rate,
		mode_names[o->mode & 1], close_names[o->close & 1], engine_names[o->engine & 1],
		o->syncookies, o->threads, status);
	put_num(f, d, "rate_conns_per_s", "%.3f");
	put_num(f, d, "latency_us.user_connect.p50", "%.3f");
	put_num(f, d, "latency_us.user_connect.p99", "%.3f");
	put_num(f, d, "latency_us.kernel_handshake.p50", "%.3f");
	put_num(f, d, "latency_us.kernel_handshake.p99", "%.3f");
	put_num(f, d, "outcomes.accepted", "%.0f");
	put_num(f, d, "outcomes.ghost", "%.0f");
	put_num(f, d, "outcomes.timeout", "%.0f");
	put_num(f, d, "kernel_counters.ListenOverflows", "%.0f");
	put_num(f, d, "kernel_counters.ListenDrops", "%.0f");
	put_num(f, d, "kernel_counters.TCPSynRetrans", "%.0f");
	put_num(f, d, "lost_events", "%.0f");
	put_num(f, d, "join_rate", "%.6g");
	fprintf(f, "%s\n", dir);
	fflush(f);
}

static void progress(const struct sb_sweep *sw, size_t c, size_t run, size_t runs, unsigned int rep,
		     int status, const json_t *d)
{
	char what[1024];
	double p99 = 0, rate = 0, ovf = 0, acc = 0, ghost = 0, tmo = 0;
	char p99s[48];

	combo_text(sw, c, what, sizeof(what));
	printf("run %zu/%zu:%s", run, runs, what);
	if (sw->repeat > 1)
		printf(" (repeat %u/%u)", rep + 1, sw->repeat);
	if (!d) {
		printf(": failed (exit %d, no summary.json)\n", status);
		fflush(stdout);
		return;
	}
	sb_jget_double(jpath(d, "latency_us.user_connect.p99"), &p99);
	sb_jget_double(jpath(d, "rate_conns_per_s"), &rate);
	sb_jget_double(jpath(d, "kernel_counters.ListenOverflows"), &ovf);
	sb_jget_double(jpath(d, "outcomes.accepted"), &acc);
	sb_jget_double(jpath(d, "outcomes.ghost"), &ghost);
	sb_jget_double(jpath(d, "outcomes.timeout"), &tmo);
	printf(": p99 connect %s, rate %.0f conns/s, accepted %.0f, ghost %.0f, timeout "
	       "%.0f, ListenOverflows %.0f%s\n",
	       sb_fmt_us(p99s, sizeof(p99s), p99), rate, acc, ghost, tmo, ovf,
	       status ? " (run exit != 0)" : "");
	fflush(stdout);
}

/* gnuplot scripts/plots/sweep.gp inside the sweep directory: the script
 * reads sweep.csv (series titles included) and writes the plots there by
 * relative names, so no path or label is ever part of what gnuplot parses. */
static int plot(const char *dir)
{
	char src[PATH_MAX], gp[PATH_MAX + 64], abs[PATH_MAX];
	int st = -1, logfd;
	pid_t pid;

	if (sb_data_dir("plots", src, sizeof(src)) != 0 ||
	    snprintf(gp, sizeof(gp), "%s/sweep.gp", src) >= (int)sizeof(gp) ||
	    !realpath(gp, abs)) {
		sb_error("sweep: scripts/plots/sweep.gp not found; no plots");
		return -ENOENT;
	}
	/* gnuplot's warnings (one point per line...) go to a log */
	logfd = sb_outdir_create(dir, "sweep-plot.log");
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (logfd >= 0)
			dup2(logfd, STDERR_FILENO);
		if (chdir(dir) != 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", abs, (char *)NULL);
		sb_error("sweep: cannot run gnuplot: %s", strerror(errno));
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench sweep [RUN OPTIONS] [--repeat K] [--out DIR] [--no-plot]\n"
	      "\n"
	      "Comma lists in the list options below give one run per combination, each\n"
	      "repeated K times as its own process. Other run options apply to all runs.\n"
	      "Writes DIR/run-NNN/, DIR/sweep.csv and DIR/{p99,overflows}_vs_backlog.{png,svg}.\n"
	      "Every combination is checked first: bad input exits 2 before any run.\n"
	      "Ctrl-C stops after the current run (marked interrupted, not in sweep.csv).\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE)\n",
	      f);
	sb_optparse_help(f, &sweep_optset);
	fputs("\n"
	      "EXIT STATUS\n"
	      "  0 every run done; 1 a run failed; 2 bad input (nothing run); 130 interrupted\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench sweep --backlog 1,5,128 --conns 2000 --accept fast,delay:1 --repeat 3\n"
	      "  bench sweep --mode connect,crr --engine uring,epoll --conns 20000 --no-plot\n",
	      f);
}

static int open_out(struct sb_sweep *sw, FILE **csv)
{
	char path[sizeof(sw->out) + 16];
	int fd;

	if (sb_new_outdir(sw->out, sizeof(sw->out), "sweep", "sweep") != 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/sweep.csv", sw->out);
	fd = sb_outdir_create(sw->out, "sweep.csv");
	*csv = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!*csv) {
		sb_error("sweep: cannot write %s: %s", path, strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fputs(CSV_HEADER "\n", *csv);
	fflush(*csv);
	return 0;
}

static int run_all(struct sb_sweep *sw, FILE *csv, size_t *done, size_t *ok)
{
	size_t combos = sb_sweep_combos(sw), runs = combos * sw->repeat, max = MAX_ARGS(sw);
	char **args = calloc(max, sizeof(*args));
	char rundir[sizeof(sw->out) + 32], sumpath[sizeof(rundir) + 16], name[32];
	const char *extra[] = {"--out", rundir, "--quiet", "--no-plot", NULL};
	int any_failed = 0;

	if (!args)
		return -ENOMEM;
	for (size_t c = 0, k = 0; c < combos; c++) {
		for (unsigned int rep = 0; rep < sw->repeat && !sweep_stop; rep++, k++) {
			json_t *d = NULL;
			struct sb_opts o;
			char je[512];
			int argc, st, code, interrupted = 0;

			snprintf(name, sizeof(name), "run-%03zu", k + 1);
			snprintf(rundir, sizeof(rundir), "%s/%s", sw->out, name);
			argc = sb_sweep_argv(sw, c, extra, args, max);
			if (argc < 0 || sb_opts_parse(argc, args, &o, NULL, 0) != 0) {
				free(args);
				return -EINVAL; /* validated before: cannot happen */
			}
			st = sb_run_child(args, &sweep_stop, -1);
			code = st < 0 ? 2 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			snprintf(sumpath, sizeof(sumpath), "%s/summary.json", rundir);
			if (sb_jget_load(sumpath, &d, je, sizeof(je)) != 0)
				d = NULL;
			sb_jget_bool(jpath(d, "interrupted"), &interrupted);
			if (sweep_stop || interrupted) {
				printf("run %zu/%zu interrupted: not in sweep.csv (%s)\n", k + 1,
				       runs, rundir);
				json_decref(d);
				sweep_stop = 1;
				break;
			}
			progress(sw, c, k + 1, runs, rep, code, d);
			put_row(csv, sw, c, k + 1, rep, &o, code, d, name);
			if (!d || code != 0)
				any_failed = 1;
			else
				(*ok)++;
			json_decref(d);
			(*done)++;
		}
		if (sweep_stop)
			break;
	}
	free(args);
	return any_failed;
}

int sb_sweep_main(int argc, char **argv)
{
	struct sb_sweep sw;
	struct sigaction sa;
	char err[1536];
	FILE *csv = NULL;
	size_t done = 0, ok = 0, runs;
	int r;

	r = sb_sweep_parse(argc, argv, &sw, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		sb_sweep_free(&sw);
		return 0;
	}
	if (r == 0)
		r = sb_sweep_validate(&sw, err, sizeof(err));
	if (r != 0) {
		sb_error("sweep: %s", r == -ENOMEM ? "out of memory" : err);
		sb_sweep_free(&sw);
		return 2;
	}
	if (open_out(&sw, &csv) != 0) {
		sb_sweep_free(&sw);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	runs = sb_sweep_combos(&sw) * sw.repeat;
	printf("sweep: %zu combination(s) x %u repeat(s) = %zu runs into %s\n",
	       sb_sweep_combos(&sw), sw.repeat, runs, sw.out);
	fflush(stdout);
	r = run_all(&sw, csv, &done, &ok);
	fclose(csv);
	if (ok && !sw.no_plot && plot(sw.out) != 0)
		sb_error("sweep: plotting failed (sweep.csv is complete; see "
			 "%s/sweep-plot.log)",
			 sw.out);
	printf("sweep: %zu of %zu runs in %s/sweep.csv\n", done, runs, sw.out);
	sb_sweep_free(&sw);
	if (sweep_stop)
		return 130;
	return r < 0 ? 2 : r ? 1 : 0;
}
