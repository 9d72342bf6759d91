/* The option engine (harness/cli/optparse.c) on a small table of every kind:
 * values, spellings, "--", positionals, groups, errors, help. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"
#include "tests/test.h"

enum { T_FLAG, T_COUNT, T_NUM, T_CHOICE, T_NAME, T_CUSTOM, T_SECRET, T_HELP, T_N };

struct t_opts {
	int flag, count, choice;
	uint32_t num;
	char name[8];
	const char *custom;
	const char *pos[4];
	int npos;
	int nrest;
};

static const char *const colours[] = {"red", "green", NULL};

/* clang-format off */
static const struct sb_optdef table[] = {
	{ .help = "Things:", .kind = SB_OPT_HEADING },
	{ "flag", 'f', SB_ARG_NONE, SB_OPT_FLAG, T_FLAG, NULL, "a flag", NULL, NULL, 0, 0, NULL,
	  SB_FLD(struct t_opts, flag), 0 },
	{ "verbose", 'v', SB_ARG_NONE, SB_OPT_COUNT, T_COUNT, NULL, "more", NULL, NULL, 0, 0, NULL,
	  SB_FLD(struct t_opts, count), 0 },
	{ "num", 0, SB_ARG_REQ, SB_OPT_UINT, T_NUM, "N", "a number", "7", "9", 1, 10, NULL,
	  SB_FLD(struct t_opts, num), 0 },
	{ "colour", 0, SB_ARG_REQ, SB_OPT_CHOICE, T_CHOICE, "C", "a colour", "red", "green", 0, 0,
	  colours, SB_FLD(struct t_opts, choice), 0 },
	{ "name", 0, SB_ARG_REQ, SB_OPT_STRING, T_NAME, "S", "a short name", NULL, "bob", 0, 0, NULL,
	  SB_STR_FLD(struct t_opts, name), 0 },
	{ "custom", 0, SB_ARG_OPT, SB_OPT_CUSTOM, T_CUSTOM, "[X]", "the callback's", NULL, "x",
	  .fld = SB_FLD_NONE },
	{ "secret", 0, SB_ARG_NONE, SB_OPT_FLAG, T_SECRET, NULL, "group 2 only", NULL, NULL, 0, 0,
	  NULL, SB_FLD(struct t_opts, flag), 2 },
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, T_HELP, NULL, "this text", .fld = SB_FLD_NONE },
};
/* clang-format on */

static int apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct t_opts *o = ctx;

	if (val && strcmp(val, "bad") == 0)
		return sb_errf(err, len, -EINVAL, "--%s: bad", d->name);
	o->custom = val ? val : "(bare)";
	return 0;
}

static int positional(void *ctx, const char *arg, char *err, size_t len)
{
	struct t_opts *o = ctx;

	if (o->npos == 4)
		return sb_errf(err, len, -EINVAL, "too many");
	o->pos[o->npos++] = arg;
	return 0;
}

static int rest(void *ctx, int argc, char **argv, char *err, size_t len)
{
	(void)argv;
	(void)err;
	(void)len;
	((struct t_opts *)ctx)->nrest = argc;
	return 0;
}

static struct sb_optset set = {
	.cmd = "test",
	.defs = table,
	.ndefs = sizeof(table) / sizeof(table[0]),
	.groups = 1,
	.apply = apply,
	.positional = positional,
};

static int parse(const char *line, struct t_opts *o, unsigned char *given, char *err,
		 size_t len)
{
	static char buf[512];
	char *argv[32] = {"test"}, *save = NULL;
	int argc = 1;

	memset(o, 0, sizeof(*o));
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	return sb_optparse(&set, argc, argv, 1, o, o, given, err, len);
}

static void test_good(void)
{
	unsigned char given[T_N] = {0};
	struct t_opts o;
	char err[256];

	ASSERT_OK(parse("--flag -v -v --num 3 --colour=green --name bob a b", &o, given, err,
			sizeof(err)),
		  "a full line");
	ASSERT_EQ(o.flag, 1, "flag");
	ASSERT_EQ(o.count, 2, "-v -v counts");
	ASSERT_EQ(o.num, 3, "num");
	ASSERT_EQ(o.choice, 1, "colour=green");
	ASSERT_STREQ(o.name, "bob", "name");
	ASSERT_EQ(o.npos, 2, "two positionals");
	ASSERT_TRUE(given[T_NUM] && given[T_FLAG] && !given[T_CUSTOM], "given[]");
	ASSERT_OK(parse("--num=4 --num 5", &o, NULL, err, sizeof(err)), "later wins");
	ASSERT_EQ(o.num, 5, "later wins: 5");
	ASSERT_OK(parse("--custom --flag", &o, NULL, err, sizeof(err)), "bare optional value");
	ASSERT_STREQ(o.custom, "(bare)", "bare custom");
	ASSERT_OK(parse("--custom y", &o, NULL, err, sizeof(err)), "optional value");
	ASSERT_STREQ(o.custom, "y", "custom y");
	ASSERT_OK(parse("a -- --flag b", &o, NULL, err, sizeof(err)), "-- ends the options");
	ASSERT_EQ(o.npos, 3, "after --: positionals");
	ASSERT_EQ(o.flag, 0, "--flag after -- is a word");
	set.rest = rest;
	ASSERT_OK(parse("-- x y", &o, NULL, err, sizeof(err)), "rest callback");
	ASSERT_EQ(o.nrest, 2, "rest gets the words after --");
	set.rest = NULL;
	ASSERT_OK(parse("--name --x", &o, NULL, err, sizeof(err)), "a value may start with --");
	ASSERT_STREQ(o.name, "--x", "value --x");
	ASSERT_EQ(parse("-h --num 0", &o, NULL, err, sizeof(err)), T_HELP, "help returns its id");
}

static void test_bad(void)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
	    {"--nmu 3", "unknown option '--nmu'; did you mean --num? see synbench test --help"},
	    {"--zzzzzz", "unknown option '--zzzzzz'; see synbench test --help"},
	    {"--num 11", "--num must be a whole number from 1 to 10 (got '11'); try --num 9"},
	    {"--num -1", "--num must be a whole number from 1 to 10 (got '-1'); try --num 9"},
	    {"--num", "--num needs a value; e.g. --num 9"},
	    {"--num --flag", "--num needs a value; e.g. --num 9"},
	    {"--colour blue", "--colour must be one of red|green (got 'blue'); try --colour green"},
	    {"--name toolongname", "--name needs a value of 1 to 7 bytes (got 11); try --name bob"},
	    {"--flag=1", "--flag takes no value (got '--flag=1'); write just --flag"},
	    {"--custom=bad", "--custom: bad"},
	    {"--secret", "unknown option '--secret'; see synbench test --help"},
	    {"-x", "unknown option '-x'; see synbench test --help"},
	};
	struct t_opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(parse(bad[i].line, &o, NULL, err, sizeof(err)), -EINVAL, bad[i].line);
		ASSERT_STREQ(err, bad[i].msg, bad[i].line);
	}
	set.positional = NULL;
	ASSERT_EQ(parse("word", &o, NULL, err, sizeof(err)), -EINVAL, "no positionals");
	ASSERT_STREQ(err,
		     "unexpected argument 'word'; synbench test takes only --options here, see "
		     "synbench test --help",
		     "no positionals: message");
	set.positional = positional;
	set.groups = 2;
	ASSERT_OK(parse("--secret", &o, NULL, err, sizeof(err)), "group 2 sees --secret");
	set.groups = 1;
}

static void test_help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!ASSERT_OK_PTR(f, "memstream"))
		return;
	sb_optparse_help(f, &set);
	fclose(f);
	ASSERT_TRUE(strstr(buf, " Things:\n"), "heading");
	ASSERT_TRUE(strstr(buf, "  -f, --flag "), "short and long");
	ASSERT_TRUE(strstr(buf, "--num N") && strstr(buf, "a number, 1..10 (default 7)"),
		    "range and default from the table");
	ASSERT_TRUE(!strstr(buf, "--secret"), "other groups' options are not shown");
	free(buf);
}

int main(void)
{
	test_good();
	test_bad();
	test_help();
	return sb_test_result();
}
