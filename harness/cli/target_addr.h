/* --target HOST:PORT parsed into an address and port (the option's syntax
 * and its loopback rule; the server behind it is harness/run/target.c's). */
#ifndef SB_TARGET_ADDR_H
#define SB_TARGET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* "127.0.0.1:8080" -> addr (network order), port. 0, or -EINVAL with one
 * line in err. Only IPv4 dotted quads; without --netns the address must be
 * in 127.0.0.0/8 (all traffic stays on loopback). */
int sb_target_parse(const char *s, int have_netns, uint32_t *addr, uint16_t *port, char *err,
		    size_t errlen);

#endif
