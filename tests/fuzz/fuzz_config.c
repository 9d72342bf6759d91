/* libFuzzer: config.json as the report reads it (parse, then the findings
 * that consult it beside a real summary.json). */
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/output/htmlreport.h"
#include "harness/output/jsonread.h"

static struct sb_jdoc *summary;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	struct sb_report_facts facts = {0};
	struct sb_jdoc *cfg = NULL;
	struct sb_jerr e;
	const char *path;

	if (!summary && sb_jdoc__load(SB_FIXTURES "/run-small/summary.json", &summary, &e))
		abort();
	path = fuzz_write("config.json", data, size);
	if (sb_jdoc__load(path, &cfg, &e) == 0) {
		sb_report_findings(sb_jdoc_root(summary), sb_jdoc_root(cfg), &facts, f,
				   SB_REPORT_MAX_FINDINGS);
		sb_jdoc__free(cfg);
	} else if (!e.msg[0]) {
		abort(); /* an error must say what is wrong */
	}
	return 0;
}
