/* harness/commands/compare.c: `bench compare` on the fixtures in tests/fixtures/compare
 * (see README.md there): exit codes 0/1/2, the final line, the table, the
 * --json verdict, medians over repeats, exact keys, n/a latency blocks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"
#include "harness/commands/compare.h"
#include "harness/commands/compare_stats.h"
#include "harness/output/jsonget.h"

#define MAX_ARGS 16

struct result {
	int code;
	char out[65536];
	char err[8192];
};

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Runs sb_compare_main({"compare", args...}) with stdout and stderr captured. */
static struct result *run(const char *const *args)
{
	static struct result res;
	char *argv[MAX_ARGS + 2];
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 0, so, se;

	memset(&res, 0, sizeof(res));
	if (!fo || !fe) {
		res.code = -1;
		return &res;
	}
	argv[argc++] = "compare";
	for (int i = 0; i < MAX_ARGS && args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	res.code = sb_compare_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, res.out, sizeof(res.out));
	slurp(fe, res.err, sizeof(res.err));
	return &res;
}

/* A fixture path; a small ring of buffers so several fit in one argv. */
static const char *fx(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/compare/%s", SB_FIXTURES, name);
	return b;
}

static int contains(const char *hay, const char *needle, const char *name)
{
	int ok = strstr(hay, needle) != NULL;

	SB_TEST_REPORT(ok, "%s: output contains \"%s\"", name, needle);
	return ok;
}

struct exit_case {
	const char *name;
	const char *args[MAX_ARGS];
	int code;
	const char *out; /* in stdout, or NULL */
	const char *err; /* in stderr, or NULL */
};

static void test_exit_codes(void)
{
	char trunc[512];
	char base[512], same[512], p99[512], rate[512], exact[512], nop[512], nopb[512], intr[512],
	    lost[512], s2[512], bad[512], wrong[512], basefile[512];
	struct exit_case cases[] = {
	    {"same as base",
	     {base, same, "--max-p99-regress", "10", "--max-rate-drop", "10"},
	     0,
	     "compare: PASS (12 checks)",
	     NULL},
	    {"base vs base, defaults", {base, base}, 0, "compare: PASS (9 checks)", NULL},
	    {"summary.json path", {basefile, same, "--max-p99-regress=10%"}, 0, "PASS", NULL},
	    {"p99 regression",
	     {base, p99, "--max-p99-regress", "10"},
	     1,
	     "compare: FAIL: latency_us.user_connect.p99 (160 -> 240: +50.00% > +10%); "
	     "latency_us.kernel_handshake.p99 (120 -> 180: +50.00% > +10%)\n",
	     NULL},
	    {"p99 regression under a 60% threshold",
	     {base, p99, "--max-p99-regress", "60"},
	     0,
	     "PASS",
	     NULL},
	    {"p99 +50% is under the single-run default (+100%)", {base, p99}, 0, "PASS", NULL},
	    {"p99 +50% over --max-latency-regress 40",
	     {base, p99, "--max-latency-regress", "40"},
	     1,
	     "FAIL: latency_us.user_connect.p99",
	     NULL},
	    {"latency gate off",
	     {base, p99, "--max-latency-regress", "off"},
	     0,
	     "PASS (5 checks)",
	     NULL},
	    {"p99 regression below --min-delta-us",
	     {base, p99, "--max-p99-regress", "10", "--min-delta-us", "100"},
	     0,
	     "PASS",
	     NULL},
	    {"rate drop",
	     {base, rate, "--max-rate-drop", "10"},
	     1,
	     "compare: FAIL: rate_conns_per_s (41234.567 -> 28864.197: drop 30.00% > 10%)",
	     NULL},
	    {"rate drop under a 40% threshold",
	     {base, rate, "--max-rate-drop", "40"},
	     0,
	     "PASS",
	     NULL},
	    {"rate drop is not a p99 regression",
	     {base, rate, "--max-p99-regress", "1"},
	     0,
	     "PASS",
	     NULL},
	    {"exact keys changed",
	     {base, exact, "--exact", "outcomes.accepted,kernel_counters.ListenOverflows"},
	     1,
	     "compare: FAIL: outcomes.accepted (995 != 990); "
	     "kernel_counters.ListenOverflows (12 != 20)",
	     NULL},
	    {"exact keys changed, repeated --exact",
	     {base, exact, "--exact", "outcomes.ghost", "--exact", "outcomes.refused"},
	     1,
	     "FAIL: outcomes.ghost (5 != 10)\n",
	     NULL},
	    {"exact keys changed, default set", {base, exact}, 0, "PASS (9 checks)", NULL},
	    {"--exact none", {base, exact, "--exact", "none"}, 0, "PASS (8 checks)", NULL},
	    {"absent kernel counter counts as 0",
	     {base, exact, "--exact", "kernel_counters.TCPAbortOnOverflow"},
	     0,
	     "PASS",
	     NULL},
	    {"absent drop reason counts as 0",
	     {base, base, "--exact", "probes.drops_by_reason.NO_SOCKET"},
	     0,
	     "PASS",
	     NULL},
	    {"exact string and bool",
	     {base, same, "--exact", "attach_plan,probes.enabled"},
	     0,
	     "PASS",
	     NULL},
	    {"exact string differs",
	     {base, same, "--exact", "label"},
	     1,
	     "FAIL: label (\"base\" != \"same\")",
	     NULL},
	    {"unknown exact key",
	     {base, same, "--exact", "outcomes.nope"},
	     2,
	     NULL,
	     "--exact outcomes.nope: no such key"},
	    {"exact key is an object",
	     {base, same, "--exact", "outcomes"},
	     2,
	     NULL,
	     "is an object"},
	    {"exact key empty", {base, same, "--exact", "a,,b"}, 2, NULL, "empty key"},
	    {"count-0 blocks are n/a",
	     {nopb, nop, "--max-p99-regress", "10"},
	     0,
	     "compare: PASS (6 checks)",
	     NULL},
	    {"count-0 blocks vs probes run",
	     {base, nop, "--max-p99-regress", "10", "--skip", "join_rate"},
	     0,
	     "n/a (no samples in NEW)",
	     NULL},
	    {"probes vs no probes: join_rate differs",
	     {base, nop},
	     1,
	     "FAIL: join_rate (1 -> n/a)",
	     NULL},
	    {"NEW interrupted", {base, intr}, 1, "FAIL: interrupted (1 of 1 NEW runs", NULL},
	    {"BASE interrupted", {intr, base}, 2, NULL, "stopped early (interrupted); record a complete"},
	    {"NEW stopped by --max-time",
	     {base, trunc},
	     1,
	     "FAIL: interrupted (1 of 1 NEW runs stopped early (max_time))",
	     NULL},
	    {"BASE stopped by --max-time", {trunc, base}, 2, NULL, "stopped early (max_time)"},
	    {"NEW lost events",
	     {base, lost, "--exact", "none"},
	     1,
	     "FAIL: lost_events (0 -> 7)",
	     NULL},
	    {"BASE lost events, NEW none", {lost, base, "--exact", "none"}, 0, "PASS", NULL},
	    {"schema mismatch", {base, s2}, 2, NULL, "schema 2, this synbench reads schema 1"},
	    {"malformed JSON", {base, bad}, 2, NULL, "malformed/summary.json:9:19: '}' expected"},
	    {"malformed BASE", {bad, base}, 2, NULL, "not valid JSON"},
	    {"wrong type", {base, wrong}, 2, NULL, "'rate_conns_per_s' is string, expected number"},
	    {"missing path",
	     {base, "/nonexistent/run"},
	     2,
	     NULL,
	     "NEW '/nonexistent/run': No such file or directory; give a run directory"},
	    {"directory without runs",
	     {base, SB_FIXTURES "/mib"},
	     2,
	     NULL,
	     "no summary.json in it nor in its subdirectories"},
	    {"p99 abc",
	     {base, same, "--max-p99-regress", "abc"},
	     2,
	     NULL,
	     "--max-p99-regress 'abc' is not a valid value"},
	    {"p99 -5", {base, same, "--max-p99-regress", "-5"}, 2, NULL, "--max-p99-regress '-5'"},
	    {"p99 10x", {base, same, "--max-p99-regress", "10x"}, 2, NULL, "'10x'"},
	    {"p99 nan", {base, same, "--max-p99-regress", "nan"}, 2, NULL, "'nan'"},
	    {"p99 empty", {base, same, "--max-p99-regress="}, 2, NULL, "''"},
	    {"rate 150", {base, same, "--max-rate-drop", "150"}, 2, NULL, "from 0 to 100"},
	    {"min-delta abc", {base, same, "--min-delta-us", "abc"}, 2, NULL, "'abc'"},
	    {"missing value",
	     {base, same, "--max-rate-drop"},
	     2,
	     NULL,
	     "--max-rate-drop needs a value"},
	    {"unknown option",
	     {base, same, "--frobnicate"},
	     2,
	     NULL,
	     "unknown option '--frobnicate'"},
	    {"one run only", {base}, 2, NULL, "needs BASE and NEW"},
	    {"three runs", {base, same, p99}, 2, NULL, "unexpected argument"},
	    {"no arguments", {NULL}, 2, NULL, "needs BASE and NEW"},
	    {"help", {"--help"}, 0, "EXIT STATUS", NULL},
	    {"-h after args", {base, "-h"}, 0, "USAGE", NULL},
	};

	snprintf(base, sizeof(base), "%s", fx("base"));
	snprintf(basefile, sizeof(basefile), "%s", fx("base/summary.json"));
	snprintf(same, sizeof(same), "%s", fx("same"));
	snprintf(p99, sizeof(p99), "%s", fx("p99_regress"));
	snprintf(rate, sizeof(rate), "%s", fx("rate_drop"));
	snprintf(exact, sizeof(exact), "%s", fx("exact_changed"));
	snprintf(nop, sizeof(nop), "%s", fx("no_probes"));
	snprintf(nopb, sizeof(nopb), "%s", fx("no_probes_base"));
	snprintf(intr, sizeof(intr), "%s", fx("interrupted"));
	snprintf(trunc, sizeof(trunc), "%s", fx("truncated"));
	snprintf(lost, sizeof(lost), "%s", fx("lost"));
	snprintf(s2, sizeof(s2), "%s", fx("schema2"));
	snprintf(bad, sizeof(bad), "%s", fx("malformed"));
	snprintf(wrong, sizeof(wrong), "%s", fx("wrong_type"));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct exit_case *c = &cases[i];
		struct result *r = run(c->args);
		int ok = ASSERT_EQ(r->code, c->code, c->name);

		if (c->out)
			ok &= contains(r->out, c->out, c->name);
		if (c->err)
			ok &= contains(r->err, c->err, c->name);
		if (c->code == 2 && c->err) {
			/* bad input: exactly one line on stderr, nothing on stdout */
			ok &= ASSERT_TRUE(strncmp(r->err, "synbench: compare: ", 19) == 0,
					  "error line prefix");
			ok &= ASSERT_TRUE(strchr(r->err, '\n') == r->err + strlen(r->err) - 1,
					  "one error line");
			ok &= ASSERT_EQ(strlen(r->out), 0, "nothing on stdout");
		}
		if (!ok)
			fprintf(stderr, "---- stdout:\n%s---- stderr:\n%s----\n", r->out, r->err);
	}
}

static void test_empty_dir(void)
{
	char dir[] = "/tmp/sb-compare-XXXXXX";
	const char *args[] = {fx("base"), dir, NULL};
	struct result *r;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	r = run(args);
	ASSERT_EQ(r->code, 2, "empty directory");
	contains(r->err, "no summary.json", "empty directory");
	rmdir(dir);
}

/* The --json verdict, parsed back with the reader. */
static json_t *run_json(const char *const *args, int want_code, const char *name)
{
	struct result *r = run(args);
	json_t *d;
	json_error_t e;

	ASSERT_EQ(r->code, want_code, name);
	d = json_loads(r->out, JSON_REJECT_DUPLICATES, &e);
	if (!ASSERT_OK_PTR(d, "--json output parses"))
		fprintf(stderr, "    %d:%d: %s\n%s", e.line, e.column, e.text, r->out);
	contains(r->err, want_code ? "compare: FAIL" : "compare: PASS", "verdict line on stderr");
	return d;
}

static const json_t *row(const json_t *d, const char *metric)
{
	const json_t *rows = json_object_get(d, "rows");

	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *r = json_array_get(rows, i);

		if (strcmp(json_string_value(json_object_get(r, "metric")) ?: "", metric) == 0)
			return r;
	}
	fprintf(stderr, "  no row %s\n", metric);
	return NULL;
}

static double num(const json_t *row, const char *key)
{
	double v = NAN;

	sb_jget_double(json_object_get(row, key), &v);
	return v;
}

static void test_repeats(void)
{
	const char *pass[] = {fx("repeats_base"),
			      fx("repeats_new"),
			      "--max-p99-regress",
			      "10",
			      "--max-rate-drop",
			      "10",
			      "--exact",
			      "outcomes.accepted",
			      "--json",
			      NULL};
	const char *outlier[] = {fx("repeats_base"), fx("repeats_new/run2"), "--max-p99-regress",
				 "10", NULL};
	const char *regress[] = {fx("repeats_base"),
				 fx("repeats_regress"),
				 "--max-p99-regress",
				 "10",
				 "--max-rate-drop",
				 "10",
				 "--json",
				 NULL};
	const char *table[] = {fx("repeats_base"), fx("repeats_new"), "--max-p99-regress", "2",
			       NULL};
	json_t *d = run_json(pass, 0, "repeats: medians within thresholds");
	const json_t *r;
	struct result *res;

	if (d) {
		ASSERT_STREQ(json_string_value(json_object_get(d, "result")), "pass", "result");
		ASSERT_EQ(json_array_size(sb_jget_path(d, "base.runs")), 3, "3 base runs");
		r = row(d, "latency_us.user_connect.p99");
		ASSERT_NEAR(num(r, "base"), 160, 1e-9, "base p99 median of 150,160,170");
		ASSERT_NEAR(num(r, "new"), 165, 1e-9, "new p99 median of 165,400,158 (mean 241)");
		ASSERT_NEAR(num(r, "new_min"), 158, 1e-9, "new p99 min");
		ASSERT_NEAR(num(r, "new_max"), 400, 1e-9, "new p99 max");
		ASSERT_NEAR(num(r, "delta_pct"), 3.125, 1e-9, "p99 delta %");
		ASSERT_NEAR(num(r, "limit_pct"), 10, 0, "p99 limit");
		ASSERT_STREQ(json_string_value(json_object_get(r, "verdict")), "noise",
			     "p99 verdict");
		ASSERT_TRUE(num(r, "p") > 0.05, "p99 p-value above alpha");
		ASSERT_STREQ(json_string_value(json_object_get(d, "mode")), "mann-whitney", "mode");
		r = row(d, "rate_conns_per_s");
		ASSERT_NEAR(num(r, "base"), 41000, 1e-9, "rate median");
		ASSERT_NEAR(num(r, "new"), 41500, 1e-9, "new rate median of 41500,20000,41600");
		r = row(d, "outcomes.accepted");
		ASSERT_NEAR(num(r, "new"), 995, 0, "accepted median of 995,990,995");
		ASSERT_STREQ(json_string_value(json_object_get(r, "verdict")), "ok",
			     "accepted verdict");
		r = row(d, "latency_us.pre_syn.p50");
		ASSERT_STREQ(json_string_value(json_object_get(r, "verdict")), "info",
			     "pre_syn is information");
		json_decref(d);
	}

	res = run(outlier);
	ASSERT_EQ(res->code, 1, "the outlier run alone regresses");

	d = run_json(regress, 1, "repeats: medians regress");
	if (d) {
		const json_t *f = json_object_get(d, "failures");

		ASSERT_STREQ(json_string_value(json_object_get(d, "result")), "fail", "result");
		ASSERT_EQ(json_integer_value(json_object_get(d, "failed")), 2, "failed count");
		ASSERT_EQ(json_array_size(f), 2, "failures listed");
		ASSERT_STREQ(json_string_value(json_array_get(f, 0)),
			     "rate_conns_per_s (41000 -> 30000: drop 26.83% > 10%, p=0.05)",
			     "first failure");
		r = row(d, "latency_us.user_connect.p99");
		ASSERT_NEAR(num(r, "new"), 200, 1e-9, "regressed median");
		ASSERT_STREQ(json_string_value(json_object_get(r, "verdict")), "FAIL",
			     "regressed verdict");
		json_decref(d);
	}

	res = run(table);
	ASSERT_EQ(res->code, 0, "a 2% threshold: +3% inside the noise passes");
	contains(res->out, "BASE 3 run(s), NEW 3 run(s): medians; one-sided Mann-Whitney U",
		 "table names the repeats and the test");
	contains(res->out, "p=0.", "table has p-values");
	contains(res->out, "noise (+3.12% > +2%, p=", "a change beyond the threshold is noise");
}

static void test_median(void)
{
	double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2}, c[] = {7};

	ASSERT_NEAR(sb_compare_median(a, 3), 2, 0, "median of 3");
	ASSERT_NEAR(sb_compare_median(b, 4), 2.5, 0, "median of 4");
	ASSERT_NEAR(sb_compare_median(c, 1), 7, 0, "median of 1");
	ASSERT_TRUE(isnan(sb_compare_median(NULL, 0)), "median of 0 is NaN");
}

int main(void)
{
	test_median();
	test_exit_codes();
	test_empty_dir();
	test_repeats();
	return sb_test_result();
}
