/* The accept-queue sampler: a thread that samples the listeners every
 * period (whichever mode the listener_sampler component runs in) and keeps
 * every sample as a time series; a pass that takes longer than a quarter
 * of the period stretches the period (at most a fifth of one CPU). */
#ifndef SB_SAMPLER_H
#define SB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include "harness/run/probes.h"

struct sb_sampler;

/* Takes the first sample before it returns (every listener's baseline
 * precedes what the caller starts next), then starts the thread. */
int sb_sampler__start(struct sb_probes *p, uint32_t period_us, struct sb_sampler **out);
/* Stops the thread: the caller takes the passes from now on. */
void sb_sampler__halt(struct sb_sampler *s);
/* One pass now (after sb_sampler__halt), in place of the one before it when
 * replace (the window's last sample, read again with the counters). */
void sb_sampler__pass(struct sb_sampler *s, int replace);
/* Stops the thread, takes one last sample (unless sb_sampler__pass took it),
 * and hands over the series (malloc'ed; the caller frees it). failed counts
 * iterator reads that failed. */
void sb_sampler__stop(struct sb_sampler *s, struct sb_listen_sample **samples, size_t *n,
		      uint64_t *failed);

#endif
