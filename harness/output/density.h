/* Bounded densities for the plots: whatever the number of connections or
 * samples, a plot reads a fixed number of bins, so its data file, its SVG and
 * gnuplot's work stay the same size at 10 thousand or 10 million
 * connections (the exact values stay in the CSVs).
 *
 * sb_grid: nx columns over an axis whose range is not known in advance
 * (CLOCK_MONOTONIC stamps, row numbers) by ny rows, in one or more planes.
 * The first value places the grid; a value outside it doubles the column
 * width, merging neighbouring columns pairwise, towards the side it fell on.
 * Every column is then still the exact union of the values it holds: no
 * value is dropped or moved to a wrong column, only the resolution halves.
 * A plane sums what falls into a cell, or keeps its maximum.
 *
 * sb_logbin: latency (µs) to a row of a log axis, SB_LOGBIN_LO .. SB_LOGBIN_HI
 * decades (0.1 µs .. 1000 s), clamped at both ends. */
#ifndef SB_DENSITY_H
#define SB_DENSITY_H

#include <stddef.h>
#include <stdint.h>

#define SB_LOGBIN_LO (-1) /* 10^-1 µs */
#define SB_LOGBIN_HI 9	  /* 10^9 µs = 1000 s */

/* Row of us on a log axis with per_decade rows per decade. */
int sb_logbin(double us, int per_decade);
/* Rows in that axis. */
int sb_logbin_rows(int per_decade);
/* log10 of a row's geometric centre, in µs. */
double sb_logbin_center(int row, int per_decade);
/* A row's upper edge, µs. */
double sb_logbin_upper(int row, int per_decade);

enum sb_grid_op { SB_GRID_SUM = 0, SB_GRID_MAX = 1 };

#define SB_GRID_MAX_PLANES 16

struct sb_grid {
	int64_t x0;   /* left edge of column 0 */
	int64_t w;    /* column width (a power of two times the first one) */
	int64_t xmin; /* the smallest and largest x added */
	int64_t xmax;
	int nx, ny, nplanes;
	uint8_t op[SB_GRID_MAX_PLANES];
	uint64_t n;   /* values added */
	uint64_t *v;  /* [plane][column][row] */
};

/* nx even and >= 2; w0 the first column width (>= 1); ops[plane]. 0 or
 * -ENOMEM / -EINVAL. */
int sb_grid_init(struct sb_grid *g, int nx, int ny, int nplanes, int64_t w0,
		 const enum sb_grid_op *ops);
void sb_grid_free(struct sb_grid *g);
/* Adds v at (x, row) in plane (row clamped into the grid). */
void sb_grid_add(struct sb_grid *g, int64_t x, int row, int plane, uint64_t v);
/* The cell, 0 outside the grid. */
uint64_t sb_grid_at(const struct sb_grid *g, int plane, int col, int row);
/* Column col's centre on the x axis. */
double sb_grid_center(const struct sb_grid *g, int col);
/* The columns from the first to the last holding anything (plane 0..nplanes-1):
 * [*first, *last]; 0 when the grid is empty, else 1. */
int sb_grid_span(const struct sb_grid *g, int *first, int *last);

#endif
