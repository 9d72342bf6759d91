/* Anonymous log files (anonfile.h). */
#include "harness/run/anonfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int sb_anon_file(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = -1, hi;

	if (dir && dir[0] == '/')
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("synbench-log", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd > 2)
		return fd;
	/* with a standard descriptor closed, keep the log off 0-2 */
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return hi < 0 ? -errno : hi;
}

void sb_anon_file_tail(int fd, char *buf, size_t len)
{
	char all[8192], *end, *start;
	struct stat st;
	off_t from = 0;
	ssize_t n;

	if (!len)
		return;
	buf[0] = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		return;
	if (st.st_size > (off_t)sizeof(all) - 1)
		from = st.st_size - (off_t)sizeof(all) + 1;
	n = pread(fd, all, sizeof(all) - 1, from);
	if (n <= 0)
		return;
	all[n] = 0;
	end = all + n;
	while (end > all && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	start = strrchr(all, '\n');
	start = start ? start + 1 : all;
	n = (ssize_t)strlen(start);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(buf, start, (size_t)n);
	buf[n] = 0;
}
