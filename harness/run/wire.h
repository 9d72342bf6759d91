/* One host's results over the control channel (harness/run/ctl.h), and
 * the hello both ends exchange first: a protocol, not a memory dump
 * (docs/control-protocol.md).
 *
 * The results: "blob meta BYTES" (text "key value" lines: the scalars,
 * strings, counters, drop reasons and the count of every array), then one
 * blob per non-empty array of fixed-size little-endian records
 * (harness/run/wire_rec.h), then "end". The receiver decodes each field
 * into its own structures, refuses what it does not know, checks every
 * count against its caps before reading (or allocating) anything, and
 * checks every record before it keeps it. Nothing the peer sends is a
 * pointer, a path or an allocation size the receiver trusts. */
#ifndef SB_WIRE_H
#define SB_WIRE_H

#include "harness/run/ctl.h"
#include "harness/run/rundata.h"

/* The biggest meta blob a receiver reads. */
#define SB_WIRE_META_MAX (256u * 1024u)

/* What the coordinator expects of one host: the caps of its arrays. */
struct sb_wire_expect {
	int server;	    /* the server host (accepts, samples), else a client host (conns) */
	uint64_t conns;	    /* its connections: a client's share; the server: the run's */
	uint64_t run_ns;    /* how long the host has been up (its samples' bound) */
	uint32_t sample_us; /* --sample-us */
};

/* The cap of array kind k (enum sb_wire_kind) for host x: relative to its
 * connections (or its time up) with a margin, and an absolute bound. */
uint64_t sb_wire_cap(const struct sb_wire_expect *x, int k);

/* Sends rd's results (meta, arrays, "end"). 0 or negative errno. */
int sb_wire_send(struct sb_ctl *c, const struct sb_rundata *rd);
/* Receives one host's results into *rd (zeroed first; its arrays owned:
 * sb_rundata_free(); rd->opts = opts) by the deadline. Lines before the
 * results (a client half's progress, done, pong) are skipped; an "error
 * TEXT" line ends it (-EREMOTEIO, TEXT in err). 0, or a negative errno with
 * one phrase in err: -ETIMEDOUT, -EPIPE (the channel closed), -EINTR (the
 * stop flag), -EPROTO (refused: what and why), -ENOMEM. On failure rd
 * holds nothing. */
int sb_wire_recv(struct sb_ctl *c, const struct sb_wire_expect *x, const struct sb_opts *opts,
		 struct sb_rundata *rd, uint64_t deadline_ns, char *err, size_t errlen);

/* The hello line, parsed: "hello synbench-ctl PROTO VERSION ..." */
struct sb_wire_hello {
	int proto;
	char version[32];
	char host[64];	  /* the half's (S hello) */
	char kernel[128]; /* the half's uname -r */
};
/* Parses a hello (the half's when half: HOST and KERNEL follow). 0 or
 * -EPROTO: not a hello of any synbench. Accepts every protocol version;
 * the caller compares (sb_wire_hello_same). */
int sb_wire_hello_parse(const char *line, int half, struct sb_wire_hello *h);
/* 1 if h speaks this build's protocol and version. */
int sb_wire_hello_same(const struct sb_wire_hello *h);

/* Strict numbers: decimal digits only (sb_wire_int: an optional '-'),
 * within 64 bits / [lo, hi]. 0 or -1. */
int sb_wire_u64(const char *s, uint64_t *v);
int sb_wire_int(const char *s, int lo, int hi, int *v);
/* line (modified) split at spaces into at most max words: their count, or
 * -1 when there are more. */
int sb_wire_split(char *line, char **w, int max);

/* src as it may be shown: printable ASCII only (others as '?'), at most
 * len - 1 bytes. Returns dst. */
char *sb_wire_printable(char *dst, size_t len, const char *src);

#endif
