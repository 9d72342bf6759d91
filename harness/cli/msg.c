/* The program's name in messages and the one-line error helpers (msg.h). */
#include "harness/cli/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Written once by main before anything else runs; read-only after. */
static char prog[32] = "synbench";

void sb_prog_set(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	if (base && *base)
		snprintf(prog, sizeof(prog), "%s", base);
}

const char *sb_prog(void)
{
	return prog;
}

int sb_errf(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return code;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return code;
}

void sb_error(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, line);
}
