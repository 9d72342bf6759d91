/* Every listener socket on its own, written out (listeners_out.h). */
#include "harness/output/listeners_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/mib.h"
#include "harness/run/netns.h"

static const char *family_name(uint16_t f)
{
	return f == 2 ? "ipv4" : f == 10 ? "ipv6" : "other";
}

static void json_ratio(struct sb_json *js, const char *key, double v)
{
	if (isnan(v))
		sb_json_null(js, key);
	else
		sb_json_fixed(js, key, v, 3);
}

/* --close-socket: when the socket closed (ms into the load) and the
 * connections its accept queue held then; null for one open to the end */
static void closed_json(struct sb_json *js, const struct sb_rundata *rd,
			const struct sb_listener_stat *l)
{
	const struct sb_own_listener *o =
	    l->own && l->index >= 0 && (uint32_t)l->index < rd->nown ? &rd->own[l->index] : NULL;

	if (!o || !o->closed_ns) {
		sb_json_null(js, "closed_at_ms");
		sb_json_null(js, "queued_at_close");
		return;
	}
	sb_json_fixed(js, "closed_at_ms",
		      o->closed_ns > rd->t_start_ns ? (double)(o->closed_ns - rd->t_start_ns) / 1e6 : 0,
		      3);
	sb_json_i64_or_null(js, "queued_at_close", o->queued_at_close);
}

/* --close-socket: the restart's figures, or null: the socket, when, its
 * queue then, tcp_migrate_req, what the kernel moved (TcpExt
 * TCPMigrateReq*) and the clients the close reset */
static void restart_json(struct sb_json *js, const struct sb_rundata *rd,
			 const struct sb_result *res)
{
	const struct sb_own_listener *o = NULL;
	uint32_t k;

	for (k = 0; k < rd->nown && !o; k++)
		if (rd->own[k].closed_ns)
			o = &rd->own[k];
	if (!o) {
		sb_json_null(js, "restart");
		return;
	}
	sb_json_obj_begin(js, "restart");
	sb_json_uint(js, "socket", k - 1);
	sb_json_fixed(js, "at_ms",
		      o->closed_ns > rd->t_start_ns ? (double)(o->closed_ns - rd->t_start_ns) / 1e6 : 0,
		      3);
	sb_json_i64_or_null(js, "queued", o->queued_at_close);
	sb_json_i64_or_null(js, "migrate_req",
			    sb_sysctls_recorded(rd, "net.ipv4.tcp_migrate_req"));
	sb_json_i64_or_null(js, "migrated",
			    sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPMigrateReqSuccess", -1));
	sb_json_i64_or_null(js, "migrate_failed",
			    sb_mib_delta_or(rd->mib, rd->nmib, "TcpExt", "TCPMigrateReqFailure", -1));
	sb_json_uint(js, "reset", res->counts.resets_queued);
	sb_json_obj_end(js);
}

void sb_listeners_json(struct sb_json *js, const struct sb_rundata *rd,
		       const struct sb_result *res)
{
	const struct sb_listeners *ls = &res->listeners;
	char pol[32];

	if (!ls->n)
		return;
	sb_json_obj_begin(js, "listeners");
	sb_json_uint(js, "port", rd->opts ? rd->opts->port : 0);
	sb_json_uint(js, "reuseport", rd->opts ? rd->opts->reuseport : 0);
	sb_json_arr_begin(js, "sockets");
	for (size_t i = 0; i < ls->n; i++) {
		const struct sb_listener_stat *l = &ls->l[i];

		sb_json_obj_begin(js, NULL);
		sb_json_uint(js, "port", l->port);
		sb_json_str(js, "family", family_name(l->family));
		sb_json_int(js, "index", l->index);
		sb_json_uint(js, "cookie", l->cookie);
		if (l->own)
			sb_json_str(js, "policy", lg_accept_policy_str(&l->policy, pol, sizeof(pol)));
		else
			sb_json_null(js, "policy");
		sb_json_i64_or_null(js, "accepts", l->accepts);
		sb_json_int(js, "drops", l->drops);
		sb_json_uint(js, "max_accept_queue", l->max_queue);
		sb_json_uint(js, "limit", l->limit);
		sb_json_uint(js, "samples", l->samples);
		sb_json_uint(js, "full_samples", l->full_samples);
		sb_json_fixed(js, "time_full_ms", (double)l->full_ns / 1e6, 3);
		sb_json_uint(js, "dropped_while_sibling_had_room", l->dropped_sibling_room);
		closed_json(js, rd, l);
		if (l->owner) {
			sb_json_int(js, "pid", l->owner->pid);
			sb_json_str(js, "comm", l->owner->comm);
		} else {
			sb_json_null(js, "pid");
			sb_json_null(js, "comm");
		}
		sb_json_i64_or_null(js, "incoming_cpu", l->incoming_cpu);
		sb_json_obj_end(js);
	}
	sb_json_arr_end(js);
	sb_json_uint(js, "untracked_samples", ls->untracked);
	sb_json_int(js, "drops_sum", ls->drops_sum);
	sb_json_i64_or_null(js, "accepts_sum", ls->accepts_sum);
	json_ratio(js, "accepts_imbalance", ls->accepts_imbalance);
	json_ratio(js, "drops_imbalance", ls->drops_imbalance);
	if (ls->overflow_socket < 0) {
		sb_json_null(js, "overflow_with_room");
	} else {
		sb_json_obj_begin(js, "overflow_with_room");
		sb_json_int(js, "socket", ls->overflow_socket);
		sb_json_int(js, "sibling", ls->room_socket);
		sb_json_uint(js, "passes", ls->overflow_passes);
		sb_json_obj_end(js);
	}
	restart_json(js, rd, res);
	sb_json_obj_end(js);
}
