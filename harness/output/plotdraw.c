/* The plotting step of a result directory: the plots' data files, then gnuplot drawing each plot (plotdraw.h). */
#include "harness/output/plotdraw.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/cli/paths.h"
#include "harness/output/outdir.h"
#include "harness/output/plotdata.h"
#include "harness/output/reportmodel.h"
#include "harness/output/report_phases.h"
#include "harness/cli/stop.h"

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

/* ---- running gnuplot ---- */

/* gnuplot NAME.gp with the result directory as its working directory: the
 * scripts read plots/NAME.dat and write plots/NAME.FMT by relative names, so no
 * path (nor any other data) is ever part of what gnuplot parses; fmt is one
 * of two constants. */
static pid_t start_gnuplot(const char *gnuplot, const char *scripts, const char *dir,
			   const char *name, const char *fmt, int logfd)
{
	char expr[32], script[PATH_MAX];
	pid_t pid;

	if (snprintf(expr, sizeof(expr), "fmt='%s'", strcmp(fmt, "svg") ? "png" : "svg") >=
		    (int)sizeof(expr) ||
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
		if (chdir(dir) != 0)
			_exit(126);
		execl(gnuplot, "gnuplot", "-e", expr, script, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* 0 when gnuplot pid ended well. */
static int wait_gnuplot(pid_t pid)
{
	int status;

	if (pid < 0)
		return (int)pid;
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

/* Draws every plot but those in skip as PNG and SVG; *drawn gets a bit per
 * plot drawn in both formats. Returns the number of failures. */
static int draw_all(const char *gnuplot, const char *scripts, const char *dir, unsigned int skip,
		    unsigned int *drawn)
{
	static const char *const fmts[] = {"png", "svg"};
	char log[PATH_MAX];
	int fails = 0, logfd;

	snprintf(log, sizeof(log), "%s/plots", dir);
	logfd = sb_outdir_create(log, "gnuplot.log");
	snprintf(log, sizeof(log), "%s/plots/gnuplot.log", dir);
	*drawn = 0;
	for (int id = 0; id < SB_NPLOTS && !sb_stop_requested; id++) {
		const char *name = sb_plot_def(id)->name;
		pid_t pid[2];
		int ok = 1;

		if (skip & (1u << id))
			continue;
		/* each plot's two formats at once: a gnuplot is mostly its own
		 * start-up */
		for (int k = 0; k < 2; k++) {
			char p[PATH_MAX];

			/* no stale picture from an earlier run survives a failure */
			snprintf(p, sizeof(p), "%s/plots/%s.%s", dir, name, fmts[k]);
			unlink(p);
			if (logfd >= 0)
				dprintf(logfd, "== %s.gp fmt=%s\n", name, fmts[k]);
			pid[k] = start_gnuplot(gnuplot, scripts, dir, name, fmts[k], logfd);
		}
		for (int k = 0; k < 2; k++)
			if (wait_gnuplot(pid[k]) || !file_ok(dir, name, fmts[k]))
				ok = 0;
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

int sb_plot_draw(const struct sb_report_model *m, int no_plot, struct sb_report_plots *rp)
{
	char path[PATH_MAX], gnuplot[PATH_MAX], scripts[PATH_MAX], abs[PATH_MAX];
	int e;

	rp->state = SB_PLOTS_OFF;
	rp->drawn = 0;
	if (snprintf(path, sizeof(path), "%s/plots", m->dir) >= (int)sizeof(path))
		e = -ENAMETOOLONG;
	else if (mkdir(path, 0755) != 0 && errno != EEXIST)
		e = -errno;
	else
		e = sb_plot_data__write(m->plot_data, m->s, path);
	if (e) {
		sb_error("cannot write the plots' data files in %s (%s)", path, strerror(-e));
		return 2;
	}
	if (no_plot)
		return 0;
	if (sb_plot_find_gnuplot(gnuplot, sizeof(gnuplot))) {
		sb_error("gnuplot not found; install it with apt-get "
				"install gnuplot-nox, or pass --no-plot");
		rp->state = SB_PLOTS_NO_GNUPLOT;
		return 2;
	}
	/* absolute: gnuplot runs inside the result directory */
	if (sb_plot_scripts_dir(scripts, sizeof(scripts)) || !realpath(scripts, abs)) {
		sb_error("the gnuplot scripts (scripts/plots/*.gp) were "
				"not found; set SYNBENCH_DATADIR=DIR (holding plots/), or pass --no-plot");
		rp->state = SB_PLOTS_NO_SCRIPTS;
		return 2;
	}
	rp->state = SB_PLOTS_DRAWN;
	/* the phases only where there are some: crr, --tls */
	return draw_all(gnuplot, abs, m->dir,
			sb_report_has_phases(m->s) ? 0 : 1u << SB_PLOT_PHASES, &rp->drawn)
		   ? 1
		   : 0;
}
