/* Every listener socket on its own, written out (listeners_out.h). */
#include "harness/output/listeners_out.h"

#include <inttypes.h>
#include <math.h>

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
	sb_json_obj_end(js);
}
