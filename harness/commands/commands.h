/* Sub-commands: bench plot DIR, bench compare BASE NEW, bench sweep ...,
 * bench experiment NAME. */
#ifndef SB_COMMANDS_H
#define SB_COMMANDS_H

/* argv[0] is the sub-command's name. Returns the exit code. */
int sb_command(int argc, char **argv);

#endif
