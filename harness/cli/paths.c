/* The data directories of an installed or a checkout synbench (paths.h). */
#include "harness/cli/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sb_config.h"

/* buf = the canonical path of a + b + "/" + what, if that is a directory */
static int try_dir(char *buf, size_t len, const char *a, const char *b, const char *what)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (!a || !a[0] || snprintf(path, sizeof(path), "%s%s/%s", a, b, what) >= (int)sizeof(path))
		return -ENOENT;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(path, real) ||
	    snprintf(buf, len, "%s", real) >= (int)len)
		return -ENOENT;
	return 0;
}

int sb_data_dir(const char *what, char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (try_dir(buf, len, getenv("SYNBENCH_DATADIR"), "", what) == 0 ||
	    try_dir(buf, len, getenv("SB_SRC"), "/scripts", what) == 0)
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			slash[1] = '\0';
			if (try_dir(buf, len, exe, SB_INSTALL_DATADIR_REL, what) == 0)
				return 0;
		}
	}
	return try_dir(buf, len, SB_SOURCE_DIR, "/scripts", what);
}
