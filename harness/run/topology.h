/* --topology veth: two private network namespaces, server and client,
 * joined by a veth pair addressed from 198.18.0.0/15 (RFC 2544), with the
 * --delay/--loss/--rate-limit qdiscs on both ends. */
#ifndef SB_TOPOLOGY_H
#define SB_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>
#include "harness/cli/opts.h"

enum sb_topo_side { SB_TOPO_SERVER = 0, SB_TOPO_CLIENT = 1 };

struct sb_topo;

/* Builds it: the calling thread (before any other thread exists) ends in
 * the server namespace with lo up; the client namespace is held by a
 * descriptor. Server 198.18.0.1/15 on "sb-srv", clients 198.18.0.2 ..
 * 198.18.0.(1 + SB_VETH_NCLIENT) on "sb-cli"; tc qdiscs from o->netem on
 * both ends. On failure: negative errno and one line (problem and fix) in
 * err; whatever was made is gone with the process's last descriptor (the
 * namespaces have no name and no mount). */
int sb_topo__new(const struct sb_opts *o, struct sb_topo **out, char *err, size_t errlen);
/* Moves the calling thread into one side's namespace. 0 or negative errno. */
int sb_topo__enter(const struct sb_topo *t, enum sb_topo_side side);
uint64_t sb_topo__ino(const struct sb_topo *t, enum sb_topo_side side);
int sb_topo__fd(const struct sb_topo *t, enum sb_topo_side side);
/* Copies the client-side sysctls (SYN retries and timeouts, local ports,
 * TIME_WAIT reuse, timestamps) from the server namespace, where the run
 * set them, to the client's; the calling thread stays in the server's. */
int sb_topo__mirror_sysctls(const struct sb_topo *t, char *err, size_t errlen);
/* Closes the descriptors: the namespaces and the veth pair disappear once
 * no thread is in them. NULL ok; the calling thread must be back in the
 * server namespace or the one it started in. */
void sb_topo__free(struct sb_topo *t);
/* The MIB counters of one side's namespace (harness/run/mib.h), read from the
 * calling thread, which stays in the server namespace. */
struct sb_mib_snap;
int sb_topo__mib_read(const struct sb_topo *t, enum sb_topo_side side, struct sb_mib_snap **out);

/* Runs argv (PATH lookup) in the namespace of nsfd (-1: the caller's) with
 * input on stdin, bounded by timeout_ms; its stdout+stderr (first line, up
 * to len) in out. Returns its exit status, or a negative errno (-ETIMEDOUT:
 * killed). */
int sb_run_in_ns(int nsfd, const char *const argv[], const char *input, int timeout_ms, char *out,
		 size_t len);

#endif
