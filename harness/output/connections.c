/* connections.csv, written batch by batch as the analysis joins the rows
 * (results.h: sb_conn_writer). Each batch's rows, sorted by start (t_submit,
 * then cookie), go to an anonymous part file; closing merges the parts in
 * that order into dir/connections.csv (a temporary name renamed into
 * place), so the file reads in start order whatever the number of
 * batches, in memory the size of one line per batch. */
#include "harness/output/results.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/analysis/kview.h"
#include "harness/output/fmt.h"
#include "harness/output/outdir.h"
#include "harness/run/anonfile.h"
#include "harness/run/krec.h"

static void csv_u64(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, "%" PRIu64, v);
}

static const char *user_outcome_name(unsigned int o)
{
	static const char *const n[] = {"none", "ok", "timeout", "refused", "reset", "error", "tls"};

	return o < sizeof(n) / sizeof(n[0]) ? n[o] : "invalid";
}

static int by_start(const void *a, const void *b, void *arg)
{
	const struct sb_join *j = arg;
	const struct lg_conn *x = j->rows[*(const uint32_t *)a].conn;
	const struct lg_conn *y = j->rows[*(const uint32_t *)b].conn;

	if (x->t_submit != y->t_submit)
		return x->t_submit < y->t_submit ? -1 : 1;
	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

/* The columns after revived: the crr phases and --tls's (results.h). */
static void write_tls(FILE *f, const struct sb_join_row *r)
{
	static const enum sb_lat cols[] = {SB_LAT_TLS_HANDSHAKE, SB_LAT_FIRST_BYTE,
					    SB_LAT_LAST_BYTE, SB_LAT_TLS_ACCEPT};
	const struct lg_conn *u = r->conn;
	char buf[48], why[300];

	csv_u64(f, u->t_first), fputc(',', f);
	csv_u64(f, u->t_tls_start), fputc(',', f);
	csv_u64(f, u->t_tls_done), fputc(',', f);
	csv_u64(f, r->accept ? r->accept->t_tls_done : 0), fputc(',', f);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		fprintf(f, "%s,", sb_fmt_scaled(buf, sizeof(buf), r->lat[cols[c]], 1000));
	if (u->tls_version)
		fprintf(f, "1.%u", u->tls_version - 10u);
	fputc(',', f);
	if (u->t_tls_done)
		fputc(u->tls_flags & LG_TLS_F_RESUMED ? '1' : '0', f);
	fputc(',', f);
	/* OpenSSL's reason, and the certificate's verify result after it */
	snprintf(why, sizeof(why), "%s%s%s%s", lg_tls_reason(u->tls_err),
		 u->tls_verify ? " (" : "", lg_tls_verify_reason(u->tls_verify),
		 u->tls_verify ? ")" : "");
	if (why[0])
		sb_fmt_csv_field(f, why);
}

/* connections.csv rows of one batch of the join, by start. */
static int write_rows(FILE *f, const struct sb_join *j)
{
	static const enum sb_lat cols[] = {
	    SB_LAT_USER_CONNECT, SB_LAT_USER_CONNECT_SCHED, SB_LAT_KERNEL_HANDSHAKE,
	    SB_LAT_PRE_SYN,	 SB_LAT_NOTIFY_DELAY,	    SB_LAT_ACCEPT_WAIT,
	    SB_LAT_RESPONSE,	 SB_LAT_CHILD_EST,	    SB_LAT_SERVER_CLOSE,
	};
	uint32_t *order = malloc((j->nrows ? j->nrows : 1) * sizeof(*order));
	char buf[48];

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < j->nrows; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, j->nrows, sizeof(*order), by_start, (void *)j);
	for (size_t n = 0; n < j->nrows; n++) {
		const struct sb_join_row *r = &j->rows[order[n]];
		const struct lg_conn *u = r->conn;
		const struct sb_conn_rec *kc = r->kclient, *ch = r->kchild;

		fprintf(f, "%" PRIu64 ",", u->cookie);
		csv_u64(f, u->t_sched), fputc(',', f);
		csv_u64(f, u->t_submit), fputc(',', f);
		csv_u64(f, u->t_connected), fputc(',', f);
		csv_u64(f, u->t_sent), fputc(',', f);
		csv_u64(f, u->t_resp), fputc(',', f);
		csv_u64(f, u->t_closed), fputc(',', f);
		csv_u64(f, kc ? kc->ts[SB_TCP_SYN_SENT] : 0), fputc(',', f);
		csv_u64(f, kc ? kc->ts[SB_TCP_ESTABLISHED] : 0), fputc(',', f);
		csv_u64(f, kc ? kc->ts[SB_TCP_CLOSE] : 0), fputc(',', f);
		csv_u64(f, ch ? ch->cookie : 0), fputc(',', f);
		csv_u64(f, ch ? ch->ts[SB_TCP_SYN_RECV] : 0), fputc(',', f);
		csv_u64(f, ch ? ch->ts[SB_TCP_ESTABLISHED] : 0), fputc(',', f);
		csv_u64(f, r->accept ? r->accept->t_accept : 0), fputc(',', f);
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			fprintf(f, "%s,", sb_fmt_scaled(buf, sizeof(buf), r->lat[cols[c]], 1000));
		if (r->syn_retrans >= 0)
			fprintf(f, "%d", r->syn_retrans);
		fprintf(f, ",%s,", sb_outcome_name(r->outcome));
		if (u->err)
			fprintf(f, "%d", (int)u->err);
		fprintf(f, ",%s,%u,%u,%u,%s,", user_outcome_name(u->outcome),
			(unsigned int)u->lport, (unsigned int)u->rport, (unsigned int)u->thread,
			kc ? sb_tcp_state_name(kc->final_state) : "");
		if (u->status)
			fprintf(f, "%u", (unsigned int)u->status);
		fputc(',', f);
		if (kc && kc->srtt_us)
			fprintf(f, "%u", (unsigned int)kc->srtt_us);
		fprintf(f, ",%u,%u,%d,", r->nchildren, r->naccepts, r->revived ? 1 : 0);
		write_tls(f, r);
		fprintf(f, ",%s\n", sb_fail_cause_name(r->cause));
	}
	free(order);
	return ferror(f) ? -EIO : 0;
}

/* ---- a watch's rows ---- */

/* a value and its comma; empty when 0 */
static void csv_u64c(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, "%" PRIu64, v);
	fputc(',', f);
}

static void csv_str(FILE *f, const char *s)
{
	sb_fmt_csv_field(f, s);
	fputc(',', f);
}

static void addr(const struct sb_conn_rec *r, const uint32_t *a, char *buf, size_t len)
{
	inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len);
}

/* The states the socket went through, in the order it entered them. */
static void state_path(const struct sb_conn_rec *r, char *buf, size_t len)
{
	int done[SB_TS_SLOTS] = { 0 };
	size_t n = 0;

	buf[0] = 0;
	for (;;) {
		int best = -1;

		for (int s = 1; s < SB_NSTATES; s++)
			if (r->ts[s] && !done[s] && (best < 0 || r->ts[s] < r->ts[best]))
				best = s;
		if (best < 0)
			break;
		done[best] = 1;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ">" : "",
				      sb_tcp_state_name((unsigned)best));
		if (n >= len)
			break;
	}
}

/* connections.csv rows of a watch: a socket each. */
static int write_krows(FILE *f, const struct sb_kview *v)
{
	static const enum sb_lat lats[] = {SB_LAT_KERNEL_HANDSHAKE, SB_LAT_CHILD_EST,
					    SB_LAT_SERVER_CLOSE};
	static const char *const flushed[] = { "", "live_at_end", "close_missed" };
	char b[64], path[160];

	for (size_t i = 0; i < v->nrows; i++) {
		const struct sb_krow *row = &v->rows[i];
		const struct sb_conn_rec *r = row->r;
		int client = r->role == SB_ROLE_CLIENT;

		fprintf(f, "%" PRIu64 ",%s,", (uint64_t)r->cookie, client ? "client" : "child");
		if (row->tagged)
			fprintf(f, "%u,", row->pid);
		else
			fputc(',', f);
		csv_str(f, row->tagged ? row->comm : "");
		fprintf(f, "%d,", r->family == AF_INET6 ? 6 : 4);
		addr(r, r->saddr, b, sizeof(b));
		fprintf(f, "%s,%u,", b, r->sport);
		addr(r, r->daddr, b, sizeof(b));
		fprintf(f, "%s,%u,", b, r->dport);
		csv_u64c(f, row->peer ? (uint64_t)row->peer->cookie : 0);
		csv_u64c(f, r->ts[SB_TCP_SYN_SENT]);
		csv_u64c(f, r->ts[SB_TCP_SYN_RECV]);
		csv_u64c(f, r->ts[SB_TCP_ESTABLISHED]);
		csv_u64c(f, r->ts[SB_TCP_CLOSE]);
		for (int l = 0; l < 3; l++)
			fprintf(f, "%s,", sb_fmt_scaled(b, sizeof(b), row->lat[lats[l]], 1000));
		if (client)
			fprintf(f, "%u", r->syn_retrans);
		state_path(r, path, sizeof(path));
		fprintf(f, ",%s,%s,", path, sb_tcp_state_name(r->final_state));
		if (r->srtt_us)
			fprintf(f, "%u", r->srtt_us);
		fprintf(f, ",%s,%s,,,,%s\n", sb_wout_name(row->outcome),
			r->flushed < 3 ? flushed[r->flushed] : "other", sb_fail_cause_name(row->cause));
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- the writer ---- */

struct part {
	FILE *f;
	char *line; /* the next line when merging, NULL at its end */
	size_t cap;
	uint64_t t, cookie;
};

struct sb_conn_writer {
	char dir[PATH_MAX];
	struct part *parts;
	size_t nparts;
	int watch; /* the rows are a watch's (another header) */
};

int sb_conn_writer__open(const char *dir, struct sb_conn_writer **out)
{
	struct sb_conn_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	*out = w;
	return 0;
}

/* A new part file for a batch. */
static FILE *new_part(struct sb_conn_writer *w)
{
	struct part *p = realloc(w->parts, (w->nparts + 1) * sizeof(*p));
	int fd;

	if (!p)
		return NULL;
	w->parts = p;
	p = &w->parts[w->nparts];
	memset(p, 0, sizeof(*p));
	fd = sb_anon_file();
	if (fd < 0)
		return NULL;
	p->f = fdopen(fd, "w+");
	if (!p->f) {
		close(fd);
		return NULL;
	}
	w->nparts++;
	return p->f;
}

int sb_conn_writer__rows(void *ctx, const struct sb_join *j)
{
	FILE *f = new_part(ctx);

	return f ? write_rows(f, j) : -ENOMEM;
}

int sb_conn_writer__krows(void *ctx, const struct sb_kview *v)
{
	struct sb_conn_writer *w = ctx;
	FILE *f = new_part(w);

	w->watch = 1;
	return f ? write_krows(f, v) : -ENOMEM;
}

/* The part's next line and its key: t_submit (third column), cookie
 * (first). */
static void next_line(struct part *p)
{
	const char *c;

	if (getline(&p->line, &p->cap, p->f) <= 0) {
		free(p->line);
		p->line = NULL;
		return;
	}
	p->cookie = strtoull(p->line, NULL, 10);
	c = strchr(p->line, ',');
	c = c ? strchr(c + 1, ',') : NULL;
	p->t = c ? strtoull(c + 1, NULL, 10) : 0;
}

static int before(const struct part *a, const struct part *b)
{
	return a->t != b->t ? a->t < b->t : a->cookie < b->cookie;
}

static void sift_down(struct part **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && before(h[l], h[m]))
			m = l;
		if (l + 1 < n && before(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct part *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The header, then every part's lines merged by start. */
static int merge(FILE *out, void *ctx)
{
	struct sb_conn_writer *w = ctx;
	struct part **heap = malloc((w->nparts ? w->nparts : 1) * sizeof(*heap));
	size_t n = 0;

	if (!heap)
		return -ENOMEM;
	fputs(w->watch ? SB_WATCH_CONNECTIONS_HEADER "\n" : SB_CONNECTIONS_HEADER "\n", out);
	for (size_t i = 0; i < w->nparts; i++) {
		struct part *p = &w->parts[i];

		if (fflush(p->f) || ferror(p->f)) {
			free(heap);
			return -EIO;
		}
		rewind(p->f);
		next_line(p);
		if (p->line)
			heap[n++] = p;
	}
	for (size_t i = n; i-- > 0;)
		sift_down(heap, n, i);
	while (n) {
		fputs(heap[0]->line, out);
		next_line(heap[0]);
		if (!heap[0]->line)
			heap[0] = heap[--n];
		sift_down(heap, n, 0);
	}
	free(heap);
	return ferror(out) ? -EIO : 0;
}

int sb_conn_writer__close(struct sb_conn_writer *w, int commit)
{
	int e = 0;

	if (!w)
		return 0;
	if (commit)
		e = sb_outdir_write_atomic(w->dir, "connections.csv", merge, w);
	for (size_t i = 0; i < w->nparts; i++) {
		fclose(w->parts[i].f);
		free(w->parts[i].line);
	}
	free(w->parts);
	free(w);
	return e;
}
