/* Deciding each probe component's mode (harness/cli/components.h): checks before
 * the load, and the step down a component's ladder when the kernel refuses
 * one of its programs. Internal to harness/run/probes.c. */
#ifndef SB_PROBES_PLAN_H
#define SB_PROBES_PLAN_H

#include <stddef.h>
#include "harness/cli/components.h"
#include "harness/run/probes_opts.h"

struct bpf_program;
struct sb_kbtf;
struct synbench;

/* The best mode of every component that passes the checks (BTF types,
 * tracepoints, iterator targets, tracefs), honouring what the options force.
 * Fails (negative errno, one line in err) only when state_changes or a forced
 * mode cannot run. */
int sb_probes_plan_init(const struct sb_probes_opts *o, const struct sb_kbtf *btf,
			struct sb_components *pl, char *err, size_t errlen);
/* Turns on the programs of the chosen modes, off all others. */
void sb_probes_plan_apply(const struct sb_components *pl, struct synbench *skel);
/* The component program prog serves (enum sb_component), -1 for none (the
 * end-of-run pass over the namespace's sockets). */
int sb_probes_plan_component(struct synbench *skel, const struct bpf_program *prog);
/* The kernel refused program prog (why): moves its component one step down
 * its ladder. Fails as sb_probes_plan_init does when nothing is left. */
int sb_probes_plan_demote(struct sb_components *pl, const struct sb_probes_opts *o,
			  const struct sb_kbtf *btf, struct synbench *skel, const char *prog,
			  const char *why, char *err, size_t errlen);

#endif
