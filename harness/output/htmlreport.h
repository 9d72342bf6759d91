/* report.html and report.md rendered from the report model, and the findings they share.
 *
 * DIR/report.html is one self-contained file (CSS inline, the SVG plots
 * inlined, no script, no network); DIR/report.md has the same content for
 * terminals and code review (plots as PNG links). Both are rendered from
 * the report model (harness/output/reportmodel.h), which is read from the result
 * files alone, so a run and `bench plot DIR` write the same reports. The
 * findings are sentences computed from the data: where connections waited,
 * were lost, or where user space added time. */
#ifndef SB_HTMLREPORT_H
#define SB_HTMLREPORT_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "harness/output/fmt.h"
#include "harness/output/reportmodel.h"

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

/* The findings for a run, computed from the model. Returns how many were
 * written. */
size_t sb_report_findings(const struct sb_report_model *m, struct sb_finding *out, size_t max);

/* Renders report.html into html and report.md into md from the model. 0 or
 * -EIO (file handling: harness/output/reports.h). */
int sb_report_docs_write(FILE *html, FILE *md, const struct sb_report_model *m);

#endif
