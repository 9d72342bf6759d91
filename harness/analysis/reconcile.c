/* The reconciliation of a join: kernel counters against the joined records
 * (docs/design.md "The join", docs/kernel-facts.md, facts 2-4, 8, 11, 19). */
#include "harness/analysis/reconcile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/analysis/identities.h"
#include "harness/analysis/listeners.h"
#include "harness/run/mib.h"
#include "harness/run/netns.h"

#define warn sb_reconcile_warn

void sb_reconcile_warn(struct sb_reconcile *rec, const char *fmt, ...)
{
	char **w;
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	w = realloc(rec->warnings, (rec->nwarnings + 1) * sizeof(*w));
	if (!w) {
		free(s);
		return;
	}
	rec->warnings = w;
	w[rec->nwarnings++] = s;
}

/* The last sample's sk_drops of each socket on the port, summed (a
 * SO_REUSEPORT group: each socket its own, told apart by cookie). */
static int64_t last_listener_drops(const struct sb_rundata *rd)
{
	struct sb_listeners *ls = calloc(1, sizeof(*ls));
	uint16_t port = rd->opts ? rd->opts->port : 0;
	int64_t v = -1;
	size_t n = 0;

	if (!ls)
		return -1;
	sb_listeners_compute(rd, port, ls);
	for (size_t i = 0; i < ls->n; i++)
		n += !port || ls->l[i].port == port;
	if (n)
		v = ls->drops_sum;
	free(ls);
	return v;
}

static uint64_t drops_named(const struct sb_rundata *rd, const char *name)
{
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i] && strcmp(rd->drop_names[i], name) == 0)
			return rd->drops[i];
	return 0;
}

/* --topology veth: a per-side identity that fails, with its numbers. */
static void sides_warn(const struct sb_rundata *rd, struct sb_reconcile *rec)
{
	struct sb_identity id;

	sb_identity_check(rd, rec, SB_ID_CLIENT_SYN_RETRANS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec, "client namespace: probe SYN retransmits %llu + SYN-ACK retransmits %llu "
			  "+ failed retransmits the kernel did not trace %lld != its TcpExt "
			  "TCPSynRetrans %lld",
		     (unsigned long long)rec->probe_client_syn_retrans,
		     (unsigned long long)rec->probe_client_synack_retrans,
		     (long long)sb_untraced_retrans_fail(rec), (long long)rec->mib_client_syn_retrans);
	sb_identity_check(rd, rec, SB_ID_SERVER_SYN_RETRANS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec, "server namespace: probe SYN-ACK retransmits %llu + SYN retransmits %llu "
			  "!= its TcpExt TCPSynRetrans %lld",
		     (unsigned long long)rec->probe_server_synack_retrans,
		     (unsigned long long)rec->probe_server_syn_retrans,
		     (long long)rec->mib_server_syn_retrans);
	sb_identity_check(rd, rec, SB_ID_CLIENT_ACTIVE_OPENS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec, "client namespace: Tcp ActiveOpens %lld != connects started %llu",
		     (long long)rec->mib_client_active_opens,
		     (unsigned long long)rec->conns_started);
	sb_identity_check(rd, rec, SB_ID_SERVER_ACTIVE_OPENS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec, "server namespace: Tcp ActiveOpens %lld, expected 0 (no connect there)",
		     (long long)rec->mib_server_active_opens);
}

void sb_reconcile_free(struct sb_reconcile *rec)
{
	for (size_t i = 0; i < rec->nwarnings; i++)
		free(rec->warnings[i]);
	free(rec->warnings);
	rec->warnings = NULL;
	rec->nwarnings = 0;
}

void sb_reconcile_fill(const struct sb_rundata *rd, const struct sb_join_counts *n, int probes,
		       struct sb_reconcile *rec)
{
	struct sb_identity id;
	int sums;

	rec->probes = probes;
	rec->client_established = n->kclients_est;
	/* each client connection once, by its outcome */
	rec->accepted = n->outcomes[SB_OUT_ACCEPTED];
	rec->queued = n->outcomes[SB_OUT_QUEUED];
	rec->ghosts = n->outcomes[SB_OUT_GHOST];
	rec->tls_failed = n->outcomes[SB_OUT_TLS_FAILED];
	rec->established_other = n->established_other;
	rec->revived = n->revived;
	rec->extra_children = n->kchildren_extra;
	rec->extra_accepts = n->accepts_extra;
	rec->timeouts = n->outcomes[SB_OUT_TIMEOUT];
	rec->syncookies = sb_sysctls_syncookies(rd);
	rec->probe_syn_retrans = rd->counters[SB_C_SYN_RETRANS];
	rec->probe_synack_retrans = rd->counters[SB_C_SYNACK_RETRANS];
	rec->listen_overflow_skb_drops = drops_named(rd, "TCP_LISTEN_OVERFLOW");
	rec->mib_syn_retrans = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPSynRetrans", -1);
	rec->two_sides = rd->client_mib != NULL;
	rec->conns_started = rd->client.started;
	if (rec->two_sides) {
		rec->probe_client_syn_retrans = rd->counters[SB_C_NS2_SYN_RETRANS];
		rec->probe_client_synack_retrans = rd->counters[SB_C_NS2_SYNACK_RETRANS];
		rec->probe_server_syn_retrans = rec->probe_syn_retrans - rec->probe_client_syn_retrans;
		rec->probe_server_synack_retrans =
		    rec->probe_synack_retrans - rec->probe_client_synack_retrans;
		rec->mib_server_syn_retrans = rec->mib_syn_retrans;
		rec->mib_client_syn_retrans = sb_mib_delta_or(rd->client_mib, rd->nclient_mib,
							      "TcpExt", "TCPSynRetrans", -1);
		rec->mib_server_active_opens =
		    sb_mib_delta_or(rd->mib, rd->nmib, "Tcp", "ActiveOpens", -1);
		rec->mib_client_active_opens =
		    sb_mib_delta_or(rd->client_mib, rd->nclient_mib, "Tcp", "ActiveOpens", -1);
		rec->retrans_fail_untraced = rd->retrans_fail_untraced;
		rec->mib_client_retrans_fail = sb_mib_delta_or(rd->client_mib, rd->nclient_mib,
							       "TcpExt", "TCPRetransFail", 0);
		if (rec->mib_syn_retrans >= 0 && rec->mib_client_syn_retrans >= 0)
			rec->mib_syn_retrans += rec->mib_client_syn_retrans;
		else
			rec->mib_syn_retrans = -1;
	}
	rec->listener_drops = last_listener_drops(rd);
	rec->mib_listen_drops = sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenDrops", -1);
	rec->mib_listen_overflows =
	    sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "ListenOverflows", -1);
	rec->softnet_dropped = sb_mib_delta_or(rd->mib, rd->nmib, "softnet", "dropped", -1);
	rec->lost_events = rd->counters[SB_C_RB_FAIL] + rd->counters[SB_C_MAP_FULL] +
			   rd->lost_samples + rd->missed_events + rd->records_lost;
	rec->join_rate = probes && n->with_cookie ? (double)n->joined / (double)n->with_cookie : -1;

	if (rd->interrupted)
		warn(rec, "run interrupted (%s): results cover only what finished",
		     sb_stop_name(rd->stop_reason));
	else if (rd->stop_reason == SB_STOP_MAX_TIME)
		warn(rec,
		     "stopped by --max-time %u s: %llu of %llu connections started, %llu "
		     "finished; the results cover only those",
		     rd->opts ? rd->opts->max_time_s : 0, (unsigned long long)rd->client.started,
		     (unsigned long long)(rd->opts ? rd->opts->conns : 0),
		     (unsigned long long)rd->client.done);
	if (rec->lost_events)
		warn(rec,
		     "%llu events lost (ring buffer full %llu, socket map full %llu, "
		     "sampler reads failed %llu, tracepoint hits the kernel skipped while the "
		     "probe already ran on that CPU %llu, records with no memory or disk to "
		     "keep them %llu)",
		     (unsigned long long)rec->lost_events,
		     (unsigned long long)rd->counters[SB_C_RB_FAIL],
		     (unsigned long long)rd->counters[SB_C_MAP_FULL],
		     (unsigned long long)rd->lost_samples, (unsigned long long)rd->missed_events,
		     (unsigned long long)rd->records_lost);
	if (probes && n->with_cookie && n->joined < n->with_cookie)
		warn(rec,
		     "join rate %.4f: %llu of %llu user connections have no kernel client record",
		     rec->join_rate, (unsigned long long)(n->with_cookie - n->joined),
		     (unsigned long long)n->with_cookie);
	if (probes && n->kclients_unmatched)
		warn(rec, "%llu kernel client records match no user connection",
		     (unsigned long long)n->kclients_unmatched);
	if (probes && n->kchildren_unmatched)
		warn(rec, "%llu server child records match no client connection",
		     (unsigned long long)n->kchildren_unmatched);
	if (n->accepts_unmatched)
		warn(rec, "%llu accepted connections match no client connection",
		     (unsigned long long)n->accepts_unmatched);
	if (probes && n->accepts_by_peer)
		warn(rec, "%llu accepted connections had no server child record (joined by port)",
		     (unsigned long long)n->accepts_by_peer);
	if (probes && n->user_ok_kernel_not_est)
		warn(rec,
		     "%llu connections succeeded in user space but never reached ESTABLISHED "
		     "in the kernel records",
		     (unsigned long long)n->user_ok_kernel_not_est);
	if (probes && n->kclients_est_inferred)
		warn(rec,
		     "%llu kernel client records lack their ESTABLISHED stamp but went on to close "
		     "(an event the probe missed): counted as ESTABLISHED",
		     (unsigned long long)n->kclients_est_inferred);
	if (n->dup_cookies)
		warn(rec, "%llu kernel records repeat a cookie (ignored)",
		     (unsigned long long)n->dup_cookies);
	sb_identity_check(rd, rec, SB_ID_SYN_RETRANS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec,
		     "probe SYN retransmits %llu + SYN-ACK retransmits %llu != TcpExt "
		     "TCPSynRetrans %lld",
		     (unsigned long long)rec->probe_syn_retrans,
		     (unsigned long long)rec->probe_synack_retrans,
		     (long long)rec->mib_syn_retrans);
	sides_warn(rd, rec);
	sb_identity_check(rd, rec, SB_ID_LISTENER_DROPS, &id);
	if (id.status == SB_ID_FAILS)
		warn(rec,
		     "listener drops (last sample) %lld != TcpExt ListenDrops %lld + "
		     "TCP_LISTEN_OVERFLOW skb drops %llu",
		     (long long)rec->listener_drops, (long long)rec->mib_listen_drops,
		     (unsigned long long)rec->listen_overflow_skb_drops);
	if (probes && rd->counters[SB_C_HIST_OVER])
		warn(rec, "%llu histogram updates out of range",
		     (unsigned long long)rd->counters[SB_C_HIST_OVER]);
	if (rec->softnet_dropped > 0)
		warn(rec,
		     "%lld packets dropped by the per-CPU backlog (softnet_stat, global: "
		     "net.core.netdev_max_backlog)",
		     (long long)rec->softnet_dropped);
	if (probes && n->child_cookies_shared)
		warn(rec,
		     "%llu server child records share their cookie with another (the listener's, "
		     "read before the kernel set the child's: docs/kernel-facts.md#fact-17); their accepts "
		     "were joined by port",
		     (unsigned long long)n->child_cookies_shared);
	rec->identity_checked = probes && rec->syncookies == 0;
	sums = rec->client_established == rec->accepted + rec->queued + rec->ghosts +
						  rec->tls_failed + rec->established_other;
	rec->identity_holds = sums && (!rec->identity_checked || rec->ghosts == 0);
	if (probes && !sums)
		warn(rec,
		     "client ESTABLISHED %llu != accepted %llu + queued %llu + ghosts %llu + "
		     "TLS failed %llu + other %llu",
		     (unsigned long long)rec->client_established, (unsigned long long)rec->accepted,
		     (unsigned long long)rec->queued, (unsigned long long)rec->ghosts,
		     (unsigned long long)rec->tls_failed, (unsigned long long)rec->established_other);
	if (rec->identity_checked && rec->ghosts)
		warn(rec,
		     "syncookies=0 but %llu ghost connections (client ESTABLISHED, the server "
		     "never had a socket)",
		     (unsigned long long)rec->ghosts);
}
