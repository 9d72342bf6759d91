/* The result directory: resolved and checked before a run, created after it, files kept into it. */
#include "harness/output/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* Copies what fd holds, from its start. */
struct copy_job {
	int fd;
};

static int copy_fd(FILE *out, void *ctx)
{
	const struct copy_job *j = ctx;
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(j->fd, buf, sizeof(buf), off)) > 0) {
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -EIO;
		off += n;
	}
	return n < 0 ? -errno : 0;
}

int sb_outdir_keep_fd(const char *dir, const char *name, int fd)
{
	struct copy_job j = {.fd = fd};

	return sb_outdir_write_atomic(dir, name, copy_fd, &j);
}

static mode_t file_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

FILE *sb_outdir_tmpfile(const char *dir, const char *name, char *tmp, size_t len)
{
	FILE *f;
	int fd;

	if (snprintf(tmp, len, "%s/.%s.XXXXXX", dir, name) >= (int)len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* mkostemp creates with O_CREAT|O_EXCL: it never opens an existing
	 * name, a planted symlink included */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* mkostemp makes 0600; a result file is as readable as any other */
	fchmod(fd, 0666 & ~file_umask());
	f = fdopen(fd, "w");
	if (!f) {
		int e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
	}
	return f;
}

int sb_outdir_commit(const char *tmp, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* rename replaces whatever dir/name was (a symlink itself, never its
	 * target) */
	return rename(tmp, path) ? -errno : 0;
}

int sb_outdir_write_atomic(const char *dir, const char *name, int (*fn)(FILE *f, void *ctx),
			   void *ctx)
{
	char tmp[PATH_MAX];
	FILE *f = sb_outdir_tmpfile(dir, name, tmp, sizeof(tmp));
	int err;

	if (!f)
		return -errno;
	err = fn(f, ctx);
	if (fflush(f) && !err)
		err = -errno;
	if (ferror(f) && !err)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = sb_outdir_commit(tmp, dir, name);
	if (err)
		unlink(tmp);
	return err;
}

int sb_outdir_create(const char *dir, const char *name)
{
	char tmp[PATH_MAX];
	FILE *f = sb_outdir_tmpfile(dir, name, tmp, sizeof(tmp));
	int fd, e;

	if (!f)
		return -errno;
	fd = dup(fileno(f));
	fclose(f);
	if (fd < 0) {
		e = -errno;
		unlink(tmp);
		return e;
	}
	e = sb_outdir_commit(tmp, dir, name);
	if (e) {
		close(fd);
		unlink(tmp);
		return e;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}
