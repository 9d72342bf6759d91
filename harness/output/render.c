/* A result directory's plots and reports, rendered from its files (render.h). */
#include "harness/output/render.h"
#include "harness/cli/msg.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "harness/cli/stop.h"
#include "harness/output/plotdraw.h"
#include "harness/output/reportmodel.h"
#include "harness/output/reports.h"

int sb_render_model(struct sb_report_model *m, int no_plot)
{
	char err[PATH_MAX + 256];
	int rc = sb_plot_draw(m, no_plot, &m->plots), e;

	if (sb_stop_requested) /* a signal: no report half made */
		return -EINTR;
	e = sb_reports_write(m, err, sizeof(err));
	if (e) {
		sb_error("%s", err);
		return e;
	}
	return rc;
}

int sb_render_dir(const char *dir, int no_plot)
{
	struct sb_report_model m;
	char err[PATH_MAX + 256];
	int rc;

	if (sb_report_model__load(dir, &m, err, sizeof(err))) {
		sb_error("%s", err);
		return 2;
	}
	rc = sb_render_model(&m, no_plot);
	sb_report_model__free(&m);
	return rc < 0 ? 2 : rc;
}
