/* The result writers on the fixture run: every file exists (and nothing
 * half-written is left), CSV headers keep their contract, summary.json and
 * config.json parse back (with a small strict JSON parser below) and hold the
 * keys docs/results.md promises with the fixture's exact values. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#include "tests/test.h"
#include "tests/test_analyze.h"
#include "tests/fixtures/rundata_fixture.h"
#include "harness/analysis/analyze.h"
#include "harness/output/report.h"
#include "harness/output/reports.h"
#include "harness/output/results.h"

/* ---- a strict little JSON parser ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	double num;
	int is_int; /* number written without '.', 'e' */
	char *str;  /* J_STR (escapes decoded, \u as '?') */
	size_t n;
	char **keys;
	struct jv **kids;
};

static void jfree(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
	free(v);
}

static void ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static char *jstring(const char **p)
{
	size_t cap = strlen(*p) + 1, n = 0;
	char *s = malloc(cap);

	if (!s || **p != '"')
		goto bad;
	for ((*p)++; **p != '"'; (*p)++) {
		unsigned char c = (unsigned char)**p;

		if (c < 0x20)
			goto bad; /* raw control character: invalid JSON */
		if (c == '\\') {
			(*p)++;
			if (!strchr("\"\\/bfnrtu", **p) || !**p)
				goto bad;
			if (**p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)(*p)[i]))
						goto bad;
				*p += 4;
				c = '?';
			} else {
				c = **p == 'n' ? '\n' : **p == 't' ? '\t' : (unsigned char)**p;
			}
		}
		s[n++] = (char)c;
	}
	(*p)++;
	s[n] = '\0';
	return s;
bad:
	free(s);
	return NULL;
}

static struct jv *jparse(const char **p, int depth)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (!v || depth > 64)
		goto bad;
	ws(p);
	if (**p == '{' || **p == '[') {
		int obj = **p == '{';

		v->t = obj ? J_OBJ : J_ARR;
		(*p)++;
		ws(p);
		if (**p == (obj ? '}' : ']')) {
			(*p)++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			struct jv *kid;

			ws(p);
			if (obj) {
				key = jstring(p);
				ws(p);
				if (!key || **p != ':') {
					free(key);
					goto bad;
				}
				(*p)++;
			}
			kid = jparse(p, depth + 1);
			if (!kid) {
				free(key);
				goto bad;
			}
			v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
			v->keys = obj ? realloc(v->keys, (v->n + 1) * sizeof(*v->keys)) : NULL;
			v->kids[v->n] = kid;
			if (obj)
				v->keys[v->n] = key;
			v->n++;
			ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (**p != (obj ? '}' : ']'))
				goto bad;
			(*p)++;
			return v;
		}
	}
	if (**p == '"') {
		v->t = J_STR;
		v->str = jstring(p);
		return v->str ? v : (jfree(v), NULL);
	}
	if (!strncmp(*p, "true", 4) || !strncmp(*p, "null", 4)) {
		v->t = **p == 't' ? J_BOOL : J_NULL;
		v->num = **p == 't';
		*p += 4;
		return v;
	}
	if (!strncmp(*p, "false", 5)) {
		v->t = J_BOOL;
		*p += 5;
		return v;
	}
	if (**p == '-' || isdigit((unsigned char)**p)) {
		const char *s = *p;
		char *end;

		if ((s[0] == '0' && isdigit((unsigned char)s[1])) ||
		    (s[0] == '-' && !isdigit((unsigned char)s[1])))
			goto bad;
		v->t = J_NUM;
		v->num = strtod(s, &end);
		v->is_int =
		    !memchr(s, '.', (size_t)(end - s)) && !memchr(s, 'e', (size_t)(end - s));
		*p = end;
		return v;
	}
bad:
	jfree(v);
	return NULL;
}

static struct jv *jdoc(const char *text)
{
	const char *p = text;
	struct jv *v = jparse(&p, 0);

	ws(&p);
	if (v && *p) {
		jfree(v);
		return NULL;
	}
	return v;
}

static struct jv *jkey(const struct jv *v, const char *key)
{
	for (size_t i = 0; v && v->t == J_OBJ && i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->kids[i];
	return NULL;
}

/* Dotted path lookup ("latency_us.kernel_handshake.p50"). */
static struct jv *jpath(const struct jv *v, const char *path)
{
	char buf[256], *save, *tok;
	const struct jv *cur = v;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = jkey(cur, tok);
	return (struct jv *)cur;
}

static int jnum_is(const struct jv *root, const char *path, double want)
{
	const struct jv *v = jpath(root, path);
	int ok = v && (v->t == J_NUM || v->t == J_BOOL) && fabs(v->num - want) < 1e-9;

	SB_TEST_REPORT(ok, "%s == %g (got %s %g)", path, want, v ? "" : "missing",
		       v && (v->t == J_NUM || v->t == J_BOOL) ? v->num : NAN);
	return ok;
}

static int jtype_is(const struct jv *root, const char *path, enum jt t)
{
	const struct jv *v = jpath(root, path);
	int ok = v && v->t == t;

	SB_TEST_REPORT(ok, "%s has type %d (got %d)", path, (int)t, v ? (int)v->t : -1);
	return ok;
}

/* ---- helpers ---- */

static char *slurp(const char *dir, const char *name)
{
	char path[512];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	if (buf)
		len = fread(buf, 1, (1 << 20) - 1, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

static size_t count_char(const char *s, size_t len, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

static void check_csv(const char *dir)
{
	static const char *const required[] = {
	    "cookie",
	    "t_sched_ns",
	    "t_submit_ns",
	    "t_connected_ns",
	    "k_syn_sent_ns",
	    "k_established_ns",
	    "k_close_ns",
	    "child_cookie",
	    "child_syn_recv_ns",
	    "child_established_ns",
	    "t_accept_ns",
	    "user_connect_us",
	    "kernel_handshake_us",
	    "pre_syn_us",
	    "notify_delay_us",
	    "accept_wait_us",
	    "syn_retrans",
	    "outcome",
	    "err",
	    "k_srtt_us",
	    "server_children",
	    "accepts",
	    "revived",
	};
	char *c = slurp(dir, "connections.csv"), *q = slurp(dir, "queue.csv");
	char *d = slurp(dir, "dwell.csv"), *k = slurp(dir, "counters.csv");
	size_t header_commas;
	const char *p;
	int lines = 0, bad_width = 0;

	if (!ASSERT_OK_PTR(c, "connections.csv") || !ASSERT_OK_PTR(q, "queue.csv") ||
	    !ASSERT_OK_PTR(d, "dwell.csv") || !ASSERT_OK_PTR(k, "counters.csv"))
		goto out;
	ASSERT_TRUE(strncmp(c, "cookie,", 7) == 0, "connections.csv starts with cookie");
	ASSERT_TRUE(strncmp(c, SB_CONNECTIONS_HEADER "\n", strlen(SB_CONNECTIONS_HEADER) + 1) == 0,
		    "connections.csv header");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		char col[64];
		const char *h = "," SB_CONNECTIONS_HEADER ","; /* every name between commas */

		snprintf(col, sizeof(col), ",%s,", required[i]);
		ASSERT_TRUE(strstr(h, col) != NULL, required[i]);
	}
	header_commas = count_char(c, strcspn(c, "\n"), ',');
	for (p = c; *p; p = strchr(p, '\n') + 1, lines++)
		bad_width += count_char(p, strcspn(p, "\n"), ',') != header_commas;
	ASSERT_EQ(lines, 6, "header + 5 rows");
	ASSERT_EQ(bad_width, 0, "every row has every column");
	ASSERT_TRUE(has_line(c, "101,1000000000000,1000000001000,1000000030000,,1000000040000,,"
				"1000000003000,1000000023000,1000000900000,201,1000000024000,"
				"1000000024700,1000000050000,29.000,30.000,20.000,2.000,7.000,"
				"25.300,10.000,0.700,,0,accepted,,ok,40000,5201,0,CLOSE,,12,1,1,0,"
				",,,,,,,,,,,"),
		    "row A exact");
	ASSERT_TRUE(has_line(c, "104,1000003000000,1000003000000,1007103000000,,,,1000003000800,,"
				"1007103000000,,,,,,,,0.800,,,,,,2,timeout,110,timeout,40002,5201,0,"
				"CLOSE,,,0,0,0,,,,,,,,,,,,aborted"),
		    "row D exact: synbench's own timeout is an abort to the kernel");
	ASSERT_TRUE(has_line(q, SB_QUEUE_HEADER), "queue header");
	ASSERT_TRUE(has_line(q, "0.500,5201,1,1,0,2,,0"), "queue sample 1");
	ASSERT_TRUE(has_line(q, "6.000,5201,1,1,1,5,,0"), "queue sample 2");
	ASSERT_TRUE(has_line(d, SB_DWELL_HEADER), "dwell header");
	ASSERT_TRUE(has_line(d, "SYN_SENT,ESTABLISHED,3,19.968,20.031,20.031,20.031,20.031,20.095"),
		    "dwell SYN_SENT -> ESTABLISHED");
	ASSERT_TRUE(strstr(d, "\nhandshake,,5,17.408,") != NULL, "dwell handshake row");
	ASSERT_TRUE(has_line(k, SB_COUNTERS_HEADER), "counters header");
	ASSERT_TRUE(has_line(k, "TcpExt,TCPSynRetrans,10,12,2"), "MIB row");
	ASSERT_TRUE(has_line(k, "probe,syn_retransmits,,2,2"), "probe row");
	ASSERT_TRUE(has_line(k, "drop_reason,NO_SOCKET,,7,7"), "drop reason row");
	ASSERT_TRUE(has_line(k, "drop_reason,reason_40,,3,3"), "unnamed drop reason row");
	ASSERT_TRUE(has_line(k, "lost,total,,1,1"), "lost total");
out:
	free(c), free(q), free(d), free(k);
}

static void check_summary(const char *dir)
{
	static const char *const lats[] = {"kernel_handshake", "user_connect", "pre_syn",
					   "notify_delay", "accept_wait"};
	static const char *const stats[] = {"count", "min", "p50", "p90", "p99", "p999", "max"};
	static const char *const outcomes[] = {"accepted", "ghost", "timeout", "refused",
					       "reset",	   "other", "queued"};
	char *text = slurp(dir, "summary.json");
	struct jv *s = text ? jdoc(text) : NULL;
	char path[128];

	if (!ASSERT_OK_PTR(s, "summary.json parses"))
		goto out;
	ASSERT_TRUE(jpath(s, "schema") && jpath(s, "schema")->is_int, "schema is an integer");
	jnum_is(s, "schema", 1);
	jtype_is(s, "interrupted", J_BOOL);
	jnum_is(s, "interrupted", 0);
	jnum_is(s, "conns_requested", 6);
	jnum_is(s, "join_rate", 1);
	jnum_is(s, "lost_events", 1);
	jnum_is(s, "rate_conns_per_s", 2); /* 4 ok in 2 s */
	for (size_t l = 0; l < 5; l++)
		for (size_t i = 0; i < 7; i++) {
			snprintf(path, sizeof(path), "latency_us.%s.%s", lats[l], stats[i]);
			jtype_is(s, path, J_NUM);
		}
	jnum_is(s, "latency_us.kernel_handshake.count", 4);
	jnum_is(s, "latency_us.kernel_handshake.min", 17.5);
	jnum_is(s, "latency_us.kernel_handshake.max", 39);
	jnum_is(s, "latency_us.accept_wait.max", 78.4);
	jnum_is(s, "latency_us.pre_syn.min", 0.8);
	jnum_is(s, "latency_us.notify_delay.count", 4);
	for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
		snprintf(path, sizeof(path), "outcomes.%s", outcomes[o]);
		jtype_is(s, path, J_NUM);
	}
	jnum_is(s, "outcomes.accepted", 2);
	jnum_is(s, "outcomes.ghost", 1);
	jnum_is(s, "outcomes.timeout", 1);
	jnum_is(s, "outcomes.queued", 1);
	jnum_is(s, "kernel_counters.ListenOverflows", 5);
	jnum_is(s, "kernel_counters.ListenDrops", 5);
	jnum_is(s, "kernel_counters.TCPSynRetrans", 2);
	jnum_is(s, "kernel_counters.TCPTimeouts", 0);	       /* named: always there */
	jnum_is(s, "kernel_counters.DelayedACKs", 3);	       /* nonzero TcpExt */
	jnum_is(s, "kernel_counters.ActiveOpens", 6);	       /* nonzero Tcp */
	jtype_is(s, "kernel_counters.SyncookiesSent", J_NULL); /* not read */
	ASSERT_TRUE(!jpath(s, "kernel_counters.InOctets"), "IpExt not in kernel_counters");
	jnum_is(s, "probes.syn_retransmits", 2);
	jnum_is(s, "probes.synack_retransmits", 0);
	jnum_is(s, "probes.drops_by_reason.NO_SOCKET", 7);
	jnum_is(s, "probes.drops_by_reason.reason_40", 3);
	jnum_is(s, "probes.kernel_handshake.count", 5);
	jnum_is(s, "probes.records", 9);
	jnum_is(s, "probes.ring_buffer_lost", 1);
	jnum_is(s, "reconciliation.client_established", 4);
	jnum_is(s, "reconciliation.ghosts", 1);
	jnum_is(s, "reconciliation.established_other", 0);
	jnum_is(s, "reconciliation.revived", 0);
	jnum_is(s, "reconciliation.extra_children", 0);
	jnum_is(s, "reconciliation.extra_accepts", 0);
	jnum_is(s, "reconciliation.child_cookies_shared", 0);
	jnum_is(s, "reconciliation.kernel_clients_established_inferred", 0);
	jtype_is(s, "reconciliation.identity_holds", J_BOOL);
	jnum_is(s, "reconciliation.identity_holds", 0);
	if (jtype_is(s, "reconciliation.warnings", J_ARR))
		ASSERT_EQ(jpath(s, "reconciliation.warnings")->n, 3, "three warnings");
	jnum_is(s, "effective_backlog", 1);
	jtype_is(s, "attach_plan", J_STR);
	jnum_is(s, "duration_s", 2);
out:
	jfree(s);
	free(text);
}

static void check_config(const char *dir)
{
	char *text = slurp(dir, "config.json");
	struct jv *c = text ? jdoc(text) : NULL, *v;

	if (!ASSERT_OK_PTR(c, "config.json parses"))
		goto out;
	jnum_is(c, "options.conns", 6);
	jnum_is(c, "options.backlog", 1);
	jnum_is(c, "options.syncookies", 0);
	v = jpath(c, "options.label");
	ASSERT_STREQ(v ? v->str : NULL, "fixture \"quoted\"", "label escaped and read back");
	v = jkey(jpath(c, "sysctls"), "net.ipv4.tcp_syncookies");
	ASSERT_STREQ(v ? v->str : NULL, "0", "sysctl");
	v = jpath(c, "version");
	ASSERT_STREQ(v ? v->str : NULL, SB_VERSION, "version");
	v = jpath(c, "attach_plan");
	ASSERT_STREQ(v ? v->str : NULL, "tp_btf", "attach plan");
	jnum_is(c, "netns_inode", 4026532000.0);
	jtype_is(c, "kernel_release", J_STR);
	jtype_is(c, "started_at", J_STR);
out:
	jfree(c);
	free(text);
}

static void check_report(const char *dir, const struct fx_run *f, const struct sb_join *j)
{
	char *rep = slurp(dir, "report.txt"), *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int warnings = 0;

	if (!ASSERT_OK_PTR(rep, "report.txt") || !ASSERT_OK_PTR(m, "memstream"))
		goto out;
	struct sb_report_model rm;
	char err[512];

	(void)f, (void)j;
	if (!ASSERT_OK(sb_report_model__load(dir, &rm, err, sizeof(err)), "model"))
		goto out;
	ASSERT_OK(sb_report_text_table(m, &rm), "table");
	sb_report_model__free(&rm);
	fclose(m);
	m = NULL;
	for (const char *p = buf; (p = strstr(p, "\nwarning: ")); p++)
		warnings++;
	ASSERT_EQ(warnings, 3, "table prints every warning");
	ASSERT_TRUE(strstr(buf, "outcomes: accepted 2 queued 1 ghost 1 timeout 1 refused 0 "
				"reset 0 other 0\n") != NULL,
		    "table outcomes");
	ASSERT_TRUE(strstr(buf, "client ESTABLISHED 4 = accepted 2 + queued 1 + ghosts 1") != NULL,
		    "table reconciliation");
	ASSERT_TRUE(strstr(rep, "warning: syncookies=0 but 1 ghost connections") != NULL,
		    "report warning");
	ASSERT_TRUE(strstr(rep, "backlog=1 (effective 1)") != NULL, "report config line");
out:
	if (m)
		fclose(m);
	free(buf);
	free(rep);
}

static int no_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp") != NULL;
	closedir(d);
	return n == 0;
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	uint64_t *hists = calloc((size_t)SB_NHISTS * SB_HIST_BUCKETS, sizeof(*hists));
	struct fx_run *f = calloc(1, sizeof(*f));
	char dir[] = "/tmp/sb_test_results_XXXXXX";
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	char err[512];

	if (!ASSERT_OK_PTR(hists, "alloc") || !ASSERT_OK_PTR(f, "alloc") ||
	    !ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return sb_test_result();
	fx_build(f, hists);
	/* as the output step does: the result files, then the reports from them */
	if (!ASSERT_OK(test_write_results(dir, &f->rd, &res), "write results") ||
	    !ASSERT_OK(sb_reports_regenerate(dir, NULL, err, sizeof(err)), "write reports"))
		goto out;
	ASSERT_TRUE(no_temp_files(dir), "no temporary files left");
	check_csv(dir);
	check_summary(dir);
	check_config(dir);
	check_report(dir, f, j);
	ASSERT_EQ(sb_results_write("/nonexistent/dir", &f->rd, res), -ENOENT, "missing dir");

	/* without probes: join_rate null, probes disabled, still valid JSON */
	test_analyze_free(&j, &res);
	j = NULL;
	fx_build(f, NULL);
	f->opts.no_probes = 1;
	f->rd.nkrecs = 0;
	if (ASSERT_OK(test_write_results(dir, &f->rd, &res), "write without probes")) {
		char *text = slurp(dir, "summary.json");
		struct jv *s = text ? jdoc(text) : NULL;

		if (ASSERT_OK_PTR(s, "summary.json parses without probes")) {
			jtype_is(s, "join_rate", J_NULL);
			jnum_is(s, "probes.enabled", 0);
			jtype_is(s, "probes.kernel_handshake", J_NULL);
			jnum_is(s, "latency_us.kernel_handshake.count", 0);
			jtype_is(s, "latency_us.kernel_handshake.p50", J_NULL);
			jnum_is(s, "outcomes.unaccepted", 2);
		}
		jfree(s);
		free(text);
	}
out:
	test_analyze_free(&j, &res);
	rm_dir(dir);
	free(f);
	free(hists);
	return sb_test_result();
}
