/* libFuzzer: config.json as the reports read it (parse, then the findings
 * and every report that consult it beside a real summary.json). */
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/htmlreport.h"
#include "harness/report.h"
#include "harness/jsonread.h"

static struct sb_jdoc *summary;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_finding f[SB_REPORT_MAX_FINDINGS];
	struct sb_jdoc *cfg = NULL;
	struct sb_jerr e;
	const char *path;

	if (!summary && sb_jdoc__load(SB_FIXTURES "/run-small/summary.json", &summary, &e))
		abort();
	path = fuzz_write("config.json", data, size);
	if (sb_jdoc__load(path, &cfg, &e) == 0) {
		struct sb_report_model m = {.dir = "/nonexistent", .s = sb_jdoc_root(summary),
					    .cfg = sb_jdoc_root(cfg)};
		FILE *null = fopen("/dev/null", "we");

		sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
		if (null) { /* every report renders whatever the file holds */
			sb_report_text_write(null, &m);
			sb_report_docs_write(null, null, &m);
			fclose(null);
		}
		sb_jdoc__free(cfg);
	} else if (!e.msg[0]) {
		abort(); /* an error must say what is wrong */
	}
	return 0;
}
