/* The reports a person reads: DIR/report.html (one self-contained file: CSS
 * inline, the SVG plots inlined, no script, no network) and DIR/report.md
 * (the same content for terminals and code review; plots as PNG links).
 *
 * Both are made from the result files alone (summary.json, config.json,
 * connections.csv, queue.csv, dwell.csv, plots/), so a run and
 * `bench plot DIR` write the same reports. The findings are sentences
 * computed from the data: where connections waited, were lost, or where
 * user space added time. */
#ifndef SB_HTMLREPORT_H
#define SB_HTMLREPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/analysis/figures.h"
#include "harness/output/plotdefs.h"

struct sb_report_plots {
	enum sb_plot_state state;
	unsigned int drawn; /* bit (1u << enum sb_plot_id): plots/NAME.{png,svg} drawn */
};

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

/* Reads the CSVs of dir (a missing file counts as empty). 0, or a negative
 * errno when connections.csv cannot be read. */
int sb_report_facts__scan(const char *dir, struct sb_report_facts *f);

enum sb_finding_level {
	SB_FIND_INFO = 0,
	SB_FIND_NOTE,	 /* worth a look */
	SB_FIND_PROBLEM, /* connections waited, were lost, or data is missing */
};

struct sb_finding {
	enum sb_finding_level level;
	char text[512]; /* plain words, UTF-8, no markup */
};

#define SB_REPORT_MAX_FINDINGS 24

/* The findings for a run: summary and config are the roots of summary.json
 * and config.json (config may be NULL). Returns how many were written. */
size_t sb_report_findings(const json_t *summary, const json_t *config,
			  const struct sb_report_facts *f, struct sb_finding *out, size_t max);

/* Helpers shared by the report writers (harness/findings.c); the number
 * formatters are in harness/figures.h. */
/* Values at a dotted path: NaN / -1 / -1 when absent, null or another type. */
double sb_report_jnum(const json_t *root, const char *path);
int64_t sb_report_jint(const json_t *root, const char *path);
int sb_report_jbool(const json_t *root, const char *path);

/* Writes report.html and report.md into dir (atomically). 0, or a negative
 * errno with one line in err (summary.json missing or malformed, ...). */
int sb_htmlreport_write(const char *dir, const struct sb_report_plots *plots, char *err,
			size_t errlen);

#endif
