/* The report model: what report.txt, report.md and report.html show, read from a result directory's files alone. */
#ifndef SB_REPORTMODEL_H
#define SB_REPORTMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "harness/output/jsonget.h"
#include "harness/output/plotdefs.h"

/* How the model came to be: summary.json and config.json (parsed through
 * harness/output/jsonget.h), the CSVs scanned once (connections.csv, queue.csv,
 * dwell.csv, counters.csv) and what the plotting step drew. A run renders
 * its reports from this model after writing its result files, and
 * `bench plot DIR` does the same, so both write the same bytes. */

#define SB_REPORT_RETRANS_BANDS 8

/* What the report needs from the CSV files. */
struct sb_report_facts {
	/* connections.csv */
	uint64_t rows;	      /* connections */
	uint64_t with_kernel; /* rows with kernel_handshake_us */
	uint64_t with_user;   /* rows with user_connect_us */
	uint64_t waited_1s;   /* user_connect_us >= 1 s */
	uint64_t with_retrans;
	/* rows by SYN retransmits: [0], [1], ... last: that many or more */
	uint64_t retrans[SB_REPORT_RETRANS_BANDS];
	/* queue.csv */
	uint64_t qsamples;
	uint64_t qfull;	  /* samples with accept_queue >= limit + 1 */
	int64_t qlimit;	  /* limit column (B); -1 without samples */
	int64_t qmax;	  /* deepest accept queue */
	int64_t synq_max; /* longest SYN queue */
	/* dwell.csv */
	uint64_t dwell_rows;
};

/* One latency block of summary.json (µs). */
struct sb_report_lat {
	int present;	/* the block exists and is not null */
	int64_t count;	/* 0 when absent */
	double v[6];	/* min p50 p90 p99 p999 max; NaN when null */
};

/* The kernel counters report.txt lists, from counters.csv (source, name, delta). */
#define SB_REPORT_NCOUNTERS 14
struct sb_report_counter {
	const char *table, *name;
	int present;
	int64_t delta;
};

struct sb_plot_data; /* plotdata.h */

struct sb_report_model {
	const char *dir;
	json_t *summary_doc, *config_doc; /* owned; config may be NULL */
	const json_t *s;		  /* summary.json root */
	const json_t *cfg;		  /* config.json root, or NULL */
	int watch;				  /* written by bench watch */
	struct sb_report_facts facts;
	struct sb_report_counter counters[SB_REPORT_NCOUNTERS];
	int counters_read; /* counters.csv was there */
	struct sb_report_plots plots;
	struct sb_plot_data *plot_data; /* the plots' bounded densities (owned) */
};

/* Reads dir's result files into *m (m->dir points to dir: keep it alive).
 * 0, or a negative errno with one line in err naming the file
 * (summary.json missing or malformed, connections.csv unreadable). A
 * missing config.json is not an error (the reports say so). */
int sb_report_model__load(const char *dir, struct sb_report_model *m, char *err, size_t errlen);
void sb_report_model__free(struct sb_report_model *m);

/* Reads the CSVs of dir once (a missing file counts as empty), and feeds the
 * plots' densities into pd (NULL: facts only). 0, or a negative errno when
 * connections.csv cannot be read. */
int sb_report_facts__scan(const char *dir, struct sb_report_facts *f, struct sb_plot_data *pd);

/* A latency block of summary.json by name: "kernel_handshake" reads
 * latency_us.kernel_handshake; "probes.kernel_handshake" the histogram. */
void sb_report_lat(const struct sb_report_model *m, const char *path, struct sb_report_lat *out);

/* The probes' cost in one line (summary.json probes.cost, as the analysis
 * put it there): "set-up 61 ms CPU (1 load, 9 programs); sampler 3.1 µs per
 * pass x 400; BPF 180 ns per state event, 1.9 µs per connection; ring 120 ns
 * per record; collect 12 ms; machine CPU 34.5 µs per connection". 0, or -1
 * (buf "") when the run has no probes.cost. */
int sb_report_cost_line(const struct sb_report_model *m, char *buf, size_t len);

/* Values at a dotted path: NaN / -1 / -1 when absent, null or another type. */
double sb_report_jnum(const json_t *root, const char *path);
int64_t sb_report_jint(const json_t *root, const char *path);
int sb_report_jbool(const json_t *root, const char *path);

#endif
