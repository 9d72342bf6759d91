/* The run's option table behind the parser (harness/cli/opts.c), its TLS
 * checks (opts_tls.c) and the printers (harness/cli/opts_print.c): internal
 * to those files. */
#ifndef SB_OPTS_TABLE_H
#define SB_OPTS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "harness/cli/opts.h"
#include "harness/cli/optparse.h"

/* clang-format off */
enum opt_id {
	O_CONNS, O_BACKLOG, O_CONCURRENCY, O_RATE, O_THREADS, O_MODE, O_CLOSE, O_CLOSE_FIRST,
	O_ENGINE,
	O_REQ, O_RESP, O_CONNECT_TIMEOUT, O_MAX_TIME,
	O_ACCEPT, O_PORT, O_DESTS, O_IPV6, O_PER_CPU_LISTENERS, O_PAIRED,
	O_REUSEPORT, O_ACCEPT_SOCKET, O_CLOSE_SOCKET,
	O_SYNCOOKIES, O_NO_SYNCOOKIES, O_ABORT_ON_OVERFLOW, O_SOMAXCONN, O_SYN_RETRIES,
	O_SYNACK_RETRIES, O_SYN_LINEAR_TIMEOUTS, O_MIGRATE_REQ, O_MAX_SYN_BACKLOG, O_PORT_RANGE,
	O_NO_PROBES, O_ATTACH, O_SAMPLER, O_PROBE_OFF, O_SAMPLE_US, O_TRACE_STATES,
	O_NO_BPF_STATS,
	O_TARGET, O_NETNS, O_SERVER_CMD, O_HTTP,
	O_TLS, O_TLS_VERSION, O_TLS_KEY_TYPE, O_TLS_RESUME, O_TLS_CERT, O_TLS_KEY, O_TLS_SNI,
	O_TLS_CA, O_HTTP_PATH,
	O_TOPOLOGY, O_DELAY, O_LOSS, O_RATE_LIMIT,
	O_SERVER_VIA, O_SERVER_ADDR, O_CLIENT_VIA, O_REMOTE_BIN,
	O_OUT, O_LABEL, O_FORCE, O_NO_PLOT, O_JSON, O_QUIET, O_VERBOSE, O_RECORD_MEMORY,
	O_HELP, O_VERSION,
	O__COUNT,
};
/* clang-format on */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SB_OPT_NAMES 7 /* the longest choice list in opts.c, and its NULL */

/* The run's options on the engine (harness/cli/optparse.h): fields of struct
 * sb_opts, CUSTOM ones applied in opts.c. */
extern const struct sb_optset sb_run_optset;

/* --tls and --http-path against the rest of the command line (opts_tls.c);
 * given[] by enum opt_id. 0, or -EINVAL with the one line in err. */
int sb_opts_finish_tls(struct sb_opts *o, const unsigned char *given, char *err, size_t len);

/* The listener group's options (opts_listen.c): --accept-socket K=POLICY
 * and --close-socket K@MS into o (0, or -EINVAL), and --reuseport, those
 * two and --migrate-req against the rest (0, or -EINVAL with the one line
 * in err). */
int sb_opts_parse_accept_socket(const char *val, struct sb_opts *o);
int sb_opts_parse_close_socket(const char *val, struct sb_opts *o);
int sb_opts_finish_reuseport(const struct sb_opts *o, const unsigned char *given, char *err,
			     size_t len);

#endif
