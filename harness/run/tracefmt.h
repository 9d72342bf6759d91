/* --trace-states: state transitions printed live as tcpstates prints them
 * (without SKADDR): PID COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS,
 * MS being the time the socket spent in OLDSTATE. */
#ifndef SB_TRACEFMT_H
#define SB_TRACEFMT_H

#include <stdio.h>
#include <linux/types.h>
#include "bpf/synbench.h"

struct sb_tracefmt;

struct sb_tracefmt *sb_tracefmt__new(FILE *out);
void sb_tracefmt__header(struct sb_tracefmt *t);
/* Formats one event (and remembers its stamp for the socket's next MS). */
void sb_tracefmt__event(struct sb_tracefmt *t, const struct sb_state_event *e);
/* Same, into buf without printing: for callers that keep the lines. */
void sb_tracefmt__line(struct sb_tracefmt *t, const struct sb_state_event *e, char *buf,
		       size_t len);
void sb_tracefmt__free(struct sb_tracefmt *t);

/* ProbeFn-shaped adapter for sb_probes_opts.on_state (ctx = sb_tracefmt). */
void sb_tracefmt_on_state(void *ctx, const struct sb_state_event *e);

#endif
