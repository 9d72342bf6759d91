/* Kernel MIB counters: snapshots of /proc/net/netstat and /proc/net/snmp
 * (tables TcpExt, Tcp, IpExt, Ip) and of /proc/net/softnet_stat (table
 * "softnet": processed, dropped, time_squeeze summed over CPUs), and the
 * deltas between two snapshots as struct sb_mib (harness/run/rundata.h).
 *
 * netstat and snmp are read through /proc/thread-self/net/ so they belong to
 * the calling thread's network namespace; softnet_stat is global. */
#ifndef SB_MIB_H
#define SB_MIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sb_mib; /* harness/run/rundata.h */

#define SB_MIB_NETSTAT "/proc/thread-self/net/netstat"
#define SB_MIB_SNMP    "/proc/thread-self/net/snmp"
#define SB_MIB_SOFTNET "/proc/net/softnet_stat"

struct sb_mib_snap;

/* Snapshot from the default paths above. 0 or negative errno. */
int sb_mib_snap__read(struct sb_mib_snap **out);
/* Snapshot from the given files; a NULL path is skipped. netstat and snmp
 * must be readable (-errno), a missing softnet file is tolerated. */
int sb_mib_snap__read_files(const char *netstat, const char *snmp, const char *softnet,
			    struct sb_mib_snap **out);
void sb_mib_snap__free(struct sb_mib_snap *s); /* NULL ok */

/* Parsers, usable on any stream (tests). 0, -EINVAL on malformed input, -ENOMEM. */
int sb_mib_snap__parse_pairs(struct sb_mib_snap *s, FILE *f); /* netstat/snmp format */
int sb_mib_snap__parse_softnet(struct sb_mib_snap *s, FILE *f);
struct sb_mib_snap *sb_mib_snap__new_empty(void);

size_t sb_mib_snap__count(const struct sb_mib_snap *s);
/* 0 and *v, or -ENOENT. */
int sb_mib_snap__get(const struct sb_mib_snap *s, const char *table, const char *name, int64_t *v);

/* Every counter present in after (or before) with both values (0 where one
 * side lacks it), in after's file order. *out is malloc'ed; free() it. */
int sb_mib_deltas(const struct sb_mib_snap *before, const struct sb_mib_snap *after,
		  struct sb_mib **out, size_t *n);

/* Lookup by (table, name) in a delta array; NULL if absent. */
/* Every CPU's busy time since boot (/proc/stat: user, nice, system, irq,
 * softirq), ns; 0 if it cannot be read. Machine-wide: other processes' work
 * counts too. */
uint64_t sb_machine_busy_ns(void);

const struct sb_mib *sb_mib_find(const struct sb_mib *m, size_t n, const char *table,
				 const char *name);
/* after - before of (table, name), or dflt when absent. */
int64_t sb_mib_delta_or(const struct sb_mib *m, size_t n, const char *table, const char *name,
			int64_t dflt);

#endif
