/* Per-host identities of a run across machines (host_checks.h). */
#include "harness/analysis/host_checks.h"

#include <stdlib.h>
#include <string.h>

#include "harness/analysis/reconcile.h"

static void check(const struct sb_rundata *v, struct sb_reconcile *rec, enum sb_identity_id id,
		  int64_t probe, int64_t kernel, struct sb_host_check *out)
{
	out->id = id;
	out->probe = probe;
	out->kernel = kernel;
	sb_identity_check(v, rec, id, &out->r);
}

int sb_host_checks(const struct sb_host *h, struct sb_host_check out[SB_HOST_MAX_CHECKS])
{
	struct sb_rundata v = h->rd; /* a view: this host as one side of two */
	struct sb_join_counts counts;
	struct sb_reconcile rec, *r = &rec;
	struct sb_mib none = {{0}};
	int n = 0;

	if (h->lost || !h->rd.opts)
		return 0;
	memset(&counts, 0, sizeof(counts));
	memset(&rec, 0, sizeof(rec));
	if (h->role == SB_HOST_CLIENT) {
		v.client_mib = h->rd.mib;
		v.nclient_mib = h->rd.nmib;
		v.mib = &none;
		v.nmib = 0;
		v.counters[SB_C_NS2_SYN_RETRANS] = v.counters[SB_C_SYN_RETRANS];
		v.counters[SB_C_NS2_SYNACK_RETRANS] = v.counters[SB_C_SYNACK_RETRANS];
	} else {
		v.client_mib = &none; /* two sides, the client's elsewhere */
		v.nclient_mib = 0;
		v.counters[SB_C_NS2_SYN_RETRANS] = 0;
		v.counters[SB_C_NS2_SYNACK_RETRANS] = 0;
	}
	sb_reconcile_fill(&v, &counts, v.components.c[SB_COMP_STATE_CHANGES].mode != SB_MODE_OFF,
			  &rec);
	if (h->role == SB_HOST_CLIENT) {
		check(&v, r, SB_ID_CLIENT_SYN_RETRANS,
		      (int64_t)(r->probe_client_syn_retrans + r->probe_client_synack_retrans) +
			  sb_untraced_retrans_fail(r),
		      r->mib_client_syn_retrans, &out[n++]);
		check(&v, r, SB_ID_CLIENT_ACTIVE_OPENS, (int64_t)r->conns_started,
		      r->mib_client_active_opens, &out[n++]);
	} else {
		check(&v, r, SB_ID_SERVER_SYN_RETRANS,
		      (int64_t)(r->probe_server_syn_retrans + r->probe_server_synack_retrans),
		      r->mib_server_syn_retrans, &out[n++]);
		check(&v, r, SB_ID_SERVER_ACTIVE_OPENS, 0, r->mib_server_active_opens, &out[n++]);
		check(&v, r, SB_ID_LISTENER_DROPS, r->listener_drops,
		      r->mib_listen_drops < 0 ? -1
					      : r->mib_listen_drops +
						    (int64_t)r->listen_overflow_skb_drops,
		      &out[n++]);
	}
	sb_reconcile_free(r);
	return n;
}
