/* What a kernel connection record (bpf/synbench.h) says: the names of TCP
 * states, whether a socket reached ESTABLISHED, and the compact record the
 * kernel sends expanded to a stamp per state. */
#ifndef SB_KREC_H
#define SB_KREC_H

#include <stddef.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"

/* "SYN_SENT", ...; "UNKNOWN" out of range. */
const char *sb_tcp_state_name(unsigned int state);
/* A client or child socket reached ESTABLISHED: its stamp, or a state that
 * only an established socket enters (FIN_WAIT1, FIN_WAIT2, CLOSING,
 * TIME_WAIT, CLOSE_WAIT, LAST_ACK): SYN_SENT and SYN_RECV lead only to
 * ESTABLISHED or CLOSE, so a record without the stamp but in such a state
 * lost that one event (README, "Events hidden from BPF"). */
int sb_rec_established(const struct sb_conn_rec *r);

/* The kernel's compact record (len bytes: SB_KREC_V4 for IPv4) as the rest
 * of the harness reads it: a stamp per state. */
void sb_krec_expand(const struct sb_krec *k, size_t len, struct sb_conn_rec *r);

/* Why a connection failed, as its socket's error said when it entered
 * CLOSE (struct sb_krec.err). */
enum sb_fail_cause {
	SB_FAIL_NONE = 0,    /* it did not fail (or it is still open) */
	SB_FAIL_TIMEOUT,     /* SYN_SENT -> CLOSE, ETIMEDOUT: the kernel's SYN retries ran out */
	SB_FAIL_REFUSED,     /* SYN_SENT -> CLOSE, ECONNREFUSED: an RST (or ICMP port
			      * unreachable) answered the SYN */
	SB_FAIL_RESET,	     /* ESTABLISHED -> CLOSE, ECONNRESET before its own FIN, the server
			      * never having had a socket for it: reset after the SYN-ACK
			      * (tcp_abort_on_overflow); sb_rec_serverless_cause adds
			      * sb_rec_reset_after_fin ones where no ghost can be */
	SB_FAIL_UNREACHABLE, /* SYN_SENT -> CLOSE, EHOSTUNREACH, ENETUNREACH, ...: ICMP, or no
			      * neighbour answered */
	SB_FAIL_ABORTED,     /* SYN_SENT -> CLOSE without an error: its application closed it
			      * (its own connect timeout, synbench's --connect-timeout) */
	SB_FAIL_OTHER,	     /* SYN_SENT -> CLOSE with another error, or its CLOSE was missed */
	SB_NFAIL,
};

/* "timeout", "refused", ... ("" for none): a table here, so the writers
 * read names without calling a function. */
static inline const char *sb_fail_cause_name(enum sb_fail_cause c)
{
	static const char *const n[SB_NFAIL] = {
		[SB_FAIL_NONE] = "",	       [SB_FAIL_TIMEOUT] = "timeout",
		[SB_FAIL_REFUSED] = "refused", [SB_FAIL_RESET] = "reset",
		[SB_FAIL_UNREACHABLE] = "unreachable", [SB_FAIL_ABORTED] = "aborted",
		[SB_FAIL_OTHER] = "other",
	};

	return (unsigned)c < SB_NFAIL ? n[c] : "other";
}

/* A client record's cause: SYN_SENT -> CLOSE by its error; an established
 * client reset before its own FIN is SB_FAIL_RESET, which counts as a
 * failure only where the server had no socket for it (the caller knows);
 * anything else SB_FAIL_NONE. */
enum sb_fail_cause sb_rec_fail_cause(const struct sb_conn_rec *r);

/* An established client reset after its own FIN, before the peer
 * acknowledged it (FIN_WAIT1 -> CLOSE, ECONNRESET). With no server socket
 * for it, either a request socket's RST (tcp_abort_on_overflow) overtook a
 * client that closed at once, or, with syncookies on, the listener answered
 * a ghost's FIN with one: only where syncookies were 0 is it a reset
 * (docs/kernel-facts.md, fact 39). */
int sb_rec_reset_after_fin(const struct sb_conn_rec *r);
/* Why a client whose server never had a socket for it failed: its own
 * cause (sb_rec_fail_cause), or, where syncookies were 0 (no ghost can
 * be), a reset after its own FIN too; syncookies -1: unknown. One rule for
 * a run's join and a watch's outcomes. */
enum sb_fail_cause sb_rec_serverless_cause(const struct sb_conn_rec *r, int syncookies);

#endif
