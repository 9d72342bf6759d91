/* What the probes cost a run (cost.h). */
#include "harness/analysis/cost.h"

#include <math.h>
#include <string.h>

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

void sb_cost_compute(const struct sb_rundata *rd, uint64_t conns, struct sb_cost *c)
{
	const struct sb_probe_cost *m = &rd->cost;
	int stats;

	memset(c, 0, sizeof(*c));
	c->probes = rd->hists != NULL || rd->nkrecs > 0 || m->loads > 0;
	stats = c->probes && m->bpf_stats;
	c->bpf_stats = stats;
	c->conns = conns;
	c->setup_ms = (double)m->setup_ns / 1e6;
	c->setup_cpu_ms = (double)m->setup_cpu_ns / 1e6;
	c->loads = m->loads;
	c->programs = m->programs;
	c->verified_insns = m->verified_insns;
	c->passes = m->passes;
	c->period_us = m->period_us;
	c->sampling_cpu_ms = (double)m->pass_cpu_ns / 1e6;
	c->us_per_pass = ratio((double)m->pass_cpu_ns / 1e3, (double)m->passes);
	c->bpf_ns_per_pass = stats ? ratio((double)m->run_ns[SB_COMP_LISTENER_SAMPLER],
					   (double)m->passes)
				   : NAN;
	c->events = rd->counters[SB_C_EVENTS];
	c->bpf_ns_per_event =
	    stats ? ratio((double)m->run_ns[SB_COMP_STATE_CHANGES], (double)c->events) : NAN;
	c->bpf_ns_per_conn = stats ? ratio((double)rd->bpf_run_ns, (double)conns) : NAN;
	c->bpf_ms = stats ? (double)rd->bpf_run_ns / 1e6 : NAN;
	c->bpf_window_events = stats ? m->window_events : 0;
	for (int k = 0; stats && k < SB_NCOMPONENTS; k++)
		if (m->unmeasured[k]) {
			c->bpf_unmeasured |= 1u << k;
			c->bpf_unmeasured_events += m->unmeasured[k];
		}
	c->ring_records = m->ring_records;
	c->ring_cpu_ms = (double)m->ring_cpu_ns / 1e6;
	c->ring_ns_per_record = ratio((double)m->ring_cpu_ns, (double)m->ring_records);
	c->collect_ms = (double)m->collect_ns / 1e6;
	c->collect_cpu_ms = (double)m->collect_cpu_ns / 1e6;
	c->machine_cpu_us_per_conn =
	    m->machine_busy_ns ? ratio((double)m->machine_busy_ns / 1e3, (double)conns) : NAN;
	c->process_cpu_us_per_conn = ratio((rd->cpu_user_s + rd->cpu_sys_s) * 1e6, (double)conns);
}
