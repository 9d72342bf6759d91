/* Sysctls of a namespace synbench did not create: journal, put back,
 * recover after a crash (restore.h). Every step on the journals' directory
 * holds its flock, so runs, their ends and recoveries take turns. */
#include "harness/run/restore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/run/netns.h"
#include "harness/run/restore_journal.h"
#include "harness/run/restore_ns.h"

#define PARENT_DIR   "/run/synbench"
#define MAX_FILE     8192 /* a journal's size, at most */
#define MAX_JOURNALS 256  /* read at once */
#define FILE_LEN     48	  /* "PID-INODE" */

struct sb_restore {
	int nsfd;  /* the namespace, for putting back from a thread */
	int dirfd; /* SB_RESTORE_DIR, -1 until the first change */
	int on_disk;
	char file[FILE_LEN];
	struct sb_journal j;
	/* for sb_restore_now: each sysctl's file, and whether another run
	 * of the namespace had changed it first */
	char path[SB_JOURNAL_MAX][SB_JOURNAL_NAME + 16];
	unsigned char shared[SB_JOURNAL_MAX];
};

/* The journal on disk of this process's run, for sb_restore_now. */
static struct sb_restore *volatile live;

/* The journals' directory, locked (a signal does not leave it unlocked). */
static void lock_dir(int fd)
{
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
}

/* A journal in the directory. */
struct jfile {
	char file[FILE_LEN];
	int gone; /* handled and removed in this pass */
	struct sb_journal j;
};

/* The journal's writer still runs (same pid, same start, not a zombie). */
static int writer_alive(const struct sb_journal *j)
{
	unsigned long long start;
	char state;

	return sb_rns_proc_start(j->pid, &start, &state) == 0 && start == j->start &&
	       state != 'Z' && state != 'X';
}

/* ---- the directory and its journals ---- */

static int not_root_only(const char *path, const struct stat *st, char *err, size_t len)
{
	snprintf(err, len,
		 "%s is not a root-only directory (owner %u, mode %03o); remove it "
		 "('rm -rf " PARENT_DIR "') and run again",
		 path, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return -EPERM;
}

/* SB_RESTORE_DIR, made when make (else -ENOENT when missing), checked:
 * owned by root, not a symlink, nobody else may write (the parent) or
 * read (itself). Its fd, or negative errno with one line in err. */
static int open_dir(int make, char *err, size_t len)
{
	struct stat st;
	int pfd, fd, e;

	if (make && mkdir(PARENT_DIR, 0700) != 0 && errno != EEXIST)
		goto fail_errno;
	pfd = open(PARENT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		goto fail_errno;
	if (fstat(pfd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		close(pfd);
		return not_root_only(PARENT_DIR, &st, err, len);
	}
	if (make && mkdirat(pfd, "restore", 0700) != 0 && errno != EEXIST) {
		close(pfd);
		goto fail_errno;
	}
	fd = openat(pfd, "restore", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	e = errno;
	close(pfd);
	if (fd < 0) {
		errno = e;
		goto fail_errno;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return not_root_only(SB_RESTORE_DIR, &st, err, len);
	}
	return fd;
fail_errno:
	e = -errno;
	snprintf(err, len, "cannot open %s (%s); it must be a directory only root may use",
		 SB_RESTORE_DIR, strerror(-e));
	return e;
}

/* "PID-INODE": a journal's name. */
static int journal_name(const char *s)
{
	const char *dash = strchr(s, '-');

	return dash && dash > s && dash[1] && strlen(s) < FILE_LEN &&
	       strspn(s, "0123456789") == (size_t)(dash - s) &&
	       strspn(dash + 1, "0123456789") == strlen(dash + 1);
}

/* One journal file, read and parsed: 0, or negative errno (-EINVAL: not
 * a valid journal, the reason in why). */
static int read_journal(int dirfd, const char *file, struct sb_journal *j, char *why, size_t len)
{
	char buf[MAX_FILE + 1];
	struct stat st;
	ssize_t n;
	int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	snprintf(why, len, "unreadable");
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
	    st.st_size > MAX_FILE) {
		close(fd);
		snprintf(why, len, "not a plain root-owned file of at most %d bytes", MAX_FILE);
		return -EINVAL;
	}
	n = read(fd, buf, MAX_FILE);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (strlen(buf) != (size_t)n) {
		snprintf(why, len, "binary data");
		return -EINVAL;
	}
	return sb_journal_parse(buf, j, why, len);
}

/* Every journal in the directory (invalid ones named on stderr and left;
 * temporary files of writers that are gone removed). */
static int load_all(int dirfd, struct jfile **out, size_t *nout)
{
	struct jfile *all = calloc(MAX_JOURNALS, sizeof(*all));
	int dfd = dup(dirfd);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*out = NULL;
	*nout = 0;
	if (!all || dfd < 0 || !(d = fdopendir(dfd))) {
		free(all);
		if (dfd >= 0)
			close(dfd);
		return -ENOMEM;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL && n < MAX_JOURNALS) {
		char why[128], proc[64];

		if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			/* ".tmp-PID-INODE": half written by a writer now gone */
			snprintf(proc, sizeof(proc), "/proc/%ld", strtol(de->d_name + 5, NULL, 10));
			if (journal_name(de->d_name + 5) && access(proc, F_OK) != 0)
				unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		if (!journal_name(de->d_name))
			continue;
		if (read_journal(dirfd, de->d_name, &all[n].j, why, sizeof(why)) != 0) {
			sb_error(
			    "ignored %s/%s: not a valid synbench restore journal (%s); remove it",
			    SB_RESTORE_DIR, de->d_name, why);
			continue;
		}
		memcpy(all[n].file, de->d_name, strlen(de->d_name) + 1); /* < FILE_LEN */
		n++;
	}
	closedir(d);
	*out = all;
	*nout = n;
	return 0;
}

static int same_netns(const struct sb_journal *a, const struct sb_journal *b)
{
	return a->netns == b->netns && (!a->cookie || !b->cookie || a->cookie == b->cookie);
}

/* The value another journal of j's namespace (not self, still there) has
 * for name: the last one found, or NULL. */
static const struct sb_journal_set *other_set(const struct jfile *all, size_t n,
					      const struct sb_journal *j, const char *self,
					      const char *name)
{
	const struct sb_journal_set *found = NULL;

	for (size_t i = 0; i < n; i++) {
		if (all[i].gone || strcmp(all[i].file, self) == 0 || !same_netns(&all[i].j, j))
			continue;
		for (size_t k = 0; k < all[i].j.n; k++)
			if (strcmp(all[i].j.set[k].name, name) == 0)
				found = &all[i].j.set[k];
	}
	return found;
}

/* ---- putting back ---- */

enum { PUT_RESTORED = 1, PUT_ASIS, PUT_LEFT, PUT_HANDED };

struct putjob {
	const struct sb_journal *j;
	const char *self; /* its file */
	const struct jfile *all;
	size_t nall;
	int stale; /* another namespace got the inode */
	int res[SB_JOURNAL_MAX];
	char now[SB_JOURNAL_MAX][SB_JOURNAL_VALUE];
};

/* One sysctl, in its namespace: back to its value before if it still holds
 * what was written. Another run of the namespace that changed it too keeps
 * it (it puts the first value before back; it gets its own value again). */
static int put_one(struct putjob *p, size_t i)
{
	const struct sb_journal_set *s = &p->j->set[i], *o;
	char *now = p->now[i];
	int e = sb_sysctl_read(s->name, now, SB_JOURNAL_VALUE);

	if (e)
		return e;
	o = other_set(p->all, p->nall, p->j, p->self, s->name);
	if (o) {
		if (sb_journal_values_equal(now, s->written) &&
		    !sb_journal_values_equal(o->written, s->written))
			e = sb_sysctl_write(s->name, o->written);
		return e ? e : PUT_HANDED;
	}
	if (sb_journal_values_equal(now, s->before))
		return PUT_ASIS;
	if (!sb_journal_values_equal(now, s->written))
		return PUT_LEFT;
	e = sb_sysctl_write(s->name, s->before);
	return e ? e : PUT_RESTORED;
}

static int put_all(void *arg)
{
	struct putjob *p = arg;
	uint64_t c = p->j->cookie ? sb_rns_cookie() : 0;

	if (c && c != p->j->cookie) {
		p->stale = 1;
		return 0;
	}
	for (size_t i = 0; i < p->j->n; i++)
		p->res[i] = put_one(p, i);
	return 0;
}

/* A value in a message: quoted when it has blanks ("'20000 30000'"). */
static const char *shown(const char *v, char *buf, size_t len)
{
	if (!strpbrk(v, " \t"))
		return v;
	snprintf(buf, len, "'%s'", v);
	return buf;
}

/* One line per value left or not put back; for a journal whose writer is
 * gone, one line with what was put back. */
static void report(const struct putjob *p, const char *where, const char *path, int dead)
{
	const struct sb_journal *j = p->j;
	char restored[1024] = "", by[64] = "synbench";
	size_t off = 0;

	if (dead)
		snprintf(by, sizeof(by), "synbench pid %ld", j->pid);
	for (size_t i = 0; i < j->n; i++) {
		const struct sb_journal_set *s = &j->set[i];
		char b1[72], b2[72], b3[72];
		int r = p->res[i];

		if (r == PUT_RESTORED && off < sizeof(restored)) {
			int n = snprintf(restored + off, sizeof(restored) - off, " %s=%s", s->name,
					 shown(s->before, b1, sizeof(b1)));

			off += n > 0 ? (size_t)n : 0;
		} else if (r == PUT_LEFT) {
			sb_error("left %s=%s in %s: changed by someone else since %s set it to %s "
				 "(it was %s before)",
				 s->name, shown(p->now[i], b1, sizeof(b1)), where, by,
				 shown(s->written, b2, sizeof(b2)),
				 shown(s->before, b3, sizeof(b3)));
		} else if (r < 0) {
			sb_error(
			    "cannot put back %s=%s in %s (%s); set it by hand: %s%s%ssysctl -w "
			    "%s='%s'",
			    s->name, s->before, where, strerror(-r),
			    strncmp(path, "/run/netns/", 11) == 0 ? "ip netns exec " : "",
			    strncmp(path, "/run/netns/", 11) == 0 ? path + 11 : "",
			    strncmp(path, "/run/netns/", 11) == 0 ? " " : "", s->name, s->before);
		}
	}
	if (dead && restored[0])
		sb_error("restored%s in %s, left by synbench pid %ld that did not exit cleanly",
			 restored, where, j->pid);
}

/* A journal whose writer is gone: its namespace put back, the journal
 * removed (kept only when the namespace cannot be entered). */
static void recover_one(int dirfd, struct jfile *all, size_t n, size_t i)
{
	struct jfile *f = &all[i];
	struct putjob p = {.j = &f->j, .self = f->file, .all = all, .nall = n};
	char path[300], where[400];
	int fd = sb_rns_find(f->j.netns, f->j.via, path, sizeof(path)), e = 0;

	if (fd >= 0) {
		e = sb_rns_run(fd, put_all, &p);
		close(fd);
	}
	if (fd >= 0 && e) {
		sb_rns_label(path, f->j.netns, where, sizeof(where));
		sb_error("cannot enter %s to put back what synbench pid %ld changed (%s); its "
			 "journal %s/%s stays for the next try (run as root)",
			 where, f->j.pid, strerror(-e), SB_RESTORE_DIR, f->file);
		return;
	}
	if (fd < 0 || p.stale) {
		sb_error("dropped the restore journal of synbench pid %ld: its network namespace "
			 "(inode %llu%s%s) is gone",
			 f->j.pid, (unsigned long long)f->j.netns, f->j.via[0] ? ", " : "",
			 f->j.via);
	} else {
		sb_rns_label(path, f->j.netns, where, sizeof(where));
		report(&p, where, path, 1);
	}
	unlinkat(dirfd, f->file, 0);
	f->gone = 1;
}

/* With the directory locked: every journal (but self's) whose writer is
 * gone. The number handled. */
static int recover_locked(int dirfd, const char *self)
{
	struct jfile *all;
	size_t n;
	int done = 0, e = load_all(dirfd, &all, &n);

	if (e)
		return e;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].file, self) == 0 || writer_alive(&all[i].j))
			continue;
		recover_one(dirfd, all, n, i);
		done++;
	}
	if (done)
		fsync(dirfd);
	free(all);
	return done;
}

int sb_restore_recover(void)
{
	char err[512];
	int fd = open_dir(0, err, sizeof(err)), n;

	if (fd == -ENOENT)
		return 0; /* nothing was ever journaled since boot */
	if (fd < 0) {
		sb_error("%s", err);
		return fd;
	}
	lock_dir(fd);
	n = recover_locked(fd, "");
	close(fd); /* and the lock */
	return n;
}

/* ---- the writer ---- */

int sb_restore__open(const char *via, struct sb_restore **out, char *err, size_t errlen)
{
	struct sb_restore *r = calloc(1, sizeof(*r));
	struct stat st, self;
	char state, path[300];
	int e, fd;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->dirfd = -1;
	r->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	e = r->nsfd < 0 || fstat(r->nsfd, &st) != 0
		? -errno
		: sb_rns_proc_start(getpid(), &r->j.start, &state);
	if (e) {
		snprintf(err, errlen, "cannot read this process's network namespace (%s)",
			 strerror(-e));
		sb_restore__close(r);
		return e;
	}
	r->j.pid = (long)getpid();
	r->j.netns = (uint64_t)st.st_ino;
	r->j.cookie = sb_rns_cookie();
	if (via && sb_journal_via_ok(via)) {
		snprintf(r->j.via, sizeof(r->j.via), "%s", via);
	} else if (stat("/proc/self/ns/net", &self) == 0) {
		/* the initial namespace, or a named one */
		fd = sb_rns_open("/proc/1/ns/net", r->j.netns, self.st_dev);
		if (fd < 0)
			fd = sb_rns_scan("/run/netns", "", 0, r->j.netns, self.st_dev, path,
					 sizeof(path));
		else
			snprintf(path, sizeof(path), "/proc/1/ns/net");
		if (fd >= 0) {
			close(fd);
			if (sb_journal_via_ok(path)) /* shorter than via */
				memcpy(r->j.via, path, strlen(path) + 1);
		}
	}
	snprintf(r->file, sizeof(r->file), "%ld-%llu", r->j.pid, (unsigned long long)r->j.netns);
	*out = r;
	return 0;
}

/* The journal on disk, atomically: a temp file (O_EXCL, O_NOFOLLOW),
 * synced, renamed over the last one, the directory synced. */
static int journal_write(struct sb_restore *r)
{
	char buf[MAX_FILE], tmp[FILE_LEN + 8];
	int n = sb_journal_format(&r->j, buf, sizeof(buf)), fd, e = 0;

	if (n < 0)
		return n;
	snprintf(tmp, sizeof(tmp), ".tmp-%s", r->file);
	unlinkat(r->dirfd, tmp, 0); /* this process's, from a failed try */
	fd = openat(r->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		e = errno ? -errno : -EIO;
	else if (fsync(fd) != 0)
		e = -errno;
	close(fd);
	if (!e && renameat(r->dirfd, tmp, r->dirfd, r->file) != 0)
		e = -errno;
	if (e)
		unlinkat(r->dirfd, tmp, 0);
	else
		fsync(r->dirfd);
	return e;
}

/* With the directory locked: the sysctl recorded, then written. */
static int set_locked(struct sb_restore *r, const char *name, const char *value, char *err,
		      size_t errlen)
{
	const struct sb_journal_set *o;
	struct sb_journal_set *s = NULL;
	char now[SB_JOURNAL_VALUE];
	struct jfile *all;
	size_t n;
	int e = sb_sysctl_read(name, now, sizeof(now)), added = 0;

	if (e)
		return e; /* the kernel lacks it: the caller says so */
	if (!sb_journal_value_ok(now)) {
		snprintf(err, errlen, "cannot record %s: its value '%s' is not numbers", name, now);
		return -EINVAL;
	}
	e = load_all(r->dirfd, &all, &n);
	if (e) {
		snprintf(err, errlen, "cannot read %s (%s)", SB_RESTORE_DIR, strerror(-e));
		return e;
	}
	o = other_set(all, n, &r->j, r->file, name);
	for (size_t i = 0; i < r->j.n; i++)
		if (strcmp(r->j.set[i].name, name) == 0)
			s = &r->j.set[i];
	if (!s && !o && sb_journal_values_equal(now, value))
		goto out; /* already so, and nobody else changed it */
	if (!s && r->j.n == SB_JOURNAL_MAX) {
		snprintf(err, errlen, "cannot record %s: more than %d sysctls", name,
			 SB_JOURNAL_MAX);
		e = -ENOSPC;
		goto out;
	}
	if (!s) {
		size_t i = r->j.n++;

		s = &r->j.set[i];
		added = 1;
		snprintf(s->name, sizeof(s->name), "%s", name);
		/* another run changed it first: its value before is the one */
		snprintf(s->before, sizeof(s->before), "%s", o ? o->before : now);
		r->shared[i] = o != NULL;
		snprintf(r->path[i], sizeof(r->path[i]), "/proc/sys/%s", name);
		for (char *p = r->path[i] + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
	}
	snprintf(s->written, sizeof(s->written), "%s", value);
	e = journal_write(r);
	if (e) {
		if (added)
			r->j.n--;
		snprintf(err, errlen,
			 "cannot write the restore journal %s/%s (%s), so %s stays as it is; "
			 "free /run (tmpfs) or check that directory",
			 SB_RESTORE_DIR, r->file, strerror(-e), name);
		goto out;
	}
	r->on_disk = 1;
	live = r;
	e = sb_sysctl_write(name, value);
out:
	free(all);
	return e;
}

int sb_restore__set(struct sb_restore *r, const char *name, const char *value, char *err,
		    size_t errlen)
{
	int e;

	err[0] = 0;
	if (!sb_journal_name_ok(name) || !sb_journal_value_ok(value) || strchr(value, '\t')) {
		snprintf(err, errlen, "cannot record %s=%s: not a sysctl the journal takes", name,
			 value);
		return -EINVAL;
	}
	if (sb_netns_inode() != r->j.netns) {
		snprintf(err, errlen, "cannot record %s: this thread left the run's namespace",
			 name);
		return -EXDEV;
	}
	if (r->dirfd < 0) {
		r->dirfd = open_dir(1, err, errlen);
		if (r->dirfd < 0) {
			e = r->dirfd;
			r->dirfd = -1;
			return e;
		}
	}
	lock_dir(r->dirfd);
	e = set_locked(r, name, value, err, errlen);
	flock(r->dirfd, LOCK_UN);
	return e;
}

/* With the directory locked: the namespace put back, the journal removed
 * (kept if the namespace cannot be entered). */
static void close_locked(struct sb_restore *r)
{
	struct putjob p = {.j = &r->j, .self = r->file};
	struct jfile *all = NULL;
	char where[400];
	size_t n = 0;
	int e;

	recover_locked(r->dirfd, r->file); /* writers that died during this run */
	if (load_all(r->dirfd, &all, &n) == 0) {
		p.all = all;
		p.nall = n;
	}
	sb_rns_label(r->j.via, r->j.netns, where, sizeof(where));
	e = sb_rns_run(r->nsfd, put_all, &p);
	free(all);
	if (e) {
		sb_error("cannot enter %s to put its sysctls back (%s); the journal %s/%s stays "
			 "for the next run or 'bench doctor'",
			 where, strerror(-e), SB_RESTORE_DIR, r->file);
		return;
	}
	report(&p, where, r->j.via, 0);
	unlinkat(r->dirfd, r->file, 0);
	fsync(r->dirfd);
}

void sb_restore__close(struct sb_restore *r)
{
	if (!r)
		return;
	if (r->on_disk) {
		live = NULL;
		lock_dir(r->dirfd);
		close_locked(r);
	}
	if (r->dirfd >= 0)
		close(r->dirfd);
	if (r->nsfd >= 0)
		close(r->nsfd);
	free(r);
}

/* One sysctl's file, read with only async-signal-safe calls: its value
 * (newlines as spaces), or "" */
static void read_now(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
}

void sb_restore_now(void)
{
	struct sb_restore *r = live;
	struct stat st;
	int keep = 0;

	if (!r)
		return;
	live = NULL;
	/* this thread may be elsewhere (a handler runs on any thread) */
	if ((stat("/proc/thread-self/ns/net", &st) != 0 || (uint64_t)st.st_ino != r->j.netns) &&
	    setns(r->nsfd, CLONE_NEWNET) != 0)
		return; /* the journal stays for the next run */
	for (size_t i = 0; i < r->j.n; i++) {
		const struct sb_journal_set *s = &r->j.set[i];
		char now[SB_JOURNAL_VALUE];
		int fd;

		if (r->shared[i]) { /* the other run's end, or recovery, decides */
			keep = 1;
			continue;
		}
		read_now(r->path[i], now, sizeof(now));
		if (!sb_journal_values_equal(now, s->written))
			continue; /* put back already, or someone else's now */
		fd = open(r->path[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, s->before, strlen(s->before)) < 0)
			keep = 1;
		if (fd >= 0)
			close(fd);
	}
	if (!keep)
		unlinkat(r->dirfd, r->file, 0);
}
