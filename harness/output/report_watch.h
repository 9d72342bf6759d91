/* A watch's text report (report.txt and the stdout summary), from the
 * report model like a run's (report.h). */
#ifndef SB_REPORT_WATCH_H
#define SB_REPORT_WATCH_H

#include <stdio.h>

#include "harness/output/reportmodel.h"

int sb_report_watch_text(FILE *f, const struct sb_report_model *m);

#endif
