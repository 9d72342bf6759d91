/* `bench doctor`: what this machine can measure. Loads the real probes in a
 * private network namespace (the same planner as a run) and reports each
 * component's mode and why not a better one, plus the kernel, BTF, libbpf,
 * privileges, the io_uring operations the load generator uses and the
 * sysctls that shape a run. Exit 0 when a probes-on run can work, 2 with
 * the fix otherwise. */
#include "harness/commands/doctor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "harness/output/json.h"
#include "harness/run/kbtf.h"
#include "harness/run/netns.h"
#include "harness/run/probes.h"
#include "harness/run/restore.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "loadgen/loadgen.h"

#include "loadgen/uring_caps.h"

/* The capabilities a run uses (linux/capability.h numbers). */
static const struct {
	int bit;
	const char *name;
	const char *why;
} caps[] = {
	{ 21, "CAP_SYS_ADMIN", "namespaces, BPF iterators" },
	{ 12, "CAP_NET_ADMIN", "namespace sysctls, lo" },
	{ 39, "CAP_BPF", "BPF maps and programs" },
	{ 38, "CAP_PERFMON", "tracing programs" },
	{ 24, "CAP_SYS_RESOURCE", "some kernels refuse map-element iterators without it" },
};

/* The sysctls of a fresh namespace (what a run starts from), and two
 * global ones. */
static const char *const sysctls[] = {
	"net.core.somaxconn",	      "net.ipv4.tcp_syncookies",
	"net.ipv4.tcp_abort_on_overflow", "net.ipv4.tcp_max_syn_backlog",
	"net.ipv4.tcp_syn_retries",   "net.ipv4.tcp_synack_retries",
	"net.ipv4.tcp_syn_linear_timeouts", "net.ipv4.ip_local_port_range",
	"net.core.netdev_max_backlog", "kernel.bpf_stats_enabled",
};

#define NSYSCTLS (sizeof(sysctls) / sizeof(sysctls[0]))

struct report {
	struct utsname un;
	int btf;
	unsigned long long capeff;
	int caps_known;
	char sys_val[sizeof(sysctls) / sizeof(sysctls[0])][64];
	struct sb_components comps;
	char load_err[1024];
	int listen_overflow_reason; /* SKB_DROP_REASON_TCP_LISTEN_OVERFLOW exists */
	struct lg_uring_caps uring;
};

static void read_caps(struct report *r)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &r->capeff) == 1)
			r->caps_known = 1;
	fclose(f);
}

static int has_listen_overflow_reason(void)
{
	const char *names[SB_MAX_DROP_REASONS] = { 0 };
	struct sb_kbtf *btf = NULL;
	int found = 0;

	sb_kbtf__open(&btf);
	sb_drop_reason_names(btf, names, SB_MAX_DROP_REASONS);
	sb_kbtf__free(btf);
	for (int i = 0; i < SB_MAX_DROP_REASONS; i++) {
		found |= names[i] && strcmp(names[i], "TCP_LISTEN_OVERFLOW") == 0;
		free((void *)names[i]);
	}
	return found;
}

static void gather(struct report *r)
{
	uint64_t ino = 0;
	struct sb_probes *p = NULL;
	/* what a run would get: its own listener */
	struct sb_probes_opts po = { .conns = 16, .ports = { SB_DEFAULT_PORT }, .nports = 1,
				     .own_listeners = 1 };

	uname(&r->un);
	r->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	read_caps(r);
	lg_uring_caps_probe(&r->uring, NULL, 0);
	r->listen_overflow_reason = has_listen_overflow_reason();
	/* the last two are global: read them outside the namespace */
	for (size_t i = NSYSCTLS - 2; i < NSYSCTLS; i++)
		if (sb_sysctl_read(sysctls[i], r->sys_val[i], sizeof(r->sys_val[i])) != 0)
			snprintf(r->sys_val[i], sizeof(r->sys_val[i]), "(absent)");
	if (sb_netns_enter(&ino) != 0) {
		snprintf(r->load_err, sizeof(r->load_err),
			 "cannot create a network namespace (%s); run as root", strerror(errno));
		return;
	}
	for (size_t i = 0; i < NSYSCTLS - 2; i++)
		if (sb_sysctl_read(sysctls[i], r->sys_val[i], sizeof(r->sys_val[i])) != 0)
			snprintf(r->sys_val[i], sizeof(r->sys_val[i]), "(absent)");
	po.netns_ino = ino;
	if (sb_probes__new(&po, &p, r->load_err, sizeof(r->load_err)) == 0) {
		r->comps = *sb_probes__components(p);
		sb_probes__free(p);
	}
}

static void print_text(const struct report *r)
{
	int degraded = 0;

	printf("kernel      %s\n", r->un.release);
	printf("BTF         %s\n", r->btf ? "/sys/kernel/btf/vmlinux" :
					"missing: the probes need CONFIG_DEBUG_INFO_BTF=y");
	printf("libbpf      %u.%u\n", libbpf_major_version(), libbpf_minor_version());
	printf("user        %s\n", geteuid() == 0 ? "root" : "not root: run as root (sudo)");
	for (size_t i = 0; r->caps_known && i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!(r->capeff >> caps[i].bit & 1))
			printf("capability  %s missing (%s)\n", caps[i].name, caps[i].why);
	printf("\nprobe components (loaded for real in a private network namespace):\n");
	if (r->load_err[0]) {
		printf("  none: %s\n", r->load_err);
	} else {
		for (int c = 0; c < SB_NCOMPONENTS; c++) {
			const struct sb_component_state *s = &r->comps.c[c];

			degraded += s->error[0] != 0;
			printf("  %-19s %s%s%s\n", sb_component_name(c),
			       sb_comp_mode_name(s->mode), s->error[0] ? "  not best: " : "",
			       s->error);
		}
	}
	printf("\nio_uring operations of the load generator:\n");
	{
		char buf[160];

		printf("  %s\n", lg_uring_caps_str(&r->uring, buf, sizeof(buf)));
		for (uint32_t bit = LG_URING_BASE; bit <= LG_URING_BIND; bit <<= 1) {
			const char *m = lg_uring_caps_missing(&r->uring, bit);

			if (m)
				printf("  missing %s: %s\n", m,
				       bit == LG_URING_SOCKOPT || bit == LG_URING_BIND
					   ? "done with the plain syscall"
					   : "--engine epoll (or a newer kernel)");
		}
	}
	printf("\nkernel facts that change results:\n");
	printf("  TCP_LISTEN_OVERFLOW drop reason (6.15+): %s\n",
	       r->listen_overflow_reason ? "yes" : "no: the listener-drops identity is skipped");
	printf("  SYN retransmit schedule: %s\n",
	       strcmp(r->sys_val[6], "(absent)") != 0
		   ? "linear first (tcp_syn_linear_timeouts), then doubling (6.18+)"
		   : "1, 3, 7, 15 ... s (doubling)");
	printf("\nsysctls of a fresh network namespace (what a run starts from):\n");
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		printf("  %-34s %s\n", sysctls[i], r->sys_val[i]);
	if (r->load_err[0])
		printf("\nverdict: a probes-on run cannot work here; --no-probes runs the user side "
		       "only\n");
	else
		printf("\nverdict: a probes-on run works here (%d of %d components in their best "
		       "mode)\n", SB_NCOMPONENTS - degraded, SB_NCOMPONENTS);
}

static int print_json(const struct report *r)
{
	struct sb_json *js = sb_json__new(stdout, 1);

	if (!js)
		return -ENOMEM;
	sb_json_obj_begin(js, NULL);
	sb_json_str(js, "kernel_release", r->un.release);
	sb_json_bool(js, "btf", r->btf);
	sb_json_int(js, "libbpf_major", libbpf_major_version());
	sb_json_int(js, "libbpf_minor", libbpf_minor_version());
	sb_json_bool(js, "root", geteuid() == 0);
	sb_json_bool(js, "probes_ok", !r->load_err[0]);
	sb_json_str(js, "error", r->load_err[0] ? r->load_err : NULL);
	sb_json_obj_begin(js, "components");
	for (int c = 0; c < SB_NCOMPONENTS && !r->load_err[0]; c++) {
		sb_json_obj_begin(js, sb_component_name(c));
		sb_json_str(js, "mode", sb_comp_mode_name(r->comps.c[c].mode));
		sb_json_str(js, "error", r->comps.c[c].error[0] ? r->comps.c[c].error : NULL);
		sb_json_obj_end(js);
	}
	sb_json_obj_end(js);
	{
		char buf[160];

		sb_json_str(js, "io_uring", lg_uring_caps_str(&r->uring, buf, sizeof(buf)));
	}
	sb_json_bool(js, "tcp_listen_overflow_drop_reason", r->listen_overflow_reason);
	sb_json_obj_begin(js, "sysctls");
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		sb_json_str(js, sysctls[i], r->sys_val[i]);
	sb_json_obj_end(js);
	sb_json_obj_end(js);
	return sb_json__free(js);
}

/* ---- options ---- */

enum { D_JSON, D_HELP };

struct doctor_opts {
	int json;
};

static const struct sb_optdef doctor_table[] = {
    {"json", 0, SB_ARG_NONE, SB_OPT_FLAG, D_JSON, NULL, "the report as JSON on stdout", NULL, NULL,
     0, 0, NULL, SB_FLD(struct doctor_opts, json), 0},
    {"help", 'h', SB_ARG_NONE, SB_OPT_RETURN, D_HELP, NULL, "this text", .fld = SB_FLD_NONE},
};

static const struct sb_optset doctor_optset = {
    .cmd = "doctor",
    .defs = doctor_table,
    .ndefs = sizeof(doctor_table) / sizeof(doctor_table[0]),
};

const struct sb_optset *sb_doctor_optset(void)
{
	return &doctor_optset;
}

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench doctor [--json]\n"
	      "\n"
	      "What this machine can measure: each probe component's mode and why not a\n"
	      "better one, kernel, BTF, libbpf, privileges, io_uring operations, sysctls.\n"
	      "First puts back the sysctls a killed run left changed in a namespace\n"
	      "synbench did not create (journals in " SB_RESTORE_DIR "), and says so.\n"
	      "\n"
	      "OPTIONS\n",
	      f);
	sb_optparse_help(f, &doctor_optset);
	fputs("\n"
	      "EXIT STATUS\n"
	      "  0 a probes-on run can work; 2 otherwise, or bad input\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench doctor\n"
	      "  bench doctor --json | jq .components\n",
	      f);
}

int sb_doctor_main(int argc, char **argv)
{
	struct report r = { 0 };
	struct doctor_opts o = {0};
	char err[256];
	int rc, json;

	rc = sb_optparse(&doctor_optset, argc, argv, 1, &o, NULL, NULL, err, sizeof(err));
	if (rc == D_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc) {
		sb_error("doctor: %s", err);
		return 2;
	}
	json = o.json;
	if (geteuid() != 0) {
		sb_error("doctor needs root (it loads the probes in a private network namespace); "
			 "run it with sudo");
		return 2;
	}
	/* a run killed before its end left sysctls changed: put them back */
	sb_restore_recover();
	gather(&r);
	if (json ? print_json(&r) : (print_text(&r), 0))
		return 2;
	if (r.load_err[0]) {
		sb_error("%s", r.load_err);
		return 2;
	}
	return 0;
}
