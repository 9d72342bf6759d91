/* Reconciliation identities: checked, or skipped with the reason
 * (identities.h). */
#include "harness/analysis/identities.h"

#include <stdio.h>
#include <string.h>

static int drop_reason_known(const struct sb_rundata *rd, const char *name)
{
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i] && strcmp(rd->drop_names[i], name) == 0)
			return 1;
	return 0;
}

/* 1 (and why) if component c did not run. */
static int comp_off(const struct sb_rundata *rd, enum sb_component c, struct sb_identity *out)
{
	const struct sb_component_state *s = &rd->components.c[c];

	if (s->mode != SB_MODE_OFF)
		return 0;
	snprintf(out->why, sizeof(out->why), "the %s probe was off%s%.150s", sb_component_name(c),
		 s->error[0] ? ": " : " (--probe-off)", s->error);
	return 1;
}

static void skip(struct sb_identity *out, const char *why)
{
	out->status = SB_ID_SKIPPED;
	if (why)
		snprintf(out->why, sizeof(out->why), "%s", why);
}

int64_t sb_untraced_retrans_fail(const struct sb_reconcile *rec)
{
	return rec->two_sides && rec->retrans_fail_untraced ? rec->mib_client_retrans_fail : 0;
}

static enum sb_id_status holds(int ok)
{
	return ok ? SB_ID_HOLDS : SB_ID_FAILS;
}

/* The identity's two sides kept (summary.json's probe and kernel) and compared. */
static void compare(struct sb_identity *out, int64_t probe, int64_t kernel)
{
	out->probe = probe;
	out->kernel = kernel;
	out->status = holds(probe == kernel);
}

/* The per-side identities of --topology veth (join.h, two_sides). */
static void sides_check(const struct sb_rundata *rd, const struct sb_reconcile *rec,
			enum sb_identity_id id, struct sb_identity *out)
{
	int64_t mib;

	if (!rec->two_sides) {
		skip(out, "one namespace (--topology lo): client and server share its counters; "
			  "--topology veth checks each side");
		return;
	}
	switch (id) {
	case SB_ID_CLIENT_SYN_RETRANS:
	case SB_ID_SERVER_SYN_RETRANS:
		mib = id == SB_ID_CLIENT_SYN_RETRANS ? rec->mib_client_syn_retrans
						     : rec->mib_server_syn_retrans;
		if (comp_off(rd, SB_COMP_SYN_RETRANSMITS, out) ||
		    comp_off(rd, SB_COMP_SYNACK_RETRANSMITS, out))
			skip(out, NULL);
		else if (mib < 0)
			skip(out, "TcpExt TCPSynRetrans not readable");
		else if (id == SB_ID_CLIENT_SYN_RETRANS)
			compare(out,
				(int64_t)(rec->probe_client_syn_retrans +
					  rec->probe_client_synack_retrans) +
					sb_untraced_retrans_fail(rec),
				mib);
		else
			compare(out,
				(int64_t)(rec->probe_server_syn_retrans +
					  rec->probe_server_synack_retrans),
				mib);
		return;
	case SB_ID_CLIENT_ACTIVE_OPENS:
		if (rec->mib_client_active_opens < 0)
			skip(out, "Tcp ActiveOpens not readable");
		else
			compare(out, (int64_t)rec->conns_started, rec->mib_client_active_opens);
		return;
	default:
		if (rec->mib_server_active_opens < 0)
			skip(out, "Tcp ActiveOpens not readable");
		else
			compare(out, 0, rec->mib_server_active_opens);
		return;
	}
}

void sb_identity_check(const struct sb_rundata *rd, const struct sb_reconcile *rec,
		       enum sb_identity_id id, struct sb_identity *out)
{
	memset(out, 0, sizeof(*out));
	if (!rec->probes) {
		skip(out, "probes off (--no-probes)");
		return;
	}
	switch (id) {
	case SB_ID_CLIENT_ESTABLISHED:
		/* accepted + queued + ghosts + other, each connection once
		 * (join.h); a ghost is a client without a child record, so a
		 * lost child record would pass for one when ghosts are possible */
		if (comp_off(rd, SB_COMP_STATE_CHANGES, out))
			skip(out, NULL);
		else if (!rec->identity_checked && rec->lost_events)
			skip(out, "syncookies on and records lost: a ghost (client ESTABLISHED, no "
				  "server socket) cannot be told from a lost child record");
		else
			out->status = rec->identity_holds ? SB_ID_HOLDS : SB_ID_FAILS;
		return;
	case SB_ID_SYN_RETRANS:
		if (comp_off(rd, SB_COMP_SYN_RETRANSMITS, out) ||
		    comp_off(rd, SB_COMP_SYNACK_RETRANSMITS, out))
			skip(out, NULL);
		else if (rec->mib_syn_retrans < 0)
			skip(out, "TcpExt TCPSynRetrans not readable");
		else
			compare(out,
				(int64_t)(rec->probe_syn_retrans + rec->probe_synack_retrans) +
					sb_untraced_retrans_fail(rec),
				rec->mib_syn_retrans);
		return;
	case SB_ID_LISTENER_DROPS:
		if (comp_off(rd, SB_COMP_LISTENER_SAMPLER, out) || comp_off(rd, SB_COMP_DROPS, out))
			skip(out, NULL);
		else if (!drop_reason_known(rd, "TCP_LISTEN_OVERFLOW"))
			skip(out, "no TCP_LISTEN_OVERFLOW drop reason before Linux 6.15: those "
				  "drops cannot be told from others");
		else if (rec->listener_drops < 0 || rec->mib_listen_drops < 0)
			skip(out, "no listener sample or no TcpExt ListenDrops");
		else
			compare(out, rec->listener_drops,
				rec->mib_listen_drops + (int64_t)rec->listen_overflow_skb_drops);
		return;
	case SB_ID_CLIENT_SYN_RETRANS:
	case SB_ID_SERVER_SYN_RETRANS:
	case SB_ID_CLIENT_ACTIVE_OPENS:
	case SB_ID_SERVER_ACTIVE_OPENS:
		sides_check(rd, rec, id, out);
		return;
	default:
		skip(out, "unknown identity");
	}
}

void sb_identity_failures(const uint64_t *causes, int64_t attempt_fails, int64_t embryonic_rsts,
			  const char *skip_why, struct sb_identity *ids)
{
	struct sb_identity *af = &ids[SB_ID_ATTEMPT_FAILS], *er = &ids[SB_ID_EMBRYONIC_RSTS];

	memset(af, 0, sizeof(*af));
	memset(er, 0, sizeof(*er));
	/* tcp_done() in SYN_SENT counts AttemptFails: the kernel's timeout, an
	 * RST or an ICMP error; an application closing its connecting socket
	 * goes to CLOSE without it */
	af->probe = (int64_t)(causes[SB_FAIL_TIMEOUT] + causes[SB_FAIL_REFUSED] +
			      causes[SB_FAIL_UNREACHABLE] + causes[SB_FAIL_OTHER]);
	af->kernel = attempt_fails;
	/* the server counts EmbryonicRsts when it resets a request socket whose
	 * ACK met a full accept queue (tcp_abort_on_overflow), and when its
	 * request socket receives an RST */
	er->probe = (int64_t)causes[SB_FAIL_RESET];
	er->kernel = embryonic_rsts;
	if (skip_why) {
		skip(af, skip_why);
		skip(er, skip_why);
		return;
	}
	if (attempt_fails < 0)
		skip(af, "Tcp AttemptFails not readable");
	else
		af->status = holds(af->probe == attempt_fails);
	if (embryonic_rsts < 0)
		skip(er, "TcpExt EmbryonicRsts not readable");
	else
		er->status = sb_embryonic_status(er->probe, embryonic_rsts,
						 causes[SB_FAIL_ABORTED], er->why, sizeof(er->why));
}

enum sb_id_status sb_embryonic_status(int64_t resets, int64_t embryonic_rsts, uint64_t aborted,
				      char *why, size_t len)
{
	/* a client its application closed in SYN_SENT answers a SYN-ACK still
	 * coming (delay, loss) with an RST, which the server's request socket
	 * counts too: only up to that many more */
	if (embryonic_rsts > resets && (uint64_t)(embryonic_rsts - resets) <= aborted) {
		snprintf(why, len,
			 "EmbryonicRsts %lld exceeds the resets by %lld, no more than the %llu "
			 "clients their application closed in SYN_SENT (an RST to a late SYN-ACK)",
			 (long long)embryonic_rsts, (long long)(embryonic_rsts - resets),
			 (unsigned long long)aborted);
		return SB_ID_SKIPPED;
	}
	return holds(resets == embryonic_rsts);
}
