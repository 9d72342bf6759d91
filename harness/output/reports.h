/* The three reports of a result directory, written together from one report model. */
#ifndef SB_REPORTS_H
#define SB_REPORTS_H

#include <stddef.h>

#include "harness/output/reportmodel.h"

/* Renders m into m->dir/report.txt, report.md and report.html: each is
 * written to a temporary file, and only when all three are complete are
 * they renamed over the old ones (nothing half-written on error). A
 * directory of bench watch keeps its own report.txt. 0, or a negative
 * errno with one line in err. */
int sb_reports_write(const struct sb_report_model *m, char *err, size_t errlen);

/* sb_report_model__load(dir) with these plots, then sb_reports_write. */
int sb_reports_regenerate(const char *dir, const struct sb_report_plots *plots, char *err,
			  size_t errlen);

#endif
