/* report.txt / report.html / report.md / plots from the committed result
 * directory tests/fixtures/run-small (a real 300-connection run with probes):
 * report.txt is the committed one byte for byte, the numbers in the reports
 * are the ones in summary.json, in a person's unit (no raw µs anywhere), the
 * findings are computed from the CSVs, the SVGs are inlined, and empty data
 * (no queue samples, no dwell rows), a missing gnuplot or a bad
 * summary.json never breaks anything. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/output/htmlreport.h"
#include "harness/output/jsonget.h"
#include "harness/output/plotdraw.h"
#include "harness/output/render.h"
#include "harness/output/report.h"
#include "harness/output/reportmodel.h"
#include "harness/output/fmt.h"
#include "tests/test.h"

static const char *const files[] = {"summary.json", "config.json", "connections.csv",
				    "queue.csv",    "dwell.csv",   "counters.csv"};

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char p[PATH_MAX];
	struct stat st;
	FILE *f;
	char *b;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	if (!f || fstat(fileno(f), &st)) {
		if (f)
			fclose(f);
		return NULL;
	}
	b = malloc((size_t)st.st_size + 1);
	*len = fread(b, 1, (size_t)st.st_size, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static int copy_fixture_of(const char *name, char *dir, size_t len, int empty_queue)
{
	char p[PATH_MAX], src[PATH_MAX];

	snprintf(dir, len, "/tmp/sb-test-report.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	snprintf(src, sizeof(src), "%s/%s", SB_FIXTURES, name);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n;
		char *b = slurp(src, files[i], &n);
		FILE *f;

		if (!b)
			return -ENOENT;
		if (empty_queue &&
		    (!strcmp(files[i], "queue.csv") || !strcmp(files[i], "dwell.csv")))
			n = strcspn(b, "\n") + 1; /* header only */
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		f = fopen(p, "we");
		fwrite(b, 1, n, f);
		fclose(f);
		free(b);
	}
	return 0;
}

static int copy_fixture(char *dir, size_t len, int empty_queue)
{
	return copy_fixture_of("run-small", dir, len, empty_queue);
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "  (could not remove %s)\n", dir);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* every percentile of every latency block appears in both reports, in a
 * person's unit (the HTML title keeps every digit) */
static void check_numbers(const char *html, const char *md, const json_t *s)
{
	static const char *const blocks[] = {"kernel_handshake", "user_connect", "pre_syn",
					     "notify_delay", "accept_wait"};
	static const char *const keys[] = {"min", "p50", "p90", "p99", "p999", "max"};
	char want[128], name[96], e[48], h[48];

	for (size_t b = 0; b < 5; b++)
		for (size_t k = 0; k < 6; k++) {
			double v = sb_report_jnum(
			    json_object_get(json_object_get(s, "latency_us"), blocks[b]), keys[k]);

			if (isnan(v))
				continue;
			snprintf(name, sizeof(name), "html %s.%s", blocks[b], keys[k]);
			snprintf(want, sizeof(want), "title=\"%s\">", sb_fmt_us_exact(e, sizeof(e), v));
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s<",
				 sb_fmt_us(h, sizeof(h), v));
			ASSERT_TRUE(strstr(html, want), name);
			snprintf(name, sizeof(name), "md %s.%s", blocks[b], keys[k]);
			snprintf(want, sizeof(want), "| %s |", sb_fmt_us(h, sizeof(h), v));
			ASSERT_TRUE(strstr(md, want), name);
		}
}

/* A figure a person reads is in a person's unit: no raw microseconds such as
 * "1029701.631" (4+ digits, a point, 3 digits) outside the inlined SVGs and
 * the verbatim config.json (<pre>). */
static int human_units(const char *text, const char *what)
{
	static const char *const skip[][2] = {{"<svg", "</svg>"}, {"<pre>", "</pre>"}};

	for (const char *p = text; *p; p++) {
		size_t n = 0;

		for (size_t k = 0; k < 2; k++)
			if (strncmp(p, skip[k][0], strlen(skip[k][0])) == 0) {
				const char *e = strstr(p, skip[k][1]);

				p = e ? e : p + strlen(p) - 1;
			}
		if (p != text && p[-1] >= '0' && p[-1] <= '9')
			continue;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n >= 4 && p[n] == '.' && p[n + 1] >= '0' && p[n + 1] <= '9' &&
		    p[n + 2] >= '0' && p[n + 2] <= '9' && p[n + 3] >= '0' && p[n + 3] <= '9') {
			fprintf(stderr, "  %s shows a raw µs value: %.24s\n", what, p);
			return 0;
		}
	}
	return 1;
}

/* report.txt rendered from the files is the committed one, byte for byte:
 * the run and bench plot DIR write it through this one path. */
static void test_text(void)
{
	char dir[PATH_MAX], src[PATH_MAX];
	char *got = NULL, *want = NULL, *table = NULL;
	size_t glen = 0, wlen = 0, tlen = 0;
	struct sb_report_model m;
	char err[PATH_MAX + 256];
	FILE *t;

	fprintf(stderr, "test_text\n");
	if (!ASSERT_OK(copy_fixture(dir, sizeof(dir), 0), "copy fixture"))
		return;
	snprintf(src, sizeof(src), "%s/run-small", SB_FIXTURES);
	ASSERT_EQ(sb_render_dir(dir, 1), 0, "render --no-plot");
	got = slurp(dir, "report.txt", &glen);
	want = slurp(src, "report.txt", &wlen);
	if (ASSERT_OK_PTR(got, "report.txt written") && ASSERT_OK_PTR(want, "fixture report.txt")) {
		ASSERT_EQ(glen, wlen, "report.txt length");
		ASSERT_TRUE(glen == wlen && memcmp(got, want, glen) == 0,
			    "report.txt = tests/fixtures/run-small/report.txt");
		ASSERT_TRUE(human_units(got, "report.txt"), "report.txt: no raw µs");
		ASSERT_TRUE(strstr(got, "p50           1.017 s      1.026 s     453.6 µs"),
			    "table in a person's unit");
	}
	/* the stdout table is the report's table */
	if (ASSERT_OK(sb_report_model__load(dir, &m, err, sizeof(err)), "model")) {
		t = open_memstream(&table, &tlen);
		if (ASSERT_OK_PTR(t, "memstream")) {
			ASSERT_OK(sb_report_text_table(t, &m), "table");
			fclose(t);
			ASSERT_TRUE(human_units(table, "stdout table"), "stdout: no raw µs");
			ASSERT_TRUE(got && strncmp(table, strstr(got, "latency "), 100) == 0,
				    "same latency table");
		}
		sb_report_model__free(&m);
	}
	free(table);
	free(got);
	free(want);
	rm_rf(dir);
}

/* Bad input: one line naming the file, exit 2, nothing written. */
static void test_bad_input(void)
{
	char dir[PATH_MAX], p[PATH_MAX + 32], err[PATH_MAX + 256];
	struct sb_report_model m;
	struct stat st;
	FILE *f;

	fprintf(stderr, "test_bad_input\n");
	if (!ASSERT_OK(copy_fixture(dir, sizeof(dir), 0), "copy fixture"))
		return;
	snprintf(p, sizeof(p), "%s/summary.json", dir);
	f = fopen(p, "we");
	if (f) {
		fputs("{\"schema\": 1,\n \"latency_us\": [}\n", f);
		fclose(f);
	}
	ASSERT_EQ(sb_report_model__load(dir, &m, err, sizeof(err)), -EINVAL, "malformed");
	ASSERT_TRUE(strstr(err, p) && !strchr(err, '\n'), "one line naming summary.json");
	ASSERT_EQ(sb_render_dir(dir, 1), 2, "render: 2");
	snprintf(p, sizeof(p), "%s/report.txt", dir);
	ASSERT_TRUE(stat(p, &st) != 0, "no report.txt");
	snprintf(p, sizeof(p), "%s/report.html", dir);
	ASSERT_TRUE(stat(p, &st) != 0, "no report.html");
	snprintf(p, sizeof(p), "%s/summary.json", dir);
	f = fopen(p, "we");
	if (f) {
		fputs("[1, 2]\n", f);
		fclose(f);
	}
	ASSERT_EQ(sb_report_model__load(dir, &m, err, sizeof(err)), -EINVAL, "not an object");
	ASSERT_TRUE(strstr(err, p) != NULL, "names summary.json");
	rm_rf(dir);
}

static void test_reports(void)
{
	char dir[PATH_MAX], buf[64], want[PATH_MAX + 64], gp[PATH_MAX];
	struct sb_report_model m;
	const struct sb_report_facts *fp = &m.facts;
	struct sb_finding fs[SB_REPORT_MAX_FINDINGS];
	json_t *d = NULL;
	const json_t *s;
	char *html = NULL, *md = NULL, *dat = NULL;
	size_t len, nf;
	int have_gnuplot = sb_plot_find_gnuplot(gp, sizeof(gp)) == 0;

	fprintf(stderr, "test_reports\n");
	if (!ASSERT_OK(copy_fixture(dir, sizeof(dir), 0), "copy fixture"))
		return;
	snprintf(want, sizeof(want), "%s/summary.json", dir);
	if (!ASSERT_OK(sb_jget_load(want, &d, NULL, 0), "load summary"))
		goto out;
	s = (d);

	/* facts from the CSVs agree with the summary */
	if (!ASSERT_OK(sb_report_model__load(dir, &m, want, sizeof(want)), "model"))
		goto out;
#define f (*fp)
	ASSERT_EQ(f.rows, sb_report_jint(s, "conns_started"), "rows = conns_started");
	ASSERT_EQ(f.with_kernel, sb_report_jint(s, "latency_us.kernel_handshake.count"),
		  "kernel rows = kernel_handshake.count");
	ASSERT_EQ(f.with_user, sb_report_jint(s, "latency_us.user_connect.count"),
		  "user rows = user_connect.count");
	ASSERT_EQ(f.qsamples, sb_report_jint(s, "probes.listener_samples"),
		  "queue rows = listener_samples");
	ASSERT_EQ(f.qlimit, sb_report_jint(s, "effective_backlog"), "queue limit = backlog");
	ASSERT_GT(f.dwell_rows, 0, "dwell rows");

#undef f
	nf = sb_report_findings(&m, fs, SB_REPORT_MAX_FINDINGS);
	sb_report_model__free(&m);
	ASSERT_GE(nf, 5, "findings");
	ASSERT_TRUE(strstr(fs[0].text, sb_fmt_count(buf, sizeof(buf),
							   sb_report_jint(s, "conns_started"))),
		    "first finding names the connections");

	/* the run's entry point, plots included when gnuplot is there */
	ASSERT_EQ(sb_render_dir(dir, !have_gnuplot), 0, "sb_render_dir");
	dat = slurp(dir, "plots/breakdown.dat", &len);
	if (ASSERT_OK_PTR(dat, "breakdown.dat")) {
		snprintf(want, sizeof(want), "p99 %.3f %.3f %.3f %.3f",
			 sb_report_jnum(s, "latency_us.pre_syn.p99"),
			 sb_report_jnum(s, "latency_us.kernel_handshake.p99"),
			 sb_report_jnum(s, "latency_us.notify_delay.p99"),
			 sb_report_jnum(s, "latency_us.accept_wait.p99"));
		ASSERT_TRUE(strstr(dat, want), "breakdown.dat carries the summary p99s");
	}
	html = slurp(dir, "report.html", &len);
	md = slurp(dir, "report.md", &len);
	if (!ASSERT_OK_PTR(html, "report.html") || !ASSERT_OK_PTR(md, "report.md"))
		goto out;
	check_numbers(html, md, s);
	ASSERT_TRUE(human_units(html, "report.html"), "report.html: no raw µs");
	ASSERT_TRUE(human_units(md, "report.md"), "report.md: no raw µs");
	for (size_t i = 0; i < nf; i++) /* findings text is in both (HTML-escaped: no <>&") */
		if (!strpbrk(fs[i].text, "<>&\""))
			ASSERT_TRUE(strstr(html, fs[i].text) && strstr(md, fs[i].text), fs[i].text);
	snprintf(want, sizeof(want), "%s ghost connections",
		 sb_fmt_count(buf, sizeof(buf), sb_report_jint(s, "outcomes.ghost")));
	if (sb_report_jint(s, "outcomes.ghost") > 0)
		ASSERT_TRUE(strstr(html, want), "ghost finding");
	ASSERT_EQ(count(html, "<script"), 0, "no script");
	ASSERT_EQ(count(html, "<link"), 0, "no external stylesheet");
	ASSERT_EQ(count(html, "src=\"http"), 0, "nothing from the network");
	ASSERT_TRUE(strstr(html, "Reconciliation"), "reconciliation section");
	ASSERT_TRUE(strstr(html, "net.ipv4.tcp_syncookies"), "config section");
	if (!have_gnuplot) {
		fprintf(stderr, "  (gnuplot not installed: plot checks skipped)\n");
		ASSERT_TRUE(strstr(html, "Plots were not drawn"), "says plots are missing");
		goto out;
	}
	/* a connect run has no crr phases: that plot is explained, not drawn */
	ASSERT_EQ(count(html, "<svg "), SB_NPLOTS - 1, "every plot inlined as SVG");
	ASSERT_TRUE(strstr(html, "Not drawn: no crr phases"), "phases explained");
	ASSERT_EQ(count(html, "<?xml"), 0, "no XML prolog inside HTML");
	ASSERT_EQ(count(html, "id='gpPt0'"), 0, "SVG ids made unique");
	for (int id = 0; id < SB_NPLOTS; id++) {
		const char *name = sb_plot_def(id)->name;
		char *png, *svg;
		size_t plen = 0, slen = 0;

		if (id == SB_PLOT_PHASES)
			continue;
		snprintf(want, sizeof(want), "plots/%s.png", name);
		png = slurp(dir, want, &plen);
		ASSERT_TRUE(png && plen > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, want);
		ASSERT_GT(plen, 5000, want);
		ASSERT_TRUE(strstr(md, want), "md links the PNG");
		snprintf(want, sizeof(want), "plots/%s.svg", name);
		svg = slurp(dir, want, &slen);
		ASSERT_TRUE(svg && strstr(svg, "<svg") && strstr(svg, "</svg>"), want);
		ASSERT_GT(slen, 5000, want);
		free(png);
		free(svg);
	}
out:
	free(dat);
	free(html);
	free(md);
	json_decref(d);
	rm_rf(dir);
}

/* No queue samples, no dwell rows: those plots are explained, nothing fails. */
static void test_empty_data(void)
{
	char dir[PATH_MAX], gp[PATH_MAX];
	char *html;
	size_t len;
	int have_gnuplot = sb_plot_find_gnuplot(gp, sizeof(gp)) == 0;

	fprintf(stderr, "test_empty_data\n");
	if (!ASSERT_OK(copy_fixture(dir, sizeof(dir), 1), "copy fixture"))
		return;
	ASSERT_EQ(sb_render_dir(dir, !have_gnuplot), 0, "empty queue/dwell still plot");
	html = slurp(dir, "report.html", &len);
	if (ASSERT_OK_PTR(html, "report.html") && have_gnuplot) {
		ASSERT_TRUE(strstr(html, "Not drawn: no listener samples"), "queue explained");
		ASSERT_TRUE(strstr(html, "Not drawn: no state dwell"), "dwell explained");
		ASSERT_EQ(count(html, "<svg "), SB_NPLOTS - 3, "the other plots inlined");
	}
	free(html);
	rm_rf(dir);
}

/* gnuplot missing: exit 2 semantics, and the report still gets written. */
static void test_no_gnuplot(void)
{
	char dir[PATH_MAX];
	char *html;
	size_t len;

	fprintf(stderr, "test_no_gnuplot\n");
	if (!ASSERT_OK(copy_fixture(dir, sizeof(dir), 0), "copy fixture"))
		return;
	setenv("SYNBENCH_GNUPLOT", "/nonexistent/gnuplot", 1);
	ASSERT_EQ(sb_render_dir(dir, 0), 2, "no gnuplot: 2");
	unsetenv("SYNBENCH_GNUPLOT");
	html = slurp(dir, "report.html", &len);
	if (ASSERT_OK_PTR(html, "report.html written anyway"))
		ASSERT_TRUE(strstr(html, "gnuplot was not found"), "report says why");
	free(html);
	ASSERT_EQ(sb_render_dir("/nonexistent/dir", 1), 2, "no summary.json: 2");
	rm_rf(dir);
}

static void test_format(void)
{
	char b[64];

	fprintf(stderr, "test_format\n");
	ASSERT_STREQ(sb_fmt_count(b, sizeof(b), 0), "0", "0");
	ASSERT_STREQ(sb_fmt_count(b, sizeof(b), 999), "999", "999");
	ASSERT_STREQ(sb_fmt_count(b, sizeof(b), 1204), "1,204", "1,204");
	ASSERT_STREQ(sb_fmt_count(b, sizeof(b), 1234567), "1,234,567", "1,234,567");
	ASSERT_STREQ(sb_fmt_us(b, sizeof(b), 2059403.263), "2.059 s", "s");
	ASSERT_STREQ(sb_fmt_us(b, sizeof(b), 12812.287), "12.81 ms", "ms");
	ASSERT_STREQ(sb_fmt_us(b, sizeof(b), 170.495), "170.5 µs", "us");
	ASSERT_STREQ(sb_fmt_us(b, sizeof(b), NAN), "n/a", "nan");
	ASSERT_STREQ(sb_fmt_us_exact(b, sizeof(b), 1029701.631), "1.029701631 s", "exact s");
	ASSERT_STREQ(sb_fmt_us_exact(b, sizeof(b), 7782.399), "7.782399 ms", "exact ms");
	ASSERT_STREQ(sb_fmt_us_exact(b, sizeof(b), 61.376), "61.376 µs", "exact us");
	ASSERT_TRUE(!human_units("p50 1029701.631 us", "t"), "raw µs caught");
	ASSERT_TRUE(human_units("p50 1.030 s, 2026-11-22, <svg x='1234.567'></svg>", "t"),
		    "human units pass");
}

/* --tls runs (tests/fixtures/run-tls: 40 connections with --tls-resume;
 * run-tls-fail: 20 with a --tls-sni the listener's certificate does not
 * name): report.txt byte for byte, the phases table and the TLS sentence
 * from summary.json, the failures with OpenSSL's words, the phases plot. */
static void test_tls(void)
{
	char dir[PATH_MAX], src[PATH_MAX], gp[PATH_MAX], want[PATH_MAX + 64], b[4][48];
	int have_gnuplot = sb_plot_find_gnuplot(gp, sizeof(gp)) == 0;
	char *got = NULL, *fix = NULL, *dat = NULL, *html = NULL;
	size_t glen = 0, flen = 0, len = 0;
	json_t *s = NULL;

	fprintf(stderr, "test_tls\n");
	if (!ASSERT_OK(copy_fixture_of("run-tls", dir, sizeof(dir), 0), "copy run-tls"))
		return;
	snprintf(src, sizeof(src), "%s/run-tls", SB_FIXTURES);
	ASSERT_EQ(sb_render_dir(dir, !have_gnuplot), 0, "render");
	got = slurp(dir, "report.txt", &glen);
	fix = slurp(src, "report.txt", &flen);
	snprintf(want, sizeof(want), "%s/summary.json", dir);
	if (!ASSERT_OK_PTR(got, "report.txt") || !ASSERT_OK_PTR(fix, "fixture report.txt") ||
	    !ASSERT_OK(sb_jget_load(want, &s, want, sizeof(want)), "summary.json"))
		goto out;
	ASSERT_TRUE(glen == flen && memcmp(got, fix, glen) == 0,
		    "report.txt = tests/fixtures/run-tls/report.txt");
	ASSERT_TRUE(strstr(got, "\nPhases ") != NULL, "phases table");
	for (const char *row = "TLS handshake\0first byte\0last byte\0server: TLS accept\0";
	     *row; row += strlen(row) + 1) {
		snprintf(want, sizeof(want), "\n%s ", row);
		ASSERT_TRUE(strstr(got, want) != NULL, row);
	}
	snprintf(want, sizeof(want),
		 "TLS 1.3 ecdsa-p256, resumption on, certificate verified: %s handshakes (p50 %s), "
		 "%s resumed, 0 failed\n",
		 sb_fmt_count(b[0], 48, sb_report_jint(s, "tls.handshakes")),
		 sb_fmt_us(b[1], 48, sb_report_jnum(s, "latency_us.tls_handshake.p50")),
		 sb_fmt_count(b[2], 48, sb_report_jint(s, "tls.resumed")));
	ASSERT_TRUE(strstr(got, want) != NULL, "the TLS sentence, from summary.json");
	ASSERT_GT(sb_report_jint(s, "tls.resumed"), 0, "the fixture resumed sessions");
	dat = slurp(dir, "plots/phases.dat", &len);
	snprintf(want, sizeof(want), "\np50 %.3f %.3f %.3f %.3f %.3f\n",
		 sb_report_jnum(s, "latency_us.user_connect.p50"),
		 sb_report_jnum(s, "latency_us.tls_handshake.p50"),
		 sb_report_jnum(s, "latency_us.first_byte.p50"),
		 sb_report_jnum(s, "latency_us.last_byte.p50"),
		 sb_report_jnum(s, "latency_us.tls_accept.p50"));
	ASSERT_TRUE(dat && strstr(dat, want), "phases.dat: the summary's p50s");
	html = slurp(dir, "report.html", &len);
	if (have_gnuplot && ASSERT_OK_PTR(html, "report.html")) {
		char *png = slurp(dir, "plots/phases.png", &len);

		ASSERT_EQ(count(html, "<svg "), SB_NPLOTS, "every plot inlined, phases too");
		ASSERT_TRUE(png && len > 5000, "plots/phases.png drawn");
		free(png);
	}
	free(got), free(fix), free(dat), free(html);
	got = fix = dat = html = NULL;
	json_decref(s);
	s = NULL;
	rm_rf(dir);

	if (!ASSERT_OK(copy_fixture_of("run-tls-fail", dir, sizeof(dir), 0), "copy run-tls-fail"))
		return;
	ASSERT_EQ(sb_render_dir(dir, 1), 0, "render the failures");
	got = slurp(dir, "report.txt", &glen);
	html = slurp(dir, "report.md", &len);
	if (!ASSERT_OK_PTR(got, "report.txt") || !ASSERT_OK_PTR(html, "report.md"))
		goto out;
	ASSERT_TRUE(strstr(got, " tls_failed 20\n") != NULL, "outcomes: tls_failed 20");
	ASSERT_TRUE(strstr(got, "= accepted 0 + queued 0 + ghosts 0 + TLS failed 20") != NULL,
		    "the kernel's sum with the TLS failures");
	ASSERT_TRUE(strstr(got, "0 handshakes (p50 n/a), 0 resumed, 20 failed: certificate verify "
				"failed (hostname mismatch) 20\n") != NULL,
		    "the failures with OpenSSL's reason and the verify result");
	ASSERT_TRUE(strstr(html, "**problem**: TLS 1.3") != NULL, "a problem finding");
out:
	free(got), free(fix), free(dat), free(html);
	json_decref(s);
	rm_rf(dir);
}

int main(void)
{
	test_format();
	test_text();
	test_bad_input();
	test_reports();
	test_empty_data();
	test_no_gnuplot();
	test_tls();
	return sb_test_result();
}
