/* bench plot DIR: the sub-command that redraws a result directory's plots and regenerates its reports. */
#ifndef SB_PLOT_H
#define SB_PLOT_H

/* bench plot [--no-plot] DIR: harness/output/render.h from the files in DIR.
 * Exit codes as sb_render_dir. */
int sb_plot_main(int argc, char **argv);

struct sb_optset;
/* The options bench plot --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_plot_optset(void);

#endif
