/* What the plots read: bounded densities gathered while the report model
 * scans connections.csv and queue.csv once, written as small data files into
 * DIR/plots/ for the gnuplot scripts (scripts/plots/). Each file's size is
 * fixed by its bins, not by the number of connections:
 *   latency_cdf.dat        log-latency bins (40 per decade): cumulative
 *                          fractions, kernel handshake and user connect
 *   latency_marks.dat      p50/p99 of both, from summary.json
 *   latency_time.dat       a 200 x 160 image of connect latency against start
 *                          time (or against row, for a burst): connected in
 *                          blue, ghosts orange, failed (time to the error) red
 *   latency_time_pct.dat   per column, p50 and p99 of the connected ones
 *   latency_time_info.dat  the image's axes
 *   queue.dat              up to 1000 steps: deepest accept and SYN queue,
 *                          the limit, listener drops, per time bin; with
 *                          several listener sockets, each one's accept queue
 *   queue_sockets.dat      how many such columns (0: one listener)
 *   breakdown.dat, outcomes.dat   from summary.json
 *   phases.dat             a crr connection's phases at p50..p99.9, from
 *                          summary.json */
#ifndef SB_PLOTDATA_H
#define SB_PLOTDATA_H

#include <stdint.h>

#include "harness/output/jsonget.h"

struct sb_plot_data;

int sb_plot_data__new(struct sb_plot_data **out); /* 0 or -ENOMEM */
void sb_plot_data__free(struct sb_plot_data *pd); /* NULL ok */

/* A connection's layer in the latency image. */
enum sb_plot_conn {
	SB_PLOT_CONNECTED = 0, /* accepted, queued, unaccepted */
	SB_PLOT_GHOST,	       /* connected, the server never had a socket */
	SB_PLOT_FAILED,	       /* timeout, refused, reset, other */
};

/* One row of connections.csv: its start (t_submit_ns), user connect and
 * kernel handshake latencies (µs, NaN when empty), its layer and, for one
 * that failed, how long the caller waited for the error (µs, NaN when
 * unknown). */
void sb_plot_data__conn(struct sb_plot_data *pd, int64_t t_submit_ns, double user_us,
			double kernel_us, enum sb_plot_conn kind, double failed_us);
/* One row of queue.csv; listener its socket's index (-1: no column). */
void sb_plot_data__queue(struct sb_plot_data *pd, double t_ms, int64_t accept_queue,
			 int64_t limit, int64_t syn_queue, int64_t drops, int64_t listener);

/* Writes the data files into plots_dir (which exists); summary is
 * summary.json's root. 0 or negative errno. */
int sb_plot_data__write(const struct sb_plot_data *pd, const json_t *summary,
			const char *plots_dir);

#endif
