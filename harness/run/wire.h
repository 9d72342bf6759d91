/* One host's struct sb_rundata over the control channel (harness/run/ctl.h):
 * the struct with its pointers cleared, then each array as a blob, then
 * "end". Both ends run the same build (hello compares SB_WIRE_LAYOUT). */
#ifndef SB_WIRE_H
#define SB_WIRE_H

#include "harness/run/ctl.h"
#include "harness/run/rundata.h"

/* The sizes of what travels raw, folded into one number. */
#define SB_WIRE_LAYOUT                                                                             \
	((unsigned long)sizeof(struct sb_rundata) * 1000003ul +                                    \
	 (unsigned long)sizeof(struct sb_conn_rec) * 1009ul + sizeof(struct lg_conn) * 31ul +       \
	 sizeof(struct lg_accept) + sizeof(struct sb_mib) * 7ul + sizeof(struct sb_listen_sample))

/* Sends rd (its arrays, counters, drop reason names). 0 or negative errno. */
int sb_wire_send(struct sb_ctl *c, const struct sb_rundata *rd);
/* Receives what sb_wire_send sent into *rd (owned: sb_rundata_free();
 * rd->opts is set to opts). 0, or negative errno with one line in err. */
int sb_wire_recv(struct sb_ctl *c, const struct sb_opts *opts, struct sb_rundata *rd,
		 int timeout_ms, char *err, size_t errlen);

#endif
