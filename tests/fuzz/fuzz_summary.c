/* libFuzzer: summary.json as bench compare reads it (parse, validate, every
 * row against a real baseline and against itself, every output format) and
 * as the reports read it (findings, report.txt, report.md, report.html). A bad file must give an error message
 * naming the file, never a crash. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/commands/compare_out.h"
#include "harness/commands/compare_rows.h"
#include "harness/output/htmlreport.h"
#include "harness/output/report.h"

static struct sb_cmp_side base;
static FILE *devnull;

static void load_base(void)
{
	static const char *arg = SB_FIXTURES "/compare/base";
	char err[1024];

	base = (struct sb_cmp_side){.label = "BASE", .args = &arg, .nargs = 1};
	if (sb_cmp_side_load(&base, err, sizeof(err)))
		abort();
	devnull = fopen("/dev/null", "w");
}

static void compare(const struct sb_cmp_side *b, const struct sb_cmp_side *n, int repeats)
{
	char *exact[] = {"conns_requested", "outcomes.accepted", "kernel_counters.ListenDrops",
			 "label"};
	struct sb_cmp_opts o = {.exact = exact, .nexact = 4};
	struct sb_cmp_rows rs = {0};
	char err[1024];

	sb_cmp_opts_defaults(&o, repeats ? CMP_MODE_TEST : CMP_MODE_SINGLE);
	if (sb_cmp_rows_build(&o, b, n, &rs, err, sizeof(err)) == 0) {
		struct sb_cmp_report rp = {&o, &rs, b, n, 0, 0};

		sb_cmp_report_count(&rp);
		sb_cmp_out_table(devnull, &rp);
		sb_cmp_out_json(devnull, &rp);
		sb_cmp_out_junit(devnull, &rp);
		sb_cmp_out_markdown(devnull, &rp);
		sb_cmp_out_verdict(devnull, &rp);
	} else if (!strchr(err, ' ')) {
		abort(); /* an error must come with a message */
	}
	free(rs.r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path, *args[1];
	struct sb_cmp_side n = {.label = "NEW"};
	char err[1024] = "";
	int r;

	if (!base.n)
		load_base();
	path = fuzz_write("summary.json", data, size);
	args[0] = path;
	n.args = args;
	n.nargs = 1;
	r = sb_cmp_side_load(&n, err, sizeof(err));
	if (r) {
		/* bad input: one line that names the file */
		if (r != -ENOMEM && (!strstr(err, path) || strchr(err, '\n')))
			abort();
	} else {
		struct sb_finding f[SB_REPORT_MAX_FINDINGS];
		struct sb_report_model m = {.dir = "/nonexistent", .s = n.docs[0]};

		m.plots.state = SB_PLOTS_OFF;
		compare(&base, &n, 0);
		compare(&n, &n, 0);
		sb_report_findings(&m, f, SB_REPORT_MAX_FINDINGS);
		/* every report renders whatever the file holds */
		sb_report_text_write(devnull, &m);
		sb_report_docs_write(devnull, devnull, &m);
	}
	sb_cmp_side_free(&n);
	return 0;
}
