/* The built-in listener: its options; its sockets into the run's data: each one's cookie
 * (asked before the sampler's first pass, so that even a mode that reads
 * the cookie as the socket holds it sees it) and, after the load, its
 * accepts. */
#ifndef SB_OWNLISTEN_H
#define SB_OWNLISTEN_H

#include "loadgen/loadgen.h"
#include "harness/cli/opts.h"
#include "harness/run/rundata.h"

/* The listener's options from the run's (tls, stop and sink left to the
 * caller). */
void sb_ownlisten__opts(const struct sb_opts *o, struct lg_server_opts *so);
void sb_ownlisten__start(const struct lg_server *srv, struct sb_rundata *rd);
void sb_ownlisten__end(const struct lg_server *srv, struct sb_rundata *rd);

#endif
