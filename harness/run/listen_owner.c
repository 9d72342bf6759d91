/* The listener sockets' owners (listen_owner.h). Only processes in the
 * server's namespace are read (their /proc/PID/ns/net), and of their
 * descriptors only sockets: one pidfd_getfd and two getsockopt per socket
 * until every cookie is found. */
#include "harness/run/listen_owner.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SO_INCOMING_CPU
#define SO_INCOMING_CPU 49
#endif

static struct sb_listen_owner *wanted(struct sb_rundata *rd, uint64_t cookie)
{
	for (size_t i = 0; i < rd->nowners; i++)
		if (rd->owners[i].cookie == cookie)
			return &rd->owners[i];
	return NULL;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = 0;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* One process's sockets: the listeners among them that are wanted.
 * Returns how many it claimed. */
static size_t scan_pid(struct sb_rundata *rd, pid_t pid)
{
	char path[64], link[64];
	size_t found = 0;
	struct dirent *e;
	DIR *d;
	int pfd;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (pfd >= 0 && (e = readdir(d))) {
		ssize_t n;
		int fd, on = 0, cpu = -1;
		uint64_t cookie = 0;
		socklen_t len = sizeof(on);
		struct sb_listen_owner *o;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n < 8 || strncmp(link, "socket:[", 8) != 0)
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pfd, atoi(e->d_name), 0);
		if (fd < 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on) {
			len = sizeof(cookie);
			if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) == 0 &&
			    (o = wanted(rd, cookie)) && o->pid < 0) {
				len = sizeof(cpu);
				if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) != 0)
					cpu = -1;
				o->pid = pid;
				o->incoming_cpu = cpu;
				comm_of(pid, o->comm, sizeof(o->comm));
				found++;
			}
		}
		close(fd);
	}
	if (pfd >= 0)
		close(pfd);
	closedir(d);
	return found;
}

void sb_listen_owners(struct sb_rundata *rd)
{
	size_t left = 0;
	struct dirent *e;
	DIR *d;

	rd->nowners = 0;
	for (size_t i = 0; i < rd->nsamples; i++) {
		uint64_t c = rd->samples[i].cookie;

		if (!c || wanted(rd, c) || rd->nowners == SB_MAX_OWNERS)
			continue;
		rd->owners[rd->nowners++] = (struct sb_listen_owner){.cookie = c, .pid = -1,
								    .incoming_cpu = -1};
		left++;
	}
	if (!left)
		return;
	left -= scan_pid(rd, getpid());
	d = opendir("/proc");
	while (d && left && (e = readdir(d))) {
		char path[64];
		struct stat st;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st) != 0 || (uint64_t)st.st_ino != rd->netns_inode)
			continue;
		left -= scan_pid(rd, pid);
	}
	if (d)
		closedir(d);
}
