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
#include <unistd.h>

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
	static const char *const n[] = {"none", "ok", "timeout", "refused", "reset", "error"};

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
		fprintf(f, ",%u,%u,%d\n", r->nchildren, r->naccepts, r->revived ? 1 : 0);
	}
	free(order);
	return ferror(f) ? -EIO : 0;
}

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

int sb_conn_writer__rows(void *ctx, const struct sb_join *j)
{
	struct sb_conn_writer *w = ctx;
	struct part *p = realloc(w->parts, (w->nparts + 1) * sizeof(*p));
	int fd;

	if (!p)
		return -ENOMEM;
	w->parts = p;
	p = &w->parts[w->nparts];
	memset(p, 0, sizeof(*p));
	fd = sb_anon_file();
	if (fd < 0)
		return fd;
	p->f = fdopen(fd, "w+");
	if (!p->f) {
		close(fd);
		return -ENOMEM;
	}
	w->nparts++;
	return write_rows(p->f, j);
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
	fputs(SB_CONNECTIONS_HEADER "\n", out);
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
