/* libFuzzer: a baseline's `args` / `compare` file: split like a shell
 * without expansions (the splitter must round-trip through its own join),
 * then read as compare options from BASE/compare. */
#include <errno.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "harness/cli/argsfile.h"
#include "harness/commands/compare.h"
#include "harness/commands/compare_rows.h"

static void free_opts(struct sb_cmp_opts *o)
{
	for (size_t i = 0; i < o->nexact; i++)
		free(o->exact[i]);
	free(o->exact);
	for (size_t i = 0; i < o->nskip; i++)
		free(o->skip[i]);
	free(o->skip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_args a, b;
	struct sb_cmp_opts o = {0};
	char err[1024] = "";
	const char *path;
	int r;

	path = fuzz_write("compare", data, size);
	fuzz_write("args", data, size);
	r = sb_args__load(path, &a, err, sizeof(err));
	if (r == 0) {
		char *line = sb_args__join(a.argv, a.argc);

		if (!line)
			abort();
		/* join gives a line that splits back into the same words */
		if (strlen(line) <= SB_ARGS_MAX_LEN) {
			char e2[1024];

			if (sb_args__split(line, strlen(line), "joined", &b, e2, sizeof(e2)))
				abort();
			if (b.argc != a.argc)
				abort();
			for (int i = 0; i < a.argc; i++)
				if (strcmp(a.argv[i], b.argv[i]))
					abort();
			sb_args__free(&b);
		}
		free(line);
		sb_args__free(&a);
	} else if (r != -ENOMEM && (!strstr(err, path) || strchr(err, '\n'))) {
		abort(); /* one line naming the file */
	}
	err[0] = '\0';
	r = sb_compare_base_opts(&o, fuzz_dir, err, sizeof(err));
	if (r && r != -ENOMEM && (!strstr(err, fuzz_dir) || strchr(err, '\n')))
		abort();
	free_opts(&o);
	return 0;
}
