/* The plotting step of a result directory: the summary plots' data files and gnuplot drawing each plot (plotdraw.h). */
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

#include "harness/output/jsonget.h"
#include "harness/cli/paths.h"
#include "harness/output/htmlreport.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"

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

static void put_num(FILE *f, const json_t *v)
{
	double d;

	/* a block without samples (null) draws as a zero-height segment */
	fprintf(f, " %.3f", sb_jget_double(v, &d) == 0 ? d : 0.0);
}

static int write_dat(const char *path, const json_t *root)
{
	static const char *const parts[] = {"pre_syn", "kernel_handshake", "notify_delay",
					    "accept_wait"};
	static const char *const pcts[] = {"p50", "p99"};
	const json_t *lat = json_object_get(root, "latency_us");
	const json_t *out = json_object_get(root, "outcomes");
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
						json_object_get(json_object_get(lat, parts[k]), pcts[i]));
				fputc('\n', f);
			}
		} else {
			fputs("# outcome count (summary.json outcomes)\n", f);
			const char *key;
			const json_t *m;

			json_object_foreach((json_t *)out, key, m) {
				int64_t v = 0;

				sb_jget_int64(m, &v);
				fprintf(f, "%s %lld\n", key, (long long)v);
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
	json_t *d = NULL;
	int e;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	e = sb_jget_load(path, &d, err, errlen);
	if (e)
		return e;
	snprintf(path, sizeof(path), "%s/plots", dir);
	if (mkdir(path, 0755) && errno != EEXIST) {
		e = -errno;
		snprintf(err, errlen, "cannot create %s (%s)", path, strerror(-e));
	} else {
		e = write_dat(path, (d));
		if (e)
			snprintf(err, errlen, "cannot write %s/*.dat (%s)", path, strerror(-e));
	}
	json_decref(d);
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

int sb_plot_draw(const char *dir, int no_plot, struct sb_report_plots *rp)
{
	char err[PATH_MAX + 256] = "", gnuplot[PATH_MAX], scripts[PATH_MAX];
	int e;

	rp->state = SB_PLOTS_OFF;
	rp->drawn = 0;
	e = sb_plot_write_data(dir, err, sizeof(err));
	if (e) {
		sb_error("%s", err);
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
	if (sb_plot_scripts_dir(scripts, sizeof(scripts))) {
		sb_error("the gnuplot scripts (scripts/plots/*.gp) were "
				"not found; set SYNBENCH_PLOTS=DIR, or pass --no-plot");
		rp->state = SB_PLOTS_NO_SCRIPTS;
		return 2;
	}
	rp->state = SB_PLOTS_DRAWN;
	return draw_all(gnuplot, scripts, dir, &rp->drawn) ? 1 : 0;
}
