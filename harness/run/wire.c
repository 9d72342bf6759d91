/* A host's results and the hello over the control channel (wire.h). */
#include "harness/run/wire.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/wire_rec.h"

/* ---- the meta blob: scalars as "key value" lines ---- */

enum mtype { MT_U64, MT_INT, MT_F64, MT_STR };

struct mkey {
	const char *name;
	enum mtype t;
	size_t off, size; /* MT_STR: the field's size */
	int lo, hi;	  /* MT_INT: the accepted range */
};

#define RD(f) offsetof(struct sb_rundata, f)
#define U64(n, f) {n, MT_U64, RD(f), 0, 0, 0}
#define INT(n, f, lo, hi) {n, MT_INT, RD(f), 0, lo, hi}
#define F64(n, f) {n, MT_F64, RD(f), 0, 0, 0}
#define STR(n, f) {n, MT_STR, RD(f), sizeof(((struct sb_rundata *)0)->f), 0, 0}

/* Every scalar the coordinator reads of a host, and nothing else: no
 * pointer, no path (server_log, a host's log are the coordinator's own). */
static const struct mkey keys[] = {
	STR("kernel_release", kernel_release),
	STR("attach_plan", attach_plan),
	STR("started_at", started_at),
	U64("t_start_ns", t_start_ns),
	U64("t_end_ns", t_end_ns),
	INT("interrupted", interrupted, 0, 1),
	INT("stop_reason", stop_reason, 0, SB_NSTOPS - 1),
	U64("conns_unstarted", conns_unstarted),
	U64("records_lost", records_lost),
	U64("max_rss_kb", max_rss_kb),
	F64("cpu_user_s", cpu_user_s),
	F64("cpu_sys_s", cpu_sys_s),
	INT("effective_backlog", effective_backlog, -1, INT_MAX),
	U64("netns_inode", netns_inode),
	U64("client_netns_inode", client_netns_inode),
	INT("retrans_fail_untraced", retrans_fail_untraced, 0, 1),
	U64("lost_samples", lost_samples),
	U64("missed_events", missed_events),
	U64("kernel_map_bytes", kernel_map_bytes),
	U64("state_misses_recovered", state_misses_recovered),
	U64("bpf_run_ns", bpf_run_ns),
	U64("bpf_runs", bpf_runs),
	U64("client.started", client.started),
	U64("client.done", client.done),
	U64("client.ok", client.ok),
	U64("client.failed", client.failed),
	U64("client.behind_schedule", client.behind_schedule),
	U64("client.max_lag_ns", client.max_lag_ns),
	U64("client.port_retries", client.port_retries),
	U64("client.t_start", client.t_start),
	U64("client.t_end", client.t_end),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define NBUCKETS ((size_t)SB_NHISTS * SB_HIST_BUCKETS)
#define META_LINE_MAX 1024

/* Absolute caps, whatever the run: what any real host stays under. */
static const uint64_t abs_cap[SB_NWIRE_KINDS] = {
	[SB_WK_KRECS] = 4 * SB_MAX_CONNS,
	[SB_WK_SAMPLES] = 1ull << 26,
	[SB_WK_CONNS] = SB_MAX_CONNS,
	[SB_WK_ACCEPTS] = SB_MAX_CONNS + 1024,
	[SB_WK_MIB] = 4096,
	[SB_WK_CLIENT_MIB] = 4096,
	[SB_WK_SYSCTLS] = 64,
	[SB_WK_HISTS] = NBUCKETS,
};

uint64_t sb_wire_cap(const struct sb_wire_expect *x, int k)
{
	uint64_t cap = abs_cap[k], rel = cap, ticks;

	switch (k) {
	case SB_WK_KRECS: /* a client record or a child (or a few) per connection */
		rel = 4 * x->conns + 4096;
		break;
	case SB_WK_CONNS: /* exactly its share; the server makes none */
		rel = x->server ? 0 : x->conns;
		break;
	case SB_WK_ACCEPTS: /* the listener's record array: conns + 1024 */
		rel = x->server ? x->conns + 1024 : 0;
		break;
	case SB_WK_SAMPLES: /* a batch of at most 64 per period, for its time up */
		ticks = x->run_ns / 1000 / (x->sample_us ? x->sample_us : 1) + 16;
		rel = ticks > cap / 64 ? cap : ticks * 64;
		break;
	}
	return rel < cap ? rel : cap;
}

/* A decimal without sign, within 64 bits. */
int sb_wire_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 0;
}

int sb_wire_int(const char *s, int lo, int hi, int *v)
{
	uint64_t u;
	int neg = *s == '-';

	if (sb_wire_u64(s + neg, &u) || u > (uint64_t)INT_MAX + neg)
		return -1;
	if ((neg ? -(int64_t)u : (int64_t)u) < lo || (neg ? -(int64_t)u : (int64_t)u) > hi)
		return -1;
	*v = (int)(neg ? -(int64_t)u : (int64_t)u);
	return 0;
}

int sb_wire_split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* A kernel drop reason's name: letters, digits, _ (1..63). */
static int drop_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

char *sb_wire_printable(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	if (!len)
		return dst;
	for (; src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] >= 0x20 && (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[i] = 0;
	return dst;
}

/* ---- sending ---- */

static void meta_write(FILE *f, const struct sb_rundata *rd, uint64_t nbuckets)
{
	const char *base = (const char *)rd;
	char s[256];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct mkey *k = &keys[i];

		switch (k->t) {
		case MT_U64:
			fprintf(f, "%s %llu\n", k->name,
				(unsigned long long)*(const uint64_t *)(base + k->off));
			break;
		case MT_INT:
			fprintf(f, "%s %d\n", k->name, *(const int *)(base + k->off));
			break;
		case MT_F64: {
			double d = *(const double *)(base + k->off);

			fprintf(f, "%s %.17g\n", k->name, isfinite(d) && d >= 0 ? d : 0.0);
			break;
		}
		case MT_STR:
			sb_wire_printable(s, k->size < sizeof(s) ? k->size : sizeof(s), base + k->off);
			fprintf(f, "%s%s%s\n", k->name, s[0] ? " " : "", s);
			break;
		}
	}
	fprintf(f, "counters");
	for (int c = 0; c < SB_NCOUNTERS; c++)
		fprintf(f, " %llu", (unsigned long long)rd->counters[c]);
	fprintf(f, "\n");
	for (int c = 0; c < SB_NCOMPONENTS; c++) {
		const struct sb_component_state *st = &rd->components.c[c];

		fprintf(f, "component.%s.mode %s\n", sb_component_name(c),
			sb_comp_mode_name(st->mode));
		if (st->error[0])
			fprintf(f, "component.%s.error %s\n", sb_component_name(c),
				sb_wire_printable(s, sizeof(s), st->error));
	}
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++) {
		if (rd->drops[v])
			fprintf(f, "drop %zu %llu\n", v, (unsigned long long)rd->drops[v]);
		if (rd->drop_names[v] && drop_name_ok(rd->drop_names[v]))
			fprintf(f, "drop_name %zu %s\n", v, rd->drop_names[v]);
	}
	fprintf(f, "hists %d\n", rd->hists ? 1 : 0);
	fprintf(f, "n.krecs %zu\nn.samples %zu\nn.conns %zu\nn.accepts %zu\n", rd->nkrecs,
		rd->nsamples, rd->nconns, rd->naccepts);
	fprintf(f, "n.mib %zu\nn.client_mib %zu\nn.sysctls %zu\nn.hists %llu\n", rd->nmib,
		rd->nclient_mib, rd->nsysctls, (unsigned long long)nbuckets);
}

/* One array as a blob of encoded records, in batches. */
static int send_array(struct sb_ctl *c, enum sb_wire_kind k, const void *recs, size_t n)
{
	size_t ws = sb_wire_rec_size(k), ms = sb_wire_mem_size(k), batch = 1024;
	unsigned char *buf;
	int e;

	if (!n)
		return 0;
	buf = malloc(batch * ws);
	if (!buf)
		return -ENOMEM;
	e = sb_ctl_send(c, "blob %s %zu", sb_wire_kind_name(k), n * ws);
	for (size_t i = 0; i < n && !e; i += batch) {
		size_t m = n - i < batch ? n - i : batch;

		for (size_t j = 0; j < m; j++)
			sb_wire_rec_encode(k, (const char *)recs + (i + j) * ms, buf + j * ws);
		e = sb_ctl_send_bytes(c, buf, m * ws);
	}
	free(buf);
	return e;
}

int sb_wire_send(struct sb_ctl *c, const struct sb_rundata *rd)
{
	struct sb_wire_bucket *b = NULL;
	uint64_t nb = 0;
	char *meta = NULL;
	size_t len = 0;
	FILE *f;
	int e;

	if (rd->hists) {
		for (size_t i = 0; i < NBUCKETS; i++)
			nb += rd->hists[i] != 0;
		b = calloc(nb ? nb : 1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		nb = 0;
		for (size_t i = 0; i < NBUCKETS; i++)
			if (rd->hists[i])
				b[nb++] = (struct sb_wire_bucket){(uint32_t)i, rd->hists[i]};
	}
	f = open_memstream(&meta, &len);
	if (!f) {
		free(b);
		return -ENOMEM;
	}
	meta_write(f, rd, nb);
	e = fclose(f) ? -ENOMEM : 0;
	if (!e)
		e = sb_ctl_send_blob(c, "meta", meta, len);
	free(meta);
	if (!e)
		e = send_array(c, SB_WK_KRECS, rd->krecs, rd->nkrecs);
	if (!e)
		e = send_array(c, SB_WK_SAMPLES, rd->samples, rd->nsamples);
	if (!e)
		e = send_array(c, SB_WK_CONNS, rd->conns, rd->nconns);
	if (!e)
		e = send_array(c, SB_WK_ACCEPTS, rd->accepts, rd->naccepts);
	if (!e)
		e = send_array(c, SB_WK_MIB, rd->mib, rd->nmib);
	if (!e)
		e = send_array(c, SB_WK_CLIENT_MIB, rd->client_mib, rd->nclient_mib);
	if (!e)
		e = send_array(c, SB_WK_SYSCTLS, rd->sysctls, rd->nsysctls);
	if (!e)
		e = send_array(c, SB_WK_HISTS, b, (size_t)nb);
	free(b);
	return e ? e : sb_ctl_send(c, "end");
}

/* ---- receiving ---- */

struct rx {
	struct sb_rundata *rd;
	const struct sb_wire_expect *x;
	uint64_t n[SB_NWIRE_KINDS]; /* counted in meta */
	void *arr[SB_NWIRE_KINDS];  /* received */
	int got[SB_NWIRE_KINDS];
	int has_hists;
	/* what meta said already: each at most once */
	unsigned char seen_key[NKEYS], seen_n[SB_NWIRE_KINDS], seen_counters, seen_hists;
	unsigned char seen_mode[SB_NCOMPONENTS], seen_error[SB_NCOMPONENTS];
	unsigned char seen_drop[SB_MAX_DROP_REASONS], seen_name[SB_MAX_DROP_REASONS];
	char *why;
	size_t len;
};

#define REFUSE(x, ...) (snprintf((x)->why, (x)->len, __VA_ARGS__), -EPROTO)

static int meta_scalar(struct rx *x, size_t i, const char *val)
{
	const struct mkey *k = &keys[i];
	char *base = (char *)x->rd, *end;
	double d;

	if (x->seen_key[i]++)
		return REFUSE(x, "meta: %s twice", k->name);
	switch (k->t) {
	case MT_U64:
		if (sb_wire_u64(val, (uint64_t *)(base + k->off)))
			return REFUSE(x, "meta: %s is no unsigned 64-bit number", k->name);
		return 0;
	case MT_INT:
		if (sb_wire_int(val, k->lo, k->hi, (int *)(base + k->off)))
			return REFUSE(x, "meta: %s out of range %d..%d", k->name, k->lo, k->hi);
		return 0;
	case MT_F64:
		d = strtod(val, &end);
		if (!*val || *end || !isfinite(d) || d < 0 || d > 1e12)
			return REFUSE(x, "meta: %s is no number of seconds", k->name);
		*(double *)(base + k->off) = d;
		return 0;
	case MT_STR:
		if (strlen(val) >= k->size || !printable(val))
			return REFUSE(x, "meta: %s longer than %zu or not printable", k->name,
				      k->size - 1);
		memcpy(base + k->off, val, strlen(val) + 1);
		return 0;
	}
	return 0;
}

static int meta_counters(struct rx *x, char *val)
{
	char *save = NULL, *t = strtok_r(val, " ", &save);
	int c = 0;

	if (x->seen_counters++)
		return REFUSE(x, "meta: counters twice");
	for (; t; t = strtok_r(NULL, " ", &save), c++)
		if (c >= SB_NCOUNTERS || sb_wire_u64(t, &x->rd->counters[c]))
			break;
	if (t || c != SB_NCOUNTERS)
		return REFUSE(x, "meta: counters are not %d unsigned numbers", SB_NCOUNTERS);
	return 0;
}

/* "component.NAME.mode MODE" or "component.NAME.error TEXT" */
static int meta_component(struct rx *x, const char *key, const char *val)
{
	for (int c = 0; c < SB_NCOMPONENTS; c++) {
		const char *name = sb_component_name(c);
		size_t n = strlen(name);
		struct sb_component_state *st = &x->rd->components.c[c];
		int m;

		if (strncmp(key, name, n) != 0)
			continue;
		if (strcmp(key + n, ".mode") == 0) {
			m = sb_comp_mode_parse(val);
			if (x->seen_mode[c]++ || m < 0 || m >= SB_NMODES ||
			    (m != SB_MODE_OFF && !sb_component_has_mode(c, m)))
				return REFUSE(x, "meta: component %s: mode '%.32s' twice or unknown",
					      name, val);
			st->mode = (enum sb_comp_mode)m;
			return 0;
		}
		if (strcmp(key + n, ".error") == 0) {
			if (x->seen_error[c]++ || strlen(val) >= sizeof(st->error) || !printable(val))
				return REFUSE(x, "meta: component %s: error twice, too long or "
						 "not printable", name);
			memcpy(st->error, val, strlen(val) + 1);
			return 0;
		}
	}
	return REFUSE(x, "meta: unknown field component.%.40s", key);
}

/* "drop V N" or "drop_name V NAME" */
static int meta_drop(struct rx *x, int named, char *val)
{
	char *sp = strchr(val, ' ');
	uint64_t v, n;

	if (!sp)
		return REFUSE(x, "meta: a drop reason without its value");
	*sp = 0;
	if (sb_wire_u64(val, &v) || v >= SB_MAX_DROP_REASONS)
		return REFUSE(x, "meta: drop reason %.20s out of range 0..%d", val,
			      SB_MAX_DROP_REASONS - 1);
	if (!named) {
		if (x->seen_drop[v]++ || sb_wire_u64(sp + 1, &n))
			return REFUSE(x, "meta: drop %llu twice or not a count",
				      (unsigned long long)v);
		x->rd->drops[v] = n;
		return 0;
	}
	if (x->seen_name[v]++ || !drop_name_ok(sp + 1))
		return REFUSE(x, "meta: drop_name %llu twice or not 1..63 of A-Z, a-z, 0-9, _",
			      (unsigned long long)v);
	x->rd->drop_names[v] = strdup(sp + 1);
	return x->rd->drop_names[v] ? 0 : -ENOMEM;
}

/* "n.KIND N": checked against its cap now, before anything is read */
static int meta_count(struct rx *x, const char *kind, const char *val)
{
	int k = sb_wire_kind_parse(kind);
	uint64_t cap;

	if (k < 0)
		return REFUSE(x, "meta: unknown field n.%.40s", kind);
	if (x->seen_n[k]++ || sb_wire_u64(val, &x->n[k]))
		return REFUSE(x, "meta: n.%s twice or not a count", kind);
	cap = sb_wire_cap(x->x, k);
	if (x->n[k] > cap)
		return REFUSE(x, "%s: %llu announced, over the cap of %llu for this host", kind,
			      (unsigned long long)x->n[k], (unsigned long long)cap);
	return 0;
}

static int meta_line(struct rx *x, char *line)
{
	char *val = strchr(line, ' ');

	if (val)
		*val++ = 0;
	else
		val = line + strlen(line);
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(line, keys[i].name) == 0)
			return meta_scalar(x, i, val);
	if (strcmp(line, "counters") == 0)
		return meta_counters(x, val);
	if (strncmp(line, "component.", 10) == 0)
		return meta_component(x, line + 10, val);
	if (strcmp(line, "drop") == 0 || strcmp(line, "drop_name") == 0)
		return meta_drop(x, line[4] == '_', val);
	if (strncmp(line, "n.", 2) == 0)
		return meta_count(x, line + 2, val);
	if (strcmp(line, "hists") == 0) {
		if (x->seen_hists++ || (strcmp(val, "0") != 0 && strcmp(val, "1") != 0))
			return REFUSE(x, "meta: hists twice or not 0 or 1");
		x->has_hists = val[0] == '1';
		return 0;
	}
	return REFUSE(x, "meta: unknown field %.40s", printable(line) ? line : "(not printable)");
}

static int meta_parse(struct rx *x, char *text, size_t n)
{
	char *p = text, *end = text + n;

	if (n && text[n - 1] != '\n')
		return REFUSE(x, "meta: its last line unfinished");
	if (memchr(text, 0, n))
		return REFUSE(x, "meta: a NUL byte");
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		int e;

		if ((size_t)(nl - p) > META_LINE_MAX)
			return REFUSE(x, "meta: a line over %d bytes", META_LINE_MAX);
		*nl = 0;
		e = meta_line(x, p);
		if (e)
			return e;
		p = nl + 1;
	}
	if (x->n[SB_WK_HISTS] && !x->has_hists)
		return REFUSE(x, "meta: histogram buckets without histograms");
	return 0;
}

/* One array blob of n announced bytes: records decoded and checked as
 * they come, the array growing with what came (never to what was
 * announced before it came). */
static int recv_array(struct sb_ctl *c, struct rx *x, int k, uint64_t bytes, uint64_t deadline)
{
	size_t ws = sb_wire_rec_size(k), ms = sb_wire_mem_size(k), batch = 1024, have = 0, cap = 0;
	uint64_t n = x->n[k];
	unsigned char *buf;
	char *arr = NULL;
	char why[160];
	int e = 0;

	if (x->got[k]++)
		return REFUSE(x, "%s twice", sb_wire_kind_name(k));
	if (!n || bytes != n * ws)
		return REFUSE(x, "%s: %llu bytes announced, meta counted %llu records of %zu bytes",
			      sb_wire_kind_name(k), (unsigned long long)bytes,
			      (unsigned long long)n, ws);
	buf = malloc(batch * ws);
	if (!buf)
		return -ENOMEM;
	while (have < n && !e) {
		size_t m = n - have < batch ? (size_t)(n - have) : batch;

		e = sb_ctl_read(c, buf, m * ws, deadline);
		if (e)
			break;
		if (have + m > cap) {
			size_t nc = cap ? cap * 2 : 1024;
			char *a;

			while (nc < have + m)
				nc *= 2;
			if (nc > n)
				nc = (size_t)n;
			a = realloc(arr, nc * ms);
			if (!a) {
				e = -ENOMEM;
				break;
			}
			arr = a;
			cap = nc;
		}
		for (size_t j = 0; j < m && !e; j++, have++) {
			void *rec = arr + have * ms;

			e = sb_wire_rec_decode(k, buf + j * ws, rec, why, sizeof(why));
			if (!e && k == SB_WK_HISTS && have &&
			    ((struct sb_wire_bucket *)rec)->index <=
				((struct sb_wire_bucket *)rec - 1)->index)
				e = REFUSE(x, "hists: buckets not in increasing order");
			else if (e)
				e = REFUSE(x, "%s record %zu: %s", sb_wire_kind_name(k), have, why);
		}
	}
	free(buf);
	x->arr[k] = arr;
	return e;
}

static void rx_free(struct rx *x)
{
	for (int k = 0; k < SB_NWIRE_KINDS; k++) {
		free(x->arr[k]);
		x->arr[k] = NULL;
	}
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++) {
		free((void *)x->rd->drop_names[v]);
		x->rd->drop_names[v] = NULL;
	}
	free(x->rd->hists);
	x->rd->hists = NULL;
}

/* What came into rd: the arrays, the histograms from their buckets. */
static int rx_take(struct rx *x)
{
	struct sb_rundata *rd = x->rd;

	for (int k = 0; k < SB_NWIRE_KINDS; k++)
		if (x->n[k] && !x->got[k])
			return REFUSE(x, "meta counted %llu %s, none came",
				      (unsigned long long)x->n[k], sb_wire_kind_name(k));
	if (x->has_hists) {
		const struct sb_wire_bucket *b = x->arr[SB_WK_HISTS];

		rd->hists = calloc(NBUCKETS, sizeof(*rd->hists));
		if (!rd->hists)
			return -ENOMEM;
		for (size_t i = 0; i < x->n[SB_WK_HISTS]; i++)
			rd->hists[b[i].index] = b[i].count;
		free(x->arr[SB_WK_HISTS]);
		x->arr[SB_WK_HISTS] = NULL;
	}
#define TAKE(k, ptr, cnt)                                                                          \
	do {                                                                                       \
		rd->ptr = x->arr[k];                                                               \
		rd->cnt = (size_t)x->n[k];                                                         \
		x->arr[k] = NULL;                                                                  \
	} while (0)
	TAKE(SB_WK_KRECS, krecs, nkrecs);
	TAKE(SB_WK_SAMPLES, samples, nsamples);
	TAKE(SB_WK_CONNS, conns, nconns);
	TAKE(SB_WK_ACCEPTS, accepts, naccepts);
	TAKE(SB_WK_MIB, mib, nmib);
	TAKE(SB_WK_CLIENT_MIB, client_mib, nclient_mib);
	TAKE(SB_WK_SYSCTLS, sysctls, nsysctls);
#undef TAKE
	rd->conns_buf = rd->conns; /* freed by sb_rundata_free */
	return 0;
}

/* Lines before the results: a client half's last words. */
static int before_results(const char *line, uint64_t *skipped)
{
	if (strcmp(line, "done") == 0 || strncmp(line, "progress ", 9) == 0 ||
	    strncmp(line, "pong ", 5) == 0) {
		(*skipped)++;
		return 1;
	}
	return 0;
}

/* "blob NAME BYTES": 0, or -1 when line is no such announcement. */
static int blob_line(char *line, char **name, uint64_t *bytes)
{
	char *w[4];

	if (sb_wire_split(line, w, 3) != 3 || strcmp(w[0], "blob") != 0 || sb_wire_u64(w[2], bytes))
		return -1;
	*name = w[1];
	return 0;
}

int sb_wire_recv(struct sb_ctl *c, const struct sb_wire_expect *xp, const struct sb_opts *opts,
		 struct sb_rundata *rd, uint64_t deadline, char *err, size_t errlen)
{
	struct rx *x = calloc(1, sizeof(*x));
	char line[2048], shown[64], said[300], *meta = NULL, *name;
	uint64_t bytes, skipped = 0;
	int e = 0, k;

	memset(rd, 0, sizeof(*rd));
	rd->opts = opts;
	err[0] = 0;
	if (!x)
		return -ENOMEM;
	x->rd = rd;
	x->x = xp;
	x->why = err;
	x->len = errlen;
	/* meta first */
	do
		e = sb_ctl_recv_until(c, line, sizeof(line), deadline);
	while (!e && before_results(line, &skipped));
	if (!e && strncmp(line, "error ", 6) == 0) {
		snprintf(err, errlen, "%s", sb_wire_printable(said, sizeof(said), line + 6));
		e = -EREMOTEIO;
	} else if (!e) {
		sb_wire_printable(shown, sizeof(shown), line);
		if (blob_line(line, &name, &bytes) || strcmp(name, "meta") != 0)
			e = REFUSE(x, "results expected, it said '%s'", shown);
		else if (bytes > SB_WIRE_META_MAX)
			e = REFUSE(x, "meta: %llu bytes announced, over the cap of %u",
				   (unsigned long long)bytes, SB_WIRE_META_MAX);
		else if (!(meta = malloc(bytes + 1)))
			e = -ENOMEM;
		else if (!(e = sb_ctl_read(c, meta, bytes, deadline)))
			e = meta_parse(x, meta, bytes);
		free(meta);
	}
	/* then the arrays, until "end" */
	while (!e) {
		e = sb_ctl_recv_until(c, line, sizeof(line), deadline);
		if (e || strcmp(line, "end") == 0)
			break;
		sb_wire_printable(shown, sizeof(shown), line);
		if (blob_line(line, &name, &bytes))
			e = REFUSE(x, "a blob or end expected, it said '%s'", shown);
		else if ((k = sb_wire_kind_parse(name)) < 0)
			e = REFUSE(x, "an unknown blob in '%s'", shown);
		else
			e = recv_array(c, x, k, bytes, deadline);
	}
	if (!e)
		e = rx_take(x);
	if (e == -ETIMEDOUT && skipped)
		snprintf(err, errlen, "it said progress, done or pong %llu times, then no results",
			 (unsigned long long)skipped);
	else if (e == -E2BIG)
		e = REFUSE(x, "a line over %zu bytes", sizeof(line) - 1);
	else if (e == -EBADMSG)
		e = REFUSE(x, "a line with a NUL byte");
	if (e) {
		rx_free(x);
		memset(rd, 0, sizeof(*rd));
		rd->opts = opts;
	}
	free(x);
	return e;
}

/* ---- hello ---- */

int sb_wire_hello_parse(const char *line, int half, struct sb_wire_hello *h)
{
	char proto[16], ver[64], host[128], kernel[256], extra[2];
	int n;

	memset(h, 0, sizeof(*h));
	if (strlen(line) > 512 || !printable(line))
		return -EPROTO;
	n = sscanf(line, "hello synbench-ctl %15s %63s %127s %255s %1s", proto, ver, host, kernel,
		   extra);
	if (n < 2 || sb_wire_int(proto, 0, 1000000, &h->proto) || strlen(ver) >= sizeof(h->version))
		return -EPROTO;
	snprintf(h->version, sizeof(h->version), "%s", ver);
	if (half && h->proto == SB_CTL_VERSION) {
		if (n != 4 || strlen(host) >= sizeof(h->host) || strlen(kernel) >= sizeof(h->kernel))
			return -EPROTO;
		snprintf(h->host, sizeof(h->host), "%s", host);
		snprintf(h->kernel, sizeof(h->kernel), "%s", kernel);
	}
	return 0;
}

int sb_wire_hello_same(const struct sb_wire_hello *h)
{
	return h->proto == SB_CTL_VERSION && strcmp(h->version, SB_VERSION) == 0;
}
