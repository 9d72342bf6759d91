/* Processes and network namespaces for the restore journal (restore.c):
 * a writer's start time, a namespace found by inode, work done inside one
 * from a thread of its own (restore_ns.h). */
#include "harness/run/restore_ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif

/* A process's start time (/proc/PID/stat field 22) and state (field 3). */
int sb_rns_proc_start(long pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the name may hold anything */
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

/* The calling thread's namespace's cookie, 0 if the kernel has none. */
uint64_t sb_rns_cookie(void)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &l) != 0)
		c = 0;
	close(fd);
	return c;
}

/* path, opened, when it is the namespace ino (on the nsfs of dev): its fd,
 * else -1. */
int sb_rns_open(const char *path, uint64_t ino, dev_t dev)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != ino || st.st_dev != dev) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Each DIR/NAME/TAIL (NAME not starting with '.', digits only if digits)
 * tried as the namespace: the first fd, its path in path. */
int sb_rns_scan(const char *dir, const char *tail, int digits, uint64_t ino, dev_t dev, char *path,
		size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (digits && strspn(de->d_name, "0123456789") != strlen(de->d_name)))
			continue;
		snprintf(path, len, "%s/%s%s", dir, de->d_name, tail);
		fd = sb_rns_open(path, ino, dev);
	}
	closedir(d);
	return fd;
}

/* The namespace ino: the path it was entered by (via), the initial one,
 * the named ones (/run/netns), any process's. */
int sb_rns_find(uint64_t ino, const char *via, char *path, size_t len)
{
	struct stat self;
	int fd = -1;

	if (stat("/proc/self/ns/net", &self) != 0)
		return -errno;
	if (via[0]) {
		snprintf(path, len, "%s", via);
		fd = sb_rns_open(path, ino, self.st_dev);
	}
	if (fd < 0) {
		snprintf(path, len, "/proc/1/ns/net");
		fd = sb_rns_open(path, ino, self.st_dev);
	}
	if (fd < 0)
		fd = sb_rns_scan("/run/netns", "", 0, ino, self.st_dev, path, len);
	if (fd < 0)
		fd = sb_rns_scan("/proc", "/ns/net", 1, ino, self.st_dev, path, len);
	return fd < 0 ? -ENOENT : fd;
}

/* How messages name a namespace reached by path. */
void sb_rns_label(const char *path, uint64_t ino, char *out, size_t len)
{
	if (strncmp(path, "/run/netns/", 11) == 0)
		snprintf(out, len, "netns %s", path + 11);
	else if (strcmp(path, "/proc/1/ns/net") == 0)
		snprintf(out, len, "the host's network namespace (netns %llu)",
			 (unsigned long long)ino);
	else
		snprintf(out, len, "netns %llu", (unsigned long long)ino);
}

struct nsjob {
	int fd;
	int (*fn)(void *);
	void *arg;
	int rc;
};

static void *nsjob_main(void *p)
{
	struct nsjob *t = p;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	t->rc = setns(t->fd, CLONE_NEWNET) != 0 ? -errno : t->fn(t->arg);
	return NULL;
}

/* fn(arg) in a thread of its own in namespace fd: the caller's threads
 * stay where they are. fn's result, or negative errno. */
int sb_rns_run(int fd, int (*fn)(void *), void *arg)
{
	struct nsjob t = {.fd = fd, .fn = fn, .arg = arg};
	pthread_t th;
	int e = pthread_create(&th, NULL, nsjob_main, &t);

	if (e)
		return -e;
	pthread_join(th, NULL);
	return t.rc;
}
