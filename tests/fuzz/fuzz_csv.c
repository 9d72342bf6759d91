/* libFuzzer: connections.csv or queue.csv (SB_FUZZ_CSV names which) as the
 * report scans them, then the findings drawn from what was scanned. */
#include <string.h>

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
	sb_report_facts__scan(fuzz_dir, &m.facts);
	sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
	return 0;
}
