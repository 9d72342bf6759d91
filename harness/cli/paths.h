/* Where synbench's data files are: the gnuplot scripts and the experiment
 * scripts, in a checkout or in an installed tree. One lookup for all. */
#ifndef SB_PATHS_H
#define SB_PATHS_H

#include <stddef.h>

/* The directory holding the data set `what` ("plots" or "experiments"),
 * found in this order: $SYNBENCH_DATADIR/<what>; $SB_SRC/scripts/<what>;
 * <the binary's directory>/../share/synbench/<what> (installed with
 * `cmake --install`, any prefix); the source tree the binary was built from.
 * 0, or -ENOENT. */
int sb_data_dir(const char *what, char *buf, size_t len);

#endif
