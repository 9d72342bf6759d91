/* MIB parsing and deltas on recorded /proc files (tests/fixtures/mib):
 * before/ was read on a 2-CPU Debian machine, after/ is the same with known
 * increments. */
#include <errno.h>
#include <linux/types.h>
#include <stdlib.h>

#include "tests/test.h"
#include "harness/run/mib.h"
#include "harness/run/rundata.h"

#define FIX SB_FIXTURES "/mib/"

static int64_t delta(const struct sb_mib *m, size_t n, const char *t, const char *name)
{
	return sb_mib_delta_or(m, n, t, name, -12345);
}

static void test_files(void)
{
	struct sb_mib_snap *b = NULL, *a = NULL;
	struct sb_mib *m = NULL;
	size_t n = 0;
	int64_t v;

	if (!ASSERT_OK(sb_mib_snap__read_files(FIX "before/netstat", FIX "before/snmp",
					       FIX "before/softnet_stat", &b),
		       "read before"))
		return;
	if (!ASSERT_OK(sb_mib_snap__read_files(FIX "after/netstat", FIX "after/snmp",
					       FIX "after/softnet_stat", &a),
		       "read after"))
		goto out;
	/* Ip 20 + Tcp 15 + TcpExt 135 + IpExt 18 + softnet 3; MPTcpExt, Icmp, Udp not kept */
	ASSERT_EQ(sb_mib_snap__count(b), 20 + 15 + 135 + 18 + 3, "counters kept");
	ASSERT_OK(sb_mib_snap__get(b, "Tcp", "MaxConn", &v), "Tcp MaxConn present");
	ASSERT_EQ(v, -1, "Tcp MaxConn is signed");
	ASSERT_OK(sb_mib_snap__get(b, "Tcp", "ActiveOpens", &v), "ActiveOpens");
	ASSERT_EQ(v, 14, "ActiveOpens before");
	ASSERT_EQ(sb_mib_snap__get(b, "MPTcpExt", "MPCapableSYNRX", &v), -ENOENT,
		  "MPTcpExt not kept");
	ASSERT_EQ(sb_mib_snap__get(b, "Udp", "InDatagrams", &v), -ENOENT, "Udp not kept");
	ASSERT_EQ(sb_mib_snap__get(b, "TcpExt", "NoSuchCounter", &v), -ENOENT, "unknown name");
	ASSERT_OK(sb_mib_snap__get(b, "softnet", "processed", &v), "softnet processed");
	ASSERT_EQ(v, 0x2626 + 0x5f16, "softnet processed summed over CPUs");

	if (!ASSERT_OK(sb_mib_deltas(b, a, &m, &n), "deltas"))
		goto out;
	ASSERT_EQ(n, 191, "delta rows");
	ASSERT_EQ(delta(m, n, "TcpExt", "ListenOverflows"), 70, "ListenOverflows");
	ASSERT_EQ(delta(m, n, "TcpExt", "ListenDrops"), 70, "ListenDrops");
	ASSERT_EQ(delta(m, n, "TcpExt", "TCPSynRetrans"), 70, "TCPSynRetrans");
	ASSERT_EQ(delta(m, n, "TcpExt", "SyncookiesSent"), 5, "SyncookiesSent");
	ASSERT_EQ(delta(m, n, "TcpExt", "SyncookiesRecv"), 0, "SyncookiesRecv");
	ASSERT_EQ(delta(m, n, "IpExt", "InOctets"), 123456, "IpExt InOctets");
	ASSERT_EQ(delta(m, n, "Tcp", "ActiveOpens"), 20, "Tcp ActiveOpens");
	ASSERT_EQ(delta(m, n, "Tcp", "PassiveOpens"), 6, "Tcp PassiveOpens");
	ASSERT_EQ(delta(m, n, "Tcp", "MaxConn"), 0, "Tcp MaxConn");
	ASSERT_EQ(delta(m, n, "Ip", "InReceives"), 300, "Ip InReceives");
	ASSERT_EQ(delta(m, n, "softnet", "processed"), 0x300, "softnet processed");
	ASSERT_EQ(delta(m, n, "softnet", "dropped"), 0x15, "softnet dropped");
	ASSERT_EQ(delta(m, n, "softnet", "time_squeeze"), 3, "softnet time_squeeze");
	ASSERT_EQ(delta(m, n, "Tcp", "ListenOverflows"), -12345, "lookup keys on the table");
	ASSERT_STREQ(m[0].table, "Ip", "snmp first");
	ASSERT_STREQ(m[0].name, "Forwarding", "file order");
out:
	free(m);
	sb_mib_snap__free(a);
	sb_mib_snap__free(b);
}

static int parse_text(const char *text, int softnet, struct sb_mib_snap *s)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	if (!f)
		return -errno;
	err = softnet ? sb_mib_snap__parse_softnet(s, f) : sb_mib_snap__parse_pairs(s, f);
	fclose(f);
	return err;
}

static void test_text(void)
{
	struct sb_mib_snap *s = sb_mib_snap__new_empty(), *e = sb_mib_snap__new_empty();
	struct sb_mib_snap *tmp = NULL;
	struct sb_mib *m = NULL;
	size_t n = 0;
	int64_t v = 0;

	if (!ASSERT_OK_PTR(s, "new") || !ASSERT_OK_PTR(e, "new"))
		goto out;
	ASSERT_OK(
	    parse_text("TcpExt: A B\nTcpExt: 1 18446744073709551615\n\nTcp: X\nTcp: -1\n", 0, s),
	    "pairs with blank line");
	ASSERT_OK(sb_mib_snap__get(s, "TcpExt", "B", &v), "B");
	ASSERT_EQ(v, -1, "u64 max keeps its bits");
	ASSERT_EQ(parse_text("TcpExt: A B\nTcpExt: 1\n", 0, e), -EINVAL, "count mismatch");
	ASSERT_EQ(parse_text("TcpExt: A\nTcp: 1\n", 0, e), -EINVAL, "prefix mismatch");
	ASSERT_EQ(parse_text("TcpExt: A\nTcpExt: x\n", 0, e), -EINVAL, "not a number");
	ASSERT_EQ(parse_text("TcpExt: A\n", 0, e), -EINVAL, "header without values");
	ASSERT_EQ(parse_text("0000000a 00000001\n", 1, e), -EINVAL, "softnet short line");
	ASSERT_OK(parse_text("0000000a 00000001 00000002 0\n000000f0 00000010 00000020 0\n", 1, s),
		  "softnet");
	ASSERT_OK(sb_mib_snap__get(s, "softnet", "dropped", &v), "dropped");
	ASSERT_EQ(v, 0x11, "dropped summed");
	/* a counter only in before still shows up, after = 0 */
	if (ASSERT_OK(sb_mib_deltas(s, e, &m, &n), "deltas vs empty")) {
		ASSERT_EQ(n, sb_mib_snap__count(s), "all before-only rows kept");
		ASSERT_EQ(sb_mib_find(m, n, "Tcp", "X")->before, -1, "before kept");
	}
	ASSERT_EQ(sb_mib_snap__read_files("/nonexistent/netstat", NULL, NULL, &tmp), -ENOENT,
		  "missing netstat is an error");
	ASSERT_OK(sb_mib_snap__read_files(FIX "before/netstat", NULL, "/nonexistent", &tmp),
		  "missing softnet tolerated");
	sb_mib_snap__free(tmp);
out:
	free(m);
	sb_mib_snap__free(s);
	sb_mib_snap__free(e);
}

static void test_live(void)
{
	struct sb_mib_snap *s = NULL;
	int64_t v;

	/* /proc/thread-self/net exists on any Linux this runs on */
	if (!ASSERT_OK(sb_mib_snap__read(&s), "read live"))
		return;
	ASSERT_OK(sb_mib_snap__get(s, "TcpExt", "ListenOverflows", &v), "live ListenOverflows");
	ASSERT_OK(sb_mib_snap__get(s, "Tcp", "ActiveOpens", &v), "live ActiveOpens");
	sb_mib_snap__free(s);
}

int main(void)
{
	test_files();
	test_text();
	test_live();
	return sb_test_result();
}
