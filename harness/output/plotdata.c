/* The plots' data files, bounded whatever the connection count (plotdata.h). */
#include "harness/output/plotdata.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/output/density.h"
#include "harness/output/outdir.h"
#include "harness/output/report_phases.h"

#define CDF_PER_DECADE 40
#define MAP_PER_DECADE 16
#define MAP_COLS 200
#define QUEUE_COLS 1000
#define MAX_CDF_ROWS ((SB_LOGBIN_HI - SB_LOGBIN_LO) * CDF_PER_DECADE)

/* the layers of the latency image, drawn in this order */
enum { P_CONNECTED = 0, P_GHOST, P_FAILED, MAP_PLANES };
/* Q_SOCK + k: socket k's accept queue (queue.csv's listener k < QUEUE_SOCKETS) */
#define QUEUE_SOCKETS 8
enum { Q_AQ = 0, Q_SQ, Q_LIM1, Q_DROPS, Q_SAMPLES, Q_SOCK, Q_PLANES = Q_SOCK + QUEUE_SOCKETS };

struct sb_plot_data {
	uint64_t cdf_k[MAX_CDF_ROWS], cdf_u[MAX_CDF_ROWS];
	uint64_t nk, nu;
	struct sb_grid by_time, by_row; /* x: t_submit_ns, or the row number */
	int64_t rows;
	double lmax_us; /* the longest connect: a burst is much shorter than it */
	struct sb_grid queue;		/* x: µs since the run started */
	int64_t nsockets;		/* listeners seen in queue.csv: highest index + 1 */
};

int sb_plot_data__new(struct sb_plot_data **out)
{
	enum sb_grid_op qops[Q_PLANES];
	struct sb_plot_data *pd = calloc(1, sizeof(*pd));
	int ny = sb_logbin_rows(MAP_PER_DECADE);

	*out = NULL;
	if (!pd)
		return -ENOMEM;
	for (int k = 0; k < Q_PLANES; k++)
		qops[k] = k == Q_SAMPLES ? SB_GRID_SUM : SB_GRID_MAX;
	if (sb_grid_init(&pd->by_time, MAP_COLS, ny, MAP_PLANES, 1024, NULL) ||
	    sb_grid_init(&pd->by_row, MAP_COLS, ny, MAP_PLANES, 1, NULL) ||
	    sb_grid_init(&pd->queue, QUEUE_COLS, 1, Q_PLANES, 64, qops)) {
		sb_plot_data__free(pd);
		return -ENOMEM;
	}
	*out = pd;
	return 0;
}

void sb_plot_data__free(struct sb_plot_data *pd)
{
	if (!pd)
		return;
	sb_grid_free(&pd->by_time);
	sb_grid_free(&pd->by_row);
	sb_grid_free(&pd->queue);
	free(pd);
}

void sb_plot_data__conn(struct sb_plot_data *pd, int64_t t_submit_ns, double user_us,
			double kernel_us, enum sb_plot_conn kind, double failed_us)
{
	int64_t row = pd->rows++;

	if (kernel_us == kernel_us) { /* not NaN */
		pd->cdf_k[sb_logbin(kernel_us, CDF_PER_DECADE)]++;
		pd->nk++;
	}
	if (user_us == user_us) {
		pd->cdf_u[sb_logbin(user_us, CDF_PER_DECADE)]++;
		pd->nu++;
	}
	if (kind != SB_PLOT_FAILED && user_us == user_us) {
		int y = sb_logbin(user_us, MAP_PER_DECADE);
		int p = kind == SB_PLOT_GHOST ? P_GHOST : P_CONNECTED;

		if (user_us > pd->lmax_us)
			pd->lmax_us = user_us;
		sb_grid_add(&pd->by_time, t_submit_ns, y, p, 1);
		sb_grid_add(&pd->by_row, row, y, p, 1);
	} else if (kind == SB_PLOT_FAILED && failed_us == failed_us) {
		int y = sb_logbin(failed_us, MAP_PER_DECADE);

		sb_grid_add(&pd->by_time, t_submit_ns, y, P_FAILED, 1);
		sb_grid_add(&pd->by_row, row, y, P_FAILED, 1);
	}
}

static uint64_t clamp_u(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

void sb_plot_data__queue(struct sb_plot_data *pd, double t_ms, int64_t accept_queue,
			 int64_t limit, int64_t syn_queue, int64_t drops, int64_t listener)
{
	int64_t x = t_ms == t_ms && fabs(t_ms) < 1e15 ? (int64_t)(t_ms * 1000.0) : 0;

	if (listener >= 0 && listener < QUEUE_SOCKETS) {
		sb_grid_add(&pd->queue, x, 0, Q_SOCK + (int)listener, clamp_u(accept_queue));
		if (listener + 1 > pd->nsockets)
			pd->nsockets = listener + 1;
	}

	sb_grid_add(&pd->queue, x, 0, Q_AQ, clamp_u(accept_queue));
	sb_grid_add(&pd->queue, x, 0, Q_SQ, clamp_u(syn_queue));
	sb_grid_add(&pd->queue, x, 0, Q_LIM1, clamp_u(limit) + 1);
	sb_grid_add(&pd->queue, x, 0, Q_DROPS, clamp_u(drops));
	sb_grid_add(&pd->queue, x, 0, Q_SAMPLES, 1);
}

/* ---- the files ---- */

struct writer {
	const struct sb_plot_data *pd;
	const json_t *s;
	int by_row;
};

static int cdf_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;
	const uint64_t *b[2] = {w->pd->cdf_k, w->pd->cdf_u};
	const uint64_t n[2] = {w->pd->nk, w->pd->nu};

	fputs("# latency CDF from log bins (40 per decade): upper edge us, fraction <= it\n"
	      "# block 0 kernel handshake, block 1 user connect\n",
	      f);
	for (int k = 0; k < 2; k++) {
		uint64_t cum = 0;
		int started = 0;

		fprintf(f, "# %s n=%llu\n", k ? "user_connect" : "kernel_handshake",
			(unsigned long long)n[k]);
		for (int r = 0; r < MAX_CDF_ROWS && n[k]; r++) {
			if (!b[k][r] && !started)
				continue;
			if (!started) /* the curve starts at 0 on the first bin's lower edge */
				fprintf(f, "%.6g 0\n", sb_logbin_upper(r - 1, CDF_PER_DECADE));
			started = 1;
			cum += b[k][r];
			fprintf(f, "%.6g %.6f\n", sb_logbin_upper(r, CDF_PER_DECADE),
				(double)cum / (double)n[k]);
			if (cum == n[k])
				break;
		}
		if (!n[k])
			fputs("NaN NaN\n", f); /* an empty block still counts as one */
		fputs("\n\n", f);
	}
	return 0;
}

static double num_at(const json_t *s, const char *path)
{
	double d;

	return sb_jget_double(sb_jget_path(s, path), &d) == 0 ? d : -1;
}

static int marks_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;

	fputs("# nk nu kernel_p50 kernel_p99 user_p50 user_p99 (us; -1 absent)\n", f);
	fprintf(f, "%llu %llu %.6g %.6g %.6g %.6g\n", (unsigned long long)w->pd->nk,
		(unsigned long long)w->pd->nu, num_at(w->s, "latency_us.kernel_handshake.p50"),
		num_at(w->s, "latency_us.kernel_handshake.p99"),
		num_at(w->s, "latency_us.user_connect.p50"),
		num_at(w->s, "latency_us.user_connect.p99"));
	return 0;
}

/* Light to dark by log(count): one layer's colour for a cell. */
static void shade(FILE *f, uint64_t c, uint64_t max, const int lo[3], const int hi[3])
{
	double t = c && max > 1 ? log1p((double)c) / log1p((double)max) : 1.0;

	if (!c) {
		fputs(" 255 255 255 0", f);
		return;
	}
	for (int k = 0; k < 3; k++)
		fprintf(f, " %d", (int)lround(lo[k] + (hi[k] - lo[k]) * t));
	fputs(" 220", f); /* a layer below still shows through a little */
}

static double xval(const struct writer *w, const struct sb_grid *g, int col)
{
	double x = sb_grid_center(g, col) - (double)g->xmin;

	return w->by_row ? x : x / 1e9;
}

/* The rows holding anything: [*r0, *r1] (r0 > r1 when none). */
static void row_span(const struct sb_grid *g, int c0, int c1, int *r0, int *r1)
{
	*r0 = g->ny;
	*r1 = -1;
	for (int c = c0; c <= c1; c++)
		for (int r = 0; r < g->ny; r++)
			for (int p = 0; p < g->nplanes; p++)
				if (sb_grid_at(g, p, c, r)) {
					*r0 = r < *r0 ? r : *r0;
					*r1 = r > *r1 ? r : *r1;
				}
}

static const struct sb_grid *map_grid(const struct writer *w)
{
	return w->by_row ? &w->pd->by_row : &w->pd->by_time;
}

static int map_file(FILE *f, void *ctx)
{
	/* light and dark end of each layer: connected blue, ghost orange,
	 * failed red */
	static const int col[MAP_PLANES][2][3] = {
		{{198, 219, 239}, {8, 48, 107}},
		{{253, 208, 162}, {166, 54, 3}},
		{{252, 187, 161}, {103, 0, 13}},
	};
	const struct writer *w = ctx;
	const struct sb_grid *g = map_grid(w);
	int c0, c1, r0, r1;
	uint64_t max[MAP_PLANES] = {0};

	fprintf(f, "# connect latency density: x (%s), log10(us) row centre, r g b alpha\n"
		   "# block 0 connected (accepted, queued: blue), block 1 ghosts (orange),\n"
		   "# block 2 failed: time to the error (red)\n",
		w->by_row ? "row in connections.csv" : "s after the first connect");
	if (!sb_grid_span(g, &c0, &c1)) {
		fputs("NaN NaN 0 0 0 0\n", f);
		return 0;
	}
	row_span(g, c0, c1, &r0, &r1);
	for (int c = c0; c <= c1; c++)
		for (int r = r0; r <= r1; r++)
			for (int p = 0; p < MAP_PLANES; p++)
				if (sb_grid_at(g, p, c, r) > max[p])
					max[p] = sb_grid_at(g, p, c, r);
	for (int p = 0; p < MAP_PLANES; p++) {
		for (int c = c0; c <= c1; c++) {
			for (int r = r0; r <= r1; r++) {
				fprintf(f, "%.9g %.6g", xval(w, g, c),
					sb_logbin_center(r, MAP_PER_DECADE));
				shade(f, sb_grid_at(g, p, c, r), max[p], col[p][0], col[p][1]);
				fputc('\n', f);
			}
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	return 0;
}

static int pct_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;
	const struct sb_grid *g = map_grid(w);
	static const double qs[2] = {0.5, 0.99};

	fputs("# per column of latency_time.dat: x, log10(us) of p50 and p99 of the connected\n"
	      "# and ghosts (bin centres, 16 bins per decade); none for a burst (by row)\n",
	      f);
	for (int c = 0; c < g->nx && !w->by_row; c++) {
		uint64_t n = 0, cum;
		double y[2];

		for (int r = 0; r < g->ny; r++)
			n += sb_grid_at(g, P_CONNECTED, c, r) + sb_grid_at(g, P_GHOST, c, r);
		if (!n)
			continue;
		for (int k = 0; k < 2; k++) {
			uint64_t need = (uint64_t)ceil(qs[k] * (double)n);
			int r = 0;

			cum = 0;
			for (; r < g->ny; r++) {
				cum += sb_grid_at(g, P_CONNECTED, c, r) + sb_grid_at(g, P_GHOST, c, r);
				if (cum >= need)
					break;
			}
			y[k] = sb_logbin_center(r < g->ny ? r : g->ny - 1, MAP_PER_DECADE);
		}
		fprintf(f, "%.9g %.6g %.6g\n", xval(w, g, c), y[0], y[1]);
	}
	if (w->by_row)
		fputs("NaN NaN NaN\n", f);
	return 0;
}

static int map_info_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;
	const struct sb_grid *t = &w->pd->by_time, *g = map_grid(w);
	double span_ms = t->n ? (double)(t->xmax - t->xmin) / 1e6 : 0;
	double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
	int c0, c1, r0, r1;

	/* the axes fitted to the image: whole decades of latency */
	if (sb_grid_span(g, &c0, &c1)) {
		row_span(g, c0, c1, &r0, &r1);
		x0 = xval(w, g, c0) - (w->by_row ? g->w : g->w / 1e9) / 2;
		x1 = xval(w, g, c1) + (w->by_row ? g->w : g->w / 1e9) / 2;
		y0 = floor(sb_logbin_center(r0, MAP_PER_DECADE));
		y1 = ceil(sb_logbin_center(r1, MAP_PER_DECADE));
		if (y1 <= y0)
			y1 = y0 + 1;
	}
	fputs("# by_row (1: a burst, x is the row) connections span_ms xmin xmax ymin ymax\n",
	      f);
	fprintf(f, "%d %lld %.6g %.9g %.9g %.6g %.6g\n", w->by_row, (long long)w->pd->rows,
		span_ms, x0, x1, y0, y1);
	return 0;
}

static int queue_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;
	const struct sb_grid *g = &w->pd->queue;

	/* a SO_REUSEPORT group (queue_sockets.dat > 1): its first sockets' own
	 * accept queues follow */
	int ns = w->pd->nsockets > 1 ? (int)w->pd->nsockets : 0;

	fputs("# per time bin of queue.csv (at most 1000): s since the run started, deepest\n"
	      "# accept queue, longest SYN queue, limit B+1, listener drops (cumulative),\n"
	      "# then with several listener sockets the deepest accept queue of socket 0, 1 ...\n",
	      f);
	for (int c = 0; c < g->nx; c++) {
		if (!sb_grid_at(g, Q_SAMPLES, c, 0))
			continue;
		fprintf(f, "%.6f %llu %llu %llu %llu", ((double)g->x0 + (double)c * (double)g->w) / 1e6,
			(unsigned long long)sb_grid_at(g, Q_AQ, c, 0),
			(unsigned long long)sb_grid_at(g, Q_SQ, c, 0),
			(unsigned long long)sb_grid_at(g, Q_LIM1, c, 0),
			(unsigned long long)sb_grid_at(g, Q_DROPS, c, 0));
		for (int k = 0; k < ns; k++)
			fprintf(f, " %llu", (unsigned long long)sb_grid_at(g, Q_SOCK + k, c, 0));
		fputc('\n', f);
	}
	return 0;
}

static int queue_sockets_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;

	fprintf(f, "%lld\n", (long long)(w->pd->nsockets > 1 ? w->pd->nsockets : 0));
	return 0;
}

static void put_num(FILE *f, const json_t *v)
{
	double d;

	/* a block without samples (null) draws as a zero-height segment */
	fprintf(f, " %.3f", sb_jget_double(v, &d) == 0 ? d : 0.0);
}

static int breakdown_file(FILE *f, void *ctx)
{
	static const char *const parts[] = {"pre_syn", "kernel_handshake", "notify_delay",
					    "accept_wait"};
	static const char *const pcts[] = {"p50", "p99"};
	const struct writer *w = ctx;
	const json_t *lat = json_object_get(w->s, "latency_us");

	fputs("# where the time went, us (summary.json latency_us; null -> 0)\n"
	      "# pct pre_syn kernel_handshake notify_delay accept_wait\n",
	      f);
	for (size_t i = 0; i < 2; i++) {
		fputs(pcts[i], f);
		for (size_t k = 0; k < 4; k++)
			put_num(f, json_object_get(json_object_get(lat, parts[k]), pcts[i]));
		fputc('\n', f);
	}
	return 0;
}

/* The client's phases of a crr connection (report_phases.h), each phase's
 * own percentile at p50, p90, p99, p99.9; and the server's TLS accept
 * beside them (it overlaps the client's TLS handshake). */
static int phases_file(FILE *f, void *ctx)
{
	static const char *const parts[] = {"user_connect", "tls_handshake", "first_byte",
					    "last_byte", "tls_accept"};
	static const char *const pcts[] = {"p50", "p90", "p99", "p999"};
	static const char *const names[] = {"p50", "p90", "p99", "p99.9"};
	const struct writer *w = ctx;
	const json_t *lat = json_object_get(w->s, "latency_us");

	fputs("# a crr connection's setup by phase, us (summary.json latency_us; null -> 0)\n"
	      "# pct user_connect tls_handshake first_byte last_byte tls_accept(server)\n",
	      f);
	for (size_t i = 0; i < 4; i++) {
		fputs(names[i], f);
		for (size_t k = 0; k < 5; k++)
			put_num(f, json_object_get(json_object_get(lat, parts[k]), pcts[i]));
		fputc('\n', f);
	}
	return 0;
}

static int outcomes_file(FILE *f, void *ctx)
{
	const struct writer *w = ctx;
	const json_t *out = json_object_get(w->s, "outcomes"), *m;
	const char *key;

	fputs("# outcome count (summary.json outcomes)\n", f);
	json_object_foreach((json_t *)out, key, m) {
		int64_t v = 0;
		int ok = 1;

		/* keys go to gnuplot as data: only the names summary.json uses */
		for (const char *p = key; *p; p++)
			ok &= (*p >= 'a' && *p <= 'z') || *p == '_';
		if (!ok || !*key)
			continue;
		sb_jget_int64(m, &v);
		fprintf(f, "%s %lld\n", key, (long long)v);
	}
	return 0;
}

int sb_plot_data__write(const struct sb_plot_data *pd, const json_t *summary,
			const char *plots_dir)
{
	static const struct {
		const char *name;
		int (*fn)(FILE *, void *);
	} files[] = {
		{"latency_cdf.dat", cdf_file},	       {"latency_marks.dat", marks_file},
		{"latency_time.dat", map_file},	       {"latency_time_pct.dat", pct_file},
		{"latency_time_info.dat", map_info_file}, {"queue.dat", queue_file},
		{"queue_sockets.dat", queue_sockets_file},
		{"breakdown.dat", breakdown_file},     {"outcomes.dat", outcomes_file},
		{"phases.dat", phases_file},
	};
	const struct sb_grid *t = &pd->by_time;
	struct writer w = {.pd = pd, .s = summary};
	int e = 0;

	/* a burst: every connect started within a sliver of the longest
	 * latency; start times would stack into one column, so by row */
	w.by_row = t->n > 0 && (double)(t->xmax - t->xmin) / 1e3 < 0.05 * pd->lmax_us;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !e; i++)
		e = sb_outdir_write_atomic(plots_dir, files[i].name, files[i].fn, &w);
	return e;
}
