/* The option table behind the parser (harness/opts.c) and the printers
 * (harness/opts_print.c): internal to those two files. */
#ifndef SB_OPTS_TABLE_H
#define SB_OPTS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "harness/cli/opts.h"

/* clang-format off */
enum opt_id {
	O_CONNS, O_BACKLOG, O_CONCURRENCY, O_RATE, O_THREADS, O_MODE, O_CLOSE, O_CLOSE_FIRST,
	O_ENGINE,
	O_REQ, O_RESP, O_CONNECT_TIMEOUT, O_MAX_TIME,
	O_ACCEPT, O_PORT, O_DESTS, O_IPV6, O_PER_CPU_LISTENERS, O_PAIRED,
	O_SYNCOOKIES, O_NO_SYNCOOKIES, O_ABORT_ON_OVERFLOW, O_SOMAXCONN, O_SYN_RETRIES,
	O_SYNACK_RETRIES, O_SYN_LINEAR_TIMEOUTS, O_MAX_SYN_BACKLOG, O_PORT_RANGE,
	O_NO_PROBES, O_ATTACH, O_SAMPLER, O_PROBE_OFF, O_SAMPLE_US, O_TRACE_STATES,
	O_TARGET, O_NETNS, O_SERVER_CMD, O_HTTP,
	O_TOPOLOGY, O_DELAY, O_LOSS, O_RATE_LIMIT,
	O_OUT, O_LABEL, O_FORCE, O_NO_PLOT, O_JSON, O_QUIET, O_VERBOSE, O_HELP, O_VERSION,
	O__COUNT,
};
/* clang-format on */

enum arg_kind { ARG_NONE, ARG_REQ, ARG_OPT };

/* How an integer option is stored in struct sb_opts. */
enum fld_kind { K_NONE, K_U64, K_U32, K_U16, K_INT };

struct opt_def {
	const char *name; /* long name; NULL: a heading in the help text */
	char short_name;
	enum arg_kind arg;
	enum opt_id id;
	const char *metavar;
	const char *help;
	const char *dflt;    /* "(default ...)" in the help; NULL: none shown */
	const char *example; /* a good value, offered in error messages */
	/* Integer options (kind != K_NONE): a value lo..hi stored at off;
	 * flags (ARG_NONE) store 1 there. */
	uint64_t lo, hi;
	size_t off;
	enum fld_kind kind;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SB_OPT_NAMES 5 /* the longest choice list below */

extern const struct opt_def sb_opt_table[];
extern const size_t sb_opt_table_len;
extern const char *const sb_opt_mode_names[SB_OPT_NAMES];
extern const char *const sb_opt_close_names[SB_OPT_NAMES];
extern const char *const sb_opt_close_first_names[SB_OPT_NAMES];
extern const char *const sb_opt_engine_names[SB_OPT_NAMES];
extern const char *const sb_opt_attach_names[SB_OPT_NAMES];
extern const char *const sb_opt_sampler_names[SB_OPT_NAMES];
extern const char *const sb_opt_topology_names[SB_OPT_NAMES];

/* The value of an integer option (kind != K_NONE). */
long long sb_opt_fld_load(const struct sb_opts *o, const struct opt_def *d);

#endif
