/* libFuzzer: connections.csv or queue.csv (SB_FUZZ_CSV names which) as the
 * report scans them, then the findings drawn from what was scanned. */
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/htmlreport.h"
#include "harness/jsonread.h"

static struct sb_jdoc *summary, *config;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	struct sb_report_model m = {.dir = fuzz_dir};
	struct sb_jerr e;

	if (!summary && (sb_jdoc__load(SB_FIXTURES "/run-small/summary.json", &summary, &e) ||
			 sb_jdoc__load(SB_FIXTURES "/run-small/config.json", &config, &e)))
		abort();
	fuzz_write(SB_FUZZ_CSV, data, size);
	m.s = sb_jdoc_root(summary);
	m.cfg = sb_jdoc_root(config);
	sb_report_facts__scan(fuzz_dir, &m.facts);
	sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
	return 0;
}
