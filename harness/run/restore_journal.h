/* The restore journal's text (restore.h): what a run writes before it
 * changes a sysctl in a network namespace it did not create. Pure: no I/O.
 * Read back, a journal is data, never code or a path: names are sysctls
 * under net. ([a-z0-9_.]), values digits, spaces and tabs.
 *
 *   synbench-restore 1
 *   pid 4242
 *   start 1234567            (the writer's start: /proc/PID/stat field 22)
 *   netns 4026532316         (the namespace's inode)
 *   cookie 4097              (its SO_NETNS_COOKIE, when the kernel has it)
 *   via /run/netns/web       (how it was entered, when known)
 *   set<TAB>net.ipv4.tcp_syncookies<TAB>1<TAB>0   (name, before, written)
 */
#ifndef SB_RESTORE_JOURNAL_H
#define SB_RESTORE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define SB_JOURNAL_MAX	 16 /* sysctls per journal */
#define SB_JOURNAL_NAME	 64 /* "net.ipv4.tcp_syn_linear_timeouts" */
#define SB_JOURNAL_VALUE 64 /* "32768 60999" */
#define SB_JOURNAL_VIA	 80 /* "/run/netns/NAME" */

struct sb_journal_set {
	char name[SB_JOURNAL_NAME];
	char before[SB_JOURNAL_VALUE];
	char written[SB_JOURNAL_VALUE];
};

struct sb_journal {
	long pid;
	unsigned long long start;
	uint64_t netns;
	uint64_t cookie; /* 0: unknown */
	char via[SB_JOURNAL_VIA];
	size_t n;
	struct sb_journal_set set[SB_JOURNAL_MAX];
};

/* The journal's text into buf: its length, or -ENOSPC, or -EINVAL when a
 * name, value or via would not read back. */
int sb_journal_format(const struct sb_journal *j, char *buf, size_t len);

/* Parses and validates text (NUL-terminated): 0, or -EINVAL with the
 * reason in err ("line 7: bad sysctl name"). */
int sb_journal_parse(const char *text, struct sb_journal *j, char *err, size_t errlen);

/* A sysctl name the journal may hold: net. then [a-z0-9_.], no empty part. */
int sb_journal_name_ok(const char *name);
/* A value: digits, spaces and tabs, at least one digit. */
int sb_journal_value_ok(const char *value);
/* How a namespace was entered: "/proc/1/ns/net" or "/run/netns/NAME" with
 * NAME of [A-Za-z0-9_.-] (not . or ..); "" is allowed (unknown). */
int sb_journal_via_ok(const char *via);
/* Two values hold the same numbers ("20000\t30000" = "20000 30000",
 * "016" = "16"). Invalid values equal nothing. */
int sb_journal_values_equal(const char *a, const char *b);

#endif
