/* bench sweep: list parsing, combination expansion, per-combination argv,
 * series labels and up-front validation. Pure code, no runs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/commands/sweep.h"
#include "tests/test.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Joins args[1..] with spaces. */
static const char *joined(char **args, int argc, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 1; i < argc; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i > 1 ? " " : "", args[i]);
	return buf;
}

static void test_expand(void)
{
	char *argv[] = {"sweep",    "--backlog", "1,5,128", "--conns=200,400", "--no-probes",
			"--repeat", "3",	 "--out",   "/tmp/x",	       "--mode",
			"crr",	    "--port",	 "6000"};
	char err[512], buf[512], *args[64];
	struct sb_sweep sw;
	int argc;

	ASSERT_OK(sb_sweep_parse(ARGC(argv), argv, &sw, err, sizeof(err)), "parse");
	ASSERT_EQ(sw.list[SB_SW_BACKLOG].n, 3, "backlog values");
	ASSERT_STREQ(sw.list[SB_SW_BACKLOG].v[2], "128", "third backlog");
	ASSERT_EQ(sw.list[SB_SW_CONNS].n, 2, "conns values (--opt=a,b)");
	ASSERT_EQ(sw.list[SB_SW_MODE].n, 1, "a single value is a list of one");
	ASSERT_EQ(sw.list[SB_SW_ACCEPT].n, 0, "accept not given");
	ASSERT_EQ(sw.repeat, 3, "repeat");
	ASSERT_STREQ(sw.out, "/tmp/x", "out");
	ASSERT_EQ(sw.nfixed, 3, "fixed args: --no-probes --port 6000");
	ASSERT_EQ(sb_sweep_combos(&sw), 6, "3 backlogs x 2 conns x 1 mode");

	/* backlog varies fastest, then conns */
	ASSERT_EQ(sb_sweep_value_index(&sw, 0, SB_SW_BACKLOG), 0, "c0 backlog");
	ASSERT_EQ(sb_sweep_value_index(&sw, 2, SB_SW_BACKLOG), 2, "c2 backlog");
	ASSERT_EQ(sb_sweep_value_index(&sw, 3, SB_SW_BACKLOG), 0, "c3 backlog wraps");
	ASSERT_EQ(sb_sweep_value_index(&sw, 2, SB_SW_CONNS), 0, "c2 conns");
	ASSERT_EQ(sb_sweep_value_index(&sw, 3, SB_SW_CONNS), 1, "c3 conns");
	ASSERT_EQ(sb_sweep_value_index(&sw, 5, SB_SW_MODE), 0, "c5 mode");
	ASSERT_EQ(sb_sweep_value_index(&sw, 5, SB_SW_ACCEPT), -1, "accept not given");

	argc = sb_sweep_argv(&sw, 4, NULL, args, 64);
	ASSERT_EQ(argc, 10, "argc of combination 4");
	ASSERT_STREQ(joined(args, argc, buf, sizeof(buf)),
		     "--no-probes --port 6000 --backlog 5 --conns 400 --mode crr", "argv c4");
	ASSERT_TRUE(args[argc] == NULL, "argv NULL-terminated");
	{
		const char *extra[] = {"--out", "d/run-001", "--quiet", NULL};

		argc = sb_sweep_argv(&sw, 0, extra, args, 64);
		ASSERT_STREQ(joined(args, argc, buf, sizeof(buf)),
			     "--no-probes --port 6000 --backlog 1 --conns 200 --mode crr --out "
			     "d/run-001 --quiet",
			     "argv c0 with extra");
	}
	ASSERT_EQ(sb_sweep_argv(&sw, 0, NULL, args, 5), -ENOSPC, "argv too small");

	sb_sweep_series(&sw, 4, buf, sizeof(buf));
	ASSERT_STREQ(buf, "conns=400", "series: only multi-valued, never backlog");
	ASSERT_OK(sb_sweep_validate(&sw, err, sizeof(err)), "validate good combos");
	sb_sweep_free(&sw);
}

static void test_series_all(void)
{
	char *argv[] = {"sweep",	"--backlog", "1,8",	   "--accept",
			"fast,delay:1", "--engine",  "uring,epoll"};
	char err[512], buf[256];
	struct sb_sweep sw;

	ASSERT_OK(sb_sweep_parse(ARGC(argv), argv, &sw, err, sizeof(err)), "parse");
	ASSERT_EQ(sb_sweep_combos(&sw), 8, "2 x 2 x 2");
	sb_sweep_series(&sw, 7, buf, sizeof(buf));
	ASSERT_STREQ(buf, "accept=delay:1/engine=epoll", "series of the last combination");
	sb_sweep_free(&sw);

	{
		char *a2[] = {"sweep", "--backlog", "1,8", "--conns", "200"};

		ASSERT_OK(sb_sweep_parse(ARGC(a2), a2, &sw, err, sizeof(err)), "parse");
		sb_sweep_series(&sw, 1, buf, sizeof(buf));
		ASSERT_STREQ(buf, "all", "nothing else varies");
		ASSERT_EQ(sw.repeat, 1, "default repeat");
		sb_sweep_free(&sw);
	}
	{
		char *a3[] = {"sweep"};

		ASSERT_OK(sb_sweep_parse(ARGC(a3), a3, &sw, err, sizeof(err)), "no options");
		ASSERT_EQ(sb_sweep_combos(&sw), 1, "one combination: the defaults");
		sb_sweep_free(&sw);
	}
}

static void test_syncookies_bare(void)
{
	char *a1[] = {"sweep", "--syncookies", "--backlog", "4"};
	char *a2[] = {"sweep", "--syncookies", "0,1", "--backlog", "4"};
	char err[512];
	struct sb_sweep sw;

	ASSERT_OK(sb_sweep_parse(ARGC(a1), a1, &sw, err, sizeof(err)), "bare --syncookies");
	ASSERT_EQ(sw.list[SB_SW_SYNCOOKIES].n, 0, "bare flag is not a list");
	ASSERT_EQ(sw.nfixed, 1, "bare flag passed as given");
	ASSERT_EQ(sw.list[SB_SW_BACKLOG].n, 1, "backlog after it");
	sb_sweep_free(&sw);
	ASSERT_OK(sb_sweep_parse(ARGC(a2), a2, &sw, err, sizeof(err)), "--syncookies 0,1");
	ASSERT_EQ(sw.list[SB_SW_SYNCOOKIES].n, 2, "two values");
	ASSERT_OK(sb_sweep_validate(&sw, err, sizeof(err)), "both valid");
	sb_sweep_free(&sw);
}

static void expect_parse_error(char **argv, int argc, const char *needle, const char *name)
{
	char err[512] = "";
	struct sb_sweep sw;
	int r = sb_sweep_parse(argc, argv, &sw, err, sizeof(err));

	ASSERT_EQ(r, -EINVAL, name);
	ASSERT_TRUE(strstr(err, needle) != NULL, name);
	if (!strstr(err, needle))
		fprintf(stderr, "    error was: %s\n", err);
	sb_sweep_free(&sw);
}

static void test_parse_errors(void)
{
	char *e1[] = {"sweep", "--backlog", "1,,8"};
	char *e2[] = {"sweep", "--backlog", "1,8,"};
	char *e3[] = {"sweep", "--conns", "5,5"};
	char *e4[] = {"sweep", "--repeat", "0"};
	char *e5[] = {"sweep", "--repeat", "x"};
	char *e6[] = {"sweep", "--json"};
	char *e7[] = {"sweep", "--out"};
	char *e8[] = {"sweep", "--backlog", ",1"};

	expect_parse_error(e1, ARGC(e1), "--backlog has an empty value", "empty element");
	expect_parse_error(e2, ARGC(e2), "empty value", "trailing comma");
	expect_parse_error(e8, ARGC(e8), "empty value", "leading comma");
	expect_parse_error(e3, ARGC(e3), "twice", "duplicate value");
	expect_parse_error(e4, ARGC(e4), "--repeat must be", "repeat 0");
	expect_parse_error(e5, ARGC(e5), "--repeat must be", "repeat x");
	expect_parse_error(e6, ARGC(e6), "--json", "--json refused");
	expect_parse_error(e7, ARGC(e7), "needs a value", "--out without value");
}

static void test_validate_errors(void)
{
	char *a1[] = {"sweep", "--backlog", "1,8,70000", "--conns", "200"};
	char *a2[] = {"sweep", "--accept", "fast,bogus"};
	char *a3[] = {"sweep", "--backlog", "1", "--bogus-option"};
	char *a4[] = {"sweep", "--mode", "connect,crr", "--req", "10"};
	char err[1024];
	struct sb_sweep sw;

	ASSERT_OK(sb_sweep_parse(ARGC(a1), a1, &sw, err, sizeof(err)), "parse a1");
	ASSERT_EQ(sb_sweep_validate(&sw, err, sizeof(err)), -EINVAL, "backlog 70000");
	ASSERT_TRUE(strstr(err, "--backlog") && strstr(err, "combination 3 of 3"), "names it");
	sb_sweep_free(&sw);

	ASSERT_OK(sb_sweep_parse(ARGC(a2), a2, &sw, err, sizeof(err)), "parse a2");
	ASSERT_EQ(sb_sweep_validate(&sw, err, sizeof(err)), -EINVAL, "accept bogus");
	ASSERT_TRUE(strstr(err, "--accept") != NULL, "names --accept");
	sb_sweep_free(&sw);

	ASSERT_OK(sb_sweep_parse(ARGC(a3), a3, &sw, err, sizeof(err)), "parse a3");
	ASSERT_EQ(sb_sweep_validate(&sw, err, sizeof(err)), -EINVAL, "unknown option");
	sb_sweep_free(&sw);

	/* --req conflicts with --mode connect: only the first combination */
	ASSERT_OK(sb_sweep_parse(ARGC(a4), a4, &sw, err, sizeof(err)), "parse a4");
	ASSERT_EQ(sb_sweep_validate(&sw, err, sizeof(err)), -EINVAL, "conflict in one combo");
	ASSERT_TRUE(strstr(err, "combination 1 of 2") != NULL, "first combination");
	sb_sweep_free(&sw);
}

int main(void)
{
	test_expand();
	test_series_all();
	test_syncookies_bare();
	test_parse_errors();
	test_validate_errors();
	return sb_test_result();
}
