/* The probe components and their fallback ladders: names, modes and what a
 * run records about each (which mode ran, and why not a better one). Pure
 * data, no BPF: shared by the planner (probes_plan.c), the options, the
 * result writers and `bench doctor`. */
#ifndef SB_COMPONENTS_H
#define SB_COMPONENTS_H

#include <stdint.h>

enum sb_component {
	SB_COMP_STATE_CHANGES,	    /* inet_sock_set_state: stamps, dwell (required) */
	SB_COMP_SYN_RETRANSMITS,    /* tcp_retransmit_skb in SYN_SENT */
	SB_COMP_SYNACK_RETRANSMITS, /* tcp_retransmit_synack */
	SB_COMP_DROPS,		    /* kfree_skb with its reason */
	SB_COMP_LISTENER_SAMPLER,   /* accept-queue depth, limit, drops */
	SB_NCOMPONENTS,
};

enum sb_comp_mode {
	SB_MODE_OFF = 0,
	SB_MODE_TP_BTF,		 /* BTF-typed tracepoint */
	SB_MODE_RAW_TP,		 /* raw tracepoint, CO-RE reads */
	SB_MODE_TRACEPOINT,	 /* classic tracepoint (tracefs) */
	SB_MODE_SK_STORAGE_ITER, /* iter/tcp finds listeners, iter/bpf_sk_storage_map samples */
	SB_MODE_TCP_ITER,	 /* iter/tcp over the namespace every sample */
	SB_MODE_TCP_INFO,	 /* no BPF: tcp_info of listeners via sock_diag */
	SB_MODE_FILE_ITER,	 /* iter/task_file over this process's descriptors up
				  * to its listeners' (bpf_sock_from_file) */
	SB_NMODES,
};

/* Fallback ladders end with SB_MODE_OFF (state_changes: never off). */
#define SB_LADDER_MAX 5

struct sb_component_state {
	enum sb_comp_mode mode;
	/* why the preferred mode was not used ("" when it was, or when the
	 * component is off because the user asked) */
	char error[200];
};

struct sb_components {
	struct sb_component_state c[SB_NCOMPONENTS];
};

const char *sb_component_name(enum sb_component c);
const char *sb_comp_mode_name(enum sb_comp_mode m);
/* Mode by name ("tp_btf" ...); -1 if none. */
int sb_comp_mode_parse(const char *name);
/* Component by name ("drops" ...); -1 if none. */
int sb_component_parse(const char *name);
/* The component's ladder, best mode first, SB_MODE_OFF last where allowed.
 * Returns its length. */
int sb_component_ladder(enum sb_component c, enum sb_comp_mode ladder[SB_LADDER_MAX]);
/* 1 if mode m is on c's ladder. */
int sb_component_has_mode(enum sb_component c, enum sb_comp_mode m);

#endif
