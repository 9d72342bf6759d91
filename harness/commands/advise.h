/* bench advise: the smallest listen backlog that meets a goal, found by
 * real runs of the built-in listener.
 *
 *   bench advise --conns 400 --concurrency 400 --accept delay:1
 *
 * Every run option but --backlog applies to each run. The search doubles
 * the backlog from 1 until a backlog meets the goal in all --repeat runs,
 * then halves the bracket down to a width of 1/16 of its top, confirms the
 * answer with --repeat more runs and makes one run at half of it to show
 * what an undersized backlog costs (its overflows, p99, the SYN-retransmit
 * band it falls in). Writes DIR/advise.csv (a row per run), DIR/advise.json
 * and DIR/run-NNN/ (docs/advise.md). */
#ifndef SB_ADVISE_H
#define SB_ADVISE_H

#include "harness/cli/optparse.h"

/* The goal a backlog must meet in every run. */
enum sb_advise_goal {
	SB_GOAL_NO_OVERFLOW, /* ListenOverflows + TCPReqQFullDrop = 0 */
	SB_GOAL_P99,	     /* and the user connect p99 <= p99_us */
};

/* Band k of the SYN retransmits: the time after the first SYN at which the
 * k-th retransmit is sent (k >= 1), seconds, for an initial timeout of 1 s
 * and linear (tcp_syn_linear_timeouts, 0 where the kernel has none) timeouts
 * before they double. */
double sb_advise_band_s(int k, int linear);
/* The band a connect latency falls in: the number of retransmits whose
 * send time it reaches (0: none). */
int sb_advise_band_of(double us, int linear);

/* Parses a goal: "no-overflow" or "p99:DURATION" (5ms, 200us, 1.5s).
 * 0, or -EINVAL. */
int sb_advise_parse_goal(const char *s, enum sb_advise_goal *g, double *p99_us);

const struct sb_optset *sb_advise_optset(void);

/* argv[0] = "advise". Exit code: 0 an answer found and confirmed, 1 none up
 * to --max-backlog (or not confirmed), 2 bad input (nothing run), 130
 * interrupted. */
int sb_advise_main(int argc, char **argv);

#endif
