/* /metrics and / of bench watch --serve (harness/output/metrics.h): every
 * family has its HELP and TYPE once and its samples together, label values
 * are escaped, a histogram's buckets are cumulative and end at +Inf with
 * the count, the page escapes what it shows. (`promtool check metrics`
 * runs on a real exporter's output in e2e/test_watch_serve.) */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "harness/analysis/kfold.h"
#include "harness/output/metrics.h"
#include "tests/test.h"

static char *render(int (*w)(FILE *, const struct sb_rundata *, const struct sb_result *),
		    const struct sb_rundata *rd, const struct sb_result *res)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	ASSERT_OK(w(f, rd, res), "written");
	fclose(f);
	return buf;
}

/* The value of the sample whose line starts with prefix, or -1. */
static double value(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, n) == 0)
			return strtod(l + n, NULL);
	return -1;
}

/* Each family's samples follow its one TYPE line; no name twice. */
static void check_families(const char *text)
{
	char seen[64][80];
	int ns = 0, ok = 1;
	char cur[80] = "";

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char name[80];

		if (strncmp(l, "# TYPE ", 7) == 0) {
			sscanf(l + 7, "%79s", cur);
			for (int i = 0; i < ns; i++)
				ok &= strcmp(seen[i], cur) != 0;
			if (ns < 64)
				snprintf(seen[ns++], sizeof(seen[0]), "%s", cur);
			continue;
		}
		if (*l == '#')
			continue;
		sscanf(l, "%79[a-z_]", name);
		/* a histogram's _bucket, _sum, _count belong to it */
		ok &= strncmp(name, cur, strlen(cur)) == 0;
	}
	ASSERT_TRUE(ok, "one TYPE per family, its samples after it");
	ASSERT_GT(ns, 20, "families");
}

int main(void)
{
	uint64_t *h = calloc((size_t)SB_H_DWELL * SB_HIST_BUCKETS, sizeof(uint64_t));
	struct sb_watch_info info = {0};
	struct sb_rundata rd = {0};
	struct sb_kview_opts ko = {.pid = -1};
	struct sb_listen_sample s = {.ack_backlog = 3,
				     .max_ack_backlog = 5,
				     .drops = 9,
				     .syn_qlen = 2,
				     .port = 8080,
				     .family = AF_INET};
	struct sb_kfold *f = NULL;
	struct sb_result *res = NULL;
	char *text, *page;
	double prev = 0;
	int mono = 1;

	if (!h || !ASSERT_OK(sb_kfold__new(&(struct sb_kfold_opts){0}, &f), "fold"))
		return 1;
	snprintf(info.netns, sizeof(info.netns), "we\"b\\1");
	rd.watch = &info;
	h[sb_hist_bucket(5000)] = 7;
	h[sb_hist_bucket(2000000000ull)] = 2;
	rd.hists = h;
	rd.counters[SB_C_CLIENTS] = 9;
	rd.counters[SB_C_CHILDREN] = 7;
	rd.counters[SB_C_SYN_RETRANS] = 4;
	rd.drops[2] = 11;
	rd.drop_names[2] = "NO_SOCKET";
	rd.drops[3] = 1; /* a reason without a name */
	rd.bpf_stats_on = 1;
	rd.bpf_run_ns = 1500000000ull;
	/* a client refused: SYN_SENT -> CLOSE with ECONNREFUSED */
	struct sb_krec refused = {.role = SB_ROLE_CLIENT, .family = AF_INET, .cookie = 1,
				  .sport = 40000, .dport = 8080, .t_open = 1000,
				  .final_state = SB_TCP_CLOSE, .err = ECONNREFUSED};

	sb_kfold__records(f, &refused, 1);
	sb_kfold__listeners(f, &s, 1);
	s.drops = 12;
	s.ack_backlog = 6;
	sb_kfold__listeners(f, &s, 1);
	if (!ASSERT_OK(sb_kfold__result(f, &rd, &ko, &res), "result"))
		return 1;
	text = render(sb_metrics_text, &rd, res);
	if (!ASSERT_OK_PTR(text, "text"))
		return 1;
	check_families(text);
	ASSERT_EQ(value(text, "synbench_sockets_total{netns=\"we\\\"b\\\\1\",side=\"client\"} "), 9,
		  "client sockets, the namespace's name escaped");
	ASSERT_EQ(value(text, "synbench_client_failures_total{netns=\"we\\\"b\\\\1\",cause=\"refused\"} "),
		  1, "a refused client");
	ASSERT_EQ(value(text, "synbench_client_failures_total{netns=\"we\\\"b\\\\1\",cause=\"timeout\"} "),
		  0, "no timeout");
	ASSERT_EQ(value(text, "synbench_syn_retransmits_total{netns=\"we\\\"b\\\\1\"} "), 4,
		  "SYN retransmits");
	ASSERT_EQ(value(text, "synbench_handshake_duration_seconds_count{netns=\"we\\\"b\\\\1\","
			      "side=\"client\"} "),
		  9, "histogram count");
	ASSERT_EQ(value(text, "synbench_handshake_duration_seconds_bucket{netns=\"we\\\"b\\\\1\","
			      "side=\"client\",le=\"+Inf\"} "),
		  9, "+Inf = count");
	ASSERT_EQ(value(text, "synbench_handshake_duration_seconds_bucket{netns=\"we\\\"b\\\\1\","
			      "side=\"client\",le=\"1e-05\"} "),
		  7, "le 10 us");
	ASSERT_EQ(value(text, "synbench_handshake_duration_seconds_bucket{netns=\"we\\\"b\\\\1\","
			      "side=\"client\",le=\"2.5\"} "),
		  9, "le 2.5 s");
	for (const char *l = strstr(text, "_bucket{"); l; l = strstr(l + 1, "_bucket{")) {
		double v = strtod(strchr(l, '}') + 2, NULL);

		if (strstr(l, "le=\"1e-05\"") && strstr(l, "le=\"1e-05\"") < strchr(l, '\n'))
			prev = 0;
		mono &= v >= prev;
		prev = v;
	}
	ASSERT_TRUE(mono, "buckets cumulative");
	ASSERT_EQ(value(text, "synbench_accept_queue_depth{netns=\"we\\\"b\\\\1\",port=\"8080\","
			      "family=\"ipv4\",socket=\"0\"} "),
		  6, "accept queue now");
	ASSERT_EQ(value(text, "synbench_syn_queue_depth{netns=\"we\\\"b\\\\1\",port=\"8080\","
			      "family=\"ipv4\",socket=\"0\"} "),
		  2, "SYN queue");
	ASSERT_EQ(value(text, "synbench_listener_drops_total{netns=\"we\\\"b\\\\1\",port=\"8080\","
			      "family=\"ipv4\"} "),
		  3, "listener drops since the baseline");
	ASSERT_EQ(value(text, "synbench_listener_groups_untracked{netns=\"we\\\"b\\\\1\"} "), 0,
		  "every listener group shown");
	ASSERT_EQ(value(text, "synbench_drops_total{netns=\"we\\\"b\\\\1\",reason=\"NO_SOCKET\"} "),
		  11, "drops by reason");
	ASSERT_EQ(value(text, "synbench_drops_total{netns=\"we\\\"b\\\\1\",reason=\"3\"} "), 1,
		  "a reason without a name: its number");
	ASSERT_EQ(value(text, "synbench_bpf_run_seconds_total{netns=\"we\\\"b\\\\1\"} "), 1.5,
		  "BPF run time");
	ASSERT_TRUE(!strstr(text, "cookie=") && !strstr(text, "addr=") && !strstr(text, "pid="),
		    "no per-connection label");
	page = render(sb_metrics_html, &rd, res);
	if (ASSERT_OK_PTR(page, "page")) {
		ASSERT_TRUE(strstr(page, "we&quot;b\\1") != NULL, "the page escapes the name");
		ASSERT_TRUE(strstr(page, "NO_SOCKET") != NULL, "drops on the page");
		ASSERT_TRUE(strstr(page, "we\"b") == NULL, "no raw quote");
	}
	free(page);
	free(text);
	sb_result__free(res);
	sb_kfold__free(f);
	free(h);
	return sb_test_result();
}
