/* The listener sockets' owners (listen_owner.h). */
#include "harness/run/listen_owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/run/listen_diag.h"

#ifndef SO_INCOMING_CPU
#define SO_INCOMING_CPU 49
#endif
#define DIAG_MAX 4096 /* listeners read from the namespace's dump */

struct want {
	struct sb_listen_owner *o;
	uint32_t ino; /* its socket inode (0: unknown) */
};

static struct sb_listen_owner *by_cookie(struct sb_rundata *rd, uint64_t cookie)
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

static void own(struct sb_listen_owner *o, pid_t pid, int cpu)
{
	o->pid = pid;
	o->incoming_cpu = cpu;
	comm_of(pid, o->comm, sizeof(o->comm));
}

/* Our own listening descriptors; returns how many owners it set. */
static size_t scan_self(struct sb_rundata *rd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t found = 0;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name), on = 0, cpu = -1;
		socklen_t len = sizeof(on);
		uint64_t cookie = 0;
		struct sb_listen_owner *o;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on)
			continue;
		len = sizeof(cookie);
		if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0 ||
		    !(o = by_cookie(rd, cookie)) || o->pid >= 0)
			continue;
		len = sizeof(cpu);
		if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) != 0)
			cpu = -1;
		own(o, getpid(), cpu);
		found++;
	}
	if (d)
		closedir(d);
	return found;
}

static int in_netns(pid_t pid, uint64_t ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0 && (uint64_t)st.st_ino == ino;
}

/* The inodes of the wanted cookies, from a sock_diag dump made in the
 * namespace of pid (this thread enters it and comes back). */
static void inodes(struct sb_rundata *rd, pid_t pid, struct want *w)
{
	struct sb_listen_sample *s = calloc(DIAG_MAX, sizeof(*s));
	uint32_t *ino = calloc(DIAG_MAX, sizeof(*ino));
	struct sb_listen_diag *dg = NULL;
	char path[64];
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), there, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (s && ino && self >= 0 && there >= 0 && setns(there, CLONE_NEWNET) == 0) {
		if (sb_listen_diag__new(NULL, 0, &dg) != 0)
			dg = NULL;
		/* back where this thread was: failing that, it would go on in
		 * the wrong namespace (cannot happen: it came from there) */
		if (setns(self, CLONE_NEWNET) != 0)
			abort();
	}
	if (dg)
		n = sb_listen_diag__sample_ino(dg, s, ino, DIAG_MAX);
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < rd->nowners; k++)
			if (w[k].o->cookie == s[i].cookie)
				w[k].ino = ino[i];
	sb_listen_diag__free(dg);
	if (there >= 0)
		close(there);
	if (self >= 0)
		close(self);
	free(ino);
	free(s);
}

/* One process's descriptors: its links "socket:[INO]" against the wanted
 * inodes. Returns how many owners it set. */
static size_t scan_links(struct sb_rundata *rd, pid_t pid, struct want *w)
{
	char path[64], link[48];
	struct dirent *e;
	size_t found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		unsigned long ino;

		if (n < 9 || strncmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = 0;
		ino = strtoul(link + 8, NULL, 10);
		for (size_t k = 0; k < rd->nowners; k++)
			if (w[k].ino && w[k].ino == ino && w[k].o->pid < 0) {
				own(w[k].o, pid, -1);
				found++;
			}
	}
	if (d)
		closedir(d);
	return found;
}

/* The next process of namespace ino other than us (0: none left) */
static pid_t next_pid(DIR *d, uint64_t ino)
{
	struct dirent *e;

	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && pid != getpid() && in_netns(pid, ino))
			return pid;
	}
	return 0;
}

void sb_listen_owners(struct sb_rundata *rd)
{
	struct want w[SB_MAX_OWNERS];
	size_t left = 0;
	pid_t pid;
	DIR *d;

	rd->nowners = 0;
	for (size_t i = 0; i < rd->nsamples; i++) {
		uint64_t c = rd->samples[i].cookie;

		if (!c || by_cookie(rd, c) || rd->nowners == SB_MAX_OWNERS)
			continue;
		rd->owners[rd->nowners] = (struct sb_listen_owner){.cookie = c, .pid = -1,
								  .incoming_cpu = -1};
		w[rd->nowners].o = &rd->owners[rd->nowners];
		w[rd->nowners++].ino = 0;
		left++;
	}
	if (!left || !(left -= scan_self(rd)) || !rd->netns_inode)
		return;
	/* another process's: the namespace's dump, from one of its processes */
	d = opendir("/proc");
	pid = d ? next_pid(d, rd->netns_inode) : 0;
	if (pid)
		inodes(rd, pid, w);
	while (pid && left) {
		left -= scan_links(rd, pid, w);
		pid = next_pid(d, rd->netns_inode);
	}
	if (d)
		closedir(d);
}
