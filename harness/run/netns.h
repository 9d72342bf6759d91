/* The private network namespace a run (or a test) lives in. */
#ifndef SB_NETNS_H
#define SB_NETNS_H

#include <stddef.h>
#include <stdint.h>

/* Moves the calling thread (call it before starting any thread) into a new
 * network namespace with lo up. *inode gets the namespace's inode number, the
 * value the BPF filter compares with. The namespace disappears with the
 * process. Negative errno on failure. */
int sb_netns_enter(uint64_t *inode);

/* Inode of the calling thread's network namespace, 0 on error. */
uint64_t sb_netns_inode(void);

/* sysctl by dotted name ("net.ipv4.tcp_syncookies"), in the calling thread's
 * namespace. Write: 0 or negative errno. Read: trailing newline removed,
 * tabs turned to spaces; 0 or negative errno. */
int sb_sysctl_write(const char *name, const char *value);
int sb_sysctl_write_int(const char *name, long value);
int sb_sysctl_read(const char *name, char *buf, size_t len);
long sb_sysctl_read_int(const char *name, long dflt);

/* Moves the calling thread into the named namespace (/run/netns/NAME, as
 * `ip netns add` makes them). 0 or negative errno. */
int sb_netns_join(const char *name);

struct sb_rundata;

/* Reads every sysctl on the connection-setup path, as the calling
 * thread's namespace has them, into rd->sysctls (those the kernel lacks
 * are left out): a run's (after it set its own) and a watch's alike.
 * 0 or -ENOMEM. */
int sb_sysctls_record(struct sb_rundata *rd);
/* A sysctl's value as rd recorded it (sb_sysctls_record: name in full,
 * "net.ipv4.tcp_migrate_req"), as a number; -1 if not recorded. */
long sb_sysctls_recorded(const struct sb_rundata *rd, const char *name);
/* net.ipv4.tcp_syncookies as the run recorded it (else as asked), -1
 * unknown. */
int sb_sysctls_syncookies(const struct sb_rundata *rd);

#endif
