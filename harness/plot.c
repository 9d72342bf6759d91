/* bench plot, and the plotting step of a run: see harness/plot.h. */
#include "harness/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/htmlreport.h"
#include "harness/jsonread.h"
#include "harness/msg.h"
#include "harness/optparse.h"
#include "harness/paths.h"

/* ---- finding things ---- */

int sb_plot_scripts_dir(char *buf, size_t len)
{
	return sb_data_dir("plots", buf, len);
}

int sb_plot_find_gnuplot(char *buf, size_t len)
{
	const char *env = getenv("SYNBENCH_GNUPLOT"), *path = getenv("PATH");

	if (env && env[0]) {
		if (access(env, X_OK) != 0 || snprintf(buf, len, "%s", env) >= (int)len)
			return -ENOENT;
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && snprintf(buf, len, "%.*s/gnuplot", (int)n, path) < (int)len &&
		    access(buf, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* ---- data files for the summary plots ---- */

static void put_num(FILE *f, const struct sb_jval *v)
{
	double d;

	/* a block without samples (null) draws as a zero-height segment */
	fprintf(f, " %.3f", sb_jval_double(v, &d) == 0 ? d : 0.0);
}

static int write_dat(const char *path, const struct sb_jval *root)
{
	static const char *const parts[] = {"pre_syn", "kernel_handshake", "notify_delay",
					    "accept_wait"};
	static const char *const pcts[] = {"p50", "p99"};
	const struct sb_jval *lat = sb_jval_get(root, "latency_us");
	const struct sb_jval *out = sb_jval_get(root, "outcomes");
	char tmp[PATH_MAX + 64], p[PATH_MAX + 32];
	FILE *f;
	int err = 0;

	for (int which = 0; which < 2 && !err; which++) {
		snprintf(p, sizeof(p), "%s/%s", path, which ? "outcomes.dat" : "breakdown.dat");
		snprintf(tmp, sizeof(tmp), "%s.tmp", p);
		f = fopen(tmp, "we");
		if (!f)
			return -errno;
		if (!which) {
			fputs("# where the time went, us (summary.json latency_us; null -> 0)\n"
			      "# pct pre_syn kernel_handshake notify_delay accept_wait\n",
			      f);
			for (size_t i = 0; i < 2; i++) {
				fputs(pcts[i], f);
				for (size_t k = 0; k < 4; k++)
					put_num(f,
						sb_jval_get(sb_jval_get(lat, parts[k]), pcts[i]));
				fputc('\n', f);
			}
		} else {
			fputs("# outcome count (summary.json outcomes)\n", f);
			for (const struct sb_jval *m = out ? out->child : NULL; m; m = m->next) {
				int64_t v = 0;

				sb_jval_int64(m, &v);
				fprintf(f, "%s %lld\n", m->key, (long long)v);
			}
		}
		if (ferror(f))
			err = -EIO;
		if (fclose(f) && !err)
			err = -errno;
		if (!err && rename(tmp, p))
			err = -errno;
	}
	return err;
}

int sb_plot_write_data(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct sb_jdoc *d = NULL;
	struct sb_jerr je = {0};
	int e;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	e = sb_jdoc__load(path, &d, &je);
	if (e) {
		if (je.line)
			snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.col, je.msg);
		else
			snprintf(err, errlen, "cannot read %s (%s)", path, strerror(-e));
		return e;
	}
	snprintf(path, sizeof(path), "%s/plots", dir);
	if (mkdir(path, 0755) && errno != EEXIST) {
		e = -errno;
		snprintf(err, errlen, "cannot create %s (%s)", path, strerror(-e));
	} else {
		e = write_dat(path, sb_jdoc_root(d));
		if (e)
			snprintf(err, errlen, "cannot write %s/*.dat (%s)", path, strerror(-e));
	}
	sb_jdoc__free(d);
	return e;
}

/* ---- running gnuplot ---- */

/* gnuplot single-quoted string: ' doubles. */
static int gp_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		if (o + 3 >= len)
			return -ENAMETOOLONG;
		if (*s == '\'')
			buf[o++] = '\'';
		buf[o++] = *s;
	}
	buf[o] = '\0';
	return 0;
}

static int run_gnuplot(const char *gnuplot, const char *scripts, const char *dir, const char *name,
		       const char *fmt, int logfd)
{
	char qdir[PATH_MAX * 2], expr[PATH_MAX * 2 + 64], script[PATH_MAX];
	int status;
	pid_t pid;

	if (gp_quote(qdir, sizeof(qdir), dir) ||
	    snprintf(expr, sizeof(expr), "dir='%s'; fmt='%s'", qdir, fmt) >= (int)sizeof(expr) ||
	    snprintf(script, sizeof(script), "%s/%s.gp", scripts, name) >= (int)sizeof(script))
		return -ENAMETOOLONG;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		if (logfd >= 0)
			dup2(logfd, 2);
		execl(gnuplot, "gnuplot", "-e", expr, script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int file_ok(const char *dir, const char *name, const char *fmt)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/plots/%s.%s", dir, name, fmt);
	return stat(p, &st) == 0 && st.st_size > 0;
}

/* Draws every plot as PNG and SVG; *drawn gets a bit per plot drawn in both
 * formats. Returns the number of failures. */
static int draw_all(const char *gnuplot, const char *scripts, const char *dir, unsigned int *drawn)
{
	static const char *const fmts[] = {"png", "svg"};
	char log[PATH_MAX];
	int fails = 0, logfd;

	snprintf(log, sizeof(log), "%s/plots/gnuplot.log", dir);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	*drawn = 0;
	for (int id = 0; id < SB_NPLOTS; id++) {
		const char *name = sb_plot_def(id)->name;
		int ok = 1;

		for (int k = 0; k < 2; k++) {
			char p[PATH_MAX];

			/* no stale picture from an earlier run survives a failure */
			snprintf(p, sizeof(p), "%s/plots/%s.%s", dir, name, fmts[k]);
			unlink(p);
			if (logfd >= 0)
				dprintf(logfd, "== %s.gp fmt=%s\n", name, fmts[k]);
			if (run_gnuplot(gnuplot, scripts, dir, name, fmts[k], logfd) ||
			    !file_ok(dir, name, fmts[k]))
				ok = 0;
		}
		if (ok)
			*drawn |= 1u << id;
		else {
			sb_error("gnuplot failed on %s/%s.gp (see %s)", scripts, name, log);
			fails++;
		}
	}
	if (logfd >= 0)
		close(logfd);
	return fails;
}

int sb_plot_run_dir(const char *dir, int no_plot)
{
	struct sb_report_plots rp = {.state = SB_PLOTS_OFF, .drawn = 0};
	char err[PATH_MAX + 256] = "", gnuplot[PATH_MAX], scripts[PATH_MAX];
	int rc = 0, e;

	e = sb_plot_write_data(dir, err, sizeof(err));
	if (e) {
		sb_error("%s", err);
		return 2;
	}
	if (!no_plot) {
		if (sb_plot_find_gnuplot(gnuplot, sizeof(gnuplot))) {
			sb_error("gnuplot not found; install it with apt-get install gnuplot-nox, "
				 "or pass --no-plot");
			rp.state = SB_PLOTS_NO_GNUPLOT;
			rc = 2;
		} else if (sb_plot_scripts_dir(scripts, sizeof(scripts))) {
			sb_error("the gnuplot scripts (scripts/plots/*.gp) were not found; set "
				 "SYNBENCH_PLOTS=DIR, or pass --no-plot");
			rp.state = SB_PLOTS_NO_SCRIPTS;
			rc = 2;
		} else {
			rp.state = SB_PLOTS_DRAWN;
			if (draw_all(gnuplot, scripts, dir, &rp.drawn))
				rc = 1;
		}
	}
	e = sb_htmlreport_write(dir, &rp, err, sizeof(err));
	if (e) {
		sb_error("%s", err);
		return 2;
	}
	return rc;
}

/* ---- bench plot: options ---- */

enum { P_NO_PLOT, P_HELP };

struct plot_opts {
	int no_plot;
	const char *dir;
};

static const struct sb_optdef plot_table[] = {
    {"no-plot", 0, SB_ARG_NONE, SB_OPT_FLAG, P_NO_PLOT, NULL,
     "only the reports (no gnuplot needed)", NULL, NULL, 0, 0, NULL,
     SB_FLD(struct plot_opts, no_plot), 0},
    {"help", 'h', SB_ARG_NONE, SB_OPT_RETURN, P_HELP, NULL, "this text", .fld = SB_FLD_NONE},
};

static int plot_positional(void *ctx, const char *arg, char *err, size_t len)
{
	struct plot_opts *o = ctx;

	if (o->dir)
		return sb_errf(err, len, -EINVAL, "one result directory only ('%s'); give one DIR",
			       arg);
	o->dir = arg;
	return 0;
}

static const struct sb_optset plot_optset = {
    .cmd = "plot",
    .defs = plot_table,
    .ndefs = sizeof(plot_table) / sizeof(plot_table[0]),
    .positional = plot_positional,
};

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench plot [--no-plot] DIR\n"
	      "\n"
	      "Redraws the plots of a result directory (DIR/plots/*.png and *.svg, with\n"
	      "gnuplot and scripts/plots/*.gp) and regenerates DIR/report.html and\n"
	      "DIR/report.md from the result files alone.\n"
	      "\n"
	      "OPTIONS\n",
	      f);
	sb_optparse_help(f, &plot_optset);
	fputs("\n"
	      "ENVIRONMENT\n"
	      "  SYNBENCH_GNUPLOT  the gnuplot binary (default: gnuplot on PATH)\n"
	      "  SYNBENCH_PLOTS    the directory of the .gp scripts\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 done; 1 a plot failed (DIR/plots/gnuplot.log); 2 bad input, no\n"
	      "  summary.json, gnuplot or the scripts not found\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench plot results/20260101-120000\n"
	      "  bench plot --no-plot results/20260101-120000   # reports only\n",
	      f);
}

int sb_plot_main(int argc, char **argv)
{
	struct plot_opts o = {0};
	char err[512];
	struct stat st;
	int r;

	r = sb_optparse(&plot_optset, argc, argv, 1, &o, &o, NULL, err, sizeof(err));
	if (r == P_HELP) {
		usage(stdout);
		return 0;
	}
	if (r == 0 && !o.dir)
		r = sb_errf(err, sizeof(err), -EINVAL, "which result directory? %s plot DIR",
			    sb_prog());
	if (r == 0 && (stat(o.dir, &st) || !S_ISDIR(st.st_mode)))
		r = sb_errf(err, sizeof(err), -ENOTDIR, "%s is not a directory", o.dir);
	if (r) {
		sb_error("plot: %s", err);
		return 2;
	}
	return sb_plot_run_dir(o.dir, o.no_plot);
}
