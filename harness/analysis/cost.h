/* What the probes cost a run, in the figures summary.json states under
 * probes.cost and the report shows in one line (docs/speed.md): set-up once
 * per run (load, verification, maps), the listener sampler per pass, BPF run
 * time per state event and per connection, reading the ring buffer per
 * record, collecting at the end; and the machine's CPU per connection
 * beside it. Computed once from the measurements in rundata (struct
 * sb_probe_cost); the writers serialize it. */
#ifndef SB_COST_H
#define SB_COST_H

#include <stdint.h>
#include "harness/run/rundata.h"

struct sb_cost {
	int probes;	       /* the probes ran: the figures below are theirs */
	int bpf_stats;	       /* BPF run time was counted: the bpf_* figures exist */
	uint64_t conns;	       /* connections the per-connection figures divide by */
	/* set-up, once per run */
	double setup_ms, setup_cpu_ms;
	uint32_t loads, programs;
	uint64_t verified_insns;
	/* the listener sampler */
	uint64_t passes;
	uint32_t period_us;
	double sampling_cpu_ms, us_per_pass; /* us_per_pass: NAN without passes */
	double bpf_ns_per_pass;		     /* the sampler's programs; NAN unknown */
	/* per event and per connection */
	uint64_t events;	  /* state changes in the run's namespaces */
	double bpf_ns_per_event;  /* state_changes' programs (twins included) per event */
	double bpf_ns_per_conn;	  /* every program's run time per connection */
	double bpf_ms;		  /* every program's run time */
	uint64_t bpf_window_events; /* the state changes BPF run time was counted
				     * over, scaled to the run; 0: all of them */
	/* components that first fired after that window: their events, not
	 * in the bpf_* figures (which are then a lower bound), and which */
	uint64_t bpf_unmeasured_events;
	uint32_t bpf_unmeasured; /* 1 << enum sb_component */
	uint64_t ring_records;
	double ring_cpu_ms, ring_ns_per_record;
	/* at the end */
	double collect_ms, collect_cpu_ms;
	/* beside it: the machine's busy time (every CPU, set-up to collection)
	 * and this process's CPU, per connection; NAN unknown */
	double machine_cpu_us_per_conn, process_cpu_us_per_conn;
};

/* Fills *c from rd for conns connections (0: the per-connection figures are
 * NAN). */
void sb_cost_compute(const struct sb_rundata *rd, uint64_t conns, struct sb_cost *c);

#endif
