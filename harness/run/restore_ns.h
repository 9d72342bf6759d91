/* Processes and network namespaces, for the restore journal (restore.h). */
#ifndef SB_RESTORE_NS_H
#define SB_RESTORE_NS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A process's start time (/proc/PID/stat field 22, clock ticks since
 * boot) and state (field 3). 0 or negative errno (-ENOENT: no such pid). */
int sb_rns_proc_start(long pid, unsigned long long *start, char *state);

/* The calling thread's namespace's cookie (SO_NETNS_COOKIE, never reused,
 * unlike inodes), 0 when the kernel has none (before 5.14). */
uint64_t sb_rns_cookie(void);

/* path opened, when it is the namespace ino on the nsfs of dev: the fd,
 * else -1. */
int sb_rns_open(const char *path, uint64_t ino, dev_t dev);

/* Each DIR/NAME/TAIL tried as sb_rns_open (NAME not starting with '.';
 * digits only when digits): the first fd, with its path; else -1. */
int sb_rns_scan(const char *dir, const char *tail, int digits, uint64_t ino, dev_t dev, char *path,
		size_t len);

/* The namespace ino: via (how it was entered: "/run/netns/NAME",
 * "/proc/1/ns/net" or ""), the initial one, the named ones (/run/netns),
 * any process's. Its fd and path, or -ENOENT. */
int sb_rns_find(uint64_t ino, const char *via, char *path, size_t len);

/* How messages name the namespace ino reached by path: "netns NAME", "the
 * host's network namespace (netns INO)", "netns INO". */
void sb_rns_label(const char *path, uint64_t ino, char *out, size_t len);

/* fn(arg) in a thread of its own moved into namespace fd, every signal
 * blocked there: the caller's threads stay where they are. fn's result,
 * or negative errno (setns refused, no thread). */
int sb_rns_run(int fd, int (*fn)(void *), void *arg);

#endif
