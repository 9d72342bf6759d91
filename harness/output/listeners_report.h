/* Every listener socket on its own in the reports, read back from
 * summary.json's "listeners" object (listeners_out.h writes it). */
#ifndef SB_LISTENERS_REPORT_H
#define SB_LISTENERS_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* report.txt: "listener sockets (SO_REUSEPORT group on port P)" and one
 * line per socket, when the run's port had two sockets or more. */
void sb_listeners_report(FILE *f, const json_t *summary);

/* The finding: "Socket 1 of the SO_REUSEPORT group (policy none) dropped
 * 164 connections in 37 sampler passes while socket 2 had room ...". 1 and
 * the sentence in buf when a socket overflowed while a sibling had room,
 * else 0. */
int sb_listeners_finding(const json_t *summary, char *buf, size_t len);

#endif
