/* bench baseline save|run: one command to refresh a baseline, one to rerun
 * its arguments K times for `bench compare`. Runs are child processes of
 * this very binary (/proc/self/exe), each with --no-plot --quiet --out. */
#include "harness/commands/baseline.h"

#include <dirent.h>
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

#include "harness/cli/argsfile.h"
#include "harness/commands/compare.h"
#include "harness/commands/compare_rows.h"
#include "harness/output/jsonget.h"
#include "harness/cli/optparse.h"
#include "harness/cli/msg.h"

#define BL_RUN_FAILED 3 /* a run exited non-zero: exit 1 */

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
				return sb_errf(err, len, -EINVAL,
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
	argv[i++] = (char *)sb_prog();
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
		return sb_errf(err, len, -errno, "fork: %s", strerror(errno));
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
			return sb_errf(err, len, -errno, "waitpid: %s", strerror(errno));
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
		return sb_errf(err, len, -EINVAL,
			       "synbench refused the options (see above); fix them");
	sb_errf(err, len, -EIO, "a run failed; see its output above");
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

/* What bench baseline save writes: args, compare, summary.json, config.json,
 * run-NN/ for repeats. 1 when dir holds an args file and nothing else but
 * those names, so --force never removes a directory that is not a baseline. */
static int is_baseline_dir(const char *dir)
{
	static const char *const names[] = {"args", "compare", "summary.json", "config.json"};
	char path[PATH_MAX + 16];
	struct dirent *e;
	struct stat st;
	int ok = 1;
	DIR *d;

	pathf(path, sizeof(path), "%s/args", dir);
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while (ok && (e = readdir(d))) {
		int known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !known; i++)
			known = strcmp(e->d_name, names[i]) == 0;
		if (!known && strncmp(e->d_name, "run-", 4) == 0 && strlen(e->d_name) == 6 &&
		    e->d_name[4] >= '0' && e->d_name[4] <= '9' && e->d_name[5] >= '0' &&
		    e->d_name[5] <= '9')
			known = 1;
		ok = known;
	}
	closedir(d);
	return ok;
}

/* The run's summary.json: complete, readable, schema we compare. */
static int check_summary(const char *dir, char *err, size_t len)
{
	char path[PATH_MAX + 64];
	json_t *d = NULL;
	char je[PATH_MAX + 256];
	int intr = 0, r;
	int64_t lost = 0;

	pathf(path, sizeof(path), "%s/summary.json", dir);
	r = sb_jget_load(path, &d, je, sizeof(je));
	if (r)
		return sb_errf(err, len, r, "%s; the run did not finish", je);
	sb_jget_bool(json_object_get(d, "interrupted"), &intr);
	sb_jget_int64(json_object_get(d, "lost_events"), &lost);
	json_decref(d);
	if (intr)
		return sb_errf(err, len, -EINTR, "%s: the run was interrupted; save again", path);
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

static int save(const struct save_opts *o, char *err, size_t len)
{
	struct sb_args a = {0}, c = {0};
	char tmp[PATH_MAX], path[PATH_MAX + 64], run[PATH_MAX + 64], log[PATH_MAX + 64];
	struct stat st;
	int r, have_old = stat(o->dir, &st) == 0, keep_compare = 0;

	if (have_old && !S_ISDIR(st.st_mode))
		return sb_errf(err, len, -ENOTDIR,
			       "%s exists and is not a directory; choose another DIR", o->dir);
	if (have_old && !o->force)
		return sb_errf(err, len, -EEXIST, "%s exists; pass --force to replace it", o->dir);
	if (have_old && !is_baseline_dir(o->dir))
		return sb_errf(err, len, -EEXIST,
			       "%s exists and is not a baseline (no args file, or files bench "
			       "baseline save does not write); --force replaces only a baseline: "
			       "choose another DIR",
			       o->dir);
	r = sb_args__split(o->args, strlen(o->args), "--args", &a, err, len);
	if (!r)
		r = check_args(&a, "--args", err, len);
	if (!r && o->compare)
		r = sb_args__split(o->compare, strlen(o->compare), "--compare", &c, err, len);
	if (r)
		goto out;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", o->dir) >= (int)sizeof(tmp) ||
	    !mkdtemp(tmp)) {
		r = sb_errf(err, len, -errno ?: -ENAMETOOLONG,
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
		sb_errf(err, len, r, "cannot write into %s: %s", tmp, strerror(-r));
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
				r = sb_errf(err, len, -errno, "mkdir %s: %s", path,
					    strerror(errno));
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
				sb_errf(err, len, r, "cannot copy %s: %s", from, strerror(-r));
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
		sb_errf(err, len, r, "cannot move %s to %s: %s", tmp, o->dir, strerror(-r));
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
		r = sb_errf(err, len, -EEXIST,
			    "--out %s exists; give a new directory (or --append to add runs)", out);
		goto out;
	}
	if (mkdir(out, 0755) < 0 && !(append && errno == EEXIST)) {
		r = sb_errf(err, len, -errno, "--out %s: %s; give a new directory", out,
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

/* ---- options: one table, save's and run's marked by group ---- */

enum { B_ARGS, B_COMPARE, B_REPEAT, B_FORCE, B_OUT, B_APPEND, B_HELP };

#define G_SAVE 1u
#define G_RUN  2u

struct bl_parse {
	struct save_opts so;
	const char *out;
	int append;
	char **extra;
	int nextra;
};

/* clang-format off */
#define BFLD(f) SB_FLD(struct bl_parse, f)
static const struct sb_optdef bl_table[] = {
	{ "args", 0, SB_ARG_REQ, SB_OPT_CUSTOM, B_ARGS, "'OPTIONS'",
	  "save: the run's options, one shell-like line", NULL, "'--conns 2000 --backlog 1024'",
	  .fld = SB_FLD_NONE, .groups = G_SAVE },
	{ "compare", 0, SB_ARG_REQ, SB_OPT_CUSTOM, B_COMPARE, "'OPTIONS'",
	  "save: bench compare's options, written to DIR/compare", NULL,
	  "'--exact conns_requested'", .fld = SB_FLD_NONE, .groups = G_SAVE },
	{ "force", 0, SB_ARG_NONE, SB_OPT_FLAG, B_FORCE, NULL, "save: replace an existing DIR",
	  NULL, NULL, 0, 0, NULL, BFLD(so.force), G_SAVE },
	{ "out", 0, SB_ARG_REQ, SB_OPT_CUSTOM, B_OUT, "OUT", "run: where the runs go (a new directory)",
	  NULL, "ci-runs", .fld = SB_FLD_NONE, .groups = G_RUN },
	{ "append", 0, SB_ARG_NONE, SB_OPT_FLAG, B_APPEND, NULL,
	  "run: add runs to an existing OUT, numbered on", NULL, NULL, 0, 0, NULL, BFLD(append),
	  G_RUN },
	{ "repeat", 0, SB_ARG_REQ, SB_OPT_UINT, B_REPEAT, "K", "runs", "1", "5", 1, 100, NULL,
	  BFLD(so.repeat), G_SAVE | G_RUN },
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, B_HELP, NULL, "this text", .fld = SB_FLD_NONE },
};
/* clang-format on */

static int bl_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct bl_parse *p = ctx;

	(void)err;
	(void)len;
	if (d->id == B_ARGS)
		p->so.args = val;
	else if (d->id == B_COMPARE)
		p->so.compare = val;
	else if (d->id == B_OUT)
		p->out = val;
	return 0;
}

static int bl_positional(void *ctx, const char *arg, char *err, size_t len)
{
	struct bl_parse *p = ctx;

	if (p->so.dir)
		return sb_errf(err, len, -EINVAL,
			       "unexpected argument '%s'; see %s baseline --help", arg, sb_prog());
	p->so.dir = arg;
	return 0;
}

static int bl_rest(void *ctx, int argc, char **argv, char *err, size_t len)
{
	struct bl_parse *p = ctx;

	(void)err;
	(void)len;
	p->extra = argv;
	p->nextra = argc;
	return 0;
}

static const struct sb_optset save_optset = {
    .cmd = "baseline",
    .defs = bl_table,
    .ndefs = sizeof(bl_table) / sizeof(bl_table[0]),
    .groups = G_SAVE,
    .apply = bl_apply,
    .positional = bl_positional,
};

static const struct sb_optset run_optset = {
    .cmd = "baseline",
    .defs = bl_table,
    .ndefs = sizeof(bl_table) / sizeof(bl_table[0]),
    .groups = G_RUN,
    .apply = bl_apply,
    .positional = bl_positional,
    .rest = bl_rest,
};

/* What --help lists: every option of save and run. */
static const struct sb_optset help_optset = {
    .cmd = "baseline",
    .defs = bl_table,
    .ndefs = sizeof(bl_table) / sizeof(bl_table[0]),
};

const struct sb_optset *sb_baseline_optset(void)
{
	return &help_optset;
}

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
	      "OPTIONS (--opt VALUE or --opt=VALUE)\n",
	      f);
	sb_optparse_help(f, &help_optset);
	fputs("\n"
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

int sb_baseline_main(int argc, char **argv)
{
	struct bl_parse p = {.so = {.repeat = 1}};
	const char *sub = argc > 1 ? argv[1] : "";
	int r = 0, is_save = !strcmp(sub, "save");
	char err[1024] = "";

	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		sb_baseline_usage(stdout);
		return 0;
	}
	if (!is_save && strcmp(sub, "run")) {
		sb_error("baseline: give 'save' or 'run'; see %s baseline --help", sb_prog());
		return 2;
	}
	r = sb_optparse(is_save ? &save_optset : &run_optset, argc, argv, 2, &p, &p, NULL, err,
			sizeof(err));
	if (r == B_HELP) {
		sb_baseline_usage(stdout);
		return 0;
	}
	if (!r && !p.so.dir)
		r = sb_errf(err, sizeof(err), -EINVAL, "needs DIR; see %s baseline --help",
			    sb_prog());
	else if (!r && is_save && !p.so.args)
		r = sb_errf(err, sizeof(err), -EINVAL,
			    "save needs --args 'OPTIONS' (the run's synbench options)");
	else if (!r && !is_save && !p.out)
		r = sb_errf(err, sizeof(err), -EINVAL, "run needs --out OUT (a new directory)");
	if (!r)
		r = is_save ? save(&p.so, err, sizeof(err))
			    : run_cmd(p.so.dir, p.out, p.so.repeat, p.append, p.extra, p.nextra,
				      err, sizeof(err));
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
