/* The records of a host's results on the control channel: each kind of
 * record as fixed little-endian fields, field by field (no padding, no
 * host byte order), and what a received record must hold before anyone
 * uses it (docs/control-protocol.md lists every layout). */
#ifndef SB_WIRE_REC_H
#define SB_WIRE_REC_H

#include <stddef.h>
#include <stdint.h>

enum sb_wire_kind {
	SB_WK_KRECS,	  /* struct sb_conn_rec */
	SB_WK_SAMPLES,	  /* struct sb_listen_sample */
	SB_WK_CONNS,	  /* struct lg_conn */
	SB_WK_ACCEPTS,	  /* struct lg_accept */
	SB_WK_MIB,	  /* struct sb_mib */
	SB_WK_CLIENT_MIB, /* struct sb_mib */
	SB_WK_SYSCTLS,	  /* struct sb_sysctl */
	SB_WK_HISTS,	  /* one nonzero histogram bucket: u32 index, u64 count */
	SB_NWIRE_KINDS,
};

/* A histogram bucket as it travels (the histograms are sparse). */
struct sb_wire_bucket {
	uint32_t index; /* < SB_NHISTS * SB_HIST_BUCKETS, increasing */
	uint64_t count; /* > 0 */
};

/* "krecs", "samples", ... (the blob's name). */
const char *sb_wire_kind_name(enum sb_wire_kind k);
/* The kind named name, or -1. */
int sb_wire_kind_parse(const char *name);
/* Bytes of one record on the wire, and in memory (its struct). */
size_t sb_wire_rec_size(enum sb_wire_kind k);
size_t sb_wire_mem_size(enum sb_wire_kind k);
/* One record: rec (its struct) into wire (sb_wire_rec_size bytes). */
void sb_wire_rec_encode(enum sb_wire_kind k, const void *rec, unsigned char *wire);
/* One record off the wire into rec (zeroed first), then checked: 0, or
 * -EPROTO with why (one phrase: "role 7 out of range 1..2"). */
int sb_wire_rec_decode(enum sb_wire_kind k, const unsigned char *wire, void *rec, char *why,
		       size_t len);

#endif
