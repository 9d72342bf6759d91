/* summary.json probes.cost: the struct sb_cost of the analysis, serialized
 * (cost_json.h). */
#include "harness/output/cost_json.h"

#include "harness/cli/components.h"

void sb_results_json_cost(struct sb_json *js, const struct sb_cost *c)
{
	sb_json_obj_begin(js, "cost");
	sb_json_bool(js, "bpf_stats", c->bpf_stats);
	sb_json_uint(js, "conns", c->conns);
	sb_json_obj_begin(js, "setup");
	sb_json_fixed(js, "wall_ms", c->setup_ms, 1);
	sb_json_fixed(js, "cpu_ms", c->setup_cpu_ms, 1);
	sb_json_uint(js, "loads", c->loads);
	sb_json_uint(js, "programs", c->programs);
	sb_json_uint(js, "verified_insns", c->verified_insns);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "sampling");
	sb_json_uint(js, "passes", c->passes);
	sb_json_uint(js, "period_us", c->period_us);
	sb_json_fixed(js, "us_per_pass", c->us_per_pass, 1);
	sb_json_fixed(js, "bpf_ns_per_pass", c->bpf_ns_per_pass, 0);
	sb_json_fixed(js, "cpu_ms", c->sampling_cpu_ms, 1);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "per_event");
	sb_json_uint(js, "events", c->events);
	sb_json_fixed(js, "bpf_ns_per_event", c->bpf_ns_per_event, 1);
	sb_json_fixed(js, "bpf_ns_per_conn", c->bpf_ns_per_conn, 0);
	sb_json_fixed(js, "bpf_ms", c->bpf_ms, 1);
	if (c->bpf_stats) {
		sb_json_uint(js, "bpf_measured_events", c->bpf_window_events ? c->bpf_window_events
									   : c->events);
		/* fired only after the window: not in the bpf_* figures */
		sb_json_arr_begin(js, "bpf_unmeasured_components");
		for (int k = 0; k < SB_NCOMPONENTS; k++)
			if (c->bpf_unmeasured & (1u << k))
				sb_json_str(js, NULL, sb_component_name(k));
		sb_json_arr_end(js);
		sb_json_uint(js, "bpf_unmeasured_events", c->bpf_unmeasured_events);
	}
	sb_json_uint(js, "ring_records", c->ring_records);
	sb_json_fixed(js, "ring_ns_per_record", c->ring_ns_per_record, 0);
	sb_json_fixed(js, "ring_cpu_ms", c->ring_cpu_ms, 1);
	sb_json_obj_end(js);
	sb_json_obj_begin(js, "collect");
	sb_json_fixed(js, "wall_ms", c->collect_ms, 1);
	sb_json_fixed(js, "cpu_ms", c->collect_cpu_ms, 1);
	sb_json_obj_end(js);
	sb_json_fixed(js, "machine_cpu_us_per_conn", c->machine_cpu_us_per_conn, 1);
	sb_json_fixed(js, "process_cpu_us_per_conn", c->process_cpu_us_per_conn, 1);
	sb_json_obj_end(js);
}
