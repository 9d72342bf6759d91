/* A crr connection's setup by phase (summary.json latency_us), and the
 * sentence about --tls's handshakes: shared by the text reports, the
 * findings and the phases plot's data (plotdata.c). */
#ifndef SB_REPORT_PHASES_H
#define SB_REPORT_PHASES_H

#include <stdio.h>

#include "harness/output/reportmodel.h"

/* The phases in the order they happen; the server's last (they overlap
 * the client's). */
struct sb_phase {
	const char *key;  /* latency_us block */
	const char *name; /* for a person */
	const char *what; /* from -> to */
	int server;	  /* our listener's stamps */
};
#define SB_NPHASES 7
extern const struct sb_phase sb_phases[SB_NPHASES];

/* 1 if the run has phases to show: --tls, or crr's first byte stamped. */
int sb_report_has_phases(const json_t *summary);

/* report.txt and the stdout table: a table of the phases with samples and
 * the TLS sentence; nothing for a run without phases. */
void sb_report_phases_text(FILE *f, const struct sb_report_model *m);

/* "TLS 1.3 ecdsa-p256, resumption off, certificate verified: 10,000
 * handshakes (p50 1.2 ms), 0 resumed, 0 failed[: REASON (VERIFY) N; ...]"
 * into buf. -1 without a "tls" block, else 1 when handshakes failed, 0
 * when none did. */
int sb_report_tls_sentence(const json_t *summary, char *buf, size_t len);

#endif
