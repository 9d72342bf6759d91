/* The restore journal's text (harness/run/restore_journal.c): a journal
 * reads back as written; anything but sysctl names under net. and numbers
 * is refused, so a journal is never code or a path. */
#include <errno.h>
#include <string.h>

#include "tests/test.h"
#include "harness/run/restore_journal.h"

static const char good[] = "synbench-restore 1\n"
			   "pid 4242\n"
			   "start 1234567\n"
			   "netns 4026532316\n"
			   "cookie 4097\n"
			   "via /run/netns/web-1\n"
			   "set\tnet.ipv4.tcp_syncookies\t1\t0\n"
			   "set\tnet.ipv4.ip_local_port_range\t32768 60999\t20000 30000\n";

static void test_roundtrip(void)
{
	struct sb_journal j, k;
	char buf[1024], err[128] = "";

	if (!ASSERT_OK(sb_journal_parse(good, &j, err, sizeof(err)), "a good journal parses"))
		fprintf(stderr, "  (%s)\n", err);
	ASSERT_EQ(j.pid, 4242, "pid");
	ASSERT_EQ(j.start, 1234567, "start");
	ASSERT_EQ(j.netns, 4026532316ull, "netns");
	ASSERT_EQ(j.cookie, 4097, "cookie");
	ASSERT_STREQ(j.via, "/run/netns/web-1", "via");
	ASSERT_EQ(j.n, 2, "two sysctls");
	ASSERT_STREQ(j.set[1].name, "net.ipv4.ip_local_port_range", "name");
	ASSERT_STREQ(j.set[1].before, "32768 60999", "before");
	ASSERT_STREQ(j.set[1].written, "20000 30000", "written");
	ASSERT_EQ(sb_journal_format(&j, buf, sizeof(buf)), (long long)strlen(good), "formats");
	ASSERT_STREQ(buf, good, "the same text back");
	ASSERT_OK(sb_journal_parse(buf, &k, err, sizeof(err)), "and parses again");
	ASSERT_EQ(sb_journal_format(&j, buf, 40), -ENOSPC, "too small a buffer");
	snprintf(j.set[0].name, sizeof(j.set[0].name), "net/../../etc/x");
	ASSERT_EQ(sb_journal_format(&j, buf, sizeof(buf)), -EINVAL, "a bad name is not written");
}

/* good with its line at offset of "from" replaced by "to" */
static void refused(const char *from, const char *to, const char *name)
{
	char text[1024], err[128] = "";
	const char *at = strstr(good, from);
	struct sb_journal j;

	if (!ASSERT_OK_PTR(at, name))
		return;
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	ASSERT_EQ(sb_journal_parse(text, &j, err, sizeof(err)), -EINVAL, name);
	ASSERT_TRUE(strncmp(err, "line ", 5) == 0, "says which line");
}

static void test_refused(void)
{
	struct sb_journal j;
	char err[128];

	refused("synbench-restore 1", "#!/bin/sh", "another magic");
	refused("\tnet.ipv4.tcp_syncookies\t", "\tkernel.core_pattern\t", "a sysctl outside net.");
	refused("\tnet.ipv4.tcp_syncookies\t", "\tnet.ipv4/../../../etc/passwd\t", "a path");
	refused("\tnet.ipv4.tcp_syncookies\t", "\tnet..ipv4\t", "an empty part");
	refused("\tnet.ipv4.tcp_syncookies\t", "\tnet.ipv4.conf.Eth0\t", "upper case");
	refused("\tnet.ipv4.tcp_syncookies\t", "\tnet.ipv4.\t", "a trailing dot");
	refused("\t1\t0\n", "\t1;reboot\t0\n", "a value with code");
	refused("\t1\t0\n", "\t-1\t0\n", "a sign");
	refused("\t1\t0\n", "\t\t0\n", "an empty value");
	refused("\t1\t0\n", "\t1\t0\t5\n", "a fourth field");
	refused("\t1\t0\n", "\t1\n", "a missing field");
	refused("via /run/netns/web-1", "via /etc/passwd", "a via elsewhere");
	refused("via /run/netns/web-1", "via /run/netns/../x", "a via with a path");
	refused("via /run/netns/web-1", "via /run/netns/..", "via ..");
	refused("pid 4242", "pid 0", "pid 0");
	refused("pid 4242", "pid 42x", "a bad pid");
	refused("netns 4026532316", "netns -1", "a bad inode");
	refused("cookie 4097\n", "cookie 4097\ncookie 1\n", "a line twice");
	refused("cookie 4097\n", "cookie 4097\nrm -rf /\n", "an unknown line");
	refused("set\tnet.ipv4.ip_local_port_range", "set\tnet.ipv4.tcp_syncookies",
		"a name twice");
	refused("30000\n", "30000", "no end of line");
	ASSERT_EQ(sb_journal_parse("synbench-restore 1\nset\tnet.core.somaxconn\t1\t2\n", &j, err,
				   sizeof(err)),
		  -EINVAL, "a set before pid, start and netns");
	ASSERT_EQ(sb_journal_parse("", &j, err, sizeof(err)), -EINVAL, "empty");
}

static void test_values(void)
{
	ASSERT_TRUE(sb_journal_values_equal("20000\t30000", "20000 30000"), "tab = space");
	ASSERT_TRUE(sb_journal_values_equal("016", "16"), "leading zeros");
	ASSERT_TRUE(sb_journal_values_equal(" 0 ", "0"), "blanks around");
	ASSERT_FALSE(sb_journal_values_equal("20000 30000", "20000"), "a number more");
	ASSERT_FALSE(sb_journal_values_equal("1", "10"), "1 != 10");
	ASSERT_FALSE(sb_journal_values_equal("x", "x"), "invalid equals nothing");
	ASSERT_TRUE(sb_journal_name_ok("net.ipv4.tcp_syn_linear_timeouts"), "a long name");
	ASSERT_FALSE(sb_journal_name_ok("net"), "net alone");
	ASSERT_TRUE(sb_journal_via_ok(""), "no via");
	ASSERT_TRUE(sb_journal_via_ok("/proc/1/ns/net"), "the initial namespace");
	ASSERT_FALSE(sb_journal_via_ok("/proc/2/ns/net"), "another process's");
}

int main(void)
{
	test_roundtrip();
	test_refused();
	test_values();
	return sb_test_result();
}
