/* libFuzzer: config.json as the reports read it (parse, then the findings
 * and every report that consult it beside a real summary.json). */
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/output/htmlreport.h"
#include "harness/output/report.h"
#include "harness/output/jsonget.h"

static json_t *summary;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	json_t *cfg = NULL;
	char e[512] = "";
	const char *path;

	if (!summary && sb_jget_load(SB_FIXTURES "/run-small/summary.json", &summary, e, sizeof(e)))
		abort();
	path = fuzz_write("config.json", data, size);
	if (sb_jget_load(path, &cfg, e, sizeof(e)) == 0) {
		struct sb_report_model m = {.dir = "/nonexistent", .s = (summary),
					    .cfg = (cfg)};
		FILE *null = fopen("/dev/null", "we");

		sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
		if (null) { /* every report renders whatever the file holds */
			sb_report_text_write(null, &m);
			sb_report_docs_write(null, null, &m);
			fclose(null);
		}
		json_decref(cfg);
	} else if (!e[0]) {
		abort(); /* an error must say what is wrong */
	}
	return 0;
}
