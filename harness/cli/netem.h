/* The network a --topology veth run adds on its veth pair: --delay, --loss,
 * --rate-limit parsed, printed, and turned into tc commands (tc -batch). */
#ifndef SB_NETEM_H
#define SB_NETEM_H

#include <stddef.h>
#include <stdint.h>

struct sb_netem {
	double delay_ms;    /* --delay MS: the round trip added (half each way), 0 none */
	double jitter_ms;   /* --delay MS,JITTER: its jitter (half each way) */
	double loss_pct;    /* --loss PCT: loss in each direction, 0 none */
	uint32_t rate_mbit; /* --rate-limit MBIT: each direction, 0 none */
};

/* "20", "20.5", "20,2": 0 < MS <= 60000, 0 <= JITTER <= MS. 0 or -1. */
int sb_netem_parse_delay(const char *s, double *ms, double *jitter);
/* "5", "0.5": 0 < PCT <= 100. 0 or -1. */
int sb_netem_parse_loss(const char *s, double *pct);
/* "20" / "20,2" / "" (none), "5" / "" : the options as given back. */
const char *sb_netem_delay_str(const struct sb_netem *n, char *buf, size_t len);
const char *sb_netem_loss_str(const struct sb_netem *n, char *buf, size_t len);
/* 1 if netem (delay or loss) is asked for, 2 if only htb (rate), 0 none. */
int sb_netem_wanted(const struct sb_netem *n);
/* The tc -batch lines for one end of the veth (dev): htb root with the
 * rate and netem under it, or netem at the root. 0, or -ENOSPC. */
int sb_netem_tc_batch(const struct sb_netem *n, const char *dev, char *buf, size_t len);

#endif
