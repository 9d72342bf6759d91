/* The control channel's results message (harness/run/wire.h): the fixture
 * run encoded and decoded back field for field; the encoding equal to the
 * fuzz seeds kept in tests/fixtures/wire/ (SB_WIRE_WRITE_SEEDS=DIR writes
 * them); and every kind of hostile or broken message refused with one
 * phrase, leaving nothing behind: unknown fields (a path where server_log
 * was), duplicates, numbers out of range, strings not printable, counts
 * over their caps, blobs whose size does not match their count, records
 * with fields out of range, truncation, endless chatter. */
#include <errno.h>
#include <stdarg.h>

#include "tests/test.h"
#include "tests/fixtures/rundata_fixture.h"
#include "harness/run/wire.h"
#include "harness/run/wire_rec.h"

static uint64_t hists[(size_t)SB_NHISTS * SB_HIST_BUCKETS];
static struct fx_run fx;

static const struct sb_wire_expect server_x = {.server = 1, .conns = 6, .run_ns = 3000000000ull,
					       .sample_us = 5000};
static const struct sb_wire_expect client_x = {.server = 0, .conns = 6, .run_ns = 3000000000ull,
					       .sample_us = 5000};

/* rd as sb_wire_send writes it (malloc'd, *n bytes) */
static char *encode(const struct sb_rundata *rd, size_t *n)
{
	FILE *f = tmpfile();
	struct sb_ctl *c;
	char *buf;
	long len;

	if (!f)
		abort();
	c = sb_ctl_fds(-1, fileno(f), "test");
	if (sb_wire_send(c, rd) != 0)
		abort();
	sb_ctl_close(c, 0);
	len = ftell(f);
	buf = malloc((size_t)len + 1);
	rewind(f);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		abort();
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static int decode(const void *buf, size_t n, const struct sb_wire_expect *x,
		  struct sb_rundata *rd, char *err, size_t errlen)
{
	struct sb_ctl *c = sb_ctl_mem(buf, n);
	int e = sb_wire_recv(c, x, &fx.opts, rd, UINT64_MAX, err, errlen);

	sb_ctl_close(c, 0);
	return e;
}

static void rd_free(struct sb_rundata *rd)
{
	free(rd->krecs);
	free(rd->samples);
	free(rd->conns_buf);
	free(rd->accepts);
	free(rd->mib);
	free(rd->client_mib);
	free(rd->sysctls);
	free(rd->hists);
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++)
		free((void *)rd->drop_names[v]);
	memset(rd, 0, sizeof(*rd));
}

/* The fixture as the server host sends it, and as a client host does. */
static void server_view(struct sb_rundata *rd)
{
	*rd = fx.rd;
	rd->conns = NULL;
	rd->nconns = 0;
	memset(&rd->client, 0, sizeof(rd->client));
}

static void client_view(struct sb_rundata *rd)
{
	*rd = fx.rd;
	rd->accepts = NULL;
	rd->naccepts = 0;
	rd->samples = NULL;
	rd->nsamples = 0;
}

/* Encodes rd, decodes it with x, re-encodes: the same bytes. */
static void round_trip(const char *what, const struct sb_rundata *rd,
		       const struct sb_wire_expect *x, const char *seed_name)
{
	struct sb_rundata back;
	size_t n, m;
	char *a = encode(rd, &n), *b, err[512] = "";
	const char *dir = getenv("SB_WIRE_WRITE_SEEDS");
	char path[512];
	FILE *f;

	if (!ASSERT_OK(decode(a, n, x, &back, err, sizeof(err)), what))
		fprintf(stderr, "    %s\n", err);
	ASSERT_EQ(back.nkrecs, rd->nkrecs, "krecs");
	ASSERT_EQ(back.nconns, rd->nconns, "conns");
	ASSERT_EQ(back.naccepts, rd->naccepts, "accepts");
	ASSERT_EQ(back.nsamples, rd->nsamples, "samples");
	ASSERT_EQ(back.nmib, rd->nmib, "mib");
	ASSERT_EQ(back.nsysctls, rd->nsysctls, "sysctls");
	ASSERT_STREQ(back.kernel_release, rd->kernel_release, "kernel_release");
	ASSERT_STREQ(back.drop_names[4], "NO_SOCKET", "drop name");
	ASSERT_EQ(back.drops[40], 3, "drop count");
	ASSERT_EQ(back.counters[SB_C_RECORDS], 9, "counter");
	ASSERT_EQ(back.t_end_ns, rd->t_end_ns, "t_end_ns");
	ASSERT_TRUE(back.server_log_fd == 0, "no server log from a peer");
	ASSERT_TRUE(back.opts == &fx.opts, "the receiver's options");
	ASSERT_TRUE(back.conns_buf == back.conns, "conns owned");
	if (rd->hists)
		ASSERT_TRUE(back.hists && memcmp(back.hists, rd->hists, sizeof(hists)) == 0,
			    "histograms");
	if (rd->nkrecs)
		ASSERT_EQ(back.krecs[0].cookie, rd->krecs[0].cookie, "first record");
	for (size_t i = 0; i < rd->nkrecs && i < back.nkrecs; i++)
		ASSERT_EQ(memcmp(&back.krecs[i], &rd->krecs[i], sizeof(*rd->krecs)), 0,
			  "a kernel record, every field (err, err_soft)");
	for (size_t i = 0; i < rd->nconns && i < back.nconns; i++)
		ASSERT_EQ(memcmp(&back.conns[i], &rd->conns[i], sizeof(*rd->conns)), 0,
			  "a connection, every field (phases, TLS)");
	for (size_t i = 0; i < rd->naccepts && i < back.naccepts; i++)
		ASSERT_EQ(memcmp(&back.accepts[i], &rd->accepts[i], sizeof(*rd->accepts)), 0,
			  "an accept, every field (TLS)");
	b = encode(&back, &m);
	ASSERT_TRUE(m == n && memcmp(a, b, n) == 0, "decoded, then encoded: the same bytes");
	/* the fuzz seed: this very message */
	snprintf(path, sizeof(path), "%s/wire/%s", dir ? dir : SB_FIXTURES, seed_name);
	if (dir) {
		f = fopen(path, "w");
		if (!f || fwrite(a, 1, n, f) != n)
			abort();
		fclose(f);
	}
	f = fopen(path, "r");
	if (ASSERT_OK_PTR(f, "seed present")) {
		char *s = malloc(n + 2);
		size_t got = fread(s, 1, n + 1, f);

		ASSERT_TRUE(got == n && memcmp(s, a, n) == 0,
			    "the seed is the current encoding (SB_WIRE_WRITE_SEEDS=tests/fixtures)");
		free(s);
		fclose(f);
	}
	rd_free(&back);
	free(a);
	free(b);
}

/* A message from printf: decoding refused with err containing want (or
 * want_e other than -EPROTO), and nothing left in rd. */
static void refused(const struct sb_wire_expect *x, int want_e, const char *want, const char *fmt,
		    ...)
{
	struct sb_rundata rd;
	char *msg = NULL, err[512] = "";
	va_list ap;
	int n, e;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	e = decode(msg, (size_t)n, x, &rd, err, sizeof(err));
	ASSERT_EQ(e, want_e, want);
	if (!ASSERT_TRUE(strstr(err, want) != NULL, "the reason"))
		fprintf(stderr, "    got: %s\n", err);
	ASSERT_TRUE(!rd.krecs && !rd.conns && !rd.hists && !rd.drop_names[4] && !rd.mib,
		    "nothing kept");
	free(msg);
}

/* "blob meta N\n" + text + rest */
static char *with_meta(const char *text, const char *rest)
{
	char *m = NULL;

	if (asprintf(&m, "blob meta %zu\n%s%s", strlen(text), text, rest) < 0)
		abort();
	return m;
}

static void refused_meta(const char *text, const char *want)
{
	char *m = with_meta(text, "end\n");

	refused(&server_x, -EPROTO, want, "%s", m);
	free(m);
}

/* A message with one record of kind k, its struct given: refused. */
static void bad_record(enum sb_wire_kind k, const void *rec, const struct sb_wire_expect *x,
		       const char *want)
{
	struct sb_rundata rd = {.opts = &fx.opts};
	size_t n;
	char *msg, err[512] = "";
	struct sb_rundata back;

	switch (k) {
	case SB_WK_KRECS: rd.krecs = (void *)rec, rd.nkrecs = 1; break;
	case SB_WK_CONNS: rd.conns = (void *)rec, rd.nconns = 1; break;
	case SB_WK_SAMPLES: rd.samples = (void *)rec, rd.nsamples = 1; break;
	case SB_WK_MIB: rd.mib = (void *)rec, rd.nmib = 1; break;
	case SB_WK_SYSCTLS: rd.sysctls = (void *)rec, rd.nsysctls = 1; break;
	default: abort();
	}
	msg = encode(&rd, &n);
	ASSERT_EQ(decode(msg, n, x, &back, err, sizeof(err)), -EPROTO, want);
	if (!ASSERT_TRUE(strstr(err, want) != NULL, "the reason"))
		fprintf(stderr, "    got: %s\n", err);
	ASSERT_TRUE(!back.krecs && !back.conns && !back.samples, "nothing kept");
	free(msg);
}

static void records(void)
{
	struct sb_conn_rec k = fx.krecs[0];
	struct lg_conn c = fx.conns[0];
	struct sb_listen_sample s = fx.samples[0];
	struct sb_mib m = fx.mib[0];
	struct sb_sysctl y = fx.sysctls[0];

	fprintf(stderr, "records out of range\n");
	k.role = 7;
	bad_record(SB_WK_KRECS, &k, &server_x, "krecs record 0: role 7 out of range");
	k = fx.krecs[0], k.final_state = 16;
	bad_record(SB_WK_KRECS, &k, &server_x, "final_state 16 out of range");
	k = fx.krecs[0], k.flushed = 3;
	bad_record(SB_WK_KRECS, &k, &server_x, "flushed 3");
	k = fx.krecs[0], k.side = 2;
	bad_record(SB_WK_KRECS, &k, &server_x, "side 2");
	k = fx.krecs[0], k.partial = 2;
	bad_record(SB_WK_KRECS, &k, &server_x, "partial 2");
	k = fx.krecs[0], k.err_soft = 2;
	bad_record(SB_WK_KRECS, &k, &server_x, "err_soft 2 not 0 or 1");
	k = fx.krecs[0], k.family = 0;
	bad_record(SB_WK_KRECS, &k, &server_x, "family 0");
	c.outcome = 7;
	bad_record(SB_WK_CONNS, &c, &client_x, "conns record 0: outcome 7 out of range");
	c = fx.conns[0], c.thread = 255;
	bad_record(SB_WK_CONNS, &c, &client_x, "thread 255");
	c = fx.conns[0], c.err = -5;
	bad_record(SB_WK_CONNS, &c, &client_x, "err -5");
	c = fx.conns[0], c.status = 1000;
	bad_record(SB_WK_CONNS, &c, &client_x, "status 1000");
	c = fx.conns[0], c.tls_version = 11;
	bad_record(SB_WK_CONNS, &c, &client_x, "tls_version 11");
	c = fx.conns[0], c.tls_flags = 2;
	bad_record(SB_WK_CONNS, &c, &client_x, "tls_flags 2");
	s.family = 7;
	bad_record(SB_WK_SAMPLES, &s, &server_x, "samples record 0: family 7");
	strcpy(m.name, "a,b");
	bad_record(SB_WK_MIB, &m, &server_x, "counter name");
	strcpy(y.value, "1\x1b[2J");
	bad_record(SB_WK_SYSCTLS, &y, &server_x, "not of printable");
	y = fx.sysctls[0];
	strcpy(y.name, "../../x");
	bad_record(SB_WK_SYSCTLS, &y, &server_x, "sysctl name");
	/* a client host's conns at the server, and its share exceeded */
	c = fx.conns[0];
	bad_record(SB_WK_CONNS, &c, &server_x, "conns: 1 announced, over the cap of 0");
}

static void meta(void)
{
	fprintf(stderr, "meta fields\n");
	refused_meta("server_log /tmp/canary\n", "unknown field server_log");
	refused_meta("log /etc/passwd\n", "unknown field log");
	refused_meta("t_start_ns 1\nt_start_ns 2\n", "t_start_ns twice");
	refused_meta("t_start_ns -1\n", "t_start_ns is no unsigned");
	refused_meta("t_start_ns 18446744073709551616\n", "t_start_ns is no unsigned");
	refused_meta("t_start_ns 0x10\n", "t_start_ns is no unsigned");
	refused_meta("interrupted 2\n", "interrupted out of range");
	refused_meta("effective_backlog -2\n", "effective_backlog out of range");
	refused_meta("cpu_user_s nan\n", "cpu_user_s is no number");
	refused_meta("cpu_sys_s -1\n", "cpu_sys_s is no number");
	refused_meta("kernel_release 6.1\x1b[31m\n", "kernel_release longer than");
	refused_meta("started_at 01234567890123456789012345678901234\n", "started_at longer than");
	refused_meta("counters 1 2 3\n", "counters are not");
	refused_meta("component.drops.mode warp\n", "component drops: mode");
	refused_meta("component.nosuch.mode off\n", "unknown field component.nosuch");
	refused_meta("drop 512 1\n", "drop reason 512 out of range");
	refused_meta("drop 4 1\ndrop 4 2\n", "drop 4 twice");
	refused_meta("drop_name 4 ../../etc/passwd\n", "drop_name 4");
	refused_meta("drop_name 4 A\ndrop_name 4 B\n", "drop_name 4 twice");
	refused_meta("n.krecs 1\nn.krecs 1\n", "n.krecs twice");
	refused_meta("n.rundata 1\n", "unknown field n.rundata");
	refused_meta("n.hists 1\n", "histogram buckets without histograms");
	refused_meta("hists 2\n", "hists twice or not");
	refused(&server_x, -EPROTO, "NUL byte", "%s%c%s", "blob meta 4\na", 0, "b\n");
	refused(&server_x, -EPROTO, "last line unfinished", "blob meta 5\nhistsend\n");
}

static void framing(void)
{
	char *m, *big;

	fprintf(stderr, "framing and caps\n");
	refused(&server_x, -EPROTO, "meta: 99999999999 bytes announced, over the cap",
		"blob meta 99999999999\n");
	refused(&server_x, -EPROTO, "results expected, it said 'blob rundata 4096'",
		"blob rundata 4096\n");
	refused(&server_x, -EPROTO, "results expected, it said 'hello?'", "hello?\n");
	m = with_meta("n.krecs 5\n", "blob krecs 99999999999\n");
	refused(&server_x, -EPROTO, "krecs: 99999999999 bytes announced, meta counted 5", "%s", m);
	free(m);
	m = with_meta("n.krecs 2\n", "blob krecs 192\n");
	refused(&server_x, -EPROTO, "krecs: 192 bytes announced, meta counted 2 records of 192", "%s",
		m);
	free(m);
	m = with_meta("n.krecs 1\n", "end\n");
	refused(&server_x, -EPROTO, "meta counted 1 krecs, none came", "%s", m);
	free(m);
	m = with_meta("n.krecs 99999999999\n", "end\n");
	refused(&server_x, -EPROTO, "krecs: 99999999999 announced, over the cap of 4120", "%s", m);
	free(m);
	m = with_meta("", "blob krecs 0\n");
	refused(&server_x, -EPROTO, "krecs: 0 bytes announced, meta counted 0", "%s", m);
	free(m);
	m = with_meta("", "blob nosuch 8\n");
	refused(&server_x, -EPROTO, "an unknown blob in 'blob nosuch 8'", "%s", m);
	free(m);
	m = with_meta("", "garbage\n");
	refused(&server_x, -EPROTO, "a blob or end expected, it said 'garbage'", "%s", m);
	free(m);
	/* hists: increasing, in range, nonzero */
	m = with_meta("hists 1\nn.hists 2\n", "blob hists 24\n");
	refused(&server_x, -EPROTO, "hists: buckets not in increasing order",
		"%s%c%c%c%c%c%c%c%c%c%c%c%c" "%c%c%c%c%c%c%c%c%c%c%c%c", m,
		5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
	free(m);
	m = with_meta("hists 1\nn.hists 1\n", "blob hists 12\n");
	refused(&server_x, -EPROTO, "hists record 0: bucket 4294967295 out of range",
		"%s%c%c%c%c%c%c%c%c%c%c%c%c", m, 255, 255, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0);
	/* %c of 0 ends nothing in vasprintf, but "bucket ... zero count" */
	refused(&server_x, -EPROTO, "hists record 0: bucket 1 sent with a zero count",
		"%s%c%c%c%c%c%c%c%c%c%c%c%c", m, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	free(m);
	/* the channel closing, a half's error, chatter, a line too long */
	m = with_meta("n.krecs 1\n", "blob krecs 192\nabc");
	refused(&server_x, -EPIPE, "", "%s", m);
	free(m);
	refused(&server_x, -EREMOTEIO, "the run failed", "progress 3\ndone\nerror the run failed\n");
	refused(&server_x, -EPIPE, "", "progress 1\nprogress 2\npong 1 2\n");
	refused(&server_x, -EPROTO, "a line with a NUL byte", "%s%c%s", "progress 1", 0, "\n");
	big = malloc(70000);
	memset(big, 'x', 69999);
	big[69999] = 0;
	refused(&server_x, -EPROTO, "a line over 2047 bytes", "%s\n", big);
	free(big);
}

static void hello(void)
{
	struct sb_wire_hello h;
	char line[256];

	fprintf(stderr, "hello\n");
	snprintf(line, sizeof(line), "hello synbench-ctl %d %s srv 6.1.0", SB_CTL_VERSION,
		 SB_VERSION);
	ASSERT_OK(sb_wire_hello_parse(line, 1, &h), "a half's hello");
	ASSERT_TRUE(sb_wire_hello_same(&h), "the same synbench");
	ASSERT_STREQ(h.host, "srv", "its host");
	ASSERT_STREQ(h.kernel, "6.1.0", "its kernel");
	ASSERT_OK(sb_wire_hello_parse("hello synbench-ctl 99 0.1.0 srv k", 1, &h), "protocol 99");
	ASSERT_FALSE(sb_wire_hello_same(&h), "protocol 99 is another");
	snprintf(line, sizeof(line), "hello synbench-ctl %d 9.9.9 srv 6.1.0", SB_CTL_VERSION);
	ASSERT_OK(sb_wire_hello_parse(line, 1, &h), "version 9.9.9");
	ASSERT_FALSE(sb_wire_hello_same(&h), "version 9.9.9 is another");
	snprintf(line, sizeof(line), "hello synbench-ctl %d %s 0", SB_CTL_VERSION, SB_VERSION);
	ASSERT_OK(sb_wire_hello_parse(line, 0, &h), "the coordinator's hello");
	ASSERT_EQ(sb_wire_hello_parse(line, 1, &h), -EPROTO, "a half's without host and kernel");
	ASSERT_EQ(sb_wire_hello_parse("hello synbench-ctl x 0.1.0", 0, &h), -EPROTO, "no number");
	ASSERT_EQ(sb_wire_hello_parse("\x1b[2Jhello synbench-ctl 2 0.1.0", 0, &h), -EPROTO,
		  "not printable");
	ASSERT_EQ(sb_wire_hello_parse("SSH-2.0-OpenSSH", 0, &h), -EPROTO, "not a hello");
	snprintf(line, sizeof(line), "hello synbench-ctl %d %s a b c", SB_CTL_VERSION, SB_VERSION);
	ASSERT_EQ(sb_wire_hello_parse(line, 1, &h), -EPROTO, "a word too many");
	ASSERT_STREQ(sb_wire_printable(line, 8, "a\x1b[2Jbcdef"), "a?[2Jbc", "printable");
}

static void caps(void)
{
	struct sb_wire_expect x = {.server = 1, .conns = 1000, .run_ns = 10000000000ull,
				   .sample_us = 5000};

	fprintf(stderr, "caps\n");
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_KRECS), 4 * 1000 + 4096, "server records");
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_ACCEPTS), 1000 + 1024, "server accepts");
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_CONNS), 0, "server conns");
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_SAMPLES), (2000 + 16) * 64, "samples for 10 s at 5 ms");
	x.server = 0;
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_CONNS), 1000, "client conns: its share");
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_ACCEPTS), 0, "client accepts");
	x.conns = SB_MAX_CONNS * 10;
	ASSERT_EQ(sb_wire_cap(&x, SB_WK_CONNS), SB_MAX_CONNS, "absolute cap");
	ASSERT_EQ(sb_wire_rec_size(SB_WK_KRECS), 192, "a record: 192 bytes");
	ASSERT_EQ(sb_wire_rec_size(SB_WK_CONNS), 104, "a connection: 104 bytes");
	ASSERT_EQ(sb_wire_rec_size(SB_WK_ACCEPTS), 43, "an accept: 43 bytes");
}

int main(void)
{
	struct sb_rundata rd;

	fx_build(&fx, hists);
	fx.rd.drop_names[4] = "NO_SOCKET";
	fx.rd.components.c[SB_COMP_DROPS].mode = SB_MODE_RAW_TP;
	snprintf(fx.rd.components.c[SB_COMP_DROPS].error, 200, "tp_btf: not on this kernel");
	/* the crr phase and TLS fields travel too (protocol 3) */
	fx.conns[0].t_first = fx.conns[0].t_resp - 500;
	fx.conns[0].t_tls_start = fx.conns[0].t_connected + 10;
	fx.conns[0].t_tls_done = fx.conns[0].t_connected + 900;
	fx.conns[0].tls_version = 13;
	fx.conns[0].tls_flags = LG_TLS_F_RESUMED;
	fx.conns[3].outcome = LG_OUT_TLS;
	fx.conns[3].tls_err = 0x0a000086; /* SSL, certificate verify failed */
	fx.conns[3].tls_verify = 10;
	fx.accepts[0].t_tls_done = fx.accepts[0].t_accept + 700;
	fx.accepts[1].tls_err = 0x0a000126;
	fx.accepts[1].tls_flags = LG_TLS_F_RESUMED;
	/* the kernel's cause travels too (protocol 3): a refused client, a soft error */
	fx.krecs[0].err = ECONNREFUSED;
	fx.krecs[1].err = EHOSTUNREACH;
	fx.krecs[1].err_soft = 1;
	fprintf(stderr, "round trips\n");
	server_view(&rd);
	round_trip("the server's results", &rd, &server_x, "server.msg");
	client_view(&rd);
	round_trip("a client's results", &rd, &client_x, "client.msg");
	records();
	meta();
	framing();
	hello();
	caps();
	return sb_test_failures ? 1 : 0;
}
