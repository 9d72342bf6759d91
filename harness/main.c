/* synbench: TCP connection setup, measured from the kernel and from user
 * space, joined per connection. `bench --help` lists everything. */
#include <stdio.h>
#include <string.h>

#include "harness/msg.h"
#include "harness/opts.h"
#include "harness/run.h"
#include "harness/commands.h"

int main(int argc, char **argv)
{
	struct sb_opts o;
	char err[1024] = "";
	int r;

	sb_prog_set(argv[0]);
	if (argc > 1 && argv[1][0] != '-')
		return sb_command(argc - 1, argv + 1);
	r = sb_opts_parse(argc, argv, &o, err, sizeof(err));
	if (r == SB_OPTS_HELP) {
		sb_print_help(stdout);
		return 0;
	}
	if (r == SB_OPTS_VERSION) {
		printf("synbench %s\n", SB_VERSION);
		return 0;
	}
	if (r != 0) {
		sb_error("%s", err);
		return 2;
	}
	return sb_run(&o);
}
