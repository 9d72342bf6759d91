/* Bounded densities for the plots (density.h). */
#include "harness/output/density.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sb_logbin_rows(int per_decade)
{
	return (SB_LOGBIN_HI - SB_LOGBIN_LO) * per_decade;
}

int sb_logbin(double us, int per_decade)
{
	int n = sb_logbin_rows(per_decade);
	double r;

	if (!(us > 0)) /* 0, negative, NaN */
		return 0;
	/* clamped before the cast: +inf (a damaged file's) is no int */
	r = floor((log10(us) - SB_LOGBIN_LO) * per_decade);
	return !(r >= 0) ? 0 : r >= n ? n - 1 : (int)r;
}

double sb_logbin_center(int row, int per_decade)
{
	return SB_LOGBIN_LO + (row + 0.5) / per_decade;
}

double sb_logbin_upper(int row, int per_decade)
{
	return pow(10.0, SB_LOGBIN_LO + (double)(row + 1) / per_decade);
}

/* Values are clamped into +-X_CAP, and the width stops doubling at W_CAP
 * (the grid then clamps): nx * W_CAP <= 2^61, so x0 and x - x0 stay far
 * from overflow whatever a damaged file holds. */
#define X_CAP (INT64_C(1) << 60)
#define W_CAP (INT64_C(1) << 45)

int sb_grid_init(struct sb_grid *g, int nx, int ny, int nplanes, int64_t w0,
		 const enum sb_grid_op *ops)
{
	memset(g, 0, sizeof(*g));
	if (nx < 2 || nx % 2 || nx > 1 << 16 || ny < 1 || ny > 1 << 12 || nplanes < 1 ||
	    nplanes > SB_GRID_MAX_PLANES || w0 < 1)
		return -EINVAL;
	g->v = calloc((size_t)nplanes * (size_t)nx * (size_t)ny, sizeof(*g->v));
	if (!g->v)
		return -ENOMEM;
	g->nx = nx;
	g->ny = ny;
	g->nplanes = nplanes;
	g->w = w0;
	for (int p = 0; p < nplanes; p++)
		g->op[p] = ops ? (uint8_t)ops[p] : SB_GRID_SUM;
	return 0;
}

void sb_grid_free(struct sb_grid *g)
{
	free(g->v);
	g->v = NULL;
}

static uint64_t *cell(const struct sb_grid *g, int plane, int col, int row)
{
	return g->v + ((size_t)plane * (size_t)g->nx + (size_t)col) * (size_t)g->ny + (size_t)row;
}

static uint64_t merge(uint8_t op, uint64_t a, uint64_t b)
{
	return op == SB_GRID_MAX ? (a > b ? a : b) : a + b;
}

/* Doubles the width. right: the grid keeps its left edge and reaches twice
 * as far; else it keeps its right edge and starts nx * w earlier. */
static void widen(struct sb_grid *g, int right)
{
	int half = g->nx / 2;

	for (int p = 0; p < g->nplanes; p++) {
		if (right) {
			for (int c = 0; c < half; c++)
				for (int r = 0; r < g->ny; r++)
					*cell(g, p, c, r) = merge(g->op[p], *cell(g, p, 2 * c, r),
								  *cell(g, p, 2 * c + 1, r));
			for (int c = half; c < g->nx; c++)
				memset(cell(g, p, c, 0), 0, (size_t)g->ny * sizeof(*g->v));
		} else {
			for (int c = g->nx - 1; c >= half; c--) {
				int o = 2 * (c - half);

				for (int r = 0; r < g->ny; r++)
					*cell(g, p, c, r) = merge(g->op[p], *cell(g, p, o, r),
								  *cell(g, p, o + 1, r));
			}
			for (int c = 0; c < half; c++)
				memset(cell(g, p, c, 0), 0, (size_t)g->ny * sizeof(*g->v));
		}
	}
	if (!right)
		g->x0 -= (int64_t)g->nx * g->w;
	g->w *= 2;
}

void sb_grid_add(struct sb_grid *g, int64_t x, int row, int plane, uint64_t v)
{
	int64_t col;
	uint64_t *c;

	if (!g->v || plane < 0 || plane >= g->nplanes)
		return;
	x = x < -X_CAP ? -X_CAP : x > X_CAP ? X_CAP : x;
	if (!g->n) {
		/* the first value in the first column, aligned to the width */
		g->x0 = x - (x % g->w + g->w) % g->w;
		g->xmin = g->xmax = x;
	}
	if (x < g->xmin)
		g->xmin = x;
	if (x > g->xmax)
		g->xmax = x;
	g->n++;
	while (g->w < W_CAP && x >= g->x0 && (x - g->x0) / g->w >= g->nx)
		widen(g, 1);
	while (g->w < W_CAP && x < g->x0)
		widen(g, 0);
	col = x < g->x0 ? 0 : (x - g->x0) / g->w;
	if (col >= g->nx)
		col = g->nx - 1;
	row = row < 0 ? 0 : row >= g->ny ? g->ny - 1 : row;
	c = cell(g, plane, (int)col, row);
	*c = merge(g->op[plane], *c, v);
}

uint64_t sb_grid_at(const struct sb_grid *g, int plane, int col, int row)
{
	if (!g->v || plane < 0 || plane >= g->nplanes || col < 0 || col >= g->nx || row < 0 ||
	    row >= g->ny)
		return 0;
	return *cell(g, plane, col, row);
}

double sb_grid_center(const struct sb_grid *g, int col)
{
	return (double)g->x0 + ((double)col + 0.5) * (double)g->w;
}

int sb_grid_span(const struct sb_grid *g, int *first, int *last)
{
	*first = *last = -1;
	for (int c = 0; c < g->nx; c++)
		for (int p = 0; p < g->nplanes; p++)
			for (int r = 0; r < g->ny; r++)
				if (*cell(g, p, c, r)) {
					if (*first < 0)
						*first = c;
					*last = c;
					p = g->nplanes;
					break;
				}
	return *first >= 0;
}
