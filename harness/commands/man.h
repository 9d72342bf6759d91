/* synbench(8): the man page, printed as roff from the same option tables
 * that drive the parsers and --help (harness/cli/optparse.h), so the page
 * cannot drift from them. The build runs `synbench man` to write
 * build/synbench.8, which `cmake --install` puts in share/man/man8. */
#ifndef SB_MAN_H
#define SB_MAN_H

#include <stdio.h>

/* The whole page as roff (man(7) macros). 0, or -EIO when f failed. */
int sb_man_write(FILE *f);

/* Every option the page documents, one per line as "COMMAND --name"
 * ("run" for the main job's options), for tests/e2e/test_man.sh. */
void sb_man_names(FILE *f);

/* `synbench man [--names]`: the page (or the names) on stdout. Used by the
 * build and the tests; not listed in --help. Returns the exit code. */
int sb_man_main(int argc, char **argv);

#endif
