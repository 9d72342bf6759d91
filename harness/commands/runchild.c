/* Runs as child processes, and their directory (runchild.h). */
#include "harness/commands/runchild.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/output/outdir.h"

int sb_run_child(char **args, volatile sig_atomic_t *stop, int errfd)
{
	struct timespec nap = {0, 20 * 1000 * 1000};
	int forwarded = 0, st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct sigaction sa;

		setpgid(0, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		/* the run's own "results: DIR" line; progress comes from the caller */
		if (!freopen("/dev/null", "w", stdout))
			_exit(2);
		if (errfd >= 0 && dup2(errfd, STDERR_FILENO) < 0)
			_exit(2);
		execv("/proc/self/exe", args);
		sb_error("exec /proc/self/exe: %s", strerror(errno));
		_exit(2);
	}
	setpgid(pid, pid);
	for (;;) {
		pid_t r;

		if (*stop && !forwarded) {
			kill(pid, SIGINT);
			forwarded = 1;
		}
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -errno;
		nanosleep(&nap, NULL);
	}
}

int sb_new_outdir(char *out, size_t len, const char *prefix, const char *who)
{
	struct stat st;

	if (!out[0]) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		snprintf(out, len, "results/%s-%s", prefix, stamp);
	}
	if (stat(out, &st) == 0) {
		sb_error("%s: --out %s already exists; choose a new directory", who, out);
		return -EEXIST;
	}
	if (sb_mkdir_p(out) != 0) {
		int e = errno;

		sb_error("%s: cannot create %s: %s", who, out, strerror(e));
		return -e;
	}
	return 0;
}
