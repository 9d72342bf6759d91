/* The result directory: resolved and checked before a run, created after it, files kept into it. */
#include "harness/output/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* The nearest existing ancestor of path must be a writable directory. */
static int ancestor_writable(const char *path)
{
	char p[4096];
	struct stat st;
	char *slash;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		slash = strrchr(p, '/');
		if (!slash)
			snprintf(p, sizeof(p), ".");
		else if (slash == p)
			p[1] = 0;
		else
			*slash = 0;
		if (stat(p, &st) == 0)
			return S_ISDIR(st.st_mode) && access(p, W_OK) == 0;
		if (!slash || slash == p)
			return 0;
	}
}

int sb_outdir_check(const struct sb_opts *o, char *dir, size_t len, char *err, size_t errlen)
{
	struct stat st;

	if (o->out[0]) {
		snprintf(dir, len, "%s", o->out);
	} else {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
		snprintf(dir, len, "results/%s%s%s", ts, o->label[0] ? "-" : "", o->label);
	}
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen,
				 "--out %s exists and is not a directory; choose "
				 "another --out",
				 dir);
			return -ENOTDIR;
		}
		if (!dir_is_empty(dir) && !o->force) {
			snprintf(err, errlen,
				 "--out %s exists and is not empty; pass --force "
				 "to overwrite it or choose another --out",
				 dir);
			return -EEXIST;
		}
		if (access(dir, W_OK) != 0) {
			snprintf(err, errlen, "--out %s is not writable; choose another --out",
				 dir);
			return -EACCES;
		}
		return 0;
	}
	if (!ancestor_writable(dir)) {
		snprintf(err, errlen,
			 "cannot create %s (parent not writable); choose "
			 "another --out",
			 dir);
		return -EACCES;
	}
	return 0;
}

int sb_mkdir_p(const char *dir)
{
	char p[4096];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", dir);

	if (n >= sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int sb_outdir_keep(const char *dir, const char *name, const char *tmp)
{
	char dst[4200], buf[8192];
	FILE *in = fopen(tmp, "r"), *out;
	size_t n;
	int err = 0;

	if (!in)
		return -errno;
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	out = fopen(dst, "w");
	if (!out)
		err = -errno;
	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -EIO;
	if (out && fclose(out) != 0 && !err)
		err = -errno;
	fclose(in);
	if (!err)
		unlink(tmp);
	return err;
}

int sb_outdir_write_atomic(const char *dir, const char *name, int (*fn)(FILE *f, void *ctx),
			   void *ctx)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, name, (int)getpid()) >=
		(int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	err = fn(f, ctx);
	if (fflush(f) && !err)
		err = -errno;
	if (ferror(f) && !err)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
