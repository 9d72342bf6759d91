/* Shared by the libFuzzer targets: a private scratch directory, and writing
 * the input to a file in it (the readers under test take paths). */
#ifndef SB_FUZZ_UTIL_H
#define SB_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];

static void fuzz_cleanup(void)
{
	static const char *const names[] = {
		"summary.json", "config.json", "connections.csv", "queue.csv", "dwell.csv", "args",
		"compare", "plots/latency_cdf.dat", "plots/latency_marks.dat",
		"plots/latency_time.dat", "plots/latency_time_pct.dat",
		"plots/latency_time_info.dat", "plots/queue.dat", "plots/breakdown.dat",
		"plots/outcomes.dat", "plots"};
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(fuzz_dir);
}

static void fuzz_init_dir(void)
{
	if (fuzz_dir[0])
		return;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/sb-fuzz-XXXXXX");
	if (!mkdtemp(fuzz_dir))
		abort();
	atexit(fuzz_cleanup);
}

/* fuzz_dir/name := data; returns the path (static buffer). */
static const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	FILE *f;

	fuzz_init_dir();
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return path;
}

#endif
