/* libFuzzer: connections.csv or queue.csv (SB_FUZZ_CSV names which) as the
 * report scans them, the findings drawn from what was scanned, and the plots'
 * bounded data files written from the densities the scan fed. */
#include <string.h>
#include <sys/stat.h>

#include "harness/output/plotdata.h"

#include "tests/fuzz/fuzz_util.h"
#include "harness/output/htmlreport.h"
#include "harness/output/jsonget.h"

static json_t *summary, *config;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	struct sb_report_model m = {.dir = fuzz_dir};
	char e[512];

	if (!summary && (sb_jget_load(SB_FIXTURES "/run-small/summary.json", &summary, e, sizeof(e)) ||
			 sb_jget_load(SB_FIXTURES "/run-small/config.json", &config, e, sizeof(e))))
		abort();
	fuzz_write(SB_FUZZ_CSV, data, size);
	m.s = (summary);
	m.cfg = (config);
	char plots[512];

	if (sb_plot_data__new(&m.plot_data))
		abort();
	sb_report_facts__scan(fuzz_dir, &m.facts, m.plot_data);
	sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
	snprintf(plots, sizeof(plots), "%s/plots", fuzz_dir);
	mkdir(plots, 0755);
	sb_plot_data__write(m.plot_data, m.s, plots);
	sb_plot_data__free(m.plot_data);
	return 0;
}
