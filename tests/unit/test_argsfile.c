/* harness/cli/argsfile.c: the baseline `args`/`compare` files split like a shell
 * without expansions; join gives back a line that splits the same. */
#include <errno.h>
#include <string.h>

#include "tests/test.h"
#include "harness/cli/argsfile.h"

struct split_case {
	const char *text;
	int ret;
	const char *words[6]; /* or the message fragment in words[0] on error */
};

int main(void)
{
	static const struct split_case cases[] = {
	    {"--mode crr --conns 2000\n", 0, {"--mode", "crr", "--conns", "2000"}},
	    {"  \t\n", 0, {NULL}},
	    {"--label 'a b' x\"y z\"w", 0, {"--label", "a b", "xy zw"}},
	    {"a\\ b 'it'\\''s' \"q\\\"\"", 0, {"a b", "it's", "q\""}},
	    {"--accept delay:1 --exact a,b.c=5%",
	     0,
	     {"--accept", "delay:1", "--exact", "a,b.c=5%"}},
	    {"'$(x) ; *'", 0, {"$(x) ; *"}},
	    {"--conns $(reboot)", -EINVAL, {"column 9: '$' would be expanded"}},
	    {"a;b", -EINVAL, {"column 2: ';'"}},
	    {"*", -EINVAL, {"'*' would be expanded"}},
	    {"\"$HOME\"", -EINVAL, {"inside \"...\""}},
	    {"'abc", -EINVAL, {"column 1: the quote ' is never closed"}},
	    {"'a\nb'", -EINVAL, {"never closed"}},
	    {"abc\\", -EINVAL, {"backslash ends the line"}},
	    {"a\x01", -EINVAL, {"control character 0x01"}},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct split_case *c = &cases[i];
		struct sb_args a;
		int r = sb_args__split(c->text, strlen(c->text), "f", &a, err, sizeof(err));

		if (!ASSERT_EQ(r, c->ret, c->text))
			continue;
		if (r) {
			ASSERT_TRUE(strstr(err, c->words[0]) != NULL, c->words[0]);
			ASSERT_TRUE(strncmp(err, "f: ", 3) == 0 && !strchr(err, '\n'),
				    "one line naming the file");
			continue;
		}
		{
			int n = 0;
			char *line;
			struct sb_args b;

			while (n < 6 && c->words[n])
				n++;
			ASSERT_EQ(a.argc, n, "word count");
			for (int k = 0; k < n && k < a.argc; k++)
				ASSERT_STREQ(a.argv[k], c->words[k], "word");
			ASSERT_TRUE(a.argv[a.argc] == NULL, "argv NULL-terminated");
			line = sb_args__join(a.argv, a.argc);
			if (ASSERT_OK(
				sb_args__split(line, strlen(line), "joined", &b, err, sizeof(err)),
				"join splits back")) {
				ASSERT_EQ(b.argc, a.argc, "round trip count");
				for (int k = 0; k < a.argc && k < b.argc; k++)
					ASSERT_STREQ(b.argv[k], a.argv[k], "round trip word");
				sb_args__free(&b);
			}
			free(line);
			sb_args__free(&a);
		}
	}
	{
		struct sb_args a;
		int r = sb_args__load("/nonexistent/args", &a, err, sizeof(err));

		ASSERT_EQ(r, -ENOENT, "missing file");
		ASSERT_TRUE(strstr(err, "/nonexistent/args: No such file") != NULL, err);
		r = sb_args__load(SB_FIXTURES "/../../results/baselines/crr-2000/args", &a, err,
				  sizeof(err));
		ASSERT_OK(r, "the committed baseline's args");
		ASSERT_EQ(a.argc, 8, "its words");
		sb_args__free(&a);
	}
	return sb_test_result();
}
