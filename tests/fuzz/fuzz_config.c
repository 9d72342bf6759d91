/* libFuzzer: config.json as the report reads it (parse, then the findings
 * that consult it beside a real summary.json). */
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/output/htmlreport.h"
#include "harness/output/jsonget.h"

static json_t *summary;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	struct sb_report_facts facts = {0};
	json_t *cfg = NULL;
	char e[512] = "";
	const char *path;

	if (!summary && sb_jget_load(SB_FIXTURES "/run-small/summary.json", &summary, e, sizeof(e)))
		abort();
	path = fuzz_write("config.json", data, size);
	if (sb_jget_load(path, &cfg, e, sizeof(e)) == 0) {
		sb_report_findings(summary, cfg, &facts, f, SB_REPORT_MAX_FINDINGS);
		json_decref(cfg);
	} else if (!e[0]) {
		abort(); /* an error must say what is wrong */
	}
	return 0;
}
