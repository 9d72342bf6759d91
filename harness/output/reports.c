/* Writes a result directory's three reports (report.txt, report.md, report.html) from one report model, atomically. */
#include "harness/output/reports.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/output/htmlreport.h"
#include "harness/output/outdir.h"
#include "harness/output/report.h"
#include "harness/output/report_watch.h"

enum { R_TXT, R_HTML, R_MD, NREPORTS };

int sb_reports_write(const struct sb_report_model *m, char *err, size_t errlen)
{
	static const char *const names[NREPORTS] = {"report.txt", "report.html", "report.md"};
	char tmp[NREPORTS][PATH_MAX];
	FILE *f[NREPORTS] = {NULL};
	int first = R_TXT, e = 0, i;

	err[0] = '\0';
	for (i = first; i < NREPORTS && !e; i++) {
		f[i] = sb_outdir_tmpfile(m->dir, names[i], tmp[i], sizeof(tmp[i]));
		if (!f[i]) {
			e = -errno;
			snprintf(err, errlen, "cannot write %s/%s (%s)", m->dir, names[i],
				 strerror(-e));
		}
	}
	if (!e)
		e = m->watch ? sb_report_watch_text(f[R_TXT], m) : sb_report_text_write(f[R_TXT], m);
	if (!e)
		e = sb_report_docs_write(f[R_HTML], f[R_MD], m);
	for (i = first; i < NREPORTS; i++)
		if (f[i] && fclose(f[i]) && !e)
			e = -errno;
	/* all three written: only now replace the old ones */
	for (i = first; i < NREPORTS; i++) {
		if (!e && (e = sb_outdir_commit(tmp[i], m->dir, names[i])) != 0)
			snprintf(err, errlen, "cannot rename %s to %s/%s (%s)", tmp[i], m->dir,
				 names[i], strerror(-e));
		if (e && f[i])
			unlink(tmp[i]);
	}
	if (e && !err[0])
		snprintf(err, errlen, "writing the reports in %s failed (%s)", m->dir,
			 strerror(-e));
	return e;
}

int sb_reports_regenerate(const char *dir, const struct sb_report_plots *plots, char *err,
			  size_t errlen)
{
	struct sb_report_model m;
	int e = sb_report_model__load(dir, &m, err, errlen);

	if (e)
		return e;
	if (plots)
		m.plots = *plots;
	e = sb_reports_write(&m, err, errlen);
	sb_report_model__free(&m);
	return e;
}
