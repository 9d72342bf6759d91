/* --trace-states: state transitions printed live in tcpstates' format (tracefmt.h). */
#include "harness/run/tracefmt.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/run/krec.h"

#define SLOTS (1u << 16)
#define TOMB 1ull

/* last transition stamp per socket address, open addressing */
struct slot {
	uint64_t skaddr;
	uint64_t ts;
};

struct sb_tracefmt {
	FILE *out;
	struct slot *slots;
};

struct sb_tracefmt *sb_tracefmt__new(FILE *out)
{
	struct sb_tracefmt *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->out = out;
	t->slots = calloc(SLOTS, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void sb_tracefmt__free(struct sb_tracefmt *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

void sb_tracefmt__header(struct sb_tracefmt *t)
{
	fprintf(t->out, "%-7s %-16s %-15s %-5s %-15s %-5s %-11s -> %-11s %s\n", "PID", "COMM",
		"LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE", "MS");
}

/* Stamp of the socket's previous transition (0 if none); records ts, and
 * forgets the socket when it closes. */
static uint64_t swap_stamp(struct sb_tracefmt *t, uint64_t skaddr, uint64_t ts, int closing)
{
	uint32_t h = (uint32_t)((skaddr >> 6) * 2654435761u) & (SLOTS - 1);
	struct slot *free_slot = NULL;

	for (uint32_t i = 0; i < SLOTS; i++) {
		struct slot *s = &t->slots[(h + i) & (SLOTS - 1)];

		if (s->skaddr == skaddr) {
			uint64_t prev = s->ts;

			s->ts = ts;
			if (closing)
				s->skaddr = TOMB;
			return prev;
		}
		if (s->skaddr == TOMB && !free_slot)
			free_slot = s;
		if (s->skaddr == 0) {
			if (!free_slot)
				free_slot = s;
			break;
		}
	}
	if (free_slot && !closing) {
		free_slot->skaddr = skaddr;
		free_slot->ts = ts;
	}
	return 0;
}

static void addr_str(const struct sb_state_event *e, const __u32 *a, char *buf, size_t len)
{
	if (e->family == AF_INET6)
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, a, buf, (socklen_t)len);
}

void sb_tracefmt__line(struct sb_tracefmt *t, const struct sb_state_event *e, char *buf,
		       size_t len)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN], comm[17];
	uint64_t prev = swap_stamp(t, e->skaddr, e->ts, e->newstate == 7 /* CLOSE */);
	double ms = prev && e->ts >= prev ? (double)(e->ts - prev) / 1e6 : 0.0;

	addr_str(e, e->saddr, la, sizeof(la));
	addr_str(e, e->daddr, ra, sizeof(ra));
	memcpy(comm, e->comm, 16);
	comm[16] = 0;
	snprintf(buf, len, "%-7u %-16s %-15s %-5u %-15s %-5u %-11s -> %-11s %.3f", e->pid, comm, la,
		 e->sport, ra, e->dport, sb_tcp_state_name(e->oldstate),
		 sb_tcp_state_name(e->newstate), ms);
}

void sb_tracefmt__event(struct sb_tracefmt *t, const struct sb_state_event *e)
{
	char line[256];

	sb_tracefmt__line(t, e, line, sizeof(line));
	fprintf(t->out, "%s\n", line);
}

void sb_tracefmt_on_state(void *ctx, const struct sb_state_event *e)
{
	sb_tracefmt__event(ctx, e);
}
