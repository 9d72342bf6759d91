/* bench compare, the printing side: the rows compare_rows.c decided as a
 * table (stdout), JSON (--json), JUnit XML (--junit) and Markdown
 * (--markdown). Files are written to a temporary name and renamed. */
#ifndef SB_COMPARE_OUT_H
#define SB_COMPARE_OUT_H

#include <stdio.h>

#include "harness/commands/compare_rows.h"

struct sb_cmp_report {
	const struct sb_cmp_opts *o;
	const struct sb_cmp_rows *rs;
	const struct sb_cmp_side *b, *n;
	size_t checks, fails;
};

/* Fills checks and fails. */
void sb_cmp_report_count(struct sb_cmp_report *r);

int sb_cmp_out_table(FILE *f, const struct sb_cmp_report *r);
int sb_cmp_out_json(FILE *f, const struct sb_cmp_report *r);
int sb_cmp_out_junit(FILE *f, const struct sb_cmp_report *r);
int sb_cmp_out_markdown(FILE *f, const struct sb_cmp_report *r);
/* "compare: PASS (N checks)" or "compare: FAIL: a (why); b (why)". */
void sb_cmp_out_verdict(FILE *f, const struct sb_cmp_report *r);

/* Writes path through fn into path's directory under a temporary name,
 * then renames it; nothing is left on failure. */
int sb_cmp_write_file(const char *path, int (*fn)(FILE *, const struct sb_cmp_report *),
		      const struct sb_cmp_report *r, char *err, size_t len);

#endif
