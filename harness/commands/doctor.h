/* `bench doctor`: each probe component's mode on this machine and why not a
 * better one, with the kernel, BTF, libbpf, privileges, io_uring and sysctls. */
#ifndef SB_DOCTOR_H
#define SB_DOCTOR_H

/* argv[0] is "doctor". Returns the exit code: 0 when a probes-on run can
 * work, 2 otherwise. */
int sb_doctor_main(int argc, char **argv);

struct sb_optset;
/* The options bench doctor --help lists (harness/cli/optparse.h), for the man page
 * (harness/commands/man.c). */
const struct sb_optset *sb_doctor_optset(void);

#endif
