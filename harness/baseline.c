/* bench baseline save|run: one command to refresh a baseline, one to rerun
 * its arguments K times for `bench compare`. Runs are child processes of
 * this very binary (/proc/self/exe), each with --no-plot --quiet --out. */
#include "harness/baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/argsfile.h"
#include "harness/compare.h"
#include "harness/compare_rows.h"
#include "harness/jsonread.h"
#include "harness/msg.h"

#define BL_HELP	      1
#define BL_RUN_FAILED 3 /* a run exited non-zero: exit 1 */

void sb_baseline_usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench baseline save DIR --args 'OPTIONS' [--compare 'OPTIONS'] [--repeat K]\n"
	      "                          [--force]\n"
	      "  bench baseline run DIR --out OUT [--repeat K] [--append] [-- EXTRA-OPTIONS]\n"
	      "\n"
	      "save runs synbench with OPTIONS (plus --no-plot --quiet --out) and writes the\n"
	      "baseline DIR in the committed format: DIR/args (OPTIONS, one line),\n"
	      "DIR/compare (the compare options, when given or already there), and the run's\n"
	      "summary.json and config.json; with --repeat K, DIR/run-01..K/ instead (bench\n"
	      "compare then tests significance). DIR is replaced only when every run\n"
	      "succeeded (an existing DIR needs --force). OPTIONS are split like a shell\n"
	      "without expansions: quote with '...'; $ ` * ? ; | & < > ( ) # are refused.\n"
	      "\n"
	      "run reads DIR/args and runs them K times (default 1) into OUT/run-01..K/;\n"
	      "EXTRA-OPTIONS are appended (a later option wins), e.g. to measure a change.\n"
	      "--append adds runs to an existing OUT (numbered on), so BASE and NEW runs can\n"
	      "be interleaved: machine drift then hits both sides alike.\n"
	      "Then: bench compare DIR OUT (DIR/compare supplies the compare options).\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 done; 1 a run failed (its exit status and output are shown); 2 bad input\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench baseline save results/baselines/crr-2000 \\\n"
	      "        --args '--mode crr --conns 2000 --concurrency 32 --backlog 1024' \\\n"
	      "        --compare '--exact conns_requested,outcomes.accepted' --force\n"
	      "  bench baseline run results/baselines/crr-2000 --out ci-runs --repeat 5\n"
	      "  bench compare results/baselines/crr-2000 ci-runs --junit compare.xml\n",
	      f);
}

static int errf(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int errf(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return code;
}

/* snprintf for paths (truncation is checked where it matters: mkdir, open) */
static void pathf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Options a baseline's args must not carry: the harness sets them. */
static int check_args(const struct sb_args *a, const char *what, char *err, size_t len)
{
	static const char *const own[] = {"--out", "--force", "--json", "--label"};

	for (int i = 0; i < a->argc; i++)
		for (size_t k = 0; k < sizeof(own) / sizeof(*own); k++) {
			size_t n = strlen(own[k]);

			if (strncmp(a->argv[i], own[k], n) == 0 &&
			    (a->argv[i][n] == '\0' || a->argv[i][n] == '='))
				return errf(err, len, -EINVAL,
					    "%s: %s is set by bench baseline; remove it", what,
					    own[k]);
		}
	return 0;
}

/* Runs this binary with args + extra + --no-plot --quiet --out out. Output
 * goes to out.log beside out's parent. 0, BL_RUN_FAILED, or -errno. */
static int run_one(const struct sb_args *args, char *const *extra, int nextra, const char *out,
		   const char *log, char *err, size_t len)
{
	int argc = 1 + args->argc + nextra + 4, i = 0, st, fd;
	char **argv = calloc((size_t)argc + 1, sizeof(*argv));
	pid_t pid;

	if (!argv)
		return -ENOMEM;
	argv[i++] = "synbench";
	for (int k = 0; k < args->argc; k++)
		argv[i++] = args->argv[k];
	for (int k = 0; k < nextra; k++)
		argv[i++] = extra[k];
	argv[i++] = "--no-plot";
	argv[i++] = "--quiet";
	argv[i++] = "--out";
	argv[i++] = (char *)out;
	argv[i] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		free(argv);
		return errf(err, len, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	free(argv);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errf(err, len, -errno, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	sb_error("baseline: the run into %s failed (%s %d); its output:", out,
		 WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	{
		char buf[4096];
		FILE *f = fopen(log, "re");
		size_t n;

		while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stderr);
		if (f)
			fclose(f);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
		return errf(err, len, -EINVAL,
			    "synbench refused the options (see above); fix them");
	errf(err, len, -EIO, "a run failed; see its output above");
	return BL_RUN_FAILED;
}

/* One line: the words joined so that sb_args__split gives them back. */
static int write_words(const char *path, const struct sb_args *a)
{
	char *line = sb_args__join(a->argv, a->argc);
	FILE *f;
	int r = 0;

	if (!line)
		return -ENOMEM;
	f = fopen(path, "we");
	if (!f) {
		r = -errno;
		free(line);
		return r;
	}
	fprintf(f, "%s\n", line);
	free(line);
	if (fflush(f) || ferror(f))
		r = -EIO;
	if (fclose(f) && !r)
		r = -EIO;
	return r;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "re"), *out;
	size_t n;
	int r = 0;

	if (!in)
		return -errno;
	out = fopen(to, "we");
	if (!out) {
		r = -errno;
		fclose(in);
		return r;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			r = -EIO;
	if (ferror(in) || fflush(out) || ferror(out))
		r = -EIO;
	fclose(in);
	if (fclose(out) && !r)
		r = -EIO;
	return r;
}

static int rm_rf(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The run's summary.json: complete, readable, schema we compare. */
static int check_summary(const char *dir, char *err, size_t len)
{
	char path[PATH_MAX + 64];
	struct sb_jdoc *d = NULL;
	struct sb_jerr je;
	int intr = 0, r;
	int64_t lost = 0;

	pathf(path, sizeof(path), "%s/summary.json", dir);
	r = sb_jdoc__load(path, &d, &je);
	if (r)
		return errf(err, len, r, "%s: %s; the run did not finish", path, je.msg);
	sb_jval_bool(sb_jval_get(sb_jdoc_root(d), "interrupted"), &intr);
	sb_jval_int64(sb_jval_get(sb_jdoc_root(d), "lost_events"), &lost);
	sb_jdoc__free(d);
	if (intr)
		return errf(err, len, -EINTR, "%s: the run was interrupted; save again", path);
	if (lost)
		sb_error("baseline: warning: %s lost %lld events; its summary is not "
			 "exact",
			 path, (long long)lost);
	return 0;
}

struct save_opts {
	const char *dir, *args, *compare;
	int repeat;
	int force;
};

static int parse_repeat(const char *s, char *err, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 100) {
		errf(err, len, -EINVAL, "--repeat '%s' is not valid; give 1 to 100", s);
		return -EINVAL;
	}
	return (int)v;
}

static int save(const struct save_opts *o, char *err, size_t len)
{
	struct sb_args a = {0}, c = {0};
	char tmp[PATH_MAX], path[PATH_MAX + 64], run[PATH_MAX + 64], log[PATH_MAX + 64];
	struct stat st;
	int r, have_old = stat(o->dir, &st) == 0, keep_compare = 0;

	if (have_old && !S_ISDIR(st.st_mode))
		return errf(err, len, -ENOTDIR,
			    "%s exists and is not a directory; choose another DIR", o->dir);
	if (have_old && !o->force)
		return errf(err, len, -EEXIST, "%s exists; pass --force to replace it", o->dir);
	r = sb_args__split(o->args, strlen(o->args), "--args", &a, err, len);
	if (!r)
		r = check_args(&a, "--args", err, len);
	if (!r && o->compare)
		r = sb_args__split(o->compare, strlen(o->compare), "--compare", &c, err, len);
	if (r)
		goto out;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", o->dir) >= (int)sizeof(tmp) ||
	    !mkdtemp(tmp)) {
		r = errf(err, len, -errno ?: -ENAMETOOLONG,
			 "cannot create a directory beside %s: %s", o->dir, strerror(errno));
		goto out;
	}
	chmod(tmp, 0755);
	/* args and compare first: the compare options are checked by compare's parser */
	pathf(path, sizeof(path), "%s/args", tmp);
	r = write_words(path, &a);
	pathf(path, sizeof(path), "%s/compare", tmp);
	if (!r && o->compare) {
		r = write_words(path, &c);
	} else if (!r && have_old) {
		char old[PATH_MAX + 16];

		pathf(old, sizeof(old), "%s/compare", o->dir);
		keep_compare = stat(old, &st) == 0;
		if (keep_compare)
			r = copy_file(old, path);
	}
	if (!r && (o->compare || keep_compare)) {
		struct sb_cmp_opts co = {0};

		r = sb_compare_base_opts(&co, tmp, err, len);
		for (size_t i = 0; i < co.nexact; i++)
			free(co.exact[i]);
		free(co.exact);
		for (size_t i = 0; i < co.nskip; i++)
			free(co.skip[i]);
		free(co.skip);
		if (r)
			goto fail;
	}
	if (r) {
		errf(err, len, r, "cannot write into %s: %s", tmp, strerror(-r));
		goto fail;
	}
	for (int k = 1; k <= o->repeat; k++) {
		const char *names[] = {"summary.json", "config.json"};

		pathf(run, sizeof(run), "%s/.run-%02d", tmp, k);
		pathf(log, sizeof(log), "%s/.run-%02d.log", tmp, k);
		sb_error("baseline: run %d of %d", k, o->repeat);
		r = run_one(&a, NULL, 0, run, log, err, len);
		if (!r)
			r = check_summary(run, err, len);
		if (r)
			goto fail;
		if (o->repeat > 1) {
			pathf(path, sizeof(path), "%s/run-%02d", tmp, k);
			if (mkdir(path, 0755) < 0) {
				r = errf(err, len, -errno, "mkdir %s: %s", path, strerror(errno));
				goto fail;
			}
		}
		for (size_t f = 0; f < 2; f++) {
			char from[PATH_MAX + 32], to[PATH_MAX + 32];

			pathf(from, sizeof(from), "%s/%s", run, names[f]);
			if (o->repeat > 1)
				pathf(to, sizeof(to), "%s/run-%02d/%s", tmp, k, names[f]);
			else
				pathf(to, sizeof(to), "%s/%s", tmp, names[f]);
			r = copy_file(from, to);
			if (r) {
				errf(err, len, r, "cannot copy %s: %s", from, strerror(-r));
				goto fail;
			}
		}
		rm_rf(run);
		unlink(log);
	}
	/* swap in: the old DIR (if any) ends at tmp and is removed */
	if (have_old)
		r = renameat2(AT_FDCWD, tmp, AT_FDCWD, o->dir, RENAME_EXCHANGE) < 0 ? -errno : 0;
	else
		r = rename(tmp, o->dir) < 0 ? -errno : 0;
	if (r) {
		errf(err, len, r, "cannot move %s to %s: %s", tmp, o->dir, strerror(-r));
		goto fail;
	}
	if (have_old)
		rm_rf(tmp);
	printf("baseline: %s (%d run%s of: %s)\n", o->dir, o->repeat, o->repeat > 1 ? "s" : "",
	       o->args);
	goto out;
fail:
	rm_rf(tmp);
out:
	sb_args__free(&a);
	sb_args__free(&c);
	return r;
}

static int run_cmd(const char *dir, const char *out, int repeat, int append, char *const *extra,
		   int nextra, char *err, size_t len)
{
	int first;
	char path[PATH_MAX + 64], run[PATH_MAX + 64], log[PATH_MAX + 64];
	struct sb_args a;
	struct stat st;
	int r;

	pathf(path, sizeof(path), "%s/args", dir);
	r = sb_args__load(path, &a, err, len);
	if (!r)
		r = check_args(&a, path, err, len);
	if (r)
		goto out;
	if (stat(out, &st) == 0 && !(append && S_ISDIR(st.st_mode))) {
		r = errf(err, len, -EEXIST,
			 "--out %s exists; give a new directory (or --append to add runs)", out);
		goto out;
	}
	if (mkdir(out, 0755) < 0 && !(append && errno == EEXIST)) {
		r = errf(err, len, -errno, "--out %s: %s; give a new directory", out,
			 strerror(errno));
		goto out;
	}
	/* --append: number on from the runs already there */
	for (first = 1; first < 1000; first++) {
		pathf(run, sizeof(run), "%s/run-%02d", out, first);
		if (stat(run, &st) < 0)
			break;
	}
	for (int k = first; k < first + repeat; k++) {
		pathf(run, sizeof(run), "%s/run-%02d", out, k);
		pathf(log, sizeof(log), "%s/run-%02d.log", out, k);
		sb_error("baseline: run %d of %d into %s", k - first + 1, repeat, run);
		r = run_one(&a, extra, nextra, run, log, err, len);
		if (r)
			goto out;
	}
out:
	sb_args__free(&a);
	return r;
}

int sb_baseline_main(int argc, char **argv)
{
	struct save_opts so = {.repeat = 1};
	const char *sub = argc > 1 ? argv[1] : "", *out = NULL;
	char **extra = NULL;
	int nextra = 0, r = 0, append = 0;
	char err[1024] = "";

	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		sb_baseline_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "save") && strcmp(sub, "run")) {
		sb_error("baseline: give 'save' or 'run'; see bench baseline --help");
		return 2;
	}
	for (int i = 2; i < argc && !r; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--")) {
			if (!strcmp(sub, "run")) {
				extra = argv + i + 1;
				nextra = argc - i - 1;
				break;
			}
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			sb_baseline_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--append") && !strcmp(sub, "run")) {
			append = 1;
			continue;
		} else if (!strcmp(a, "--force") && !strcmp(sub, "save")) {
			so.force = 1;
			continue;
		} else if (a[0] != '-' && !so.dir) {
			so.dir = a;
			continue;
		}
		if (!strcmp(a, "--args") && !strcmp(sub, "save"))
			slot = &so.args;
		else if (!strcmp(a, "--compare") && !strcmp(sub, "save"))
			slot = &so.compare;
		else if (!strcmp(a, "--out") && !strcmp(sub, "run"))
			slot = &out;
		else if (strcmp(a, "--repeat")) {
			r = errf(err, sizeof(err), -EINVAL,
				 "unexpected argument '%s'; see bench baseline --help", a);
			break;
		}
		if (i + 1 >= argc) {
			r = errf(err, sizeof(err), -EINVAL,
				 "%s needs a value; see bench baseline --help", a);
			break;
		}
		if (slot) {
			*slot = argv[++i];
		} else {
			int k = parse_repeat(argv[++i], err, sizeof(err));

			if (k < 0)
				r = k;
			else
				so.repeat = k;
		}
	}
	if (!r && !so.dir)
		r = errf(err, sizeof(err), -EINVAL, "needs DIR; see bench baseline --help");
	else if (!r && !strcmp(sub, "save") && !so.args)
		r = errf(err, sizeof(err), -EINVAL,
			 "save needs --args 'OPTIONS' (the run's synbench options)");
	else if (!r && !strcmp(sub, "run") && !out)
		r = errf(err, sizeof(err), -EINVAL, "run needs --out OUT (a new directory)");
	if (!r)
		r = !strcmp(sub, "save")
			? save(&so, err, sizeof(err))
			: run_cmd(so.dir, out, so.repeat, append, extra, nextra, err, sizeof(err));
	if (r == BL_RUN_FAILED) {
		sb_error("baseline: %s", err);
		return 1;
	}
	if (r < 0) {
		sb_error("baseline: %s", err[0] ? err : strerror(-r));
		return 2;
	}
	return 0;
}
