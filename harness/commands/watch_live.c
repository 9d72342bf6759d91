/* bench watch, live: every state change the probes send (the --trace-states
 * event path, always on in a watch) passes here on the probes' consumer
 * thread. CLOSE->SYN_SENT runs in the connecting task's context, so its
 * PID and COMM name the client; they are kept as tags (joined to the
 * records at the end) and per socket until ESTABLISHED for --connlat. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/run/tracefmt.h"
#include "harness/commands/watch.h"

#define NSLOTS (1u << 18) /* client sockets between SYN_SENT and ESTABLISHED */

struct pending {
	uint64_t skaddr; /* 0: empty */
	uint64_t ts;
	uint32_t pid;
	char comm[16];
};

struct sb_watch_live {
	const struct sb_watch_opts *o;
	FILE *out;
	struct sb_tracefmt *tf;
	struct pending *slots;
	struct sb_watch_tag *tags;
	size_t ntags, captags;
	int sorted;
	atomic_uint_fast64_t sockets, handshakes, events, lines;
	uint64_t pending_full; /* a connect whose latency line could not be kept */
};

static uint32_t hash(uint64_t skaddr)
{
	return (uint32_t)((skaddr >> 6) * 0x9E3779B97F4A7C15ull >> 40) & (NSLOTS - 1);
}

static struct pending *find(struct sb_watch_live *l, uint64_t skaddr)
{
	for (uint32_t i = 0, h = hash(skaddr); i < NSLOTS; i++) {
		struct pending *p = &l->slots[(h + i) & (NSLOTS - 1)];

		if (p->skaddr == skaddr)
			return p;
		if (!p->skaddr)
			return NULL;
	}
	return NULL;
}

static struct pending *insert(struct sb_watch_live *l, uint64_t skaddr)
{
	for (uint32_t i = 0, h = hash(skaddr); i < NSLOTS / 2; i++) {
		struct pending *p = &l->slots[(h + i) & (NSLOTS - 1)];

		if (!p->skaddr || p->skaddr == skaddr) {
			p->skaddr = skaddr;
			return p;
		}
	}
	return NULL;
}

/* Linear probing with backward-shift deletion: no tombstones. */
static void erase(struct sb_watch_live *l, struct pending *p)
{
	uint32_t i = (uint32_t)(p - l->slots);

	for (uint32_t j = (i + 1) & (NSLOTS - 1);; j = (j + 1) & (NSLOTS - 1)) {
		struct pending *q = &l->slots[j];
		uint32_t h;

		if (!q->skaddr)
			break;
		h = hash(q->skaddr);
		/* q may move to i if its home h is not in (i, j] cyclically */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			l->slots[i] = *q;
			i = j;
		}
	}
	l->slots[i].skaddr = 0;
}

int sb_watch_live__new(const struct sb_watch_opts *o, FILE *out, struct sb_watch_live **lp)
{
	struct sb_watch_live *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->o = o;
	l->out = out;
	l->slots = calloc(NSLOTS, sizeof(*l->slots));
	if (o->trace_states)
		l->tf = sb_tracefmt__new(out);
	if (!l->slots || (o->trace_states && !l->tf)) {
		sb_watch_live__free(l);
		return -ENOMEM;
	}
	if (o->trace_states)
		sb_tracefmt__header(l->tf);
	if (o->connlat)
		fprintf(out, "%-7s %-16s %-2s %-16s %-16s %-5s %s\n", "PID", "COMM", "IP", "SADDR",
			"DADDR", "DPORT", "LAT(ms)");
	*lp = l;
	return 0;
}

void sb_watch_live__free(struct sb_watch_live *l)
{
	if (!l)
		return;
	sb_tracefmt__free(l->tf);
	free(l->slots);
	free(l->tags);
	free(l);
}

/* 1 if process pid is in cgroup (v2 path) or below it, per
 * /proc/PID/cgroup now; 0 if not or if it has exited already. */
static int in_cgroup(uint32_t pid, const char *cgroup)
{
	char path[64], line[1024];
	size_t n = strlen(cgroup);
	FILE *f;
	int in = 0;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strncmp(p, "0::", 3) != 0) /* the cgroup v2 line */
			continue;
		p += 3;
		p[strcspn(p, "\n")] = 0;
		in = strcmp(cgroup, "/") == 0 ||
		     (strncmp(p, cgroup, n) == 0 && (p[n] == 0 || p[n] == '/'));
	}
	fclose(f);
	return in;
}

static int task_wanted(const struct sb_watch_opts *o, uint32_t pid, const char *comm,
		       int cg)
{
	if (o->pid >= 0 && (int64_t)pid != o->pid)
		return 0;
	if (o->comm[0] && strncmp(comm, o->comm, 16) != 0)
		return 0;
	if (o->cgroup[0] && !cg)
		return 0;
	return 1;
}

static void add_tag(struct sb_watch_live *l, const struct sb_state_event *e, int cg)
{
	struct sb_watch_tag *t;

	if (l->ntags == l->captags) {
		size_t cap = l->captags ? l->captags * 2 : 4096;
		struct sb_watch_tag *n = realloc(l->tags, cap * sizeof(*n));

		if (!n)
			return; /* that client's PID/COMM stay unknown */
		l->tags = n;
		l->captags = cap;
	}
	t = &l->tags[l->ntags++];
	memset(t, 0, sizeof(*t));
	t->ts_syn_sent = e->ts;
	memcpy(t->daddr, e->daddr, sizeof(t->daddr));
	t->dport = e->dport;
	t->pid = e->pid;
	t->in_cgroup = (uint8_t)cg;
	memcpy(t->comm, e->comm, sizeof(t->comm));
	t->comm[15] = 0;
}

static void connlat_line(struct sb_watch_live *l, const struct pending *p,
			 const struct sb_state_event *e)
{
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	int af = e->family == AF_INET6 ? AF_INET6 : AF_INET;

	inet_ntop(af, e->saddr, sa, sizeof(sa));
	inet_ntop(af, e->daddr, da, sizeof(da));
	fprintf(l->out, "%-7u %-16.16s %-2d %-16s %-16s %-5u %.2f\n", p->pid, p->comm,
		af == AF_INET6 ? 6 : 4, sa, da, e->dport,
		e->ts >= p->ts ? (double)(e->ts - p->ts) / 1e6 : 0.0);
	atomic_fetch_add(&l->lines, 1);
}

void sb_watch_live_on_state(void *ctx, const struct sb_state_event *e)
{
	struct sb_watch_live *l = ctx;
	const struct sb_watch_opts *o = l->o;
	int fam_ok = !o->family || e->family == o->family;
	struct pending *p;

	atomic_fetch_add(&l->events, 1);
	if (e->oldstate == SB_TCP_CLOSE && e->newstate == SB_TCP_SYN_SENT &&
	    e->role == SB_ROLE_CLIENT) {
		int cg = o->cgroup[0] && in_cgroup(e->pid, o->cgroup);

		add_tag(l, e, cg);
		if (fam_ok && task_wanted(o, e->pid, e->comm, cg)) {
			atomic_fetch_add(&l->sockets, 1);
			p = insert(l, e->skaddr);
			if (p) {
				p->ts = e->ts;
				p->pid = e->pid;
				memcpy(p->comm, e->comm, sizeof(p->comm));
				p->comm[15] = 0;
			} else {
				l->pending_full++;
			}
		}
	} else if (e->oldstate == SB_TCP_LISTEN && e->newstate == SB_TCP_SYN_RECV &&
		   e->role == SB_ROLE_CHILD) {
		/* a server child: no task to filter on (softirq) */
		if (fam_ok && o->pid < 0 && !o->comm[0] && !o->cgroup[0])
			atomic_fetch_add(&l->sockets, 1);
	} else if (e->role == SB_ROLE_CLIENT && e->oldstate == SB_TCP_SYN_SENT) {
		/* a selected client leaves SYN_SENT: a handshake, or a failure */
		p = find(l, e->skaddr);
		if (p && e->newstate == SB_TCP_ESTABLISHED) {
			atomic_fetch_add(&l->handshakes, 1);
			if (o->connlat)
				connlat_line(l, p, e);
		}
		if (p)
			erase(l, p);
	}
	if (l->tf && fam_ok)
		sb_tracefmt__event(l->tf, e);
}

uint64_t sb_watch_live__sockets(const struct sb_watch_live *l)
{
	return atomic_load(&((struct sb_watch_live *)l)->sockets);
}

uint64_t sb_watch_live__handshakes(const struct sb_watch_live *l)
{
	return atomic_load(&((struct sb_watch_live *)l)->handshakes);
}

uint64_t sb_watch_live__events(const struct sb_watch_live *l)
{
	return atomic_load(&((struct sb_watch_live *)l)->events);
}

uint64_t sb_watch_live__connlat_lines(const struct sb_watch_live *l)
{
	return atomic_load(&((struct sb_watch_live *)l)->lines);
}

static int tag_cmp(const void *a, const void *b)
{
	const struct sb_watch_tag *x = a, *y = b;

	return x->ts_syn_sent < y->ts_syn_sent ? -1 : x->ts_syn_sent > y->ts_syn_sent;
}

const struct sb_watch_tag *sb_watch_live__tags(struct sb_watch_live *l, size_t *n)
{
	if (!l->sorted && l->ntags)
		qsort(l->tags, l->ntags, sizeof(*l->tags), tag_cmp);
	l->sorted = 1;
	*n = l->ntags;
	return l->tags;
}

const struct sb_watch_tag *sb_watch_live__find(struct sb_watch_live *l,
					       const struct sb_conn_rec *r)
{
	uint64_t ts = r->ts[SB_TCP_SYN_SENT];
	size_t n, lo = 0, hi;
	const struct sb_watch_tag *t = sb_watch_live__tags(l, &n);

	if (!ts || r->role != SB_ROLE_CLIENT)
		return NULL;
	hi = n;
	while (lo < hi) { /* first tag with ts_syn_sent >= ts */
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].ts_syn_sent < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && t[lo].ts_syn_sent == ts; lo++)
		if (t[lo].dport == r->dport &&
		    (r->family == AF_INET6 ? memcmp(t[lo].daddr, r->daddr, 16) == 0
					   : t[lo].daddr[0] == r->daddr[0]))
			return &t[lo];
	return NULL;
}

/* ---- into the one result model ---- */

/* The kview's tag callback: the connecting task of a client record. */
static int tag_of(void *ctx, const struct sb_conn_rec *r, uint32_t *pid, char comm[16],
		  int *in_cgroup)
{
	const struct sb_watch_tag *t = sb_watch_live__find(ctx, r);

	if (!t)
		return 0;
	*pid = t->pid;
	memcpy(comm, t->comm, 16);
	*in_cgroup = t->in_cgroup;
	return 1;
}

void sb_watch_info_of(const struct sb_watch_opts *o, struct sb_watch_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->netns, sizeof(info->netns), "%s", o->netns);
	memcpy(info->ports, o->ports, sizeof(info->ports));
	info->nports = o->nports;
	info->pid = o->pid;
	snprintf(info->comm, sizeof(info->comm), "%s", o->comm);
	snprintf(info->cgroup, sizeof(info->cgroup), "%s", o->cgroup);
	info->family = o->family;
	info->filtered = sb_watch_filtered(o);
	info->duration_s = o->duration_s;
	info->max_conns = o->max_conns;
	info->connlat = o->connlat;
	info->trace_states = o->trace_states;
	info->attach = (int)o->attach;
	info->sample_us = o->sample_us;
	snprintf(info->out, sizeof(info->out), "%s", o->out);
	snprintf(info->label, sizeof(info->label), "%s", o->label[0] ? o->label : "watch");
}

void sb_watch_kview_opts(const struct sb_watch_opts *o, struct sb_watch_live *l,
			 const struct sb_watch_info *info, struct sb_kview_opts *ko)
{
	memset(ko, 0, sizeof(*ko));
	ko->family = o->family;
	ko->tag = l ? tag_of : NULL; /* --serve: no live events, no tags */
	ko->tag_ctx = l;
	ko->pid = info->pid;
	ko->comm = info->comm;
	ko->cgroup = info->cgroup[0] != 0;
	ko->filter_name = o->nports	 ? "--port"
			  : o->pid >= 0	 ? "--pid"
			  : o->comm[0]	 ? "--comm"
			  : o->cgroup[0] ? "--cgroup"
			  : o->family	 ? (o->family == AF_INET ? "--ipv4" : "--ipv6")
					 : NULL;
	ko->ports = info->ports;
	ko->nports = info->nports;
	ko->ns_listen_ports = info->ns_listen_ports;
	ko->ns_nlisten_ports = info->ns_nlisten_ports;
}
