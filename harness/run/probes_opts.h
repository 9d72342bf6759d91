/* What the probes are asked to do (struct sb_probes_opts): shared by the
 * probes' lifecycle (probes.c) and the plan of their components
 * (probes_plan.c), which must not include each other. */
#ifndef SB_PROBES_OPTS_H
#define SB_PROBES_OPTS_H

#include <stdint.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"
#include "harness/cli/components.h"
#include "harness/cli/opts.h"

struct sb_probes_opts {
	uint64_t netns_ino;   /* only sockets of this namespace are counted */
	/* --topology veth: the client's namespace too (0: none), and a
	 * descriptor of it (/proc/.../ns/net) to walk its sockets at the end */
	uint64_t netns_ino2;
	int netns_fd2;
	uint16_t ports[SB_MAX_PORTS]; /* optional port filter (listen port) */
	uint32_t nports;
	uint64_t conns;	      /* caps the socket maps */
	uint32_t in_flight;   /* connections open at once at most (client + child
			       * count as one): sizes the per-socket maps */
	uint32_t slots;	      /* test knob: the socket slot array's size (a power
			       * of two), 0: from in_flight */
	enum sb_attach attach; /* SB_ATTACH_AUTO: each tracing component falls back
				* tp_btf, raw_tp, tracepoint; else forced */
	int sampler_forced;    /* 0: the sampler falls back; 1: sampler_mode or fail */
	enum sb_comp_mode sampler_mode;
	uint32_t probe_off;    /* components turned off: 1 << enum sb_component */
	int own_listeners;     /* the listeners are this process's (the sampler's
				* file_iter mode walks its descriptors) */
	int verbose;	      /* libbpf messages on stderr */
	/* --trace-states: every transition goes to on_state, called from the
	 * consumer thread (NULL: no per-transition events at all) */
	void (*on_state)(void *ctx, const struct sb_state_event *e);
	void *on_state_ctx;
	/* where the kernel records go as they arrive, n at a time, from the
	 * consumer thread (and from sb_probes__stop for the sockets still
	 * open); NULL: kept for sb_probes__collect (rd->krecs) */
	void (*on_record)(void *ctx, const struct sb_krec *r, size_t n);
	void *on_record_ctx;
};

#endif
