/* Names and fallback ladders of the probe components (components.h). */
#include "harness/cli/components.h"

#include <string.h>

static const char *const comp_names[SB_NCOMPONENTS] = {
	[SB_COMP_STATE_CHANGES] = "state_changes",
	[SB_COMP_SYN_RETRANSMITS] = "syn_retransmits",
	[SB_COMP_SYNACK_RETRANSMITS] = "synack_retransmits",
	[SB_COMP_DROPS] = "drops",
	[SB_COMP_LISTENER_SAMPLER] = "listener_sampler",
};

static const char *const mode_names[SB_NMODES] = {
	[SB_MODE_OFF] = "off",
	[SB_MODE_TP_BTF] = "tp_btf",
	[SB_MODE_RAW_TP] = "raw_tp",
	[SB_MODE_TRACEPOINT] = "tracepoint",
	[SB_MODE_SK_STORAGE_ITER] = "sk_storage_iter",
	[SB_MODE_TCP_ITER] = "tcp_iter",
	[SB_MODE_TCP_INFO] = "tcp_info",
	[SB_MODE_FILE_ITER] = "file_iter",
};

const char *sb_component_name(enum sb_component c)
{
	return (unsigned)c < SB_NCOMPONENTS ? comp_names[c] : "?";
}

const char *sb_comp_mode_name(enum sb_comp_mode m)
{
	return (unsigned)m < SB_NMODES ? mode_names[m] : "?";
}

int sb_comp_mode_parse(const char *name)
{
	for (int m = 0; m < SB_NMODES; m++)
		if (strcmp(name, mode_names[m]) == 0)
			return m;
	return -1;
}

int sb_component_parse(const char *name)
{
	for (int c = 0; c < SB_NCOMPONENTS; c++)
		if (strcmp(name, comp_names[c]) == 0)
			return c;
	return -1;
}

int sb_component_ladder(enum sb_component c, enum sb_comp_mode ladder[SB_LADDER_MAX])
{
	int n = 0;

	if (c == SB_COMP_LISTENER_SAMPLER) {
		ladder[n++] = SB_MODE_SK_STORAGE_ITER;
		ladder[n++] = SB_MODE_FILE_ITER;
		ladder[n++] = SB_MODE_TCP_ITER;
		ladder[n++] = SB_MODE_TCP_INFO;
	} else {
		ladder[n++] = SB_MODE_TP_BTF;
		ladder[n++] = SB_MODE_RAW_TP;
		ladder[n++] = SB_MODE_TRACEPOINT;
	}
	if (c != SB_COMP_STATE_CHANGES)
		ladder[n++] = SB_MODE_OFF;
	return n;
}

int sb_component_has_mode(enum sb_component c, enum sb_comp_mode m)
{
	enum sb_comp_mode l[SB_LADDER_MAX];
	int n = sb_component_ladder(c, l);

	for (int i = 0; i < n; i++)
		if (l[i] == m)
			return 1;
	return 0;
}
