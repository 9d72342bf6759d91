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

/* One CSV line built in memory and written with one call: a printf per
 * field cost about 3 us per row (a perf profile of a 100,000-connection
 * run: vfprintf, _itoa_word and the stream's own copying). A full buffer is
 * written out and reused: a line of any length stays whole. */
struct line {
	FILE *f;
	size_t n;
	char b[1024];
};

static void line_flush(struct line *l)
{
	if (l->n)
		fwrite(l->b, 1, l->n, l->f);
	l->n = 0;
}

static void put_c(struct line *l, char c)
{
	if (l->n == sizeof(l->b))
		line_flush(l);
	l->b[l->n++] = c;
}

static void put_s(struct line *l, const char *s)
{
	while (*s)
		put_c(l, *s++);
}

static void put_u(struct line *l, uint64_t v)
{
	char t[20];
	int i = 0;

	do
		t[i++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (i)
		put_c(l, t[--i]);
}

/* a value and its comma; the value empty when 0 */
static void put_u0c(struct line *l, uint64_t v)
{
	if (v)
		put_u(l, v);
	put_c(l, ',');
}

/* a latency in us with three decimals (sb_fmt_scaled) and its comma */
static void put_lat(struct line *l, int64_t ns)
{
	char buf[32];

	put_s(l, sb_fmt_scaled(buf, sizeof(buf), ns, 1000));
	put_c(l, ',');
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
static void write_tls(struct line *l, const struct sb_join_row *r)
{
	static const enum sb_lat cols[] = {SB_LAT_TLS_HANDSHAKE, SB_LAT_FIRST_BYTE,
					    SB_LAT_LAST_BYTE, SB_LAT_TLS_ACCEPT};
	const struct lg_conn *u = r->conn;
	char why[300];

	put_u0c(l, u->t_first);
	put_u0c(l, u->t_tls_start);
	put_u0c(l, u->t_tls_done);
	put_u0c(l, r->accept ? r->accept->t_tls_done : 0);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		put_lat(l, r->lat[cols[c]]);
	if (u->tls_version) {
		put_s(l, "1.");
		put_u(l, u->tls_version - 10u);
	}
	put_c(l, ',');
	if (u->t_tls_done)
		put_c(l, u->tls_flags & LG_TLS_F_RESUMED ? '1' : '0');
	put_c(l, ',');
	/* OpenSSL's reason, and the certificate's verify result after it */
	snprintf(why, sizeof(why), "%s%s%s%s", lg_tls_reason(u->tls_err),
		 u->tls_verify ? " (" : "", lg_tls_verify_reason(u->tls_verify),
		 u->tls_verify ? ")" : "");
	if (why[0]) {
		line_flush(l);
		sb_fmt_csv_field(l->f, why);
	}
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
	struct line l = {.f = f};

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < j->nrows; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, j->nrows, sizeof(*order), by_start, (void *)j);
	for (size_t n = 0; n < j->nrows; n++) {
		const struct sb_join_row *r = &j->rows[order[n]];
		const struct lg_conn *u = r->conn;
		const struct sb_conn_rec *kc = r->kclient, *ch = r->kchild;

		put_u(&l, u->cookie);
		put_c(&l, ',');
		put_u0c(&l, u->t_sched);
		put_u0c(&l, u->t_submit);
		put_u0c(&l, u->t_connected);
		put_u0c(&l, u->t_sent);
		put_u0c(&l, u->t_resp);
		put_u0c(&l, u->t_closed);
		put_u0c(&l, kc ? kc->ts[SB_TCP_SYN_SENT] : 0);
		put_u0c(&l, kc ? kc->ts[SB_TCP_ESTABLISHED] : 0);
		put_u0c(&l, kc ? kc->ts[SB_TCP_CLOSE] : 0);
		put_u0c(&l, ch ? ch->cookie : 0);
		put_u0c(&l, ch ? ch->ts[SB_TCP_SYN_RECV] : 0);
		put_u0c(&l, ch ? ch->ts[SB_TCP_ESTABLISHED] : 0);
		put_u0c(&l, r->accept ? r->accept->t_accept : 0);
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			put_lat(&l, r->lat[cols[c]]);
		if (r->syn_retrans >= 0)
			put_u(&l, (uint64_t)r->syn_retrans);
		put_c(&l, ',');
		put_s(&l, sb_outcome_name(r->outcome));
		put_c(&l, ',');
		if (u->err) {
			if (u->err < 0)
				put_c(&l, '-');
			put_u(&l, (uint64_t)(u->err < 0 ? -(int64_t)u->err : u->err));
		}
		put_c(&l, ',');
		put_s(&l, user_outcome_name(u->outcome));
		put_c(&l, ',');
		put_u(&l, u->lport);
		put_c(&l, ',');
		put_u(&l, u->rport);
		put_c(&l, ',');
		put_u(&l, u->thread);
		put_c(&l, ',');
		put_s(&l, kc ? sb_tcp_state_name(kc->final_state) : "");
		put_c(&l, ',');
		put_u0c(&l, u->status);
		put_u0c(&l, kc ? kc->srtt_us : 0);
		put_u(&l, r->nchildren);
		put_c(&l, ',');
		put_u(&l, r->naccepts);
		put_c(&l, ',');
		put_c(&l, r->revived ? '1' : '0');
		put_c(&l, ',');
		write_tls(&l, r);
		put_c(&l, ',');
		put_s(&l, sb_fail_cause_name(r->cause));
		put_c(&l, '\n');
	}
	line_flush(&l);
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
