/* Every listener socket on its own (listeners.h). */
#include "harness/analysis/listeners.h"

#include <math.h>
#include <string.h>

double sb_listeners_imbalance(const int64_t *v, size_t n)
{
	int64_t max = 0;
	double sum = 0;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (v[i] > max)
			max = v[i];
		sum += (double)v[i];
	}
	return sum > 0 ? (double)max / (sum / (double)n) : NAN;
}

static struct sb_listener_stat *find(struct sb_listeners *o, const struct sb_rundata *rd,
				     const struct sb_listen_sample *s)
{
	struct sb_listener_stat *l;
	int32_t idx = 0;

	for (size_t i = 0; i < o->n; i++) {
		l = &o->l[i];
		if (l->port == s->port && l->family == s->family && l->cookie == s->cookie)
			return l;
		idx += l->port == s->port && l->family == s->family;
	}
	if (o->n == SB_MAX_LISTENERS) {
		o->untracked++;
		return NULL;
	}
	l = &o->l[o->n++];
	memset(l, 0, sizeof(*l));
	l->port = s->port;
	l->family = s->family;
	l->cookie = s->cookie;
	l->index = idx;
	l->accepts = -1;
	l->first_drops = s->drops;
	l->drops_at_close = -1;
	l->incoming_cpu = -1;
	for (size_t k = 0; s->cookie && k < rd->nowners; k++)
		if (rd->owners[k].cookie == s->cookie && rd->owners[k].pid >= 0)
			l->owner = &rd->owners[k];
	for (uint32_t k = 0; s->cookie && k < rd->nown; k++)
		if (rd->own[k].cookie == s->cookie) {
			l->own = 1;
			l->index = (int32_t)k;
			l->accepts = (int64_t)rd->own[k].accepts;
			l->policy = rd->own[k].policy;
			l->drops_at_close = rd->own[k].drops_at_close;
		}
	return l;
}

static int full(const struct sb_listen_sample *s)
{
	return s->ack_backlog >= s->max_ack_backlog + 1;
}

/* One sampler pass s[0..k): who dropped (sk_drops above prev, its own
 * previous sample's) while a sibling on its port had room. */
static void pass(struct sb_listener_stat **ls, const struct sb_listen_sample *s,
		 const uint32_t *prev, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		int room = 0;

		if (!ls[i] || s[i].drops <= prev[i])
			continue;
		for (size_t j = 0; j < k; j++)
			if (j != i && ls[j] && s[j].port == s[i].port &&
			    s[j].family == s[i].family && s[j].ack_backlog < s[j].max_ack_backlog) {
				ls[j]->room_sibling_dropped++;
				room = 1;
			}
		ls[i]->dropped_sibling_room += room;
	}
}

/* Totals over the run's port (0: all), the imbalance and the overflowing
 * socket with the sibling that most often had room meanwhile. */
static void totals(struct sb_listeners *out, uint16_t port, int from_first)
{
	int64_t acc[SB_MAX_LISTENERS], drp[SB_MAX_LISTENERS];
	const struct sb_listener_stat *worst = NULL, *room = NULL;
	size_t m = 0;

	for (size_t i = 0; i < out->n; i++) {
		struct sb_listener_stat *l = &out->l[i];

		/* a watch: gained since its first sample (the sockets were there
		 * before); a run's were made with it, and one closed mid-run
		 * dropped on after its last sample */
		if (from_first)
			l->drops = (int64_t)l->last_drops - (int64_t)l->first_drops;
		else
			l->drops = l->drops_at_close > (int64_t)l->last_drops
				       ? l->drops_at_close
				       : (int64_t)l->last_drops;
		if (port && l->port != port)
			continue;
		acc[m] = l->accepts;
		drp[m++] = l->drops;
		out->drops_sum += l->drops;
		if (out->accepts_sum >= 0)
			out->accepts_sum = l->accepts < 0 ? -1 : out->accepts_sum + l->accepts;
		if (l->dropped_sibling_room && (!worst || l->dropped_sibling_room >
							      worst->dropped_sibling_room))
			worst = l;
	}
	out->drops_imbalance = sb_listeners_imbalance(drp, m);
	out->accepts_imbalance = out->accepts_sum >= 0 ? sb_listeners_imbalance(acc, m) : NAN;
	if (!worst)
		return;
	for (size_t i = 0; i < out->n; i++) {
		const struct sb_listener_stat *l = &out->l[i];

		if (l != worst && l->port == worst->port && l->family == worst->family &&
		    l->room_sibling_dropped && (!room || l->room_sibling_dropped >
							     room->room_sibling_dropped))
			room = l;
	}
	out->overflow_socket = worst->index;
	out->overflow_passes = worst->dropped_sibling_room;
	out->room_socket = room ? room->index : -1;
}

void sb_listeners_compute(const struct sb_rundata *rd, uint16_t port, struct sb_listeners *out)
{
	struct sb_listener_stat *ls[SB_MAX_LISTENERS];
	uint32_t prev[SB_MAX_LISTENERS];
	size_t a = 0, k = 0;

	memset(out, 0, sizeof(*out));
	out->overflow_socket = out->room_socket = -1;
	for (size_t i = 0; i < rd->nsamples; i++) {
		const struct sb_listen_sample *s = &rd->samples[i];
		struct sb_listener_stat *l = find(out, rd, s);
		int again = 0;

		/* a pass shows each socket once: one seen again starts the next */
		for (size_t j = 0; j < k && l; j++)
			again |= ls[j] == l;
		if (again || k == SB_MAX_LISTENERS) {
			pass(ls, rd->samples + a, prev, k);
			a = i;
			k = 0;
		}
		ls[k] = l;
		prev[k++] = l && l->samples ? l->last_drops : s->drops;
		if (!l)
			continue;
		if (l->samples && l->last_full && s->ts > l->last_ts)
			l->full_ns += s->ts - l->last_ts;
		l->samples++;
		if (s->ack_backlog > l->max_queue)
			l->max_queue = s->ack_backlog;
		l->limit = s->max_ack_backlog;
		l->last_full = full(s);
		l->full_samples += (uint64_t)l->last_full;
		l->last_drops = s->drops;
		l->last_ts = s->ts;
		if (s->incoming_cpu)
			l->incoming_cpu = (int32_t)s->incoming_cpu - 1;
		else if (l->owner)
			l->incoming_cpu = l->owner->incoming_cpu;
	}
	if (k)
		pass(ls, rd->samples + a, prev, k);
	totals(out, port, rd->watch != NULL);
}
