/* The per-host directories of a run across machines (hosts_out.h). */
#include "harness/output/hosts_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "harness/output/outdir.h"
#include "harness/output/results.h"

static const char *addr_str(const uint32_t *a, int family, char *buf, size_t len)
{
	return inet_ntop(family == 10 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) ? buf : "";
}

/* One row per kernel record of the host, stamps in its own clock. */
static int w_records(FILE *f, const struct sb_rundata *rd, const struct sb_result *j)
{
	(void)j;
	fprintf(f, "%s\n", SB_RECORDS_HEADER);
	for (size_t k = 0; k < rd->nkrecs; k++) {
		const struct sb_conn_rec *r = &rd->krecs[k];
		char s[64], d[64];
		int client = r->role == SB_ROLE_CLIENT;

		fprintf(f,
			"%llu,%s,%s%u,%s,%u,%s,%u,%llu,%llu,%llu,%llu,%llu,%u,%u,%u\n",
			(unsigned long long)r->cookie, client ? "client" : "child",
			r->has_isn ? "" : "-", r->has_isn ? r->isn : 0,
			addr_str(r->saddr, r->family, s, sizeof(s)), r->sport,
			addr_str(r->daddr, r->family, d, sizeof(d)), r->dport,
			(unsigned long long)r->ts[client ? SB_TCP_SYN_SENT : SB_TCP_SYN_RECV],
			(unsigned long long)r->ts[SB_TCP_ESTABLISHED],
			(unsigned long long)r->ts[SB_TCP_FIN_WAIT1],
			(unsigned long long)r->ts[SB_TCP_LAST_ACK],
			(unsigned long long)r->ts[SB_TCP_CLOSE], r->syn_retrans, r->final_state,
			r->srtt_us);
	}
	return ferror(f) ? -EIO : 0;
}

static int w_config(FILE *f, const struct sb_rundata *rd, const struct sb_result *j)
{
	(void)j;
	return sb_results_write_config(f, rd);
}

static int w_counters(FILE *f, const struct sb_rundata *rd, const struct sb_result *j)
{
	(void)j;
	return sb_results_write_counters(f, rd);
}

static int w_queue(FILE *f, const struct sb_rundata *rd, const struct sb_result *j)
{
	(void)j;
	return sb_results_write_queue(f, rd);
}

int sb_results_write_hosts(const char *dir, struct sb_rundata *rd)
{
	for (size_t i = 0; i < rd->nhosts; i++) {
		struct sb_host *h = &rd->hosts[i];
		char sub[PATH_MAX];
		int e;

		if (snprintf(sub, sizeof(sub), "%s/hosts/%s", dir, h->name) >= (int)sizeof(sub))
			return -ENAMETOOLONG;
		e = sb_mkdir_p(sub);
		if (!e && !h->lost)
			e = sb_results_write_file(sub, "config.json", w_config, &h->rd, NULL);
		if (!e && !h->lost)
			e = sb_results_write_file(sub, "counters.csv", w_counters, &h->rd, NULL);
		if (!e && !h->lost)
			e = sb_results_write_file(sub, "records.csv", w_records, &h->rd, NULL);
		if (!e && !h->lost && h->role == SB_HOST_SERVER)
			e = sb_results_write_file(sub, "queue.csv", w_queue, &h->rd, NULL);
		if (!e && h->log_fd > 0)
			e = sb_outdir_keep_fd(sub, "stderr.log", h->log_fd);
		if (e)
			return e;
	}
	return 0;
}
