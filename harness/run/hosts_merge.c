/* Every host's records into one rundata (hosts.h, sb_hosts_merge). */
#include "harness/run/hosts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t tag(uint64_t cookie, size_t host)
{
	return cookie && host ? cookie | ((uint64_t)host << SB_HOST_COOKIE_SHIFT) : cookie;
}

/* dst += the deltas of src, by table and name. */
static int add_mib(struct sb_mib **dst, size_t *n, const struct sb_mib *src, size_t ns)
{
	for (size_t i = 0; i < ns; i++) {
		size_t k = 0;

		while (k < *n && (strcmp((*dst)[k].table, src[i].table) != 0 ||
				  strcmp((*dst)[k].name, src[i].name) != 0))
			k++;
		if (k == *n) {
			struct sb_mib *m = realloc(*dst, (*n + 1) * sizeof(**dst));

			if (!m)
				return -ENOMEM;
			*dst = m;
			m[k] = src[i];
			m[k].before = m[k].after = 0;
			(*n)++;
		}
		(*dst)[k].before += src[i].before;
		(*dst)[k].after += src[i].after;
	}
	return 0;
}

/* Where drop reason v named name (NULL: unnamed) counts in rd: under the
 * same name, else at v if free, else at the first free value. */
static size_t drop_slot(const struct sb_rundata *rd, const char *name, size_t v)
{
	for (size_t k = 0; name && k < SB_MAX_DROP_REASONS; k++)
		if (rd->drop_names[k] && strcmp(rd->drop_names[k], name) == 0)
			return k;
	if (!name || (!rd->drop_names[v] && !rd->drops[v]))
		return v;
	for (size_t k = 0; k < SB_MAX_DROP_REASONS; k++)
		if (!rd->drop_names[k] && !rd->drops[k])
			return k;
	return SB_MAX_DROP_REASONS;
}

/* One host's drops by reason, under their names (kernels number them
 * differently). */
static int add_drops(struct sb_rundata *rd, const struct sb_rundata *h)
{
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++) {
		size_t k;

		if (!h->drops[v] && !h->drop_names[v])
			continue;
		k = drop_slot(rd, h->drop_names[v], v);
		if (k == SB_MAX_DROP_REASONS)
			continue; /* table full: still in the drops counter */
		if (!rd->drop_names[k] && h->drop_names[v]) {
			rd->drop_names[k] = strdup(h->drop_names[v]);
			if (!rd->drop_names[k])
				return -ENOMEM;
		}
		rd->drops[k] += h->drops[v];
	}
	return 0;
}

static void *concat(void *a, size_t na, const void *b, size_t nb, size_t size)
{
	char *p = realloc(a, (na + nb) * size + 1);

	if (p && nb)
		memcpy(p + na * size, b, nb * size);
	return p;
}

int sb_hosts_merge(const struct sb_opts *opts, struct sb_host *hosts, size_t n,
		   struct sb_rundata *rd)
{
	const struct sb_rundata *srv = NULL;
	int e = 0;

	memset(rd, 0, sizeof(*rd));
	rd->opts = opts;
	rd->hosts = hosts;
	rd->nhosts = n;
	rd->cross_host = 1;
	rd->effective_backlog = -1;
	for (size_t i = 0; i < n; i++)
		if (hosts[i].role == SB_HOST_SERVER)
			srv = &hosts[i].rd;
	/* this host's (client0) meta: the report's kernel and times */
	if (n) {
		const struct sb_rundata *h0 = &hosts[0].rd;

		memcpy(rd->kernel_release, h0->kernel_release, sizeof(rd->kernel_release));
		memcpy(rd->attach_plan, h0->attach_plan, sizeof(rd->attach_plan));
		rd->components = h0->components;
		memcpy(rd->started_at, h0->started_at, sizeof(rd->started_at));
		rd->t_start_ns = h0->t_start_ns;
		rd->t_end_ns = h0->t_end_ns;
		rd->client_netns_inode = h0->netns_inode ? h0->netns_inode : 1;
		rd->max_rss_kb = h0->max_rss_kb;
		rd->cpu_user_s = h0->cpu_user_s;
		rd->cpu_sys_s = h0->cpu_sys_s;
	}
	if (srv) {
		rd->effective_backlog = srv->effective_backlog;
		rd->netns_inode = srv->netns_inode;
		/* the listener's side: the server's sampler and sysctls */
		rd->components.c[SB_COMP_LISTENER_SAMPLER] =
		    srv->components.c[SB_COMP_LISTENER_SAMPLER];
		rd->samples = concat(NULL, 0, srv->samples, srv->nsamples, sizeof(*srv->samples));
		rd->nsamples = srv->nsamples;
		rd->sysctls = concat(NULL, 0, srv->sysctls, srv->nsysctls, sizeof(*srv->sysctls));
		rd->nsysctls = srv->nsysctls;
		if (!rd->samples || !rd->sysctls)
			return -ENOMEM;
		if (add_mib(&rd->mib, &rd->nmib, srv->mib, srv->nmib))
			return -ENOMEM;
	}
	rd->hists = calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(*rd->hists));
	rd->client_mib = calloc(1, sizeof(*rd->client_mib));
	if (!rd->hists || !rd->client_mib)
		return -ENOMEM;
	for (size_t i = 0; i < n && !e; i++) {
		const struct sb_rundata *h = &hosts[i].rd;
		int client = hosts[i].role == SB_HOST_CLIENT;
		size_t k0 = rd->nkrecs, c0 = rd->nconns, a0 = rd->naccepts;

		rd->interrupted |= h->interrupted || hosts[i].lost;
		if (hosts[i].lost && rd->stop_reason < SB_STOP_HOST_LOST)
			rd->stop_reason = SB_STOP_HOST_LOST;
		else if (h->stop_reason > rd->stop_reason && h->stop_reason < SB_NSTOPS)
			rd->stop_reason = h->stop_reason;
		rd->krecs = concat(rd->krecs, rd->nkrecs, h->krecs, h->nkrecs, sizeof(*h->krecs));
		if (!rd->krecs)
			return -ENOMEM;
		rd->nkrecs += h->nkrecs;
		for (size_t k = k0; k < rd->nkrecs; k++)
			rd->krecs[k].cookie = tag(rd->krecs[k].cookie, i);
		if (client) {
			rd->conns_buf = concat(rd->conns_buf, rd->nconns, h->conns, h->nconns,
					       sizeof(*h->conns));
			if (!rd->conns_buf)
				return -ENOMEM;
			rd->conns = rd->conns_buf;
			rd->nconns += h->nconns;
			for (size_t k = c0; k < rd->nconns; k++)
				rd->conns_buf[k].cookie = tag(rd->conns_buf[k].cookie, i);
			rd->client.started += h->client.started;
			rd->client.done += h->client.done;
			rd->client.ok += h->client.ok;
			rd->client.failed += h->client.failed;
			rd->client.behind_schedule += h->client.behind_schedule;
			rd->client.port_retries += h->client.port_retries;
			if (h->client.max_lag_ns > rd->client.max_lag_ns)
				rd->client.max_lag_ns = h->client.max_lag_ns;
			rd->retrans_fail_untraced |= h->retrans_fail_untraced;
			/* the client side of the two-sided counters (SB_C_NS2_*) */
			rd->counters[SB_C_NS2_SYN_RETRANS] += h->counters[SB_C_SYN_RETRANS];
			rd->counters[SB_C_NS2_SYNACK_RETRANS] += h->counters[SB_C_SYNACK_RETRANS];
			rd->counters[SB_C_NS2_DROPS] += h->counters[SB_C_DROPS];
			e = add_mib(&rd->client_mib, &rd->nclient_mib, h->mib, h->nmib);
		} else {
			rd->accepts = concat(rd->accepts, rd->naccepts, h->accepts, h->naccepts,
					     sizeof(*h->accepts));
			if (!rd->accepts)
				return -ENOMEM;
			rd->naccepts += h->naccepts;
			for (size_t k = a0; k < rd->naccepts; k++)
				rd->accepts[k].cookie = tag(rd->accepts[k].cookie, i);
		}
		for (int c = 0; c < SB_NCOUNTERS; c++)
			if (c < SB_C_NS2_SYN_RETRANS)
				rd->counters[c] += h->counters[c];
		if (h->hists)
			for (size_t b = 0; b < (size_t)SB_NHISTS * SB_HIST_BUCKETS; b++)
				rd->hists[b] += h->hists[b];
		if (!e)
			e = add_drops(rd, h);
		rd->lost_samples += h->lost_samples;
		rd->missed_events += h->missed_events;
		rd->kernel_map_bytes += h->kernel_map_bytes;
		rd->state_misses_recovered += h->state_misses_recovered;
		rd->bpf_run_ns += h->bpf_run_ns;
		rd->bpf_runs += h->bpf_runs;
	}
	return e;
}
