/* The private network namespace a run (or a test) lives in, and joining a named one. */
#include "harness/run/netns.h"
#include "harness/run/rundata.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t sb_netns_inode(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) != 0)
		return 0;
	return (uint64_t)st.st_ino;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		err = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		err = -errno;
out:
	close(fd);
	return err;
}

int sb_netns_enter(uint64_t *inode)
{
	int err;

	if (unshare(CLONE_NEWNET) != 0)
		return -errno;
	err = lo_up();
	if (err)
		return err;
	*inode = sb_netns_inode();
	return *inode ? 0 : -ENOENT;
}

static void sysctl_path(const char *name, char *path, size_t len)
{
	size_t n = (size_t)snprintf(path, len, "/proc/sys/%s", name);

	for (char *p = path + strlen("/proc/sys/"); p < path + n && p < path + len; p++)
		if (*p == '.')
			*p = '/';
}

int sb_sysctl_write(const char *name, const char *value)
{
	char path[256];
	int fd, err = 0;
	size_t n = strlen(value);

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, n) != (ssize_t)n)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

int sb_sysctl_write_int(const char *name, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	return sb_sysctl_write(name, buf);
}

int sb_sysctl_read(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return 0;
}

long sb_sysctl_read_int(const char *name, long dflt)
{
	char buf[64];
	char *end;
	long v;

	if (sb_sysctl_read(name, buf, sizeof(buf)) != 0)
		return dflt;
	v = strtol(buf, &end, 10);
	return end == buf ? dflt : v;
}

int sb_netns_join(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (strchr(name, '/') || !*name)
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) != 0)
		err = -errno;
	close(fd);
	return err;
}

long sb_sysctls_recorded(const struct sb_rundata *rd, const char *name)
{
	for (size_t i = 0; i < rd->nsysctls; i++)
		if (strcmp(rd->sysctls[i].name, name) == 0)
			return strtol(rd->sysctls[i].value, NULL, 10);
	return -1;
}

int sb_sysctls_syncookies(const struct sb_rundata *rd)
{
	long v = sb_sysctls_recorded(rd, "net.ipv4.tcp_syncookies");

	if (v >= 0)
		return (int)v;
	if (rd->opts && rd->opts->syncookies >= 0)
		return rd->opts->syncookies;
	return -1;
}

int sb_sysctls_record(struct sb_rundata *rd)
{
	static const char *const names[] = {
		"net.ipv4.tcp_syncookies",	    "net.ipv4.tcp_abort_on_overflow",
		"net.core.somaxconn",		    "net.ipv4.tcp_syn_retries",
		"net.ipv4.tcp_synack_retries",	    "net.ipv4.tcp_syn_linear_timeouts",
		"net.ipv4.tcp_max_syn_backlog",	    "net.ipv4.ip_local_port_range",
		"net.ipv4.tcp_tw_reuse",	    "net.ipv4.tcp_max_tw_buckets",
		"net.core.netdev_max_backlog",	    "net.ipv4.tcp_timestamps",
		"net.ipv4.tcp_migrate_req",
	};
	size_t n = sizeof(names) / sizeof(names[0]);

	rd->sysctls = calloc(n, sizeof(*rd->sysctls));
	if (!rd->sysctls)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct sb_sysctl *s = &rd->sysctls[rd->nsysctls];

		snprintf(s->name, sizeof(s->name), "%s", names[i]);
		if (sb_sysctl_read(names[i], s->value, sizeof(s->value)) == 0)
			rd->nsysctls++;
	}
	return 0;
}
