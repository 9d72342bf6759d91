/* bench watch --serve: the result (struct sb_result with its live block,
 * analysis/kfold.h) as /metrics in the Prometheus text exposition format
 * (version 0.0.4: what `promtool check metrics` checks), and the same
 * figures as a short HTML page (/). Serialization only.
 *
 * Labels are bounded: netns, side, outcome, cause, reason, identity, and
 * per listener port, family and socket (its place in the SO_REUSEPORT
 * group); never an address, a 4-tuple, a cookie or a PID. */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stdio.h>

#include "harness/analysis/analyze.h"
#include "harness/run/rundata.h"

/* Content-Type of sb_metrics_text's output. */
#define SB_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* rd: the watch (its namespace's name and inode); res->live must be set.
 * 0, or -EIO when out could not be written. */
int sb_metrics_text(FILE *out, const struct sb_rundata *rd, const struct sb_result *res);
int sb_metrics_html(FILE *out, const struct sb_rundata *rd, const struct sb_result *res);

#endif
