/* Everything one run collected, kernel and user side, before the join.
 * Filled by harness/run/run.c (or by a fixture loader in the unit tests) and
 * read by the join, the statistics and the writers. */
#ifndef SB_RUNDATA_H
#define SB_RUNDATA_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h> /* __u64 for the shared BPF headers */
#include "bpf/synbench.h"
#include "bpf/hist.h"
#include "harness/cli/opts.h"
#include "loadgen/loadgen.h"

/* One kernel MIB counter delta over the run (namespace /proc/net/netstat
 * and /proc/net/snmp, or global /proc/net/softnet_stat). */
struct sb_mib {
	char table[16]; /* "TcpExt", "Tcp", "IpExt", "softnet" (global) ... */
	char name[48];	/* kernel name: "ListenOverflows" ... */
	int64_t before;
	int64_t after;
};

struct sb_sysctl {
	char name[64]; /* "net.ipv4.tcp_syncookies" */
	char value[64];
};

/* bench watch: what it was asked and what it saw besides the records (a
 * run has none: rundata.watch is NULL). */
struct sb_watch_info {
	char netns[64];			 /* --netns ("" = the caller's namespace) */
	uint16_t ports[SB_MAX_PORTS];	 /* --port */
	uint32_t nports;
	int64_t pid;			 /* --pid, -1 any */
	char comm[16];			 /* --comm, "" any */
	char cgroup[512];		 /* --cgroup, "" any */
	int family;			 /* --ipv4 AF_INET, --ipv6 AF_INET6, 0 both */
	int filtered;			 /* a filter applies: the counters cover more */
	double duration_s;		 /* --duration, 0: until Ctrl-C */
	uint64_t max_conns;		 /* --max-conns */
	int connlat, trace_states, attach;
	uint32_t sample_us;
	char out[4096], label[128];
	uint64_t connlat_lines, live_events; /* lines printed, live events read */
	uint16_t ns_listen_ports[64];	 /* every port the namespace listened on */
	uint32_t ns_nlisten_ports;	 /* > 64: more than listed */
	double watch_cpu_user_s, watch_cpu_sys_s; /* this process while watching */
};

/* What the probes cost this run, as measured (harness/run/probes.c,
 * probes_collect.c; the machine's busy time by observe.c); the analysis turns it
 * into summary.json probes.cost (harness/analysis/cost.h). CPU times are the
 * threads' own (CLOCK_THREAD_CPUTIME_ID): kernel work on their behalf
 * included (verification, map allocation, iterator passes). */
struct sb_probe_cost {
	int bpf_stats;		/* BPF run time was counted (run_ns below) */
	uint32_t loads;		/* object loads: 1 when the kernel refused nothing */
	uint32_t programs;	/* programs loaded */
	uint64_t verified_insns;	/* the verifier's work (Linux 5.16+; 0 before) */
	uint64_t setup_ns, setup_cpu_ns; /* BTF, plan, load, attach: wall, CPU */
	uint64_t passes, pass_cpu_ns;	 /* the listener sampler's passes, their CPU */
	uint32_t period_us;		 /* the sampler's period */
	uint64_t ring_records, ring_cpu_ns; /* records read from the ring buffer, the
					     * reading thread's CPU */
	uint64_t collect_ns, collect_cpu_ns; /* stop and collect: wall, CPU */
	/* BPF run time and runs per component (bpf_prog_info, while counted);
	 * the end-of-run pass over the namespace's sockets is in collect */
	uint64_t run_ns[SB_NCOMPONENTS], runs[SB_NCOMPONENTS];
	/* BPF run time counted over a window of the run (observe.c): the
	 * components' events in it (their counters, the sampler's passes) and
	 * the run's state changes in it; run_ns above is scaled to the run.
	 * window_events 0: counted over the whole run */
	uint64_t window_counts[SB_NCOMPONENTS];
	uint64_t window_events;
	/* a component whose first event came after the window (a SYN
	 * retransmit 1 s into the run): its events, its run time not counted */
	uint64_t unmeasured[SB_NCOMPONENTS];
	uint64_t machine_busy_ns; /* every CPU's busy time, the probes' start to
				   * collection (/proc/stat: other processes' work too) */
};

#define SB_MAX_OWN_LISTENERS 64

/* One socket of the built-in listener (harness/run/ownlisten.c). */
struct sb_own_listener {
	uint64_t cookie;		/* SO_COOKIE */
	uint64_t accepts;		/* accept() returned on it */
	struct lg_accept_policy policy; /* its accept policy */
	uint64_t closed_ns;		/* --close-socket: when it closed (0: open to the end) */
	int64_t queued_at_close;	/* and its accept queue just before (-1: unread) */
	int64_t drops_at_close;		/* and its sk_drops, final (-1: unread) */
};

/* A listener socket's owner (listen_owner.h): pid -1 unknown; incoming_cpu
 * its SO_INCOMING_CPU, -1 unset or unknown. */
#define SB_MAX_OWNERS 64
struct sb_listen_owner {
	uint64_t cookie;
	int32_t pid;
	int32_t incoming_cpu;
	char comm[16];
};

struct sb_rundata {
	const struct sb_opts *opts;
	const struct sb_watch_info *watch; /* bench watch: its options and figures */
	/* meta */
	char kernel_release[128];
	char attach_plan[64];	/* state_changes' mode: "tp_btf", "raw_tp", "tracepoint", "none" */
	struct sb_components components; /* every probe component's mode (all off: none) */
	char started_at[32];	/* ISO 8601 UTC */
	uint64_t t_start_ns, t_end_ns; /* CLOCK_MONOTONIC: the load */
	uint64_t t_setup_ns;	       /* when the run began setting up */
	uint64_t t_collected_ns;       /* when every record was collected */
	int interrupted;      /* a signal, or a host lost: stop_reason says which */
	int stop_reason;      /* enum sb_stop */
	int server_log_fd; /* --server-cmd's output, an anonymous file (0: none) */
	uint64_t max_rss_kb;		/* getrusage ru_maxrss of the run */
	double cpu_user_s, cpu_sys_s;	/* this process's CPU time */
	int effective_backlog;
	/* the built-in listener's sockets (--reuseport N: N, in group order),
	 * their cookies and accepts; none with --target */
	struct sb_own_listener own[SB_MAX_OWN_LISTENERS];
	uint32_t nown;
	/* every sampled listener's owner, found at the last sample */
	struct sb_listen_owner owners[SB_MAX_OWNERS];
	size_t nowners;
	uint64_t netns_inode;	     /* the server's namespace (lo: the only one) */
	uint64_t client_netns_inode; /* --topology veth: the client's, else 0 */
	/* client and server records come from different hosts (--server-via):
	 * their clocks differ, so children join to clients by 4-tuple + ISN
	 * only, never by time (harness/analysis/join.c) */
	int cross_host;
	struct sb_sysctl *sysctls;
	size_t nsysctls;
	/* kernel side (empty with --no-probes) */
	struct sb_conn_rec *krecs;
	size_t nkrecs;
	struct sb_listen_sample *samples;
	size_t nsamples;
	uint64_t counters[SB_NCOUNTERS];
	uint64_t *hists; /* SB_NHISTS * SB_HIST_BUCKETS, NULL without probes */
	uint64_t drops[SB_MAX_DROP_REASONS];
	const char *drop_names[SB_MAX_DROP_REASONS]; /* from the kernel's BTF */
	/* the kernel's tcp_retransmit_skb misses retransmits that failed to
	 * transmit (before Linux 6.18); TcpExt TCPRetransFail counts them */
	int retrans_fail_untraced;
	uint64_t lost_samples; /* sampler reads that failed */
	uint64_t missed_events; /* tracepoint hits skipped by the kernel (recursion) */
	uint64_t kernel_map_bytes; /* the probes' maps: max_entries x (key + value) */
	uint64_t state_misses_recovered; /* state changes skipped, each left a marked
					  * record: not in missed_events */
	/* time in the BPF programs and their runs, counted while bpf_stats_on
	 * (an enable-stats descriptor, or kernel.bpf_stats_enabled=1) */
	uint64_t bpf_run_ns, bpf_runs;
	int bpf_stats_on;
	struct sb_probe_cost cost;
	/* user side */
	struct lg_conn *conns; /* points into conns_buf (or a fixture's array) */
	size_t nconns;
	uint64_t conns_unstarted; /* --conns never started (their records never were) */
	struct lg_accept *accepts;
	size_t naccepts;
	struct lg_client_stats client;
	/* kernel counters */
	struct sb_mib *mib;
	size_t nmib;
	/* --topology veth: the client namespace's (NULL with lo); across
	 * hosts: the client hosts' deltas, summed */
	struct sb_mib *client_mib;
	size_t nclient_mib;
	/* the conns array when rd owns it: freed by sb_rundata_free() */
	struct lg_conn *conns_buf;
	/* a run whose records outgrew --record-memory: they stay in the store,
	 * the arrays above are empty, and the analysis reads them in
	 * partitions (harness/run/recstore.h); NULL when in the arrays */
	struct sb_recstore *store;
	uint64_t records_lost; /* records the store could not keep (no memory or disk) */
	/* --server-via/--client-via: every host's own view (harness/run/hosts.h);
	 * the arrays above are their merge */
	struct sb_host *hosts;
	size_t nhosts;
};

/* Why the load ended; anything but SB_STOP_COMPLETE covers only part of
 * what was asked (summary.json stop_reason, a warning, and bench compare
 * refuses such a run). Larger values win when hosts' reasons merge. */
enum sb_stop {
	SB_STOP_COMPLETE = 0, /* every connection asked for finished */
	SB_STOP_MAX_TIME,     /* --max-time passed first */
	SB_STOP_SIGNAL,	      /* SIGINT or SIGTERM */
	SB_STOP_HOST_LOST,    /* another host went away */
	SB_NSTOPS,
};

/* "complete", "max_time", "signal", "host_lost". */
const char *sb_stop_name(int reason);

enum sb_host_role { SB_HOST_CLIENT = 1, SB_HOST_SERVER = 2 };

/* One host of a run across machines: what it recorded, in its own clock. */
struct sb_host {
	char name[32];	   /* "client0" (this host), "client1" .., "server" */
	char via[256];	   /* the transport command, "" for this host */
	char hostname[64]; /* what the host calls itself */
	enum sb_host_role role;
	uint64_t conns_share;	      /* client: the connections it was given */
	int64_t clock_offset_ns;      /* its CLOCK_MONOTONIC minus ours (NTP-style) */
	int64_t clock_uncertainty_ns; /* +- half the best control round trip */
	int lost;		      /* its channel closed before its results came */
	int log_fd; /* the transport's stderr (its warnings), anonymous until kept; 0: none */
	struct sb_rundata rd;	      /* its records, counters, stamps (opts: ours) */
};

#endif
