/* The other hosts' halves of a run across machines: `synbench serve` (the
 * server half: listener or --target, probes, sampler, counters) and
 * `synbench client` (a share of the load with its own probes), driven over
 * their stdin/stdout by the coordinating host (harness/run/ctl.h). */
#ifndef SB_REMOTE_H
#define SB_REMOTE_H

/* argv[0] is "serve" or "client". Exit code: 0, or 2 when the half could
 * not start (its reason went to the coordinator as one line). */
int sb_remote_main(int argc, char **argv);

#endif
