/* bench experiment NAME: a thin dispatcher. The experiments themselves are
 * POSIX sh scripts in scripts/experiments/, so that what they run and what
 * they assert can be read (and re-typed) by a user. Each script starts with
 * a line "# desc: <one line>" that `bench experiment --list` shows. */
#include "harness/commands/experiment.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/paths.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"

int sb_experiment_name_ok(const char *name)
{
	if (!name || !*name || *name == '-' || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

/* The "# desc:" line of a script, or "" */
static void script_desc(const char *path, char *desc, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	desc[0] = '\0';
	if (!f)
		return;
	for (int i = 0; i < 20 && fgets(line, sizeof(line), f); i++) {
		const char *p = strstr(line, "# desc:");

		if (p == line) {
			p += 7;
			while (*p == ' ')
				p++;
			snprintf(desc, len, "%s", p);
			desc[strcspn(desc, "\r\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

static int filter_sh(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	char name[80];

	if (n < 4 || n - 3 >= sizeof(name) || strcmp(d->d_name + n - 3, ".sh") != 0)
		return 0;
	memcpy(name, d->d_name, n - 3);
	name[n - 3] = '\0';
	return sb_experiment_name_ok(name);
}

static int list(const char *dir, FILE *out)
{
	char path[PATH_MAX + 320], desc[512];
	struct dirent **ents;
	int n;

	n = scandir(dir, &ents, filter_sh, alphasort);
	if (n < 0) {
		sb_error("cannot list %s: %s", dir, strerror(errno));
		return 2;
	}
	fprintf(out, "experiments (bench experiment NAME; scripts in %s):\n", dir);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name) - 3;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		script_desc(path, desc, sizeof(desc));
		fprintf(out, "  %-20.*s %s\n", (int)l, ents[i]->d_name, desc);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

static int run_script(const char *script, int argc, char **argv)
{
	char exe[PATH_MAX];
	char **args;
	ssize_t n;
	pid_t pid;
	int st;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		sb_error("cannot read /proc/self/exe: %s", strerror(errno));
		return 2;
	}
	exe[n] = '\0';
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return 2;
	args[0] = "sh";
	args[1] = (char *)script;
	for (int i = 0; i < argc; i++)
		args[2 + i] = argv[i];
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sb_error("fork: %s", strerror(errno));
		free(args);
		return 2;
	}
	if (pid == 0) {
		if (setenv("SYNBENCH", exe, 1) != 0)
			_exit(2);
		execvp("sh", args);
		sb_error("cannot run sh %s: %s", script, strerror(errno));
		_exit(2);
	}
	free(args);
	/* Ctrl-C reaches the script and its runs (same process group); wait
	 * for them to finish cleanly. */
	signal(SIGINT, SIG_IGN);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			sb_error("waitpid: %s", strerror(errno));
			return 2;
		}
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* ---- options: --list, --help, then NAME and the script's own arguments ---- */

enum { E_LIST = 1, E_HELP, E_NAME };

static const struct sb_optdef exp_table[] = {
    {"list", 0, SB_ARG_NONE, SB_OPT_RETURN, E_LIST, NULL,
     "list the experiments, each with its one-line description (also: no NAME)",
     .fld = SB_FLD_NONE},
    {"help", 'h', SB_ARG_NONE, SB_OPT_RETURN, E_HELP, NULL, "this text", .fld = SB_FLD_NONE},
};

/* NAME ends the options: the words after it are the script's. */
static int exp_name(void *ctx, const char *arg, char *err, size_t len)
{
	(void)err;
	(void)len;
	*(const char **)ctx = arg;
	return E_NAME;
}

static const struct sb_optset exp_optset = {
    .cmd = "experiment",
    .defs = exp_table,
    .ndefs = sizeof(exp_table) / sizeof(exp_table[0]),
    .positional = exp_name,
};

const struct sb_optset *sb_experiment_optset(void)
{
	return &exp_optset;
}

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench experiment NAME [ARGS...]   run one experiment (ARGS go to its script)\n"
	      "  bench experiment [--list]         list the experiments\n"
	      "\n"
	      "OPTIONS\n",
	      f);
	sb_optparse_help(f, &exp_optset);
	fputs("\n"
	      "EXIT STATUS\n"
	      "  0 the kernel facts held, 1 one did not, 2 bad usage\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench experiment --list\n"
	      "  bench experiment listen-no-accept\n",
	      f);
}

int sb_experiment_main(int argc, char **argv)
{
	char dir[PATH_MAX], script[PATH_MAX + 128], err[256];
	const char *name = NULL;
	int r, at;

	r = sb_optparse(&exp_optset, argc, argv, 1, NULL, &name, NULL, err, sizeof(err));
	if (r == E_HELP) {
		usage(stdout);
		return 0;
	}
	if (r < 0) {
		sb_error("experiment: %s", err);
		return 2;
	}
	if (sb_data_dir("experiments", dir, sizeof(dir)) != 0) {
		sb_error("experiment: cannot find the experiment scripts; set SYNBENCH_DATADIR "
			 "to the directory holding experiments/, or reinstall (cmake --install)");
		return 2;
	}
	if (r != E_NAME)
		return list(dir, stdout);
	if (!sb_experiment_name_ok(name)) {
		sb_error("experiment: bad name '%.64s'; see %s experiment --list", name, sb_prog());
		return 2;
	}
	snprintf(script, sizeof(script), "%s/%s.sh", dir, name);
	if (access(script, R_OK) != 0) {
		sb_error("experiment: unknown experiment '%s'; see %s experiment --list", name,
			 sb_prog());
		return 2;
	}
	for (at = 1; at < argc && argv[at] != name; at++)
		;
	return run_script(script, argc - at - 1, argv + at + 1);
}
