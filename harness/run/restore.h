/* Sysctls changed in a network namespace synbench did not create (--netns,
 * a host's own namespace across machines) are put back when the run ends.
 *
 * Before the first change a journal is written (temp file, fsync, rename)
 * in SB_RESTORE_DIR, a root-only directory on tmpfs, one file per run
 * (PID-NETNS_INODE): the writer's pid and start time, the namespace's
 * inode (and cookie, and the path it was entered by), and for each sysctl
 * its name, its value before and the value written. At the end every value
 * that still holds what was written gets its value before back; one that
 * someone changed since is left, with a one-line warning. A journal whose
 * writer died (SIGKILL) is put back by the next run or `bench doctor`
 * (sb_restore_recover), in the namespace found by inode, from a thread
 * (the caller's own namespace is untouched).
 *
 * Two runs changing the same namespace at once: the later one records the
 * first one's value before, and whichever ends last puts it back. */
#ifndef SB_RESTORE_H
#define SB_RESTORE_H

#include <stddef.h>

#define SB_RESTORE_DIR "/run/synbench/restore"

struct sb_restore;

/* Starts recording for the calling thread's network namespace, entered by
 * via ("/run/netns/NAME"; NULL: found from the inode). Nothing is written
 * until the first sb_restore__set. 0 or negative errno (one line in err). */
int sb_restore__open(const char *via, struct sb_restore **out, char *err, size_t errlen);

/* Records name's value now and value in the journal (on disk, synced), then
 * writes value to the sysctl in the calling thread's namespace (the one of
 * open). A value already in place is not written nor recorded. 0, or
 * negative errno: with err[0] == 0 the kernel's answer to reading or
 * writing the sysctl (it lacks it, refuses the value), else a one-line
 * reason with the fix (the journal could not be written: nothing changed). */
int sb_restore__set(struct sb_restore *r, const char *name, const char *value, char *err,
		    size_t errlen);

/* Puts back every value still as written (others: a one-line warning each),
 * removes the journal and frees r. NULL is fine. */
void sb_restore__close(struct sb_restore *r);

/* Async-signal-safe: puts back, from the calling thread, every value the
 * running sb_restore of this process wrote that still holds it, and
 * removes its journal (kept when another run of the namespace changed one
 * too, or a value could not be written: the next run puts it back). For a
 * signal handler that ends the process at once; without one, nothing. */
void sb_restore_now(void);

/* Journals left by writers that are gone: each namespace put back as above
 * and the journal removed, with one line on stderr ("restored ... in netns
 * NAME, left by synbench pid N that did not exit cleanly"); a namespace that
 * is gone: the journal dropped, said so. Live writers' journals are left
 * alone. The number of journals handled, or negative errno. */
int sb_restore_recover(void);

#endif
