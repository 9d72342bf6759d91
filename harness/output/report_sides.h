/* The per-side line of the text and HTML reports for --topology veth: each
 * namespace's probe counts against its own MIB, in one sentence. */
#ifndef SB_REPORT_SIDES_H
#define SB_REPORT_SIDES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* The numbers, from struct sb_reconcile or summary.json's reconciliation
 * "client"/"server" objects (-1: absent). */
struct sb_sides_nums {
	int64_t c_syn, c_synack, c_mib_syn, c_opens, c_started;
	int64_t s_syn, s_synack, s_mib_syn, s_opens;
	int64_t c_fail; /* failed retransmits the kernel did not trace (< 6.18), 0 */
};

/* "per side: client SYN retransmits 2083 = its TcpExt TCPSynRetrans 2083,
 * ActiveOpens 3000 = connects started 3000; server SYN-ACK retransmits 6 =
 * its TCPSynRetrans 6, ActiveOpens 0 = 0". Returns 1 if all four hold. */
int sb_sides_line(const struct sb_sides_nums *n, char *buf, size_t len);

/* Fills n from summary.json's reconciliation object r. 0, or -ENOENT when r
 * has no "client" object (one namespace: no sides). */
int sb_sides_from_json(const json_t *r, struct sb_sides_nums *n);

/* One host of a run across machines, from summary.json's "hosts" entry:
 * "host server (srv, 6.12.48): backlog 5, 758 accepts (304/s), listener
 * drops 8145 = ListenDrops 8130 + overflow skb drops 15, SYN-ACK
 * retransmits 0 = TCPSynRetrans 0; CPU 0.19 s user + 0.67 s sys; clock
 * +0.002 ms +- 0.010 ms". Returns 1 if every identity it names holds. */
int sb_host_line(const json_t *host, char *buf, size_t len);

#endif
