/* Which mode each probe component runs in: checks what the kernel has
 * (BTF types, tracepoints, iterator targets, tracefs) before the one load,
 * turns off the programs of every mode not chosen, and, when the kernel
 * still refuses a program at load or attach, moves only that program's
 * component down its ladder. One component failing never takes another
 * down (libbpf-tools style). */
#include "harness/run/probes_plan.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <unistd.h>

#include <linux/btf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness/run/kbtf.h"
#include "synbench.skel.h"

/* The tracepoint behind each tracing component. */
static const char *const tp_of[SB_NCOMPONENTS] = {
	[SB_COMP_STATE_CHANGES] = "inet_sock_set_state",
	[SB_COMP_SYN_RETRANSMITS] = "tcp_retransmit_skb",
	[SB_COMP_SYNACK_RETRANSMITS] = "tcp_retransmit_synack",
	[SB_COMP_DROPS] = "kfree_skb",
};

/* Classic tracepoints need tracefs. Mount it in a private mount namespace
 * of this process so the host's mounts are left as they were (must run
 * before any thread is started). */
static int ensure_tracefs(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return 0;
	if (unshare(CLONE_NEWNS) != 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -errno;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -errno;
	return 0;
}

static int btf_has(const struct sb_kbtf *btf, const char *name, int kind)
{
	return sb_kbtf__find(btf, name, kind) > 0;
}

/* Loads a two-instruction program of the kind a mode needs (a tp_btf
 * program on tracepoint typedef `name`, or an iterator on target function
 * `name`) and closes it: what the kernel refuses this way (some machines
 * refuse map-element iterators, docs/kernel-facts.md, fact 15) is known
 * before the one load, so no program is verified twice (libbpf-tools'
 * probe_tp_btf()). 0 or a negative errno. */
static int trial_load(const struct sb_kbtf *btf, const char *name, int kind,
		      enum bpf_attach_type type)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id = sb_kbtf__find(btf, name, kind);
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type);
	int fd;

	if (id <= 0)
		return -ENOENT;
	o.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sb_trial", "GPL", insns, 2, &o);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Why iterator target `func` cannot run here: NULL, or buf. */
static const char *iter_refused(const struct sb_kbtf *btf, const char *func, const char *since,
				char *buf, size_t len)
{
	int e;

	if (!btf_has(btf, func, BTF_KIND_FUNC)) {
		snprintf(buf, len, "no iter/%s (%s)", func + strlen("bpf_iter_"), since);
		return buf;
	}
	e = trial_load(btf, func, BTF_KIND_FUNC, BPF_TRACE_ITER);
	if (!e)
		return NULL;
	snprintf(buf, len, "iter/%s refused: %s", func + strlen("bpf_iter_"), strerror(-e));
	return buf;
}

/* Why mode m of component c cannot run on this kernel, decided before the
 * load (trial loads of two instructions at most); NULL if it may. */
static const char *precheck(const struct sb_kbtf *btf, const struct sb_probes_opts *o,
			    enum sb_component c, enum sb_comp_mode m, char *buf, size_t len)
{
	char name[96];
	int e;

	switch (m) {
	case SB_MODE_TP_BTF:
	case SB_MODE_RAW_TP:
	case SB_MODE_TRACEPOINT:
		snprintf(name, sizeof(name), "btf_trace_%s", tp_of[c]);
		if (!btf_has(btf, name, BTF_KIND_TYPEDEF)) {
			snprintf(buf, len, "tracepoint %s is not in this kernel", tp_of[c]);
			return buf;
		}
		if (c == SB_COMP_DROPS &&
		    !sb_kbtf__has_member(btf, "trace_event_raw_kfree_skb", "reason")) {
			snprintf(buf, len, "kfree_skb has no drop reason before Linux 5.17");
			return buf;
		}
		if (m == SB_MODE_TP_BTF &&
		    (e = trial_load(btf, name, BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP))) {
			snprintf(buf, len, "a tp_btf program on %s is refused: %s", tp_of[c],
				 strerror(-e));
			return buf;
		}
		if (m == SB_MODE_TRACEPOINT) {
			int e = ensure_tracefs();

			if (e) {
				snprintf(buf, len,
					 "tracefs is not mounted and cannot be (%s); mount it with "
					 "'mount -t tracefs nodev /sys/kernel/tracing'",
					 strerror(-e));
				return buf;
			}
		}
		return NULL;
	case SB_MODE_SK_STORAGE_ITER:
		/* find_listeners is an iter/tcp program */
		if (iter_refused(btf, "bpf_iter_bpf_sk_storage_map", "Linux 5.11+", buf, len))
			return buf;
		return iter_refused(btf, "bpf_iter_tcp", "Linux 5.9+", buf, len);
	case SB_MODE_FILE_ITER:
		if (!o->own_listeners) {
			snprintf(buf, len, "the listeners are not this process's");
			return buf;
		}
		/* one process's descriptors: the task iterators' parameter
		 * (f0d74c4da1f0, "bpf: Parameterize task iterators.") */
		if (!sb_kbtf__has_member(btf, "bpf_iter_link_info", "task")) {
			snprintf(buf, len, "iter/task_file cannot walk one process (Linux 6.1+)");
			return buf;
		}
		return iter_refused(btf, "bpf_iter_task_file", "Linux 5.8+", buf, len);
	case SB_MODE_TCP_ITER:
		return iter_refused(btf, "bpf_iter_tcp", "Linux 5.9+", buf, len);
	default:
		return NULL;
	}
}

/* Records why component c left mode m (the first reason is kept: it is
 * why the preferred mode was not used). */
static void note(struct sb_components *pl, enum sb_component c, enum sb_comp_mode m,
		 const char *why)
{
	char *e = pl->c[c].error;
	size_t n = strlen(e);

	snprintf(e + n, sizeof(pl->c[c].error) - n, "%s%s: %s", n ? "; " : "",
		 sb_comp_mode_name(m), why);
}

/* Moves c from its mode to the next on its ladder that passes the checks.
 * Returns 0, or -ENOENT when the ladder is used up (or the mode was forced). */
static int next_mode(const struct sb_kbtf *btf, const struct sb_probes_opts *o,
		     struct sb_components *pl, enum sb_component c, int forced)
{
	enum sb_comp_mode l[SB_LADDER_MAX];
	int n = sb_component_ladder(c, l), i = 0;
	char buf[160];

	while (i < n && l[i] != pl->c[c].mode)
		i++;
	if (forced)
		return -ENOENT;
	for (i++; i < n; i++) {
		const char *why = precheck(btf, o, c, l[i], buf, sizeof(buf));

		pl->c[c].mode = l[i];
		if (!why)
			return 0;
		note(pl, c, l[i], why);
	}
	return -ENOENT;
}

static int forced_mode(const struct sb_probes_opts *o, enum sb_component c)
{
	static const enum sb_comp_mode of_attach[] = {
		[SB_ATTACH_TP_BTF] = SB_MODE_TP_BTF,
		[SB_ATTACH_RAW_TP] = SB_MODE_RAW_TP,
		[SB_ATTACH_TRACEPOINT] = SB_MODE_TRACEPOINT,
	};

	if (o->probe_off & (1u << c))
		return SB_MODE_OFF;
	if (c == SB_COMP_LISTENER_SAMPLER)
		return o->sampler_forced ? (int)o->sampler_mode : -1;
	if (o->attach != SB_ATTACH_AUTO)
		return (int)of_attach[o->attach];
	return -1;
}

int sb_probes_plan_init(const struct sb_probes_opts *o, const struct sb_kbtf *btf,
			struct sb_components *pl, char *err, size_t errlen)
{
	int rc = 0;

	memset(pl, 0, sizeof(*pl));
	for (int c = 0; c < SB_NCOMPONENTS && !rc; c++) {
		enum sb_comp_mode l[SB_LADDER_MAX];
		int f = forced_mode(o, c);
		char buf[160];
		const char *why;

		sb_component_ladder(c, l);
		pl->c[c].mode = f >= 0 ? (enum sb_comp_mode)f : l[0];
		why = precheck(btf, o, c, pl->c[c].mode, buf, sizeof(buf));
		if (!why)
			continue;
		note(pl, c, pl->c[c].mode, why);
		rc = next_mode(btf, o, pl, c, f >= 0);
		if (rc)
			snprintf(err, errlen, "the %s probe cannot run on this kernel (%s)%s",
				 sb_component_name(c), pl->c[c].error,
				 f >= 0
				     ? "; drop --attach/--sampler/--probe-off to let it fall back"
				     : "; run 'bench doctor' for what this machine has");
	}
	return rc;
}

/* Every program, by the component and mode it serves. */
struct prog_slot {
	struct bpf_program *prog;
	enum sb_component comp;
	enum sb_comp_mode mode;
};

static size_t prog_slots(struct synbench *s, struct prog_slot *v)
{
	const struct prog_slot all[] = {
		{ s->progs.btf_set_state, SB_COMP_STATE_CHANGES, SB_MODE_TP_BTF },
		{ s->progs.btf_set_state_nested, SB_COMP_STATE_CHANGES, SB_MODE_TP_BTF },
		{ s->progs.raw_set_state, SB_COMP_STATE_CHANGES, SB_MODE_RAW_TP },
		{ s->progs.tp_set_state, SB_COMP_STATE_CHANGES, SB_MODE_TRACEPOINT },
		{ s->progs.btf_retransmit, SB_COMP_SYN_RETRANSMITS, SB_MODE_TP_BTF },
		{ s->progs.btf_retransmit_nested, SB_COMP_SYN_RETRANSMITS, SB_MODE_TP_BTF },
		{ s->progs.raw_retransmit, SB_COMP_SYN_RETRANSMITS, SB_MODE_RAW_TP },
		{ s->progs.tp_retransmit, SB_COMP_SYN_RETRANSMITS, SB_MODE_TRACEPOINT },
		{ s->progs.btf_synack, SB_COMP_SYNACK_RETRANSMITS, SB_MODE_TP_BTF },
		{ s->progs.btf_synack_nested, SB_COMP_SYNACK_RETRANSMITS, SB_MODE_TP_BTF },
		{ s->progs.raw_synack, SB_COMP_SYNACK_RETRANSMITS, SB_MODE_RAW_TP },
		{ s->progs.tp_synack, SB_COMP_SYNACK_RETRANSMITS, SB_MODE_TRACEPOINT },
		{ s->progs.btf_drop, SB_COMP_DROPS, SB_MODE_TP_BTF },
		{ s->progs.btf_drop_nested, SB_COMP_DROPS, SB_MODE_TP_BTF },
		{ s->progs.raw_drop, SB_COMP_DROPS, SB_MODE_RAW_TP },
		{ s->progs.tp_drop, SB_COMP_DROPS, SB_MODE_TRACEPOINT },
		{ s->progs.find_listeners, SB_COMP_LISTENER_SAMPLER, SB_MODE_SK_STORAGE_ITER },
		{ s->progs.sample_listeners, SB_COMP_LISTENER_SAMPLER, SB_MODE_SK_STORAGE_ITER },
		{ s->progs.sample_listeners_tcp, SB_COMP_LISTENER_SAMPLER, SB_MODE_TCP_ITER },
		{ s->progs.sample_listeners_file, SB_COMP_LISTENER_SAMPLER, SB_MODE_FILE_ITER },
	};

	memcpy(v, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

#define SB_MAX_PROGS 32

void sb_probes_plan_apply(const struct sb_components *pl, struct synbench *skel)
{
	struct prog_slot v[SB_MAX_PROGS];
	size_t n = prog_slots(skel, v);

	for (size_t i = 0; i < n; i++) {
		int on = pl->c[v[i].comp].mode == v[i].mode;

		bpf_program__set_autoload(v[i].prog, on);
		/* iterators are attached by hand, with their map (probes.c) */
		if (v[i].mode == SB_MODE_SK_STORAGE_ITER || v[i].mode == SB_MODE_TCP_ITER ||
		    v[i].mode == SB_MODE_FILE_ITER)
			bpf_program__set_autoattach(v[i].prog, false);
	}
}

int sb_probes_plan_component(struct synbench *skel, const struct bpf_program *prog)
{
	struct prog_slot v[SB_MAX_PROGS];
	size_t n = prog_slots(skel, v);

	for (size_t i = 0; i < n; i++)
		if (v[i].prog == prog)
			return (int)v[i].comp;
	return -1;
}

int sb_probes_plan_demote(struct sb_components *pl, const struct sb_probes_opts *o,
			  const struct sb_kbtf *btf, struct synbench *skel, const char *prog,
			  const char *why, char *err, size_t errlen)
{
	struct prog_slot v[SB_MAX_PROGS];
	size_t n = prog_slots(skel, v);
	int rc;

	for (size_t i = 0; i < n; i++) {
		enum sb_component c = v[i].comp;
		int forced;

		if (strcmp(bpf_program__name(v[i].prog), prog) != 0)
			continue;
		forced = forced_mode(o, c) >= 0;
		note(pl, c, v[i].mode, why);
		rc = next_mode(btf, o, pl, c, forced);
		if (rc)
			snprintf(err, errlen, "the %s probe cannot run on this kernel (%s)%s",
				 sb_component_name(c), pl->c[c].error,
				 forced ? "; drop --attach/--sampler to let it fall back"
					: "; rerun with -v for the verifier log");
		return rc;
	}
	snprintf(err, errlen,
		 "could not load the BPF probes (%s); rerun with -v for "
		 "libbpf's log, or use --no-probes",
		 why);
	return -EINVAL;
}
